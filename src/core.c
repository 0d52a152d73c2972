/*
 * core.c: start-up, failure policy, the sampled path, fork/exit/signal wiring.
 *
 * Context: core_init is the library constructor (one thread); the sampled
 * path runs on app threads inside hooks; fork handlers on the forking thread;
 * the exit handler on the thread that calls exit().
 * Lock order while forking: backtrace wait (unwind.c: fork_mutex, then
 * the walks in progress, under the registry lock), snapshot lock,
 * registry lock, stack stripes, live stripes (the writer takes the last four
 * in the same order and never the first, so fork never deadlocks with a
 * snapshot or a backtrace in progress: it waits for them). A fork from a
 * signal handler that interrupted the tracker on its own thread takes none
 * (see fork_prepare).
 * Signal handlers: the sampled path, the sampled free and the fork handlers
 * are critical regions (tstate.h); a free that a handler makes there of a
 * block that may be sampled is set aside, linked through the block itself,
 * and run (entry removed, then the real free) when the region ends.
 */
#include "core.h"

#include "arena.h"
#include "callsite.h"
#include "cfiunwind.h"
#include "control.h"
#include "deepbind.h"
#include "execenv.h"
#include "labels.h"
#include "log.h"
#include "options.h"
#include "sampler.h"
#include "stacktab.h"
#include "symbolize.h"
#include "triggers.h"
#include "unwind.h"
#include "writer.h"

#define HEAPSNAP_DEFINING_API 1 /* the library defines it: not weak here */
#include "heapsnap.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Read by every hook, written only at start-up and when tracking starts or
 * stops: on cache lines of their own (nothing written per call or per
 * sample may share them, or every thread's next hook would miss). */
__attribute__((aligned(64))) struct core_real core_real;
int core_running;
int core_gate;
int core_glibc_chunks;

static struct options opt;
static int disabled_once;
/* 1 once core_init has everything in place (tracking or dormant). */
static int started;
static int exit_done;
/* Why tracking stopped; written once, before core_running drops to 0. */
static char stop_reason[256];
static int untracked_once;

/* core_running, its mirror bit in core_gate (core.h) and the hooks'
 * dispatch (interpose_dispatch): the hooks track before core_running is set
 * and forward only after it is cleared, and the gate is set after it,
 * cleared before it, so that while core_running is 1 every free goes
 * through the filter and the gate is never open while it is 0. */
static void set_running(int on)
{
	if (on) {
		interpose_dispatch(1);
		__atomic_store_n(&core_running, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_or(&core_gate, CORE_GATE_RUNNING, __ATOMIC_SEQ_CST);
	} else {
		__atomic_fetch_and(&core_gate, ~CORE_GATE_RUNNING, __ATOMIC_SEQ_CST);
		__atomic_store_n(&core_running, 0, __ATOMIC_SEQ_CST);
		interpose_dispatch(0);
	}
}

void core_disable(const char *what, int err)
{
	if (__atomic_exchange_n(&disabled_once, 1, __ATOMIC_ACQ_REL))
		return;
	int saved = errno;
	snprintf(stop_reason, sizeof(stop_reason), "%s: %s", what, strerror(err));
	set_running(0);
	log_msg("%s; tracking stopped", stop_reason);
	errno = saved;
}

int core_state(char *reason, size_t len)
{
	if (__atomic_load_n(&core_running, __ATOMIC_ACQUIRE))
		return 1;
	if (!__atomic_load_n(&disabled_once, __ATOMIC_ACQUIRE) && __atomic_load_n(&started, __ATOMIC_ACQUIRE))
		snprintf(reason, len, "the tracker is dormant (start=off, or its window ended); "
			 "open a window with 'heapsnap start PID'");
	else
		snprintf(reason, len, "%s", stop_reason[0] ? stop_reason : "not started");
	return 0;
}

int core_disabled(void)
{
	return __atomic_load_n(&disabled_once, __ATOMIC_ACQUIRE);
}

uint64_t core_sample_mean(void)
{
	return __atomic_load_n(&opt.sample, __ATOMIC_RELAXED);
}

void core_pause(void)
{
	set_running(0);
}

/* Entries of an earlier window: their blocks may have been freed, and
 * their addresses reused, while the hooks only forwarded. */
static void drop_stale_samples(void)
{
	struct livetab_entry *v;
	size_t n;
	if (livetab_copy(&v, &n) != 0)
		return; /* out of tracker memory: core_disable follows soon enough */
	struct tstate *ts = &tstate_tls;
	for (size_t i = 0; i < n; i++) {
		struct livetab_entry e;
		core_critical_enter(ts);
		if (livetab_remove(v[i].addr, &e))
			core_account_free(&e);
		core_critical_leave(ts);
	}
	arena_free(v);
}

int core_resume(uint64_t sample)
{
	if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE) || __atomic_load_n(&disabled_once, __ATOMIC_ACQUIRE))
		return -ESHUTDOWN;
	if (__atomic_load_n(&core_running, __ATOMIC_ACQUIRE))
		return 0;
	drop_stale_samples();
	if (sample > 0 && sample != opt.sample) {
		__atomic_store_n(&opt.sample, sample, __ATOMIC_RELAXED);
		tstate_redraw_countdowns(sample);
	}
	set_running(1);
	if (__atomic_load_n(&disabled_once, __ATOMIC_ACQUIRE))
		set_running(0); /* core_disable meanwhile */
	return 0;
}

