/*
 * cmd_snapshot.c: heapsnap snapshot PID: ask a tracked process for a snapshot.
 *
 * Owns the subcommand's arguments and output. The request goes through the
 * process's control channel (ctlclient.c), never through a signal: a
 * process whose tracker is off, or whose program installed its own handler
 * for the snapshot signal (at start-up or later), is refused with a clear
 * message and left untouched. Single-threaded.
 */
#include "cmd.h"
#include "ctlclient.h"
#include "msgs.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs(
"usage: heapsnap snapshot [--wait] [--timeout SECONDS] PID\n"
"Ask process PID, started under 'heapsnap run' (or with libheapsnap.so in\n"
"LD_PRELOAD), to write a snapshot now, through its control channel (a Unix\n"
"socket of the tracker's; no signal is sent). Only the process's user or\n"
"root may ask.\n"
"\n"
"  -w, --wait           wait until the file is complete and print its path\n"
"  -t, --timeout SECS   how long --wait waits for the reply (default 120)\n"
"  -h, --help           show this help and exit\n"
"\n"
"Exit status: 0 requested (or written, with --wait), 1 usage error, 3 no such\n"
"process, not traced, tracker off, another user's process, or the snapshot\n"
"failed.\n", out);
}

int cmd_snapshot(int argc, char **argv)
{
	bool wait = false;
	double timeout = 120;
	const char *pidarg = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return MSGS_EXIT_OK;
		} else if (!strcmp(a, "--wait") || !strcmp(a, "-w")) {
			wait = true;
		} else if (!strcmp(a, "--timeout") || !strcmp(a, "-t")) {
			char *end;
			if (i + 1 >= argc) {
				msgs_error("snapshot: %s needs a number of seconds", a);
				return MSGS_EXIT_USAGE;
			}
			timeout = strtod(argv[++i], &end);
			if (end == argv[i] || *end || !(timeout > 0) || timeout > 86400) {
				msgs_error("snapshot: invalid timeout '%s': expected seconds, 0 < s <= 86400", argv[i]);
				return MSGS_EXIT_USAGE;
			}
		} else if (a[0] == '-' && a[1]) {
			msgs_error("snapshot: unknown option '%s'; try 'heapsnap snapshot --help'", a);
			return MSGS_EXIT_USAGE;
		} else if (pidarg) {
			msgs_error("snapshot: expected one process id, got '%s' and '%s'", pidarg, a);
			return MSGS_EXIT_USAGE;
		} else {
			pidarg = a;
		}
	}
	if (!pidarg) {
		msgs_error("snapshot: expected one process id; usage: heapsnap snapshot [--wait] PID");
		return MSGS_EXIT_USAGE;
	}
	long pid = ctl_parse_pid("snapshot", pidarg);
	if (pid < 0)
		return MSGS_EXIT_USAGE;
	char reply[4096];
	int rc = ctl_request(pid, wait ? "snapshot wait" : "snapshot", wait ? timeout : 5, reply, sizeof(reply));
	if (rc != MSGS_EXIT_OK)
		return rc;
	if (wait) {
		printf("%s\n", reply);
	} else {
		const char *dir = strncmp(reply, "requested ", 10) == 0 ? reply + 10 : reply;
		printf("requested a snapshot of process %ld; it goes to '%s'\n", pid, dir);
	}
	return MSGS_EXIT_OK;
}
