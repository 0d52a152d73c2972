#!/bin/sh
# gcc: compiles a small C file (cc1 and as run as children) to an object
# file and a program; the object file must be byte-identical and the
# program's output the same.
. "$(dirname "$0")/lib.sh"
need gcc gcc
setup() {
	cat >hello.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { struct node *next; char name[32]; };
static struct node *push(struct node *h, int i)
{
	struct node *n = malloc(sizeof(*n));
	snprintf(n->name, sizeof(n->name), "node-%d", i);
	n->next = h;
	return n;
}
int main(void)
{
	struct node *h = NULL;
	unsigned long sum = 0;
	for (int i = 0; i < 1000; i++)
		h = push(h, i);
	for (struct node *n = h; n; n = n->next)
		sum += strlen(n->name);
	printf("sum %lu first %s\n", sum, h->name);
	return 0;
}
C
}
COMPAT_FILES="hello.o"
compat_run gcc sh -c 'gcc -O2 -g -Wall -c hello.c -o hello.o && gcc -O2 -o hello hello.o && ./hello'
