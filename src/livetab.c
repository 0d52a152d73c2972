/*
 * livetab.c: the live table (see livetab.h for the lock-free miss path).
 *
 * Layout: the filter (2^livetab_lg_buckets bits, 2^lg / 8 bytes: 16 KiB at
 * the default rate, small enough to stay in cache under the program's own
 * data; a byte per bit, 128 KiB, missed in cache: doc/performance.md; fixed
 * at start-up, mapped with mmap so that its untouched pages all read the
 * kernel's one zero page), 2^lg_chain bucket heads,
 * sized to the live set, and 64 stripe locks (spinlock.h); stripe = the top 6 bits of
 * an address's hash, so that it does not depend on either size and the
 * writer copies contiguous runs of buckets under each lock. Filter bit and
 * bucket are both top bits of the hash: the entries that set one filter bit
 * are all in one bucket. The bucket array starts at 2^12 and doubles (a
 * rehash with every stripe held, in stripe order, by the insert that found
 * its stripe's load above 1/2: short chains, each entry read is a cache
 * miss) up to one bucket per filter bit: the free()-miss probe never reads the
 * bucket array, so resizing does not touch it, and a small live set (exact
 * mode's 50 k blocks) keeps a bucket array that fits in cache instead of
 * 16 MiB of mostly empty heads. Entries come from slabs (one arena block
 * of 4..64 entries, entry_get_locked) and are never freed on their own: a
 * removed entry becomes a spare of its stripe, under its lock, for the
 * next insert into it, so a sample and its free skip the arena (jemalloc:
 * ~200 instructions each way) and a growing live set takes one arena call
 * per slab. The tracker's entries are thus each stripe's peak live count
 * plus less than a slab (the hash spreads addresses evenly: about the peak
 * live set), all counted in the arena's `held`.
 * A hook that finds its stripe taken queues its insert or free instead of
 * waiting ("The queues" below); the next holder applies it.
 * Invariants: (1) bit k of filter byte f is set if the table holds or has
 * queued an entry whose hash picks byte f and bit k (set while any does,
 * cleared only by a stripe holder, with atomic ORs and ANDs: a queued
 * insert sets its bit without the lock); the buckets change only under
 * their stripe lock; buckets and lg_chain change only with every stripe
 * held; (2) the stripe lock is a leaf except for the tracker arena and the
 * accounting of a queued free (atomics); (3) an entry is made a spare only
 * after it is unlinked, and never freed (it may be inside a slab); (4) a
 * stripe's spare list and live count change only under its lock; (5)
 * livetab_copy (the writer) never allocates with a stripe lock held; (6) a
 * queued free's block goes to the real free only after its entry left the
 * table, and never with a stripe lock held.
 */
#include "livetab.h"

#include "arena.h"
#include "debug.h"
#include "spinlock.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#define LG_STRIPES 6
#define NSTRIPES (1u << LG_STRIPES)

/* The two words every free() reads share a cache line with nothing that is
 * written after start-up: a sample's stripe lock or a live count on the same
 * line would take it away from every other thread's next free. */
__attribute__((aligned(64))) uint8_t *livetab_filter;
unsigned livetab_lg_buckets = 16; /* log2 of the filter's bits */
unsigned livetab_filter_shift = 64 - 16; /* the filter bit of a hash h: h >> livetab_filter_shift */
static struct livetab_entry **buckets;
static unsigned lg_chain;     /* log2 of the bucket count; with every stripe held */
static unsigned lg_chain_max;
/* Derived from lg_chain, changed with it: a bucket's shift (64 - lg_chain)
 * and the load past which a stripe grows the array (SIZE_MAX at the most). */
static unsigned chain_shift;
static size_t grow_at;

static void set_lg_chain(unsigned lg)
{
	lg_chain = lg;
	chain_shift = 64 - lg;
	grow_at = lg < lg_chain_max ? (size_t)1 << (lg - LG_STRIPES - 1) : SIZE_MAX;
}
#define LG_CHAIN_MIN (LG_STRIPES + 6)
/* One line per stripe lock: two threads on two stripes never share one.
 * Beside it the stripe's two queues, pushed lock-free by the hooks that
 * found the lock taken (livetab_insert*, livetab_remove_or_queue) and
 * emptied by whoever holds it next (drain_locked). */
