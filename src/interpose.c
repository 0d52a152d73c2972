/*
 * interpose.c: the exported malloc family; forwards to the next definition.
 *
 * Every hook forwards to the real allocator (dlsym RTLD_NEXT) and then, only
 * for a thread that is ACTIVE with the guard not held while the tracker
 * runs, counts the call exactly and subtracts the size from the thread's
 * sampling countdown. Only when the countdown goes negative does it call
 * core_sample_alloc (the sampled path: backtrace, tables).
 * malloc and free are one indirect jump (`dispatch`): to their tracking
 * bodies whenever core_running may be 1 (interpose_dispatch(1) runs before
 * it is set), to the real malloc and a forwarding free only after it is
 * cleared; a tracking body whose gate is closed takes the generic path,
 * which forwards while the tracker is off. The tracking bodies' unsampled
 * path is one gate load, one TLS add and compare, the countdown
 * subtraction and the counter adds: no frame for free, no call but the real
 * one. calloc and realloc forward as a tail call while core_running is 0;
 * the other hooks test core_running and the thread (hot_thread).
 * free() looks the pointer up in the live table's filter (lock-free miss)
 * before the real free, so that an address reused by another thread can
 * never be confused with the sampled one.
 * Before dlsym has resolved the real functions, requests are served from a
 * static bootstrap pool whose blocks are never passed to the real free.
 * Signal handlers: a hook reentered while its thread is in a critical
 * region (tstate.h) takes no tracker lock; a free of a block that may be
 * sampled is then deferred (core_defer_free). Allocations a handler makes
 * while its thread is inside the tracker are forwarded untracked.
 * Invariants: (1) no lock, no syscall, no allocation on the unsampled path;
 * (2) errno is as the real allocator left it; (3) semantics of the real
 * allocator preserved: calloc overflow, posix_memalign's EINVAL, realloc(p,0),
 * realloc(NULL,n), free(NULL), malloc(0).
 */
#include "core.h"
#include "debug.h"
#include "deepbind.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- bootstrap pool: dlsym may allocate before the real malloc is known ---- */

#define POOL_SIZE (256 * 1024)
static alignas(64) unsigned char pool[POOL_SIZE];
static size_t pool_used;
static void pool_taken(void);

struct pool_header {
	size_t size;
	size_t pad;
};

static inline int pool_owns(const void *p)
{
	return (uintptr_t)p - (uintptr_t)pool < POOL_SIZE;
}

static void *pool_alloc(size_t size, size_t align)
{
	if (align < 16)
		align = 16;
	if (size > POOL_SIZE)
		return NULL;
	size_t need = size + sizeof(struct pool_header) + align;
	size_t start = __atomic_fetch_add(&pool_used, need, __ATOMIC_SEQ_CST);
	pool_taken(); /* before the block exists: its free must find it */
	if (start + need > POOL_SIZE)
		return NULL;
	uintptr_t p = (uintptr_t)(pool + start + sizeof(struct pool_header));
	p = (p + align - 1) & ~(uintptr_t)(align - 1);
	((struct pool_header *)p)[-1].size = size;
	return (void *)p; /* static storage is zeroed and never reused */
}

static size_t pool_size(const void *p)
{
	return ((const struct pool_header *)p)[-1].size;
}

static int resolving;

/* Fills core_real; 0 when the caller must use the pool (dlsym calling back
 * into us while it resolves). Cold: runs until the first call returns. */
__attribute__((noinline, cold)) static int ready_slow(void)
{
	if (__atomic_load_n(&core_real.malloc, __ATOMIC_ACQUIRE) != NULL)
		return 1;
	if (__atomic_exchange_n(&resolving, 1, __ATOMIC_ACQ_REL))
		return 0;
	core_resolve_real();
	__atomic_store_n(&resolving, 0, __ATOMIC_RELEASE);
	return __atomic_load_n(&core_real.malloc, __ATOMIC_ACQUIRE) != NULL;
}

static inline int ready(void)
{
	return likely(__atomic_load_n(&core_real.malloc, __ATOMIC_RELAXED) != NULL) || ready_slow();
}

