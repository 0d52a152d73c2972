/*
 * tstate.h: per-thread tracker state.
 *
 * Owns the initial-exec TLS block each thread touches on every hook, and the
 * registry of live threads whose exact counters the writer sums.
 * States: UNBORN -> ACTIVE -> DEAD. UNBORN is the zeroed TLS of a thread that
 * has not been seen yet (tstate_activate makes it ACTIVE on its first hook
 * while the tracker runs, or DEAD if its exit destructor cannot be
 * installed); tstate_retire (pthread key destructor) folds its counters
 * into the globals and makes it DEAD. Only a thread whose destructor is
 * installed is ever in the registry. Hooks track only in ACTIVE
 * with guard == 0.
 * Invariants: (1) touching the TLS never allocates; (2) guard > 0 means
 * "inside the tracker": every nested allocation is forwarded untracked;
 * (3) exact counters are written only by their own thread (one add
 * instruction, so that a signal handler's count on the same thread is never
 * lost) and only grow; the writer reads them with relaxed loads under the
 * registry lock; (4) a thread's counters are counted exactly once: in its
 * block while registered, in the globals after tstate_retire; (5) critical
 * > 0 implies guard > 0: the thread may hold a live or stack stripe lock,
 * be in a backtrace (walking), or be in the tracker arena, so a hook reentered by a
 * signal handler takes none of them (it defers a free, see core.h), and a
 * fork() from such a handler takes no tracker lock.
 */
#ifndef HEAPSNAP_TSTATE_H
#define HEAPSNAP_TSTATE_H

#include "options.h"

#include <stdint.h>
#include <sys/types.h>

struct stacktab_entry;

enum tstate_state { TSTATE_UNBORN = 0, TSTATE_ACTIVE = 1, TSTATE_DEAD = 2 };

/* Frames captured beyond `depth` to make room for the tracker's own. */
#define TSTATE_SKIP_MAX 8
/* A cfi walk is remembered when it kept at most TSTATE_MEMO_FRAMES frames (the
 * default depth: a walk of the default depth always fits)
 * and read at most TSTATE_MEMO_READS stack words (two a frame at most: room
 * for 64 frames and the tracker's own leading ones). */
#define TSTATE_MEMO_FRAMES 64
#define TSTATE_MEMO_READS 160 /* a multiple of 4 (cfiunwind.c checks four a round), < 256 */
/* Slots of a thread's cache of joins (struct tstate_join), log2. */
#define TSTATE_JOINS_LG 10
#define TSTATE_JOINS (1u << TSTATE_JOINS_LG)
#define TSTATE_JOINS_AFTER 256

/* The last complete cfi walk of this thread (cfiunwind.c): where it
 * started, every stack word it read, and what it found; `stack` is the
 * entry core.c interned from those frames (NULL until it has: cleared
 * whenever the walk is recorded anew). The arrays are filled from
 * their ends, the outermost frame and its reads last: a walk that
 * shares the last one's outer part (its suffix) leaves that part where
 * it is and writes only its own inner frames in front of it. Own
 * thread only: allocated from the arena on the thread's first walk, not held
 * in the thread's static TLS, which glibc carves out of every thread's stack
 * (a thread with a 16 KiB stack must still start). */
