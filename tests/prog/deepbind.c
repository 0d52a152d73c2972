/*
 * deepbind.c: dlopens LIB (deepbind_lib.c) with RTLD_DEEPBIND and RTLD_NOW
 * or RTLD_LAZY, then OWNLIB (deepbind_ownmalloc.c) with RTLD_NOW |
 * RTLD_DEEPBIND. With WORK=1 it calls their functions; with WORK=0 it only
 * opens them (the baseline for the exact totals). Prints the usable bytes of
 * the blocks LIB keeps and the count OWNLIB's own allocator returns.
 * Used by tests/integration/deepbind-library-is-tracked.sh.
 * Usage: deepbind LIB now|lazy OWNLIB 0|1
 */
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

static void *sym(void *h, const char *name)
{
	void *p = dlsym(h, name);
	if (!p)
		fprintf(stderr, "deepbind: %s: %s\n", name, dlerror());
	return p;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	int mode = strcmp(argv[2], "lazy") == 0 ? RTLD_LAZY : RTLD_NOW;
	int work = strcmp(argv[4], "1") == 0;
	void *h = dlopen(argv[1], mode | RTLD_DEEPBIND);
	void *own = dlopen(argv[3], RTLD_NOW | RTLD_DEEPBIND);
	if (!h || !own) {
		fprintf(stderr, "deepbind: %s\n", dlerror());
		return 2;
	}
	static const char *const names[] = {"deepbind_keep_malloc", "deepbind_strdup_free",
					    "deepbind_free_by_pointer", "deepbind_keep_calloc",
					    "deepbind_keep_realloc"};
	void (*fn[5])(void);
	for (int i = 0; i < 5; i++)
		if (!(*(void **)&fn[i] = sym(h, names[i])))
			return 2;
	void **kept = sym(h, "deepbind_kept");
	int (*own_work)(void);
	if (!kept || !(*(void **)&own_work = sym(own, "ownmalloc_work")))
		return 2;
	size_t usable = 0;
	int own_calls = 0;
	if (work) {
		for (int i = 0; i < 5; i++)
			fn[i]();
		for (int i = 0; i < 3; i++)
			usable += malloc_usable_size(kept[i]);
		own_calls = own_work();
	}
	printf("kept %zu own %d\n", usable, own_calls);
	return 0; /* no dlclose: the exit snapshot symbolizes the library's frames */
}
