/*
 * cxxlib.cc: a C++ shared library with a C interface, used from C programs
 * (cxx_linked.c links it, cxx_dlopen.c dlopens it).
 *
 * cxxlib_new_objects(n): leaks n objects of 48 bytes made with operator new;
 * cxxlib_new_delete(n): news and deletes n objects (nothing live);
 * cxxlib_vector(n): leaks a heap std::vector<int> of n elements;
 * cxxlib_throw_catch(n): throws and catches n exceptions, returns n.
 * Used by tests/integration/cxx-new-in-c-program-is-tracked.sh.
 */
#include <stdexcept>
#include <vector>

struct obj48 {
	char bytes[48];
};

static obj48 *volatile sink;
static std::vector<int> *volatile vsink;

extern "C" void cxxlib_new_objects(int n)
{
	for (int i = 0; i < n; i++)
		sink = new obj48();
}

extern "C" void cxxlib_new_delete(int n)
{
	for (int i = 0; i < n; i++) {
		obj48 *p = new obj48();
		sink = p;
		delete p;
	}
	sink = nullptr;
}

extern "C" void cxxlib_vector(int n)
{
	vsink = new std::vector<int>(static_cast<size_t>(n), 7);
}

static void thrower(int i)
{
	if (i >= 0)
		throw std::runtime_error("thrown by cxxlib");
}

extern "C" int cxxlib_throw_catch(int n)
{
	int caught = 0;
	for (int i = 0; i < n; i++) {
		try {
			thrower(i);
		} catch (const std::exception &) {
			caught++;
		}
	}
	return caught;
}