struct tstate_walk_memo {
	uintptr_t sp, fp, hi; /* sp 0: no memo */
	uint64_t genmax;      /* the rules' generation << 32 | the depth asked */
	unsigned n;           /* frames: frames[TSTATE_MEMO_FRAMES - n ..] */
	unsigned nreads;      /* reads: read[TSTATE_MEMO_READS - nreads ..], padded in front */
	unsigned clean_from;  /* no frame at this position or above read below its own sp */
	int truncated;
	struct stacktab_entry *stack;
	/* How the walk was made: when it joined the last one (at that
	 * walk's position join_at, after join_n frames of its own) and the
	 * last one had an entry, join_from is that entry (its frames are the
	 * last walk's: from join_at on, they are this walk's outer ones);
	 * else NULL (cfiunwind.c sets them, core.c reads them) */
	const struct stacktab_entry *join_from;
	unsigned join_at, join_n;
	struct tstate_memo_read {
		uintptr_t addr, val;
	} read[TSTATE_MEMO_READS]; /* each word read, in order */
	uintptr_t frames[TSTATE_MEMO_FRAMES];
	/* each frame's start state (its sp and rbp), and how many reads
	 * the walk made from that frame on (no padding), for a later
	 * walk that reaches the same state */
	uintptr_t frame_sp[TSTATE_MEMO_FRAMES + 1]; /* the last: UINTPTR_MAX, a sentinel */
	uintptr_t frame_fp[TSTATE_MEMO_FRAMES];
	uint8_t reads_from[TSTATE_MEMO_FRAMES];
	/* the stack hash's steps over the frames from each one out
	 * (stacktab_hash_step): a walk that joins this one hashes only
	 * its own inner frames */
	uint64_t hash_from[TSTATE_MEMO_FRAMES];
	/* what the walk in progress records, innermost first: copied into
	 * the memo above once it is complete, so that the last walk's record
	 * stays whole while this one may still join it (here, not in the
	 * walk's frame: a sampled hook's stack use stays small) */
	struct tstate_walk_record {
		struct tstate_memo_read read[TSTATE_MEMO_READS];
		uintptr_t sp[TSTATE_MEMO_FRAMES], fp[TSTATE_MEMO_FRAMES];
		uint8_t first_read[TSTATE_MEMO_FRAMES];
	} rec;
	/* The joins this thread made before, and the entry each one came to
	 * (core.c): TSTATE_JOINS slots, direct-mapped by the new stack's
	 * hash, from the arena once the thread has made TSTATE_JOINS_AFTER
	 * joins that found no slot (NULL until then: 24 KiB is for threads
	 * that sample often, not for every thread that ever sampled). A slot
	 * names its join by the last walk's entry (whose frames never
	 * change), the position joined and the walk's own frames before it:
	 * the frames of `to` are then the join's, once its first `n` compare
	 * equal. Freed with the memo. */
	struct tstate_join {
		const struct stacktab_entry *from;
		struct stacktab_entry *to;
		unsigned at, n;
	} *joins;
	unsigned joins_missed;
};

struct tstate {
	int hot;            /* 1: ACTIVE and guard == 0 (read by every hook) */
	int state;          /* enum tstate_state */
	int guard;          /* > 0: inside the tracker */
	int64_t countdown;  /* bytes until the next sample */
	uint64_t rng;       /* sampler generator state */
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes; /* exact */
	pid_t tid;
	int *errno_p;       /* this thread's errno (its address never changes); NULL before tstate_activate */
	struct tstate *next, *prev; /* registry, under the registry lock */
	uintptr_t stack_lo, stack_hi; /* this thread's stack, for the fp and cfi unwinders */
	unsigned stack_reads; /* reads of /proc/self/maps for them (unwind_stack_covers) */
	uint64_t unwind_samples, unwind_fallbacks; /* cfi walks, and those that fell back (unwind.c) */
	int unw_tls_seen;    /* libunwind's TLS block handed out (unwind.c) */
	unsigned samples;    /* backtraces taken by this thread (unwind.c) */
	int walking;         /* 1 while a libunwind walk runs: fork waits for it (unwind.c) */
	struct stacktab_entry *last_stack; /* this thread's last sampled stack (core.c); entries live forever */
	uint16_t label;      /* heapsnap_set_label's id (labels.h); 0: none. Own thread only */
	/* Signal handlers (see interpose.c, core.c): */
	int critical;        /* > 0: may hold a tracker lock or be in the arena */
	int cancel_state;    /* the thread's cancel state before its outermost critical region */
	int cancel_depth;    /* critical depth of the region that turned cancellation off; 0: none (core.c) */
	int registry_held;   /* holds, or is taking, the registry lock (tstate.c) */
	unsigned fork_unlocked; /* stack of bits: fork_prepare took no lock (core.c) */
	void *deferred;      /* frees deferred by handlers, linked through the blocks */
	uintptr_t frames[OPTIONS_DEPTH_MAX + TSTATE_SKIP_MAX]; /* backtrace buffer */
	/* The last complete cfi walk (struct tstate_walk_memo, below the
	 * struct); NULL until the thread's first one. */
	struct tstate_walk_memo *memo;
};

