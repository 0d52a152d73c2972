/*
 * cmd_run.c: heapsnap run: preload libheapsnap.so into a command and exec it.
 *
 * Owns the run flags, their one-to-one mapping onto HEAPSNAP_OPTIONS keys
 * (-o/--out out, --sample sample, --interval interval, --signal signal,
 * --depth depth, --unwinder unwinder, --no-at-exit at_exit=0, --follow-exec
 * follow_exec=1), the search for the preload library and the exec, with
 * HEAPSNAP_RUN_PID naming the command's pid (src/execenv.h: by default only
 * the command is traced). Single-threaded, called once.
 * Invariants: (1) the composed options are validated with options_parse()
 * (the library's own parser) before anything is changed, and a bad flag is
 * exit 1; (2) HEAPSNAP_OPTIONS is the environment's value, then --options,
 * then the flags: later keys win, so flags beat the environment; (3) our
 * library goes first in LD_PRELOAD, the user's entries stay after it;
 * (4) the command replaces this process (execvp): the pid and the exit
 * status are the application's; exec failure is 127 (not found) or 126,
 * as in a shell.
 */
#include "cmd.h"
#include "msgs.h"
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HEAPSNAP_LIBDIR
#define HEAPSNAP_LIBDIR "/usr/local/lib"
#endif
#define LIBNAME "libheapsnap.so"

/* Flags that map onto HEAPSNAP_OPTIONS keys, in the order they are added. */
enum { F_OUT, F_SAMPLE, F_INTERVAL, F_SIGNAL, F_DEPTH, F_UNWINDER, F_AT_EXIT, F_FOLLOW_EXEC, F_N };
static const char *const flag_key[F_N] = {
	"out", "sample", "interval", "signal", "depth", "unwinder", "at_exit", "follow_exec",
};
static const char *const flag_name[F_N] = {
	"--out", "--sample", "--interval", "--signal", "--depth", "--unwinder", "--no-at-exit",
	"--follow-exec",
};

static void usage(FILE *out)
{
	fputs(
"usage: heapsnap run [OPTIONS] [--] CMD [ARGS...]\n"
"Run CMD with libheapsnap.so preloaded; snapshots are written as\n"
"DIR/heapsnap.<prog>.<pid>.<seq>.db. The pid and exit status are CMD's.\n"
"\n"
"  -o, --out DIR         snapshot directory, created if missing (default .)\n"
"      --sample SIZE     mean bytes between samples; 1 = every allocation;\n"
"                        K, M, G = 1024, 1024^2, 1024^3 (default 512K)\n"
"      --interval SECS   also snapshot every SECS seconds; units ms, s, m, h\n"
"                        (default 0 = off)\n"
"      --signal SIG      signal that requests a snapshot, name or number;\n"
"                        0 or none = off (default SIGUSR2)\n"
"      --depth N         frames kept per stack, 1-128 (default 64)\n"
"      --unwinder NAME   libunwind or fp (frame pointers) (default libunwind)\n"
"      --no-at-exit      no snapshot when the program exits\n"
"      --follow-exec     also trace the programs CMD executes (by default only\n"
"                        CMD is traced, with its forks and same-pid execs)\n"
"      --options STR     more HEAPSNAP_OPTIONS text (key=value:key=value)\n"
"  -h, --help            show this help and exit\n"
"\n"
"Flags override --options, which overrides HEAPSNAP_OPTIONS in the\n"
"environment. HEAPSNAP_LIB names the library to preload.\n"
"Exit status: CMD's; 1 usage error, 2 directory or library problem,\n"
"126 CMD not executable, 127 CMD not found.\n", out);
}

/* "a" + ":" + "b" into a new string; empty parts are skipped. */
static char *join(const char *a, const char *sep, const char *b)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
	char *s = msgs_xmalloc(la + strlen(sep) + lb + 1);

	s[0] = '\0';
	if (la)
		strcat(s, a);
	if (la && lb)
		strcat(s, sep);
	if (lb)
		strcat(s, b);
	return s;
}

