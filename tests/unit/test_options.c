/*
 * test_options.c: HEAPSNAP_OPTIONS parsing: every key, every bad form.
 */
#include "options.h"

#include "check_main.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static struct options o;
static char err[512];

static int parse(const char *text)
{
	options_defaults(&o);
	err[0] = '\0';
	return options_parse(text, &o, err, sizeof(err));
}

START_TEST(options_defaults_are_documented_values)
{
	ck_assert_int_eq(parse(NULL), 0);
	ck_assert_str_eq(o.out, ".");
	ck_assert_uint_eq(o.sample, 512 * 1024);
	ck_assert_uint_eq(o.depth, 64);
	ck_assert(o.interval == 0);
	ck_assert_int_eq(o.signal, SIGUSR2);
	ck_assert(o.at_exit);
	ck_assert_int_eq(o.unwinder, OPTIONS_UNWINDER_LIBUNWIND);
	ck_assert_int_eq(parse(""), 0);
	ck_assert_int_eq(parse("::,"), 0);
}
END_TEST

START_TEST(options_accepts_every_key_with_both_separators)
{
	ck_assert_int_eq(parse("out=/tmp/x:sample=4k,depth=12:interval=0.25,signal=USR1:at_exit=no:unwinder=fp"), 0);
	ck_assert_str_eq(o.out, "/tmp/x");
	ck_assert_uint_eq(o.sample, 4096);
	ck_assert_uint_eq(o.depth, 12);
	ck_assert(o.interval == 0.25);
	ck_assert_int_eq(o.signal, SIGUSR1);
	ck_assert(!o.at_exit);
	ck_assert_int_eq(o.unwinder, OPTIONS_UNWINDER_FP);
}
END_TEST

START_TEST(options_sizes_use_binary_units)
{
	ck_assert_int_eq(parse("sample=1"), 0);
	ck_assert_uint_eq(o.sample, 1);
	ck_assert_int_eq(parse("sample=512K"), 0);
	ck_assert_uint_eq(o.sample, 524288);
	ck_assert_int_eq(parse("sample=2MiB"), 0);
	ck_assert_uint_eq(o.sample, 2u << 20);
	ck_assert_int_eq(parse("sample=1g"), 0);
	ck_assert_uint_eq(o.sample, 1u << 30);
}
END_TEST

START_TEST(options_durations_take_units)
{
	ck_assert_int_eq(parse("interval=250ms"), 0);
	ck_assert(o.interval == 0.25);
	ck_assert_int_eq(parse("interval=2m"), 0);
	ck_assert(o.interval == 120);
	ck_assert_int_eq(parse("interval=0"), 0);
	ck_assert(o.interval == 0);
}
END_TEST

START_TEST(options_signals_by_name_number_or_none)
{
	ck_assert_int_eq(parse("signal=SIGUSR1"), 0);
	ck_assert_int_eq(o.signal, SIGUSR1);
	ck_assert_int_eq(parse("signal=12"), 0);
	ck_assert_int_eq(o.signal, 12);
	ck_assert_int_eq(parse("signal=none"), 0);
	ck_assert_int_eq(o.signal, 0);
	ck_assert_int_eq(parse("signal=0"), 0);
	ck_assert_int_eq(o.signal, 0);
}
END_TEST

START_TEST(options_later_keys_override_earlier)
{
	ck_assert_int_eq(parse("sample=1:sample=8"), 0);
	ck_assert_uint_eq(o.sample, 8);
}
END_TEST

static const struct {
	const char *text, *must_mention;
} bad[] = {
	{"bogus=1", "unknown option 'bogus'"},
	{"sample", "expected key=value"},
	{"sample=", "sample="},
	{"sample=abc", "sample=abc"},
	{"sample=0", "from 1"},
	{"sample=12X", "sample=12X"},
	{"sample=99999999999999999999999", "sample="},
	{"sample=-5", "sample=-5"},
	{"depth=0", "1 to 128"},
	{"depth=129", "1 to 128"},
	{"depth=1.5", "depth=1.5"},
	{"interval=-1", "interval=-1"},
	{"interval=fast", "interval=fast"},
	{"interval=0.001", "at least 0.01"},
	{"interval=3d", "interval=3d"},
	{"signal=SIGNOPE", "signal name"},
	{"signal=9", "signal=9"},
	{"signal=KILL", "signal=KILL"},
	{"signal=1000", "signal=1000"},
	{"at_exit=maybe", "true/false"},
	{"unwinder=gdb", "libunwind or fp"},
	{"out=", "directory path"},
	{"=1", "unknown option ''"},
	{"sample=4k:nope", "expected key=value"},
};

START_TEST(options_rejects_bad_form)
{
	ck_assert_int_ne(parse(bad[_i].text), 0);
	ck_assert_msg(strstr(err, bad[_i].must_mention) != NULL, "'%s' gave '%s'", bad[_i].text, err);
}
END_TEST

START_TEST(options_format_round_trips)
{
	char text[2048];
	ck_assert_int_eq(parse("out=/x:sample=100:depth=5:interval=1.5:signal=USR1:at_exit=0:unwinder=fp"), 0);
	struct options a = o;
	options_format(&a, text, sizeof(text));
	ck_assert_int_eq(parse(text), 0);
	ck_assert_str_eq(o.out, a.out);
	ck_assert_uint_eq(o.sample, a.sample);
	ck_assert_uint_eq(o.depth, a.depth);
	ck_assert(o.interval == a.interval);
	ck_assert_int_eq(o.signal, a.signal);
	ck_assert_int_eq(o.at_exit, a.at_exit);
	ck_assert_int_eq(o.unwinder, a.unwinder);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("options");
	TCase *good = tcase_create("accepts");
	tcase_add_test(good, options_defaults_are_documented_values);
	tcase_add_test(good, options_accepts_every_key_with_both_separators);
	tcase_add_test(good, options_sizes_use_binary_units);
	tcase_add_test(good, options_durations_take_units);
	tcase_add_test(good, options_signals_by_name_number_or_none);
	tcase_add_test(good, options_later_keys_override_earlier);
	tcase_add_test(good, options_format_round_trips);
	suite_add_tcase(s, good);
	TCase *rejects = tcase_create("rejects");
	tcase_add_loop_test(rejects, options_rejects_bad_form, 0, sizeof(bad) / sizeof(bad[0]));
	suite_add_tcase(s, rejects);
	return check_main_run(s);
}
