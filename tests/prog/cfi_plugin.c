/* cfi_plugin.c: built twice as plugins of cfi_stacks.cc: A with frame
 * pointers (rbp-based CFAs), B (-DCFI_PLUGIN_B) without and with a large
 * frame, so that a rule cached for A and kept after its dlclose would walk
 * B's frames wrong. */
#include <stdlib.h>

__attribute__((noinline)) static void *plugin_leaf(size_t n)
{
#ifdef CFI_PLUGIN_B
	volatile char big[5000];
	big[n % sizeof(big)] = 1;
	n += big[0];
#endif
	void *p = malloc(n);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

__attribute__((noinline)) void *plugin_alloc(size_t n)
{
	void *p = plugin_leaf(n);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}
