/*
 * sigstorm.c: a timer signal at a high rate while the main thread mallocs
 * and frees in a tight loop (with sample=1 under heapsnap, nearly all of its
 * time is inside the tracker: backtrace, stripe locks, arena).
 *   sigstorm free N - the handler frees one block allocated earlier per
 *                     signal (N signals), and mallocs and frees one more.
 *                     The blocks are chosen so that their live-table stripe
 *                     is the one of the loop's own block (the stripe of an
 *                     address is the top 6 bits of (addr >> 4) times the
 *                     golden ratio constant, livetab.h): a handler that
 *                     waited for a stripe lock its thread holds would hang.
 *                     Everything is freed before exit.
 *   sigstorm fork N - the handler forks (N times); the child _exits at once,
 *                     the handler waits for it.
 * Prints "sigstorm: done N" (output by write(2): stdio would allocate).
 * A deadlock shows as a timeout.
 * Used by tests/integration/signal-handlers-never-deadlock-or-leave-phantoms.sh.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define POOL_MAX 100000

static void **pool;
static volatile int npool, next, done, target, forking;
static void *volatile sink;

static unsigned stripe_of(const void *p)
{
	return (unsigned)((((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull) >> 58);
}

static void on_alarm(int sig)
{
	(void)sig;
	if (done >= target)
		return;
	if (forking) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		done++;
		return;
	}
	if (next < npool) {
		free(pool[next]);
		pool[next++] = NULL;
	}
	free(malloc(32));
	done++;
}

static void churn(void)
{
	sink = malloc(64);
	free(sink);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	forking = strcmp(argv[1], "fork") == 0;
	target = atoi(argv[2]);
	if (target < 1 || target > POOL_MAX)
		return 2;
	if (!forking) {
		void *probe = malloc(64);
		unsigned s0 = stripe_of(probe);
		free(probe); /* churn() gets this address back */
		pool = malloc(POOL_MAX * sizeof(*pool));
		void **other = malloc(POOL_MAX * 64 * sizeof(*other));
		int nother = 0;
		while (npool < target && nother < POOL_MAX * 64) {
			void *p = malloc(48);
			if (stripe_of(p) == s0)
				pool[npool++] = p;
			else
				other[nother++] = p;
		}
		for (int i = 0; i < nother; i++)
			free(other[i]);
		free(other);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, forking ? 500 : 50}, {0, forking ? 500 : 50}};
	setitimer(ITIMER_REAL, &it, NULL);
	for (long i = 0; done < target && i < 100000000L; i++)
		churn();
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	for (int i = 0; i < npool; i++)
		free(pool[i]);
	free(pool);
	char line[64];
	int len = snprintf(line, sizeof(line), "sigstorm: done %d\n", done);
	return write(1, line, (size_t)len) == len ? 0 : 4;
}