int core_resolve_real(void)
{
	struct core_real r;
#define RESOLVE(name) (*(void **)&r.name = dlsym(RTLD_NEXT, #name))
	RESOLVE(malloc);
	RESOLVE(free);
	RESOLVE(calloc);
	RESOLVE(realloc);
	RESOLVE(posix_memalign);
	RESOLVE(aligned_alloc);
	RESOLVE(memalign);
	RESOLVE(valloc);
	RESOLVE(pvalloc);
	RESOLVE(malloc_usable_size);
#undef RESOLVE
	if (!r.malloc || !r.free || !r.calloc || !r.realloc || !r.posix_memalign || !r.memalign ||
	    !r.malloc_usable_size)
		return -ENOSYS;
	/* free and friends first, malloc last: hooks test core_real.malloc. */
	core_real.free = r.free;
	core_real.calloc = r.calloc;
	core_real.realloc = r.realloc;
	core_real.posix_memalign = r.posix_memalign;
	core_real.aligned_alloc = r.aligned_alloc;
	core_real.memalign = r.memalign;
	core_real.valloc = r.valloc;
	core_real.pvalloc = r.pvalloc;
	core_real.malloc_usable_size = r.malloc_usable_size;
	__atomic_store_n(&core_real.malloc, r.malloc, __ATOMIC_RELEASE);
	return 0;
}

/*
 * An allocation's time, on the sampled path: CLOCK_MONOTONIC_COARSE (the
 * vDSO reads the last tick, no TSC read), on writer_now()'s scale (seconds
 * since the tracker started: the two clocks count from the same origin,
 * the coarse one is up to a tick behind). Ages in a snapshot are whole
 * seconds and more, so a tick (1..10 ms) is below their resolution.
 */
static double sample_clock_base;

static void sample_clock_init(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	sample_clock_base = (double)t.tv_sec + t.tv_nsec * 1e-9 - writer_now();
}

static double sample_time(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	double v = (double)t.tv_sec + t.tv_nsec * 1e-9 - sample_clock_base;
	return v > 0 ? v : 0;
}

/* A thread's cache of joins, once it has made TSTATE_JOINS_AFTER joins
 * without one (tstate.h): false until then, or when the arena cannot
 * give it (the cache is only a shortcut: interning goes on without). */
