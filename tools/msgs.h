/*
 * msgs.h: diagnostics and exit codes for the command-line tools.
 *
 * Owns the one list of exit codes (enum msgs_exit) that heapsnap(1) and
 * heapdiff(1) document in EXIT STATUS, and the "prog: message" printers.
 * Called from the tools' main thread only; the tools are single-threaded.
 * Invariants: (1) every message goes to stderr, never stdout, so a failing
 * run leaves stdout empty; (2) one line per message, lowercase, subject in
 * quotes, no full stop: "heapdiff: cannot open 'x.db': not a heapsnap snapshot".
 * Not for src/: the preload library logs with write(2) through log.c.
 *
 * The helpers are msgs_error()/msgs_warning(), not git's bare error(): glibc
 * exports error(3), and an executable defining `error` would interpose it
 * for every shared library in the process.
 */
#ifndef HEAPSNAP_TOOLS_MSGS_H
#define HEAPSNAP_TOOLS_MSGS_H

#include <stddef.h>

/* Exit codes; keep in step with EXIT STATUS in doc/heapsnap.1, doc/heapdiff.1. */
enum msgs_exit {
	MSGS_EXIT_OK = 0,          /* success */
	MSGS_EXIT_USAGE = 1,       /* bad command line or option value */
	MSGS_EXIT_INPUT = 2,       /* a file or directory: missing, unreadable, not a snapshot */
	MSGS_EXIT_PROCESS = 3,     /* heapsnap snapshot: target process absent, untracked, not signalable */
	MSGS_EXIT_INTERNAL = 4,    /* out of memory, unexpected SQLite failure */
	MSGS_EXIT_GROWTH = 5,      /* heapdiff: a --fail-on-* gate failed (the report is printed) */
	MSGS_EXIT_NOEXEC = 126,    /* heapsnap run: the command exists but cannot be executed */
	MSGS_EXIT_NOTFOUND = 127,  /* heapsnap run: the command was not found */
};

/* Program name used as the prefix of every message ("heapdiff"). */
void msgs_set_prog(const char *prog);
const char *msgs_prog(void);

/* "prog: <fmt>\n" on stderr. Returns -1, for `return msgs_error(...)`. */
int msgs_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "prog: warning: <fmt>\n" on stderr. */
void msgs_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that cannot fail: prints "prog: out of memory" and exits
 * MSGS_EXIT_INTERNAL instead. For the tools only, never for pure modules. */
void *msgs_xmalloc(size_t n);
void *msgs_xrealloc(void *p, size_t n);
char *msgs_xstrdup(const char *s);

#endif