/* DIR made absolute against the current directory (not resolved: the
 * directory may not exist yet). */
static char *absolute(const char *dir)
{
	char cwd[PATH_MAX];

	if (dir[0] == '/')
		return msgs_xstrdup(dir);
	if (!getcwd(cwd, sizeof(cwd)))
		return msgs_xstrdup(dir);   /* keep it relative: exec keeps our cwd */
	return join(cwd, "/", dir);
}

/* mkdir -p DIR. Returns 0 or -1 after msgs_error(). */
static int make_dir(const char *dir)
{
	char *path = msgs_xstrdup(dir);
	struct stat st;

	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			int e = errno;
			free(path);
			return msgs_error("cannot create output directory '%s': %s",
					  dir, strerror(e));
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(path);
	if (stat(dir, &st) < 0)
		return msgs_error("cannot create output directory '%s': %s", dir,
				  strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return msgs_error("cannot use output directory '%s': %s", dir,
				  strerror(ENOTDIR));
	if (access(dir, W_OK | X_OK) < 0)
		return msgs_error("cannot write to output directory '%s': %s", dir,
				  strerror(errno));
	return 0;
}

/* The library to preload, absolute; NULL after msgs_error(). */
static char *find_library(void)
{
	char self[PATH_MAX], *slash, *found;
	char tried[2][PATH_MAX + 64];
	const char *env = getenv("HEAPSNAP_LIB");
	ssize_t n;
	int ntried = 0;

	if (env && *env) {
		found = realpath(env, NULL);
		if (!found || access(found, R_OK) < 0) {
			msgs_error("cannot use HEAPSNAP_LIB='%s': %s", env, strerror(errno));
			free(found);
			return NULL;
		}
		return found;
	}
	/* Build tree: this binary is tools/heapsnap, the library src/.libs/. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(tried[ntried], sizeof(tried[0]), "%s/../src/.libs/" LIBNAME, self);
			found = realpath(tried[ntried++], NULL);
			if (found && access(found, R_OK) == 0)
				return found;
			free(found);
		}
	}
	snprintf(tried[ntried], sizeof(tried[0]), "%s", HEAPSNAP_LIBDIR "/" LIBNAME);
	found = realpath(tried[ntried++], NULL);
	if (found && access(found, R_OK) == 0)
		return found;
	free(found);
	if (ntried == 2)
		msgs_error("cannot find " LIBNAME ": tried '%s' and '%s'; set HEAPSNAP_LIB "
			   "to its path", tried[0], tried[1]);
	else
		msgs_error("cannot find " LIBNAME ": tried '%s'; set HEAPSNAP_LIB to its "
			   "path", tried[0]);
	return NULL;
}

/* LIB first, then the entries of the existing LD_PRELOAD other than LIB. */
static char *compose_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *copy, *tok, *save, *out = msgs_xstrdup(lib);

	if (!old || !*old)
		return out;
	copy = msgs_xstrdup(old);
	for (tok = strtok_r(copy, ": \t", &save); tok; tok = strtok_r(NULL, ": \t", &save)) {
		char *next;

		if (!strcmp(tok, lib))
			continue;
		next = join(out, ":", tok);
		free(out);
		out = next;
	}
	free(copy);
	return out;
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "sample", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "signal", required_argument, NULL, 'S' },
		{ "depth", required_argument, NULL, 'd' },
		{ "unwinder", required_argument, NULL, 'u' },
		{ "no-at-exit", no_argument, NULL, 'n' },
		{ "follow-exec", no_argument, NULL, 'f' },
		{ "options", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *flag[F_N] = { NULL };
	const char *extra = NULL;
	char *out_abs = NULL, *text = NULL, *lib = NULL, *preload = NULL, err[256];
	struct options o;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': flag[F_OUT] = optarg; break;
		case 's': flag[F_SAMPLE] = optarg; break;
		case 'i': flag[F_INTERVAL] = optarg; break;
		case 'S': flag[F_SIGNAL] = optarg; break;
		case 'd': flag[F_DEPTH] = optarg; break;
		case 'u': flag[F_UNWINDER] = optarg; break;
		case 'n': flag[F_AT_EXIT] = "0"; break;
		case 'f': flag[F_FOLLOW_EXEC] = "1"; break;
		case 'O': extra = optarg; break;
		case 'h': usage(stdout); return MSGS_EXIT_OK;
		case ':':
			msgs_error("run: option '%s' needs a value; try 'heapsnap run --help'",
				   argv[optind - 1]);
			return MSGS_EXIT_USAGE;
		default:
			msgs_error("run: unknown option '%s'; try 'heapsnap run --help'",
				   argv[optind - 1]);
			return MSGS_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		msgs_error("run: no command to run; usage: heapsnap run [OPTIONS] -- CMD [ARGS...]");
		return MSGS_EXIT_USAGE;
	}

	/* Compose: environment, then --options, then the flags (invariant 2). */
	const char *env = getenv("HEAPSNAP_OPTIONS");
	options_defaults(&o);
	if (env && options_parse(env, &o, err, sizeof(err)) < 0) {
		msgs_error("%s (in HEAPSNAP_OPTIONS in the environment)", err);
		return MSGS_EXIT_USAGE;
	}
	for (int i = 0; i < F_N; i++) {
		if (flag[i] && flag[i][strcspn(flag[i], ":,")]) {
			msgs_error("bad value '%s' for %s: HEAPSNAP_OPTIONS cannot hold ':' or ','",
				   flag[i], flag_name[i]);
			return MSGS_EXIT_USAGE;
		}
	}
	/* An absolute out= survives the program changing its directory. */
	if (flag[F_OUT]) {
		out_abs = absolute(flag[F_OUT]);
		if (out_abs[strcspn(out_abs, ":,")]) {
			msgs_error("cannot use output directory '%s': HEAPSNAP_OPTIONS cannot "
				   "hold ':' or ','; give an absolute -o", out_abs);
			status = MSGS_EXIT_USAGE;
			goto out;
		}
		flag[F_OUT] = out_abs;
	}
	text = join(env, ":", extra);
	for (int i = 0; i < F_N; i++) {
		char *item, *next;

		if (!flag[i])
			continue;
		item = join(flag_key[i], "=", flag[i]);
		next = join(text, ":", item);
		free(item);
		free(text);
		text = next;
	}
	options_defaults(&o);
	if (options_parse(text, &o, err, sizeof(err)) < 0) {
		msgs_error("%s", err);
		status = MSGS_EXIT_USAGE;
		goto out;
	}

	status = MSGS_EXIT_INPUT;
	lib = find_library();
	if (!lib)
		goto out;
	if (lib[strcspn(lib, ": \t")]) {
		msgs_error("cannot preload '%s': LD_PRELOAD cannot hold ':' or spaces; "
			   "set HEAPSNAP_LIB to a path without them", lib);
		goto out;
	}
	if (make_dir(o.out) < 0)
		goto out;

	preload = compose_preload(lib);
	/* exec keeps the pid: the library knows the command by it (execenv.h) */
	char run_pid[24];
	snprintf(run_pid, sizeof(run_pid), "%ld", (long)getpid());
	if (setenv("HEAPSNAP_OPTIONS", text, 1) < 0 || setenv("LD_PRELOAD", preload, 1) < 0 ||
	    setenv("HEAPSNAP_RUN_PID", run_pid, 1) < 0) {
		msgs_error("cannot set the environment: %s", strerror(errno));
		status = MSGS_EXIT_INTERNAL;
		goto out;
	}
	fflush(NULL);
	execvp(argv[optind], argv + optind);
	int e = errno;
	msgs_error("cannot run '%s': %s", argv[optind], strerror(e));
	status = e == ENOENT || e == ENOTDIR ? MSGS_EXIT_NOTFOUND : MSGS_EXIT_NOEXEC;
out:
	free(preload);
	free(lib);
	free(text);
	free(out_abs);
	return status;
}