__attribute__((noinline, cold)) static bool joins_first(struct tstate_walk_memo *m)
{
	if (m->joins_missed < TSTATE_JOINS_AFTER) {
		m->joins_missed++;
		return false;
	}
	m->joins = arena_alloc(TSTATE_JOINS * sizeof *m->joins);
	return m->joins != NULL;
}

void *core_sample_alloc(struct tstate *ts, void *p, size_t size)
{
	int *errp = __builtin_expect(ts->errno_p != NULL, 1) ? ts->errno_p : &errno;
	int saved = *errp;
	/* cancellation points on this path turn cancellation off themselves
	 * (core_cancel_off in unwind.c; log.c) */
	core_critical_enter_nocancel(ts);
	struct sampler_weight w;
	uint64_t mean = __atomic_load_n(&opt.sample, __ATOMIC_RELAXED);
	if (mean <= 1) {
		/* exact mode: what sampler_weight and sampler_next_gap give
		 * there (weight 1, the next allocation samples), without the calls */
		w.count_fx = SAMPLER_FX;
		w.bytes = size;
		ts->countdown = -1;
	} else {
		sampler_weight(size, mean, &w);
		ts->countdown = sampler_next_gap(&ts->rng, mean);
	}
	if (!triggers_sample_allowed())
		goto out; /* max_tracker_bytes reached: counters only */
	int truncated, memo;
	const uintptr_t *frames;
	unsigned n = unwind_capture(ts, ts->frames, opt.depth, &truncated, &frames, &memo);
	struct stacktab_entry *st;
	if (memo == CFIUNWIND_AGAIN) {
		/* The cfi walk was the thread's last one again: the entry
		 * interned from its frames is this stack's, if the label is the
		 * same. (libunwind runs in a thread only inside a sample, and
		 * every sample since the memo was recorded looked for its TLS
		 * block: none to look for here.) */
		st = ts->memo->stack;
		if (st && st->label == ts->label)
			goto interned;
		frames = tstate_memo_frames(ts->memo);
		n = ts->memo->n;
		truncated = ts->memo->truncated;
	} else {
		void *own = unwind_tls_block(ts);
		if (own && core_record_own(own) != 0)
			goto out;
	}
	/* A walk that joined the last one at the same place, from the same
	 * entry, after the same frames of its own, as a join before: its
	 * frames are that join's, so the entry it came to is this stack's
	 * once those own frames compare equal (few: not the whole stack, and
	 * no lookup in the shared table, whose entries are cache misses). */
	struct tstate_join *join = NULL;
	if (memo == CFIUNWIND_RECORDED && ts->memo->join_from && (ts->memo->joins || joins_first(ts->memo))) {
		const struct tstate_walk_memo *m = ts->memo;
		join = &m->joins[tstate_memo_hash(m) >> (64 - TSTATE_JOINS_LG)];
		st = join->to;
		if (join->from == m->join_from && join->at == m->join_at && join->n == m->join_n &&
		    stacktab_matches_inner(st, frames, m->join_n, n, truncated != 0, ts->label)) {
			ts->last_stack = st;
			ts->memo->stack = st;
			goto interned;
		}
	}
	/* A thread often samples the same stack again (a loop): then the
	 * frames compare equal to its last one and need no hash, no lookup. */
	st = ts->last_stack;
	if (!st || !stacktab_matches(st, frames, n, truncated != 0, ts->label))
		st = ts->last_stack = memo == CFIUNWIND_WALKED
					      ? stacktab_intern(frames, n, truncated != 0, ts->label)
					      : stacktab_intern_hashed(frames, n, truncated != 0, ts->label,
								       tstate_memo_hash(ts->memo));
	if (!st) {
		core_disable("cannot record a sampled stack (tracker memory exhausted)", ENOMEM);
		goto out;
	}
	if (memo != CFIUNWIND_WALKED)
		ts->memo->stack = st; /* the memo holds these frames */
	if (join)
		*join = (struct tstate_join){ts->memo->join_from, st, ts->memo->join_at, ts->memo->join_n};
interned:
	if (livetab_insert_sample((uintptr_t)p, size, w.count_fx, w.bytes, st, ts->tid, sample_time()) != 0) {
		core_disable("cannot record a sampled allocation (tracker memory exhausted)", ENOMEM);
		goto out;
	}
	stacktab_account_alloc(st, w.count_fx, w.bytes);
out:
	core_critical_leave(ts);
	*errp = saved;
	return p;
}

