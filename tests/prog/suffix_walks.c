/* suffix_walks.c: consecutive call paths that share their outer part and
 * differ inside it, for the cfi walk's suffix match
 * (tests/integration/cfi-walk-joins-only-unchanged-suffixes.sh). Every
 * path is main -> top_a or top_b (one call site in main, one frame size)
 * -> mid -> descend, d + 1 frames deep -> leaf_x or leaf_y (one call site
 * in descend) -> malloc. Two consecutive walks have the same state at
 * mid's frame whatever d is, so a walk may join the last one there while
 * its inner part is longer, shorter or as long; the return address mid's
 * frame reads tells top_a from top_b, so a join that skipped that word
 * would name the wrong top. Each combination is taken twice in a row (the
 * second walk is the memo's again, once the memo was written by a join).
 * The size of a block encodes its path: 16 + 8 * (4 d + 2 leaf + top),
 * d in 0..4, leaf 0 (x) or 1 (y), top 0 (a) or 1 (b). An argument K puts
 * K frames of wrap between main and top, so that the paths are deeper than
 * 32 frames and the joins happen far out in the walk. Prints "kept N". */
#include <stdio.h>
#include <stdlib.h>

#define FP __attribute__((noinline))
#define NOFP __attribute__((noinline, optimize("omit-frame-pointer")))
#define KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")

#define ROUNDS 3000
static void *kept[2 * ROUNDS];
static int nkept;

FP static void *leaf_x(size_t n)
{
	void *p = malloc(n);
	KEEP(p);
	return p;
}

NOFP static void *leaf_y(size_t n)
{
	void *p = malloc(n);
	KEEP(p);
	return p;
}

static void *(*volatile leaf)(size_t);

FP static void *descend(int d, size_t n)
{
	void *p = d > 0 ? descend(d - 1, n) : leaf(n);
	KEEP(p);
	return p;
}

NOFP static void *mid(int d, size_t n)
{
	void *p = descend(d, n);
	KEEP(p);
	return p;
}

FP static void top_a(int d, size_t n) { kept[nkept++] = mid(d, n); KEEP(nkept); }
FP static void top_b(int d, size_t n) { kept[nkept++] = mid(d, n); KEEP(nkept); }

FP static void rounds(void)
{
	void (*volatile top)(int, size_t);
	for (int i = 0; i < ROUNDS; i++) {
		/* depth, leaf and top change at different rates */
		int d = (i * 3) % 5, y = (i % 7) < 3, b = (i / 2) % 3 == 1;
		leaf = y ? leaf_y : leaf_x;
		top = b ? top_b : top_a;
		for (volatile int twice = 0; twice < 2; twice++) /* not unrolled: one call site */
			top(d, 16 + 8 * (4 * d + 2 * y + b));
	}
}

FP static void wrap(int k)
{
	if (k > 0)
		wrap(k - 1);
	else
		rounds();
	KEEP(k);
}

int main(int argc, char **argv)
{
	wrap(argc > 1 ? atoi(argv[1]) : 0);
	printf("kept %d\n", nkept);
	return 0;
}
