/*
 * torture_dl_lib.c: the small library torture_dlopen loads and unloads
 * (libtorture_dl.so). Its constructor allocates a block its destructor
 * frees; torture_dl_churn allocates and frees; torture_dl_alloc returns a
 * block the caller keeps, even after dlclose.
 */
#include <stdlib.h>
#include <string.h>

static char *ctor_block;

__attribute__((constructor)) static void lib_init(void)
{
	ctor_block = malloc(1000);
	if (ctor_block)
		memset(ctor_block, 1, 1000);
}

__attribute__((destructor)) static void lib_fini(void)
{
	free(ctor_block);
	ctor_block = NULL;
}

__attribute__((noinline)) static void *lib_alloc_inner(size_t n)
{
	char *p = malloc(n);
	if (p)
		p[0] = ctor_block ? ctor_block[0] : 0;
	return p;
}

int torture_dl_churn(int n)
{
	int sum = 0;
	void *ring[16] = {0};
	for (int i = 0; i < n; i++) {
		free(ring[i % 16]);
		ring[i % 16] = lib_alloc_inner(32 + (size_t)(i % 50) * 40);
		sum += ring[i % 16] != NULL;
	}
	for (int i = 0; i < 16; i++)
		free(ring[i]);
	return sum;
}

void *torture_dl_alloc(size_t n)
{
	return lib_alloc_inner(n);
}
