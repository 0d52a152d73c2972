/*
 * callsite.h: which frames are never a call site: the rule shared by the
 * writer and the tools.
 *
 * The call site of a stack is its innermost frame that is neither an entry
 * point of the allocator (malloc family, operator new, strdup, asprintf,
 * getline...) nor a wrapper around it: the C library and the loader (any
 * frame in libc.so.6 or ld-linux: stdio's buffers, opendir, dlopen...), the
 * C++ standard library (std::, __gnu_cxx::, anything in libstdc++), GLib
 * (its allocation family g_malloc*, g_realloc*, g_try_*, g_strdup*,
 * g_memdup*, g_slice_*..., and anything in libglib-2.0), node's
 * ArrayBuffer allocators, and the xmalloc family (xmalloc, xcalloc,
 * xrealloc, xstrdup...). Users add their own wrappers as glob patterns
 * ('*' matches any run of characters), matched against demangled names.
 * Pure: no global state but the user's patterns, set once before use;
 * never allocates (patterns are kept as given, in the caller's storage).
 */
#ifndef HEAPSNAP_CALLSITE_H
#define HEAPSNAP_CALLSITE_H

#include <stdbool.h>

/* Context: any thread. Is a frame of function (demangled; NULL: unknown)
 * in module (path; NULL: unknown) an allocator entry point or a wrapper? */
bool callsite_is_allocator(const char *function, const char *module);

/* Context: start-up, before any callsite_is_allocator. patterns: glob
 * patterns separated by ';' (kept by pointer: must outlive every use).
 * NULL or "" means none. */
void callsite_set_user_patterns(const char *patterns);

/* Context: any thread. Does name match the glob pattern of length n? */
bool callsite_glob_match(const char *pattern, unsigned n, const char *name);

#endif
