/*
 * realloc_aligned.c: realloc chains, aligned allocations and libc functions
 * that allocate for their caller, each from its own function.
 *
 * grow_chain: one block grown 20 times, 100 B to 2000 B (2000 B live, 1 block);
 * realloc_to_zero: malloc(500) then realloc(p, 0) (nothing live);
 * realloc_from_null: realloc(NULL, 4242);
 * leak_posix_memalign (64, 1000), leak_aligned_alloc (128, 1024),
 * leak_memalign (256, 1000), leak_valloc (5000), leak_pvalloc (5000);
 * leak_strdup: strdup of 99 chars (100 B); leak_strndup: strndup(s, 40) (41 B);
 * leak_asprintf: "hello-42" (9 B).
 * Used by tests/integration/realloc-aligned-strdup-attributed.sh.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;
static const char text[] =
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789";

static void grow_chain(void)
{
	void *p = NULL;
	for (size_t i = 1; i <= 20; i++) {
		void *q = realloc(p, i * 100);
		if (!q)
			abort();
		p = q;
	}
	sink = p;
}

static void realloc_to_zero(void)
{
	void *p = malloc(500);
	sink = realloc(p, 0); /* glibc: frees p, returns NULL */
}

static void realloc_from_null(void) { sink = realloc(NULL, 4242); }

static void leak_posix_memalign(void)
{
	void *p;
	if (posix_memalign(&p, 64, 1000) != 0)
		abort();
	sink = p;
}

static void leak_aligned_alloc(void) { sink = aligned_alloc(128, 1024); }
static void leak_memalign(void) { sink = memalign(256, 1000); }
static void leak_valloc(void) { sink = valloc(5000); }
static void leak_pvalloc(void) { sink = pvalloc(5000); }
static void leak_strdup(void) { sink = strdup(text + 1); }
static void leak_strndup(void) { sink = strndup(text, 40); }

static void leak_asprintf(void)
{
	char *s;
	if (asprintf(&s, "%s-%d", "hello", 42) != 8)
		abort();
	sink = s;
}

int main(void)
{
	grow_chain();
	realloc_to_zero();
	realloc_from_null();
	leak_posix_memalign();
	leak_aligned_alloc();
	leak_memalign();
	leak_valloc();
	leak_pvalloc();
	leak_strdup();
	leak_strndup();
	leak_asprintf();
	return 0;
}
