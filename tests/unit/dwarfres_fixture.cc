/*
 * dwarfres_fixture.cc: a program built -O2 -g whose one call of sink() sits
 * at the bottom of a forced inline chain main -> outer -> fixture::middle
 * (dwarfres_fixture.h) -> fixture::inner. It prints the offset of sink()'s
 * return address in this executable (address - dlpi_addr: what a snapshot
 * records) for test_dwarfres.c. Markers "@name" name the expected lines.
 */
#include "dwarfres_fixture.h"

#include <link.h>
#include <stdint.h>
#include <stdio.h>

static uintptr_t ra;

extern "C" __attribute__((noinline, noipa)) int sink(int x)
{
	ra = (uintptr_t)__builtin_return_address(0);
	return x + 1;
}

namespace fixture {

__attribute__((always_inline)) static inline int inner(int x)
{
	int z = x ^ 5;
	return sink(z) * 7; /* @inner-calls-sink */
}

} // namespace fixture

__attribute__((always_inline)) static inline int outer(int x)
{
	return fixture::middle(x + 1) - 4; /* @outer-calls-middle */
}

static int main_base(struct dl_phdr_info *info, size_t, void *data)
{
	*(uintptr_t *)data = info->dlpi_addr; /* the first object is the executable */
	return 1;
}

int main(int argc, char **)
{
	int r = outer(argc); /* @main-calls-outer */
	uintptr_t base = 0;
	dl_iterate_phdr(main_base, &base);
	printf("%lx %d\n", (unsigned long)(ra - base), r);
	return 0;
}
