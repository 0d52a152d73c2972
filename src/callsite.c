/*
 * callsite.c: the allocator and wrapper rule (see callsite.h).
 *
 * Invariants: pure functions of their arguments and of the user's pattern
 * list; never allocate; the lists here are the documented defaults
 * (doc/libheapsnap.3, "CALL SITES"), kept in one place.
 */
#include "callsite.h"

#include <string.h>

/* Entry points of the C library's allocating functions. */
static const char *const allocator_names[] = {
	"malloc", "calloc", "realloc", "reallocarray", "posix_memalign", "aligned_alloc",
	"memalign", "valloc", "pvalloc", "strdup", "strndup", "__strdup", "__strndup",
	"wcsdup", "asprintf", "vasprintf", "__asprintf", "__vasprintf", "__asprintf_chk",
	"__vasprintf_chk", "__vasprintf_internal", "getline", "getdelim", "__getdelim",
	"open_memstream", "open_wmemstream", "realpath", "__realpath", "tempnam", "get_current_dir_name",
	NULL,
};

/* Wrappers by name prefix: the caller of these is the user's code. */
static const char *const wrapper_prefixes[] = {
	"operator new", "operator delete", "_Znw", "_Zna",
	"std::", "__gnu_cxx::", "__cxxabiv1::",
	"g_malloc", "g_realloc", "g_try_malloc", "g_try_realloc", "g_strdup", "g_strndup",
	"g_memdup", "g_slice_", "g_new", "g_string_", "g_ptr_array_", "g_array_",
	"g_byte_array_", "g_hash_table_", "g_list_", "g_slist_", "g_queue_",
	"node::NodeArrayBufferAllocator::", "node::ArrayBufferAllocator::",
	"node::DebuggingArrayBufferAllocator::", "v8::ArrayBuffer::Allocator::",
	"v8::internal::Heap::AllocateExternalBackingStore",
	"v8::internal::BackingStore::Allocate",
	NULL,
};

/* Wrappers by exact name (gnulib's and many programs' xmalloc family). */
static const char *const wrapper_names[] = {
	"xmalloc", "xcalloc", "xrealloc", "xstrdup", "xstrndup", "xzalloc", "xmemdup",
	"xnmalloc", "xnrealloc", "x2realloc", "x2nrealloc", "ximalloc", "xcharalloc",
	"xreallocarray", "xasprintf", "xvasprintf",
	NULL,
};

static const char *user_patterns;

void callsite_set_user_patterns(const char *patterns)
{
	user_patterns = patterns && *patterns ? patterns : NULL;
}

bool callsite_glob_match(const char *p, unsigned n, const char *s)
{
	/* iterative glob with one backtrack point: '*' matches any run */
	unsigned pi = 0, star = (unsigned)-1;
	const char *s_at_star = NULL;
	while (*s) {
		if (pi < n && p[pi] == '*') {
			star = pi++;
			s_at_star = s;
		} else if (pi < n && p[pi] == *s) {
			pi++;
			s++;
		} else if (star != (unsigned)-1) {
			pi = star + 1;
			s = ++s_at_star;
		} else {
			return false;
		}
	}
	while (pi < n && p[pi] == '*')
		pi++;
	return pi == n;
}

static bool matches_user(const char *f)
{
	for (const char *p = user_patterns; p && *p;) {
		const char *end = strchr(p, ';');
		unsigned n = (unsigned)(end ? (size_t)(end - p) : strlen(p));
		if (n > 0 && callsite_glob_match(p, n, f))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* Libraries whose every frame is a wrapper: the C library and the loader
 * (stdio's buffers, opendir, qsort, dlopen allocate for their caller), the
 * C++ standard library and GLib (shipped stripped, so their static helpers
 * between the user's call and the allocator have no name to match). */
static const char *const wrapper_modules[] = {
	"libc.so.6", "ld-linux-x86-64.so.2", "libstdc++.so", "libglib-2.0.so", NULL,
};

static bool in_wrapper_module(const char *module)
{
	const char *base = strrchr(module, '/');
	base = base ? base + 1 : module;
	for (const char *const *m = wrapper_modules; *m; m++)
		if (strncmp(base, *m, strlen(*m)) == 0)
			return true;
	return false;
}

/* The qualified name inside a demangled name: a function template's name
 * is demangled with its return type first ("void std::vector<long>::
 * _M_realloc_insert<long>(...)"), which must not hide its std:: scope.
 * Returns a pointer into f, after the last space outside <> and () before
 * the parameter list; "operator new" and the like keep their space. */
static const char *qualified_name(const char *f)
{
	const char *start = f;
	int angle = 0;
	for (const char *p = f; *p; p++) {
		if (*p == '<')
			angle++;
		else if (*p == '>' && angle > 0)
			angle--;
		else if (*p == '(' && angle == 0)
			break; /* the parameter list */
		else if (*p == ' ' && angle == 0) {
			static const char op[] = "operator";
			size_t n = sizeof(op) - 1;
			if ((size_t)(p - f) >= n && strncmp(p - n, op, n) == 0)
				continue; /* "operator new": one name */
			start = p + 1;
		}
	}
	return start;
}

bool callsite_is_allocator(const char *f, const char *module)
{
	if (module && in_wrapper_module(module))
		return true;
	if (!f)
		return false;
	for (const char *const *n = allocator_names; *n; n++)
		if (strcmp(f, *n) == 0)
			return true;
	for (const char *const *n = wrapper_names; *n; n++)
		if (strcmp(f, *n) == 0)
			return true;
	const char *q = qualified_name(f);
	for (const char *const *p = wrapper_prefixes; *p; p++)
		if (strncmp(q, *p, strlen(*p)) == 0)
			return true;
	return matches_user(f) || (q != f && matches_user(q));
}
