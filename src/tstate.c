/*
 * tstate.c: per-thread state lifecycle and the registry of live threads.
 *
 * Context: tstate_activate runs in an application thread inside a hook with
 * the guard held; tstate_retire is the pthread key destructor of an exiting
 * thread; tstate_totals runs in the writer thread. Lock order: the registry
 * lock is a leaf (nothing else is taken while holding it); an app thread
 * that holds it says so in registry_held, so that a fork() from a signal
 * handler on that thread does not wait for it (core.c).
 */
#include "tstate.h"

#include "debug.h"
#include "sampler.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__thread struct tstate tstate_tls __attribute__((tls_model("initial-exec")));
void (*tstate_release_memo)(struct tstate *ts);

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tstate *registry;
static pthread_key_t retire_key;
/* Totals of threads no longer registered (and of unregistered calls). */
static uint64_t g_alloc_count, g_alloc_bytes, g_free_count, g_free_bytes;
static uint64_t g_unwind_samples, g_unwind_fallbacks;

static void tstate_retire(void *arg)
{
	struct tstate *ts = arg;
	tstate_guard_enter(ts);
	ts->registry_held = 1; /* before the lock: a handler may run in between */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_lock(&registry_lock);
	if (ts->state == TSTATE_ACTIVE) {
		tstate_count_unregistered(ts->alloc_count, ts->alloc_bytes, ts->free_count, ts->free_bytes);
		__atomic_add_fetch(&g_unwind_samples, ts->unwind_samples, __ATOMIC_RELAXED);
		__atomic_add_fetch(&g_unwind_fallbacks, ts->unwind_fallbacks, __ATOMIC_RELAXED);
		if (ts->prev)
			ts->prev->next = ts->next;
		else
			registry = ts->next;
		if (ts->next)
			ts->next->prev = ts->prev;
		ts->next = ts->prev = NULL;
		__atomic_store_n(&ts->state, TSTATE_DEAD, __ATOMIC_RELAXED);
		ts->hot = 0;
	}
	pthread_mutex_unlock(&registry_lock);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	ts->registry_held = 0;
	/* the walk memo goes back (cfiunwind.c): the next thread's TLS starts
	 * zeroed, so it would be lost */
	void (*release)(struct tstate *) = __atomic_load_n(&tstate_release_memo, __ATOMIC_ACQUIRE);
	if (ts->memo && release)
		release(ts);
	tstate_guard_leave(ts);
}

int tstate_start_thread(void *(*fn)(void *), const char *name)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_t th;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&th, &attr, fn, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	pthread_setname_np(th, name);
	return 0;
}

int tstate_init(void)
{
	int rc = pthread_key_create(&retire_key, tstate_retire);
	return rc ? -rc : 0;
}

