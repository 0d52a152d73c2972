/* thread_each_allocates.c: starts N threads one after another; each makes
 * one malloc and one free, then ends. For
 * tests/integration/no-heap-allocation-per-thread.sh. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *body(void *arg)
{
	(void)arg;
	char *p = malloc(100);
	if (p)
		p[0] = 1;
	free(p);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	for (int i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, body, NULL) != 0 || pthread_join(t, NULL) != 0)
			return 1;
	}
	printf("threads %d\n", n);
	return 0;
}
