/*
 * semantics.c: prints what the allocator does at its edges, so a run under
 * the preload can be compared byte for byte with a run without it.
 * errno on success paths, overflow, bad alignment, zero sizes, NULL
 * arguments, usable size and alignment of the results.
 * Used by tests/integration/semantics-preserved.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile size_t big = SIZE_MAX / 2, four = 4, zero = 0;

#define SHOW(what, cond) printf("%-40s %s\n", what, (cond) ? "yes" : "no")

static int aligned(const void *p, size_t a) { return ((uintptr_t)p % a) == 0; }

int main(void)
{
	void *p, *q;
	int rc;

	errno = 1234;
	p = malloc(100);
	SHOW("malloc ok, errno untouched", p && errno == 1234);
	errno = 1234;
	free(p);
	SHOW("free, errno untouched", errno == 1234);
	errno = 1234;
	p = calloc(10, 10);
	SHOW("calloc ok, errno untouched", p && errno == 1234);
	SHOW("calloc zeroed", p && memcmp(p, (char[100]){0}, 100) == 0);
	errno = 1234;
	q = realloc(p, 10000);
	SHOW("realloc grow ok, errno untouched", q && errno == 1234);
	errno = 1234;
	p = realloc(q, 10);
	SHOW("realloc shrink ok, errno untouched", p && errno == 1234);
	free(p);

	errno = 0;
	p = calloc(big, four);
	SHOW("calloc overflow NULL", p == NULL);
	SHOW("calloc overflow ENOMEM", errno == ENOMEM);
	errno = 0;
	p = malloc(SIZE_MAX - zero);
	SHOW("malloc(SIZE_MAX) NULL ENOMEM", p == NULL && errno == ENOMEM);

	p = (void *)1;
	errno = 1234;
	rc = posix_memalign(&p, 3, 100);
	SHOW("posix_memalign(3) EINVAL", rc == EINVAL);
	SHOW("posix_memalign(3) out untouched", p == (void *)1);
	SHOW("posix_memalign(3) errno untouched", errno == 1234);
	rc = posix_memalign(&p, 24, 100);
	SHOW("posix_memalign(24) EINVAL", rc == EINVAL);
	errno = 1234;
	rc = posix_memalign(&p, 64, zero);
	SHOW("posix_memalign(64, 0) ok", rc == 0 && errno == 1234);
	free(p);
	rc = posix_memalign(&p, 4096, 10);
	SHOW("posix_memalign(4096) aligned", rc == 0 && aligned(p, 4096));
	free(p);

	errno = 1234;
	p = malloc(zero);
	SHOW("malloc(0) non-NULL", p != NULL);
	SHOW("malloc(0) errno untouched", errno == 1234);
	free(p);
	errno = 1234;
	free(NULL);
	SHOW("free(NULL) errno untouched", errno == 1234);

	errno = 1234;
	p = realloc(NULL, 77);
	SHOW("realloc(NULL, 77) non-NULL", p != NULL && errno == 1234);
	SHOW("realloc(NULL, 77) usable >= 77", malloc_usable_size(p) >= 77);
	q = realloc(p, zero);
	SHOW("realloc(p, 0) returns NULL", q == NULL);
	free(q);

	errno = 0;
	p = reallocarray(NULL, big, four);
	SHOW("reallocarray overflow NULL ENOMEM", p == NULL && errno == ENOMEM);
	void *volatile kept = malloc(16); /* volatile: the failed call keeps it */
	errno = 0;
	p = reallocarray(kept, big, four);
	SHOW("reallocarray overflow keeps block", p == NULL && errno == ENOMEM && malloc_usable_size(kept) >= 16);
	errno = 1234;
	p = reallocarray(kept, 10, 10);
	SHOW("reallocarray ok, errno untouched", p && errno == 1234);
	free(p);

	for (size_t n = 1; n <= 1 << 20; n = n * 3 + 1) {
		p = malloc(n);
		if (!p || malloc_usable_size(p) < n) {
			printf("malloc_usable_size(%zu) too small\n", n);
			return 1;
		}
		free(p);
	}
	SHOW("malloc_usable_size >= requested", 1);
	SHOW("malloc_usable_size(NULL) == 0", malloc_usable_size(NULL) == 0);

	size_t aligns[] = {16, 32, 64, 256, 4096, 65536};
	int all = 1;
	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		void *a = aligned_alloc(aligns[i], aligns[i] * 2);
		void *b = memalign(aligns[i], 100);
		void *c;
		all &= posix_memalign(&c, aligns[i], 100) == 0;
		all &= a && b && aligned(a, aligns[i]) && aligned(b, aligns[i]) && aligned(c, aligns[i]);
		all &= malloc_usable_size(b) >= 100;
		free(a);
		free(b);
		free(c);
	}
	SHOW("aligned_alloc/memalign/posix_memalign aligned", all);
	p = valloc(100);
	q = pvalloc(100);
	SHOW("valloc page-aligned", p && aligned(p, 4096));
	SHOW("pvalloc page-aligned, page-sized", q && aligned(q, 4096) && malloc_usable_size(q) >= 4096);
	free(p);
	free(q);
	errno = 0;
	p = aligned_alloc(64, SIZE_MAX - 1000 * four);
	SHOW("aligned_alloc huge NULL ENOMEM", p == NULL && errno == ENOMEM);
	return 0;
}
