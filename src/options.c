/*
 * options.c: HEAPSNAP_OPTIONS tokenizer, option table and typed handlers.
 *
 * Called once at tracker start-up (before tracking starts, with the
 * reentrancy guard held) and by `heapsnap run` to validate its flags.
 * Invariants: (1) never allocates, no stdio and no libc formatter: the
 * tokenizer walks the text in place (pointer + length), text is written by
 * textbuf.c; (2) on error *o may be partly updated but the caller discards
 * it; (3) one table (options_keys) gives every key its type, bounds,
 * default, help and field; the parser, the formatter, the error messages and
 * heapsnap run's flags are driven by it, so they cannot drift apart; (4) no
 * global state is written.
 * Adding a key: a field in struct options (options.h), a row below, its
 * entry in doc/libheapsnap.3 and doc/heapsnap.1 (a test checks both).
 * Units: sizes accept K, M, G (optionally followed by "iB" or "B") meaning
 * 1024, 1024^2, 1024^3; durations accept a plain number of seconds or the
 * suffixes ms, s, m, h.
 */
#include "options.h"

#include "textbuf.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>

static const struct {
	const char *name;
	int num;
} signal_names[] = {
	{"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},     {"SIGQUIT", SIGQUIT},
	{"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2},   {"SIGTERM", SIGTERM},
	{"SIGPROF", SIGPROF}, {"SIGVTALRM", SIGVTALRM}, {"SIGWINCH", SIGWINCH},
	{"SIGURG", SIGURG},   {"SIGPWR", SIGPWR},     {"SIGALRM", SIGALRM},
};

/* The field's offset, checked at compile time to have the type's C type
 * (a distinct pointer type is a diagnostic; -Werror builds stop on it). */
#define FIELD(f, T) \
	(offsetof(struct options, f) + 0 * sizeof(&((struct options *)0)->f == (__typeof__(T) *)0))
#define T_DIR(f) .type = OPTIONS_DIR, .offset = FIELD(f, char[OPTIONS_PATH_MAX])
#define T_TEXT(f) .type = OPTIONS_TEXT, .offset = FIELD(f, char[OPTIONS_PATH_MAX])
#define T_SIZE(f) .type = OPTIONS_SIZE, .offset = FIELD(f, uint64_t)
#define T_COUNT(f) .type = OPTIONS_COUNT, .offset = FIELD(f, unsigned)
#define T_SECONDS(f) .type = OPTIONS_SECONDS, .offset = FIELD(f, double)
#define T_SIGNAL(f) .type = OPTIONS_SIGNAL, .offset = FIELD(f, int)
#define T_BOOL(f) .type = OPTIONS_BOOL, .offset = FIELD(f, bool)
#define T_ENUM(f, E) .type = OPTIONS_ENUM, .offset = FIELD(f, E)
#define T_FRACTION(f) .type = OPTIONS_FRACTION, .offset = FIELD(f, double)
#define T_RATE(f) .type = OPTIONS_RATE, .offset = FIELD(f, struct options_rate)

_Static_assert(sizeof(enum options_unwinder) == sizeof(int), "enum fields are int-sized");

static const char *const unwinder_names[] = {"libunwind", "fp", "cfi", NULL};
static const char *const symbolize_names[] = {"names", "full", NULL};
_Static_assert(sizeof(enum options_symbolize) == sizeof(int), "enum fields are int-sized");
static const char *const start_names[] = {"on", "off", NULL};
_Static_assert(sizeof(enum options_start) == sizeof(int), "enum fields are int-sized");

const struct options_key options_keys[] = {
	{.key = "out", T_DIR(out), .min = 1, .max = OPTIONS_PATH_MAX - 1, .dflt = ".",
	 .short_flag = 'o', .metavar = "DIR",
	 .help = "directory where snapshot files are written; heapsnap run creates it"},
	{.key = "sample", T_SIZE(sample), .min = 1, .max = 1ull << 40, .dflt = "512K",
	 .metavar = "SIZE",
	 .help = "mean bytes between sampled allocations (Poisson); 1 records every allocation"},
	{.key = "depth", T_COUNT(depth), .min = 1, .max = OPTIONS_DEPTH_MAX, .dflt = "64",
	 .metavar = "N", .help = "frames kept per backtrace"},
	{.key = "interval", T_SECONDS(interval), .min = 10000, .max = 1000000000ull * 1000000,
	 .dflt = "0", .metavar = "SECS",
	 .help = "write a snapshot every this many seconds (fractions allowed); 0 disables"},
	{.key = "signal", T_SIGNAL(signal), .dflt = "SIGUSR2", .metavar = "SIG",
	 .help = "signal that requests a snapshot (name or number); 0 or none disables"},
	{.key = "at_exit", T_BOOL(at_exit), .dflt = "1",
	 .help = "write a snapshot when the process exits"},
	{.key = "unwinder", T_ENUM(unwinder, enum options_unwinder), .names = unwinder_names,
	 .dflt = "cfi", .metavar = "NAME",
	 .help = "how backtraces are taken: cfi (the modules' .eh_frame tables, cached; libunwind "
		 "for what they cannot walk), libunwind, or fp (frame pointers)"},
	{.key = "symbolize", T_ENUM(symbolize, enum options_symbolize), .names = symbolize_names,
	 .dflt = "names", .metavar = "MODE",
	 .help = "how frames are named in the process: names (ELF symbols, cheap), or full "
		 "(also file:line and inlined functions, with libdw: slower, uses the program's heap)"},
	{.key = "wrappers", T_TEXT(wrappers), .min = 0, .max = OPTIONS_PATH_MAX - 1, .dflt = "",
	 .metavar = "PATTERNS",
	 .help = "more functions that are never the call site (allocation wrappers): glob patterns "
		 "separated by ';', '*' matching any run of characters"},
	{.key = "follow_exec", T_BOOL(follow_exec), .dflt = "0",
	 .help = "also trace the programs the command executes (fork+exec, spawn, system); "
		 "0 traces the command, its forks and what it execs under its own pid"},
	{.key = "growth", T_SIZE(growth), .min = 0, .max = 1ull << 50, .dflt = "0", .metavar = "SIZE",
	 .help = "write a snapshot when the exact live heap has grown by SIZE since the last "
		 "snapshot; 0 disables"},
	{.key = "peak", T_FRACTION(peak), .min = 1000, .max = 1000000000ull, .dflt = "0",
	 .metavar = "FRACTION",
	 .help = "write a snapshot at a new high-water mark of the exact live heap that exceeds the "
		 "last peak snapshot's by FRACTION (0.5: by half; the first above 1M); 0 disables"},
	{.key = "cooldown", T_SECONDS(cooldown), .min = 10000, .max = 1000000000ull * 1000000,
	 .dflt = "0", .metavar = "SECS",
	 .help = "least time between two automatic snapshots (interval, growth, peak); 0 disables"},
	{.key = "duration", T_SECONDS(duration), .min = 10000, .max = 1000000000ull * 1000000,
	 .dflt = "0", .metavar = "SECS",
	 .help = "stop tracking this long after it starts: a last snapshot, then the hooks only "
		 "forward; with start=off, the default length of a 'heapsnap start' window; 0: no limit"},
	{.key = "max_snapshots", T_COUNT(max_snapshots), .min = 0, .max = 1000000, .dflt = "0",
	 .metavar = "N",
	 .help = "write at most N snapshot files, then none (files are never removed); 0: no limit"},
	{.key = "max_tracker_bytes", T_SIZE(max_tracker_bytes), .min = 0, .max = 1ull << 50,
	 .dflt = "0", .metavar = "SIZE",
	 .help = "cap on the tracker's own memory: past it no new sample or stack is recorded, the "
		 "exact counters go on; 0: no limit"},
	{.key = "start", T_ENUM(start, enum options_start), .names = start_names, .dflt = "on",
	 .metavar = "on|off",
	 .help = "on: track from start-up; off: load dormant (the hooks only forward) until "
		 "'heapsnap start PID' opens a window"},
	{.key = "arm_rss", T_SIZE(arm_rss), .min = 0, .max = 1ull << 50, .dflt = "0", .metavar = "SIZE",
	 .help = "auto-arm: while no window is open, open one (as 'heapsnap start' does) when the "
		 "process's RSS reaches SIZE, at most once per cooldown; 0 disables"},
	{.key = "arm_growth", T_RATE(arm_growth), .min = 1, .max = 1ull << 50, .dflt = "0",
	 .metavar = "SIZE/SECS",
	 .help = "auto-arm: while no window is open, open one when the heap in use grew by SIZE "
		 "within SECS (64M/10m; read from mallinfo2 in-use, or RSS off glibc), at most once "
		 "per cooldown; 0 disables"},
};
const size_t options_nkeys = sizeof(options_keys) / sizeof(options_keys[0]);

const char *options_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (signal_names[i].num == sig)
			return signal_names[i].name;
	return NULL;
}

/* A token: pointer + length into the caller's text. */
struct tok {
	const char *p;
	size_t n;
};

static bool tok_eq(struct tok t, const char *s)
{
	return strlen(s) == t.n && strncmp(t.p, s, t.n) == 0;
}

static bool tok_ieq(struct tok t, const char *s)
{
	return strlen(s) == t.n && strncasecmp(t.p, s, t.n) == 0;
}

const struct options_key *options_find(const char *key, size_t n)
{
	struct tok t = {key, n};
	for (size_t i = 0; i < options_nkeys; i++)
		if (tok_eq(t, options_keys[i].key))
			return &options_keys[i];
	return NULL;
}

/* ---- typed handlers: 0, or -EINVAL/-ERANGE for a value out of form ---- */

/* Parses a decimal unsigned integer of the whole token prefix; returns chars used. */
static size_t parse_u64(struct tok t, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < t.n && t.p[i] >= '0' && t.p[i] <= '9'; i++) {
		unsigned d = (unsigned)(t.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return i;
}

static int parse_size(struct tok t, uint64_t *out)
{
	uint64_t v = 0;
	size_t used = parse_u64(t, &v);
	if (used == 0)
		return -EINVAL;
	struct tok rest = {t.p + used, t.n - used};
	uint64_t mul = 1;
	if (rest.n > 0) {
		switch (rest.p[0]) {
		case 'k': case 'K': mul = 1024ull; break;
		case 'm': case 'M': mul = 1024ull * 1024; break;
		case 'g': case 'G': mul = 1024ull * 1024 * 1024; break;
		case 'b': case 'B': mul = 1; break;
		default: return -EINVAL;
		}
		rest.p++, rest.n--;
		if (mul != 1 && !(rest.n == 0 || tok_eq(rest, "B") || tok_eq(rest, "iB") || tok_eq(rest, "b")))
			return -EINVAL;
		if (mul == 1 && rest.n != 0)
			return -EINVAL;
	}
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

/* Non-negative decimal with optional fraction and unit suffix, in seconds. */
static int parse_seconds(struct tok t, double *out)
{
	size_t i = 0;
	double v = 0;
	bool digits = false;
	for (; i < t.n && t.p[i] >= '0' && t.p[i] <= '9'; i++, digits = true)
		v = v * 10 + (t.p[i] - '0');
	if (i < t.n && t.p[i] == '.') {
		double scale = 0.1;
		for (i++; i < t.n && t.p[i] >= '0' && t.p[i] <= '9'; i++, digits = true, scale /= 10)
			v += (t.p[i] - '0') * scale;
	}
	if (!digits)
		return -EINVAL;
	struct tok unit = {t.p + i, t.n - i};
	if (unit.n == 0 || tok_eq(unit, "s"))
		;
	else if (tok_eq(unit, "ms"))
		v /= 1000;
	else if (tok_eq(unit, "m"))
		v *= 60;
	else if (tok_eq(unit, "h"))
		v *= 3600;
	else
		return -EINVAL;
	if (!(v <= 1e12))
		return -ERANGE; /* also inf; the table's bounds are checked after */
	*out = v;
	return 0;
}

static int parse_bool(struct tok t, bool *out)
{
	if (tok_ieq(t, "1") || tok_ieq(t, "true") || tok_ieq(t, "yes") || tok_ieq(t, "on"))
		*out = true;
	else if (tok_ieq(t, "0") || tok_ieq(t, "false") || tok_ieq(t, "no") || tok_ieq(t, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_signal(struct tok t, int *out)
{
	uint64_t v = 0;
	if (tok_ieq(t, "none")) {
		*out = 0;
		return 0;
	}
	if (parse_u64(t, &v) == t.n && t.n > 0) {
		if (v == 0 || (v >= 1 && v < (uint64_t)SIGRTMIN && options_signal_name((int)v)) ||
		    (v >= (uint64_t)SIGRTMIN && v <= (uint64_t)SIGRTMAX)) {
			*out = (int)v;
			return 0;
		}
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
		if (tok_ieq(t, signal_names[i].name) || tok_ieq(t, signal_names[i].name + 3)) {
			*out = signal_names[i].num;
			return 0;
		}
	}
	return -EINVAL;
}

/* Parses val as k's type within k's bounds into the field at dst. */
static int parse_value(const struct options_key *k, struct tok val, void *dst)
{
	uint64_t v = 0;
	switch (k->type) {
	case OPTIONS_DIR:
	case OPTIONS_TEXT:
		if (val.n < k->min || val.n > k->max || val.n >= OPTIONS_PATH_MAX)
			return -EINVAL;
		memcpy(dst, val.p, val.n);
		((char *)dst)[val.n] = '\0';
		return 0;
	case OPTIONS_SIZE:
		if (parse_size(val, &v) != 0 || v < k->min || v > k->max)
			return -EINVAL;
		*(uint64_t *)dst = v;
		return 0;
	case OPTIONS_COUNT:
		if (val.n == 0 || parse_u64(val, &v) != val.n || v < k->min || v > k->max || v > UINT_MAX)
			return -EINVAL;
		*(unsigned *)dst = (unsigned)v;
		return 0;
	case OPTIONS_SECONDS: {
		double s = 0;
		if (parse_seconds(val, &s) != 0 ||
		    (s != 0 && (s < (double)k->min / 1e6 || s > (double)k->max / 1e6)))
			return -EINVAL;
		*(double *)dst = s;
		return 0;
	}
	case OPTIONS_SIGNAL: {
		int sig = 0;
		/* SIGKILL and SIGSTOP cannot be caught; SIGSEGV means a crash */
		if (parse_signal(val, &sig) != 0 || sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV)
			return -EINVAL;
		*(int *)dst = sig;
		return 0;
	}
	case OPTIONS_BOOL:
		return parse_bool(val, (bool *)dst);
	case OPTIONS_ENUM:
		for (int i = 0; k->names[i]; i++) {
			if (tok_eq(val, k->names[i])) {
				*(int *)dst = i;
				return 0;
			}
		}
		return -EINVAL;
	case OPTIONS_RATE: {
		struct options_rate r = {0, 0};
		if (!tok_eq(val, "0")) {
			const char *slash = memchr(val.p, '/', val.n);
			if (!slash)
				return -EINVAL;
			struct tok size = {val.p, (size_t)(slash - val.p)};
			struct tok secs = {slash + 1, val.n - size.n - 1};
			if (parse_size(size, &r.bytes) != 0 || r.bytes < k->min || r.bytes > k->max ||
			    parse_seconds(secs, &r.seconds) != 0 || r.seconds < OPTIONS_RATE_SECONDS_MIN ||
			    r.seconds > OPTIONS_RATE_SECONDS_MAX)
				return -EINVAL;
		}
		*(struct options_rate *)dst = r;
		return 0;
	}
	case OPTIONS_FRACTION: {
		double f = 0;
		/* a plain decimal: parse_seconds without a unit */
		if (val.n == 0 || (val.p[val.n - 1] != '.' && (val.p[val.n - 1] < '0' || val.p[val.n - 1] > '9')) ||
		    parse_seconds(val, &f) != 0 ||
		    (f != 0 && (f < (double)k->min / 1e6 || f > (double)k->max / 1e6)))
			return -EINVAL;
		*(double *)dst = f;
		return 0;
	}
	}
	return -EINVAL;
}

/* ---- text ---- */

/* Bytes the largest exact binary suffix: 1099511627776 -> 1024G. */
static void put_size(struct textbuf *b, uint64_t v)
{
	static const char suffix[] = "GMK";
	for (int i = 0; i < 3; i++) {
		uint64_t unit = 1ull << (10 * (3 - i));
		if (v >= unit && v % unit == 0) {
			textbuf_putu(b, v / unit);
			textbuf_putc(b, suffix[i]);
			return;
		}
	}
	textbuf_putu(b, v);
}

/* User text in a message: at most 64 bytes, control bytes as '?', so that
 * the message stays one readable line whatever the input. */
static void put_user(struct textbuf *b, struct tok t)
{
	size_t n = t.n > 64 ? 64 : t.n;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t.p[i];
		textbuf_putc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (t.n > n)
		textbuf_puts(b, "...");
}

static void put_accepted(struct textbuf *b, const struct options_key *k)
{
	switch (k->type) {
	case OPTIONS_DIR:
		textbuf_printf(b, "expected a directory path of %llu to %llu bytes",
			       (unsigned long long)k->min, (unsigned long long)k->max);
		return;
	case OPTIONS_TEXT:
		textbuf_printf(b, "expected text of at most %llu bytes", (unsigned long long)k->max);
		return;
	case OPTIONS_SIZE:
		textbuf_puts(b, "expected a size in bytes from ");
		put_size(b, k->min);
		textbuf_puts(b, " to ");
		put_size(b, k->max);
		textbuf_puts(b, " (suffixes K, M, G = 1024, 1024^2, 1024^3)");
		return;
	case OPTIONS_COUNT:
		textbuf_printf(b, "expected an integer from %llu to %llu", (unsigned long long)k->min,
			       (unsigned long long)k->max);
		return;
	case OPTIONS_SECONDS:
		textbuf_puts(b, "expected seconds, 0 (off) or at least ");
		textbuf_putfixed(b, k->min, 6);
		textbuf_puts(b, " and at most ");
		textbuf_putfixed(b, k->max, 6);
		textbuf_puts(b, ", optionally with a unit ms, s, m or h");
		return;
	case OPTIONS_SIGNAL:
		textbuf_puts(b, "expected a signal name (USR2, SIGUSR1, ...) or number, or 0/none to disable");
		return;
	case OPTIONS_BOOL:
		textbuf_puts(b, "expected 1/0, true/false, yes/no or on/off");
		return;
	case OPTIONS_FRACTION:
		textbuf_puts(b, "expected a decimal fraction, 0 (off) or at least ");
		textbuf_putfixed(b, k->min, 6);
		textbuf_puts(b, " and at most ");
		textbuf_putfixed(b, k->max, 6);
		return;
	case OPTIONS_RATE:
		textbuf_puts(b, "expected SIZE/SECONDS (grew by SIZE within SECONDS, as in 64M/10m), SIZE from ");
		put_size(b, k->min);
		textbuf_puts(b, " to ");
		put_size(b, k->max);
		textbuf_puts(b, " with K, M, G = 1024, 1024^2, 1024^3, SECONDS from ");
		textbuf_putu(b, OPTIONS_RATE_SECONDS_MIN);
		textbuf_puts(b, " to ");
		textbuf_putu(b, OPTIONS_RATE_SECONDS_MAX);
		textbuf_puts(b, " with a unit ms, s, m or h; or 0 (off)");
		return;
	case OPTIONS_ENUM:
		textbuf_puts(b, "expected ");
		for (int i = 0; k->names[i]; i++) {
			if (i > 0)
				textbuf_puts(b, k->names[i + 1] ? ", " : " or ");
			textbuf_puts(b, k->names[i]);
		}
		return;
	}
}

void options_accepted(const struct options_key *k, char *buf, size_t len)
{
	struct textbuf b;
	textbuf_init(&b, buf, len);
	put_accepted(&b, k);
}

static int apply(struct options *o, struct tok key, struct tok val, struct textbuf *err)
{
	const struct options_key *k = options_find(key.p, key.n);
	if (!k) {
		textbuf_puts(err, "unknown option '");
		put_user(err, key);
		textbuf_puts(err, "': known options are ");
		for (size_t i = 0; i < options_nkeys; i++)
			textbuf_printf(err, "%s%s", i ? ", " : "", options_keys[i].key);
		return -EINVAL;
	}
	if (parse_value(k, val, (char *)o + k->offset) != 0) {
		textbuf_puts(err, "bad option '");
		put_user(err, key);
		textbuf_putc(err, '=');
		put_user(err, val);
		textbuf_puts(err, "': ");
		put_accepted(err, k);
		return -EINVAL;
	}
	return 0;
}

void options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < options_nkeys; i++) {
		const struct options_key *k = &options_keys[i];
		struct tok val = {k->dflt, strlen(k->dflt)};
		/* Cannot fail: tests/unit/test_options.c parses every default. */
		(void)parse_value(k, val, (char *)o + k->offset);
	}
}

int options_parse(const char *text, struct options *o, char *err, size_t errlen)
{
	struct textbuf eb;
	textbuf_init(&eb, err, err ? errlen : 0);
	if (!text)
		return 0;
	const char *p = text;
	while (*p) {
		const char *end = p + strcspn(p, ":,");
		if (end > p) {
			const char *eq = memchr(p, '=', (size_t)(end - p));
			if (!eq) {
				textbuf_puts(&eb, "bad option '");
				put_user(&eb, (struct tok){p, (size_t)(end - p)});
				textbuf_puts(&eb, "': expected key=value");
				return -EINVAL;
			}
			struct tok key = {p, (size_t)(eq - p)}, val = {eq + 1, (size_t)(end - eq - 1)};
			int rc = apply(o, key, val, &eb);
			if (rc != 0)
				return rc;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

static void put_value(struct textbuf *b, const struct options_key *k, const struct options *o)
{
	const void *src = (const char *)o + k->offset;
	switch (k->type) {
	case OPTIONS_DIR:
	case OPTIONS_TEXT:
		textbuf_putn(b, src, strnlen(src, OPTIONS_PATH_MAX));
		return;
	case OPTIONS_SIZE:
		textbuf_putu(b, *(const uint64_t *)src);
		return;
	case OPTIONS_COUNT:
		textbuf_putu(b, *(const unsigned *)src);
		return;
	case OPTIONS_FRACTION:
	case OPTIONS_SECONDS: {
		/* microseconds (millionths), rounded; parse_seconds reads the text back */
		double s = *(const double *)src;
		double max = (double)k->max / 1e6;
		if (!(s > 0))
			s = 0;
		else if (s > max)
			s = max;
		textbuf_putfixed(b, (uint64_t)(s * 1e6 + 0.5), 6);
		return;
	}
	case OPTIONS_RATE: {
		const struct options_rate *r = src;
		if (r->bytes == 0 || !(r->seconds > 0)) {
			textbuf_putc(b, '0');
			return;
		}
		textbuf_putu(b, r->bytes);
		textbuf_putc(b, '/');
		textbuf_putfixed(b, (uint64_t)(r->seconds * 1e6 + 0.5), 6);
		return;
	}
	case OPTIONS_SIGNAL: {
		int sig = *(const int *)src;
		const char *name = options_signal_name(sig);
		if (name)
			textbuf_puts(b, name);
		else
			textbuf_puti(b, sig);
		return;
	}
	case OPTIONS_BOOL:
		textbuf_putc(b, *(const bool *)src ? '1' : '0');
		return;
	case OPTIONS_ENUM: {
		int v = *(const int *)src, n = 0;
		while (k->names[n])
			n++;
		textbuf_puts(b, v >= 0 && v < n ? k->names[v] : k->names[0]);
		return;
	}
	}
}

void options_format_value(const struct options_key *k, const struct options *o, char *buf, size_t len)
{
	struct textbuf b;
	textbuf_init(&b, buf, len);
	put_value(&b, k, o);
}

void options_format(const struct options *o, char *buf, size_t len)
{
	struct textbuf b;
	textbuf_init(&b, buf, len);
	for (size_t i = 0; i < options_nkeys; i++) {
		textbuf_printf(&b, "%s%s=", i ? ":" : "", options_keys[i].key);
		put_value(&b, &options_keys[i], o);
	}
}
