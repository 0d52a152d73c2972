/*
 * options.c: HEAPSNAP_OPTIONS tokenizer, option table and typed handlers.
 *
 * Called once at tracker start-up (before tracking starts, with the
 * reentrancy guard held) and by `heapsnap run` to validate its flags.
 * Invariants: (1) never allocates and never touches stdio: the tokenizer walks
 * the text in place (pointer + length); (2) on error *o may be partly updated
 * but the caller discards it; (3) one table gives every key its handler, so
 * the keys, the help text and the formatter cannot drift apart.
 * Units: sizes accept K, M, G (optionally followed by "iB" or "B") meaning
 * 1024, 1024^2, 1024^3; durations accept a plain number of seconds or the
 * suffixes ms, s, m, h.
 */
#include "options.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
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

const struct options_help options_help[] = {
	{"out", "path", ".", "directory where snapshot files are written"},
	{"sample", "size", "524288", "mean bytes between sampled allocations (Poisson); 1 records every allocation"},
	{"depth", "integer 1-128", "64", "frames kept per backtrace"},
	{"interval", "seconds", "0", "write a snapshot every this many seconds (fractions allowed); 0 disables"},
	{"signal", "signal", "SIGUSR2", "signal that requests a snapshot (name or number); 0 or none disables"},
	{"at_exit", "bool", "1", "write a snapshot when the process exits"},
	{"unwinder", "libunwind|fp", "libunwind", "how backtraces are taken: libunwind, or fp (frame pointers)"},
	{"follow_exec", "bool", "0", "also trace the programs the command executes (fork+exec, spawn, system); 0 traces the command only"},
	{NULL, NULL, NULL, NULL},
};

void options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->out[0] = '.';
	o->sample = 512 * 1024;
	o->depth = 64;
	o->interval = 0;
	o->signal = SIGUSR2;
	o->at_exit = true;
	o->unwinder = OPTIONS_UNWINDER_LIBUNWIND;
}

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
	if (v > 1e9)
		return -ERANGE;
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

static void report(char *err, size_t errlen, struct tok key, struct tok val, const char *accepted)
{
	if (err && errlen)
		snprintf(err, errlen, "bad option '%.*s=%.*s': %s", (int)key.n, key.p, (int)val.n,
			 val.p, accepted);
}

static int apply(struct options *o, struct tok key, struct tok val, char *err, size_t errlen)
{
	if (tok_eq(key, "out")) {
		if (val.n == 0 || val.n >= sizeof(o->out)) {
			report(err, errlen, key, val, "expected a directory path of 1 to 1023 bytes");
			return -EINVAL;
		}
		memcpy(o->out, val.p, val.n);
		o->out[val.n] = '\0';
	} else if (tok_eq(key, "sample")) {
		uint64_t v = 0;
		if (parse_size(val, &v) != 0 || v < 1 || v > (1ull << 40)) {
			report(err, errlen, key, val,
			       "expected a size in bytes from 1 to 1T (suffixes K, M, G = 1024, 1024^2, 1024^3)");
			return -EINVAL;
		}
		o->sample = v;
	} else if (tok_eq(key, "depth")) {
		uint64_t v = 0;
		if (parse_u64(val, &v) != val.n || val.n == 0 || v < 1 || v > OPTIONS_DEPTH_MAX) {
			report(err, errlen, key, val, "expected an integer from 1 to 128");
			return -EINVAL;
		}
		o->depth = (unsigned)v;
	} else if (tok_eq(key, "interval")) {
		double v = 0;
		if (parse_seconds(val, &v) != 0 || (v > 0 && v < 0.01)) {
			report(err, errlen, key, val,
			       "expected seconds, 0 (off) or at least 0.01, optionally with a unit ms, s, m or h");
			return -EINVAL;
		}
		o->interval = v;
	} else if (tok_eq(key, "signal")) {
		int v = 0;
		if (parse_signal(val, &v) != 0 || v == SIGKILL || v == SIGSTOP || v == SIGSEGV) {
			report(err, errlen, key, val,
			       "expected a signal name (USR2, SIGUSR1, ...) or number, or 0/none to disable");
			return -EINVAL;
		}
		o->signal = v;
	} else if (tok_eq(key, "at_exit")) {
		if (parse_bool(val, &o->at_exit) != 0) {
			report(err, errlen, key, val, "expected 1/0, true/false, yes/no or on/off");
			return -EINVAL;
		}
	} else if (tok_eq(key, "follow_exec")) {
		if (parse_bool(val, &o->follow_exec) != 0) {
			report(err, errlen, key, val, "expected 1/0, true/false, yes/no or on/off");
			return -EINVAL;
		}
	} else if (tok_eq(key, "unwinder")) {
		if (tok_eq(val, "libunwind"))
			o->unwinder = OPTIONS_UNWINDER_LIBUNWIND;
		else if (tok_eq(val, "fp"))
			o->unwinder = OPTIONS_UNWINDER_FP;
		else {
			report(err, errlen, key, val, "expected libunwind or fp");
			return -EINVAL;
		}
	} else {
		if (err && errlen)
			snprintf(err, errlen,
				 "unknown option '%.*s': known options are out, sample, depth, interval, "
				 "signal, at_exit, unwinder, follow_exec",
				 (int)key.n, key.p);
		return -EINVAL;
	}
	return 0;
}

int options_parse(const char *text, struct options *o, char *err, size_t errlen)
{
	if (!text)
		return 0;
	const char *p = text;
	while (*p) {
		const char *end = p + strcspn(p, ":,");
		if (end > p) {
			const char *eq = memchr(p, '=', (size_t)(end - p));
			if (!eq) {
				if (err && errlen)
					snprintf(err, errlen, "bad option '%.*s': expected key=value", (int)(end - p), p);
				return -EINVAL;
			}
			struct tok key = {p, (size_t)(eq - p)}, val = {eq + 1, (size_t)(end - eq - 1)};
			int rc = apply(o, key, val, err, errlen);
			if (rc != 0)
				return rc;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

void options_format(const struct options *o, char *buf, size_t len)
{
	const char *sig = options_signal_name(o->signal);
	char signum[16];
	if (!sig) {
		snprintf(signum, sizeof(signum), "%d", o->signal);
		sig = signum;
	}
	snprintf(buf, len, "out=%s:sample=%llu:depth=%u:interval=%g:signal=%s:at_exit=%d:unwinder=%s:follow_exec=%d",
		 o->out, (unsigned long long)o->sample, o->depth, o->interval, sig, o->at_exit ? 1 : 0,
		 o->unwinder == OPTIONS_UNWINDER_FP ? "fp" : "libunwind", o->follow_exec ? 1 : 0);
}