/* ---- per-call tracking ---- */

/* Usable size of a live block, for the exact totals. With glibc's allocator
 * it is read from the chunk's size field just below p, a cache line the
 * allocator touches anyway; glibc's own malloc_usable_size also reads the
 * next chunk's header to test the in-use bit, a second cache line that cost
 * ~25 ns per call in bench/run.sh's loop. The value is the same for every
 * in-use chunk (core.c verifies it on the application's first blocks, then
 * trusts the header); other allocators answer through their
 * malloc_usable_size. */
static inline size_t block_size(void *p)
{
	if (likely(core_glibc_chunks == CORE_CHUNKS_YES)) {
		size_t hdr = ((size_t *)p)[-1];
		return (hdr & ~(size_t)7) - 8 - ((hdr & 2) << 2);
	}
	return core_block_size_verify(p);
}

/* The hot test: this thread is ACTIVE outside the tracker, and the tracker
 * runs. Two loads, one of them thread-local; core_running is loaded with
 * acquire, which pairs with core_init's release store and makes the filter,
 * the tables and core_glibc_chunks it published visible to what follows. */
static inline struct tstate *hot_thread(void)
{
	struct tstate *ts = &tstate_tls;
	if (likely(__atomic_load_n(&core_running, __ATOMIC_ACQUIRE) & ts->hot))
		return ts;
	return NULL;
}

/* The fast-path test of malloc and free: the gate is open (tracking, and
 * glibc's chunk headers give usable sizes) and this thread is hot. One
 * global load (acquire: a plain mov on x86-64, pairing with the gate's
 * release RMWs in core.c) and one thread-local add and compare. */
static inline int gate_open(const struct tstate *ts)
{
	return likely(__atomic_load_n(&core_gate, __ATOMIC_ACQUIRE) + ts->hot == CORE_GATE_OPEN + 1);
}

/* Usable size of a live glibc block from its chunk header (block_size, when
 * the gate is open): the size field less 8, less 8 more for an mmapped chunk. */
static inline size_t chunk_usable(const void *p)
{
	size_t hdr = ((const size_t *)p)[-1];
	return ((hdr - ((hdr << 2) & 8)) & ~(size_t)7) - 8;
}

/* Bookkeeping of an allocation of a thread that is not hot: activates an
 * UNBORN thread, counts a DEAD thread's call in the globals. Cold. */
__attribute__((noinline)) static void on_alloc_cold(void *p, size_t size)
{
	struct tstate *ts = &tstate_tls;
	if (ts->guard > 0 || !__atomic_load_n(&core_running, __ATOMIC_ACQUIRE))
		return;
	size_t usable = block_size(p);
	ts = core_thread_slow(ts, usable, 1);
	if (!ts)
		return;
	tstate_add(&ts->alloc_count, 1);
	tstate_add(&ts->alloc_bytes, usable);
	ts->countdown -= (int64_t)size;
	if (ts->countdown < 0)
		core_sample_alloc(ts, p, size);
}

static inline void on_alloc(void *p, size_t size)
{
	struct tstate *ts = hot_thread();
	if (likely(ts != NULL)) {
		if (unlikely(!p))
			return;
		tstate_add(&ts->alloc_count, 1);
		tstate_add(&ts->alloc_bytes, block_size(p));
		ts->countdown -= (int64_t)size;
		if (unlikely(ts->countdown < 0))
			core_sample_alloc(ts, p, size);
	} else if (p) {
		on_alloc_cold(p, size);
	}
}

/* Exact totals of a released block, for any thread: the hot one directly,
 * others through core_thread_slow (activates an UNBORN thread, sends a
 * DEAD thread's count to the globals). */
static inline void count_release(size_t usable)
{
	struct tstate *t = hot_thread();
	if (!t)
		t = core_thread_slow(&tstate_tls, usable, 0);
	if (t) {
		tstate_add(&t->free_count, 1);
		tstate_add(&t->free_bytes, usable);
	}
}

