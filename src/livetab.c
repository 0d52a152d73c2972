/*
 * livetab.c: the live table (see livetab.h for the lock-free miss path).
 *
 * Layout: 2^lg bucket heads, the filter (one byte per bucket, mapped with
 * mmap so that its untouched pages all read the kernel's one zero page: with
 * few live samples the probes stay in cache), and 64 stripe mutexes;
 * stripe = high bits of the bucket index, so the writer copies contiguous
 * runs of buckets under each lock. Each stripe keeps up to SPARE_MAX
 * entries freed from it, under its lock, for the next insert into it: a
 * sample and its free skip the arena (jemalloc: ~200 instructions each
 * way); the spares are still counted in the arena's `held`.
 * Invariants: (1) bit k of filter byte b is set iff bucket b holds an entry
 * whose hash picks bit k, so byte b != 0 iff bucket b is not empty; both
 * change only under b's stripe lock; (2) the stripe lock is a leaf except
 * for the tracker arena; (3) an entry is freed, or made a spare, only after
 * it is unlinked; (4) a stripe's spare list and live count change only
 * under its lock.
 */
#include "livetab.h"

#include "arena.h"
#include "debug.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#define LG_STRIPES 6
#define NSTRIPES (1u << LG_STRIPES)

uint8_t *livetab_filter;
unsigned livetab_lg_buckets = 16;
static struct livetab_entry **buckets;
static pthread_mutex_t stripes[NSTRIPES];

#define SPARE_MAX 128
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
	buckets = arena_alloc(n * sizeof(*buckets));
	void *filter = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!buckets || filter == MAP_FAILED) {
		arena_free(buckets);
		if (filter != MAP_FAILED)
			munmap(filter, n);
		buckets = NULL;
		return -ENOMEM;
	}
	for (unsigned i = 0; i < NSTRIPES; i++)
		pthread_mutex_init(&stripes[i], NULL);
	livetab_lg_buckets = lg_buckets;
	__atomic_store_n(&livetab_filter, (uint8_t *)filter, __ATOMIC_RELEASE);
	return 0;
}

static unsigned bucket_of(uintptr_t addr)
{
	return (unsigned)(livetab_hash(addr) >> (64 - livetab_lg_buckets));
}

static unsigned filter_bit_of(uintptr_t addr)
{
	return (unsigned)(livetab_hash(addr) >> (61 - livetab_lg_buckets)) & 7;
}

static pthread_mutex_t *stripe_of(unsigned b)
{
	return &stripes[b >> (livetab_lg_buckets - LG_STRIPES)];
}

static struct stripe_extra *extra_of(unsigned b)
{
	return &extra[b >> (livetab_lg_buckets - LG_STRIPES)];
}

/* Stripe lock of b held. A spare entry, or a new one from the arena. */
static struct livetab_entry *entry_get_locked(unsigned b)
{
	struct stripe_extra *x = extra_of(b);
	struct livetab_entry *e = x->spare;
	if (!e)
		return arena_alloc(sizeof(*e));
	x->spare = e->chain;
	x->nspare--;
	return e;
}

/* Stripe lock of b held; e unlinked. Keeps e as a spare, or NULL when
 * the stripe has enough: the caller frees it after the lock. */
static struct livetab_entry *entry_put_locked(unsigned b, struct livetab_entry *e)
{
	struct stripe_extra *x = extra_of(b);
	if (x->nspare >= SPARE_MAX)
		return e;
	e->chain = x->spare;
	x->spare = e;
	x->nspare++;
	return NULL;
}

static void link_locked(struct livetab_entry *e, unsigned b)
{
	DEBUG_ASSERT_HELD(stripe_of(b), "livetab invariant 1: a bucket and its filter byte change only under its stripe lock");
	e->chain = buckets[b];
	buckets[b] = e;
	uint8_t bit = (uint8_t)(1u << filter_bit_of(e->addr));
	__atomic_store_n(&livetab_filter[b], (uint8_t)(livetab_filter[b] | bit), __ATOMIC_RELEASE);
	struct stripe_extra *x = extra_of(b);
	__atomic_store_n(&x->live, x->live + 1, __ATOMIC_RELAXED); /* read lock-free by livetab_count */
}

int livetab_insert(const struct livetab_entry *tmpl)
{
	DEBUG_NOMALLOC_ENTER("livetab_insert");
	unsigned b = bucket_of(tmpl->addr);
	pthread_mutex_t *lock = stripe_of(b);
	pthread_mutex_lock(lock);
	struct livetab_entry *e = entry_get_locked(b);
	if (!e) {
		pthread_mutex_unlock(lock);
		DEBUG_NOMALLOC_LEAVE();
		return -ENOMEM;
	}
	*e = *tmpl;
	link_locked(e, b);
	pthread_mutex_unlock(lock);
	DEBUG_NOMALLOC_LEAVE();
	return 0;
}

