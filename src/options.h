/*
 * options.h: HEAPSNAP_OPTIONS parsing.
 *
 * Owns the option table (options_keys): one row per key gives its type,
 * bounds, default, help line and the struct options field it sets; the
 * parser, the formatter, the error messages, the help and `heapsnap run`'s
 * flags all read it, so adding a key is adding a row and a field.
 * Called once at tracker start-up (any thread, before tracking starts) and by
 * `heapsnap run` to validate flags before exec. Pure: never allocates, no
 * stdio (text is formatted with textbuf.c), no global state written; the
 * parsed result goes to a caller-owned struct.
 * Sizes take K/M/G suffixes meaning 1024, 1024^2, 1024^3 (KiB, MiB, GiB).
 */
#ifndef HEAPSNAP_OPTIONS_H
#define HEAPSNAP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPTIONS_PATH_MAX 1024
#define OPTIONS_DEPTH_MAX 128
/* Bounds of an OPTIONS_RATE's time, seconds. */
#define OPTIONS_RATE_SECONDS_MIN 1
#define OPTIONS_RATE_SECONDS_MAX 1000000000

enum options_unwinder { OPTIONS_UNWINDER_LIBUNWIND, OPTIONS_UNWINDER_FP, OPTIONS_UNWINDER_CFI };
enum options_symbolize { OPTIONS_SYMBOLIZE_NAMES, OPTIONS_SYMBOLIZE_FULL };
enum options_start { OPTIONS_START_ON, OPTIONS_START_OFF };

/* A growth rate: bytes within seconds (arm_growth=64M/10m); 0/0 = off. */
struct options_rate {
	uint64_t bytes;
	double seconds;
};

struct options {
	char out[OPTIONS_PATH_MAX]; /* directory for snapshot files */
	uint64_t sample;            /* mean bytes between samples; 1 = every allocation */
	unsigned depth;             /* frames kept per stack, 1..OPTIONS_DEPTH_MAX */
	double interval;            /* seconds between periodic snapshots; 0 = off */
	int signal;                 /* signal that triggers a snapshot; 0 = none */
	bool at_exit;               /* write a snapshot at exit */
	bool follow_exec;           /* trace the programs the command executes too */
	char wrappers[OPTIONS_PATH_MAX]; /* user's wrapper patterns, ';'-separated (callsite.h) */
	enum options_unwinder unwinder;
	enum options_symbolize symbolize; /* names: ELF symbols only; full: libdw file:line, inlines */
	/* Automatic triggers and limits (triggers.h); 0 = off for each. */
	uint64_t growth;            /* snapshot when the exact live heap grew by this since the last */
	double peak;                /* snapshot at a high-water mark this fraction above the last peak one */
	double cooldown;            /* least seconds between two automatic snapshots */
	double duration;            /* seconds of tracking, then a last snapshot and forwarding only */
	unsigned max_snapshots;     /* files written at most; then no more */
	uint64_t max_tracker_bytes; /* tracker memory cap: beyond it no new samples, counters go on */
	enum options_start start;   /* on: track from start-up; off: dormant until `heapsnap start` */
	/* Auto-arm (triggers.h): while no window is open, a window opens when... */
	uint64_t arm_rss;           /* ...the process's RSS is at least this many bytes */
	struct options_rate arm_growth; /* ...the live heap grew by bytes within seconds */
};

/* Value types; the C type of the field each one sets is in brackets. */
enum options_type {
	OPTIONS_DIR,     /* directory path, min..max bytes [char[OPTIONS_PATH_MAX]] */
	OPTIONS_TEXT,    /* free text, min..max bytes [char[OPTIONS_PATH_MAX]] */
	OPTIONS_SIZE,    /* bytes, K/M/G suffixes, min..max [uint64_t] */
	OPTIONS_COUNT,   /* plain decimal integer, min..max [unsigned] */
	OPTIONS_SECONDS, /* seconds, fractions and ms/s/m/h; 0 (off) or min..max
			  * microseconds [double, seconds] */
	OPTIONS_SIGNAL,  /* name or number; 0/none = off [int] */
	OPTIONS_BOOL,    /* 1/0, true/false, yes/no, on/off [bool] */
	OPTIONS_ENUM,    /* one of names[]; the value is its index [an enum] */
	OPTIONS_FRACTION, /* decimal number, 0 (off) or min..max millionths [double] */
	OPTIONS_RATE,    /* SIZE/SECONDS, or 0 (off); the size min..max bytes, the seconds
			  * OPTIONS_RATE_SECONDS_MIN..MAX [struct options_rate] */
};

struct options_key {
	const char *key;          /* HEAPSNAP_OPTIONS key; heapsnap run --KEY ('_' -> '-') */
	enum options_type type;
	size_t offset;            /* offsetof(struct options, field) */
	uint64_t min, max;        /* inclusive bounds, in the type's unit (above) */
	const char *const *names; /* OPTIONS_ENUM: accepted words, NULL-terminated */
	const char *dflt;         /* the default, as option text */
	char short_flag;          /* heapsnap run's one-letter flag, or 0 */
	const char *metavar;      /* heapsnap run --help: the value's placeholder */
	const char *help;         /* one line, lowercase, no full stop */
};

/* The table, in the order options_format writes the keys. */
extern const struct options_key options_keys[];
extern const size_t options_nkeys;

/* Context: any thread. Never allocates. The row of key[0..n), or NULL. */
const struct options_key *options_find(const char *key, size_t n);

/* Context: any thread. Never allocates. Fills every field with its default. */
void options_defaults(struct options *o);

/* Context: any thread. Never allocates.
 * Parses "key=value:key=value" (',' also separates) over the defaults already
 * in *o; a later key overrides an earlier one. Returns 0, or -EINVAL with a
 * one-line message in err naming the key, the value and what is accepted
 * (the value is shown cut to 64 bytes, control bytes as '?'). Empty text or
 * empty items are accepted. */
int options_parse(const char *text, struct options *o, char *err, size_t errlen);

/* Context: any thread. Never allocates.
 * Writes the effective options back as HEAPSNAP_OPTIONS text (for meta),
 * every key in table order; options_parse reads it back to the same values
 * (seconds to the microsecond). */
void options_format(const struct options *o, char *buf, size_t len);

/* Context: any thread. Never allocates. The value of one key as option
 * text, as options_format writes it. */
void options_format_value(const struct options_key *k, const struct options *o, char *buf, size_t len);

/* Context: any thread. Never allocates. What a key accepts, as in its error
 * message ("expected an integer from 1 to 128"). */
void options_accepted(const struct options_key *k, char *buf, size_t len);

/* Context: any thread. Never allocates. Canonical name of a signal
 * ("SIGUSR2"), or NULL when the number has none. */
const char *options_signal_name(int sig);

#endif
