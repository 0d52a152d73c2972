/*
 * bad_frame_pointers.c: calls malloc with garbage in rbp, as code built
 * without frame pointers may leave it. Under unwinder=fp the walker must
 * stop, never read outside the live stack (clang once crashed here with rbp
 * = -8: fp + 16 wrapped around the bounds check).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void *bad_rbp_malloc(size_t size, uintptr_t rbp);
__asm__(".text\n"
	".globl bad_rbp_malloc\n"
	".type bad_rbp_malloc, @function\n"
	"bad_rbp_malloc:\n"
	"	push %rbp\n"
	"	mov %rsi, %rbp\n"
	"	call malloc@PLT\n"
	"	pop %rbp\n"
	"	ret\n"
	".size bad_rbp_malloc, .-bad_rbp_malloc\n");

int main(void)
{
	volatile uintptr_t here = 0;
	uintptr_t sp = (uintptr_t)&here;
	const uintptr_t values[] = {
		(uintptr_t)-8, (uintptr_t)-16, (uintptr_t)-4096, 0, 8, 7, 0x1000,
		sp - 64, sp + 8, sp + 4096, sp + (1 << 20), sp & ~(uintptr_t)0xfff,
		0x7ffffffff000 - 8, 0x00007fffffffeff8,
	};
	size_t n = sizeof(values) / sizeof(values[0]);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 100; k++)
			free(bad_rbp_malloc(1000, values[i]));
	printf("bad_frame_pointers: %zu values survived\n", n);
	return 0;
}
