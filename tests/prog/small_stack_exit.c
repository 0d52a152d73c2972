/*
 * small_stack_exit.c: a thread with a 16 KiB stack leaks a little, calls
 * heapsnap's API if loaded, then exit(). The tracker must not run SQLite or
 * libdw on that stack (the writer thread does the work on its own).
 */
#include "heapsnap.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *keep;

static void *small(void *arg)
{
	keep = malloc(12345);
	if (heapsnap_available() && heapsnap_snapshot("small-stack") != 0)
		perror("heapsnap_snapshot");
	exit(0);
}

int main(void)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN > 16384 ? PTHREAD_STACK_MIN : 16384);
	pthread_t th;
	if (pthread_create(&th, &attr, small, NULL) != 0)
		return 2;
	pthread_join(th, NULL);
	return 3; /* not reached: the thread exits the process */
}
