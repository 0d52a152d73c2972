/* deepening_stack.c: the main thread recurses deeper in each of ROUNDS
 * rounds, each frame holding two pages of its own, and allocates at the
 * bottom: its stack grows down again and again, to a depth it never had
 * before (tests/integration/cfi-walk-follows-a-growing-main-stack.sh).
 * Every block is 24 bytes; a round keeps its blocks. */
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 60
#define PER_ROUND 50

static void *kept[ROUNDS * PER_ROUND];
static int nkept;

__attribute__((noinline)) static void descend(int depth)
{
	volatile char page[8192];
	page[0] = (char)depth;
	page[sizeof page - 1] = (char)depth;
	if (depth > 0)
		descend(depth - 1);
	else
		for (int i = 0; i < PER_ROUND; i++)
			kept[nkept++] = malloc(24);
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	for (int r = 1; r <= ROUNDS; r++)
		descend(r);
	printf("kept %d\n", nkept);
	return 0;
}
