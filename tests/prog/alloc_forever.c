/*
 * alloc_forever.c: allocates and frees without end (a growing set of blocks
 * from several call sites, with churn) until it is killed.
 * Used by tests/integration/sigkill-leaves-only-complete-snapshots.sh.
 */
#include <stdlib.h>
#include <time.h>

static void *keep[4096];

static void *grow(size_t n) { return malloc(n); }
static void *churn(size_t n) { return calloc(1, n); }

int main(void)
{
	struct timespec pause = {0, 200000};
	for (unsigned long i = 0;; i++) {
		size_t slot = i % 4096;
		free(keep[slot]);
		keep[slot] = (i & 1) ? grow(16 + i % 2000) : churn(32 + i % 500);
		if (i % 256 == 0)
			nanosleep(&pause, NULL);
	}
}