int core_record_own(void *p)
{
	struct livetab_entry e = {
		.addr = (uintptr_t)p,
		.size = core_real.malloc_usable_size(p),
		.time = writer_now(),
		.own = true,
	};
	if (livetab_insert(&e) != 0) {
		core_disable("cannot record a block of the tracker's (tracker memory exhausted)", ENOMEM);
		return -ENOMEM;
	}
	return 0;
}

/* A critical region that may reach a cancellation point is never left by
 * cancellation: libunwind's memory check writes to a pipe, and a failure
 * message is a write(); a thread cancelled there would take a stripe lock,
 * the backtrace lock or half a sample with it. The outermost such region
 * turns cancellation off and back to what the program had (the count first,
 * so a handler nesting in between is an inner region); cancel_depth says
 * which region did, so that it is the one that turns it back on. Regions
 * with no cancellation point in them (a free's table lookup: stripe lock,
 * arena, atomics) skip the two calls (core_critical_enter_nocancel). A
 * sample is such a region too, though a few of its paths reach one (a
 * backtrace handed to libunwind, the first read of a thread's stack
 * bounds): those turn cancellation off where they are (core_cancel_off)
 * until their region ends, so a cfi walk pays nothing for them. A message
 * (log.c) is no cancellation point: it turns cancellation off itself. */
void core_critical_enter(struct tstate *ts)
{
	tstate_guard_enter(ts);
	tstate_critical_enter(ts);
	if (ts->cancel_depth == 0) {
		ts->cancel_depth = ts->critical;
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &ts->cancel_state);
	}
}

void core_cancel_off(struct tstate *ts)
{
	if (ts->cancel_depth == 0 && ts->critical > 0) {
		ts->cancel_depth = ts->critical;
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &ts->cancel_state);
	}
}

void core_count_free(struct tstate *ts, size_t usable)
{
	if (ts->state == TSTATE_ACTIVE) {
		tstate_add(&ts->free_count, 1);
		tstate_add(&ts->free_bytes, usable);
	} else {
		tstate_count_unregistered(0, 0, 1, usable);
	}
}

/* A free that found its stripe taken (livetab_remove_or_queue) is counted
 * and released by the thread that drains it, as free_sampled would have:
 * the entry's weight off its stack, the block in the drainer's exact totals
 * (unless it was the tracker's own), then the real free. Context: whichever
 * thread holds the stripe next (a hook, the writer), stripe lock held for
 * the first, not for the second. */
static void queued_free_account(const struct livetab_entry *e, size_t usable)
{
	if (e)
		core_account_free(e);
	if (!e || !e->own)
		core_count_free(&tstate_tls, usable);
}

static void queued_free_release(void *blk)
{
	core_real.free(blk);
}

int core_forget(struct tstate *ts, void *p)
{
	if (!livetab_maybe_contains((uintptr_t)p))
		return 0;
	return core_forget_probed(ts, p);
}

/* Runs the frees that signal handlers deferred while this thread was
 * inside a critical region: the entry first, then the real free, as in
 * free(). Critical again meanwhile, so that a handler running now defers
 * too; the list is taken with one exchange, so a handler that pushes at any
 * point is either in this round or the next. */
