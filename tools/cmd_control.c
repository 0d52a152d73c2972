/*
 * cmd_control.c: heapsnap start | stop | status | ps: a traced process's
 * tracking window, from outside.
 *
 * Owns these subcommands' arguments and output. Every request goes through
 * the process's control channel (ctlclient.c), never a signal; values are
 * checked here with the library's own option parser (options.c: --for has
 * duration='s form, --sample sample='s, --interval interval='s), and again
 * by the tracker. `ps` finds the channels in /proc/net/unix (abstract names
 * "@heapsnap.PID.START"; a START that is not the process's own is an
 * earlier process's name, skipped) and shows the ones of this user's processes (every one
 * for root). Single-threaded.
 */
#include "cmd.h"
#include "control_proto.h"
#include "ctlclient.h"
#include "msgs.h"
#include "options.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reply of status: the value of key (tab-separated key=value), or "". */
static void field(const char *reply, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);
	out[0] = '\0';
	for (const char *p = reply; p && *p; p = strchr(p, '\t') ? strchr(p, '\t') + 1 : NULL) {
		if (!strncmp(p, key, k) && p[k] == '=') {
			const char *v = p + k + 1;
			size_t n = strcspn(v, "\t");
			snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), v);
			return;
		}
	}
}

/* One value through options.c's parser for key: the same forms and
 * bounds as HEAPSNAP_OPTIONS. */
static bool parse_as(const char *cmd, const char *flag, const char *key, const char *val,
		     struct options *o)
{
	char text[512], err[1024];
	snprintf(text, sizeof(text), "%s=%s", key, val);
	if (strchr(val, ':') || strchr(val, ',') || options_parse(text, o, err, sizeof(err)) != 0) {
		const struct options_key *k = options_find(key, strlen(key));
		char acc[256] = "";
		if (k)
			options_accepted(k, acc, sizeof(acc));
		msgs_error("%s: invalid %s '%s': %s", cmd, flag, val, acc);
		return false;
	}
	return true;
}

static void start_usage(FILE *out)
{
	fputs(
"usage: heapsnap start [--for DURATION] [--sample SIZE] [--interval SECS] PID\n"
"Open a tracking window in process PID (traced, typically started with\n"
"start=off): a baseline snapshot now, one every --interval seconds, and a\n"
"last one when the window ends; then the hooks only forward again.\n"
"\n"
"  -f, --for DURATION   length of the window: seconds, or with a unit s, m, h\n"
"                       (default: the process's duration=, else 10m)\n"
"  -s, --sample SIZE    sampling mean in the window (K, M, G suffixes;\n"
"                       default: unchanged)\n"
"  -i, --interval SECS  snapshots in the window every SECS (0: none between\n"
"                       the first and the last; default: the interval= option)\n"
"  -h, --help           show this help and exit\n"
"\n"
"Prints the baseline snapshot's path. Exit status: 0 the window is open,\n"
"1 usage error, 3 no such process, not traced, another user's, a window\n"
"already open, or tracking stopped for good.\n", out);
}

/* The PID argument of a command with no other operand. */
static int one_pid(const char *cmd, const char *pidarg, long *pid)
{
	if (!pidarg) {
		msgs_error("%s: expected one process id; try 'heapsnap %s --help'", cmd, cmd);
		return MSGS_EXIT_USAGE;
	}
	*pid = ctl_parse_pid(cmd, pidarg);
	return *pid < 0 ? MSGS_EXIT_USAGE : MSGS_EXIT_OK;
}

