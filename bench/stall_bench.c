/*
 * stall_bench.c: how long application threads wait in malloc/free while a
 * snapshot is written (issue 14's "no stall" target), for bench/stall.sh.
 *
 * Keeps BLOCKS live blocks on STACKS distinct allocation stacks (the stack
 * of block i is the path spelled by the low 15 bits of i % STACKS through
 * left()/right(), as bench/snapgen.c does), then runs 2 timing threads that
 * loop { malloc; free } and time every call with clock_gettime
 * (CLOCK_MONOTONIC) into log2 histograms of nanoseconds, while a third
 * thread takes SNAPSHOTS snapshots with heapsnap_snapshot() (which waits
 * for the file: the timing threads never call it), GAP_MS apart. A call is
 * counted "during" when it started while a heapsnap_snapshot() call was in
 * progress, "outside" otherwise.
 * Run it under the preload with sample=1 (every block, and every timed
 * call, is a sample: its stripe lock and the stack table are taken on each
 * call, the worst case for contention with the writer's copy). Without the
 * preload it does the same calls and, in place of each snapshot, marks a
 * window of FAKE_MS as "during": the machine's own scheduling noise.
 * Each timing thread reads its context-switch counts (getrusage
 * RUSAGE_THREAD) every 64 calls; a call over 1 ms in a batch whose
 * voluntary count rose is counted as "blocked" (the thread slept: a lock
 * wait in the hook; the loop itself never sleeps), one whose batch saw only
 * involuntary switches as "preempted" (the OS ran something else).
 * Not a test: it never fails on a timing, only when a snapshot fails.
 *   stall_bench BLOCKS STACKS SNAPSHOTS GAP_MS [FAKE_MS]
 * Prints the histograms and key=value lines on stdout.
 */
#define _GNU_SOURCE
#include <heapsnap.h>

#include "stackpaths.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define NBINS 40
#define TIMERS 2
#define BATCH 64
#define SLOW_NS 1000000ull

static void **blocks;
static volatile int during;    /* a snapshot is in progress */
static volatile int stop;

struct hist {
	uint64_t bin[NBINS];   /* bin k: [2^k, 2^(k+1)) ns; bin 0 also holds 0 */
	uint64_t n, max, slow, slow_blocked, slow_preempted;
};

struct timer {
	pthread_t thread;
	unsigned index;
	struct hist h[2];      /* [0] outside, [1] during */
	uint64_t calls;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void add(struct hist *h, uint64_t ns)
{
	int k = ns ? 63 - __builtin_clzll(ns) : 0;

	h->bin[k < NBINS ? k : NBINS - 1]++;
	h->n++;
	if (ns > h->max)
		h->max = ns;
}

static void csw(long *vol, long *invol)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	*vol = ru.ru_nvcsw;
	*invol = ru.ru_nivcsw;
}

