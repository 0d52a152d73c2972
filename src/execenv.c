/*
 * execenv.c: HEAPSNAP_RUN_PID and the library's entry in LD_PRELOAD.
 *
 * Start-up only, one thread, guard held; never allocates (see execenv.h).
 */
#include "execenv.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* File name of this library ("libheapsnap.so"), from the loader. */
static const char *own_basename(void)
{
	Dl_info info;
	if (!dladdr((void *)execenv_start, &info) || !info.dli_fname)
		return "libheapsnap.so";
	const char *slash = strrchr(info.dli_fname, '/');
	return slash ? slash + 1 : info.dli_fname;
}

static bool names_us(const char *tok, size_t n, const char *self)
{
	const char *base = tok;
	for (size_t i = 0; i < n; i++)
		if (tok[i] == '/')
			base = tok + i + 1;
	size_t bn = (size_t)(tok + n - base);
	return bn == strlen(self) && strncmp(base, self, bn) == 0;
}

/* Removes every LD_PRELOAD entry naming this library, in place. The loader
 * separates entries by spaces or colons; kept entries are joined by ':'. */
static void strip_preload(void)
{
	const char *self = own_basename();
	for (char **ep = environ; ep && *ep; ep++) {
		if (strncmp(*ep, "LD_PRELOAD=", 11) != 0)
			continue;
		char *val = *ep + 11, *w = val;
		for (char *r = val; *r;) {
			while (*r == ' ' || *r == ':' || *r == '\t')
				r++;
			size_t n = strcspn(r, " :\t");
			if (n == 0)
				break;
			if (!names_us(r, n, self)) {
				if (w != val)
					*w++ = ':';
				memmove(w, r, n);
				w += n;
			}
			r += n;
		}
		*w = '\0';
		if (*val == '\0') /* nothing left: drop the variable */
			for (char **p = ep; (p[0] = p[1]) != NULL; p++)
				;
		return;
	}
}

bool execenv_start(bool follow_exec)
{
	if (follow_exec)
		return true;
	const char *mark = secure_getenv("HEAPSNAP_RUN_PID");
	char *end;
	long pid = mark ? strtol(mark, &end, 10) : 0;
	bool marked = mark && *mark && *end == '\0';
	if (marked && pid == (long)getpid())
		return true; /* the command (or what it exec'd): its children will know */
	strip_preload();
	return !marked; /* a descendant of the command: stay out of its way */
}
