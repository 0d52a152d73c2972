/*
 * deepbind_ownmalloc.c: a library with its own malloc and free (a bump
 * allocator over a static buffer), dlopened RTLD_DEEPBIND by deepbind.c:
 * its calls must keep binding to its own definitions under the preload.
 * ownmalloc_work returns how many calls its own allocator saw.
 */
#include <stddef.h>

static _Alignas(16) unsigned char heap[4096];
static size_t used;
static int calls;

void *malloc(size_t size)
{
	calls++;
	size = (size + 15) & ~(size_t)15;
	if (size > sizeof(heap) - used)
		return NULL;
	void *p = heap + used;
	used += size;
	return p;
}

void free(void *p)
{
	if (p)
		calls++;
}

int ownmalloc_work(void)
{
	free(malloc(10));
	return calls;
}