static struct {
	struct spinlock l;
	int pending;                      /* set after a push, cleared by a drain */
	struct livetab_entry *queued_ins; /* entries to link, through chain */
	void *queued_free;                /* blocks: [0] next, [1] usable size */
} __attribute__((aligned(64))) stripes[NSTRIPES];

/* What a queued free does once its stripe is taken (livetab_set_queued_free);
 * NULL: nothing is queued, a busy stripe is waited for. */
static void (*queued_account)(const struct livetab_entry *e, size_t usable);
static void (*queued_release)(void *blk);
static uint64_t queued_count; /* written only by a hook that found its stripe taken */
#ifdef LIVETAB_TEST_HOOKS
static bool test_busy; /* tests: every hook finds its stripe taken */
#endif

/* Entries per slab (entry_get_locked): 256 B .. 4 KiB, jemalloc size classes. */
#define SLAB_MIN 4
#define SLAB_MAX 64
/* Buckets livetab_copy copies per hold of a stripe lock. */
#define COPY_RUN 64
/* Under the stripe lock of the same index; one cache line per stripe. */
static struct stripe_extra {
	struct livetab_entry *spare; /* linked through chain */
	unsigned nspare;
	size_t live;                 /* entries in the stripe's buckets */
} __attribute__((aligned(64))) extra[NSTRIPES];

int livetab_init(unsigned lg_buckets)
{
	if (lg_buckets < LG_STRIPES + 6)
		lg_buckets = LG_STRIPES + 6;
	size_t n = (size_t)1 << lg_buckets;
	buckets = arena_alloc(((size_t)1 << LG_CHAIN_MIN) * sizeof(*buckets));
	void *filter = mmap(NULL, n / 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!buckets || filter == MAP_FAILED) {
		arena_free(buckets);
		if (filter != MAP_FAILED)
			munmap(filter, n / 8);
		buckets = NULL;
		return -ENOMEM;
	}
	for (unsigned i = 0; i < NSTRIPES; i++)
		spinlock_init(&stripes[i].l);
	livetab_lg_buckets = lg_buckets;
	livetab_filter_shift = 64 - lg_buckets;
	lg_chain_max = lg_buckets; /* <= the filter's bits: one bit's entries in one bucket (unlink_slow) */
	set_lg_chain(LG_CHAIN_MIN);
	__atomic_store_n(&livetab_filter, (uint8_t *)filter, __ATOMIC_RELEASE);
	return 0;
}

/* An operation hashes its address once (livetab_hash) and takes every
 * index from that: the bucket (stripe lock held: lg_chain may change
 * otherwise), the filter byte and bit, the stripe. */
static size_t bucket_of(uint64_t h)
{
	return (size_t)(h >> chain_shift);
}

/* The filter bit's index: byte (index >> 3), bit (index & 7). */
static size_t filter_index_of(uint64_t h)
{
	return (size_t)(h >> livetab_filter_shift);
}

static size_t filter_byte_of(uint64_t h)
{
	return filter_index_of(h) >> 3;
}

static unsigned filter_bit_of(uint64_t h)
{
	return (unsigned)filter_index_of(h) & 7;
}

static unsigned stripe_index(uint64_t h)
{
	return (unsigned)(h >> (64 - LG_STRIPES));
}

static inline __attribute__((unused)) struct spinlock *stripe_of(uint64_t h)
{
	return &stripes[stripe_index(h)].l;
}

static struct stripe_extra *extra_of(uint64_t h)
{
	return &extra[stripe_index(h)];
}

/* Stripe lock of h held. A spare entry, or one carved from a new slab: one
 * arena block of SLAB_MIN..SLAB_MAX entries, the first for the caller, the
 * others the stripe's spares (a growing live set took one jemalloc call per
 * sample, ~170 instructions with its accounting). The slab grows with the
 * stripe's live count, so the entries carved and not yet used stay at most
 * a quarter of it (and SLAB_MAX - 1). */
