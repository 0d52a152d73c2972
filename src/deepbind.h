/*
 * deepbind.h: the interposed dlopen, which keeps libraries opened with
 * RTLD_DEEPBIND on the preload's hooks.
 *
 * Owns the exported dlopen (an assembly entry in deepbind.c) and the
 * rewriting of the malloc-family GOT slots of objects a RTLD_DEEPBIND
 * dlopen loads: such objects bind malloc and free to glibc ahead of the
 * preload, so their allocations were missed and their frees of blocks that
 * went through the hooks (strdup, glibc internals) made phantom leaks.
 * Invariants: (1) a dlopen without RTLD_DEEPBIND, or while not tracking, is
 * a tail jump to the next dlopen: the loader sees the caller's own return
 * address, so search paths and namespaces are the caller's; (2) the
 * rewriting runs with the guard held, never allocates, reads only memory
 * inside the objects' PT_LOAD segments, and writes only inside
 * dl_iterate_phdr's callback (glibc's load-write lock: no object is unmapped
 * meanwhile, no two rewriters interleave); (3) it never touches the preload,
 * libc, ld.so or the object that holds the real malloc, nor a slot that
 * does not point to the function the hooks forward to (an object's own
 * malloc stays its own); (4) a failure says so once, naming the library,
 * and stops tracking (core_disable), so a snapshot never shows its frees
 * as leaks.
 */
#ifndef HEAPSNAP_DEEPBIND_H
#define HEAPSNAP_DEEPBIND_H

#include <stddef.h>

/* Context: the constructor, guard held. Resolves the next dlopen and the
 * functions the hooks forward to. Idempotent. */
void deepbind_init(void);

/* The hooks themselves, for the rewritten slots: hidden aliases defined in
 * interpose.c, so that their address is the preload's definition even where
 * the program interposes the exported names. */
extern void *interpose_malloc(size_t);
extern void interpose_free(void *);
extern void *interpose_calloc(size_t, size_t);
extern void *interpose_realloc(void *, size_t);
extern void *interpose_reallocarray(void *, size_t, size_t);
extern int interpose_posix_memalign(void **, size_t, size_t);
extern void *interpose_aligned_alloc(size_t, size_t);
extern void *interpose_memalign(size_t, size_t);
extern void *interpose_valloc(size_t);
extern void *interpose_pvalloc(size_t);
extern size_t interpose_malloc_usable_size(void *);

#endif
