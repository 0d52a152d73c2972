/*
 * unwind.c: backtraces: .eh_frame tables (cfiunwind.c) with libunwind
 * (dlopen'ed RTLD_LOCAL) as their fallback, libunwind alone, or frame pointers.
 *
 * libunwind is never a DT_NEEDED of the preload: in the global scope its
 * _Unwind_* exports would come before libgcc_s and make every C++ exception
 * in the host ~40x slower. We take unw_backtrace and the caching controls
 * through dlsym on a local handle.
 * Invariants: (1) unwind_capture never allocates (measured: unw_backtrace
 * makes no malloc call; the fp walker touches only the stack), except the
 * block glibc mallocs for libunwind's TLS on a thread's first call, which
 * unwind_tls_block hands to the caller once, to be kept out of the exact
 * totals; (2) the fp walker dereferences only addresses inside the stack
 * segment it runs on (the thread's stack, or the sigaltstack in a signal
 * handler); any other frame it reads through process_vm_readv, so it never
 * reads unmapped memory; (3) with unwinder=cfi a sample is walked by
 * cfiunwind.c or, when it gives up, by libunwind, whole: never a mix of the
 * two; each thread counts its cfi walks and fallbacks (meta unwind_samples,
 * unwind_fallbacks).
 */
#include "unwind.h"

#include "cfiunwind.h"
#include "core.h"
#include "debug.h"
#include "log.h"
#include "modmap.h"
#include "tstate.h"

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/uio.h>
#include <string.h>

static int (*p_unw_backtrace)(void **buffer, int size);
static int (*p_getcontext)(unw_context_t *);
static int (*p_init_local)(unw_cursor_t *, unw_context_t *);
static int (*p_step)(unw_cursor_t *);
static int (*p_get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
static void *unw_handle;
enum options_unwinder unwind_which;
static uintptr_t self_lo, self_hi;

/*
 * fork waits for the backtraces in progress and lets none start while it
 * runs: libunwind walks the module list with dl_iterate_phdr (glibc's
 * dl_load_write_lock, which fork does not reset in the child) and keeps
 * global pools behind its own mutexes: a fork while another thread is in
 * the middle of a backtrace could leave one of them held in the child,
 * whose next backtrace or C++ throw would hang. A walk says so in its own
 * thread's `walking` (no shared line written per sample: this was a
 * rwlock, two atomic read-modify-writes on one line for every thread);
 * fork_prepare sets fork_waiting under fork_mutex and waits until no
 * registered thread is walking (only ACTIVE, hence registered, threads
 * sample). Store, full fence, load on both sides: either the walker sees
 * fork_waiting and backs off (it waits on fork_mutex, then tries again)
 * or the fork sees `walking` and waits for its end (microseconds). A
 * steady stream of samples cannot starve a fork: new walks wait.
 */
static pthread_mutex_t fork_mutex = PTHREAD_MUTEX_INITIALIZER;
static int fork_waiting;

void unwind_walk_begin(struct tstate *ts)
{
	for (;;) {
		__atomic_store_n(&ts->walking, 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&fork_waiting, __ATOMIC_RELAXED))
			return;
		__atomic_store_n(&ts->walking, 0, __ATOMIC_RELEASE);
		pthread_mutex_lock(&fork_mutex); /* held by the fork until it is done */
		pthread_mutex_unlock(&fork_mutex);
	}
}

void unwind_walk_end(struct tstate *ts)
{
	__atomic_store_n(&ts->walking, 0, __ATOMIC_RELEASE);
}

/* Registry lock held (tstate_each). A walk takes no tracker lock, so
 * waiting for its end here cannot deadlock. */
static void wait_walk(struct tstate *ts)
{
	while (__atomic_load_n(&ts->walking, __ATOMIC_ACQUIRE))
		sched_yield();
}

static unsigned step_walk(uintptr_t *buf, unsigned max);

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t probe = (uintptr_t)arg, lo, hi;
	modmap_extent(info, &lo, &hi);
	if (probe < lo || probe >= hi)
		return 0;
	self_lo = lo;
	self_hi = hi;
	return 1;
}

int unwind_is_tracker_address(uintptr_t addr)
{
	return addr >= self_lo && addr < self_hi;
}

/* Opens /dev/null onto every free descriptor below max (at most max of
 * them); returns how many, numbers in held[]. */
static int hold_low_fds(int *held, int max)
{
	int n = 0;
	while (n < max) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		if (fd >= max) {
			close(fd);
			break;
		}
		held[n++] = fd;
	}
	return n;
}

