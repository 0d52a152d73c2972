/*
 * arena.h: the tracker's own memory.
 *
 * Owns a private jemalloc arena (a renamed, hidden copy of jemalloc linked into
 * the preload: only the tracker calls it, so its arena is the tracker's)
 * and the count of bytes the tracker holds in it. Every table of
 * the tracker and SQLite's memory come from here: never from the
 * application's heap, never re-entering the hooks.
 * Invariants: (1) arena_alloc never calls the interposed malloc family;
 * (2) arena_bytes() equals the usable size of all live arena blocks.
 */
#ifndef HEAPSNAP_ARENA_H
#define HEAPSNAP_ARENA_H

#include <stddef.h>
#include <stdint.h>

/* Context: start-up, one thread. Returns 0 or a negative errno. */
int arena_init(void);

/* Context: any thread. Lock-free in the common case (jemalloc's arena locks).
 * Returns NULL on failure. Zeroed memory. */
void *arena_alloc(size_t size);
/* Context: any thread. As arena_alloc, but the memory is not zeroed: for a
 * caller that writes every byte it reads (SQLite: its page buffers alone
 * are 130 k blocks of 4 KiB in an exact-mode compile's exit snapshot). */
void *arena_alloc_uninit(size_t size);
/* Context: any thread. NULL on failure (old block kept). */
void *arena_realloc(void *p, size_t size);
/* Context: any thread. p may be NULL. */
void arena_free(void *p);
/* Context: any thread. */
size_t arena_usable_size(const void *p);

/* Context: any thread. A copy of s in the arena; NULL for NULL or on failure. */
char *arena_strdup(const char *s);

/* Context: any thread. Bytes the tracker holds now. */
uint64_t arena_bytes(void);

/* Context: any thread. Never allocates. Allocations and reallocations the
 * arena has refused since start-up (out of memory, or injected). */
uint64_t arena_failures(void);

/* Context: writer. Bytes of physical memory the private jemalloc holds
 * (its stats.resident: live blocks, caches and metadata), 0 if unknown. */
uint64_t arena_resident(void);

/* Context: start-up. Fault injection for tests (HEAPSNAP_TEST_FAIL_ALLOC,
 * core.c): the Nth allocation from now fails (0 = never). */
void arena_fail_after(uint64_t n);

#endif
