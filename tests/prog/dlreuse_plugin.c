/* dlreuse_plugin.c: built twice, as plugins A and B of dlreuse_host.c
 * (-DDLREUSE_PLUGIN_B). Same code, same size, names of the same length:
 * the loader maps B where A was once A is dlclose'd, and B's allocation
 * returns to the very address A's did. Only the names tell them apart. */
#include <stdlib.h>

#ifndef DLREUSE_PLUGIN_B
#define REUSE_ALLOC reuse_alpha_alloc
#else
#define REUSE_ALLOC reuse_bravo_alloc
#endif

__attribute__((noinline)) void *REUSE_ALLOC(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" : : "r"(p) : "memory"); /* not a tail call */
	return p;
}
