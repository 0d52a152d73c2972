/*
 * snapgen.c: a program whose snapshots are as large as heapdiff's speed
 * target asks, for bench/heapdiff.sh.
 *
 * Keeps BLOCKS live blocks spread over STACKS distinct allocation stacks,
 * then takes SNAPSHOTS snapshots through heapsnap_snapshot(), freeing and
 * reallocating a slice of the blocks and leaking a few more between two
 * (so consecutive snapshots differ the way a real series does).
 * A stack is chosen by the bits of its number: at each of LEVELS levels the
 * recursion goes through left() or right(), two call sites, so stack k is
 * the path spelled by k's low LEVELS bits (2^15 = 32768 >= 20000 paths).
 * Run it under the real preload with sample=1, so every block is a sampled
 * live allocation. Not a test: no output but errors; exit 0 when every
 * snapshot was written.
 *   snapgen BLOCKS STACKS SNAPSHOTS
 */
#include <heapsnap.h>

#include "stackpaths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void **blocks;

/* Block i, always from this one call site in main's loops, so the churn
 * reuses the stacks of the first fill (stack = i % nstacks). */
__attribute__((noinline)) static void fill(long i, long nstacks)
{
	blocks[i] = stackpath_alloc((unsigned)(i % nstacks), 16 + (size_t)(i % 7) * 8);
}

int main(int argc, char **argv)
{
	long nblocks, nstacks, nsnap;

	if (argc != 4 || (nblocks = atol(argv[1])) <= 0 || (nstacks = atol(argv[2])) <= 0 ||
	    nstacks > (1L << LEVELS) || (nsnap = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: snapgen BLOCKS STACKS(1..%ld) SNAPSHOTS\n", 1L << LEVELS);
		return 2;
	}
	if (!heapsnap_available()) {
		fprintf(stderr, "snapgen: libheapsnap.so is not loaded (run it with LD_PRELOAD)\n");
		return 2;
	}
	blocks = calloc((size_t)nblocks, sizeof(*blocks));
	if (!blocks)
		return 1;
	/* s = -1 is the first fill; each later pass churns, leaks and takes a
	 * snapshot. One loop, so every block comes from one call site in main
	 * and the churn reuses the first fill's stacks. */
	for (long s = -1; s < nsnap; s++) {
		/* churn: a rotating 2% of the blocks are freed and allocated again */
		long span = s < 0 ? nblocks : nblocks / 50 + 1;

		for (long j = 0; j < span; j++) {
			long i = s < 0 ? j : (s * span + j) % nblocks;

			free(blocks[i]);
			fill(i, nstacks);
		}
		if (s < 0)
			continue;
		/* and a leak: 64 blocks of 1 KiB per snapshot on stacks 0..15 */
		for (int j = 0; j < 64; j++) {
			void *leak = stackpath_alloc((unsigned)(j % 16), 1024);

			__asm__ volatile("" : : "r"(leak) : "memory");
		}
		if (heapsnap_snapshot("snapgen") < 0) {
			fprintf(stderr, "snapgen: snapshot %ld failed: %s\n", s + 1, strerror(errno));
			return 1;
		}
	}
	for (long i = 0; i < nblocks; i++)
		free(blocks[i]);
	free(blocks);
	return 0;
}