/* With out: copies the entry there and recycles it (the pointer returned
 * then only says it was found); without: hands the entry to the caller. */
static struct livetab_entry *unlink_slow(uintptr_t addr, struct livetab_entry *out)
{
	unsigned b = bucket_of(addr), k = filter_bit_of(addr);
	pthread_mutex_t *lock = stripe_of(b);
	struct livetab_entry *found = NULL, *drop = NULL;
	DEBUG_NOMALLOC_ENTER("livetab_remove");
	pthread_mutex_lock(lock);
	DEBUG_ASSERT_HELD(lock, "livetab invariant 1: a bucket and its filter byte change only under its stripe lock");
	for (struct livetab_entry **pp = &buckets[b]; *pp; pp = &(*pp)->chain) {
		if ((*pp)->addr == addr) {
			found = *pp;
			*pp = found->chain;
			break;
		}
	}
	if (found) {
		struct stripe_extra *x = extra_of(b);
		__atomic_store_n(&x->live, x->live - 1, __ATOMIC_RELAXED);
		/* clear the bit unless another entry of the bucket still has it */
		bool shared = false;
		for (struct livetab_entry *e = buckets[b]; e && !shared; e = e->chain)
			shared = filter_bit_of(e->addr) == k;
		if (!shared)
			__atomic_store_n(&livetab_filter[b], (uint8_t)(livetab_filter[b] & ~(1u << k)),
					 __ATOMIC_RELEASE);
		found->chain = NULL;
		if (out) {
			*out = *found;
			drop = entry_put_locked(b, found);
		}
	}
	pthread_mutex_unlock(lock);
	if (drop) {
		int saved = errno; /* called from free(): the program's errno stays */
		arena_free(drop);
		errno = saved;
	}
	DEBUG_NOMALLOC_LEAVE();
	return found;
}

struct livetab_entry *livetab_unlink(uintptr_t addr)
{
	return livetab_maybe_contains(addr) ? unlink_slow(addr, NULL) : NULL;
}

void livetab_relink(struct livetab_entry *e)
{
	unsigned b = bucket_of(e->addr);
	pthread_mutex_t *lock = stripe_of(b);
	pthread_mutex_lock(lock);
	link_locked(e, b);
	pthread_mutex_unlock(lock);
}

void livetab_discard(struct livetab_entry *e)
{
	DEBUG_NOMALLOC_ENTER("livetab_remove");
	int saved = errno; /* called from free(): the program's errno stays */
	arena_free(e);
	errno = saved;
	DEBUG_NOMALLOC_LEAVE();
}

bool livetab_remove_slow(uintptr_t addr, struct livetab_entry *out)
{
	return unlink_slow(addr, out) != NULL;
}

int livetab_copy(struct livetab_entry **out, size_t *n)
{
	size_t cap = 256, len = 0;
	struct livetab_entry *v = arena_alloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t nbuckets = (size_t)1 << livetab_lg_buckets;
	size_t per_stripe = nbuckets >> LG_STRIPES;
	for (unsigned s = 0; s < NSTRIPES; s++) {
		pthread_mutex_lock(&stripes[s]);
		DEBUG_ASSERT(s == 0 || !debug_mutex_held(&stripes[s - 1]),
			     "livetab_copy takes stripe locks one at a time");
		for (size_t b = s * per_stripe; b < (s + 1) * per_stripe; b++) {
			if (livetab_filter[b] == 0) {
				/* skip 8 empty buckets at once */
				uint64_t word;
				if ((b & 7) == 0 && (memcpy(&word, &livetab_filter[b], 8), word == 0))
					b += 7;
				continue;
			}
			for (struct livetab_entry *e = buckets[b]; e; e = e->chain) {
				if (e->own)
					continue;
				if (len == cap) {
					struct livetab_entry *nv = arena_realloc(v, cap * 2 * sizeof(*v));
					if (!nv) {
						pthread_mutex_unlock(&stripes[s]);
						arena_free(v);
						return -ENOMEM;
					}
					v = nv;
					cap *= 2;
				}
				v[len] = *e;
				v[len].chain = NULL;
				len++;
			}
		}
		pthread_mutex_unlock(&stripes[s]);
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
		pthread_mutex_lock(&stripes[i]);
}

void livetab_postfork_parent(void)
{
	for (unsigned i = 0; i < NSTRIPES; i++) {
		DEBUG_ASSERT_HELD(&stripes[i], "livetab_postfork_parent: every stripe held since livetab_prefork");
		pthread_mutex_unlock(&stripes[i]);
	}
}

void livetab_postfork_child(void)
{
	for (unsigned i = 0; i < NSTRIPES; i++)
		pthread_mutex_init(&stripes[i], NULL);
}
