/*
 * test_stacktab.c: stack interning stores each distinct stack once, with
 * stable ids, from concurrent threads; counters add up.
 */
#include "arena.h"
#include "modmap.h"
#include "stacktab.h"

#include "check_main.h"
#include "tstate.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>

static void setup(void)
{
	ck_assert_int_eq(arena_init(), 0);
	ck_assert_int_eq(stacktab_init(), 0);
}

START_TEST(stacktab_same_frames_same_entry)
{
	uintptr_t a[] = {1, 2, 3}, b[] = {1, 2, 3}, c[] = {1, 2, 4};
	struct stacktab_entry *ea = stacktab_intern(a, 3, false, 0);
	struct stacktab_entry *eb = stacktab_intern(b, 3, false, 0);
	struct stacktab_entry *ec = stacktab_intern(c, 3, false, 0);
	ck_assert_ptr_nonnull(ea);
	ck_assert_ptr_eq(ea, eb);
	ck_assert_ptr_ne(ea, ec);
	ck_assert_uint_ne(ea->id, ec->id);
	ck_assert_ptr_ne(stacktab_intern(a, 2, false, 0), ea); /* prefix is another stack */
	ck_assert_ptr_ne(stacktab_intern(a, 3, true, 0), ea);  /* truncated is another stack */
	/* the same frames under a label are another stack, with the label */
	struct stacktab_entry *el = stacktab_intern(a, 3, false, 7);
	ck_assert_ptr_ne(el, ea);
	ck_assert_uint_eq(el->label, 7);
	ck_assert_uint_eq(ea->label, 0);
	ck_assert_ptr_eq(stacktab_intern(b, 3, false, 7), el);
	ck_assert_uint_eq(stacktab_count(), 5);
	int seen = 0;
	for (struct stacktab_entry *e = stacktab_first(); e; e = stacktab_next(e))
		seen++;
	ck_assert_int_eq(seen, 5);
}
END_TEST

START_TEST(stacktab_counters_accumulate)
{
	uintptr_t f[] = {10, 20};
	struct stacktab_entry *e = stacktab_intern(f, 2, false, 0);
	stacktab_account_alloc(e, 1024, 100);
	stacktab_account_alloc(e, 2048, 300);
	stacktab_account_free(e, 1024, 100);
	ck_assert_uint_eq(e->alloc_count_fx, 3072);
	ck_assert_uint_eq(e->alloc_bytes, 400);
	ck_assert_uint_eq(e->free_count_fx, 1024);
	ck_assert_uint_eq(e->free_bytes, 100);
}
END_TEST

/* A dlclose that unmaps a module one of a stack's frames lies in makes the
 * same addresses another stack (they may be another module's code now,
 * loaded where the closed one was); one elsewhere leaves the entry be. */
START_TEST(stacktab_reuse_of_a_frame_s_module_is_another_stack)
{
	uintptr_t in[] = {0x1010, 0x9000}, out[] = {0x5010, 0x9000};
	struct stacktab_entry *ein = stacktab_intern(in, 2, false, 0);
	struct stacktab_entry *eout = stacktab_intern(out, 2, false, 0);
	ck_assert_uint_eq(ein->epoch, 0);
	struct modmap_module a = {.path = (char *)"/nonexistent/liba.so", .base = 0x1000, .lo = 0x1000, .hi = 0x2000};
	uint32_t g = modmap_epoch_bump();
	modmap_remember_unloaded(&a, g);
	ck_assert_uint_eq(modmap_epoch(), 1);
	ck_assert(!stacktab_matches(ein, in, 2, false, 0));
	struct stacktab_entry *ein2 = stacktab_intern(in, 2, false, 0);
	ck_assert_ptr_ne(ein2, ein);
	ck_assert_uint_eq(ein2->epoch, 1);
	ck_assert_ptr_eq(stacktab_intern(in, 2, false, 0), ein2);
	ck_assert_ptr_eq(stacktab_intern(out, 2, false, 0), eout); /* not in the closed module */
	ck_assert(stacktab_matches(eout, out, 2, false, 0));
	/* naming: the stack of epoch 0 ran in a, the one of epoch 1 in what is there now */
	ck_assert_ptr_eq(modmap_unloaded_at(0x1010, 0), modmap_unloaded(0));
	ck_assert_ptr_null(modmap_unloaded_at(0x1010, 1));
	ck_assert_ptr_null(modmap_unloaded_at(0x5010, 0));
}
END_TEST

static void *worker(void *arg)
{
	tstate_guard_enter(&tstate_tls); /* as on the sampled path */
	for (int round = 0; round < 20; round++) {
		for (uintptr_t i = 0; i < 500; i++) {
			uintptr_t f[4] = {i, i * 7, 99, 100};
			struct stacktab_entry *e = stacktab_intern(f, 4, false, 0);
			if (!e || e->frames[0] != i)
				return (void *)1;
			stacktab_account_alloc(e, 1024, 1);
		}
	}
	return NULL;
}

START_TEST(stacktab_concurrent_interning_stores_each_stack_once)
{
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++) {
		void *rc;
		pthread_join(th[i], &rc);
		ck_assert_ptr_null(rc);
	}
	ck_assert_uint_eq(stacktab_count(), 500);
	uint64_t total = 0;
	for (struct stacktab_entry *e = stacktab_first(); e; e = stacktab_next(e))
		total += e->alloc_bytes;
	ck_assert_uint_eq(total, 4 * 20 * 500);
}
END_TEST

int main(void)
{
	/* the tables' callers hold the guard (asserted in --enable-debug builds) */
	tstate_guard_enter(&tstate_tls);
	Suite *s = suite_create("stacktab");
	TCase *tc = tcase_create("intern");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, stacktab_same_frames_same_entry);
	tcase_add_test(tc, stacktab_counters_accumulate);
	tcase_add_test(tc, stacktab_reuse_of_a_frame_s_module_is_another_stack);
	tcase_add_test(tc, stacktab_concurrent_interning_stores_each_stack_once);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
