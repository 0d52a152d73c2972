/*
 * demangle.h: C++ symbol names demangled without the application's heap.
 *
 * Owns the use of libiberty's cplus_demangle_v3_callback, linked hidden
 * into the preload from a private copy of Debian's libiberty.a
 * (cp-demangle.o only, its malloc/realloc/free renamed to the tracker
 * arena's: src/Makefile.am). The callback form writes the result through a
 * callback and keeps its work arrays on the stack (about 40 bytes per byte
 * of the mangled name, so names longer than DEMANGLE_MAX_MANGLED are not
 * demangled). Context: any thread with a few hundred KiB of stack (the
 * writer thread's is 8 MiB); never calls the interposed malloc family.
 */
#ifndef HEAPSNAP_DEMANGLE_H
#define HEAPSNAP_DEMANGLE_H

#include "elfsym.h"

#include <stddef.h>

#define DEMANGLE_MAX_MANGLED 8192

/* The demangled form of name[0..len) ("_Z10build_listi" -> "build_list(int)",
 * clones as "f(int) [clone .cold]"), as a NUL-terminated string from a's
 * allocator; NULL when the name is not a mangled C++ name, is too long, or
 * on allocation failure. */
char *demangle(const char *name, size_t len, const struct elfsym_allocator *a);

#endif
