/*
 * leak_steadily.c: leaks 16 KiB every 2 ms from one named function,
 * leak_one_request, until it is killed (a server leaking per request).
 * Used by tests/integration/meta-has-process-and-tracker-figures.sh and
 * tests/integration/top-shows-growing-sites-and-restores-terminal.sh.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *volatile sink;

__attribute__((noinline)) static void leak_one_request(void)
{
	char *p = malloc(16 * 1024);
	if (p)
		memset(p, 1, 64);
	sink = p;
	__asm__ volatile("" ::: "memory"); /* keep the call: no tail call */
}

int main(void)
{
	struct timespec pause = {0, 2000000};
	for (;;) {
		leak_one_request();
		nanosleep(&pause, NULL);
	}
}
