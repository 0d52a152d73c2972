/*
 * dlclose_host.c PLUGIN: dlopens PLUGIN (prog/dlclose_plugin.c), has its
 * plugin_keep() allocate 3 blocks that stay live, dlcloses it, and exits 0:
 * the exit snapshot is written after the plugin's code was unmapped, with
 * its blocks still live. Prints "closed" once dlclose returned 0.
 * Used by tests/integration/dlclosed-library-still-named.sh.
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	void *(*keep)(int) = (void *(*)(int))dlsym(h, "plugin_keep");
	if (!keep)
		return 1;
	static void *kept[3];
	for (int i = 0; i < 3; i++)
		kept[i] = keep(1000 + i);
	if (dlclose(h) != 0)
		return 1;
	printf("closed %p\n", kept[0]);
	return 0;
}
