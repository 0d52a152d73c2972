/*
 * torture_dlopen.c: a dlopen/dlclose loop of a small library that allocates,
 * some of its blocks kept across the dlclose, while allocations are sampled
 * and snapshots are written.
 *   torture_dlopen ROUNDS LIBRARY
 * Each round: dlopen LIBRARY (its constructor allocates), a thread calls
 * torture_dl_churn (allocates and frees inside the library), the main
 * thread calls it too, every 10th round keep_lib_block keeps a block of 256
 * bytes the library allocated, dlclose (the destructor frees). Two more
 * threads churn malloc/free throughout, so that samples are taken while
 * the module list changes. Prints "torture: R dlopen/dlclose, K blocks
 * kept across dlclose, 0 deadlocks".
 */
#include "torture.h"

#include <dlfcn.h>

#define CHURNERS 2

static volatile int stop;
static void *volatile kept[128];
static int nkept;

typedef int (*churn_fn)(int);
typedef void *(*alloc_fn)(size_t);

static void *bg_churn(void *arg)
{
	uint32_t seed = (uint32_t)(uintptr_t)arg;
	void *ring[16] = {0};
	while (!stop) {
		unsigned i = torture_rand(&seed) % 16;
		free(ring[i]);
		ring[i] = malloc(16 + torture_rand(&seed) % 4096);
	}
	for (int i = 0; i < 16; i++)
		free(ring[i]);
	return NULL;
}

static void *call_churn(void *fn)
{
	return (void *)(intptr_t)((churn_fn)fn)(300);
}

static void keep_lib_block(alloc_fn a)
{
	kept[nkept++] = a(256);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int rounds = atoi(argv[1]);
	snapshot_storm_start(5000);
	pthread_t bg[CHURNERS];
	for (int i = 0; i < CHURNERS; i++)
		pthread_create(&bg[i], NULL, bg_churn, (void *)(uintptr_t)(i + 1));
	for (int r = 0; r < rounds; r++) {
		void *h = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			say("torture_dlopen: %s\n", dlerror());
			return 1;
		}
		churn_fn churn = (churn_fn)dlsym(h, "torture_dl_churn");
		alloc_fn alloc = (alloc_fn)dlsym(h, "torture_dl_alloc");
		if (!churn || !alloc)
			return 1;
		pthread_t t;
		void *res;
		pthread_create(&t, NULL, call_churn, (void *)churn);
		int mine = churn(300);
		pthread_join(t, &res);
		if (mine != 300 || (intptr_t)res != 300)
			return 1;
		if (r % 10 == 0 && nkept < 128)
			keep_lib_block(alloc);
		dlclose(h);
	}
	stop = 1;
	for (int i = 0; i < CHURNERS; i++)
		pthread_join(bg[i], NULL);
	snapshot_storm_stop();
	say("torture: %d dlopen/dlclose, %d blocks kept across dlclose, 0 deadlocks\n", rounds, nkept);
	return 0;
}
