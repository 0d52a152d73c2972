/*
 * test_options.c: HEAPSNAP_OPTIONS parsing: every key, every bad form, and
 * the option table that drives the parser, the formatter and the messages.
 */
#include "options.h"

#include "check_main.h"

#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
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
	ck_assert_int_eq(o.unwinder, OPTIONS_UNWINDER_CFI);
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
	{"unwinder=gdb", "libunwind, fp or cfi"},
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


START_TEST(options_table_rows_are_well_formed)
{
	struct options d;
	options_defaults(&d);
	for (size_t i = 0; i < options_nkeys; i++) {
		const struct options_key *k = &options_keys[i];
		char text[256], formatted[256];
		ck_assert_msg(k->key && k->key[0] && k->help && k->help[0] && k->dflt, "row %zu", i);
		ck_assert_msg(options_find(k->key, strlen(k->key)) == k, "key '%s' not unique", k->key);
		ck_assert_msg(k->type == OPTIONS_BOOL || k->metavar, "'%s' has no metavar", k->key);
		ck_assert_msg(k->min <= k->max || k->type == OPTIONS_SIGNAL || k->type == OPTIONS_BOOL ||
				      k->type == OPTIONS_ENUM,
			      "'%s' bounds", k->key);
		if (k->type == OPTIONS_COUNT)
			ck_assert_uint_le(k->max, UINT_MAX);
		if (k->type == OPTIONS_DIR || k->type == OPTIONS_TEXT)
			ck_assert_uint_lt(k->max, OPTIONS_PATH_MAX);
		if (k->type == OPTIONS_ENUM)
			ck_assert(k->names && k->names[0]);
		/* the default parses, and is what options_defaults sets */
		snprintf(text, sizeof(text), "%s=%s", k->key, k->dflt);
		ck_assert_msg(parse(text) == 0, "default of '%s': %s", k->key, err);
		ck_assert_msg(memcmp(&o, &d, sizeof(o)) == 0, "default of '%s' differs", k->key);
		options_format_value(k, &d, formatted, sizeof(formatted));
		/* only free text may be empty by default (wrappers: none) */
		ck_assert_msg(formatted[0] || (k->type == OPTIONS_TEXT && !k->dflt[0]), "'%s' formats empty", k->key);
		/* every key is named in the unknown-key message */
		ck_assert_int_ne(parse("no_such_key=1"), 0);
		ck_assert_msg(strstr(err, k->key), "'%s' missing from '%s'", k->key, err);
	}
}
END_TEST

/* Each row's bounds: min and max are accepted, one beyond is not. */
START_TEST(options_bounds_come_from_the_table)
{
	char text[256];
	for (size_t i = 0; i < options_nkeys; i++) {
		const struct options_key *k = &options_keys[i];
		char accepted[256];
		options_accepted(k, accepted, sizeof(accepted));
		ck_assert_msg(strncmp(accepted, "expected ", 9) == 0, "'%s': %s", k->key, accepted);
		if (k->type != OPTIONS_SIZE && k->type != OPTIONS_COUNT)
			continue;
		snprintf(text, sizeof(text), "%s=%llu", k->key, (unsigned long long)k->min);
		ck_assert_msg(parse(text) == 0, "%s: %s", text, err);
		snprintf(text, sizeof(text), "%s=%llu", k->key, (unsigned long long)k->max);
		ck_assert_msg(parse(text) == 0, "%s: %s", text, err);
		snprintf(text, sizeof(text), "%s=%llu", k->key, (unsigned long long)k->max + 1);
		ck_assert_msg(parse(text) != 0, "%s accepted", text);
		ck_assert_msg(strstr(err, accepted), "'%s' gave '%s'", text, err);
	}
}
END_TEST

/* arm_growth=SIZE/SECONDS: both halves parsed with their units, formatted
 * back to the same values; half a rate, or a bad half, is refused. */
