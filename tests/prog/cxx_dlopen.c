/*
 * cxx_dlopen.c: a C program that dlopens the C++ library cxxlib (path in
 * argv[1], RTLD_NOW | RTLD_LOCAL) and makes the same calls as cxx_linked.c.
 * Used by tests/integration/cxx-new-in-c-program-is-tracked.sh.
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "cxx_dlopen: %s\n", dlerror());
		return 2;
	}
	void (*new_objects)(int), (*new_delete)(int), (*vec)(int);
	int (*throw_catch)(int);
	*(void **)&new_objects = dlsym(h, "cxxlib_new_objects");
	*(void **)&new_delete = dlsym(h, "cxxlib_new_delete");
	*(void **)&vec = dlsym(h, "cxxlib_vector");
	*(void **)&throw_catch = dlsym(h, "cxxlib_throw_catch");
	if (!new_objects || !new_delete || !vec || !throw_catch)
		return 2;
	new_objects(100);
	new_delete(500);
	vec(1000);
	printf("caught %d\n", throw_catch(1000));
	return 0; /* no dlclose: the exit snapshot symbolizes its frames */
}
