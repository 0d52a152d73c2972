/*
 * test_nomalloc.c: the paths documented "never allocates" call no malloc.
 *
 * This program defines the malloc family itself (forwarding to glibc's
 * __libc_* entry points) and counts calls while armed, as libunwind's
 * Gtest-nomalloc does: options parsing (good and bad input), the sampler,
 * log messages, and the live table's miss and remove paths must leave the
 * count at zero. (The tables' own memory comes from the private jemalloc,
 * which never calls these.)
 */
#include "arena.h"
#include "livetab.h"
#include "log.h"
#include "options.h"
#include "sampler.h"

#include "check_main.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static volatile int armed;
static volatile int calls;

void *malloc(size_t n)
{
	if (armed)
		calls++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	if (armed)
		calls++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	if (armed)
		calls++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (armed && p)
		calls++;
	__libc_free(p);
}

START_TEST(nomalloc_options_parse_and_format)
{
	struct options o;
	char err[256], text[2048];
	armed = 1;
	options_defaults(&o);
	options_parse("out=/tmp:sample=64K,depth=32:interval=250ms:signal=USR1:at_exit=no:unwinder=fp", &o, err,
		      sizeof(err));
	options_parse("sample=oops", &o, err, sizeof(err));
	options_parse("bogus=1", &o, err, sizeof(err));
	options_format(&o, text, sizeof(text));
	armed = 0;
	ck_assert_int_eq(calls, 0);
}
END_TEST

START_TEST(nomalloc_sampler)
{
	uint64_t rng = sampler_seed(5);
	struct sampler_weight w;
	armed = 1;
	for (int i = 0; i < 1000; i++) {
		(void)sampler_next_gap(&rng, 524288);
		sampler_weight((size_t)i * 37, 524288, &w);
	}
	armed = 0;
	ck_assert_int_eq(calls, 0);
}
END_TEST

START_TEST(nomalloc_log_message)
{
	log_init();
	armed = 1;
	log_msg("test_nomalloc: a message with %s and %d", "a string", 42);
	armed = 0;
	ck_assert_int_eq(calls, 0);
}
END_TEST

START_TEST(nomalloc_livetab_miss_and_remove)
{
	ck_assert_int_eq(arena_init(), 0);
	ck_assert_int_eq(livetab_init(14), 0);
	struct livetab_entry e = {.addr = 0x123450, .size = 10}, out;
	ck_assert_int_eq(livetab_insert(&e), 0);
	armed = 1;
	for (uintptr_t a = 0x200000; a < 0x300000; a += 16)
		(void)livetab_remove(a, &out);
	int hit = livetab_remove(0x123450, &out);
	armed = 0;
	ck_assert(hit);
	ck_assert_int_eq(calls, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nomalloc");
	TCase *tc = tcase_create("paths");
	tcase_add_test(tc, nomalloc_options_parse_and_format);
	tcase_add_test(tc, nomalloc_sampler);
	tcase_add_test(tc, nomalloc_log_message);
	tcase_add_test(tc, nomalloc_livetab_miss_and_remove);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