START_TEST(options_rate_needs_size_and_seconds)
{
	char text[256];
	ck_assert_int_eq(parse("arm_growth=64M/10m:arm_rss=1G"), 0);
	ck_assert_uint_eq(o.arm_growth.bytes, 64ull << 20);
	ck_assert(o.arm_growth.seconds == 600);
	ck_assert_uint_eq(o.arm_rss, 1ull << 30);
	struct options a = o;
	options_format(&a, text, sizeof(text));
	ck_assert_msg(strstr(text, ":arm_growth=67108864/600"), "%s", text);
	ck_assert_int_eq(parse(text), 0);
	ck_assert(memcmp(&o.arm_growth, &a.arm_growth, sizeof(a.arm_growth)) == 0);
	ck_assert_int_eq(parse("arm_growth=0"), 0);
	ck_assert_uint_eq(o.arm_growth.bytes, 0);
	static const char *const bad[] = {"arm_growth=64M", "arm_growth=x/10s", "arm_growth=64M/0",
					  "arm_growth=0/10s", "arm_growth=64M/", "arm_growth=/10s",
					  "arm_growth=64M/10x", "arm_growth=64M/0.5s", "arm_growth=2P/1s"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i]) != 0, "'%s' accepted", bad[i]);
		ck_assert_msg(strstr(err, "expected SIZE/SECONDS"), "'%s': %s", bad[i], err);
		ck_assert_msg(!strchr(err, '\n'), "'%s': %s", bad[i], err);
	}
}
END_TEST

/* The size bound in the message is one the parser accepts: 1T is not. */
START_TEST(options_size_message_names_an_accepted_bound)
{
	ck_assert_int_ne(parse("sample=0"), 0);
	ck_assert_msg(strstr(err, "from 1 to 1024G"), "%s", err);
	ck_assert_int_eq(parse("sample=1024G"), 0);
	ck_assert_int_ne(parse("sample=1T"), 0);
}
END_TEST

/* Messages stay one line of bounded length whatever the value holds. */
START_TEST(options_messages_are_one_line)
{
	char text[3000];
	ck_assert_int_ne(parse("depth=1\n2"), 0);
	ck_assert_msg(!strchr(err, '\n'), "'%s'", err);
	ck_assert_msg(strstr(err, "depth=1?2"), "'%s'", err);
	ck_assert_int_ne(parse("ke\ty=1"), 0);
	ck_assert_msg(!strchr(err, '\t'), "'%s'", err);
	memset(text, 'x', sizeof(text));
	memcpy(text, "out=", 4);
	text[sizeof(text) - 1] = '\0';
	ck_assert_int_ne(parse(text), 0);
	ck_assert_msg(strstr(err, "...': expected a directory path of 1 to 1023 bytes"), "'%s'", err);
	ck_assert_uint_lt(strlen(err), 200);
}
END_TEST

/* options_format writes what options_parse reads back, even for values %g
 * wrote as 1e+06 (which the parser rejects) or cut to 6 digits. */
START_TEST(options_format_round_trips_every_value)
{
	static const char *const texts[] = {
		"interval=1000000", "interval=1000000000", "interval=1234.5678", "interval=0.01",
		"interval=250ms", "interval=2h", "sample=1099511627776", "signal=40", "signal=none",
		"at_exit=off", "depth=128", "unwinder=fp",
	};
	char text[2048];
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ck_assert_msg(parse(texts[i]) == 0, "%s: %s", texts[i], err);
		struct options a = o;
		options_format(&a, text, sizeof(text));
		ck_assert_msg(parse(text) == 0, "%s -> '%s': %s", texts[i], text, err);
		ck_assert_msg(memcmp(&o, &a, sizeof(o)) == 0, "%s -> '%s' reads back differently", texts[i], text);
	}
	ck_assert_int_eq(parse("interval=1000000"), 0);
	options_format(&o, text, sizeof(text));
	ck_assert_msg(strstr(text, ":interval=1000000:"), "%s", text);
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
	tcase_add_test(good, options_format_round_trips_every_value);
	suite_add_tcase(s, good);
	TCase *table = tcase_create("table");
	tcase_add_test(table, options_table_rows_are_well_formed);
	tcase_add_test(table, options_bounds_come_from_the_table);
	tcase_add_test(table, options_size_message_names_an_accepted_bound);
	tcase_add_test(table, options_rate_needs_size_and_seconds);
	tcase_add_test(table, options_messages_are_one_line);
	suite_add_tcase(s, table);
	TCase *rejects = tcase_create("rejects");
	tcase_add_loop_test(rejects, options_rejects_bad_form, 0, sizeof(bad) / sizeof(bad[0]));
	suite_add_tcase(s, rejects);
	return check_main_run(s);
}
