/*
 * leak_exact.c: leaks known byte counts from known functions.
 * leak_small: 100 x 24 bytes; leak_big: 3 x 100000 bytes; churn: allocates
 * and frees 1000 blocks (must show nothing live).
 */
#include <stdlib.h>
#include <string.h>

static void *keep[200];
static void *volatile sink;

static void leak_small(void)
{
	for (int i = 0; i < 100; i++)
		keep[i] = malloc(24);
}

static void leak_big(void)
{
	for (int i = 0; i < 3; i++) {
		keep[100 + i] = malloc(100000);
		memset(keep[100 + i], 1, 100000);
	}
}

static void churn(void)
{
	for (int i = 0; i < 1000; i++) {
		sink = malloc(64 + (size_t)i);
		free(sink);
	}
}

int main(void)
{
	leak_small();
	leak_big();
	churn();
	return keep[0] == keep[1]; /* 0 */
}
