/*
 * fork.c: parent and child leak from different functions.
 *
 * leak_before_fork: 10 x 100 B (inherited by the child); the child then leaks
 * 7 x 333 B from leak_in_child and calls exit(0); the parent waits for it,
 * leaks 3 x 777 B from leak_in_parent and returns 0. Prints the child's pid.
 * Used by tests/integration/fork-child-writes-own-snapshot.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;

static void leak_before_fork(void) { for (int i = 0; i < 10; i++) sink = malloc(100); }
static void leak_in_child(void) { for (int i = 0; i < 7; i++) sink = malloc(333); }
static void leak_in_parent(void) { for (int i = 0; i < 3; i++) sink = malloc(777); }

int main(void)
{
	leak_before_fork();
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		leak_in_child();
		exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 3;
	leak_in_parent();
	printf("%d\n", (int)pid);
	return 0;
}
