/*
 * ctlclient.c: connect, request, reply; and why a process cannot be reached.
 *
 * Invariant: never signals the target; a process that is absent, untracked
 * or has its tracker off is only looked at (/proc/PID), never touched.
 */
#define _GNU_SOURCE 1 /* struct ucred */
#include "ctlclient.h"

#include "control_proto.h"
#include "msgs.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* ctl_request_quiet: the same request, no message (heapsnap ps). */
static bool quiet;
#define ctl_error(...) \
	do { \
		if (!quiet) \
			msgs_error(__VA_ARGS__); \
	} while (0)

long ctl_parse_pid(const char *what, const char *arg)
{
	char *end;
	errno = 0;
	long pid = strtol(arg, &end, 10);
	if (errno || end == arg || *end || pid <= 0 || pid > INT_MAX) {
		msgs_error("%s: invalid process id '%s': expected a positive integer", what, arg);
		return -1;
	}
	return pid;
}

/* Is a shared object named libheapsnap* mapped in process pid? -1 when
 * its maps cannot be read. */
static int has_library(long pid)
{
	char path[64], line[4096];
	snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *slash = strrchr(line, '/');
		if (slash && strncmp(slash + 1, "libheapsnap", 11) == 0)
			found = 1;
	}
	fclose(f);
	return found;
}

/* Says why process pid has no channel to connect to. */
static int unreachable(long pid, int err)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	if (stat(path, &st) != 0) {
		ctl_error("no process with pid %ld", pid);
		return MSGS_EXIT_PROCESS;
	}
	int lib = has_library(pid);
	if (lib == 0)
		ctl_error("process %ld is not traced by heapsnap (libheapsnap is not loaded); start it "
			   "with 'heapsnap run -- CMD' or LD_PRELOAD=libheapsnap.so", pid);
	else if (lib > 0)
		ctl_error("process %ld has libheapsnap loaded but its tracker is not running (it said why "
			   "on its stderr at start-up: HEAPSNAP_OPTIONS, out= directory, or a failure); "
			   "nothing was sent", pid);
	else
		ctl_error("cannot reach process %ld: %s (no control channel; is it traced, and in this "
			   "network namespace?)", pid, strerror(err));
	return MSGS_EXIT_PROCESS;
}

/* Connects to process pid's channel: the name with its start time, else
 * the name without it (a tracker that could not read its own start time).
 * The socket; -errno of the first attempt; NO_SOCKET (said) when no socket
 * could be made. */
#define NO_SOCKET INT_MIN
static int connect_channel(long pid)
{
	unsigned long long start = control_start_ticks(pid);
	int first = 0;
	for (int i = 0; i < (start ? 2 : 1); i++) {
		struct sockaddr_un addr;
		socklen_t alen = control_address(&addr, pid, i == 0 ? start : 0);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			ctl_error("cannot create a socket: %s", strerror(errno));
			return NO_SOCKET;
		}
		if (connect(fd, (struct sockaddr *)&addr, alen) == 0)
			return fd;
		if (!first)
			first = errno;
		close(fd);
	}
	return -first;
}

/* multi: the reply is "ok ..." lines up to a line "end" (control_proto.h:
 * "top"); reply then gets them all, '\n'-separated, "ok " and "end" cut. */
static int request(long pid, const char *request, double timeout, char *reply, size_t len, bool multi)
{
	char proc[64];
	struct stat st;
	snprintf(proc, sizeof(proc), "/proc/%ld", pid);
	if (stat(proc, &st) == 0 && st.st_uid != getuid() && getuid() != 0) {
		/* the tracker would refuse too (SO_PEERCRED); say it plainly */
		ctl_error("process %ld belongs to uid %u; run as that user or root", pid, (unsigned)st.st_uid);
		return MSGS_EXIT_PROCESS;
	}
	int fd = connect_channel(pid);
	if (fd < 0)
		return fd == NO_SOCKET ? MSGS_EXIT_INTERNAL : unreachable(pid, -fd);
	/* the name holds the pid and its start time; the peer's pid proves it
	 * (0 when the tracker is in another pid namespace) */
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 && (long)cred.pid != pid) {
		ctl_error("process %ld: the control channel under its name is served by %s %ld; nothing was "
			   "sent (run heapsnap in the traced process's pid namespace)",
			   pid, cred.pid ? "process" : "a process outside this pid namespace,", (long)cred.pid);
		close(fd);
		return MSGS_EXIT_PROCESS;
	}
	struct timeval tv = {(time_t)timeout, (suseconds_t)((timeout - (double)(time_t)timeout) * 1e6)};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	char line[CONTROL_LINE_MAX + 2];
	int n = snprintf(line, sizeof(line), "%s\n", request);
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		ctl_error("process %ld: cannot send the request: %s", pid, strerror(errno));
		close(fd);
		return MSGS_EXIT_PROCESS;
	}
	static char buf[CONTROL_TOP_REPLY_MAX + 2];
	size_t got = 0, limit = multi ? sizeof(buf) - 1 : CONTROL_REPLY_MAX + 1;
	char *nl = NULL;
	while (!nl && got < limit) {
		ssize_t r = recv(fd, buf + got, limit - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int err = r < 0 ? errno : 0;
			close(fd);
			if (err == EAGAIN || err == EWOULDBLOCK)
				ctl_error("process %ld: no reply within %g s (a large snapshot can take longer: "
					   "try --timeout)", pid, timeout);
			else
				ctl_error("process %ld closed the control channel without a reply%s%s", pid,
					   err ? ": " : "", err ? strerror(err) : "");
			return MSGS_EXIT_PROCESS;
		}
		got += (size_t)r;
		buf[got] = '\0';
		nl = strchr(buf, '\n');
		/* a multi-line reply ends with "end"; an error is one line */
		if (nl && multi && strncmp(buf, "error ", 6) != 0)
			nl = got >= 5 && !strcmp(buf + got - 4, "end\n") && buf[got - 5] == '\n'
			     ? buf + got - 5 : NULL;
	}
	close(fd);
	if (!nl) {
		ctl_error("process %ld: reply too long", pid);
		return MSGS_EXIT_PROCESS;
	}
	*nl = '\0';
	if (strncmp(buf, "ok", 2) == 0 && (buf[2] == ' ' || buf[2] == '\0')) {
		snprintf(reply, len, "%s", buf[2] ? buf + 3 : "");
		return MSGS_EXIT_OK;
	}
	if (strncmp(buf, "error ", 6) == 0)
		ctl_error("process %ld: %s", pid, buf + 6);
	else
		ctl_error("process %ld: unexpected reply '%.80s'", pid, buf);
	return MSGS_EXIT_PROCESS;
}

int ctl_request(long pid, const char *req, double timeout, char *reply, size_t len)
{
	return request(pid, req, timeout, reply, len, false);
}

int ctl_request_lines(long pid, const char *req, double timeout, char *reply, size_t len)
{
	return request(pid, req, timeout, reply, len, true);
}

int ctl_request_quiet(long pid, const char *request, double timeout, char *reply, size_t len)
{
	quiet = true;
	int rc = ctl_request(pid, request, timeout, reply, len);
	quiet = false;
	return rc;
}