static void *timer_main(void *arg)
{
	struct timer *t = arg;
	uint64_t x = 0x9e3779b97f4a7c15ull * (t->index + 1);
	void *ring[16] = {0};
	long v0, i0, v1, i1;

	csw(&v0, &i0);
	while (!stop) {
		/* slow calls of this batch, per histogram, classified at its end */
		unsigned slow[2] = {0, 0};

		for (int k = 0; k < BATCH; k++) {
			size_t size;
			unsigned slot;
			int d;
			uint64_t a, b, c;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			size = 16 + (x >> 8) % 1024;
			slot = (unsigned)(x >> 40) % 16;
			d = during;
			a = now_ns();
			free(ring[slot]);
			b = now_ns();
			ring[slot] = malloc(size);
			c = now_ns();
			if (!ring[slot]) {
				fprintf(stderr, "stall_bench: malloc(%zu) failed\n", size);
				exit(1);
			}
			add(&t->h[d], b - a);
			add(&t->h[d], c - b);
			slow[d] += (b - a >= SLOW_NS) + (c - b >= SLOW_NS);
			t->calls += 2;
		}
		csw(&v1, &i1);
		for (int d = 0; d < 2; d++) {
			t->h[d].slow += slow[d];
			if (v1 > v0)
				t->h[d].slow_blocked += slow[d];
			else
				t->h[d].slow_preempted += slow[d];
		}
		v0 = v1;
		i0 = i1;
	}
	(void)i0;
	for (int s = 0; s < 16; s++)
		free(ring[s]);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static void merge(struct hist *to, const struct hist *from)
{
	for (int k = 0; k < NBINS; k++)
		to->bin[k] += from->bin[k];
	to->n += from->n;
	to->slow += from->slow;
	to->slow_blocked += from->slow_blocked;
	to->slow_preempted += from->slow_preempted;
	if (from->max > to->max)
		to->max = from->max;
}

static void print_hist(const char *name, const struct hist *h)
{
	int lo = NBINS, hi = 0;

	for (int k = 0; k < NBINS; k++)
		if (h->bin[k]) {
			lo = k < lo ? k : lo;
			hi = k;
		}
	printf("%s: %llu calls, max %.3f ms, %llu >= 1 ms (%llu in a batch where the thread slept, "
	       "%llu preempted only)\n",
	       name, (unsigned long long)h->n, h->max / 1e6, (unsigned long long)h->slow,
	       (unsigned long long)h->slow_blocked, (unsigned long long)h->slow_preempted);
	for (int k = lo; k <= hi; k++) {
		char range[48];
		uint64_t a = k ? 1ull << k : 0, b = 1ull << (k + 1);

		if (b <= 1000)
			snprintf(range, sizeof(range), "%llu..%llu ns", (unsigned long long)a, (unsigned long long)b);
		else if (b <= 1000000)
			snprintf(range, sizeof(range), "%.1f..%.1f us", a / 1e3, b / 1e3);
		else
			snprintf(range, sizeof(range), "%.2f..%.2f ms", a / 1e6, b / 1e6);
		printf("  %-22s %12llu  %9.5f%%\n", range, (unsigned long long)h->bin[k],
		       100.0 * (double)h->bin[k] / (double)(h->n ? h->n : 1));
	}
}

int main(int argc, char **argv)
{
	long nblocks, nstacks, nsnap, gap_ms, fake_ms = 100;
	struct timer timers[TIMERS];
	uint64_t snap_ns = 0, snap_max = 0, t0;
	int tracked = heapsnap_available();

	if ((argc != 5 && argc != 6) || (nblocks = atol(argv[1])) <= 0 || (nstacks = atol(argv[2])) <= 0 ||
	    nstacks > (1L << LEVELS) || (nsnap = atol(argv[3])) <= 0 || (gap_ms = atol(argv[4])) < 0 ||
	    (argc == 6 && (fake_ms = atol(argv[5])) <= 0)) {
		fprintf(stderr, "usage: stall_bench BLOCKS STACKS(1..%ld) SNAPSHOTS GAP_MS [FAKE_MS]\n", 1L << LEVELS);
		return 2;
	}
	blocks = calloc((size_t)nblocks, sizeof(*blocks));
	if (!blocks)
		return 1;
	for (long i = 0; i < nblocks; i++)
		if (!(blocks[i] = stackpath_alloc((unsigned)(i % nstacks), 16 + (size_t)(i % 7) * 8))) {
			fprintf(stderr, "stall_bench: malloc failed after %ld blocks\n", i);
			return 1;
		}
	memset(timers, 0, sizeof(timers));
	for (unsigned i = 0; i < TIMERS; i++) {
		timers[i].index = i;
		if ((errno = pthread_create(&timers[i].thread, NULL, timer_main, &timers[i]))) {
			perror("stall_bench: pthread_create");
			return 1;
		}
	}
	t0 = now_ns();
	sleep_ms(gap_ms);
	for (long s = 0; s < nsnap; s++) {
		uint64_t a, b;

		during = 1;
		a = now_ns();
		if (tracked) {
			if (heapsnap_snapshot("stall") < 0) {
				fprintf(stderr, "stall_bench: snapshot %ld failed: %s\n", s + 1, strerror(errno));
				return 1;
			}
		} else {
			sleep_ms(fake_ms);
		}
		b = now_ns();
		during = 0;
		snap_ns += b - a;
		snap_max = b - a > snap_max ? b - a : snap_max;
		sleep_ms(gap_ms);
	}
	stop = 1;
	struct hist all[2];

	memset(all, 0, sizeof(all));
	uint64_t calls = 0;

	for (unsigned i = 0; i < TIMERS; i++) {
		pthread_join(timers[i].thread, NULL);
		merge(&all[0], &timers[i].h[0]);
		merge(&all[1], &timers[i].h[1]);
		calls += timers[i].calls;
	}
	double secs = (double)(now_ns() - t0) / 1e9;

	printf("stall_bench %ld blocks on %ld stacks, %s, %u timing threads, %.1f s\n", nblocks, nstacks,
	       tracked ? "under heapsnap" : "uninstrumented", TIMERS, secs);
	print_hist(tracked ? "during snapshots" : "during the fake snapshot windows", &all[1]);
	print_hist("outside", &all[0]);
	struct hist both = all[0];

	merge(&both, &all[1]);
	printf("tracked=%d snapshots=%ld snapshot_ms_mean=%.1f snapshot_ms_max=%.1f calls=%llu "
	       "max_during_ms=%.3f max_outside_ms=%.3f slow_during=%llu slow_outside=%llu "
	       "slow_during_blocked=%llu slow_outside_blocked=%llu max_ms=%.3f slow=%llu\n",
	       tracked, nsnap, snap_ns / 1e6 / (double)nsnap, snap_max / 1e6, (unsigned long long)calls,
	       all[1].max / 1e6, all[0].max / 1e6, (unsigned long long)all[1].slow,
	       (unsigned long long)all[0].slow, (unsigned long long)all[1].slow_blocked,
	       (unsigned long long)all[0].slow_blocked, both.max / 1e6, (unsigned long long)both.slow);
	for (long i = 0; i < nblocks; i++)
		free(blocks[i]);
	free(blocks);
	return 0;
}
