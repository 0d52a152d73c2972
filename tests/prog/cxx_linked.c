/*
 * cxx_linked.c: a C program linked against the C++ library cxxlib.
 * Calls cxxlib_new_objects(100), cxxlib_new_delete(500), cxxlib_vector(1000)
 * and cxxlib_throw_catch(1000); prints "caught N".
 * Used by tests/integration/cxx-new-in-c-program-is-tracked.sh.
 */
#include "cxxlib.h"

#include <stdio.h>

int main(void)
{
	cxxlib_new_objects(100);
	cxxlib_new_delete(500);
	cxxlib_vector(1000);
	printf("caught %d\n", cxxlib_throw_catch(1000));
	return 0;
}