static __attribute__((noinline, cold)) struct livetab_entry *entry_from_slab(struct stripe_extra *x)
{
	unsigned n = SLAB_MIN;
	while (n < SLAB_MAX && (size_t)n * 4 <= x->live)
		n *= 2;
	struct livetab_entry *slab = arena_alloc_uninit((size_t)n * sizeof(*slab));
	if (!slab)
		return NULL;
	for (unsigned i = 1; i < n; i++) {
		slab[i].chain = x->spare;
		x->spare = &slab[i];
	}
	x->nspare += n - 1;
	return &slab[0];
}

static inline struct livetab_entry *entry_get_locked(uint64_t h)
{
	struct stripe_extra *x = extra_of(h);
	struct livetab_entry *e = x->spare;
	if (__builtin_expect(e == NULL, 0))
		return entry_from_slab(x);
	x->spare = e->chain;
	x->nspare--;
	return e;
}

/* Stripe lock of e (hash h) held; e unlinked. Keeps e as a spare: an
 * entry may be part of a slab, never freed on its own. */
static void entry_put_locked(struct livetab_entry *e, uint64_t h)
{
	struct stripe_extra *x = extra_of(h);
	e->chain = x->spare;
	x->spare = e;
	x->nspare++;
}

/* e's hash is h. Returns 1 when the stripe's load went above 1/2: the
 * caller grows the bucket array once it has released the stripe lock. */
static inline __attribute__((always_inline)) int link_locked(struct livetab_entry *e, uint64_t h)
{
	DEBUG_ASSERT_HELD(stripe_of(h), "livetab invariant 1: a bucket and its filter byte change only under its stripe lock");
	size_t b = bucket_of(h), f = filter_byte_of(h);
	e->chain = buckets[b];
	buckets[b] = e;
	uint8_t bit = (uint8_t)(1u << filter_bit_of(h));
	/* an atomic OR: a queued insert sets a bit of the same byte without the
	 * lock; a set bit stays set while the lock is held (only a holder
	 * clears one), so the usual case is one load */
	if (!(__atomic_load_n(&livetab_filter[f], __ATOMIC_RELAXED) & bit))
		__atomic_fetch_or(&livetab_filter[f], bit, __ATOMIC_RELEASE);
	struct stripe_extra *x = extra_of(h);
	__atomic_store_n(&x->live, x->live + 1, __ATOMIC_RELAXED); /* read lock-free by livetab_count */
	return x->live > grow_at;
}

/* The entries that pick one filter bit share the top livetab_lg_buckets
 * bits of their hash (the bit's index), which hold the bucket index as
 * long as lg_chain <= livetab_lg_buckets (lg_chain_max): they are all in
 * one bucket, so a remove learns whether the bit is still in use from the
 * chain it walks (unlink_slow). */

/*
 * Doubles the bucket array from 2^from: called with no stripe held, by an
 * insert that found its stripe above load 1/2. Takes every stripe in order
 * (as fork does), rehashes, frees the old array. Another thread that grew
 * it meanwhile makes this a no-op. Out of tracker memory, the table keeps
 * its size (longer chains, nothing lost) and does not try again.
 */
static int grow_failed;
static inline void stripe_give(unsigned s, void *rel);

static void grow(unsigned from)
{
	if (__atomic_load_n(&grow_failed, __ATOMIC_RELAXED))
		return;
	size_t n = (size_t)1 << (from + 1);
	struct livetab_entry **nb = arena_alloc(n * sizeof(*nb));
	if (!nb) {
		__atomic_store_n(&grow_failed, 1, __ATOMIC_RELAXED);
		return;
	}
	for (unsigned i = 0; i < NSTRIPES; i++)
		spinlock_lock(&stripes[i].l);
	struct livetab_entry **old = NULL;
	if (lg_chain == from) {
		size_t nold = (size_t)1 << from;
		for (size_t b = 0; b < nold; b++) {
			struct livetab_entry *e = buckets[b];
			while (e) {
				struct livetab_entry *next = e->chain;
				size_t j = (size_t)(livetab_hash(e->addr) >> (64 - (from + 1)));
				e->chain = nb[j];
				nb[j] = e;
				e = next;
			}
		}
		old = buckets;
		buckets = nb;
		set_lg_chain(from + 1);
		nb = NULL;
	}
	for (unsigned i = NSTRIPES; i-- > 0;)
		stripe_give(i, NULL);
	int saved = errno;
	arena_free(nb); /* NULL unless another thread grew it first */
	arena_free(old);
	errno = saved;
}

