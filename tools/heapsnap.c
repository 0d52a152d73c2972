/*
 * heapsnap.c: the heapsnap command: dispatch to run | snapshot | info |
 * symbolize | export | start | stop | status | ps.
 *
 * Owns the dispatch table, the top-level --help and --version; each
 * subcommand lives in cmd_<name>.c (see cmd.h). Single-threaded.
 * Invariants: unknown or missing subcommands are usage errors (exit 1);
 * the subcommand's return value is the exit status, unchanged.
 */
#include "cmd.h"
#include "msgs.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "run a command with the heap tracker preloaded" },
	{ "snapshot", cmd_snapshot, "ask a tracked process for a snapshot now" },
	{ "info", cmd_info, "show totals and top sites of a snapshot file" },
	{ "symbolize", cmd_symbolize, "write file:line and inlined frames into snapshots" },
	{ "start", cmd_start, "open a tracking window in a traced process (start=off)" },
	{ "stop", cmd_stop, "close a traced process's tracking window" },
	{ "status", cmd_status, "show a traced process's tracker: state, window, files" },
	{ "ps", cmd_ps, "list this user's traced processes" },
	{ "top", cmd_top, "a live view of a traced process's heap and growing sites" },
	{ "export", cmd_export, "write a snapshot as pprof, .heapprofile, folded or SVG" },
};

static void usage(FILE *out)
{
	fputs("usage: heapsnap COMMAND [ARGS...]\n"
	      "Track heap allocations of a program and write snapshots of its\n"
	      "live heap; compare snapshots with heapdiff(1).\n\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n  --help     show this help and exit\n"
	      "  --version  show the version and exit\n\n"
	      "'heapsnap COMMAND --help' describes each command.\n"
	      "Example: heapsnap run -o /tmp/snaps --interval 10 -- ./server\n", out);
}

int main(int argc, char **argv)
{
	msgs_set_prog("heapsnap");
	if (argc < 2) {
		usage(stderr);
		return MSGS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return MSGS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("heapsnap %s\n", PACKAGE_VERSION);
		return MSGS_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		msgs_error("unknown option '%s'; try 'heapsnap --help'", argv[1]);
	else
		msgs_error("unknown command '%s'; try 'heapsnap --help'", argv[1]);
	return MSGS_EXIT_USAGE;
}
