/*
 * fuzzopts.c: prints N random HEAPSNAP_OPTIONS strings, one per line
 * (never a NUL or newline), for tests/faults/options-fuzz.sh:
 * random bytes, huge values, negative and fractional numbers, empty values
 * and keys, repeated keys, stray separators, very long strings. An out= is
 * only ever a relative name (the test runs in a scratch directory), and
 * random bytes never spell "out=".
 *   fuzzopts N SEED
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *keys[] = {"out", "sample", "depth", "interval", "signal", "at_exit", "unwinder",
			     "", "bogus", "SAMPLE", "sample ", " depth"};
static const char *vals[] = {"", "0", "1", "-1", "-0", "18446744073709551615", "18446744073709551616",
			     "99999999999999999999999", "1e9", "0.001", "0.01", "1.5", ".", "..",
			     "1K", "1M", "1G", "1T", "2T", "1KiB", "1kb", "8X", "64", "128", "129",
			     "SIGUSR1", "USR2", "sigterm", "SIGKILL", "9", "11", "34", "64", "65", "none",
			     "yes", "no", "maybe", "libunwind", "fp", "FP", "1h", "1ms", "5m", "3s", "nan",
			     "inf", "-inf", "0x10", "1 ", " 1", "=", "==", "snaps", "a/b/c"};

static void random_bytes(char *buf, int n)
{
	for (int i = 0; i < n; i++) {
		int c;
		do
			c = 1 + rand() % 255;
		while (c == '\n');
		buf[i] = (char)c;
	}
	buf[n] = 0;
	for (char *p = buf; (p = strstr(p, "out=")) != NULL;)
		*p = 'x';
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	srand(argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1);
	static char line[200000];
	for (int i = 0; i < n; i++) {
		int kind = rand() % 6;
		size_t len = 0;
		line[0] = 0;
		if (kind == 0) { /* random bytes */
			random_bytes(line, rand() % 200);
		} else if (kind == 1) { /* huge */
			int k = rand() % 3;
			const char *key = k == 0 ? "sample=" : k == 1 ? "depth=" : "interval=";
			len = (size_t)snprintf(line, sizeof(line), "%s", key);
			size_t digits = 1000 + (size_t)rand() % 100000;
			memset(line + len, '9', digits);
			line[len + digits] = 0;
		} else { /* key=value lists, with repeats and stray separators */
			int items = 1 + rand() % 8;
			for (int j = 0; j < items && len < sizeof(line) - 300; j++) {
				const char *key = keys[rand() % (sizeof(keys) / sizeof(keys[0]))];
				const char *val = vals[rand() % (sizeof(vals) / sizeof(vals[0]))];
				if (strcmp(key, "out") == 0 && val[0] == '.')
					val = "snaps";
				const char *sep = rand() % 4 ? ":" : rand() % 2 ? "," : "::";
				len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s%s%s", j ? sep : "",
							key, rand() % 10 ? "=" : "", val);
			}
			if (kind == 5 && len < sizeof(line) - 64) { /* random tail */
				random_bytes(line + len, rand() % 40);
			}
		}
		puts(line);
	}
	return 0;
}
