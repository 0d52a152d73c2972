/*
 * control_proto.h: the control channel's wire protocol, shared by the
 * library (src/control.c, the server) and the tools (the client).
 *
 * The channel is a Unix stream socket in the abstract namespace (no file
 * on disk), named "heapsnap.<pid>" after the traced process. One request
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
 * Pure definitions: no state, nothing allocates.
 */
#ifndef HEAPSNAP_CONTROL_PROTO_H
#define HEAPSNAP_CONTROL_PROTO_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define CONTROL_LINE_MAX 256
#define CONTROL_REPLY_MAX 4096
#define CONTROL_TOP_MAX 50
#define CONTROL_TOP_DEFAULT 10
#define CONTROL_TOP_NAME_MAX 256 /* a site's name is cut to this, NUL included */
/* The longest "top" reply: header, CONTROL_TOP_MAX site lines, "end". */
#define CONTROL_TOP_REPLY_MAX (CONTROL_REPLY_MAX + CONTROL_TOP_MAX * (CONTROL_TOP_NAME_MAX + 96) + 8)

/* Fills *addr with the abstract address of process pid's channel; returns
 * the length to pass to bind/connect. */
static inline socklen_t control_address(struct sockaddr_un *addr, long pid)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': the abstract namespace */
	int n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "heapsnap.%ld", pid);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

#endif
