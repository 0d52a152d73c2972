/*
 * spinlock.c: the waiting side of spinlock.h, each thread's id for it, and
 * the count and longest of the waits (spinlock_waits: the snapshot's
 * lock_waits and lock_wait_max_seconds). Context: any thread; never
 * allocates; errno kept.
 */
#include "spinlock.h"

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

__thread int spinlock_self __attribute__((tls_model("initial-exec")));

/* Every wait, and the longest, of any lock (written only by waiters: the
 * uncontended path never touches them). */
static uint64_t waits, wait_max_ns;

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void count_wait(uint64_t ns)
{
	__atomic_add_fetch(&waits, 1, __ATOMIC_RELAXED);
	uint64_t max = __atomic_load_n(&wait_max_ns, __ATOMIC_RELAXED);
	while (ns > max && !__atomic_compare_exchange_n(&wait_max_ns, &max, ns, true, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
		;
}

void spinlock_waits(uint64_t *count, uint64_t *max_ns)
{
	*count = __atomic_load_n(&waits, __ATOMIC_RELAXED);
	*max_ns = __atomic_load_n(&wait_max_ns, __ATOMIC_RELAXED);
}

/* Spins on a plain load (no line bouncing while it is held), with pause,
 * for up to SPINS tries, then yields the CPU before each further try; past
 * YIELDS yields (a holder that is gone for long: stopped, or a thread that
 * siglongjmp'ed out of a hook, which POSIX leaves undefined) it sleeps
 * 100 us a try rather than burn a CPU. The sleep is the raw system call:
 * syscall(2) is no cancellation point, nanosleep(3) is. */
#define SPINS 128
#define YIELDS 1024

void spinlock_wait(struct spinlock *l, int id)
{
	int saved = errno;
	uint64_t t0 = now_ns();
	for (unsigned tries = 0;; tries++) {
		if (__atomic_load_n(&l->word, __ATOMIC_RELAXED) == 0) {
			int free = 0;
			if (__atomic_compare_exchange_n(&l->word, &free, id, false, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED)) {
				count_wait(now_ns() - t0);
				errno = saved;
				return;
			}
		}
		if (tries < SPINS) {
			__builtin_ia32_pause();
		} else if (tries < SPINS + YIELDS) {
			sched_yield();
		} else {
			struct timespec nap = {0, 100 * 1000};
			syscall(SYS_nanosleep, &nap, NULL);
		}
	}
}
