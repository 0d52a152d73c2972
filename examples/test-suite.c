/*
 * test-suite.c: a small "test suite" for the leak-gate example
 * (examples/leak-gate.sh). It runs ROUNDS rounds of three test cases (a
 * list, a string table, a parser) and, when libheapsnap.so is loaded, takes
 * a snapshot after each round through include/heapsnap.h, so the gate sees
 * the heap between tests. Every test frees what it allocates, except that
 * with --leak test_parser forgets 32 KiB a round, the kind of bug the gate
 * is there to catch. Exit 0 when every test passed.
 *
 * Usage: test-suite [--leak] [ROUNDS]   (default 6 rounds)
 */
#include "heapsnap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	int value;
};

static int leak;

static __attribute__((noinline)) int test_list(void)
{
	struct node *head = NULL;
	int sum = 0;

	for (int i = 0; i < 1000; i++) {
		struct node *n = malloc(sizeof(*n));

		if (!n)
			return 0;
		n->value = i;
		n->next = head;
		head = n;
	}
	while (head) {
		struct node *n = head->next;

		sum += head->value;
		free(head);
		head = n;
	}
	return sum == 999 * 1000 / 2;
}

static __attribute__((noinline)) int test_strings(void)
{
	char *names[64];
	int ok = 1;

	for (int i = 0; i < 64; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "name-%d", i);
		names[i] = strdup(buf);
		ok &= names[i] != NULL;
	}
	for (int i = 0; i < 64; i++)
		free(names[i]);
	return ok;
}

static __attribute__((noinline)) char *parse_token(const char *s)
{
	char *tok = malloc(1024);

	if (tok)
		snprintf(tok, 1024, "%s", s);
	return tok;
}

static __attribute__((noinline)) int test_parser(void)
{
	int ok = 1;

	for (int i = 0; i < 32; i++) {
		char *tok = parse_token("key=value");

		ok &= tok && !strcmp(tok, "key=value");
		if (!leak)
			free(tok);   /* the --leak bug: this free is missing */
	}
	return ok;
}

int main(int argc, char **argv)
{
	int rounds = 6, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--leak"))
			leak = 1;
		else
			rounds = atoi(argv[i]);
	}
	if (heapsnap_available())
		heapsnap_snapshot("before-tests");
	for (int r = 0; r < rounds; r++) {
		failed += !test_list();
		failed += !test_strings();
		failed += !test_parser();
		if (heapsnap_available())
			heapsnap_snapshot("after-round");
	}
	printf("%d tests, %d failed\n", 3 * rounds, failed);
	return failed != 0;
}
