/*
 * hold_many.c: keeps many live blocks from many distinct stacks, so that an
 * exact-mode (sample=1) snapshot of it is large: 2^LEVELS call paths, each
 * holding its share of HOLD blocks of assorted sizes.
 *   hold_many            build, print one line, then churn until killed
 *   hold_many GOFILE     build, print, wait until GOFILE exists, allocate a
 *                        second batch, free half of everything, print, exit 0
 * Output depends only on the program's own arithmetic (never on addresses or
 * timing), so a traced run prints the same as an untraced one.
 * Used by the tests in tests/faults/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LEVELS 8
#define HOLD 60000

static void *blocks[2 * HOLD];

/* Two functions per level, chosen by the bits of i: 2^LEVELS distinct stacks. */
static void *leaf(unsigned i) { return malloc(16 + (i * 37) % 700); }
static void *walk(unsigned i, int level);
static __attribute__((noinline)) void *left(unsigned i, int level) { return walk(i, level + 1); }
static __attribute__((noinline)) void *right(unsigned i, int level) { return walk(i, level + 1); }
static __attribute__((noinline)) void *walk(unsigned i, int level)
{
	if (level == LEVELS)
		return leaf(i);
	return (i >> level) & 1 ? right(i, level) : left(i, level);
}

static unsigned long fill(size_t from, size_t to)
{
	unsigned long sum = 0;
	for (size_t i = from; i < to; i++) {
		blocks[i] = walk((unsigned)i, 0);
		if (!blocks[i]) {
			puts("malloc failed");
			exit(2);
		}
		memset(blocks[i], (int)(i & 0xff), 16);
		sum += ((unsigned char *)blocks[i])[3];
	}
	return sum;
}

int main(int argc, char **argv)
{
	struct timespec pause = {0, 10 * 1000 * 1000};
	unsigned long sum = fill(0, HOLD);
	printf("held %d blocks from %d call paths, checksum %lu\n", HOLD, 1 << LEVELS, sum);
	fflush(stdout);
	if (argc < 2) {
		for (unsigned long i = 0;; i++) { /* churn: replace one block in ten */
			size_t slot = (i * 7919) % HOLD;
			free(blocks[slot]);
			blocks[slot] = walk((unsigned)slot, 0);
			if (i % 4096 == 0)
				nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
		}
	}
	while (access(argv[1], F_OK) != 0)
		nanosleep(&pause, NULL);
	sum = fill(HOLD, 2 * HOLD);
	for (size_t i = 0; i < 2 * HOLD; i += 2) {
		free(blocks[i]);
		blocks[i] = NULL;
	}
	printf("second batch checksum %lu, half freed\n", sum);
	return 0;
}
