/*
 * core.h: the narrow seam between the exported hooks and the tracker.
 *
 * Owns the tracker's global state (OFF -> RUNNING -> DISABLED), start-up,
 * the failure policy (core_disable), the sampled path and the fork/exit/
 * signal wiring. The hooks in interpose.c read core_running and the
 * per-thread state, and call into here only for the rare slow paths.
 * Invariants: (1) the sampled path runs with the guard held, in a critical
 * region (tstate.h), and restores errno; (2) once DISABLED the tracker never turns back on; hooks only
 * forward; PAUSED (start=off, a window ended: core_pause) is not DISABLED
 * and core_resume turns it back on; (3) nothing here runs on the unsampled path.
 */
#ifndef HEAPSNAP_CORE_H
#define HEAPSNAP_CORE_H

#include "livetab.h"
#include "stacktab.h"
#include "tstate.h"

#include <stddef.h>
#include <stdint.h>

/* 1 while tracking: read by every hook. Set with a release store after
 * every table, option and filter is in place; every load that is followed
 * by a dereference of those (the hooks' hot test, the cold paths) is an
 * acquire load (a plain mov on x86-64). */
extern int core_running __attribute__((visibility("hidden")));

/* The hooks' fast-path gate: CORE_GATE_RUNNING mirrors core_running (set
 * after it, cleared before it, by atomic or/and), CORE_GATE_CHUNKS is set
 * once core_glibc_chunks is YES, and cleared only if a mismatch seen during
 * verification sets NO after another thread's YES (core_block_size_verify);
 * after that it stays clear. Only when both are set
 * (CORE_GATE_OPEN) may a hook count with the chunk header inline; any other
 * value sends it to its generic path. Read with acquire loads. */
enum { CORE_GATE_RUNNING = 1, CORE_GATE_CHUNKS = 2, CORE_GATE_OPEN = 3 };
extern int core_gate __attribute__((visibility("hidden")));

/* Implemented in interpose.c. Context: any thread, from set_running in
 * core.c. Points the exported malloc and free at their tracking bodies
 * (tracking 1: before core_running is set) or straight at the real
 * allocator (0: after core_running is cleared; a no-op before the real
 * functions are resolved). Never allocates. */
void interpose_dispatch(int tracking) __attribute__((visibility("hidden")));

/* Whether block_size (interpose.c) may read the usable size from glibc's
 * chunk header: CORE_CHUNKS_YES once the real allocator is glibc's and the
 * application's first blocks matched malloc_usable_size; VERIFYING while
 * they are compared (core_block_size_verify); NO for other allocators or
 * after any mismatch (never set back). */
enum { CORE_CHUNKS_NO, CORE_CHUNKS_VERIFYING, CORE_CHUNKS_YES };
extern int core_glibc_chunks __attribute__((visibility("hidden")));

/* Context: any thread, inside a hook, while core_glibc_chunks is not YES.
 * The usable size from the real allocator; compares it with the chunk
 * header and moves core_glibc_chunks on. Never allocates. */
size_t core_block_size_verify(void *p);

/* Context: app thread, inside a hook, when countdown went negative.
 * Returns p, so that a hook can end in a tail call to it (its frame gone
 * before the walk: one frame fewer to walk and to check). */
void *core_sample_alloc(struct tstate *ts, void *p, size_t size);

/* Context: app thread, sampled path, guard held. Records p, a block the
 * real allocator handed out for the tracker itself (untracked), as an `own`
 * live entry: its free, on whatever thread, is then counted nowhere. 0, or
 * -ENOMEM after core_disable. */
int core_record_own(void *p);

/* Context: any thread, inside free/realloc, after livetab_remove hit. */
static inline void core_account_free(const struct livetab_entry *e);

/* Context: own thread, any state. Never allocates. Enters a critical region
 * (guard and critical held, tstate.h) / leaves it, running the frees that
 * signal handlers deferred meanwhile (errno kept). */
void core_critical_enter(struct tstate *ts);
static inline void core_critical_leave(struct tstate *ts);
/* The same for a region with no cancellation point in it (no syscall that
 * POSIX lists as one, no message written): it leaves the thread's cancel
 * state alone, which saves two pthread_setcancelstate calls. Left with
 * core_critical_leave. */
static inline void core_critical_enter_nocancel(struct tstate *ts)
{
	tstate_guard_enter(ts);
	tstate_critical_enter(ts);
}

/* Inside a region entered with core_critical_enter_nocancel, just before a
 * cancellation point: turns cancellation off until this region (the one at
 * the current depth) is left. A no-op when it is off already. */
void core_cancel_off(struct tstate *ts);