/*
 * The queues. A hook that finds its stripe taken does not wait for it: a
 * holder preempted by the scheduler (another application thread in exact
 * mode, or the writer in the middle of a run of livetab_copy) would stall it
 * for a time slice, milliseconds (bench/stall.sh). An insert pushes its
 * entry (from the arena) on the stripe's queued_ins and then sets its filter
 * bit; a free pushes the block itself on queued_free, its usable size in
 * the second word, and returns without giving it to the real allocator.
 * Whoever holds the stripe next drains both (drain_locked): the frees taken
 * first, then the inserts linked (a free is queued only after its block's
 * insert was, so every free taken finds its entry linked), each free's entry
 * unlinked and accounted (queued_account) and, once the lock is given back,
 * the block handed to the real free (queued_release). Nothing is left
 * behind: the pusher sets the stripe's `pending` word after its push and
 * tries the lock once more, and a holder reads `pending` after an unlock
 * that is a full fence (stripe_give): either the pusher's try succeeds or
 * the holder still had the lock then and sees the word set. A drain clears
 * the word before it takes the queues. A block queued for its free is not yet
 * the real allocator's, so its address cannot be handed out and sampled
 * again meanwhile. The filter: a remove clears a bit (atomic AND) and then
 * looks at queued_ins (clear_bit_locked); an insert queues its entry and
 * then sets its bit (atomic OR): either the remover sees the entry and links
 * it (which sets the bit again), or the OR comes after the AND. A set bit
 * with no entry is only a false positive.
 */
static inline bool stripe_try(unsigned s)
{
#ifdef LIVETAB_TEST_HOOKS
	if (__atomic_load_n(&test_busy, __ATOMIC_RELAXED))
		return false;
#endif
	return spinlock_trylock(&stripes[s].l);
}

/* After a push: the word a holder reads after its unlock (stripe_give:
 * one load for both queues). */
static inline void mark_pending(unsigned s)
{
	__atomic_store_n(&stripes[s].pending, 1, __ATOMIC_SEQ_CST);
}

static inline bool queued(unsigned s)
{
	return __atomic_load_n(&stripes[s].queued_ins, __ATOMIC_SEQ_CST) != NULL ||
	       __atomic_load_n(&stripes[s].queued_free, __ATOMIC_SEQ_CST) != NULL;
}

/* Stripe s held: links every queued insert. A stripe it takes past its
 * load grows with its next direct insert. */
static void link_queued_locked(unsigned s)
{
	struct livetab_entry *e = __atomic_exchange_n(&stripes[s].queued_ins, NULL, __ATOMIC_ACQUIRE);
	while (e) {
		struct livetab_entry *next = e->chain;
		(void)link_locked(e, livetab_hash(e->addr));
		e = next;
	}
}

/* Stripe of h held; no entry of the bucket keeps filter bit k of byte f. */
static inline void clear_bit_locked(uint64_t h, size_t f, unsigned k)
{
	__atomic_fetch_and(&livetab_filter[f], (uint8_t)~(1u << k), __ATOMIC_SEQ_CST);
	unsigned s = stripe_index(h);
	if (__builtin_expect(__atomic_load_n(&stripes[s].queued_ins, __ATOMIC_SEQ_CST) != NULL, 0))
		link_queued_locked(s);
}

/* Stripe of h held. Unlinks addr's entry and returns it (NULL: none),
 * clearing its filter bit unless another entry of the bucket keeps it. */
