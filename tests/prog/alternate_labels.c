/* alternate_labels.c: one call path from one loop, under two request
 * labels in turn, so that the cfi walk is its memo's again on every sample
 * and only the label tells the stacks apart (the memo's interned entry:
 * tests/integration/cfi-walk-memo-keeps-labels-apart.sh). Under "odd"
 * 1000 blocks of 24 bytes, under "even" 3000 of 40, all kept. */
#include "heapsnap.h"

#include <stdio.h>
#include <stdlib.h>

static void *kept[4000];
static int nkept;

__attribute__((noinline)) static void *leaf(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" ::: "memory");
	return p;
}

__attribute__((noinline)) static void site(size_t n)
{
	kept[nkept++] = leaf(n);
	__asm__ volatile("" ::: "memory");
}

/* Looked up, not branched on: one call of site in main, whatever the
 * compiler does (two calls would be two stacks). */
static const char *const names[2] = {"even", "odd"};
static const size_t sizes[2] = {40, 24};

int main(void)
{
	for (int i = 0; i < 4000; i++) {
		int odd = i % 4 == 0;
		heapsnap_set_label(names[odd]);
		site(sizes[odd]);
	}
	heapsnap_set_label(NULL);
	printf("kept %d\n", nkept);
	return 0;
}
