/*
 * snaptrie.c: a program whose exit snapshot is shaped like an exact-mode
 * compile's, small enough for callgrind (doc/performance.md, "The exit
 * snapshot's cost, second pass").
 *
 * Leaves NSTACKS blocks live, each from its own stack of ~52 frames: 40
 * outer frames every stack shares, 4 levels of a 17-way choice (the digits
 * of the block's number in base 17), then 8 inner frames; so the call-site
 * trie has ~18 nodes per stack and the sort meets long shared prefixes.
 * Run it under the preload with sample=1 (every block sampled) and read the
 * exit snapshot's cost, e.g. its instructions with
 * valgrind --tool=callgrind --toggle-collect=snapshot_locked. Not a test.
 *   snaptrie [NSTACKS]     (default 30000)
 * Build: gcc -std=gnu11 -O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls
 */
#include <stdlib.h>
#include <string.h>

static void *go(unsigned path, int level);

#define LEVEL_FN(name)                                                       \
	__attribute__((noinline)) static void *name(unsigned path, int level) \
	{                                                                    \
		void *p = go(path, level + 1);                               \
		__asm__ volatile("" ::: "memory"); /* no tail call */        \
		return p;                                                    \
	}
LEVEL_FN(f0) LEVEL_FN(f1) LEVEL_FN(f2) LEVEL_FN(f3) LEVEL_FN(f4) LEVEL_FN(f5)
LEVEL_FN(f6) LEVEL_FN(f7) LEVEL_FN(f8) LEVEL_FN(f9) LEVEL_FN(f10) LEVEL_FN(f11)
LEVEL_FN(f12) LEVEL_FN(f13) LEVEL_FN(f14) LEVEL_FN(f15) LEVEL_FN(f16)
LEVEL_FN(outer) LEVEL_FN(inner)

static void *(*const choice[17])(unsigned, int) = {
	f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16,
};

static void *go(unsigned path, int level)
{
	if (level < 40)
		return outer(path, level);
	if (level < 44) {
		unsigned d = path;
		for (int i = 40; i < level; i++)
			d /= 17;
		return choice[d % 17](path, level);
	}
	if (level < 52)
		return inner(path, level);
	void *p = malloc(32);
	if (p)
		memset(p, 1, 32);
	return p;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 30000;
	if (n <= 0 || n > 83521) /* 17^4 distinct paths */
		return 2;
	void **v = malloc((size_t)n * sizeof(*v));
	if (!v)
		return 1;
	for (long i = 0; i < n; i++)
		v[i] = go((unsigned)i, 0);
	return v[0] == NULL; /* the blocks stay live for the exit snapshot */
}