static void release_low_fds(const int *held, int n)
{
	while (n > 0)
		close(held[--n]);
}

int unwind_init(enum options_unwinder which)
{
	DEBUG_ASSERT_GUARD("unwind_init: start-up, guard held");
	unwind_which = which;
	dl_iterate_phdr(find_self, (void *)(uintptr_t)&find_self);
	if (which == OPTIONS_UNWINDER_FP)
		return 0;
	if (which == OPTIONS_UNWINDER_CFI && cfiunwind_init(self_lo, self_hi) != 0) {
		log_msg("cannot allocate the unwind cache (tracker memory exhausted); backtraces "
			"use libunwind alone, as with unwinder=libunwind");
		unwind_which = OPTIONS_UNWINDER_LIBUNWIND;
	}
	/* libunwind opens the pipe of its memory check as it starts (its
	 * first set-up call), which would take the lowest free descriptors, 3
	 * and 4 in most programs: a program that expects its inherited 3 and 4
	 * closed (a sub-make told its jobserver is there) would find them
	 * open. The low numbers are held until the warm-up below is done, so
	 * that the pipe gets numbers from 64 up. */
	int held[64];
	int nheld = hold_low_fds(held, 64);
	void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		release_low_fds(held, nheld);
		return -ENOENT;
	}
	unw_handle = h;
	p_unw_backtrace = (int (*)(void **, int))dlsym(h, "unw_backtrace");
	*(void **)&p_getcontext = dlsym(h, "_Ux86_64_getcontext");
	*(void **)&p_init_local = dlsym(h, "_ULx86_64_init_local");
	*(void **)&p_step = dlsym(h, "_ULx86_64_step");
	*(void **)&p_get_reg = dlsym(h, "_ULx86_64_get_reg");
	int (*set_policy)(void *, int) = (int (*)(void *, int))dlsym(h, "_ULx86_64_set_caching_policy");
	void **local_as = dlsym(h, "_ULx86_64_local_addr_space");
	if (!p_unw_backtrace || !p_getcontext || !p_init_local || !p_step || !p_get_reg) {
		release_low_fds(held, nheld);
		return -ENOSYS;
	}
	/* Per-thread register-state caches, not the global one: the global
	 * cache sits behind a libunwind mutex with no fork handler, and a
	 * fork() while another thread unwinds would leave it locked in the
	 * child, whose first sample would then hang. (Measured: the two
	 * policies cost the same on bench's threads workload, +25..35 us.) */
	if (set_policy && local_as)
		set_policy(*local_as, 2 /* UNW_CACHE_PER_THREAD */);
	/* Warm-up: the first calls build caches and cost milliseconds. */
	uintptr_t warm[16];
	step_walk(warm, 16);
	p_unw_backtrace((void **)warm, 16);
	release_low_fds(held, nheld);
	return 0;
}

void unwind_thread_init(struct tstate *ts)
{
	DEBUG_ASSERT_GUARD("unwind_thread_init: guard held");
	/* bounds unknown until the thread's first walk (unwind_stack_covers) */
	ts->stack_lo = ts->stack_hi = 0;
	ts->stack_reads = 0;
}

/*
 * The writable mapping of /proc/self/maps that holds addr, into [*lo, *hi):
 * 0, or -1 when there is none or the file cannot be read. Streams the file
 * through a small stack buffer: open, read, close, no allocation, errno
 * kept. Only the address range at the start of each line is parsed.
 */
static int mapping_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	int saved = errno;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errno = saved;
		return -1;
	}
	char buf[512];
	uintptr_t a = 0, b = 0;
	int field = 0; /* 0: start address, 1: end address, 2: permissions, 3: the rest */
	int found = -1, perm = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r && found; i++) {
			char c = buf[i];
			if (c == '\n') {
				field = perm = 0;
				a = b = 0;
				continue;
			}
			if (field == 0 || field == 1) {
				uintptr_t *v = field == 0 ? &a : &b;
				if (c == '-' || c == ' ') {
					field++;
					continue;
				}
				unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
				*v = *v << 4 | (d & 15);
			} else if (field == 2) {
				/* "rw-p": the second letter says writable */
				if (perm++ == 1) {
					field = 3;
					if (c == 'w' && addr >= a && addr < b) {
						*lo = a;
						*hi = b;
						found = 0;
					}
				}
			}
		}
		if (!found)
			break;
	}
	close(fd);
	errno = saved;
	return found;
}

