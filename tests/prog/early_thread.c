/*
 * early_thread.c: a preloaded library whose constructor starts a thread
 * before libheapsnap.so's constructor has run (listed after it in
 * LD_PRELOAD, it is initialised first). The thread allocates at once
 * (before the tracker starts), then waits, and leaks 10 x 1000 bytes from
 * early_leak() once the program calls early_thread_join().
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void *keep[10];
static volatile int go;
static pthread_t th;

__attribute__((noinline)) static void early_leak(void)
{
	for (int i = 0; i < 10; i++)
		keep[i] = malloc(1000);
}

static void *run(void *arg)
{
	free(malloc(10)); /* before the tracker starts */
	while (!go)
		usleep(1000);
	early_leak();
	return NULL;
}

__attribute__((constructor)) static void early_start(void)
{
	pthread_create(&th, NULL, run, NULL);
}

void early_thread_join(void);
void early_thread_join(void)
{
	go = 1;
	pthread_join(th, NULL);
}
