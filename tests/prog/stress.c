/*
 * stress.c: allocating threads under fire.
 *   stress fork SECONDS   - 3 threads churn malloc/free/realloc while the
 *                           main thread forks repeatedly; each child
 *                           allocates, frees, and exits (alternately with
 *                           exit() and _exit()).
 *   stress signal SECONDS - 3 threads churn while the main thread waits;
 *                           the test sends a storm of SIGUSR2 from outside.
 * Prints "stress: done N" when every thread finished; a deadlock shows as a
 * timeout, a crash as a signal status.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;

static void *churn(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	void *ring[32] = {0};
	unsigned long n = 0;
	while (!stop) {
		unsigned i = (unsigned)rand_r(&seed) % 32;
		size_t sz = 16 + (size_t)rand_r(&seed) % 8192;
		if (rand_r(&seed) % 4 == 0 && ring[i]) {
			void *q = realloc(ring[i], sz);
			if (q)
				ring[i] = q;
		} else {
			free(ring[i]);
			ring[i] = malloc(sz);
		}
		if (ring[i])
			memset(ring[i], 1, 16);
		n++;
	}
	for (int i = 0; i < 32; i++)
		free(ring[i]);
	return (void *)n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int forking = strcmp(argv[1], "fork") == 0;
	double until = now() + atof(argv[2]);
	pthread_t th[3];
	for (long i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, churn, (void *)(i + 1));
	int children = 0;
	while (now() < until) {
		if (!forking) {
			struct timespec pause = {0, 10 * 1000 * 1000};
			nanosleep(&pause, NULL);
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			void *p = malloc(1000);
			free(malloc(5000));
			if (children % 2)
				_exit(p != NULL ? 0 : 3);
			exit(p != NULL ? 0 : 3);
		}
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "stress: child %d failed (status %d)\n", (int)pid, status);
			return 1;
		}
		children++;
	}
	stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("stress: done %d\n", forking ? children : 3);
	return 0;
}