int cmd_start(int argc, char **argv)
{
	struct options o;
	options_defaults(&o);
	const char *pidarg = NULL;
	char req[256] = "start";
	size_t n = strlen(req);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *key = NULL, *word = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			start_usage(stdout);
			return MSGS_EXIT_OK;
		} else if (!strcmp(a, "--for") || !strcmp(a, "-f")) {
			key = "duration", word = "for";
		} else if (!strcmp(a, "--sample") || !strcmp(a, "-s")) {
			key = "sample", word = "sample";
		} else if (!strcmp(a, "--interval") || !strcmp(a, "-i")) {
			key = "interval", word = "interval";
		} else if (a[0] == '-' && a[1]) {
			msgs_error("start: unknown option '%s'; try 'heapsnap start --help'", a);
			return MSGS_EXIT_USAGE;
		} else if (pidarg) {
			msgs_error("start: expected one process id, got '%s' and '%s'", pidarg, a);
			return MSGS_EXIT_USAGE;
		} else {
			pidarg = a;
			continue;
		}
		if (i + 1 >= argc) {
			msgs_error("start: %s needs a value", a);
			return MSGS_EXIT_USAGE;
		}
		if (!parse_as("start", a, key, argv[++i], &o))
			return MSGS_EXIT_USAGE;
		if (!strcmp(key, "duration") && o.duration == 0) {
			msgs_error("start: invalid --for '%s': a window always ends; give a duration above 0",
				   argv[i]);
			return MSGS_EXIT_USAGE;
		}
		if (!strcmp(key, "duration"))
			n += (size_t)snprintf(req + n, sizeof(req) - n, " for=%.6f", o.duration);
		else if (!strcmp(key, "sample"))
			n += (size_t)snprintf(req + n, sizeof(req) - n, " sample=%llu", (unsigned long long)o.sample);
		else
			n += (size_t)snprintf(req + n, sizeof(req) - n, " interval=%.6f", o.interval);
		(void)word;
	}
	long pid;
	int rc = one_pid("start", pidarg, &pid);
	if (rc)
		return rc;
	char reply[4096], path[4096];
	rc = ctl_request(pid, req, 120, reply, sizeof(reply));
	if (rc != MSGS_EXIT_OK)
		return rc;
	const char *b = strstr(reply, "baseline=");
	snprintf(path, sizeof(path), "%s", b ? b + 9 : "");
	char len[64] = "", iv[64] = "";
	const char *f = strstr(reply, "for="), *v = strstr(reply, "interval=");
	if (f)
		sscanf(f + 4, "%63s", len);
	if (v)
		sscanf(v + 9, "%63s", iv);
	fprintf(stderr, "heapsnap: process %ld: window open for %s s, snapshots every %s s (0: none "
		"between the first and the last)\n", pid, len, iv);
	printf("%s\n", path);
	return MSGS_EXIT_OK;
}

int cmd_stop(int argc, char **argv)
{
	const char *pidarg = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs("usage: heapsnap stop PID\n"
			      "Close process PID's tracking window: tracking stops, a last snapshot is\n"
			      "written (its path is printed) and the hooks only forward again.\n"
			      "Exit status: 0 stopped, 1 usage error, 3 no such process, not traced,\n"
			      "another user's, or no window open.\n", stdout);
			return MSGS_EXIT_OK;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			msgs_error("stop: unknown option '%s'; try 'heapsnap stop --help'", argv[i]);
			return MSGS_EXIT_USAGE;
		} else if (pidarg) {
			msgs_error("stop: expected one process id, got '%s' and '%s'", pidarg, argv[i]);
			return MSGS_EXIT_USAGE;
		}
		pidarg = argv[i];
	}
	long pid;
	int rc = one_pid("stop", pidarg, &pid);
	if (rc)
		return rc;
	char reply[4096];
	rc = ctl_request(pid, "stop", 120, reply, sizeof(reply));
	if (rc != MSGS_EXIT_OK)
		return rc;
	const char *l = strstr(reply, "last=");
	printf("%s\n", l ? l + 5 : reply);
	return MSGS_EXIT_OK;
}

static void print_status(long pid, const char *reply)
{
	static const char *const keys[] = {"state", "window_start", "window_end", "uptime", "files", "last",
					   "out", "tracker_bytes", "sample", "interval", "samples_dropped",
					   "reason"};
	char v[4200];
	printf("pid: %ld\n", pid);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		field(reply, keys[i], v, sizeof(v));
		if (v[0])
			printf("%s: %s\n", keys[i], v);
	}
	char ws[64], we[64], up[64];
	field(reply, "window_start", ws, sizeof(ws));
	field(reply, "window_end", we, sizeof(we));
	field(reply, "uptime", up, sizeof(up));
	field(reply, "state", v, sizeof(v));
	if (!strcmp(v, "running") && atof(we) > 0)
		printf("window_left: %.1f s\n", atof(we) - atof(up));
}

