/*
 * allocstats.h: the application's allocator's own figures, when it is not
 * glibc's (glibc's mallinfo2 is snapfile.c's): jemalloc's stats.*.
 *
 * Owns finding the application's jemalloc (its mallctl, never the
 * tracker's private, renamed copy) and reading its statistics for meta.
 * Context: the writer thread, snapshot lock held; never a hook.
 */
#ifndef HEAPSNAP_ALLOCSTATS_H
#define HEAPSNAP_ALLOCSTATS_H

#include "snapfile.h"

#include <stddef.h>

/* Context: writer, snapshot lock held. The meta rows of the allocator
 * underneath (jemalloc_version, jemalloc_allocated, ...), at most max;
 * none when it is glibc's or has no mallctl. */
size_t allocstats_meta(struct snapfile_meta *m, size_t max);

#endif
