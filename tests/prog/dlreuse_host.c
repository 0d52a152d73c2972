/*
 * dlreuse_host.c A B: dlopens plugin A (prog/dlreuse_plugin.c), keeps 3
 * blocks reuse_alpha_alloc allocates, dlcloses A, dlopens B and keeps 5
 * blocks reuse_bravo_alloc allocates, through the same call in this file:
 * when B is mapped where A was, both stacks are the same addresses. Exits 0
 * (the exit snapshot names the frames) after printing "reused"; exits 77,
 * saying why, when the loader put B elsewhere. A snapshot (label "start")
 * is asked for first, for heapdiff's base.
 * Used by tests/integration/dlclose-reused-address-keeps-names.sh.
 */
#include "heapsnap.h"

#include <dlfcn.h>
#include <stdio.h>

static void *kept[8];

/* One call site for both plugins: their stacks differ in the plugin only. */
__attribute__((noinline, noclone)) static void keep(void *(*alloc)(size_t), int from, int to)
{
	for (int i = from; i < to; i++) {
		kept[i] = alloc(1000 + (size_t)i);
		__asm__ volatile("" : : : "memory");
	}
}

static void *open_fn(const char *path, const char *name, void **fn)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return NULL;
	}
	*fn = dlsym(h, name);
	if (!*fn) {
		fprintf(stderr, "%s has no %s\n", path, name);
		return NULL;
	}
	return h;
}

/* O0: the loop is neither peeled nor unrolled, so keep has one call site */
__attribute__((optimize("O0"))) int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	if (heapsnap_available() && heapsnap_snapshot("start") != 0)
		return 1;
	static const char *const names[2] = {"reuse_alpha_alloc", "reuse_bravo_alloc"};
	void *fn[2] = {NULL, NULL};
	/* one loop, one call of keep: A's and B's stacks differ in the
	 * plugin's frame only, and not at all when B is where A was */
	for (int k = 0; k < 2; k++) {
		void *h = open_fn(argv[1 + k], names[k], &fn[k]);
		if (!h)
			return 1;
		if (k == 1 && fn[1] != fn[0]) {
			printf("not reused: A's function was at %p, B's is at %p\n", fn[0], fn[1]);
			return 77;
		}
		keep((void *(*)(size_t))fn[k], k ? 3 : 0, k ? 8 : 3);
		if (k == 0 && dlclose(h) != 0)
			return 1;
	}
	printf("reused %p\n", fn[1]);
	return 0;
}
