/* alternate.c: two call paths of the same depth, from one loop, so that a
 * walk starts at the same stack pointer and frame pointer every time and
 * only the return addresses on the stack tell the paths apart (cfi
 * unwinder's memo of the last walk: tests/integration/cfi-walk-memo-tells-
 * stacks-apart.sh). via_a keeps 1000 blocks of 24 bytes, via_b 3000 of 40,
 * and a third path, through an extra frame, 500 of 56. */
#include <stdio.h>
#include <stdlib.h>

static void *kept[4500];
static int nkept;

__attribute__((noinline)) static void *leaf(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" ::: "memory");
	return p;
}

__attribute__((noinline)) static void via_a(void)
{
	kept[nkept++] = leaf(24);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void via_b(void)
{
	kept[nkept++] = leaf(40);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void deeper(void)
{
	kept[nkept++] = leaf(56);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void via_c(void)
{
	deeper();
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	for (int i = 0; i < 4000; i++) {
		if (i % 4 == 0)
			via_a();
		else
			via_b();
		if (i % 8 == 0)
			via_c();
	}
	printf("kept %d\n", nkept);
	return 0;
}
