/*
 * dwarfres_fixture.h: the middle of dwarfres_fixture.cc's forced inline
 * chain, in a header so that one call site's file is not the program's.
 * Markers "@name" name the lines test_dwarfres.c expects.
 */
#ifndef DWARFRES_FIXTURE_H
#define DWARFRES_FIXTURE_H

namespace fixture {

__attribute__((always_inline)) static inline int inner(int x);

__attribute__((always_inline)) static inline int middle(int x)
{
	int y = x * 3;
	return inner(y) + 2; /* @middle-calls-inner */
}

} // namespace fixture

#endif
