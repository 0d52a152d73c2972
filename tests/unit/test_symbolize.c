/*
 * test_symbolize.c: addresses of this very program resolve to their
 * function (static ones too, through the sorted symbol index) with file and
 * line (the allocator and wrapper rule is tests/unit/test_callsite.c).
 */
#include "arena.h"
#include "symbolize.h"

#include "check_main.h"
#include "tstate.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* Distinct static functions, kept out of line; their return addresses are
 * what a stack would hold. */
__attribute__((noinline)) static uintptr_t where_am_i(void)
{
	return (uintptr_t)__builtin_return_address(0);
}

__attribute__((noinline)) static uintptr_t caller_of_where(void)
{
	uintptr_t ra = where_am_i(); /* a return address inside this function */
	__asm__ volatile("" ::: "memory");
	return ra;
}

START_TEST(symbolize_static_function_by_return_address)
{
	ck_assert_int_eq(arena_init(), 0);
	symbolize_configure(true);
	symbolize_refresh();
	struct symbolize_result r;
	symbolize_addr(caller_of_where(), &r);
	ck_assert_uint_ge(r.nframes, 1);
	const struct symbolize_frame *f = &r.frames[r.nframes - 1];
	ck_assert_ptr_nonnull(f->function);
	ck_assert_str_eq(f->function, "caller_of_where");
	ck_assert_ptr_nonnull(f->file);
	ck_assert_msg(strstr(f->file, "test_symbolize.c") != NULL, "file is %s", f->file);
	ck_assert_int_gt(f->line, 0);
}
END_TEST

START_TEST(symbolize_names_mode_names_without_lines)
{
	ck_assert_int_eq(arena_init(), 0);
	symbolize_configure(false);
	symbolize_refresh();
	struct symbolize_result r;
	symbolize_addr(caller_of_where(), &r);
	ck_assert_uint_eq(r.nframes, 1);
	ck_assert_int_eq(r.resolution, SYMBOLIZE_SYMBOL);
	ck_assert(!r.jit);
	ck_assert_ptr_nonnull(r.frames[0].function);
	ck_assert_str_eq(r.frames[0].function, "caller_of_where");
	ck_assert_str_eq(r.symbol, "caller_of_where");
	ck_assert_ptr_null(r.frames[0].file);
	ck_assert_int_eq(r.frames[0].line, 0);
}
END_TEST

/* An inlined helper: in full mode its address gives two frames, the
 * helper (with its own line) and its caller at the line of the call. */
static volatile int sink;
__attribute__((noinline)) static uintptr_t ret_addr(void)
{
	return (uintptr_t)__builtin_return_address(0);
}

static inline __attribute__((always_inline)) uintptr_t inlined_helper(void)
{
	sink++;
	uintptr_t pc = ret_addr(); /* a return address inside the inlined code */
	sink++;
	return pc;
}

__attribute__((noinline)) static uintptr_t calls_inlined(void)
{
	uintptr_t pc = inlined_helper(); /* call line */
	__asm__ volatile("" ::: "memory");
	return pc;
}

START_TEST(symbolize_full_mode_reports_inlined_frames)
{
	ck_assert_int_eq(arena_init(), 0);
	symbolize_configure(true);
	symbolize_refresh();
	struct symbolize_result r;
	symbolize_addr(calls_inlined(), &r);
	ck_assert_int_eq(r.resolution, SYMBOLIZE_LINES);
	ck_assert_uint_eq(r.nframes, 2);
	ck_assert_str_eq(r.frames[0].function, "inlined_helper");
	ck_assert_str_eq(r.frames[1].function, "calls_inlined");
	ck_assert_ptr_nonnull(r.frames[1].file);
	ck_assert_msg(strstr(r.frames[1].file, "test_symbolize.c") != NULL, "file is %s", r.frames[1].file);
	ck_assert_int_gt(r.frames[1].line, 0);
	ck_assert_int_gt(r.frames[0].line, 0);
	ck_assert_int_ne(r.frames[0].line, r.frames[1].line);
}
END_TEST

START_TEST(symbolize_address_in_no_mapping_is_unresolved)
{
	ck_assert_int_eq(arena_init(), 0);
	symbolize_configure(false);
	symbolize_refresh();
	struct symbolize_result r;
	symbolize_addr(16, &r);
	ck_assert_int_eq(r.resolution, SYMBOLIZE_UNRESOLVED);
	ck_assert(!r.jit);
	ck_assert_ptr_null(r.frames[0].function);
	ck_assert_ptr_null(r.symbol);
}
END_TEST

START_TEST(symbolize_libc_function)
{
	ck_assert_int_eq(arena_init(), 0);
	symbolize_refresh();
	struct symbolize_result r;
	/* an address inside qsort (+1: symbolize_addr looks up addr - 1) */
	symbolize_addr((uintptr_t)&qsort + 1, &r);
	ck_assert_uint_ge(r.nframes, 1);
	const char *fn = r.frames[r.nframes - 1].function;
	ck_assert_ptr_nonnull(fn);
	ck_assert_msg(strstr(fn, "qsort") != NULL, "function is %s", fn);
	ck_assert(strchr(fn, '@') == NULL); /* no symbol version */
}
END_TEST


int main(void)
{
	/* the tables' callers hold the guard (asserted in --enable-debug builds) */
	tstate_guard_enter(&tstate_tls);
	Suite *s = suite_create("symbolize");
	TCase *names = tcase_create("names");
	tcase_set_timeout(names, 60);
	tcase_add_test(names, symbolize_static_function_by_return_address);
	tcase_add_test(names, symbolize_libc_function);
	tcase_add_test(names, symbolize_names_mode_names_without_lines);
	tcase_add_test(names, symbolize_full_mode_reports_inlined_frames);
	tcase_add_test(names, symbolize_address_in_no_mapping_is_unresolved);
	suite_add_tcase(s, names);
	return check_main_run(s);
}