int unwind_stack_read_bounds(struct tstate *ts, uintptr_t sp)
{
	/* first walk, a main stack grown since, or a walk on a sigaltstack: a
	 * few reads of the map per thread, then such walks fall back */
	if (ts->stack_reads >= UNWIND_STACK_READS)
		return 0;
	/* a handler on its alternate stack: that is not the thread's stack,
	 * and it spends none of the thread's reads (a thread whose first
	 * samples all come from such a handler still gets its bounds) */
	stack_t ss;
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK))
		return 0;
	ts->stack_reads++;
	uintptr_t lo, hi;
	core_cancel_off(ts); /* open and read are cancellation points */
	if (mapping_of(sp, &lo, &hi) != 0)
		return 0;
	/* A thread that glibc started keeps its descriptor (and its static
	 * TLS) at the top of its stack block, above every frame: nothing past
	 * it is read, even where the kernel merged the block with a mapping
	 * above it that may be unmapped later. */
	uintptr_t self = (uintptr_t)pthread_self();
	if (self > sp && self < hi)
		hi = self;
	/* The same stack, grown down (a main stack that went deeper than
	 * ever): not a read of the budget's, which is for stacks not known.
	 * It happens once per new depth at most, so a program whose main
	 * thread recurses deeper over its run keeps its walks (the budget
	 * alone let the ninth growth send every deeper sample to libunwind). */
	if (hi == ts->stack_hi && lo < ts->stack_lo)
		ts->stack_reads--;
	ts->stack_lo = lo;
	ts->stack_hi = hi;
	return 1;
}

/*
 * libunwind's thread-local data is dynamic TLS: the thread's first
 * unw_backtrace makes __tls_get_addr malloc a block for it, untracked (the
 * guard is held), and glibc frees that block with a plain free() when the
 * thread's stack is reused for a new thread (get_cached_stack), on a thread
 * that is tracked. The block is the tracker's, not the program's: the
 * caller records it (core.c: a live entry with no stack) so that its free
 * is recognised and counted nowhere. dlinfo does not allocate. The pointer
 * is the malloc'ed one because libunwind's TLS needs no more than malloc's
 * alignment.
 */
void *unwind_tls_block_slow(struct tstate *ts)
{
	void *blk = NULL;
	/* the cheap tests are unwind_tls_block's (unwind.h) */
	if (!unw_handle || dlinfo(unw_handle, RTLD_DI_TLS_DATA, &blk) != 0 || !blk)
		return NULL;
	/* seen once the block exists: the step walker may not need it */
	ts->unw_tls_seen = 1;
	return blk;
}

/*
 * Two ways through libunwind. unw_backtrace is the fastest per sample (its
 * frame cache skips DWARF interpretation for known return addresses), but its
 * first call in each thread maps and fills a 256 KiB per-thread cache: with
 * many short-lived threads that dominated (bench/run.sh threads: +100 us per
 * thread at the default sample, ~350 us per thread that sampled). So a thread
 * walks with unw_step for its first UNWIND_STEP_SAMPLES samples, and only a
 * thread that keeps sampling moves to unw_backtrace and pays for its cache.
 */
#define UNWIND_STEP_SAMPLES 32

static unsigned step_walk(uintptr_t *buf, unsigned max)
{
	unw_context_t ctx;
	unw_cursor_t cursor;
	unsigned n = 0;
	if (p_getcontext(&ctx) != 0 || p_init_local(&cursor, &ctx) != 0)
		return 0;
	while (n < max) {
		unw_word_t ip;
		if (p_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0)
			break;
		buf[n++] = (uintptr_t)ip;
		if (p_step(&cursor) <= 0)
			break;
	}
	return n;
}

/* Reads the two words at fp without faulting: 0 when fp is not readable
 * (or the kernel refuses process_vm_readv on ourselves: the walk stops). */
static int safe_read_frame(pid_t tid, uintptr_t fp, uintptr_t out[2])
{
	struct iovec local = {.iov_base = out, .iov_len = 2 * sizeof(uintptr_t)};
	struct iovec remote = {.iov_base = (void *)fp, .iov_len = 2 * sizeof(uintptr_t)};
	int saved = errno;
	ssize_t got = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	errno = saved;
	return got == (ssize_t)(2 * sizeof(uintptr_t));
}

