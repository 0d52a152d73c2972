/*
 * stackpaths.h: many distinct allocation stacks from one recursion, for the
 * bench programs that need snapshots with tens of thousands of stacks
 * (snapgen.c, stall_bench.c).
 *
 * stackpath_alloc(path, size) mallocs size bytes (filled, so the block is
 * touched) at the bottom of a recursion of LEVELS levels that goes through
 * left() or right(), two call sites, by the bits of path: stack k is the
 * path spelled by k's low LEVELS bits (2^15 = 32768 paths). Every level
 * keeps its frame (noinline, no tail call), so each path is its own stack.
 * Header-only: static functions, included by one source file each.
 */
#ifndef HEAPSNAP_BENCH_STACKPATHS_H
#define HEAPSNAP_BENCH_STACKPATHS_H

#include <stdlib.h>
#include <string.h>

#define LEVELS 15

static void *step(unsigned path, int level, size_t size);

__attribute__((noinline)) static void *left(unsigned path, int level, size_t size)
{
	void *p = step(path, level + 1, size);

	__asm__ volatile("" ::: "memory"); /* no tail call: a frame per level */
	return p;
}

__attribute__((noinline)) static void *right(unsigned path, int level, size_t size)
{
	void *p = step(path, level + 1, size);

	__asm__ volatile("" ::: "memory");
	return p;
}

__attribute__((noinline)) static void *step(unsigned path, int level, size_t size)
{
	void *p;

	if (level == LEVELS) {
		p = malloc(size);
		if (p)
			memset(p, 0x5a, size);
		__asm__ volatile("" ::: "memory");
		return p;
	}
	if (path >> level & 1)
		p = right(path, level, size);
	else
		p = left(path, level, size);
	__asm__ volatile("" ::: "memory");
	return p;
}

static inline void *stackpath_alloc(unsigned path, size_t size)
{
	return step(path, 0, size);
}

#endif