static inline __attribute__((always_inline)) struct livetab_entry *unlink_locked(uintptr_t addr, uint64_t h)
{
	size_t fi = filter_index_of(h), f = fi >> 3;
	unsigned k = (unsigned)fi & 7;
	struct livetab_entry *found = NULL, *e, **pp;
	bool in_use = false; /* another entry of the bucket picks the same filter bit */
	DEBUG_ASSERT_HELD(stripe_of(h), "livetab invariant 1: a bucket and its filter byte change only under its stripe lock");
	/* one walk: the entry, and whether any other one keeps the bit */
	for (pp = &buckets[bucket_of(h)]; (e = *pp) != NULL;) {
		if (!found && e->addr == addr) {
			found = e;
			*pp = e->chain;
			continue;
		}
		in_use |= filter_index_of(livetab_hash(e->addr)) == fi;
		pp = &e->chain;
	}
	if (found) {
		struct stripe_extra *x = extra_of(h);
		__atomic_store_n(&x->live, x->live - 1, __ATOMIC_RELAXED);
		if (!in_use)
			clear_bit_locked(h, f, k);
		found->chain = NULL;
	}
	return found;
}

/* Stripe of h held. unlink_locked, after the queued inserts when addr is
 * not linked: its insert may still be queued (a free follows its insert,
 * but the insert's stripe holder may not have drained it yet). */
static inline __attribute__((always_inline)) struct livetab_entry *remove_locked(uintptr_t addr, uint64_t h)
{
	struct livetab_entry *e = unlink_locked(addr, h);
	unsigned s = stripe_index(h);
	if (__builtin_expect(!e && __atomic_load_n(&stripes[s].queued_ins, __ATOMIC_ACQUIRE) != NULL, 0)) {
		link_queued_locked(s);
		e = unlink_locked(addr, h);
	}
	return e;
}

/* Stripe s held: empties its queues (see above). Returns the blocks whose
 * free was queued, in front of rel, linked through their first word, for
 * the real free once the lock is given back. */
static __attribute__((noinline)) void *drain_locked(unsigned s, void *rel)
{
	/* cleared before the queues are taken: a push after them marks it
	 * again (one before them, whose mark comes after, marks it for
	 * nothing: the next holder finds empty queues) */
	__atomic_store_n(&stripes[s].pending, 0, __ATOMIC_SEQ_CST);
	void **b = __atomic_exchange_n(&stripes[s].queued_free, NULL, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&stripes[s].queued_ins, __ATOMIC_ACQUIRE))
		link_queued_locked(s);
	while (b) {
		void **next = b[0];
		size_t usable = (size_t)(uintptr_t)b[1];
		uint64_t h = livetab_hash((uintptr_t)b);
		struct livetab_entry *e = unlink_locked((uintptr_t)b, h);
		queued_account(e, usable);
		if (e)
			entry_put_locked(e, h);
		b[0] = rel;
		rel = b;
		b = next;
	}
	return rel;
}

static __attribute__((noinline)) void release_blocks(void *rel)
{
	int saved = errno;
	while (rel) {
		void *next = *(void **)rel;
		queued_release(rel);
		rel = next;
	}
	errno = saved;
}

/* The stripe taken (waiting for it) and its queues drained: the blocks
 * returned go to stripe_give. */
static inline void *stripe_take(unsigned s)
{
	spinlock_lock(&stripes[s].l);
	return queued(s) ? drain_locked(s, NULL) : NULL;
}

/* The same without waiting (false when the stripe is taken), and without
 * draining: what was queued while the last holder held the stripe, that
 * holder drains after its unlock, or else the holder after it (this one,
 * in stripe_give). Only a remove must see queued inserts first: it links
 * them when it misses (remove_locked). */
static inline bool stripe_try_take(unsigned s, void **rel)
{
	*rel = NULL;
	return stripe_try(s);
}

/* Gives stripe s back, drains what was queued meanwhile (the lock taken
 * again if it is still free), then releases the drained blocks. */
static __attribute__((noinline, cold)) void stripe_give_slow(unsigned s, void *rel)
{
	while (__atomic_load_n(&stripes[s].pending, __ATOMIC_SEQ_CST) && stripe_try(s)) {
		rel = drain_locked(s, rel);
		spinlock_unlock_fenced(&stripes[s].l);
	}
	if (rel)
		release_blocks(rel);
}

