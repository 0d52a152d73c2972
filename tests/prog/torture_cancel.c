/*
 * torture_cancel.c: pthread_cancel of threads in malloc-heavy code, with
 * deferred and asynchronous cancel types.
 *   torture_cancel CANCELS
 * 4 workers churn malloc/calloc/realloc/free on a ring of blocks; the main
 * thread cancels one, joins it and starts a new one, CANCELS times. Even
 * workers use the deferred type and reach pthread_testcancel() every 64
 * operations (malloc itself is no cancellation point: a tracker that added
 * one, an open() or a wait inside a hook, would lose the block or a lock);
 * odd workers switch to the asynchronous type around a loop that only
 * computes on their blocks and back to deferred around the allocator calls
 * (malloc is not async-cancel-safe, so that is what a correct program does).
 * A cleanup handler frees the ring, so nothing the workers allocate is live
 * at exit. Prints "torture: N cancels (D deferred, A async), 0 deadlocks".
 */
#include "torture.h"

#include <string.h>

#define WORKERS 4
#define RING 32

struct worker {
	pthread_t th;
	int async;
	uint32_t seed;
	void *ring[RING];
	volatile unsigned long ops;
};

static void cleanup_ring(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < RING; i++) {
		free(w->ring[i]);
		w->ring[i] = NULL;
	}
}

static void churn_step(struct worker *w)
{
	unsigned i = torture_rand(&w->seed) % RING;
	size_t sz = 16 + torture_rand(&w->seed) % 4096;
	switch (torture_rand(&w->seed) % 3) {
	case 0: {
		void *q = realloc(w->ring[i], sz);
		if (q)
			w->ring[i] = q;
		break;
	}
	case 1:
		free(w->ring[i]);
		w->ring[i] = NULL; /* a cancellation between the two lines must not double-free */
		w->ring[i] = calloc(1, sz);
		break;
	default:
		free(w->ring[i]);
		w->ring[i] = NULL;
		w->ring[i] = malloc(sz);
		break;
	}
	if (w->ring[i])
		((volatile char *)w->ring[i])[0] = 1;
	w->ops++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old);
	pthread_cleanup_push(cleanup_ring, w);
	for (;;) {
		for (int k = 0; k < 64; k++)
			churn_step(w);
		if (w->async) {
			pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
			volatile unsigned sum = 0;
			for (int k = 0; k < 20000; k++)
				sum += k * 7u;
			pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old);
		} else {
			pthread_testcancel();
		}
	}
	pthread_cleanup_pop(1);
	return NULL;
}

static struct worker workers[WORKERS];

static void start(int i, uint32_t seed)
{
	memset(&workers[i], 0, sizeof(workers[i]));
	workers[i].async = i % 2;
	workers[i].seed = seed;
	if (pthread_create(&workers[i].th, NULL, worker_main, &workers[i]) != 0) {
		say("torture_cancel: pthread_create failed\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : 300;
	uint32_t seed = 777;
	snapshot_storm_start(5000);
	for (int i = 0; i < WORKERS; i++)
		start(i, 1000u + (unsigned)i);
	int deferred = 0, async = 0;
	for (int n = 0; n < want; n++) {
		int i = (int)(torture_rand(&seed) % WORKERS);
		while (workers[i].ops < 100) /* let it get into the churn */
			torture_sleep_us(100);
		torture_sleep_us(torture_rand(&seed) % 500);
		pthread_cancel(workers[i].th);
		void *res;
		pthread_join(workers[i].th, &res);
		if (res != PTHREAD_CANCELED) {
			say("torture_cancel: worker %d was not cancelled\n", i);
			return 1;
		}
		if (workers[i].async)
			async++;
		else
			deferred++;
		start(i, torture_rand(&seed));
	}
	for (int i = 0; i < WORKERS; i++) {
		pthread_cancel(workers[i].th);
		pthread_join(workers[i].th, NULL);
	}
	snapshot_storm_stop();
	say("torture: %d cancels (%d deferred, %d async), 0 deadlocks\n", deferred + async, deferred, async);
	return 0;
}