/* Bookkeeping of a block about to be released, for a thread that is not
 * hot. Cold. Returns 0 when the free is deferred (a signal handler freed a
 * block that may be sampled while its thread was in a critical region: the
 * real free runs when the region ends). Inside the tracker (guard held) a
 * free is counted only when it removes a sampled block of the program's
 * (the tracker's own blocks are not counted); a block of the tracker's own
 * (an `own` live entry) is counted nowhere. */
__attribute__((noinline)) static int on_release_cold(void *p)
{
	struct tstate *ts = &tstate_tls;
	if (!__atomic_load_n(&core_running, __ATOMIC_ACQUIRE))
		return 1;
	if (ts->critical > 0)
		return !core_defer_free(ts, p);
	size_t usable = block_size(p);
	int r = livetab_maybe_contains((uintptr_t)p) ? core_forget(ts, p) : 0;
	if (ts->guard > 0) {
		if (r > 0)
			core_count_free(ts, usable);
	} else if (r >= 0) {
		count_release(usable);
	}
	return 1;
}

__attribute__((noinline)) static void on_release_sampled(struct tstate *ts, void *p)
{
	size_t usable = block_size(p);
	if (core_forget(ts, p) >= 0) {
		tstate_add(&ts->free_count, 1);
		tstate_add(&ts->free_bytes, usable);
	}
}

/* Bookkeeping of a block about to be released by the real allocator (before
 * it, so that an address reused by another thread is never confused).
 * Returns 0 when the real free must not run now (deferred). */
static inline int on_release(void *p)
{
	struct tstate *ts = hot_thread();
	if (likely(ts != NULL)) {
		if (unlikely(livetab_maybe_contains((uintptr_t)p))) {
			on_release_sampled(ts, p);
			return 1;
		}
		tstate_add(&ts->free_count, 1);
		tstate_add(&ts->free_bytes, block_size(p));
		return 1;
	}
	return on_release_cold(p);
}

/* ---- the hooks ---- */

/* malloc when the gate is closed or the thread is not hot: before the real
 * functions are known (the pool), while dormant or disabled (forward), for
 * an UNBORN thread, inside the tracker, or with another allocator than
 * glibc's (the generic bookkeeping). Cold. */
__attribute__((noinline)) static void *malloc_slow(size_t size)
{
	if (unlikely(!ready()))
		return pool_alloc(size, 16);
	void *p = core_real.malloc(size);
	on_alloc(p, size);
	return p;
}

/* malloc of a hot thread whose countdown went negative: the sample. The
 * countdown stays negative when the real malloc fails, so the next
 * allocation samples. The sample is a tail call: this frame is gone
 * before the walk starts. Cold. */
__attribute__((noinline)) static void *malloc_sampled(struct tstate *ts, size_t size)
{
	void *p = core_real.malloc(size);
	if (!p)
		return NULL;
	tstate_add(&ts->alloc_count, 1);
	tstate_add(&ts->alloc_bytes, chunk_usable(p));
	return core_sample_alloc(ts, p, size);
}

/* malloc's tracking body: the countdown is charged before the real call (so
 * that the sample is decided without keeping the size across it), the
 * exact totals after it. No frame pointer: one saved register instead of a
 * frame (4 instructions a call); rbp is left as the caller's, so a frame
 * walk from inside the real malloc goes straight to the program's frame,
 * and samples are taken in malloc_sampled, after this frame is gone. */
__attribute__((optimize("omit-frame-pointer"))) static void *malloc_tracking(size_t size)
{
	struct tstate *ts = &tstate_tls;
	if (unlikely(!gate_open(ts)))
		return malloc_slow(size);
	ts->countdown -= (int64_t)size;
	if (unlikely(ts->countdown < 0))
		return malloc_sampled(ts, size);
	void *p = core_real.malloc(size);
	if (likely(p != NULL)) {
		tstate_add(&ts->alloc_count, 1);
		tstate_add(&ts->alloc_bytes, chunk_usable(p));
	}
	return p;
}

static void free_tracking(void *p);
static void free_forward(void *p);

