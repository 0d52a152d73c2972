/*
 * torture_fork.c: fork in a multi-threaded process while other threads are
 * in malloc and snapshots are being written.
 *   torture_fork FORKS
 * 3 threads churn malloc/calloc/realloc/free; the main thread forks FORKS
 * times. Each child allocates and frees on its only thread, starts a thread
 * that allocates and frees, joins it, and exits with exit() (odd children:
 * its atexit handlers run, the tracker writes its exit snapshot) or
 * _exit() (even ones). The parent waits for each child and checks its
 * status, then goes on. The churn threads free their blocks before they
 * return. Prints "torture: N forks, 0 deadlocks".
 */
#include "torture.h"

#include <string.h>
#include <sys/wait.h>

#define CHURNERS 3
#define RING 32

static volatile int stop;

static void *churn(void *arg)
{
	uint32_t seed = (uint32_t)(uintptr_t)arg;
	void *ring[RING] = {0};
	while (!stop) {
		unsigned i = torture_rand(&seed) % RING;
		size_t sz = 16 + torture_rand(&seed) % 8192;
		if (torture_rand(&seed) % 4 == 0 && ring[i]) {
			void *q = realloc(ring[i], sz);
			if (q)
				ring[i] = q;
		} else {
			free(ring[i]);
			ring[i] = torture_rand(&seed) % 2 ? malloc(sz) : calloc(1, sz);
		}
	}
	for (int i = 0; i < RING; i++)
		free(ring[i]);
	return NULL;
}

static void *child_thread(void *arg)
{
	for (int i = 0; i < 100; i++)
		free(malloc(32 + (size_t)i));
	return arg;
}

static int child(int n)
{
	void *blocks[50];
	for (int i = 0; i < 50; i++)
		blocks[i] = malloc(100 + (size_t)i * 10);
	pthread_t t;
	if (pthread_create(&t, NULL, child_thread, blocks) != 0)
		return 3;
	void *r;
	pthread_join(t, &r);
	for (int i = 0; i < 50; i++)
		free(blocks[i]);
	return r == blocks ? 0 : 4 + n * 0;
}

int main(int argc, char **argv)
{
	int forks = argc > 1 ? atoi(argv[1]) : 100;
	snapshot_storm_start(5000);
	pthread_t th[CHURNERS];
	for (int i = 0; i < CHURNERS; i++)
		pthread_create(&th[i], NULL, churn, (void *)(uintptr_t)(i + 1));
	torture_sleep_us(10000);
	for (int n = 0; n < forks; n++) {
		pid_t pid = fork();
		if (pid == 0) {
			int rc = child(n);
			if (n % 2)
				exit(rc);
			_exit(rc);
		}
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			say("torture_fork: child %d failed (status %d)\n", (int)pid, pid < 0 ? -1 : status);
			return 1;
		}
	}
	stop = 1;
	for (int i = 0; i < CHURNERS; i++)
		pthread_join(th[i], NULL);
	snapshot_storm_stop();
	say("torture: %d forks, 0 deadlocks\n", forks);
	return 0;
}