/* Context: own thread, inside free/realloc, not in a critical region.
 * Removes p's live entry if it has one, inside a critical region: 1 when p
 * was a sampled block of the program's, -1 a block of the tracker's own
 * (count its free nowhere), 0 when p is not in the table. */
int core_forget(struct tstate *ts, void *p);
/* The same, once livetab_maybe_contains(p) said yes (no second probe):
 * inline, below. */
static inline int core_forget_probed(struct tstate *ts, void *p);

/* Context: app thread, in free() of a block the filter said may be sampled
 * (usable: its usable size). As core_forget_probed, but a stripe another
 * thread holds is not waited for: 2 then says the block was queued (the
 * stripe's holder counts it and frees it; the caller does neither). */
static inline int core_forget_or_queue(struct tstate *ts, void *p, size_t usable);

/* Context: own thread, in free() reentered by a signal handler while the
 * thread is in a critical region. Never allocates, takes no lock. When p may
 * be sampled, sets it aside (1: the caller must not call the real free;
 * core_critical_leave will); 0: the caller frees p now, untracked. */
int core_defer_free(struct tstate *ts, void *p);

/* Context: own thread. Never allocates. Counts a free in the thread's exact
 * totals, or in the globals when it is not ACTIVE. */
void core_count_free(struct tstate *ts, size_t usable);

/* Context: app thread, inside a hook: the thread is not ACTIVE or the guard
 * is held. Activates an UNBORN thread (returns it), counts a DEAD thread's
 * call in the global totals (returns NULL). usable: bytes, alloc: 1 for an
 * allocation, 0 for a free. */
struct tstate *core_thread_slow(struct tstate *ts, size_t usable, int alloc);

/* Context: any thread. Writes one line and stops tracking, once. */
void core_disable(const char *what, int err);

/* Context: any thread. Never allocates. 1 while tracking; 0 once stopped,
 * with the reason (what core_disable said) copied to reason. */
int core_state(char *reason, size_t len);

/* Context: any tracker thread (control, writer), guard held. Pauses
 * tracking without disabling it (a window ended, or start=off): the hooks
 * only forward, the tables stay as they are; core_resume starts again. */
void core_pause(void);

/* Context: a tracker thread, guard held, while paused. Starts tracking
 * again (a window opens): sampled entries left from an earlier window are
 * dropped (their frees were not seen while paused), sample > 0 becomes the
 * sampling mean (every thread's countdown drawn anew), then core_running
 * is set. 0, or -ESHUTDOWN once core_disable ran or before start-up. */
int core_resume(uint64_t sample);

/* Context: any thread. Never allocates. The sampling mean in force. */
uint64_t core_sample_mean(void);

/* Context: any thread. Never allocates. 1 once core_disable ran (for
 * good), 0 while running or paused. */
int core_disabled(void);

/* Context: first hook or constructor; resolves the next malloc family. */
int core_resolve_real(void);

struct core_real {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*malloc_usable_size)(void *);
};
extern struct core_real core_real __attribute__((visibility("hidden")));

/* ---- inline: the way out of a critical region ---- */

/* Context: own thread, leaving a critical region. The outermost region
 * that turned cancellation off (cancel_depth) and one that ends with frees
 * deferred meanwhile take the out-of-line way (core.c); every other leave
 * is two decrements and a load, no call. */
void core_critical_leave_slow(struct tstate *ts);
void core_run_deferred(struct tstate *ts);

static inline void core_critical_leave(struct tstate *ts)
{
	if (__builtin_expect(ts->cancel_depth == ts->critical, 0)) {
		core_critical_leave_slow(ts);
		return;
	}
	if (__builtin_expect(tstate_critical_leave(ts), 0))
		core_run_deferred(ts);
	tstate_guard_leave(ts);
}

static inline void core_account_free(const struct livetab_entry *e)
{
	if (e->stack)
		stacktab_account_free(e->stack, e->count_fx, e->bytes);
}

static inline int core_forget_probed(struct tstate *ts, void *p)
{
	struct livetab_entry e;
	core_critical_enter_nocancel(ts); /* no cancellation point in here */
	bool had = livetab_remove_slow((uintptr_t)p, &e);
	if (had)
		core_account_free(&e);
	core_critical_leave(ts);
	return !had ? 0 : e.own ? -1 : 1;
}

static inline int core_forget_or_queue(struct tstate *ts, void *p, size_t usable)
{
	struct livetab_entry e;
	core_critical_enter_nocancel(ts); /* no cancellation point in here */
	enum livetab_removal r = livetab_remove_or_queue((uintptr_t)p, usable, &e);
	if (r == LIVETAB_REMOVED)
		core_account_free(&e);
	core_critical_leave(ts);
	return r == LIVETAB_QUEUED ? 2 : r == LIVETAB_ABSENT ? 0 : e.own ? -1 : 1;
}

#endif
