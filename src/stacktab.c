/*
 * stacktab.c: stack interning ((frame vector, label) -> entry with a stable id).
 *
 * A fixed array of bucket chains. Lookups happen on every sample and are
 * lock-free: entries are append-only, so a chain read with acquire loads is
 * a valid (possibly slightly old) list. Inserts take the bucket's striped
 * mutex (stripe = high bits of the bucket index), look again, and publish.
 * Invariants: (1) an entry is inserted once and never moved or freed, and
 * its fields but the counters and `checked` (a cache of the module-epoch
 * test, stacktab.h; it only rises, atomically) never change after it is
 * published; (2) a bucket head and `all_head` are published with a release
 * store after the entry is complete; (3) a stripe lock is a leaf except for arena_alloc
 * (jemalloc, which never calls back into the tracker).
 */
#include "stacktab.h"

#include "arena.h"
#include "debug.h"
#include "modmap.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#define LG_BUCKETS 16
#define NBUCKETS (1u << LG_BUCKETS)
#define LG_STRIPES 6
#define NSTRIPES (1u << LG_STRIPES)

static struct stacktab_entry **buckets;
static pthread_mutex_t stripes[NSTRIPES];
static struct stacktab_entry *all_head;
static uint32_t next_id;

int stacktab_init(void)
{
	buckets = arena_alloc(sizeof(*buckets) * NBUCKETS);
	if (!buckets)
		return -ENOMEM;
	for (unsigned i = 0; i < NSTRIPES; i++)
		pthread_mutex_init(&stripes[i], NULL);
	return 0;
}

/* The hash of n frames and the rest of the key from their steps (the
 * mix brings the high bits down to the bucket's). */
static uint64_t hash_finish(uint64_t partial, unsigned n, bool truncated, uint16_t label)
{
	uint64_t h = partial ^ n ^ (truncated ? 0x5bd1e995ull << 32 : 0) ^ ((uint64_t)label * 0x9e3779b97f4a7c15ull);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	return h ? h : 1;
}

/* Whether e's frames are named as they were at its epoch at epoch g too
 * (no module they lie in unloaded since); the answer is cached in checked. */
static bool still_current(struct stacktab_entry *e, uint32_t g)
{
	uint32_t checked = __atomic_load_n(&e->checked, __ATOMIC_ACQUIRE);
	if (g <= checked)
		return true;
	for (unsigned i = 0; i < e->nframes; i++)
		if (modmap_reused(e->frames[i], e->epoch, g))
			return false;
	while (checked < g && !__atomic_compare_exchange_n(&e->checked, &checked, g, true, __ATOMIC_RELEASE,
							   __ATOMIC_ACQUIRE))
		;
	return true;
}

bool stacktab_matches_inner(const struct stacktab_entry *e, const uintptr_t *frames, unsigned k, unsigned n,
			    bool truncated, uint16_t label)
{
	if (e->nframes != n || e->truncated != truncated || e->label != label)
		return false;
	/* four frames a round: a stack found again compares all of them */
	const uintptr_t *a = e->frames;
	unsigned i = 0;
	for (; i + 4 <= k; i += 4)
		if ((a[i] ^ frames[i]) | (a[i + 1] ^ frames[i + 1]) | (a[i + 2] ^ frames[i + 2]) |
		    (a[i + 3] ^ frames[i + 3]))
			return false;
	for (; i < k; i++)
		if (a[i] != frames[i])
			return false;
	/* checked is the one field that changes: a cache, not the key */
	return still_current((struct stacktab_entry *)e, modmap_epoch());
}

bool stacktab_matches(const struct stacktab_entry *e, const uintptr_t *frames, unsigned n, bool truncated,
		      uint16_t label)
{
	return stacktab_matches_inner(e, frames, n, n, truncated, label);
}

/* The entry of the key in the chain from `from` up to (not including) `stop`. */
static struct stacktab_entry *find(struct stacktab_entry *from, struct stacktab_entry *stop, uint64_t h,
				   const uintptr_t *frames, unsigned n, bool truncated, uint16_t label)
{
	for (struct stacktab_entry *e = from; e != stop; e = e->chain) {
		if (e->hash == h && stacktab_matches(e, frames, n, truncated, label))
			return e;
	}
	return NULL;
}

struct stacktab_entry *stacktab_intern(const uintptr_t *frames, unsigned n, bool truncated, uint16_t label)
{
	uint64_t partial = STACKTAB_HASH_SEED;
	for (unsigned i = n; i-- > 0;)
		partial = stacktab_hash_step(partial, frames[i]);
	return stacktab_intern_hashed(frames, n, truncated, label, partial);
}

struct stacktab_entry *stacktab_intern_hashed(const uintptr_t *frames, unsigned n, bool truncated, uint16_t label,
					      uint64_t partial)
{
	uint64_t h = hash_finish(partial, n, truncated, label);
	unsigned b = (unsigned)(h >> (64 - LG_BUCKETS));
	pthread_mutex_t *lock = &stripes[b >> (LG_BUCKETS - LG_STRIPES)];
	DEBUG_ASSERT_GUARD("stacktab_intern: sampled path, guard held");
	DEBUG_NOMALLOC_ENTER("stacktab_intern");
	/* lock-free: nearly every sample is of a stack seen before */
	struct stacktab_entry *head = __atomic_load_n(&buckets[b], __ATOMIC_ACQUIRE);
	struct stacktab_entry *e = find(head, NULL, h, frames, n, truncated, label);
	if (e) {
		DEBUG_NOMALLOC_LEAVE();
		return e;
	}
	pthread_mutex_lock(lock);
	/* only what was inserted since our look can be new */
	e = find(buckets[b], head, h, frames, n, truncated, label);
	if (!e) {
		e = arena_alloc(sizeof(*e) + n * sizeof(*frames));
		if (e) {
			e->hash = h;
			e->nframes = (uint16_t)n;
			e->truncated = truncated;
			e->label = label;
			e->epoch = e->checked = modmap_epoch();
			memcpy(e->frames, frames, n * sizeof(*frames));
			e->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
			DEBUG_ASSERT_HELD(lock, "stacktab: a bucket chain changes only under its stripe lock");
			e->chain = buckets[b];
			__atomic_store_n(&buckets[b], e, __ATOMIC_RELEASE);
			struct stacktab_entry *old = __atomic_load_n(&all_head, __ATOMIC_RELAXED);
			do
				e->all = old;
			while (!__atomic_compare_exchange_n(&all_head, &old, e, true, __ATOMIC_RELEASE,
							    __ATOMIC_RELAXED));
		}
	}
	pthread_mutex_unlock(lock);
	DEBUG_NOMALLOC_LEAVE();
	return e;
}

struct stacktab_entry *stacktab_first(void)
{
	return __atomic_load_n(&all_head, __ATOMIC_ACQUIRE);
}

uint32_t stacktab_count(void)
{
	return __atomic_load_n(&next_id, __ATOMIC_RELAXED);
}

void stacktab_prefork(void)
{
	for (unsigned i = 0; i < NSTRIPES; i++)
		pthread_mutex_lock(&stripes[i]);
}

void stacktab_postfork_parent(void)
{
	for (unsigned i = 0; i < NSTRIPES; i++) {
		DEBUG_ASSERT_HELD(&stripes[i], "stacktab_postfork_parent: every stripe held since stacktab_prefork");
		pthread_mutex_unlock(&stripes[i]);
	}
}

void stacktab_postfork_child(void)
{
	for (unsigned i = 0; i < NSTRIPES; i++)
		pthread_mutex_init(&stripes[i], NULL);
}