__attribute__((noinline, cold)) void core_run_deferred(struct tstate *ts)
{
	int saved = errno;
	do {
		tstate_critical_enter(ts);
		void *blk;
		while ((blk = __atomic_exchange_n(&ts->deferred, NULL, __ATOMIC_RELAXED)) != NULL) {
			while (blk) {
				void *next = *(void **)blk;
				size_t usable = core_real.malloc_usable_size(blk);
				struct livetab_entry e;
				/* not running: a child forked unlocked, its tables unusable */
				if (__atomic_load_n(&core_running, __ATOMIC_ACQUIRE) &&
				    livetab_remove((uintptr_t)blk, &e)) {
					core_account_free(&e);
					if (!e.own)
						core_count_free(ts, usable);
				}
				core_real.free(blk);
				blk = next;
			}
		}
	} while (tstate_critical_leave(ts));
	errno = saved;
}

void core_critical_leave_slow(struct tstate *ts)
{
	if (ts->cancel_depth == ts->critical) {
		pthread_setcancelstate(ts->cancel_state, NULL);
		ts->cancel_depth = 0;
	}
	if (tstate_critical_leave(ts))
		core_run_deferred(ts);
	tstate_guard_leave(ts);
}

int core_defer_free(struct tstate *ts, void *p)
{
	if (!livetab_maybe_contains((uintptr_t)p))
		return 0;
	if (core_real.malloc_usable_size(p) < sizeof(void *)) {
		/* no room for the link: cannot happen with glibc (24 B at least) */
		core_disable("a signal handler freed a sampled block while heapsnap held a lock, "
			     "and the block is too small to be set aside", EDEADLK);
		return 0;
	}
	/* a CAS: a nested handler may push between our load and store */
	void *head = __atomic_load_n(&ts->deferred, __ATOMIC_RELAXED);
	do
		*(void **)p = head;
	while (!__atomic_compare_exchange_n(&ts->deferred, &head, p, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED));
	return 1;
}

struct tstate *core_thread_slow(struct tstate *ts, size_t usable, int alloc)
{
	if (ts->guard > 0 || !__atomic_load_n(&core_running, __ATOMIC_ACQUIRE))
		return NULL;
	if (ts->state == TSTATE_UNBORN) {
		int saved = errno;
		tstate_guard_enter(ts);
		int rc = tstate_activate(ts, core_sample_mean());
		if (rc == 0)
			unwind_thread_init(ts);
		else if (!__atomic_exchange_n(&untracked_once, 1, __ATOMIC_RELAXED))
			log_msg("cannot install a thread's exit handler (pthread_setspecific: %s); "
				"such threads are counted in the totals but never sampled",
				strerror(-rc));
		tstate_guard_leave(ts);
		errno = saved;
		if (rc == 0)
			return ts;
	}
	if (ts->state == TSTATE_DEAD)
		tstate_count_unregistered(alloc ? 1 : 0, alloc ? usable : 0, alloc ? 0 : 1,
					  alloc ? 0 : usable);
	return NULL;
}

/* ---- triggers wired here: signal, exit, fork, API ---- */

static void on_signal(int sig)
{
	writer_request_sigsafe(WRITER_REQ_SIGNAL);
}

