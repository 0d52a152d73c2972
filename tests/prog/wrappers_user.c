/*
 * wrappers_user.c: a program with an allocation wrapper of its own,
 * pool_alloc, called by keep_records: without wrappers= the call site is
 * pool_alloc; with wrappers=pool_* it is keep_records.
 */
#include <stdio.h>
#include <stdlib.h>

static void *kept[400];

__attribute__((noinline)) void *pool_alloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		abort();
	return p;
}

__attribute__((noinline)) void keep_records(void)
{
	for (int i = 0; i < 400; i++)
		kept[i] = pool_alloc(256);
}

int main(void)
{
	keep_records();
	printf("%p\n", kept[0] ? (void *)1 : NULL);
	return 0;
}
