/*
 * control_proto.h: the control channel's wire protocol, shared by the
 * library (src/control.c, the server) and the tools (the client).
 *
 * The channel is a Unix stream socket in the abstract namespace (no file
 * on disk), named "heapsnap.<pid>.<start>" after the traced process: its
 * pid and its start time (clock ticks after boot, /proc/<pid>/stat field
 * 22), so that a name some other process still holds (a child that kept
 * an inherited descriptor, a process of an earlier life of the same pid)
 * can never be taken for this process's. When /proc cannot tell the start
 * time, the name is "heapsnap.<pid>". One request
 * per connection: one line of at most CONTROL_LINE_MAX bytes, ended by
 * '\n'. One reply line: "ok <text>" or "error <text>" (except "top", below).
 * Requests:
 *   ping            -> "ok heapsnap <version>"
 *   status          -> "ok key=value<TAB>key=value..." (state running|dormant|
 *                      stopped, pid, seq, files, out, last, tracker_bytes,
 *                      sample, interval, uptime, samples_dropped,
 *                      window_start, window_end, reason)
 *   start [for=S] [sample=B] [interval=S]
 *                   -> "ok started for=S interval=S sample=B baseline=PATH"
 *                      once the window's baseline snapshot is complete
 *   stop            -> "ok stopped last=PATH", after the last snapshot
 *   snapshot        -> "ok requested <out dir>"   (written asynchronously)
 *   snapshot wait   -> "ok <path of the complete file>", after it is written
 *   top [N]         -> the one request with a multi-line reply, for
 *                      `heapsnap top`: "ok top key=value<TAB>..." (state,
 *                      uptime, live_bytes, live_count, alloc_bytes: exact;
 *                      rss_bytes, tracker_bytes, sample, stacks, sites=K),
 *                      then K lines "site<TAB>ID<TAB>LIVE_BYTES<TAB>
 *                      LIVE_COUNT<TAB>ALLOC_BYTES<TAB>FUNCTION" (the K <= N
 *                      stacks holding the most estimated live bytes, most
 *                      first; ID is the stack id of the snapshot files; no
 *                      control character in FUNCTION), then a line "end".
 *                      N: 1 to CONTROL_TOP_MAX, default CONTROL_TOP_DEFAULT.
 *                      An error is one "error <text>" line, without "end".
 * Only a peer with the process's uid, or root, is served (SO_PEERCRED).
 * No state and nothing allocates; control_start_ticks reads one /proc file
 * with open, read and close (async-signal-safe).
 */
#ifndef HEAPSNAP_CONTROL_PROTO_H
#define HEAPSNAP_CONTROL_PROTO_H

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CONTROL_LINE_MAX 256
#define CONTROL_REPLY_MAX 4096
#define CONTROL_TOP_MAX 50
#define CONTROL_TOP_DEFAULT 10
#define CONTROL_TOP_NAME_MAX 256 /* a site's name is cut to this, NUL included */
/* The longest "top" reply: header, CONTROL_TOP_MAX site lines, "end". */
#define CONTROL_TOP_REPLY_MAX (CONTROL_REPLY_MAX + CONTROL_TOP_MAX * (CONTROL_TOP_NAME_MAX + 96) + 8)

/* Process pid's start time, clock ticks after boot (/proc/<pid>/stat field
 * 22); 0 when /proc cannot tell. */
static inline unsigned long long control_start_ticks(long pid)
{
	char path[48], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command name, in parentheses, may hold anything: fields are
	 * counted from the last ')' (field 2's end) */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 3; field < 22; field++) {
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
		if (!*p)
			return 0;
	}
	return strtoull(p, NULL, 10);
}

/* Fills *addr with the abstract address of the channel of process pid
 * started at start_ticks (control_start_ticks; 0: the name without it);
 * returns the length to pass to bind/connect. */
static inline socklen_t control_address(struct sockaddr_un *addr, long pid, unsigned long long start_ticks)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': the abstract namespace */
	int n = start_ticks
			? snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "heapsnap.%ld.%llu", pid, start_ticks)
			: snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "heapsnap.%ld", pid);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

#endif
