/*
 * ctlclient.h: the client side of a traced process's control channel.
 *
 * Owns connecting to "heapsnap.<pid>" (src/control_proto.h), sending one
 * request and reading the one-line reply (or the lines up to "end" of
 * "top"), and turning every way that can
 * fail into one clear message: no such process, not traced, tracker off,
 * another user's process, no reply. Never sends a signal.
 * Single-threaded; for the heapsnap subcommands.
 */
#ifndef HEAPSNAP_TOOLS_CTLCLIENT_H
#define HEAPSNAP_TOOLS_CTLCLIENT_H

#include <stddef.h>

/* Parses a process id argument; prints a usage error and returns -1 when
 * it is not a positive integer. what: the subcommand, for the message. */
long ctl_parse_pid(const char *what, const char *arg);

/* Sends request to process pid and waits up to timeout seconds for the
 * reply. On "ok TEXT" copies TEXT to reply and returns MSGS_EXIT_OK; else
 * prints the reason (msgs_error) and returns an exit code (msgs.h). */
int ctl_request(long pid, const char *request, double timeout, char *reply, size_t len);

/* As ctl_request for a request with a multi-line reply ending in a line
 * "end" ("top"): reply gets the lines, '\n'-separated, without the "ok "
 * of the first and without "end". */
int ctl_request_lines(long pid, const char *request, double timeout, char *reply, size_t len);

/* As ctl_request, printing nothing when it fails. */
int ctl_request_quiet(long pid, const char *request, double timeout, char *reply, size_t len);

#endif