int tstate_activate(struct tstate *ts, uint64_t sample)
{
	DEBUG_ASSERT_GUARD("tstate_activate: guard held by the caller");
	ts->errno_p = &errno; /* the sampled path keeps errno through it (no call) */
	/* The destructor first: a thread registered without it would stay in
	 * the registry after its TLS is gone. Not registered, the thread is
	 * DEAD from the start: its calls count in the globals, untracked. */
	int rc = pthread_setspecific(retire_key, ts);
	if (rc != 0) {
		__atomic_store_n(&ts->state, TSTATE_DEAD, __ATOMIC_RELAXED);
		ts->hot = 0;
		return -rc;
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ts->tid = (pid_t)syscall(SYS_gettid);
	ts->rng = sampler_seed((uint64_t)(uintptr_t)ts ^ ((uint64_t)now.tv_nsec << 20) ^ (uint64_t)ts->tid);
	ts->countdown = sampler_next_gap(&ts->rng, sample);
	ts->registry_held = 1; /* before the lock: a handler may run in between */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_lock(&registry_lock);
	ts->next = registry;
	ts->prev = NULL;
	if (registry)
		registry->prev = ts;
	registry = ts;
	__atomic_store_n(&ts->state, TSTATE_ACTIVE, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&registry_lock);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	ts->registry_held = 0;
	return 0;
}

void tstate_count_unregistered(uint64_t alloc_count, uint64_t alloc_bytes, uint64_t free_count,
			       uint64_t free_bytes)
{
	__atomic_add_fetch(&g_alloc_count, alloc_count, __ATOMIC_RELAXED);
	__atomic_add_fetch(&g_alloc_bytes, alloc_bytes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&g_free_count, free_count, __ATOMIC_RELAXED);
	__atomic_add_fetch(&g_free_bytes, free_bytes, __ATOMIC_RELAXED);
}

void tstate_totals(struct tstate_totals *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&registry_lock);
	out->alloc_count = __atomic_load_n(&g_alloc_count, __ATOMIC_RELAXED);
	out->alloc_bytes = __atomic_load_n(&g_alloc_bytes, __ATOMIC_RELAXED);
	out->free_count = __atomic_load_n(&g_free_count, __ATOMIC_RELAXED);
	out->free_bytes = __atomic_load_n(&g_free_bytes, __ATOMIC_RELAXED);
	out->unwind_samples = __atomic_load_n(&g_unwind_samples, __ATOMIC_RELAXED);
	out->unwind_fallbacks = __atomic_load_n(&g_unwind_fallbacks, __ATOMIC_RELAXED);
	for (struct tstate *ts = registry; ts; ts = ts->next) {
		out->alloc_count += __atomic_load_n(&ts->alloc_count, __ATOMIC_RELAXED);
		out->alloc_bytes += __atomic_load_n(&ts->alloc_bytes, __ATOMIC_RELAXED);
		out->free_count += __atomic_load_n(&ts->free_count, __ATOMIC_RELAXED);
		out->free_bytes += __atomic_load_n(&ts->free_bytes, __ATOMIC_RELAXED);
		out->unwind_samples += __atomic_load_n(&ts->unwind_samples, __ATOMIC_RELAXED);
		out->unwind_fallbacks += __atomic_load_n(&ts->unwind_fallbacks, __ATOMIC_RELAXED);
		out->threads++;
	}
	pthread_mutex_unlock(&registry_lock);
}

void tstate_redraw_countdowns(uint64_t sample)
{
	pthread_mutex_lock(&registry_lock);
	for (struct tstate *ts = registry; ts; ts = ts->next)
		__atomic_store_n(&ts->countdown, sampler_next_gap(&ts->rng, sample), __ATOMIC_RELAXED);
	pthread_mutex_unlock(&registry_lock);
}

void tstate_each(void (*fn)(struct tstate *))
{
	pthread_mutex_lock(&registry_lock);
	for (struct tstate *ts = registry; ts; ts = ts->next)
		fn(ts);
	pthread_mutex_unlock(&registry_lock);
}

void tstate_prefork(void)
{
	pthread_mutex_lock(&registry_lock);
}

void tstate_postfork_parent(void)
{
	pthread_mutex_unlock(&registry_lock);
}

/* In the child only the forking thread survives: the others' counters move
 * to the globals (their allocations are still in the child's heap copy). */
void tstate_postfork_child(void)
{
	struct tstate *self = &tstate_tls;
	for (struct tstate *ts = registry; ts; ts = ts->next) {
		if (ts == self)
			continue;
		tstate_count_unregistered(ts->alloc_count, ts->alloc_bytes, ts->free_count,
					  ts->free_bytes);
		g_unwind_samples += ts->unwind_samples;
		g_unwind_fallbacks += ts->unwind_fallbacks;
	}
	registry = NULL;
	if (self->state == TSTATE_ACTIVE) {
		self->next = self->prev = NULL;
		registry = self;
		self->tid = (pid_t)syscall(SYS_gettid);
	}
	pthread_mutex_init(&registry_lock, NULL);
}
