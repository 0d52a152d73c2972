/*
 * cmd_run.c: heapsnap run: preload libheapsnap.so into a command and exec it.
 *
 * Owns the run flags, the search for the preload library and the exec,
 * with HEAPSNAP_RUN_PID naming the command's pid (src/execenv.h: by default
 * only the command is traced).
 * The flags come from the library's option table (options_keys): each key
 * is a flag --KEY VALUE ('_' written '-'; -o for out), a bool key that
 * defaults to on is --no-KEY (off: --KEY), so a new key is a new flag with
 * no change here. Single-threaded, called once.
 * Invariants: (1) the composed options are validated with options_parse()
 * (the library's own parser) before anything is changed, and a bad flag is
 * exit 1; (2) HEAPSNAP_OPTIONS is the environment's value, then --options,
 * then the flags: later keys win, so flags beat the environment; (3) our
 * library goes first in LD_PRELOAD, the user's entries stay after it;
 * (4) the command replaces this process (execvp): the pid and the exit
 * status are the application's; exec failure is 127 (not found) or 126,
 * as in a shell; (5) --jit asks the JIT runtimes to write a perf map
 * (/tmp/perf-PID.map, which the library reads to name JIT code): node's
 * flags go first in NODE_OPTIONS, the user's NODE_OPTIONS stay after them
 * (and win); PYTHONPERFSUPPORT=1 for Python >= 3.12 unless already set.
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

/* getopt_long values of the key flags: FLAG_KEY + row of options_keys. */
enum { FLAG_KEY = 256, FLAG_OPTIONS = 'O', FLAG_HELP = 'h', FLAG_JIT = 'J' };
/* What --jit adds to NODE_OPTIONS: a perf map, and a native frame per
 * interpreted JS function (else they all show as the interpreter). */
#define JIT_NODE_OPTIONS "--perf-basic-prof --interpreted-frames-native-stack"
#define FLAG_NAME_MAX 64
#define HELP_COLUMN 24
#define HELP_WIDTH 79

/* Is key k a bool that defaults to on (its flag is then --no-KEY)? */
static bool bool_default_on(const struct options_key *k)
{
	struct options d;

	options_defaults(&d);
	return k->type == OPTIONS_BOOL && *(const bool *)((const char *)&d + k->offset);
}

/* The long flag of key k, without the leading "--". */
static void flag_name(const struct options_key *k, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s%s", bool_default_on(k) ? "no-" : "", k->key);

	for (size_t i = 0; i < n && i < len; i++)
		if (buf[i] == '_')
			buf[i] = '-';
}

/* "  -o, --out DIR" + text, text wrapped at HELP_WIDTH under HELP_COLUMN. */
static void help_line(FILE *out, const char *left, const char *text)
{
	int col = fprintf(out, "%s", left);
	const char *p = text;

	if (col >= HELP_COLUMN - 1) {
		fputc('\n', out);
		col = 0;
	}
	while (*p) {
		size_t word = strcspn(p, " ");

		if (col > HELP_COLUMN && col + 1 + (int)word > HELP_WIDTH) {
			fputc('\n', out);
			col = 0;
		}
		if (col < HELP_COLUMN)
			col += fprintf(out, "%*s", HELP_COLUMN - col, "");
		else
			col += fprintf(out, " ");
		col += fprintf(out, "%.*s", (int)word, p);
		p += word;
		p += strspn(p, " ");
	}
	fputc('\n', out);
}