/*
 * Code without frame pointers leaves anything in rbp. The walk starts on
 * the stack it runs on: the thread's own stack ([fp, stack_hi), no check
 * needed: it is the live part of a mapped stack) or, in a signal handler on
 * a sigaltstack, the alternate stack (sigaltstack(NULL) gives its bounds;
 * one syscall, only when the walk does not start on the thread's stack).
 * On the thread's stack a chain that leaves it is garbage and the walk
 * stops. Started elsewhere, a frame outside the starting segment (where the
 * chain leaves the alternate stack for the interrupted code, or any stack
 * we cannot bound) is read through
 * process_vm_readv, which fails instead of faulting on unmapped memory: a
 * syscall per frame, only in that uncertain case. Frames move strictly
 * towards the top of their stack, except once, when the chain leaves the
 * segment it started on. Sums are written so that none can wrap around.
 */
static unsigned fp_walk(struct tstate *ts, uintptr_t *buf, unsigned max)
{
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
	uintptr_t lo = fp, hi = 0;
	unsigned n = 0;
	int left = 0; /* 1 once the chain has left the starting segment */
	int may_leave = 1;
	if (unwind_stack_covers(ts, fp)) {
		hi = ts->stack_hi;
		may_leave = 0; /* a chain out of the thread's own stack is garbage */
	} else {
		stack_t ss;
		if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK) &&
		    fp >= (uintptr_t)ss.ss_sp && fp - (uintptr_t)ss.ss_sp < ss.ss_size)
			hi = (uintptr_t)ss.ss_sp + ss.ss_size;
	}
	while (n < max && (fp & 7) == 0) {
		uintptr_t w[2];
		if (!left && hi >= 16 && fp >= lo && fp <= hi - 16) {
			w[0] = ((uintptr_t *)fp)[0];
			w[1] = ((uintptr_t *)fp)[1];
		} else if (!may_leave || fp == 0 || fp > UINTPTR_MAX - 16 ||
			   !safe_read_frame(ts->tid, fp, w)) {
			break;
		}
		uintptr_t next = w[0], ret = w[1];
		if (!ret)
			break;
		buf[n++] = ret;
		if (!left && !(next >= lo && hi >= 16 && next <= hi - 16)) {
			if (!may_leave || next == fp)
				break;
			left = 1; /* out of the starting segment: any direction, once */
		} else if (next <= fp) {
			break;
		}
		fp = next;
	}
	return n;
}

unsigned unwind_capture_other(struct tstate *ts, uintptr_t *out, unsigned max, int *truncated,
			      const uintptr_t **frames, int *memo)
{
	uintptr_t *buf = ts->frames;
	unsigned cap = max + TSTATE_SKIP_MAX;
	unsigned n;
	DEBUG_ASSERT_GUARD("unwind_capture: sampled path, guard held");
	/* never allocates, but for libunwind's TLS block on a thread's first walk */
	DEBUG_NOMALLOC_ENTER_IF(nomalloc_, unwind_which == OPTIONS_UNWINDER_FP || ts->unw_tls_seen,
				"unwind_capture");
	/* unwinder=cfi gets here only when its walk gave up (unwind_capture) */
	int done = 0;
	if (unwind_which == OPTIONS_UNWINDER_FP) {
		n = fp_walk(ts, buf, cap);
		done = 1;
	}
	if (!done && p_unw_backtrace) {
		core_cancel_off(ts); /* libunwind's memory check writes to a pipe */
		unwind_walk_begin(ts);
		if (ts->samples < UNWIND_STEP_SAMPLES) {
			ts->samples++;
			n = step_walk(buf, cap);
		} else {
			int r = p_unw_backtrace((void **)buf, (int)cap);
			n = r > 0 ? (unsigned)r : 0;
		}
		unwind_walk_end(ts);
	} else if (!done)
		n = 0;
	unsigned skip = 0;
	while (skip < n && unwind_is_tracker_address(buf[skip]))
		skip++;
	unsigned kept = n - skip;
	*truncated = 0;
	if (kept > max) {
		kept = max;
		*truncated = 1;
	} else if (n == cap) {
		*truncated = 1;
	}
	for (unsigned i = 0; i < kept; i++)
		out[i] = buf[skip + i];
	DEBUG_NOMALLOC_LEAVE_IF(nomalloc_);
	*frames = out;
	*memo = CFIUNWIND_WALKED;
	return kept;
}

void unwind_prefork(void)
{
	pthread_mutex_lock(&fork_mutex);
	__atomic_store_n(&fork_waiting, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	tstate_each(wait_walk);
}

void unwind_postfork_parent(void)
{
	__atomic_store_n(&fork_waiting, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&fork_mutex);
}

void unwind_postfork_child(void)
{
	__atomic_store_n(&fork_waiting, 0, __ATOMIC_RELAXED);
	pthread_mutex_init(&fork_mutex, NULL);
}
