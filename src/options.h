/*
 * options.h: HEAPSNAP_OPTIONS parsing.
 *
 * Owns the option table: each key's type, bounds, default and help line.
 * Called once at tracker start-up (any thread, before tracking starts) and by
 * `heapsnap run` to validate flags before exec. Pure: never allocates, no
 * stdio, no global state; the parsed result goes to a caller-owned struct.
 * Sizes take K/M/G suffixes meaning 1024, 1024^2, 1024^3 (KiB, MiB, GiB).
 */
#ifndef HEAPSNAP_OPTIONS_H
#define HEAPSNAP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPTIONS_PATH_MAX 1024
#define OPTIONS_DEPTH_MAX 128

enum options_unwinder { OPTIONS_UNWINDER_LIBUNWIND, OPTIONS_UNWINDER_FP };

struct options {
	char out[OPTIONS_PATH_MAX]; /* directory for snapshot files */
	uint64_t sample;            /* mean bytes between samples; 1 = every allocation */
	unsigned depth;             /* frames kept per stack, 1..OPTIONS_DEPTH_MAX */
	double interval;            /* seconds between periodic snapshots; 0 = off */
	int signal;                 /* signal that triggers a snapshot; 0 = none */
	bool at_exit;               /* write a snapshot at exit */
	bool follow_exec;           /* trace the programs the command executes too */
	enum options_unwinder unwinder;
};

/* Context: any thread. Never allocates. Fills every field with its default. */
void options_defaults(struct options *o);

/* Context: any thread. Never allocates.
 * Parses "key=value:key=value" (',' also separates) over the defaults already
 * in *o. Returns 0, or -EINVAL with a one-line message in err naming the key,
 * the value and what is accepted. Empty text or empty items are accepted. */
int options_parse(const char *text, struct options *o, char *err, size_t errlen);

/* Context: any thread. Never allocates.
 * Writes the effective options back as HEAPSNAP_OPTIONS text (for meta). */
void options_format(const struct options *o, char *buf, size_t len);

/* Context: any thread. Never allocates. Canonical name of a signal
 * ("SIGUSR2"), or NULL when the number has none. */
const char *options_signal_name(int sig);

/* Help table for --help and docs: NULL-terminated arrays of key, default, text. */
struct options_help { const char *key, *type, *dflt, *text; };
extern const struct options_help options_help[];

#endif
