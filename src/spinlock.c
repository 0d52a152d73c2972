/*
 * spinlock.c: the waiting side of spinlock.h, and each thread's id for it.
 * Context: any thread; never allocates.
 */
#include "spinlock.h"

#include <sys/syscall.h>
#include <time.h>

__thread int spinlock_self __attribute__((tls_model("initial-exec")));

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
	for (unsigned tries = 0;; tries++) {
		if (__atomic_load_n(&l->word, __ATOMIC_RELAXED) == 0) {
			int free = 0;
			if (__atomic_compare_exchange_n(&l->word, &free, id, false, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				return;
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
