/*
 * triggers.c: runs for about 1.6 s, allocating a little every 10 ms; at
 * about 1.0 s it calls heapsnap_snapshot("phase-one") through the public
 * header and prints "api 0" (or "api -1 ERRNO", or "api unavailable"
 * without the library). Signals requested from outside (SIGUSR2) interrupt
 * its sleeps, which it resumes.
 * Used by tests/integration/signal-and-interval-trigger-snapshots.sh.
 */
#include "heapsnap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *volatile sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void leak_tick(void) { sink = malloc(1000); }

int main(void)
{
	double start = now();
	int api_done = 0;
	while (now() - start < 1.6) {
		struct timespec tick = {0, 10 * 1000 * 1000};
		leak_tick();
		nanosleep(&tick, NULL); /* EINTR on a signal: the loop goes on */
		if (!api_done && now() - start >= 1.0) {
			api_done = 1;
			if (!heapsnap_available())
				printf("api unavailable\n");
			else if (heapsnap_snapshot("phase-one") == 0)
				printf("api 0\n");
			else
				printf("api -1 %d\n", errno);
			fflush(stdout);
		}
	}
	return 0;
}
