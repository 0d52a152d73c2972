/* thread_each_allocates.c: starts N threads one after another; each makes
 * one malloc and one free (or M of each, with a second argument, from two
 * call sites in turn, so that each walk joins the one before), then ends.
 * For tests/integration/no-heap-allocation-per-thread.sh and
 * tests/integration/exited-threads-give-back-walk-memos.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int per_thread = 1;

__attribute__((noinline)) static char *alloc_a(void)
{
	char *p = malloc(100);
	__asm__ volatile("" ::: "memory");
	return p;
}

__attribute__((noinline)) static char *alloc_b(void)
{
	char *p = malloc(200);
	__asm__ volatile("" ::: "memory");
	return p;
}

static void *body(void *arg)
{
	(void)arg;
	for (int i = 0; i < per_thread; i++) {
		char *p = i & 1 ? alloc_b() : alloc_a();
		if (p)
			p[0] = 1;
		free(p);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	if (argc > 2)
		per_thread = atoi(argv[2]);
	for (int i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, body, NULL) != 0 || pthread_join(t, NULL) != 0)
			return 1;
	}
	printf("threads %d\n", n);
	return 0;
}
