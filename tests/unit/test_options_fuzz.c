/*
 * test_options_fuzz.c: options_parse on hostile text never fails badly.
 *
 * Feeds random bytes, spliced fragments of valid and invalid items (huge
 * and negative numbers, empty items, repeated keys, stray separators) and
 * very long text to options_parse. Every run must return 0 or -EINVAL; on
 * -EINVAL the message is non-empty, one line and within the buffer (bytes
 * past it untouched); on 0 the options format to text that parses back and
 * formats to the same text. Deterministic: HEAPSNAP_FUZZ_SEED and HEAPSNAP_FUZZ_RUNS
 * choose the seed and the number of runs (default 1, 200000); the count of
 * executions is printed. Run under ASan/UBSan by scripts/test-sanitizers.sh.
 */
#include "options.h"

#include "check_main.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;

/* ck_assert_msg records every passing check (a message to Check's parent
 * process each time): millions of them made the run minutes long. Only a
 * failure is reported here. */
#define CHECK(cond, ...)                           \
	do {                                       \
		if (!(cond))                       \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const fragments[] = {
	"out", "sample", "depth", "interval", "signal", "at_exit", "unwinder", "=", ":", ",", "",
	"0", "1", "-1", "-5", "128", "129", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999999999999", "1099511627776", "1099511627777", "1.5", "0.001",
	"0.01", "1e9", "1000000000", "1000000001", ".", "..", "K", "M", "G", "T", "iB", "B", "b",
	"ms", "s", "m", "h", "d", "USR2", "SIGUSR1", "KILL", "SIGSEGV", "none", "34", "64", "65",
	"true", "off", "maybe", "fp", "libunwind", "gdb", "/tmp", "\n", "\t", "\x7f", "\xff", " ",
	"%s%n%d", "==", "::", "=:", "key=", "=value",
};

#define NFRAG (sizeof(fragments) / sizeof(fragments[0]))

/* One input of up to cap-1 bytes, NUL-terminated. */
static size_t make_input(char *buf, size_t cap)
{
	size_t n = 0, want;
	switch (next() % 4) {
	case 0: /* random bytes, NUL excluded */
		want = next() % 200;
		while (n < want && n < cap - 1)
			buf[n++] = (char)(1 + next() % 255);
		break;
	case 1: /* items: a key, '=', a value fragment or two, a separator */
		want = 1 + next() % 8;
		for (size_t i = 0; i < want; i++) {
			const char *parts[5] = {fragments[next() % 7], "=",
						fragments[7 + next() % (NFRAG - 7)],
						(next() % 3) ? "" : fragments[7 + next() % (NFRAG - 7)],
						(next() % 2) ? ":" : ","};
			for (int j = 0; j < 5; j++) {
				size_t l = strlen(parts[j]);
				if (n + l >= cap)
					break;
				memcpy(buf + n, parts[j], l);
				n += l;
			}
		}
		break;
	case 2: /* fragments */
		want = 1 + next() % 24;
		for (size_t i = 0; i < want; i++) {
			const char *f = fragments[next() % (sizeof(fragments) / sizeof(fragments[0]))];
			size_t l = strlen(f);
			if (n + l >= cap)
				break;
			memcpy(buf + n, f, l);
			n += l;
		}
		break;
	default: { /* very long: one key with a long value, or many items */
		const char *key = fragments[next() % 7];
		want = 1 + next() % (cap - 1);
		size_t l = strlen(key);
		memcpy(buf, key, l);
		buf[l] = '=';
		n = l + 1;
		char c = "9x:,=/a"[next() % 7];
		while (n < want)
			buf[n++] = (next() % 16) ? c : (char)('0' + next() % 10);
		break;
	}
	}
	buf[n] = '\0';
	return n;
}

START_TEST(options_fuzz_never_crashes_and_always_explains)
{
	const char *s = getenv("HEAPSNAP_FUZZ_SEED"), *r = getenv("HEAPSNAP_FUZZ_RUNS");
	uint64_t seed = s ? strtoull(s, NULL, 10) : 1;
	unsigned long runs = r ? strtoul(r, NULL, 10) : 200000, accepted = 0, rejected = 0;
	static char text[70000];
	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	for (unsigned long i = 0; i < runs; i++) {
		size_t n = make_input(text, (next() % 50) ? 400 : sizeof(text));
		struct options o, back;
		char err[512], fmt[2048], fmt2[2048];
		size_t errlen = (next() % 8) ? 256 : 1 + next() % 40;
		memset(err, 0x55, sizeof(err));
		options_defaults(&o);
		int rc = options_parse(text, &o, err, errlen);
		CHECK(rc == 0 || rc == -EINVAL, "run %lu (seed %llu): rc %d for '%.*s'", i,
			      (unsigned long long)seed, rc, (int)n, text);
		for (size_t j = errlen; j < sizeof(err); j++)
			CHECK((unsigned char)err[j] == 0x55, "run %lu: err written past %zu", i, errlen);
		if (rc == -EINVAL) {
			rejected++;
			size_t len = strnlen(err, errlen);
			CHECK(len < errlen, "run %lu: message not terminated", i);
			CHECK(errlen == 1 || len > 0, "run %lu: empty message for '%s'", i, text);
			CHECK(!strchr(err, '\n') && !strchr(err, '\r'), "run %lu: '%s'", i, err);
			continue;
		}
		accepted++;
		options_format(&o, fmt, sizeof(fmt));
		options_defaults(&back);
		CHECK(options_parse(fmt, &back, err, sizeof(err)) == 0, "run %lu: '%s' from '%s': %s",
			      i, fmt, text, err);
		options_format(&back, fmt2, sizeof(fmt2));
		CHECK(strcmp(fmt, fmt2) == 0, "run %lu: '%s' reads back as '%s'", i, fmt, fmt2);
	}
	printf("options fuzz: %lu executions (seed %llu): %lu accepted, %lu rejected\n", runs,
	       (unsigned long long)seed, accepted, rejected);
	fflush(stdout);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("options_fuzz");
	TCase *tc = tcase_create("fuzz");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, options_fuzz_never_crashes_and_always_explains);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
