/*
 * bigalloc.c: a program that checks every allocation, for runs under
 * `ulimit -v`: requests far beyond the limit must fail with NULL and errno
 * ENOMEM (malloc, calloc, realloc, posix_memalign's return, aligned_alloc),
 * filling memory with 1 MiB blocks must end in ENOMEM too, and after
 * freeing, small allocations must work again. It prints only what does not
 * depend on the exact limit, so a traced run must print the same.
 * Used by tests/faults/memory-pressure-enomem.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(const char *what, void *p, int err)
{
	printf("%s: %s\n", what, p ? "ok" : err == ENOMEM ? "NULL, ENOMEM" : "NULL, other errno");
}

int main(void)
{
	size_t huge = (size_t)64 << 30; /* 64 GiB: far beyond any limit the test sets */
	void *p, *q;
	static char *blocks[65536]; /* not from the heap: its own malloc could fail first */
	size_t n = 0;

	errno = 0;
	p = malloc(huge);
	report("malloc 64 GiB", p, errno);
	errno = 0;
	p = calloc(huge / 16, 16);
	report("calloc 64 GiB", p, errno);
	q = malloc(100);
	if (!q)
		return 3;
	strcpy(q, "kept");
	char *volatile kept = q; /* a failed realloc leaves the block valid */
	errno = 0;
	p = realloc(q, huge);
	report("realloc 100 B -> 64 GiB", p, errno);
	printf("original block kept: %s\n", p == NULL && strcmp(kept, "kept") == 0 ? "yes" : "no");
	free(p ? p : kept);
	int rc = posix_memalign(&p, 4096, huge);
	printf("posix_memalign 64 GiB: %s\n", rc == ENOMEM ? "ENOMEM" : rc == 0 ? "ok" : "other");
	errno = 0;
	p = aligned_alloc(4096, huge);
	report("aligned_alloc 64 GiB", p, errno);

	/* Fill with 1 MiB blocks until malloc says no (bounded: 64 GiB). */
	errno = 0;
	while (n < 65536 && (blocks[n] = malloc(1 << 20)) != NULL) {
		memset(blocks[n], 1, 4096);
		n++;
	}
	printf("filled until: %s\n", n == 65536 ? "the bound" : errno == ENOMEM ? "ENOMEM" : "other errno");
	/* Near exhaustion, small requests: each either works or says ENOMEM. */
	int bad = 0;
	for (int i = 0; i < 1000; i++) {
		errno = 0;
		void *s = malloc(16 + i);
		if (!s && errno != ENOMEM)
			bad++;
		free(s);
	}
	printf("small allocations near exhaustion: %s\n", bad ? "wrong errno" : "ok or ENOMEM");
	while (n > 0)
		free(blocks[--n]);
	char *s = strdup("after freeing");
	q = malloc(1 << 20);
	printf("%s: %s\n", s ? s : "strdup failed", q ? "1 MiB ok" : "1 MiB failed");
	free(q);
	free(s);
	return 0;
}
