/*
 * test_textbuf.c: textbuf's printf subset writes what glibc's snprintf
 * writes, cuts at the buffer's end, and marks conversions it does not know.
 */
#include "textbuf.h"

#include "check_main.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static char got[256], want[256];

#define SAME(fmt, ...)                                                                      \
	do {                                                                                \
		struct textbuf b_;                                                          \
		textbuf_init(&b_, got, sizeof(got));                                        \
		textbuf_printf(&b_, fmt, __VA_ARGS__);                                      \
		snprintf(want, sizeof(want), fmt, __VA_ARGS__);                             \
		ck_assert_msg(strcmp(got, want) == 0, "'%s': got '%s', want '%s'", fmt, got, want); \
	} while (0)

START_TEST(textbuf_matches_snprintf)
{
	static const long long ints[] = {0, 1, -1, 42, -42, 9, 10, 99, 100, 2147483647, -2147483647 - 1,
					 INT64_MAX, INT64_MIN};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		long long v = ints[i];
		SAME("%d|%i|%5d|%-5d|%05d|%.3d|%.0d", (int)v, (int)v, (int)v, (int)v, (int)v, (int)v, (int)v);
		SAME("%u|%x|%X|%08x|%-8u|", (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v);
		SAME("%ld|%lu|%lld|%llu|%zu|%zd|%jd", (long)v, (unsigned long)v, v, (unsigned long long)v,
		     (size_t)v, (ssize_t)v, (intmax_t)v);
		SAME("%hd|%hu|%hhd|%hhu|%lx", (short)v, (unsigned short)v, (signed char)v, (unsigned char)v,
		     (unsigned long)v);
	}
	SAME("%s|%10s|%-10s|%.3s|%.*s|%*s|", "abc", "abc", "abc", "abcdef", 2, "abcdef", 6, "ab");
	SAME("%c%c|%3c|%%|%p|%p", 'a', 'b', 'z', (void *)0x1234, (void *)0);
	SAME("plain text, no conversion%s", "");
	SAME("%s=%s:%s", "key", "", "v");
}
END_TEST

START_TEST(textbuf_cuts_at_the_end_and_stays_terminated)
{
	char small[8];
	struct textbuf b;
	memset(small, 'z', sizeof(small));
	textbuf_init(&b, small, 5);
	textbuf_printf(&b, "%s-%d", "abcdef", 12345);
	ck_assert_str_eq(small, "abcd");
	ck_assert(b.truncated);
	ck_assert_int_eq(small[5], 'z');
	memset(small, 'z', sizeof(small));
	textbuf_init(&b, small, 0);
	textbuf_puts(&b, "x");
	ck_assert(b.truncated);
	ck_assert_int_eq(small[0], 'z');
}
END_TEST

START_TEST(textbuf_fixed_point_and_unknown_conversions)
{
	struct textbuf b;
	static const struct {
		uint64_t v;
		unsigned d;
		const char *s;
	} fx[] = {{0, 6, "0"}, {250000, 6, "0.25"}, {10000, 6, "0.01"}, {1500000, 6, "1.5"},
		  {1000000000000000ull, 6, "1000000000"}, {1234567800, 6, "1234.5678"}, {7, 0, "7"},
		  {1, 6, "0.000001"}};
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		textbuf_init(&b, got, sizeof(got));
		textbuf_putfixed(&b, fx[i].v, fx[i].d);
		ck_assert_str_eq(got, fx[i].s);
	}
	textbuf_init(&b, got, sizeof(got));
	textbuf_puti(&b, INT64_MIN);
	ck_assert_str_eq(got, "-9223372036854775808");
	/* floating point is not in the subset: the gap shows */
	const char *fmt = "a%fb";
	textbuf_init(&b, got, sizeof(got));
	textbuf_printf(&b, fmt, 1.5);
	ck_assert_str_eq(got, "a%?b");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("textbuf");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, textbuf_matches_snprintf);
	tcase_add_test(tc, textbuf_cuts_at_the_end_and_stays_terminated);
	tcase_add_test(tc, textbuf_fixed_point_and_unknown_conversions);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
