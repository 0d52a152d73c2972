/*
 * jemalloc_private.h: the renamed entry points of the tracker's private
 * jemalloc copy (built in src/Makefile.am from Debian's libjemalloc_pic.a with
 * objcopy --redefine-syms=jemalloc.syms). Nothing here is exported from the
 * preload. Only arena.c and sqlite glue call these.
 */
#ifndef HEAPSNAP_JEMALLOC_PRIVATE_H
#define HEAPSNAP_JEMALLOC_PRIVATE_H

#include <stddef.h>

#define HSJE_MALLOCX_ZERO ((int)0x40)
#define HSJE_MALLOCX_TCACHE_NONE ((int)((-1 + 2) << 8))
#define HSJE_MALLOCX_ARENA(a) ((((int)(a)) + 1) << 20)

void *hsje_mallocx(size_t size, int flags);
void *hsje_rallocx(void *ptr, size_t size, int flags);
void hsje_dallocx(void *ptr, int flags);
size_t hsje_sallocx(const void *ptr, int flags);
size_t hsje_nallocx(size_t size, int flags);
int hsje_mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

#endif
