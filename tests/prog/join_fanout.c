/* join_fanout.c: many walks that join the same last walk at the same frame
 * after the same number of frames of their own, and differ only in those
 * frames (tests/integration/cfi-joins-cache-tells-joins-apart.sh).
 *
 * main calls route(j, i) from one call site; route calls mid(i) from its
 * call site j (of ROUTES), mid calls leaf from its call site i (of MIDS):
 * ROUTES x MIDS = 2048 stacks, each three frames of its own below main.
 * First every other call is route(0, 0), so each walk of the others joins
 * the walk of (0, 0) in main's frame, and each walk of (0, 0) joins the one
 * before it there: far more joins of one shape than core.c's cache of
 * joins has slots, so slots are shared and a join must not take another
 * join's stack. Then the stacks of each route in a row, whose joins differ
 * only in the stack joined. The block of (j, i) is 17 + 8 * (j * MIDS + i) bytes (1
 * more than a multiple of 8: stdio's buffers are not): every stack must
 * hold blocks of one size only, its own.
 */
#include <stdio.h>
#include <stdlib.h>

#define ROUTES 32
#define MIDS 64
#define ROUNDS 3
#define ROUNDS2 2

static void *kept[(2 * ROUNDS + ROUNDS2) * ROUTES * MIDS];
static int nkept;

__attribute__((noinline)) static void *leaf(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" ::: "memory");
	return p;
}

/* a call site of its own per case: the asm after each call tells the
 * compiler that no two are the same code */
#define SITE(k, callee, arg)                                                                                     \
	case (k):                                                                                                \
		p = callee(arg);                                                                                 \
		__asm__ volatile("# site %0" ::"i"(k) : "memory");                                               \
		break;
#define SITES4(b, callee, arg) SITE((b), callee, arg) SITE((b) + 1, callee, arg) SITE((b) + 2, callee, arg) SITE((b) + 3, callee, arg)
#define SITES16(b, callee, arg)                                                                                  \
	SITES4((b), callee, arg) SITES4((b) + 4, callee, arg) SITES4((b) + 8, callee, arg) SITES4((b) + 12, callee, arg)

static size_t block_size; /* set by route for leaf */

__attribute__((noinline)) static void *mid(int i)
{
	void *p = NULL;
	switch (i) {
		SITES16(0, leaf, block_size)
		SITES16(16, leaf, block_size)
		SITES16(32, leaf, block_size)
		SITES16(48, leaf, block_size)
	}
	__asm__ volatile("" ::: "memory");
	return p;
}

__attribute__((noinline)) static void *route(int j, int i)
{
	void *p = NULL;
	block_size = 17 + 8 * (size_t)(j * MIDS + i);
	switch (j) {
		SITES16(0, mid, i)
		SITES16(16, mid, i)
	}
	__asm__ volatile("" ::: "memory");
	return p;
}

int main(void)
{
	/* (0, 0), then (j, i), over and over, from one loop of one call site
	 * (two calls in the loop's body would be two sites in main) */
	static unsigned char js[sizeof kept / sizeof *kept], is[sizeof kept / sizeof *kept];
	int n = 0;
	for (int r = 0; r < ROUNDS; r++)
		for (int j = 0; j < ROUTES; j++)
			for (int i = 0; i < MIDS; i++) {
				js[n] = 0, is[n++] = 0;
				js[n] = (unsigned char)j, is[n++] = (unsigned char)i;
			}
	/* then each route's 64 in a row: each walk joins the last in route's
	 * frame after two of its own, mid's site and leaf, which 32 stacks
	 * share (one per route): those joins differ only in the entry joined */
	for (int r = 0; r < ROUNDS2; r++)
		for (int j = 0; j < ROUTES; j++)
			for (int i = 0; i < MIDS; i++)
				js[n] = (unsigned char)j, is[n++] = (unsigned char)i;
	for (int k = 0; k < n; k++)
		kept[nkept++] = route(js[k], is[k]);
	printf("kept %d\n", nkept);
	return 0;
}