static void usage(FILE *out)
{
	char name[FLAG_NAME_MAX], left[2 * FLAG_NAME_MAX], text[512];

	fputs(
"usage: heapsnap run [OPTIONS] [--] CMD [ARGS...]\n"
"Run CMD with libheapsnap.so preloaded; snapshots are written as\n"
"DIR/heapsnap.<prog>.<pid>.<seq>.db. The pid and exit status are CMD's.\n"
"\n", out);
	for (size_t i = 0; i < options_nkeys; i++) {
		const struct options_key *k = &options_keys[i];

		flag_name(k, name, sizeof(name));
		if (k->type == OPTIONS_BOOL) {
			snprintf(left, sizeof(left), "      --%s", name);
			snprintf(text, sizeof(text), "%s: %s", bool_default_on(k) ? "turn off" : "turn on",
				 k->help);
		} else {
			if (k->short_flag)
				snprintf(left, sizeof(left), "  -%c, --%s %s", k->short_flag, name, k->metavar);
			else
				snprintf(left, sizeof(left), "      --%s %s", name, k->metavar);
			snprintf(text, sizeof(text), "%s (default %s)", k->help, k->dflt);
		}
		help_line(out, left, text);
	}
	help_line(out, "      --options STR", "more HEAPSNAP_OPTIONS text (key=value:key=value)");
	help_line(out, "      --jit", "name JIT-compiled code: node gets " JIT_NODE_OPTIONS
		  " in NODE_OPTIONS (before the user's), python >= 3.12 PYTHONPERFSUPPORT=1; "
		  "their perf map /tmp/perf-PID.map names the frames");
	help_line(out, "  -h, --help", "show this help and exit");
	fputs(
"\n"
"Sizes take K, M, G = 1024, 1024^2, 1024^3; seconds take ms, s, m, h.\n"
"Flags override --options, which overrides HEAPSNAP_OPTIONS in the\n"
"environment. HEAPSNAP_LIB names the library to preload.\n"
"Exit status: CMD's; 1 usage error, 2 directory or library problem,\n"
"126 CMD not executable, 127 CMD not found.\n"
"HEAPSNAP_OPTIONS keys (man libheapsnap):", out);
	for (size_t i = 0; i < options_nkeys; i++)
		fprintf(out, " %s", options_keys[i].key);
	fputc('\n', out);
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
	struct option longopts[options_nkeys + 4];
	char names[options_nkeys][FLAG_NAME_MAX], shortopts[8 + 2 * options_nkeys];
	const char *flag[options_nkeys];
	const char *extra = NULL;
	bool jit = false;
	char *node_options = NULL;
	char *out_abs = NULL, *text = NULL, *lib = NULL, *preload = NULL, err[256];
	struct options o;
	int c, status;
	size_t ns = 0;

	/* The flags, from the option table. */
	shortopts[ns++] = '+';
	shortopts[ns++] = ':';
	for (size_t i = 0; i < options_nkeys; i++) {
		const struct options_key *k = &options_keys[i];

		flag[i] = NULL;
		flag_name(k, names[i], sizeof(names[i]));
		longopts[i] = (struct option){ names[i],
			k->type == OPTIONS_BOOL ? no_argument : required_argument, NULL,
			FLAG_KEY + (int)i };
		if (k->short_flag) {
			shortopts[ns++] = k->short_flag;
			if (k->type != OPTIONS_BOOL)
				shortopts[ns++] = ':';
		}
	}
	longopts[options_nkeys] = (struct option){ "options", required_argument, NULL, FLAG_OPTIONS };
	longopts[options_nkeys + 1] = (struct option){ "help", no_argument, NULL, FLAG_HELP };
	longopts[options_nkeys + 2] = (struct option){ "jit", no_argument, NULL, FLAG_JIT };
	longopts[options_nkeys + 3] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[ns++] = 'h';
	shortopts[ns] = '\0';

	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		int row = -1;

		for (size_t i = 0; i < options_nkeys; i++)
			if (c == FLAG_KEY + (int)i || (options_keys[i].short_flag &&
						      c == options_keys[i].short_flag))
				row = (int)i;
		if (row >= 0) {
			const struct options_key *k = &options_keys[row];

			flag[row] = k->type == OPTIONS_BOOL ? (bool_default_on(k) ? "0" : "1") : optarg;
			continue;
		}
		switch (c) {
		case FLAG_OPTIONS: extra = optarg; break;
		case FLAG_JIT: jit = true; break;
		case FLAG_HELP: usage(stdout); return MSGS_EXIT_OK;
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
	for (size_t i = 0; i < options_nkeys; i++) {
		if (flag[i] && flag[i][strcspn(flag[i], ":,")]) {
			msgs_error("bad value '%s' for --%s: HEAPSNAP_OPTIONS cannot hold ':' or ','",
				   flag[i], names[i]);
			return MSGS_EXIT_USAGE;
		}
	}
	/* An absolute out= survives the program changing its directory. */
	for (size_t i = 0; i < options_nkeys; i++) {
		if (!flag[i] || options_keys[i].type != OPTIONS_DIR)
			continue;
		free(out_abs);
		out_abs = absolute(flag[i]);
		if (out_abs[strcspn(out_abs, ":,")]) {
			msgs_error("cannot use output directory '%s': HEAPSNAP_OPTIONS cannot "
				   "hold ':' or ','; give an absolute --%s", out_abs, names[i]);
			status = MSGS_EXIT_USAGE;
			goto out;
		}
		flag[i] = out_abs;
	}
	text = join(env, ":", extra);
	for (size_t i = 0; i < options_nkeys; i++) {
		char *item, *next;

		if (!flag[i])
			continue;
		item = join(options_keys[i].key, "=", flag[i]);
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
	if (jit) {
		const char *user = getenv("NODE_OPTIONS");
		node_options = join(JIT_NODE_OPTIONS, " ", user);
		if (setenv("NODE_OPTIONS", node_options, 1) < 0 || setenv("PYTHONPERFSUPPORT", "1", 0) < 0) {
			msgs_error("cannot set the environment: %s", strerror(errno));
			status = MSGS_EXIT_INTERNAL;
			goto out;
		}
	}
	fflush(NULL);
	execvp(argv[optind], argv + optind);
	int e = errno;
	msgs_error("cannot run '%s': %s", argv[optind], strerror(e));
	status = e == ENOENT || e == ENOTDIR ? MSGS_EXIT_NOTFOUND : MSGS_EXIT_NOEXEC;
out:
	free(node_options);
	free(preload);
	free(lib);
	free(text);
	free(out_abs);
	return status;
}