static inline void stripe_give(unsigned s, void *rel)
{
	spinlock_unlock_fenced(&stripes[s].l);
	if (__builtin_expect(rel != NULL || __atomic_load_n(&stripes[s].pending, __ATOMIC_SEQ_CST), 0))
		stripe_give_slow(s, rel);
}

/* An insert that found its stripe taken: its entry from the arena (it
 * becomes a spare of the stripe once removed, as a slab's entries do),
 * queued, its filter bit set after. Out of arena memory, it waits for the
 * stripe after all (and a spare of it may still be there). */
static int insert_waiting(const struct livetab_entry *tmpl, uint64_t h);

static __attribute__((noinline, cold)) int insert_queued(const struct livetab_entry *tmpl, uint64_t h)
{
	unsigned s = stripe_index(h);
	int saved = errno;
	struct livetab_entry *e = arena_alloc_uninit(sizeof(*e));
	errno = saved;
	if (!e)
		return insert_waiting(tmpl, h);
	*e = *tmpl;
	__atomic_add_fetch(&queued_count, 1, __ATOMIC_RELAXED);
	struct livetab_entry *head = __atomic_load_n(&stripes[s].queued_ins, __ATOMIC_RELAXED);
	do
		e->chain = head;
	while (!__atomic_compare_exchange_n(&stripes[s].queued_ins, &head, e, true, __ATOMIC_SEQ_CST,
					    __ATOMIC_RELAXED));
	mark_pending(s);
	__atomic_fetch_or(&livetab_filter[filter_byte_of(h)], (uint8_t)(1u << filter_bit_of(h)),
			  __ATOMIC_SEQ_CST);
	void *rel;
	if (stripe_try_take(s, &rel))
		stripe_give(s, rel);
	return 0;
}

/* The stripe of h held (rel: what taking it drained): takes an entry,
 * fills it from tmpl, links it, gives the stripe back, grows the table when
 * it must. */
static inline __attribute__((always_inline)) int insert_locked(const struct livetab_entry *tmpl, uint64_t h,
								void *rel)
{
	unsigned s = stripe_index(h);
	struct livetab_entry *e = entry_get_locked(h);
	if (!e) {
		stripe_give(s, rel);
		return -ENOMEM;
	}
	*e = *tmpl;
	unsigned from = lg_chain;
	int full = link_locked(e, h);
	stripe_give(s, rel);
	if (full)
		grow(from);
	return 0;
}

static int insert_waiting(const struct livetab_entry *tmpl, uint64_t h)
{
	return insert_locked(tmpl, h, stripe_take(stripe_index(h)));
}

int livetab_insert(const struct livetab_entry *tmpl)
{
	DEBUG_NOMALLOC_ENTER("livetab_insert");
	uint64_t h = livetab_hash(tmpl->addr);
	void *rel;
	int r = stripe_try_take(stripe_index(h), &rel) ? insert_locked(tmpl, h, rel) : insert_queued(tmpl, h);
	DEBUG_NOMALLOC_LEAVE();
	return r;
}

#define SAMPLE_ENTRY                                                                          \
	(struct livetab_entry)                                                                \
	{                                                                                     \
		.addr = addr, .size = size, .count_fx = count_fx, .bytes = bytes, .stack = stack, \
		.time = time, .tid = tid,                                                     \
	}

/* As livetab_insert, its entry filled in place (no template to build and
 * copy: ~18 instructions a sample). */
int livetab_insert_sample(uintptr_t addr, size_t size, uint64_t count_fx, uint64_t bytes,
			  struct stacktab_entry *stack, pid_t tid, double time)
{
	DEBUG_NOMALLOC_ENTER("livetab_insert");
	uint64_t h = livetab_hash(addr);
	unsigned s = stripe_index(h);
	void *rel;
	int r = 0;
	if (__builtin_expect(!stripe_try_take(s, &rel), 0)) {
		const struct livetab_entry t = SAMPLE_ENTRY;
		r = insert_queued(&t, h);
	} else {
		struct livetab_entry *e = entry_get_locked(h);
		if (e) {
			*e = SAMPLE_ENTRY;
			unsigned from = lg_chain;
			int full = link_locked(e, h);
			stripe_give(s, rel);
			if (full)
				grow(from);
		} else {
			stripe_give(s, rel);
			r = -ENOMEM;
		}
	}
	DEBUG_NOMALLOC_LEAVE();
	return r;
}
#undef SAMPLE_ENTRY

