/* alternate_lanes.c: pairs of call paths that differ in one return address
 * only, at four depths, so that the one stack word telling a pair apart
 * falls at each of four consecutive positions of the cfi walk's read list
 * (the memo check reads four words a round: each position is one lane of
 * it; tests/integration/cfi-walk-memo-checks-every-word.sh). A frame with
 * a frame pointer costs the walk two reads (return address, saved rbp), one
 * without it one read, so the chains below put the word at the first app
 * read + 0, 1, 2 and 3. Each via_a* keeps 250 blocks, each via_b* 750; the
 * pairs run one after the other, a and b alternating, so that the walks of
 * a pair start alike. */
#include <stdio.h>
#include <stdlib.h>

#define NOFP __attribute__((noinline, optimize("omit-frame-pointer")))
#define FP __attribute__((noinline))
#define KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")

static void *kept[4000];
static int nkept;

FP static void *leaf(size_t n)
{
	void *p = malloc(n);
	KEEP(p);
	return p;
}

NOFP static void *leaf_nofp(size_t n)
{
	void *p = malloc(n);
	KEEP(p);
	return p;
}

NOFP static void *hop_nofp(size_t n)
{
	void *p = leaf(n);
	KEEP(p);
	return p;
}

FP static void *hop_fp(size_t n)
{
	void *p = leaf_nofp(n);
	KEEP(p);
	return p;
}

FP static void *hop_fp2(size_t n)
{
	void *p = hop_fp(n);
	KEEP(p);
	return p;
}

/* +0: leaf's return address is the word */
FP static void via_a0(void) { kept[nkept++] = leaf(24); KEEP(nkept); }
FP static void via_b0(void) { kept[nkept++] = leaf(40); KEEP(nkept); }
/* +1: leaf_nofp reads one word, then hop_fp's return address */
FP static void via_a1(void) { kept[nkept++] = hop_fp(24); KEEP(nkept); }
FP static void via_b1(void) { kept[nkept++] = hop_fp(40); KEEP(nkept); }
/* +2: leaf reads two, then hop_nofp's return address */
FP static void via_a2(void) { kept[nkept++] = hop_nofp(24); KEEP(nkept); }
FP static void via_b2(void) { kept[nkept++] = hop_nofp(40); KEEP(nkept); }
/* +3: leaf_nofp one, hop_fp two, then hop_fp2's return address */
FP static void via_a3(void) { kept[nkept++] = hop_fp2(24); KEEP(nkept); }
FP static void via_b3(void) { kept[nkept++] = hop_fp2(40); KEEP(nkept); }

int main(void)
{
	void (*const a[4])(void) = {via_a0, via_a1, via_a2, via_a3};
	void (*const b[4])(void) = {via_b0, via_b1, via_b2, via_b3};
	/* one call site in main for every path (a volatile pointer: the
	 * compiler cannot split it into two calls, two return addresses) */
	void (*volatile call)(void);
	for (int j = 0; j < 4; j++)
		for (int i = 0; i < 1000; i++) {
			call = i % 4 == 0 ? a[j] : b[j];
			call();
		}
	printf("kept %d\n", nkept);
	return 0;
}
