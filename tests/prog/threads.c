/*
 * threads.c: known leaks from several threads, each in its own function.
 *
 * Usage: threads            four long-lived workers leak from leak_t0..leak_t3
 *                           (t0: 10 x 1000 B, t1: 20 x 500 B, t2: 5 x 3000 B,
 *                           t3: 40 x 64 B); then 50 rounds of 4 short-lived
 *                           threads each leak 16 B from leak_short (3200 B,
 *                           200 blocks) and free a 100 B block; all joined.
 *        threads exit       a worker leaks 7 x 111 B from leak_before_exit and
 *                           calls exit(0) while main waits in pthread_join.
 * Used by tests/integration/threads-attributed-to-call-site.sh.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;


static void leak_t0(void) { for (int i = 0; i < 10; i++) sink = malloc(1000); }
static void leak_t1(void) { for (int i = 0; i < 20; i++) sink = malloc(500); }
static void leak_t2(void) { for (int i = 0; i < 5; i++) sink = malloc(3000); }
static void leak_t3(void) { for (int i = 0; i < 40; i++) sink = malloc(64); }

static void leak_short(void)
{
	sink = malloc(16);
	void *tmp = malloc(100);
	free(tmp);
}

static pthread_barrier_t barrier;

static void *worker(void *arg)
{
	static void (*const fns[])(void) = {leak_t0, leak_t1, leak_t2, leak_t3};
	pthread_barrier_wait(&barrier); /* all four alive at once */
	fns[(long)arg]();
	return NULL;
}

static void *short_lived(void *arg)
{
	leak_short();
	return arg;
}

static void leak_before_exit(void) { for (int i = 0; i < 7; i++) sink = malloc(111); }

static void *exiter(void *arg)
{
	leak_before_exit();
	exit(0);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t th[4];
	if (argc > 1 && strcmp(argv[1], "exit") == 0) {
		pthread_create(&th[0], NULL, exiter, NULL);
		pthread_join(th[0], NULL);
		return 3; /* not reached: exit(0) in the thread */
	}
	pthread_barrier_init(&barrier, NULL, 4);
	for (long i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 4; i++)
			pthread_create(&th[i], NULL, short_lived, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
	}
	return 0;
}