/* Where the exported malloc and free go: their tracking bodies from the
 * start (the bodies fall back to the generic bookkeeping, which forwards
 * while the tracker is off), the real malloc and free_forward while it is
 * not tracking (interpose_dispatch, from core.c's set_running). One
 * indirect jump each: dormant, malloc costs that jump alone, and so does
 * free while the bootstrap pool is empty (pool_taken). */
static struct {
	void *(*malloc)(size_t);
	void (*free)(void *);
} dispatch __attribute__((aligned(64))) = { malloc_tracking, free_tracking };

/* Not tracking, free can go straight to the real free only while the
 * bootstrap pool is empty (in most programs it stays empty: dlsym resolved
 * the real functions without allocating): a pool block must never reach
 * it. The first pool block puts free_forward back before it is handed out.
 * Both sides are sequentially consistent: either interpose_dispatch's
 * second look sees the pool taken and puts free_forward back, or
 * pool_taken's exchange comes after its store and does. */
static void pool_taken(void)
{
	void (*direct)(void *) = core_real.free;
	if (direct)
		__atomic_compare_exchange_n(&dispatch.free, &direct, free_forward, 0, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
}

void interpose_dispatch(int tracking)
{
	if (tracking) {
		__atomic_store_n(&dispatch.malloc, malloc_tracking, __ATOMIC_SEQ_CST);
		__atomic_store_n(&dispatch.free, free_tracking, __ATOMIC_SEQ_CST);
	} else if (__atomic_load_n(&core_real.malloc, __ATOMIC_ACQUIRE) != NULL) {
		int empty = __atomic_load_n(&pool_used, __ATOMIC_SEQ_CST) == 0;
		__atomic_store_n(&dispatch.free, empty ? core_real.free : free_forward, __ATOMIC_SEQ_CST);
		if (empty && __atomic_load_n(&pool_used, __ATOMIC_SEQ_CST) != 0)
			pool_taken();
		__atomic_store_n(&dispatch.malloc, core_real.malloc, __ATOMIC_SEQ_CST);
	}
}

EXPORT void *malloc(size_t size)
{
	DEBUG_NOMALLOC_CHECK("malloc");
	return __atomic_load_n(&dispatch.malloc, __ATOMIC_RELAXED)(size);
}

/* free when the gate is closed, the thread is not hot, or p may be
 * sampled: the generic bookkeeping. Cold. */
__attribute__((noinline)) static void free_slow(void *p)
{
	if (unlikely(!p))
		return;
	if (unlikely(pool_owns(p)))
		return;
	if (unlikely(!ready()))
		return; /* cannot happen: p came from somewhere */
	if (likely(on_release(p)))
		core_real.free(p);
}

/* free of a hot thread, the gate open, p in the live table's filter: the
 * sampled block's entry goes (or a false positive's locked walk finds
 * none), then the real free. What on_release does for it, without the
 * generic path's tests (the gate said them) nor a second probe. Cold. */
__attribute__((noinline)) static void free_sampled(struct tstate *ts, void *p)
{
	size_t usable = chunk_usable(p);
	int r = core_forget_or_queue(ts, p, usable);
	if (r == 2)
		return; /* queued: its stripe's holder counts it and frees it */
	if (r >= 0) {
		tstate_add(&ts->free_count, 1);
		tstate_add(&ts->free_bytes, usable);
	}
	core_real.free(p);
}

/* free's tracking body: a hot thread, the gate open, p not in the live
 * table's filter: count and tail-call the real free; in the filter: the
 * sampled free; anything else takes the generic bookkeeping. */
static void free_tracking(void *p)
{
	struct tstate *ts = &tstate_tls;
	if (likely(gate_open(ts)) && likely(p != NULL) && likely(!pool_owns(p))) {
		if (likely(!livetab_maybe_contains((uintptr_t)p))) {
			tstate_add(&ts->free_count, 1);
			tstate_add(&ts->free_bytes, chunk_usable(p));
			core_real.free(p);
			return;
		}
		free_sampled(ts, p);
		return;
	}
	free_slow(p);
}

/* free while the tracker is not tracking (dormant, paused, disabled): the
 * pool's blocks are never passed on. */
static void free_forward(void *p)
{
	if (unlikely(pool_owns(p)))
		return;
	core_real.free(p);
}

EXPORT void free(void *p)
{
	/* No never-allocates check here: freeing is not allocating, and a
	 * signal handler may free on top of a never-allocating section (its
	 * free is deferred, core_defer_free); an allocation the tracker made by
	 * mistake is caught where it was made. */
	__atomic_load_n(&dispatch.free, __ATOMIC_RELAXED)(p);
}

__attribute__((noinline)) static void *calloc_tracking(size_t n, size_t size)
{
	if (unlikely(!ready())) {
		size_t total;
		if (__builtin_mul_overflow(n, size, &total)) {
			errno = ENOMEM;
			return NULL;
		}
		return pool_alloc(total, 16);
	}
	void *p = core_real.calloc(n, size);
	on_alloc(p, n * size); /* no overflow: the real calloc succeeded */
	return p;
}

EXPORT void *calloc(size_t n, size_t size)
{
	DEBUG_NOMALLOC_CHECK("calloc");
	if (!__atomic_load_n(&core_running, __ATOMIC_RELAXED)) {
		void *(*real)(size_t, size_t) = core_real.calloc;
		if (likely(real != NULL))
			return real(n, size); /* not tracking: forward, a tail call */
	}
	return calloc_tracking(n, size);
}

/* realloc as free(old) + malloc(new) for the tables. The old block's live
 * entry is taken out of the table before the real realloc (once that
 * returns, the old address may already be another thread's sampled block)
 * and kept aside: if the real realloc fails and keeps the old block, the
 * entry goes back as it was (nothing to allocate, cannot fail); only when
 * it succeeds is the old block counted as released. */
/* realloc of a block that may be sampled, by a thread inside the tracker
 * (a signal handler that interrupted it): the new block is untracked, the
 * old one's entry goes as in free(). In a critical region no lock may be
 * taken: the block is moved by hand (malloc, copy) and the old one's free
 * deferred. Cold. */
__attribute__((noinline)) static void *realloc_inside(struct tstate *ts, void *p, size_t size)
{
	size_t old_usable = block_size(p);
	if (ts->critical > 0) {
		void *q = NULL;
		if (size != 0) {
			q = core_real.malloc(size);
			if (!q)
				return NULL;
			memcpy(q, p, old_usable < size ? old_usable : size);
		}
		if (!core_defer_free(ts, p))
			core_real.free(p);
		return q;
	}
	core_critical_enter_nocancel(ts); /* table work only */
	struct livetab_entry *old = livetab_unlink((uintptr_t)p);
	core_critical_leave(ts);
	void *q = core_real.realloc(p, size);
	if (!q && size != 0) {
		if (old) {
			int saved = errno;
			core_critical_enter_nocancel(ts); /* table work only */
			livetab_relink(old);
			core_critical_leave(ts);
			errno = saved;
		}
		return NULL;
	}
	if (old) {
		core_account_free(old);
		if (!old->own)
			core_count_free(ts, old_usable);
		core_critical_enter_nocancel(ts); /* table work only */
		livetab_discard(old);
		core_critical_leave(ts);
	}
	return q;
}

__attribute__((noinline)) static void *realloc_tracking(void *p, size_t size)
{
	if (unlikely(pool_owns(p))) {
		size_t old = pool_size(p);
		void *q = malloc(size);
		if (q)
			memcpy(q, p, old < size ? old : size);
		return q;
	}
	if (!p)
		return malloc(size);
	if (unlikely(!ready()))
		return NULL;
	struct tstate *ts = &tstate_tls;
	if (likely(!__atomic_load_n(&core_running, __ATOMIC_ACQUIRE)))
		return core_real.realloc(p, size);
	if (unlikely(ts->guard > 0)) {
		if (likely(!livetab_maybe_contains((uintptr_t)p)))
			return core_real.realloc(p, size);
		return realloc_inside(ts, p, size);
	}
	size_t old_usable = block_size(p);
	struct livetab_entry *old = NULL;
	if (unlikely(livetab_maybe_contains((uintptr_t)p))) {
		core_critical_enter_nocancel(ts); /* table work only */
		old = livetab_unlink((uintptr_t)p);
		core_critical_leave(ts);
	}
	void *q = core_real.realloc(p, size);
	if (!q && size != 0) {
		if (old) {
			int saved = errno;
			core_critical_enter_nocancel(ts); /* table work only */
			livetab_relink(old);
			core_critical_leave(ts);
			errno = saved;
		}
		return NULL;
	}
	int own = 0;
	if (old) {
		own = old->own;
		core_account_free(old);
		core_critical_enter_nocancel(ts); /* table work only */
		livetab_discard(old);
		core_critical_leave(ts);
	}
	if (!own)
		count_release(old_usable);
	on_alloc(q, size);
	return q;
}

static inline void *realloc_impl(void *p, size_t size)
{
	DEBUG_NOMALLOC_CHECK("realloc");
	if (!__atomic_load_n(&core_running, __ATOMIC_RELAXED) && likely(!pool_owns(p))) {
		void *(*real)(void *, size_t) = core_real.realloc;
		if (likely(real != NULL))
			return real(p, size); /* not tracking: forward, a tail call */
	}
	return realloc_tracking(p, size);
}

EXPORT void *realloc(void *p, size_t size)
{
	return realloc_impl(p, size);
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc_impl(p, total);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	DEBUG_NOMALLOC_CHECK("posix_memalign");
	if (unlikely(!ready())) {
		if (align < sizeof(void *) || (align & (align - 1)))
			return EINVAL;
		void *p = pool_alloc(size, align);
		if (!p)
			return ENOMEM;
		*out = p;
		return 0;
	}
	int rc = core_real.posix_memalign(out, align, size);
	if (rc == 0)
		on_alloc(*out, size);
	return rc;
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
	DEBUG_NOMALLOC_CHECK("aligned_alloc");
	if (unlikely(!ready()))
		return pool_alloc(size, align);
	void *p = core_real.aligned_alloc ? core_real.aligned_alloc(align, size)
					  : core_real.memalign(align, size);
	on_alloc(p, size);
	return p;
}

EXPORT void *memalign(size_t align, size_t size)
{
	DEBUG_NOMALLOC_CHECK("memalign");
	if (unlikely(!ready()))
		return pool_alloc(size, align);
	void *p = core_real.memalign(align, size);
	on_alloc(p, size);
	return p;
}

EXPORT void *valloc(size_t size)
{
	DEBUG_NOMALLOC_CHECK("valloc");
	if (unlikely(!ready()))
		return pool_alloc(size, 4096);
	void *p = core_real.valloc ? core_real.valloc(size) : core_real.memalign(4096, size);
	on_alloc(p, size);
	return p;
}

EXPORT void *pvalloc(size_t size)
{
	DEBUG_NOMALLOC_CHECK("pvalloc");
	if (unlikely(!ready()))
		return pool_alloc((size + 4095) & ~(size_t)4095, 4096);
	void *p = core_real.pvalloc ? core_real.pvalloc(size)
				    : core_real.memalign(4096, (size + 4095) & ~(size_t)4095);
	on_alloc(p, size);
	return p;
}

EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (unlikely(pool_owns(p)))
		return pool_size(p);
	if (unlikely(!ready()))
		return 0;
	return core_real.malloc_usable_size(p);
}

/* Hidden aliases of the hooks, for deepbind.c's rewritten GOT slots. */
#define HOOK_ALIAS(name) extern __typeof__(name) interpose_##name \
	__attribute__((alias(#name), copy(name), visibility("hidden")))
HOOK_ALIAS(malloc);
HOOK_ALIAS(free);
HOOK_ALIAS(calloc);
HOOK_ALIAS(realloc);
HOOK_ALIAS(reallocarray);
HOOK_ALIAS(posix_memalign);
HOOK_ALIAS(aligned_alloc);
HOOK_ALIAS(memalign);
HOOK_ALIAS(valloc);
HOOK_ALIAS(pvalloc);
HOOK_ALIAS(malloc_usable_size);
