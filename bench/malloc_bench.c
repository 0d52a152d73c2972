/*
 * malloc_bench.c: allocation microbenchmark for measuring tracker overhead.
 *
 * Owns two fixed workloads; every run of a given command line does exactly
 * the same allocator calls (sizes come from a fixed-seed xorshift generator
 * seeded by the thread's index), so runs with and without LD_PRELOAD compare
 * like with like.
 *   loop    THREADS ITERS: each thread does ITERS times { free(ring[i % RING]);
 *           ring[i % RING] = malloc(size) } with sizes 16..4096 bytes
 *           (log-uniform class, uniform within the class). Measures the
 *           per-call cost of the hooks.
 *   heap    THREADS ITERS LIVE: the same loop over a larger live set: LIVE
 *           blocks in all (split over the threads, freed oldest first) and
 *           sizes from 16 B to 256 KiB (63 in 64 from the loop's 16..4096
 *           classes, 1 in 64 log-uniform in 4 KiB..256 KiB). The issue's
 *           microbenchmark: 2 threads x 3 M iterations, 50 k live.
 *   threads COUNT ALLOCS: creates COUNT short-lived threads, BATCH at a time
 *           (create BATCH, join BATCH), each doing ALLOCS malloc/free pairs
 *           with the same ring. Measures what thread start-up costs under a
 *           tracker (first hook, registration, first backtrace).
 * Prints one line of key=value results to stdout; with MALLOC_BENCH_LOG set,
 * also appends it to that file (hyperfine discards stdout).
 * The ring's blocks are left live at exit so an exit snapshot has contents.
 * Not a test: it never fails on timings, only on allocation failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 64
#define BATCH 4

struct worker {
	unsigned index;
	unsigned long iters;
	pthread_t thread;
	void **ring;          /* nring slots: ring_small, or the heap mode's */
	unsigned long nring;
	int big;              /* heap mode: sizes up to 256 KiB */
	void *ring_small[RING];
	uint64_t bytes;
};

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* 16..4096 bytes: class 16<<k (k in 0..8) chosen uniformly, then a uniform
 * size in [16<<k, 32<<k), capped at 4096. Mean is about 700 bytes. */
static size_t next_size(uint64_t *s)
{
	uint64_t r = rng_next(s);
	unsigned k = (unsigned)(r % 9);
	size_t base = (size_t)16 << k;
	size_t size = base + (size_t)((r >> 8) & (base - 1));
	return size > 4096 ? 4096 : size;
}

/* 1 in 64: log-uniform class 4 KiB << k (k in 0..5), uniform within it,
 * up to 256 KiB; else next_size's 16..4096 bytes. */
static size_t next_size_big(uint64_t *s)
{
	uint64_t r = rng_next(s);
	if ((r & 63) != 0)
		return next_size(s);
	unsigned k = (unsigned)((r >> 6) % 6);
	size_t base = (size_t)4096 << k;
	return base + (size_t)((r >> 16) & (base - 1));
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (w->index + 1);
	for (unsigned long i = 0; i < w->iters; i++) {
		unsigned long slot = i % w->nring;
		size_t size = w->big ? next_size_big(&seed) : next_size(&seed);
		free(w->ring[slot]);
		char *p = malloc(size);
		if (!p) {
			fprintf(stderr, "malloc_bench: malloc(%zu) failed\n", size);
			exit(1);
		}
		p[0] = (char)i; /* touch it: the pair cannot be optimised away */
		p[size - 1] = (char)i;
		w->ring[slot] = p;
		w->bytes += size;
	}
	return NULL;
}

static double now(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int start(struct worker *w)
{
	int rc = pthread_create(&w->thread, NULL, work, w);
	if (rc) {
		fprintf(stderr, "malloc_bench: pthread_create: %s\n", strerror(rc));
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: malloc_bench loop THREADS ITERS\n"
			"       malloc_bench heap THREADS ITERS LIVE\n"
			"       malloc_bench threads COUNT ALLOCS\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	const char *mode = argv[1];
	unsigned long a = strtoul(argv[2], NULL, 10), b = strtoul(argv[3], NULL, 10);
	if (a == 0 || b == 0)
		return usage();
	int heap = strcmp(mode, "heap") == 0;
	int loop = heap || strcmp(mode, "loop") == 0;
	if (!loop && strcmp(mode, "threads") != 0)
		return usage();
	if (argc != (heap ? 5 : 4))
		return usage();
	unsigned long live = heap ? strtoul(argv[4], NULL, 10) : 0;
	if (heap && live < a)
		return usage();

	unsigned long nworkers = a;
	struct worker *w = calloc(nworkers, sizeof(*w));
	if (!w)
		return 1;
	for (unsigned long i = 0; i < nworkers; i++) {
		w[i].index = (unsigned)i;
		w[i].iters = b;
		w[i].ring = w[i].ring_small;
		w[i].nring = RING;
		if (heap) {
			w[i].big = 1;
			w[i].nring = live / nworkers;
			w[i].ring = calloc(w[i].nring, sizeof(void *));
			if (!w[i].ring)
				return 1;
		}
	}

	double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	if (loop) {
		for (unsigned long i = 0; i < nworkers; i++)
			if (start(&w[i]))
				return 1;
		for (unsigned long i = 0; i < nworkers; i++)
			pthread_join(w[i].thread, NULL);
	} else {
		for (unsigned long i = 0; i < nworkers; i += BATCH) {
			unsigned long end = i + BATCH < nworkers ? i + BATCH : nworkers;
			for (unsigned long j = i; j < end; j++)
				if (start(&w[j]))
					return 1;
			for (unsigned long j = i; j < end; j++)
				pthread_join(w[j].thread, NULL);
		}
	}
	double t1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_PROCESS_CPUTIME_ID);

	uint64_t bytes = 0;
	for (unsigned long i = 0; i < nworkers; i++)
		bytes += w[i].bytes;
	/* malloc + free per iteration; the first nring frees are free(NULL). */
	unsigned long long calls = 2ull * nworkers * b;
	char line[512];
	snprintf(line, sizeof(line),
		 "mode=%s threads=%lu iters=%lu calls=%llu bytes=%llu wall_s=%.6f cpu_s=%.6f "
		 "cpu_ns_per_call=%.2f wall_us_per_thread=%.2f\n",
		 mode, nworkers, b, calls, (unsigned long long)bytes, t1 - t0, c1 - c0,
		 (c1 - c0) * 1e9 / (double)calls, (t1 - t0) * 1e6 / (double)nworkers);
	fputs(line, stdout);
	const char *log = getenv("MALLOC_BENCH_LOG");
	if (log && *log) {
		FILE *f = fopen(log, "a");
		if (!f) {
			fprintf(stderr, "malloc_bench: cannot open '%s': %s\n", log, strerror(errno));
			return 1;
		}
		fputs(line, f);
		fclose(f);
	}
	/* the rings' blocks stay live on purpose: see the opening comment */
	free(w);
	return 0;
}
