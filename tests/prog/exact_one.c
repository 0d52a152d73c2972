/*
 * exact_one.c: exactly one kept malloc per thread, nothing else allocated.
 *
 * Usage: exact_one              main mallocs 100 B, keeps it, exits
 *        exact_one threads N    main mallocs nothing; N threads, one after
 *                               the other (each reuses the stack of the one
 *                               before), each mallocs and frees 100 blocks
 *                               (enough samples at sample=1 for every
 *                               unwinder path), then mallocs 100 B and keeps it
 *        exact_one idle N       the same N threads, allocating nothing
 * Prints "usable U count C": the usable size of one block and the number of
 * blocks kept (0 for idle). Output by write(2): stdio would allocate.
 * Used by tests/integration/exact-totals-count-only-the-program.sh.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *keep[64];
static size_t usable;
static int allocate = 1;

static void *one(void *arg)
{
	if (allocate) {
		void **slot = arg;
		for (int i = 0; i < 100; i++)
			free(malloc(10 + (size_t)i));
		*slot = malloc(100);
		usable = malloc_usable_size(*slot);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = 0;
	if (argc == 3) {
		allocate = strcmp(argv[1], "idle") != 0;
		n = atoi(argv[2]);
		if (n < 1 || n > 64)
			return 2;
		for (int i = 0; i < n; i++) {
			pthread_t t;
			if (pthread_create(&t, NULL, one, &keep[i]) != 0 || pthread_join(t, NULL) != 0)
				return 3;
		}
		if (!allocate)
			n = 0;
	} else {
		one(&keep[0]);
		n = 1;
	}
	char line[64];
	int len = snprintf(line, sizeof(line), "usable %zu count %d\n", usable, n);
	return write(1, line, (size_t)len) == len ? 0 : 4;
}