/* The hash steps over all the memo's frames (stacktab_intern_hashed). */
static inline uint64_t tstate_memo_hash(const struct tstate_walk_memo *m)
{
	return m->hash_from[TSTATE_MEMO_FRAMES - m->n];
}

/* The memo's frames, innermost first (m->n of them). */
static inline const uintptr_t *tstate_memo_frames(const struct tstate_walk_memo *m)
{
	return m->frames + TSTATE_MEMO_FRAMES - m->n;
}

extern __thread struct tstate tstate_tls __attribute__((tls_model("initial-exec")));
/* Set once by cfiunwind_init: gives a retiring thread's memo back (called
 * by tstate_retire with the guard held, ts->memo not NULL). */
extern void (*tstate_release_memo)(struct tstate *ts);

struct tstate_totals {
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes;
	uint64_t unwind_samples, unwind_fallbacks; /* unwinder=cfi: walks, fallbacks */
	unsigned threads;
};

/* Context: start-up, one thread. Returns 0 or a negative errno. */
int tstate_init(void);

/* Context: start-up or a fork child handler. Starts one of the tracker's
 * own threads: detached, named, with every signal blocked (the host
 * decides which of its threads handle signals). 0 or -errno. */
int tstate_start_thread(void *(*fn)(void *), const char *name);

/* Context: app thread, inside a hook, on its first hook. Guard held by the
 * caller. Installs the thread's exit destructor, registers the thread and
 * draws its first countdown: 0. When the destructor cannot be installed
 * (pthread_setspecific fails), the thread is never registered and becomes
 * DEAD (untracked: its calls count in the globals): -errno. */
int tstate_activate(struct tstate *ts, uint64_t sample);

/* Context: any thread. Never allocates. Adds exact totals of a thread that
 * is not ACTIVE (pre-registration or after retirement) to the globals. */
void tstate_count_unregistered(uint64_t alloc_count, uint64_t alloc_bytes, uint64_t free_count,
			       uint64_t free_bytes);

/* Context: the tracker's threads (writer, control) or the exiting thread.
 * Takes the registry lock. */
void tstate_totals(struct tstate_totals *out);

/* Context: a tracker thread, while tracking is paused (core_running 0: no
 * registered thread touches its countdown then, core.h). Takes the registry
 * lock. Draws every registered thread's countdown anew with mean `sample`,
 * so that a sampling rate changed at run time applies from the next byte
 * (the gaps are memoryless: a fresh draw is as good as the rest of one). */
void tstate_redraw_countdowns(uint64_t sample);

/* Context: a fork handler of the forking thread, before tstate_prefork.
 * Takes the registry lock and calls fn on every registered thread's state
 * with it held: fn must take no lock that a registered thread may hold
 * while it waits for the registry lock. */
void tstate_each(void (*fn)(struct tstate *));

/* Context: fork handlers of the forking thread. */
void tstate_prefork(void);
void tstate_postfork_parent(void);
void tstate_postfork_child(void);

/* Context: own thread. Never allocates. Enters the tracker: every
 * allocation of this thread is forwarded untracked until the matching
 * tstate_guard_leave. Nests. */
static inline void tstate_guard_enter(struct tstate *ts)
{
	ts->guard++;
	ts->hot = 0;
}

/* Context: own thread. Never allocates. */
static inline void tstate_guard_leave(struct tstate *ts)
{
	if (--ts->guard == 0 && ts->state == TSTATE_ACTIVE)
		ts->hot = 1;
}

/* Context: own thread. Never allocates. Enters a region that may take a
 * tracker lock or call the arena (guard held). */
static inline void tstate_critical_enter(struct tstate *ts)
{
	ts->critical++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Context: own thread. Leaves it; 1 when frees were deferred meanwhile and
 * the caller must run them now (core_critical_leave does). */
static inline int tstate_critical_leave(struct tstate *ts)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return --ts->critical == 0 && __atomic_load_n(&ts->deferred, __ATOMIC_RELAXED) != NULL;
}

/* One instruction: a signal handler on this thread that counts too cannot
 * fall between a load and a store and have its count overwritten. */
static inline void tstate_add(uint64_t *counter, uint64_t v)
{
#if defined(__x86_64__)
	__asm__ volatile("addq %1, %0" : "+m"(*counter) : "er"(v));
#else
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
#endif
}

#endif