static void install_signal(int sig)
{
	struct sigaction old, sa;
	if (sig <= 0 || sigaction(sig, NULL, &old) != 0)
		return;
	const char *name = options_signal_name(sig);
	char num[16];
	if (!name) {
		snprintf(num, sizeof(num), "%d", sig);
		name = num;
	}
	if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN) {
		log_msg("signal %s is ignored by the program; snapshots on signal are off "
			"(choose another with signal=)", name);
		return;
	}
	if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) {
		log_msg("signal %s already has a handler in the program; snapshots on signal are off "
			"(choose another with signal=)", name);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Seconds the exiting thread waits for the exit snapshot. */
#define EXIT_SNAPSHOT_LIMIT 60

static void on_exit_snapshot(void)
{
	if (!__atomic_load_n(&core_running, __ATOMIC_ACQUIRE) || !opt.at_exit)
		return;
	if (__atomic_exchange_n(&exit_done, 1, __ATOMIC_ACQ_REL))
		return;
	struct tstate *ts = &tstate_tls;
	int saved = errno;
	tstate_guard_enter(ts);
	if (writer_snapshot_wait("exit", NULL, EXIT_SNAPSHOT_LIMIT) == -ETIMEDOUT)
		log_msg("the exit snapshot took longer than %d s; the program exits without it",
			EXIT_SNAPSHOT_LIMIT);
	tstate_guard_leave(ts);
	errno = saved;
}

/*
 * fork() from a signal handler that interrupted this thread inside the
 * tracker (critical region, registry lock) must not wait for a lock the
 * thread itself may hold: the prepare handler then takes none, the parent
 * carries on, and the child, whose tables may be half-updated, stops
 * tracking (and says so). Nested forks push one bit each on fork_unlocked.
 */
static void fork_prepare(void)
{
	struct tstate *ts = &tstate_tls;
	int unlocked = ts->critical > 0 || ts->registry_held;
	core_critical_enter(ts);
	ts->fork_unlocked = ts->fork_unlocked << 1 | (unsigned)unlocked;
	if (unlocked)
		return;
	unwind_prefork();
	writer_prefork();
	tstate_prefork();
	stacktab_prefork();
	livetab_prefork();
}

static int fork_was_unlocked(struct tstate *ts)
{
	int unlocked = ts->fork_unlocked & 1;
	ts->fork_unlocked >>= 1;
	return unlocked;
}

static void fork_parent(void)
{
	struct tstate *ts = &tstate_tls;
	if (!fork_was_unlocked(ts)) {
		livetab_postfork_parent();
		stacktab_postfork_parent();
		tstate_postfork_parent();
		writer_postfork_parent();
		unwind_postfork_parent();
	}
	core_critical_leave(ts);
}

static void fork_child(void)
{
	struct tstate *ts = &tstate_tls;
	control_postfork_drop();
	if (fork_was_unlocked(ts)) {
		core_disable("fork() in a signal handler that interrupted heapsnap: the child's "
			     "tables may be inconsistent, the child runs untracked", EDEADLK);
		core_critical_leave(ts);
		return;
	}
	livetab_postfork_child();
	stacktab_postfork_child();
	labels_postfork_child();
	tstate_postfork_child();
	unwind_postfork_child();
	exit_done = 0;
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE) && !__atomic_load_n(&disabled_once, __ATOMIC_ACQUIRE)) {
		triggers_postfork_child();
		writer_postfork_child();
		control_postfork_child();
	}
	core_critical_leave(ts);
}

__attribute__((visibility("default"))) int heapsnap_snapshot(const char *label)
{
	if (!__atomic_load_n(&core_running, __ATOMIC_ACQUIRE)) {
		errno = ENOTSUP;
		return -1;
	}
	struct tstate *ts = &tstate_tls;
	tstate_guard_enter(ts);
	int rc = writer_snapshot_wait("api", label, 0);
	tstate_guard_leave(ts);
	if (rc) {
		errno = -rc;
		return -1;
	}
	return 0;
}

/* Is the real allocator glibc's? Then block_size() may read chunk headers,
 * once the application's own first blocks have shown that the layout is the
 * one it reads (CORE_CHUNKS_VERIFYING). Nothing is allocated here: a probe
 * that mallocs and frees large blocks raises glibc's dynamic mmap threshold
 * and changes where the program's later blocks come from. */
static int glibc_chunks_check(void)
{
	Dl_info info;
	if (!dladdr((void *)core_real.malloc, &info) || !info.dli_fname)
		return CORE_CHUNKS_NO;
	const char *base = strrchr(info.dli_fname, '/');
	base = base ? base + 1 : info.dli_fname;
	return strcmp(base, "libc.so.6") == 0 ? CORE_CHUNKS_VERIFYING : CORE_CHUNKS_NO;
}

/* Matches needed before the header is trusted alone. */
#define CHUNKS_TO_VERIFY 64
static __attribute__((aligned(64))) unsigned chunks_verified;