void livetab_set_queued_free(void (*account)(const struct livetab_entry *e, size_t usable),
			     void (*release)(void *blk))
{
	queued_account = account;
	__atomic_store_n(&queued_release, release, __ATOMIC_RELEASE);
}

enum livetab_removal livetab_remove_or_queue(uintptr_t addr, size_t usable, struct livetab_entry *out)
{
	uint64_t h = livetab_hash(addr);
	unsigned s = stripe_index(h);
	void *rel;
	DEBUG_NOMALLOC_ENTER("livetab_remove");
	if (__builtin_expect(!stripe_try_take(s, &rel), 0)) {
		if (__atomic_load_n(&queued_release, __ATOMIC_ACQUIRE) && usable >= 2 * sizeof(void *)) {
			void **b = (void **)addr;
			b[1] = (void *)(uintptr_t)usable;
			__atomic_add_fetch(&queued_count, 1, __ATOMIC_RELAXED);
			void *head = __atomic_load_n(&stripes[s].queued_free, __ATOMIC_RELAXED);
			do
				b[0] = head;
			while (!__atomic_compare_exchange_n(&stripes[s].queued_free, &head, b, true,
							    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
			mark_pending(s);
			if (stripe_try_take(s, &rel))
				stripe_give(s, rel);
			DEBUG_NOMALLOC_LEAVE();
			return LIVETAB_QUEUED;
		}
		rel = stripe_take(s);
	}
	struct livetab_entry *found = remove_locked(addr, h);
	if (found) {
		*out = *found;
		entry_put_locked(found, h);
	}
	stripe_give(s, rel);
	DEBUG_NOMALLOC_LEAVE();
	return found ? LIVETAB_REMOVED : LIVETAB_ABSENT;
}

uint64_t livetab_queued(void)
{
	return __atomic_load_n(&queued_count, __ATOMIC_RELAXED);
}

#ifdef LIVETAB_TEST_HOOKS
void livetab_test_busy(bool busy)
{
	__atomic_store_n(&test_busy, busy, __ATOMIC_RELAXED);
}
#endif

/* With out: copies the entry there and recycles it (the pointer returned
 * then only says it was found); without: hands the entry to the caller.
 * Waits for the stripe. */
static inline __attribute__((always_inline)) struct livetab_entry *unlink_slow(uintptr_t addr,
									       struct livetab_entry *out)
{
	uint64_t h = livetab_hash(addr);
	unsigned s = stripe_index(h);
	DEBUG_NOMALLOC_ENTER("livetab_remove");
	void *rel = stripe_take(s);
	struct livetab_entry *found = remove_locked(addr, h);
	if (found && out) {
		*out = *found;
		entry_put_locked(found, h);
	}
	stripe_give(s, rel);
	DEBUG_NOMALLOC_LEAVE();
	return found;
}

struct livetab_entry *livetab_unlink(uintptr_t addr)
{
	return livetab_maybe_contains(addr) ? unlink_slow(addr, NULL) : NULL;
}

void livetab_relink(struct livetab_entry *e)
{
	uint64_t h = livetab_hash(e->addr);
	unsigned s = stripe_index(h);
	void *rel = stripe_take(s);
	unsigned from = lg_chain;
	int full = link_locked(e, h);
	stripe_give(s, rel);
	if (full)
		grow(from);
}

void livetab_discard(struct livetab_entry *e)
{
	/* a spare of the stripe its address picks, as a remove makes it */
	uint64_t h = livetab_hash(e->addr);
	unsigned s = stripe_index(h);
	DEBUG_NOMALLOC_ENTER("livetab_remove");
	void *rel = stripe_take(s);
	entry_put_locked(e, h);
	stripe_give(s, rel);
	DEBUG_NOMALLOC_LEAVE();
}

bool livetab_remove_slow(uintptr_t addr, struct livetab_entry *out)
{
	return unlink_slow(addr, out) != NULL;
}

static size_t test_copy_cap;
static void (*test_between_runs)(void); /* tests: called between two runs of a stripe */

void livetab_test_copy_cap(size_t cap)
{
	test_copy_cap = cap;
}

void livetab_test_between_runs(void (*fn)(void))
{
	test_between_runs = fn;
}

int livetab_copy(struct livetab_entry **out, size_t *n)
{
	/* Never allocates with a stripe lock held: the copy is sized from the
	 * count before any lock is taken, and a stripe that does not fit (the
	 * table grew meanwhile) is dropped, the copy grown unlocked and the
	 * stripe copied again. Growing it under the lock (a realloc of
	 * megabytes at 100k entries) made every hook that needed that
	 * stripe wait for it: 2..2.6 ms, bench/stall.sh. */
	size_t live = livetab_count();
	size_t cap = test_copy_cap ? test_copy_cap : live + live / 8 + 256, len = 0;
	struct livetab_entry *v = arena_alloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (unsigned s = 0; s < NSTRIPES; s++) {
		/* a stripe in runs of COPY_RUN buckets, one lock hold each: a
		 * hook that needs the stripe waits for one run at most (a few
		 * microseconds), not for the whole stripe, and a writer preempted
		 * while it holds the lock stalls that hook less often */
		size_t start = len, b = 0, need = 0;
		unsigned lg_seen = 0;
		for (;;) {
			void *rel = stripe_take(s);
			DEBUG_ASSERT(s == 0 || !spinlock_held(&stripes[s - 1].l),
				     "livetab_copy takes stripe locks one at a time");
			if (lg_seen && lg_chain != lg_seen) {
				/* the table grew between two runs (entries moved
				 * between buckets): this stripe again */
				len = start;
				b = 0;
			}
			lg_seen = lg_chain;
			size_t per_stripe = (size_t)1 << (lg_chain - LG_STRIPES);
			size_t end = b + COPY_RUN < per_stripe ? b + COPY_RUN : per_stripe;
			for (; b < end && !need; b++) {
				for (struct livetab_entry *e = buckets[s * per_stripe + b]; e; e = e->chain) {
					if (e->own)
						continue;
					if (len == cap) {
						need = start + extra[s].live;
						break;
					}
					v[len] = *e;
					v[len].chain = NULL;
					len++;
				}
			}
			stripe_give(s, rel);
			if (need) {
				/* room for this stripe twice over and the rest as counted now */
				size_t ncap = cap * 2 > need * 2 + livetab_count() ? cap * 2 : need * 2 + livetab_count();
				struct livetab_entry *nv = arena_realloc(v, ncap * sizeof(*v));
				if (!nv) {
					arena_free(v);
					return -ENOMEM;
				}
				v = nv;
				cap = ncap;
				len = start; /* this stripe again */
				b = 0;
				need = 0;
				lg_seen = 0;
				continue;
			}
			if (b >= per_stripe)
				break;
			if (test_between_runs)
				test_between_runs();
		}
	}
	*out = v;
	*n = len;
	return 0;
}

size_t livetab_count(void)
{
	size_t n = 0;
	for (unsigned i = 0; i < NSTRIPES; i++)
		n += __atomic_load_n(&extra[i].live, __ATOMIC_RELAXED);
	return n;
}

void livetab_prefork(void)
{
	for (unsigned i = 0; i < NSTRIPES; i++)
		spinlock_lock(&stripes[i].l);
}

void livetab_postfork_parent(void)
{
	for (unsigned i = 0; i < NSTRIPES; i++) {
		DEBUG_ASSERT_HELD(&stripes[i].l, "livetab_postfork_parent: every stripe held since livetab_prefork");
		stripe_give(i, NULL);
	}
}

/* What other threads queued while the stripes were held for the fork is
 * drained here: those threads are gone in the child, and their blocks would
 * otherwise wait for the next hook on their stripe. */
void livetab_postfork_child(void)
{
	spinlock_self = 0; /* the forking thread has a tid of its own here */
	for (unsigned i = 0; i < NSTRIPES; i++) {
		spinlock_init(&stripes[i].l);
		if (queued(i))
			stripe_give(i, stripe_take(i));
	}
}
