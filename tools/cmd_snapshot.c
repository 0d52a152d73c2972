/*
 * cmd_snapshot.c: heapsnap snapshot PID: ask a tracked process for a snapshot.
 *
 * Owns how a running process is asked: it must have libheapsnap mapped
 * (/proc/PID/maps) and a snapshot signal, read from the HEAPSNAP_OPTIONS it
 * was started with (/proc/PID/environ) by the library's own parser, so the
 * tool and the library agree on names, numbers and the SIGUSR2 default.
 * Single-threaded. Invariants: never signals a process that does not have
 * the library loaded (the default action of SIGUSR2 is to terminate), nor
 * one whose options disable the signal or are invalid (its tracker is off).
 * Does not wait for the file: the writer thread writes it asynchronously.
 */
#include "cmd.h"
#include "msgs.h"
#include "options.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fputs(
"usage: heapsnap snapshot PID\n"
"Ask process PID, started under 'heapsnap run' (or with libheapsnap.so in\n"
"LD_PRELOAD), to write a snapshot now, by sending it the signal named by\n"
"signal= in its HEAPSNAP_OPTIONS (default SIGUSR2). The file appears in the\n"
"process's output directory shortly after.\n"
"\n"
"  -h, --help   show this help and exit\n"
"\n"
"Exit status: 0 signal sent, 1 usage error, 3 no such process, library not\n"
"loaded, no snapshot signal, or not permitted.\n", out);
}

/* Reads all of a /proc file (they report size 0). NULL after msgs_error(). */
static char *read_proc(long pid, const char *what, size_t *len)
{
	char path[64];
	size_t cap = 4096, n = 0;
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, what);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			msgs_error("no process with pid %ld", pid);
		else
			msgs_error("cannot read '%s': %s%s", path, strerror(errno),
				   errno == EACCES ? "; run as the process's user or root" : "");
		return NULL;
	}
	buf = msgs_xmalloc(cap + 1);
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		cap *= 2;
		buf = msgs_xrealloc(buf, cap + 1);
	}
	if (ferror(f)) {
		msgs_error("cannot read '%s': %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static bool has_library(const char *maps)
{
	for (const char *line = maps; line && *line; ) {
		const char *end = strchr(line, '\n');
		const char *path = memchr(line, '/', end ? (size_t)(end - line) : strlen(line));

		if (path) {
			const char *base = NULL;

			for (const char *p = path; p < (end ? end : path + strlen(path)); p++)
				if (*p == '/')
					base = p + 1;
			if (base && !strncmp(base, "libheapsnap", 11))
				return true;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

int cmd_snapshot(int argc, char **argv)
{
	char *maps, *env, *end, err[256], cwd[PATH_MAX], link[64];
	const char *opts = NULL, *signame, *dir;
	char sigbuf[32];
	struct options o;
	size_t len;
	long pid;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return MSGS_EXIT_OK;
	}
	if (argc != 2) {
		msgs_error("snapshot: expected one process id, got %d; usage: heapsnap "
			   "snapshot PID", argc - 1);
		return MSGS_EXIT_USAGE;
	}
	errno = 0;
	pid = strtol(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || pid <= 0 || pid > INT_MAX) {
		msgs_error("snapshot: invalid process id '%s': expected a positive integer",
			   argv[1]);
		return MSGS_EXIT_USAGE;
	}

	maps = read_proc(pid, "maps", &len);
	if (!maps)
		return MSGS_EXIT_PROCESS;
	if (!has_library(maps)) {
		free(maps);
		msgs_error("process %ld does not have libheapsnap loaded; start it with "
			   "'heapsnap run'", pid);
		return MSGS_EXIT_PROCESS;
	}
	free(maps);

	env = read_proc(pid, "environ", &len);
	if (!env)
		return MSGS_EXIT_PROCESS;
	for (size_t i = 0; i < len; i += strlen(env + i) + 1)
		if (!strncmp(env + i, "HEAPSNAP_OPTIONS=", 17))
			opts = env + i + 17;
	options_defaults(&o);
	if (opts && options_parse(opts, &o, err, sizeof(err)) < 0) {
		msgs_error("process %ld has invalid HEAPSNAP_OPTIONS, so its tracker is "
			   "off: %s", pid, err);
		free(env);
		return MSGS_EXIT_PROCESS;
	}
	free(env);
	if (o.signal == 0) {
		msgs_error("process %ld has no snapshot signal (signal=0 in its "
			   "HEAPSNAP_OPTIONS); call heapsnap_snapshot() in the program "
			   "or use interval=", pid);
		return MSGS_EXIT_PROCESS;
	}
	if (kill((pid_t)pid, o.signal) < 0) {
		if (errno == ESRCH)
			msgs_error("no process with pid %ld", pid);
		else
			msgs_error("cannot signal process %ld: %s", pid, strerror(errno));
		return MSGS_EXIT_PROCESS;
	}

	signame = options_signal_name(o.signal);
	if (!signame) {
		snprintf(sigbuf, sizeof(sigbuf), "signal %d", o.signal);
		signame = sigbuf;
	}
	/* A relative out= is relative to the process's working directory. */
	dir = o.out;
	if (o.out[0] != '/') {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%ld/cwd", pid);
		n = readlink(link, cwd, sizeof(cwd) - 1);
		if (n > 0) {
			cwd[n] = '\0';
			if (strcmp(o.out, ".") != 0 &&
			    strlen(cwd) + 1 + strlen(o.out) < sizeof(cwd)) {
				strcat(cwd, "/");
				strcat(cwd, o.out);
			}
			dir = cwd;
		}
	}
	printf("sent %s to process %ld; its snapshot goes to '%s'\n", signame, pid, dir);
	return MSGS_EXIT_OK;
}