size_t core_block_size_verify(void *p)
{
	size_t theirs = core_real.malloc_usable_size(p);
	if (__atomic_load_n(&core_glibc_chunks, __ATOMIC_RELAXED) != CORE_CHUNKS_VERIFYING)
		return theirs;
	size_t hdr = ((size_t *)p)[-1];
	size_t mine = (hdr & ~(size_t)7) - ((hdr & 2) ? 16 : 8);
	/* NO is final. A mismatch seen by one thread while another counts the
	 * last match may come after that thread's YES: both sides then re-check
	 * in one order (seq_cst), so the gate's chunk bit never outlives NO. */
	if (mine != theirs) {
		__atomic_store_n(&core_glibc_chunks, CORE_CHUNKS_NO, __ATOMIC_SEQ_CST);
		__atomic_fetch_and(&core_gate, ~CORE_GATE_CHUNKS, __ATOMIC_SEQ_CST);
	} else if (__atomic_add_fetch(&chunks_verified, 1, __ATOMIC_RELAXED) == CHUNKS_TO_VERIFY) {
		int expect = CORE_CHUNKS_VERIFYING;
		if (__atomic_compare_exchange_n(&core_glibc_chunks, &expect, CORE_CHUNKS_YES, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			__atomic_fetch_or(&core_gate, CORE_GATE_CHUNKS, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&core_glibc_chunks, __ATOMIC_SEQ_CST) == CORE_CHUNKS_NO)
				__atomic_fetch_and(&core_gate, ~CORE_GATE_CHUNKS, __ATOMIC_SEQ_CST);
		}
	}
	return theirs;
}

/* Address space the tracker takes at start-up and soon after (its arena's
 * first extents, the live table, thread stacks): measured as the growth of
 * VmSize, about 23 MiB at the default rate and 47 MiB at sample=1, and
 * doubled for what a run adds. */
static uint64_t tracker_address_space(uint64_t sample)
{
	return (sample <= 64 ? 128ull : 64ull) << 20;
}

/* Under an address-space limit (ulimit -v) that leaves less than the
 * tracker needs, starting it would take the program's memory: its first
 * allocations could fail, or, below ~15 MB, the private jemalloc could not
 * even map its first chunk. Then the tracker stays off, says so once, and
 * the program has all of its limit. */
static bool address_space_too_small(uint64_t sample)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return false;
	unsigned long pages = 0;
	char buf[64];
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			pages = strtoul(buf, NULL, 10);
		}
	}
	uint64_t used = (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t need = tracker_address_space(sample);
	if (used < rl.rlim_cur && rl.rlim_cur - used >= need)
		return false;
	uint64_t left = used < rl.rlim_cur ? rl.rlim_cur - used : 0;
	log_msg("the address space limit (ulimit -v) leaves %llu MiB and the tracker needs about %llu MiB "
		"of it; tracking is off, the program keeps all of its memory (raise the limit to trace it)",
		(unsigned long long)(left >> 20), (unsigned long long)(need >> 20));
	disabled_once = 1;
	return true;
}

static unsigned live_buckets_for(uint64_t sample)
{
	/* The live table's filter (its bucket array grows from 2^12 to 4x
	 * this): expected live samples ~ live heap / sample, for a few GiB. */
	if (sample <= 64)
		return 21;
	if (sample <= 4096)
		return 19;
	return 17;
}

#define START_STEP(expr, what)                                                         \
	do {                                                                           \
		int rc_ = (expr);                                                      \
		if (rc_ != 0) {                                                        \
			core_disable(what, -rc_);                                      \
			goto out;                                                      \
		}                                                                      \
	} while (0)

