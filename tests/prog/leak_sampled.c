/*
 * leak_sampled.c: leaks about 200 MB in mixed sizes from two functions and
 * prints the true live bytes of each ("leak_small_sizes N", "leak_large_sizes
 * N"). leak_small_sizes: 100 MB in sizes 16..1039 B; leak_large_sizes: 100 MB
 * in sizes 1 KiB..129 KiB. Sizes come from a fixed LCG (same every run).
 * Used by tests/integration/sampled-estimates-unbiased.sh.
 */
#include <stdio.h>
#include <stdlib.h>

#define TARGET (100ul * 1000 * 1000)

static unsigned long long lcg = 88172645463325252ull;
static void *volatile sink;

static unsigned long next(void)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned long)(lcg >> 33);
}

static unsigned long leak_small_sizes(void)
{
	unsigned long total = 0;
	while (total < TARGET) {
		size_t n = 16 + next() % 1024;
		sink = malloc(n);
		total += n;
	}
	return total;
}

static unsigned long leak_large_sizes(void)
{
	unsigned long total = 0;
	while (total < TARGET) {
		size_t n = 1024 + next() % (128 * 1024);
		sink = malloc(n);
		total += n;
	}
	return total;
}

int main(void)
{
	unsigned long a = leak_small_sizes();
	unsigned long b = leak_large_sizes();
	printf("leak_small_sizes %lu\nleak_large_sizes %lu\n", a, b);
	return 0;
}
