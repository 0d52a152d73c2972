/*
 * stripe_contention.c: threads that sample at once, so that at sample=1 two
 * of them often want the same stripe of the live table (its inserts and
 * frees are queued for the holder then, not waited for).
 *
 * Usage: stripe_contention THREADS OPS
 *   each thread mallocs and frees OPS blocks of 16..1039 B from churn()
 *   (a ring of 64, the oldest freed), frees the ring, then keeps 50 blocks
 *   of 200 B from keep_blocks(). Prints "kept K": the blocks kept. Output
 *   by write(2): stdio would allocate.
 * Used by tests/integration/busy-stripes-queue-and-lose-nothing.sh.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEEP 50
#define RING 64

static long ops;

static __attribute__((noinline)) void churn(unsigned seed)
{
	void *ring[RING] = {0};
	for (long i = 0; i < ops; i++) {
		unsigned slot = (unsigned)(i % RING);
		free(ring[slot]);
		seed = seed * 1103515245u + 12345u;
		ring[slot] = malloc(16 + (seed >> 16) % 1024);
	}
	for (unsigned i = 0; i < RING; i++)
		free(ring[i]);
}

static __attribute__((noinline)) void keep_blocks(void **keep)
{
	for (int i = 0; i < KEEP; i++)
		keep[i] = malloc(200);
}

static void *worker(void *arg)
{
	long id = (long)arg;
	static void *keep[64][KEEP];
	churn((unsigned)id * 7919u + 1);
	keep_blocks(keep[id]);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int n = atoi(argv[1]);
	ops = atol(argv[2]);
	if (n < 1 || n > 64 || ops < 1)
		return 2;
	pthread_t t[64];
	for (long i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
			return 3;
	for (int i = 0; i < n; i++)
		if (pthread_join(t[i], NULL) != 0)
			return 3;
	char line[32];
	int len = snprintf(line, sizeof(line), "kept %d\n", n * KEEP);
	return write(1, line, (size_t)len) == len ? 0 : 4;
}
