/*
 * late_handler.c: a program that takes SIGUSR2 for itself after start-up
 * (as nginx does: USR2 means binary upgrade), then allocates for SECONDS
 * (default 2) and prints how often its handler ran: "usr2 N".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr2(int sig)
{
	(void)sig;
	got++;
}

static void *keep[1024];

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2;
	usleep(100000);
	signal(SIGUSR2, on_usr2);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0;; i++) {
		free(keep[i % 1024]);
		keep[i % 1024] = malloc(64 + i % 4000);
		if (i % 1024 == 0) {
			usleep(1000);
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) * 1e-9 > seconds)
				break;
		}
	}
	printf("usr2 %d\n", (int)got);
	return 0;
}
