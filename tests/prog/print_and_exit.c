/*
 * print_and_exit.c: prints a few lines built in heap memory and exits with
 * status 3; its stdout and status must be the same with or without the
 * preload. Used by tests/integration/bad-options-leave-program-unchanged.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	for (int i = 0; i < 5; i++) {
		char *s = malloc(64);
		if (!s)
			return 1;
		snprintf(s, 64, "line %d of %s", i, argc > 1 ? argv[1] : "print_and_exit");
		puts(s);
		free(s);
	}
	return 3;
}
