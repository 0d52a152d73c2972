/*
 * msgs.c: "prog: ..." diagnostics and never-failing allocation for the tools.
 *
 * Owns the program-name prefix. Main thread only (the tools do not start
 * threads). Invariants: output goes to stderr only; each message is one
 * line. Must not be linked into the preload library (it uses stdio).
 */
#include "msgs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "heapsnap";

void msgs_set_prog(const char *name)
{
	prog = name;
}

const char *msgs_prog(void)
{
	return prog;
}

int msgs_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

void msgs_warning(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void out_of_memory(void)
{
	msgs_error("out of memory");
	exit(MSGS_EXIT_INTERNAL);
}

void *msgs_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *msgs_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		out_of_memory();
	return q;
}

char *msgs_xstrdup(const char *s)
{
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		out_of_memory();
	return p;
}
