/*
 * grow_forever.c: keeps 64 KiB more every 5 ms (a steady leak, touched so
 * that it is resident) until it is killed.
 * Used by tests/integration/windows-and-limits-bound-tracking.sh.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *volatile sink;

int main(void)
{
	struct timespec pause = {0, 5000000};
	for (;;) {
		char *p = malloc(64 * 1024);
		if (p)
			memset(p, 1, 64);
		sink = p;
		nanosleep(&pause, NULL);
	}
}
