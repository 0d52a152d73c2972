/*
 * climb.c: a saw-tooth heap. Every STEP_MS milliseconds it keeps one more
 * MiB (malloc'd and written, so resident); at CAP_MIB it frees them all
 * and climbs again, until it is killed. glibc's mmap threshold is pinned
 * at 128 KiB, so every block is its own mapping and a free gives the
 * memory back: RSS and the heap in use both rise and fall.
 * Usage: climb CAP_MIB STEP_MS. Used by tests/integration/auto-arm-*.sh.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIB (1024 * 1024)

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: climb CAP_MIB STEP_MS\n");
		return 2;
	}
	int cap = atoi(argv[1]), step = atoi(argv[2]);
	if (cap < 1 || cap > 4096 || step < 1 || step > 60000) {
		fprintf(stderr, "climb: CAP_MIB 1..4096, STEP_MS 1..60000\n");
		return 2;
	}
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	char **held = calloc((size_t)cap, sizeof(*held));
	if (!held)
		return 1;
	struct timespec pause = {step / 1000, (long)(step % 1000) * 1000000L};
	for (int n = 0;; n++) {
		if (n == cap) {
			for (int i = 0; i < cap; i++)
				free(held[i]);
			n = 0;
		}
		held[n] = malloc(MIB);
		if (held[n])
			memset(held[n], 1, MIB);
		nanosleep(&pause, NULL);
	}
}
