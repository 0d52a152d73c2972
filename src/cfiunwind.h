/*
 * cfiunwind.h: the table-driven unwinder of the sampled path (x86-64).
 *
 * Owns the shared pc -> rule cache (one 64-bit word per entry, allocated
 * once from the tracker arena at start-up) and the walk that follows those
 * rules from the capture function up the current thread's stack.
 * Context: app threads, sampled path, guard held (cfiunwind_walk); start-up
 * (cfiunwind_init); the exported dlclose (cfiunwind_flush).
 * Invariants: (1) a walk never allocates, never reads outside
 * [its starting rsp, ts->stack_hi), takes no lock and writes no shared line
 * on a cache hit; (2) a miss reads the modules' tables under
 * dl_iterate_phdr, between unwind_walk_begin and unwind_walk_end (fork
 * safety); (3) whatever it cannot follow, the whole sample falls back.
 */
#ifndef HEAPSNAP_CFIUNWIND_H
#define HEAPSNAP_CFIUNWIND_H

#include <stdint.h>

struct tstate;

/* Context: start-up, guard held. Allocates the cache; [lo, hi) is the
 * tracker's own code, whose leading frames a walk drops. 0 or -ENOMEM. */
int cfiunwind_init(uintptr_t lo, uintptr_t hi);

/* Context: app thread, sampled path, guard held. Never allocates. Walks the
 * calling thread's stack from inside itself and keeps the return addresses
 * past the tracker's own leading frames (as libunwind gives them, and
 * unwind_capture keeps them): up to max, *n their count, *truncated 1 when
 * the stack went on. CFIUNWIND_WALKED: the walk is complete, its frames in
 * out; CFIUNWIND_RECORDED: the same, and ts->memo now holds it (its `stack`
 * NULL); CFIUNWIND_AGAIN: the walk is the memo's again, its frames, count
 * and truncation are ts->memo's (out, *n, *truncated untouched); -1: fall
 * back to another unwinder for this sample (out, *n are then meaningless). */
enum { CFIUNWIND_WALKED = 0, CFIUNWIND_RECORDED = 1, CFIUNWIND_AGAIN = 2 };
int cfiunwind_walk(struct tstate *ts, uintptr_t *out, unsigned max, unsigned *n, int *truncated);

/* Context: any thread, after a module is unloaded. Never allocates. Forgets
 * every cached rule (a new module may be mapped where the old one was). */
void cfiunwind_flush(void);

#endif