int cmd_status(int argc, char **argv)
{
	const char *pidarg = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs("usage: heapsnap status PID\n"
			      "Show process PID's tracker: state (running, dormant, stopped; closing\n"
			      "while a window's last file is written), its window (seconds since\n"
			      "the tracker started), snapshot files written,\n"
			      "the newest file, tracker memory, sampling mean and interval.\n"
			      "Exit status: 0, 1 usage error, 3 no such process, not traced, another\n"
			      "user's.\n", stdout);
			return MSGS_EXIT_OK;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			msgs_error("status: unknown option '%s'; try 'heapsnap status --help'", argv[i]);
			return MSGS_EXIT_USAGE;
		} else if (pidarg) {
			msgs_error("status: expected one process id, got '%s' and '%s'", pidarg, argv[i]);
			return MSGS_EXIT_USAGE;
		}
		pidarg = argv[i];
	}
	long pid;
	int rc = one_pid("status", pidarg, &pid);
	if (rc)
		return rc;
	char reply[4096];
	rc = ctl_request(pid, "status", 5, reply, sizeof(reply));
	if (rc != MSGS_EXIT_OK)
		return rc;
	print_status(pid, reply);
	return MSGS_EXIT_OK;
}

int cmd_ps(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs("usage: heapsnap ps\n"
			      "List the traced processes of this user (all of them for root): those\n"
			      "with a heapsnap control channel, with their tracker's state and files.\n"
			      "Exit status: 0, 1 usage error, 2 /proc/net/unix unreadable.\n", stdout);
			return MSGS_EXIT_OK;
		}
		msgs_error("ps: unexpected argument '%s'; try 'heapsnap ps --help'", argv[i]);
		return MSGS_EXIT_USAGE;
	}
	FILE *f = fopen("/proc/net/unix", "re");
	if (!f) {
		msgs_error("ps: cannot read /proc/net/unix: %m (is /proc mounted?)");
		return MSGS_EXIT_INPUT;
	}
	char line[4096];
	long seen[4096];
	size_t nseen = 0;
	printf("%-8s %-8s %-6s %s\n", "PID", "STATE", "FILES", "COMMAND");
	while (fgets(line, sizeof(line), f)) {
		const char *at = strstr(line, " @heapsnap.");
		if (!at)
			continue;
		/* "@heapsnap.PID.START" (control_proto.h), or "@heapsnap.PID" */
		char *end;
		long pid = strtol(at + 11, &end, 10);
		if (pid > 0 && *end == '.') {
			unsigned long long start = strtoull(end + 1, &end, 10);
			if (start != control_start_ticks(pid))
				continue; /* the name of an earlier process with that pid */
		}
		if (pid <= 0 || (*end && !isspace((unsigned char)*end)))
			continue;
		bool dup = false;
		for (size_t i = 0; i < nseen; i++)
			dup |= seen[i] == pid;
		if (dup || nseen == sizeof(seen) / sizeof(seen[0]))
			continue;
		seen[nseen++] = pid;
		char proc[64], comm[64] = "?";
		struct stat st;
		snprintf(proc, sizeof(proc), "/proc/%ld", pid);
		if (stat(proc, &st) != 0 || (getuid() != 0 && st.st_uid != getuid()))
			continue; /* gone, or another user's */
		snprintf(proc, sizeof(proc), "/proc/%ld/comm", pid);
		FILE *c = fopen(proc, "re");
		if (c) {
			if (fgets(comm, sizeof(comm), c))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(c);
		}
		char reply[4096], state[64] = "unreachable", files[32] = "-";
		if (ctl_request_quiet(pid, "status", 2, reply, sizeof(reply)) == MSGS_EXIT_OK) {
			field(reply, "state", state, sizeof(state));
			field(reply, "files", files, sizeof(files));
			if (!files[0])
				snprintf(files, sizeof(files), "-");
		}
		printf("%-8ld %-8s %-6s %s\n", pid, state, files, comm);
	}
	fclose(f);
	return MSGS_EXIT_OK;
}
