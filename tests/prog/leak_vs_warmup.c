/*
 * leak_vs_warmup.c: a steady leak beside a warm-up that later frees all it
 * took, paced by the tracker's interval snapshots.
 *
 * Usage: leak_vs_warmup DIR STEPS. Each step, leak_step() leaks 64 blocks
 * of 1 KiB (kept forever); during steps 0..3 warm_up() takes 1 MiB more (256
 * blocks of 4 KiB, a cache filling), which release_warmup() frees entirely
 * at step 6. After each step the program waits until one more snapshot file
 * (NAME.db) is in DIR, so every interval snapshot sees one more step
 * whatever the machine's speed; it gives up after 30 s without a new file
 * (exit 2). Prints "done STEPS". Used by
 * tests/integration/series-leak-ranks-first-warmup-transient.sh.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WARM_BLOCKS 256
static void *warm[4 * WARM_BLOCKS];
static size_t nwarm;
static void *volatile sink;

static __attribute__((noinline)) void leak_step(void)
{
	for (int i = 0; i < 64; i++)
		sink = malloc(1024);   /* never freed */
}

static __attribute__((noinline)) void warm_up(void)
{
	for (int i = 0; i < WARM_BLOCKS; i++)
		warm[nwarm++] = malloc(4096);
}

static __attribute__((noinline)) void release_warmup(void)
{
	while (nwarm > 0)
		free(warm[--nwarm]);
}

static int count_snapshots(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		n += len > 3 && !strcmp(e->d_name + len - 3, ".db");
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	int steps, seen;

	if (argc != 3 || (steps = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: leak_vs_warmup DIR STEPS\n");
		return 1;
	}
	seen = count_snapshots(argv[1]);
	for (int k = 0; k < steps; k++) {
		leak_step();
		if (k < 4)
			warm_up();
		if (k == 6)
			release_warmup();
		for (int waited = 0;; waited++) {
			int now = count_snapshots(argv[1]);

			if (now > seen) {
				seen = now;
				break;
			}
			if (waited > 3000) {
				fprintf(stderr, "leak_vs_warmup: no new snapshot in %s after 30 s\n", argv[1]);
				return 2;
			}
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		}
	}
	printf("done %d\n", steps);
	return 0;
}
