/*
 * torture_spawn.c: vfork+exec, posix_spawn and system() in a loop while
 * other threads allocate.
 *   torture_spawn ROUNDS
 * 3 threads churn malloc/realloc/free; each round the main thread runs
 * /bin/true through vfork()+execv() (the child calls nothing else but
 * _exit), through posix_spawn() with file actions (allocated and
 * destroyed), and "exit 3" through system(), and checks each status.
 * Prints "torture: R vfork+exec, R posix_spawn, R system(), 0 deadlocks".
 */
#include "torture.h"

#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

#define CHURNERS 3
#define RING 32

extern char **environ;
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
			ring[i] = malloc(sz);
		}
	}
	for (int i = 0; i < RING; i++)
		free(ring[i]);
	return NULL;
}

static int waited(pid_t pid)
{
	int status;
	if (pid <= 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	char *true_argv[] = {"/bin/true", NULL};
	snapshot_storm_start(5000);
	pthread_t th[CHURNERS];
	for (int i = 0; i < CHURNERS; i++)
		pthread_create(&th[i], NULL, churn, (void *)(uintptr_t)(i + 1));
	for (int r = 0; r < rounds; r++) {
		pid_t pid = vfork();
		if (pid == 0) {
			execv(true_argv[0], true_argv);
			_exit(127);
		}
		if (waited(pid) != 0) {
			say("torture_spawn: vfork+exec round %d failed\n", r);
			return 1;
		}
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1 /* O_WRONLY */, 0);
		if (posix_spawn(&pid, true_argv[0], &fa, NULL, true_argv, environ) != 0 || waited(pid) != 0) {
			say("torture_spawn: posix_spawn round %d failed\n", r);
			return 1;
		}
		posix_spawn_file_actions_destroy(&fa);
		int st = system("exit 3");
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 3) {
			say("torture_spawn: system() round %d returned %d\n", r, st);
			return 1;
		}
	}
	stop = 1;
	for (int i = 0; i < CHURNERS; i++)
		pthread_join(th[i], NULL);
	snapshot_storm_stop();
	say("torture: %d vfork+exec, %d posix_spawn, %d system(), 0 deadlocks\n", rounds, rounds, rounds);
	return 0;
}
