/*
 * dlclose_plugin.c: the plugin prog/dlclose_host dlopens and dlcloses;
 * plugin_keep(n) returns a new block of n bytes from a function of its own.
 */
#include <stdlib.h>

__attribute__((noinline)) void *plugin_keep(int n)
{
	void *p = malloc((size_t)n);
	__asm__ volatile("" ::"r"(p) : "memory"); /* no tail call: a frame of its own */
	return p;
}