__attribute__((constructor)) static void core_init(void)
{
	struct tstate *ts = &tstate_tls;
	char err[512], text[1536];
	tstate_guard_enter(ts);
	if (!__atomic_load_n(&core_real.malloc, __ATOMIC_ACQUIRE) && core_resolve_real() != 0)
		goto out; /* nothing to forward to: the hooks use the bootstrap pool */
	deepbind_init();
	log_init();
	if (getauxval(AT_SECURE))
		goto out; /* setuid/setgid programs are never traced */
	options_defaults(&opt);
	const char *env = secure_getenv("HEAPSNAP_OPTIONS");
	int parsed = options_parse(env, &opt, err, sizeof(err));
	/* A program the command executes is left alone, silently, unless
	 * follow_exec=1 (execenv.h); decided before any message, so that a
	 * bad option or a full disk is reported by the command alone. */
	if (!execenv_start(parsed == 0 && opt.follow_exec)) {
		disabled_once = 1;
		goto out;
	}
	if (parsed != 0) {
		log_msg("HEAPSNAP_OPTIONS: %s; tracking is off, the program runs untracked", err);
		disabled_once = 1;
		goto out;
	}
	callsite_set_user_patterns(opt.wrappers);
	if (opt.out[0] != '/') {
		/* anchor a relative directory now: the program may chdir later */
		char cwd[OPTIONS_PATH_MAX];
		if (getcwd(cwd, sizeof(cwd)) && strlen(cwd) + 1 + strlen(opt.out) < sizeof(opt.out)) {
			size_t lc = strlen(cwd), lr = strlen(opt.out);
			memmove(opt.out + lc + 1, opt.out, lr + 1);
			memcpy(opt.out, cwd, lc);
			opt.out[lc] = '/';
		}
	}
	if (access(opt.out, W_OK | X_OK) != 0) {
		log_msg("HEAPSNAP_OPTIONS: out directory '%s' is not writable (%s); tracking is off, "
			"create it or choose another with out=",
			opt.out, strerror(errno));
		disabled_once = 1;
		goto out;
	}
	options_format(&opt, text, sizeof(text));
	/* Fault injection for tests/integration/tracker-failures-*.sh: the Nth
	 * allocation of the tracker's own memory fails. Not an option: it exists
	 * to prove that a failing tracker leaves the program alone. */
	const char *fail = secure_getenv("HEAPSNAP_TEST_FAIL_ALLOC");
	if (fail)
		arena_fail_after(strtoull(fail, NULL, 10));
	core_glibc_chunks = glibc_chunks_check();
	if (address_space_too_small(opt.sample))
		goto out;
	START_STEP(arena_init(), "cannot create the tracker's memory arena");
	START_STEP(tstate_init(), "cannot create the thread-exit key");
	START_STEP(stacktab_init(), "cannot allocate the stack table");
	START_STEP(livetab_init(live_buckets_for(opt.sample)), "cannot allocate the live table");
	livetab_set_queued_free(queued_free_account, queued_free_release);
	if (unwind_init(opt.unwinder) != 0) {
		core_disable("cannot load libunwind.so.8 (install the Debian package libunwind8, or use unwinder=fp)", ENOENT);
		goto out;
	}
	symbolize_configure(opt.symbolize == OPTIONS_SYMBOLIZE_FULL);
	triggers_init(&opt);
	START_STEP(writer_init(&opt, text), "cannot start the writer thread");
	sample_clock_init();
	install_signal(opt.signal);
	int crc = control_init();
	if (crc)
		log_msg("no control channel (%s): 'heapsnap snapshot PID' cannot reach this process, "
			"send the snapshot signal instead", strerror(-crc));
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	atexit(on_exit_snapshot);
	/* start=off: everything is in place, the hooks only forward until
	 * 'heapsnap start PID' opens a window (triggers.h); set before
	 * `started`, which lets core_resume run */
	if (opt.start != OPTIONS_START_ON)
		interpose_dispatch(0);
	__atomic_store_n(&started, 1, __ATOMIC_RELEASE);
	if (opt.start == OPTIONS_START_ON)
		set_running(1);
out:
	if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		interpose_dispatch(0); /* off or failed: the hooks forward */
	tstate_guard_leave(ts);
}
