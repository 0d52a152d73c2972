/*
 * demangle.c: cplus_demangle_v3_callback into a caller's allocator.
 *
 * Invariants: (1) never calls malloc: the result is written to a stack
 * buffer (a buffer from the caller's allocator when longer), then copied
 * into one block of the caller's allocator; and libiberty's own malloc/realloc/free references
 * are renamed at build time to hsib_malloc/hsib_realloc/hsib_free below,
 * which use the tracker arena (the callback form does not call them in
 * libiberty 20230104; the renaming makes sure a path that did cannot reach
 * the application's heap); (2) the mangled name is copied NUL-terminated on
 * the stack (at most DEMANGLE_MAX_MANGLED bytes).
 */
#include "demangle.h"

#include "arena.h"

#include <libiberty/demangle.h>
#include <string.h>

void *hsib_malloc(size_t n);
void *hsib_realloc(void *p, size_t n);
void hsib_free(void *p);
void *hsib_malloc(size_t n) { return arena_alloc(n); }
void *hsib_realloc(void *p, size_t n) { return arena_realloc(p, n); }
void hsib_free(void *p) { arena_free(p); }

struct out {
	const struct elfsym_allocator *a;
	char *buf;
	size_t len, cap;
	int failed;
	int heap; /* buf is from the allocator (else the caller's stack) */
};

static void put(const char *s, size_t n, void *opaque)
{
	struct out *o = opaque;
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t ncap = o->cap ? o->cap : 128;
		while (ncap < o->len + n + 1)
			ncap *= 2;
		char *nb = o->a->alloc(ncap, o->a->ctx);
		if (!nb) {
			o->failed = 1;
			return;
		}
		if (o->len)
			memcpy(nb, o->buf, o->len);
		if (o->heap)
			o->a->free(o->buf, o->a->ctx);
		o->buf = nb;
		o->cap = ncap;
		o->heap = 1;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

char *demangle(const char *name, size_t len, const struct elfsym_allocator *a)
{
	if (len < 3 || len > DEMANGLE_MAX_MANGLED || name[0] != '_' || name[1] != 'Z')
		return NULL;
	char mangled[DEMANGLE_MAX_MANGLED + 1];
	memcpy(mangled, name, len);
	mangled[len] = '\0';
	/* most names fit the stack buffer: then one allocation, of the result */
	char small[1024];
	struct out o = {.a = a, .buf = small, .cap = sizeof(small)};
	int ok = cplus_demangle_v3_callback(mangled, DMGL_PARAMS | DMGL_ANSI, put, &o);
	if (!ok || o.failed || o.len == 0) {
		if (o.heap)
			a->free(o.buf, a->ctx);
		return NULL;
	}
	if (o.heap)
		return o.buf;
	char *r = a->alloc(o.len + 1, a->ctx);
	if (r)
		memcpy(r, o.buf, o.len + 1);
	return r;
}
