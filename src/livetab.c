/*
 * livetab.c: the live table (see livetab.h for the lock-free miss path).
 *
 * Layout: 2^lg bucket heads, the filter (one bit per bucket, 2^lg / 8
 * bytes: 16 KiB at the default rate, small enough to stay in cache under
 * the program's own data; mapped with mmap so that its untouched pages read
 * the kernel's one zero page), and 64 stripe mutexes; stripe = high bits of
 * the bucket index, so the writer copies contiguous runs of buckets under
 * each lock, and the 8 buckets of a filter byte share one stripe.
 * Invariants: (1) bit b of the filter (bit b & 7 of byte b >> 3) is set iff
 * bucket b is not empty; both change only under b's stripe lock (which is
 * also the lock of the byte's 7 other buckets); (2) the stripe lock is a
 * leaf except for the tracker arena; (3) an entry is freed only after it is
 * unlinked.
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

/* The two words every free() reads share a cache line with nothing that is
 * written after start-up: a sample's stripe lock or live_count on the same
 * line would take it away from every other thread's next free. */
__attribute__((aligned(64))) uint8_t *livetab_filter;
unsigned livetab_lg_buckets = 16;
static struct livetab_entry **buckets;
static __attribute__((aligned(64))) pthread_mutex_t stripes[NSTRIPES];
static __attribute__((aligned(64))) size_t live_count;

int livetab_init(unsigned lg_buckets)
{
	if (lg_buckets < LG_STRIPES + 6)
		lg_buckets = LG_STRIPES + 6;
	size_t n = (size_t)1 << lg_buckets;
	buckets = arena_alloc(n * sizeof(*buckets));
	void *filter = mmap(NULL, n / 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!buckets || filter == MAP_FAILED) {
		arena_free(buckets);
		if (filter != MAP_FAILED)
			munmap(filter, n / 8);
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

static pthread_mutex_t *stripe_of(unsigned b)
{
	return &stripes[b >> (livetab_lg_buckets - LG_STRIPES)];
}

static void link_locked(struct livetab_entry *e, unsigned b)
{
	DEBUG_ASSERT_HELD(stripe_of(b), "livetab invariant 1: a bucket and its filter byte change only under its stripe lock");
	e->chain = buckets[b];
	buckets[b] = e;
	__atomic_store_n(&livetab_filter[b >> 3], (uint8_t)(livetab_filter[b >> 3] | (1u << (b & 7))),
			 __ATOMIC_RELEASE);
	__atomic_add_fetch(&live_count, 1, __ATOMIC_RELAXED);
}

int livetab_insert(const struct livetab_entry *tmpl)
{
	DEBUG_NOMALLOC_ENTER("livetab_insert");
	struct livetab_entry *e = arena_alloc(sizeof(*e));
	if (!e) {
		DEBUG_NOMALLOC_LEAVE();
		return -ENOMEM;
	}
	*e = *tmpl;
	unsigned b = bucket_of(tmpl->addr);
	pthread_mutex_t *lock = stripe_of(b);
	pthread_mutex_lock(lock);
	link_locked(e, b);
	pthread_mutex_unlock(lock);
	DEBUG_NOMALLOC_LEAVE();
	return 0;
}

static struct livetab_entry *unlink_slow(uintptr_t addr)
{
	unsigned b = bucket_of(addr);
	pthread_mutex_t *lock = stripe_of(b);
	struct livetab_entry *found = NULL;
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
		__atomic_sub_fetch(&live_count, 1, __ATOMIC_RELAXED);
		/* the bucket's last entry gone: clear its bit */
		if (!buckets[b])
			__atomic_store_n(&livetab_filter[b >> 3],
					 (uint8_t)(livetab_filter[b >> 3] & ~(1u << (b & 7))), __ATOMIC_RELEASE);
		found->chain = NULL;
	}
	pthread_mutex_unlock(lock);
	DEBUG_NOMALLOC_LEAVE();
	return found;
}

struct livetab_entry *livetab_unlink(uintptr_t addr)
{
	return livetab_maybe_contains(addr) ? unlink_slow(addr) : NULL;
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
	struct livetab_entry *found = unlink_slow(addr);
	if (!found)
		return false;
	*out = *found;
	livetab_discard(found);
	return true;
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
			if (!((livetab_filter[b >> 3] >> (b & 7)) & 1)) {
				/* skip 64 empty buckets at once (per_stripe >= 64) */
				uint64_t word;
				if ((b & 63) == 0 && (memcpy(&word, &livetab_filter[b >> 3], 8), word == 0))
					b += 63;
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
	return __atomic_load_n(&live_count, __ATOMIC_RELAXED);
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
