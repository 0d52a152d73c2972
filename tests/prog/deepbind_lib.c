/*
 * deepbind_lib.c: a library that deepbind.c dlopens with RTLD_DEEPBIND, so
 * that its malloc family binds to glibc, not to the preload, unless the
 * preload redirects it. Built twice (tests/integration/integration.am):
 * libdeepbind.so (lazy binding, partial RELRO) and libdeepbind_now.so
 * (-z now: the whole GOT read-only after relocation); with DEEPBIND_UNDEF,
 * libdeepbind_undef.so, which also calls a function nothing defines, so that
 * only RTLD_LAZY can open it.
 * Kept: malloc(10), calloc(4, 25), realloc to 200 bytes. Freed: a 35-byte
 * strdup (glibc's strdup calls the interposed malloc) released with free(),
 * and a malloc(64) released through a pointer to free (a GLOB_DAT slot).
 */
#include <stdlib.h>
#include <string.h>

void *deepbind_kept[3];

void deepbind_keep_malloc(void)
{
	deepbind_kept[0] = malloc(10);
}

void deepbind_strdup_free(void)
{
	char *s = strdup("thirty-four characters, plus a NUL");
	free(s);
}

void deepbind_free_by_pointer(void)
{
	void (*volatile release)(void *) = free;
	release(malloc(64));
}

void deepbind_keep_calloc(void)
{
	deepbind_kept[1] = calloc(4, 25);
}

void deepbind_keep_realloc(void)
{
	void *p = malloc(40);
	deepbind_kept[2] = realloc(p, 200);
}

#ifdef DEEPBIND_UNDEF
void deepbind_nowhere(void);

void deepbind_needs_lazy(void) /* never called */
{
	deepbind_nowhere();
}
#endif
