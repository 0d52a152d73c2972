/*
 * test_nomalloc.c: the paths documented "never allocates" call no malloc.
 *
 * This program defines the malloc family itself (forwarding to glibc's
 * __libc_* entry points) and counts calls while armed, as libunwind's
 * Gtest-nomalloc does: options parsing (good and bad input, every key),
 * options_format of every value type (seconds included: glibc's %g may
 * malloc, textbuf's fixed point may not), textbuf's printf subset, the
 * sampler, log messages (every conversion, and one longer than the line
 * buffer), and the live table's miss and remove paths must leave the count
 * at zero. (The tables' own memory comes from the private jemalloc,
 * which never calls these.)
 */
#include "arena.h"
#include "livetab.h"
#include "log.h"
#include "options.h"
#include "sampler.h"
#include "textbuf.h"

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
	options_defaults(&o);
	options_parse("interval=1234.567891:signal=40:sample=3G:depth=1", &o, err, sizeof(err));
	options_format(&o, text, sizeof(text));
	options_parse("interval=0.001", &o, err, sizeof(err));
	options_parse("out=/a/very/long/path/that/is/cut/in/the/message/because/it/goes/on/and/on/x=", &o,
		      err, sizeof(err));
	for (size_t i = 0; i < options_nkeys; i++) {
		options_format_value(&options_keys[i], &o, text, sizeof(text));
		options_accepted(&options_keys[i], text, sizeof(text));
	}
	armed = 0;
	ck_assert_int_eq(calls, 0);
	ck_assert(strstr(text, "expected"));
}
END_TEST

START_TEST(nomalloc_textbuf)
{
	char buf[64];
	struct textbuf b;
	armed = 1;
	textbuf_init(&b, buf, sizeof(buf));
	textbuf_printf(&b, "%s %.*s %d %5u %lx %llu %zu %p %c %% %-3d|", "s", 2, "abc", -1, 7u, 0xfful,
		       1ull << 60, (size_t)3, (void *)&b, 'c', 4);
	textbuf_putfixed(&b, 1234567, 6);
	armed = 0;
	ck_assert_int_eq(calls, 0);
	ck_assert(b.truncated);
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
	log_msg("test_nomalloc: %u %ld %zu %x %p %c %.3s %5d|%-5d|", 1u, -2l, (size_t)3, 0xabu, (void *)&calls,
		'c', "abcdef", 6, 7);
	char longer[2000];
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	log_msg("test_nomalloc: longer than the line: %s", longer);
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
	tcase_add_test(tc, nomalloc_textbuf);
	tcase_add_test(tc, nomalloc_sampler);
	tcase_add_test(tc, nomalloc_log_message);
	tcase_add_test(tc, nomalloc_livetab_miss_and_remove);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
