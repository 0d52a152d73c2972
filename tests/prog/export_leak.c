/*
 * export_leak.c N: leaks N x 4096 bytes from grow_cache (called through
 * handle_request) and 10 x 100 bytes from steady_table, then exits.
 * Two runs with different N give a known growth: (N2 - N1) x 4096 bytes,
 * all at grow_cache. Used by tests/integration/export-*.sh.
 */
#include <stdlib.h>
#include <string.h>

void *kept_cache[10000];
void *kept_table[10];

__attribute__((noinline)) void grow_cache(int i)
{
	kept_cache[i] = malloc(4096);
	memset(kept_cache[i], 1, 4096);
}

__attribute__((noinline)) void handle_request(int n)
{
	for (int i = 0; i < n && i < 10000; i++)
		grow_cache(i);
}

__attribute__((noinline)) void steady_table(void)
{
	for (int i = 0; i < 10; i++)
		kept_table[i] = malloc(100);
}

int main(int argc, char **argv)
{
	steady_table();
	handle_request(argc > 1 ? atoi(argv[1]) : 10);
	return 0;
}
