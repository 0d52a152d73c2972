/*
 * spinlock.h: the live table's stripe locks (livetab.c).
 *
 * A test-and-test-and-set lock for sections of a few dozen instructions (a
 * bucket's link or unlink, on every sampled malloc and free in exact mode):
 * there, pthread_mutex_lock and unlock cost ~53 instructions a pair
 * (callgrind), this ~5. A waiter spins with pause for a while, then yields
 * its CPU at each try (sched_yield), so that a holder that was preempted
 * runs again (and past a thousand yields, sleeps 100 us a try); the
 * writer, which holds a stripe longest (livetab_copy: one run of 64 of a
 * stripe's buckets), is one of the holders such a waiter yields to.
 * The word is 0 when free, else the holder's tid (gettid, once per thread,
 * cached in TLS), which the debug build's DEBUG_ASSERT_HELD reads
 * (spinlock_held). The live table's hooks mostly do not wait at all: they
 * try once (spinlock_trylock) and queue their work for the holder
 * (livetab.c, "The queues"). Context: any thread; never allocates; no system call
 * but a waiter's sched_yield. A fork child re-initializes its locks
 * (livetab_postfork_child), as it did its mutexes.
 */
#ifndef HEAPSNAP_SPINLOCK_H
#define HEAPSNAP_SPINLOCK_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

struct spinlock {
	int word;
};

extern __thread int spinlock_self __attribute__((tls_model("initial-exec")));

static inline int spinlock_id(void)
{
	int id = spinlock_self;
	if (__builtin_expect(id == 0, 0))
		spinlock_self = id = (int)gettid();
	return id;
}

static inline void spinlock_init(struct spinlock *l)
{
	__atomic_store_n(&l->word, 0, __ATOMIC_RELAXED);
}

__attribute__((noinline, cold)) void spinlock_wait(struct spinlock *l, int id);

static inline void spinlock_lock(struct spinlock *l)
{
	int id = spinlock_id(), free = 0;
	if (__builtin_expect(!__atomic_compare_exchange_n(&l->word, &free, id, false, __ATOMIC_ACQUIRE,
							  __ATOMIC_RELAXED), 0))
		spinlock_wait(l, id);
}

static inline void spinlock_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->word, 0, __ATOMIC_RELEASE);
}

/* One try, no wait: true when the lock is now the caller's. */
static inline bool spinlock_trylock(struct spinlock *l)
{
	int free = 0;
	return __atomic_compare_exchange_n(&l->word, &free, spinlock_id(), false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* An unlock that is also a full fence (an exchange): the holder's loads
 * after it see every store another thread made before its failed try of
 * the lock. livetab.c's queues rely on it (nothing queued is left behind). */
static inline void spinlock_unlock_fenced(struct spinlock *l)
{
	(void)__atomic_exchange_n(&l->word, 0, __ATOMIC_SEQ_CST);
}

/* Context: any thread. Waits so far on any spinlock of the process, and
 * the longest one in ns (from the first failed try to the lock taken). */
void spinlock_waits(uint64_t *count, uint64_t *max_ns);

/* Does the calling thread hold l? (For the debug build's checks.) */
static inline bool spinlock_held(struct spinlock *l)
{
	return __atomic_load_n(&l->word, __ATOMIC_RELAXED) == spinlock_id();
}

#endif
