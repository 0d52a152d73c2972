/*
 * unwind.h: backtrace capture.
 *
 * Owns the handle of libunwind, opened RTLD_LOCAL at start-up so that none of
 * its symbols (_Unwind_RaiseException & co.) enters the host's global scope,
 * the choice between the unwinders (cfi, the default: cfiunwind.c with
 * libunwind as its fallback; libunwind; fp) and the frame-pointer walker.
 * Context: app threads, sampled path, guard held. It takes no tracker lock
 * but fork's (fork_mutex in unwind.c, only while a fork is being prepared:
 * a walk waits for the fork, the fork for walks in progress, flagged in the
 * thread's own `walking`); nothing is taken during a walk but what
 * libunwind takes (the loader's lock through dl_iterate_phdr).
 */
#ifndef HEAPSNAP_UNWIND_H
#define HEAPSNAP_UNWIND_H

#include "cfiunwind.h"
#include "debug.h"
#include "options.h"
#include "tstate.h"

#include <stdint.h>

struct tstate;

/* Context: start-up, guard held. Opens libunwind (for both unwinders: the
 * fp walker falls back to it nowhere, but the warm-up is shared), records the
 * tracker's own text range, and warms the unwinder up. 0 or -errno. */
int unwind_init(enum options_unwinder which);

/* Context: app thread, sampled path, guard held. Never allocates (but for
 * libunwind's TLS block on a thread's first walk, see unwind.c); takes no
 * lock unless a fork is being prepared (then waits for it). Captures up to max frames of the caller of the hook into
 * out (return addresses), dropping the tracker's own frames. out may be
 * ts->frames itself (the copy runs forward). Sets *truncated
 * when the stack was deeper than max. Returns the frame count; *frames is
 * where the frames are (out). *memo CFIUNWIND_AGAIN: the cfi walk was the
 * thread's last one again, and the frames, their count and truncation are
 * ts->memo's (nothing else is set; ts->memo->stack, when set, is what the
 * caller interned from them); CFIUNWIND_RECORDED: the frames in out are
 * now the memo's too (its stack NULL, for the caller to set); 0: they are
 * in no memo. */
extern enum options_unwinder unwind_which __attribute__((visibility("hidden"))); /* unwind_init's */
unsigned unwind_capture_other(struct tstate *ts, uintptr_t *out, unsigned max, int *truncated,
			      const uintptr_t **frames, int *memo);
static inline unsigned unwind_capture(struct tstate *ts, uintptr_t *out, unsigned max, int *truncated,
				      const uintptr_t **frames, int *memo)
{
	if (__builtin_expect(unwind_which == OPTIONS_UNWINDER_CFI, 1)) {
		/* frames written straight to out, the tracker's already dropped */
		unsigned n;
		DEBUG_ASSERT_GUARD("unwind_capture: sampled path, guard held");
		DEBUG_NOMALLOC_ENTER("unwind_capture: cfi walk");
		tstate_add(&ts->unwind_samples, 1);
		int r = cfiunwind_walk(ts, out, max, &n, truncated);
		DEBUG_NOMALLOC_LEAVE();
		*memo = r;
		if (r == CFIUNWIND_AGAIN)
			return 0; /* the memo's frames (see above) */
		if (r == CFIUNWIND_RECORDED) {
			*frames = tstate_memo_frames(ts->memo); /* out may hold only the inner ones */
			return ts->memo->n;
		}
		if (r >= 0) {
			*frames = out;
			return n;
		}
		tstate_add(&ts->unwind_fallbacks, 1); /* libunwind walks it, whole */
	}
	return unwind_capture_other(ts, out, max, truncated, frames, memo);
}

/* Context: any thread. Does addr lie in libheapsnap.so's own code? */
int unwind_is_tracker_address(uintptr_t addr);

/* Context: app thread, sampled path, guard held, after unwind_capture.
 * Never allocates. The block glibc malloc'ed (untracked) for libunwind's
 * thread-local data in this thread, the first time it exists; NULL before
 * and after. The caller keeps it out of the exact totals. */
void *unwind_tls_block_slow(struct tstate *ts);
static inline void *unwind_tls_block(struct tstate *ts)
{
	/* With unwinder=cfi libunwind walks only to fall back: the block can
	 * exist on the thread's first sample (the start-up warm-up's thread)
	 * and after a fallback (ts->samples counts libunwind's walks), never
	 * otherwise; dlinfo costs ~190 instructions per call. */
	if (__builtin_expect(ts->unw_tls_seen || (ts->samples == 0 && ts->unwind_samples > 1), 1))
		return NULL;
	return unwind_tls_block_slow(ts);
}

/* Context: app thread on activation, guard held. Marks the thread's stack
 * bounds unknown: the first walk reads them (unwind_stack_covers). Nothing
 * here allocates: pthread_getattr_np, which did this, mallocs from the
 * program's heap (a cpuset, and /proc/self/maps through stdio for the
 * main thread). */
void unwind_thread_init(struct tstate *ts);

/* Context: sampled path, guard held; never allocates. 1 when sp lies on
 * this thread's own stack, whose bounds [stack_lo, stack_hi) it then holds:
 * read from /proc/self/maps (the writable mapping that holds sp, cut at the
 * thread's descriptor) on the thread's first walk, and again when sp is
 * below them: at most UNWIND_STACK_READS times per thread, but for reads
 * that find the same stack grown down (a main stack that went deeper,
 * once per new depth); never the bounds of a sigaltstack. 0: walk nothing
 * there. */
#define UNWIND_STACK_READS 8
int unwind_stack_read_bounds(struct tstate *ts, uintptr_t sp);
static inline int unwind_stack_covers(struct tstate *ts, uintptr_t sp)
{
	if (__builtin_expect(sp >= ts->stack_lo && sp < ts->stack_hi, 1))
		return 1;
	return unwind_stack_read_bounds(ts, sp);
}

/* Context: app thread, guard held. Never allocates. Brackets anything that
 * calls dl_iterate_phdr or libunwind: a fork waits for the bracket's end,
 * and a walk that would begin while a fork is prepared waits for the fork. */
void unwind_walk_begin(struct tstate *ts);
void unwind_walk_end(struct tstate *ts);

/* Context: fork handlers of the forking thread. Fork waits for backtraces
 * in progress and holds new ones off until it is done (see unwind.c). */
void unwind_prefork(void);
void unwind_postfork_parent(void);
void unwind_postfork_child(void);

#endif
