/*
 * heapdiff.c: retained heap growth by call site between two snapshots, and
 * the trend of every site over a series of snapshots.
 *
 * Owns heapdiff's command line, its output formats (text table, --json) for
 * a pair and for a series, the inputs' order and grouping into processes,
 * the comparison guards and the CI gate (--fail-on-*); snapread.c reads the
 * files, rank.c ranks a pair, series.c and trend.c do a series' arithmetic.
 * Single-threaded. Invariants: (1) every input is opened and checked (and
 * the guards passed) before anything is printed, so a failing run leaves
 * stdout empty; (2) inputs are never modified; (3) two snapshots give the
 * pair report, three or more (or --by other than site) the series report,
 * never an error; (4) stdout carries results only, notes, warnings and gate
 * failures go to stderr; (5) the gate looks at every site, not only those
 * shown. Exit codes: enum msgs_exit.
 */
#include "export.h"
#include "fmt.h"
#include "linefill.h"
#include "msgs.h"
#include "rank.h"
#include "series.h"
#include "snapread.h"
#include "trend.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_TOP 20
#define DEFAULT_CALLERS 4

struct args {
	bool json, all;
	long top;       /* 0 = all */
	long callers;   /* caller frames under each text row */
	char **files;
	int nfiles;
	/* Series and gate options. */
	enum by { BY_SITE, BY_STACK, BY_FUNCTION, BY_FILE, BY_MODULE, BY_LABEL } by;
	bool force, values, have_pid;
	int64_t pid;
	int64_t fail_growth, fail_site_growth;   /* -1: not set */
	bool fail_leak;
	char **owned_files;  /* the files of a DIR argument, to free */
	int folded;       /* 0: no; else 1 + enum export_mode */
	const char *svg;  /* flame graph of retained growth to this file */
};

static const char *const by_names[] = { "site", "stack", "function", "file", "module", "label" };

/* The CI gate's outcome over every report of the run. */
static bool gate_failed;

/* One snapshot with its sites, in stack_id order. */
struct side {
	struct snapread *snap;
	struct snapread_site *sites;
	size_t nsites;
	struct rank_site *rank;
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: heapdiff [OPTIONS] OLD.db NEW.db [MORE.db...]\n"
"       heapdiff [OPTIONS] DIR\n"
"Show the heap growth retained between two heapsnap snapshots, by call\n"
"site, largest growth first. With three or more snapshots (or a directory\n"
"of them), show each site's trend over the series, ordered by meta.seq:\n"
"slope, steadiness, peak, final value and a verdict (leak, growing,\n"
"transient, stable), leaks first.\n"
"\n"
"  --top N       show the N sites that grew most (default %d, 0 = all)\n"
"  --all         also show sites that did not grow or shrank, after those\n"
"                that grew\n"
"  --callers N   caller frames shown under each site (default %d)\n"
"  --json        machine-readable output (see heapdiff(1))\n"
"  --debug-dir DIR  also look for debug files in DIR to resolve lines the\n"
"                snapshots lack (in memory; the files are not changed)\n"
"  --by KEY      group by site (default), stack, function, file, module\n"
"                or label (the request label of heapsnap_set_label)\n"
"  --pid PID     only the snapshots of process PID\n"
"  --values      series: print each site's live bytes at every snapshot\n"
"  --force       compare snapshots of different programs anyway\n"
"  --fail-on-growth BYTES       exit 5 when the exact live heap grew more\n"
"                than BYTES (K, M, G suffixes) from first to last snapshot\n"
"  --fail-on-site-growth BYTES  exit 5 when a site grew more than BYTES\n"
"  --fail-on-leak  exit 5 when a site's verdict is leak\n"
"  --folded[=growth|live]\n"
"                collapsed stacks 'caller;...;site BYTES' of the retained\n"
"                growth (default) or of NEW's live bytes, for flamegraph.pl\n"
"                and speedscope, instead of the table\n"
"  --svg FILE    also write an interactive flame graph of the retained\n"
"                growth to FILE (self-contained SVG)\n"
"  --help        show this help and exit\n"
"  --version     show the version and exit\n"
"\n"
"Exit status: 0 ok, 1 usage error, 2 unreadable or invalid snapshot (or\n"
"snapshots of different programs without --force), 4 internal error,\n"
"5 a --fail-on-* gate failed (the report is printed).\n", DEFAULT_TOP, DEFAULT_CALLERS);
}

static int parse_count(const char *opt, const char *val, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < 0)
		return msgs_error("invalid value '%s' for %s: expected a "
				  "non-negative integer", val, opt);
	*out = v;
	return 0;
}

/* A size in bytes with an optional K, M or G suffix (binary, optionally
 * followed by B or iB), as the library's options take them. */
static int parse_size(const char *opt, const char *val, int64_t *out)
{
	char *end;
	unsigned long long v;
	int64_t mul = 1;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (errno || end == val || *val == '-' || *val == '+')
		goto bad;
	switch (*end) {
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024 * 1024 * 1024; end++; break;
	case 'b': case 'B': if (end[1] == '\0') end++; break;
	default: break;
	}
	if (mul > 1 && (!strcmp(end, "B") || !strcmp(end, "iB") || !strcmp(end, "b")))
		end += strlen(end);
	if (*end || v > (unsigned long long)(INT64_MAX / mul))
		goto bad;
	*out = (int64_t)v * mul;
	return 0;
bad:
	return msgs_error("invalid size '%s' for %s: expected bytes with an optional "
			  "K, M or G suffix, such as 512K or 2M", val, opt);
}

/* Returns -1 to exit with MSGS_EXIT_USAGE, 1 to exit 0 (--help...), 0 ok. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "top", required_argument, NULL, 't' },
		{ "callers", required_argument, NULL, 'c' },
		{ "debug-dir", required_argument, NULL, 'd' },
		{ "by", required_argument, NULL, 'b' },
		{ "pid", required_argument, NULL, 'p' },
		{ "values", no_argument, NULL, 'v' },
		{ "force", no_argument, NULL, 'f' },
		{ "fail-on-growth", required_argument, NULL, 'G' },
		{ "fail-on-site-growth", required_argument, NULL, 'S' },
		{ "fail-on-leak", no_argument, NULL, 'L' },
		{ "folded", optional_argument, NULL, 'F' },
		{ "svg", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->top = DEFAULT_TOP;
	a->callers = DEFAULT_CALLERS;
	a->fail_growth = a->fail_site_growth = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': a->json = true; break;
		case 'a': a->all = true; break;
		case 't':
			if (parse_count("--top", optarg, &a->top) < 0)
				return -1;
			break;
		case 'c':
			if (parse_count("--callers", optarg, &a->callers) < 0)
				return -1;
			break;
		case 'd':
			if (linefill_add_debug_dir(optarg) < 0)
				return -1;
			break;
		case 'b': {
			size_t k;

			for (k = 0; k < sizeof(by_names) / sizeof(by_names[0]); k++)
				if (!strcmp(optarg, by_names[k]))
					break;
			if (k == sizeof(by_names) / sizeof(by_names[0]))
				return msgs_error("invalid value '%s' for --by: expected site, "
						  "stack, function, file, module or label", optarg);
			a->by = (enum by)k;
			break;
		}
		case 'p': {
			long pid;

			if (parse_count("--pid", optarg, &pid) < 0)
				return -1;
			a->pid = pid;
			a->have_pid = true;
			break;
		}
		case 'v': a->values = true; break;
		case 'f': a->force = true; break;
		case 'G':
			if (parse_size("--fail-on-growth", optarg, &a->fail_growth) < 0)
				return -1;
			break;
		case 'S':
			if (parse_size("--fail-on-site-growth", optarg, &a->fail_site_growth) < 0)
				return -1;
			break;
		case 'L': a->fail_leak = true; break;
		case 'F':
			if (!optarg || !strcmp(optarg, "growth"))
				a->folded = 1 + EXPORT_GROWTH;
			else if (!strcmp(optarg, "live"))
				a->folded = 1 + EXPORT_LIVE;
			else
				return msgs_error("invalid value '%s' for --folded: expected "
						  "'growth' or 'live'", optarg);
			break;
		case 'W': a->svg = optarg; break;
		case 'h': usage(stdout); return 1;
		case 'V': printf("heapdiff (heapsnap) %s\n", PACKAGE_VERSION); return 1;
		case ':':
			return msgs_error("option '%s' needs a value; try 'heapdiff --help'",
					  argv[optind - 1]);
		default:
			return msgs_error("unknown option '%s'; try 'heapdiff --help'",
					  argv[optind - 1]);
		}
	}
	a->files = argv + optind;
	a->nfiles = argc - optind;
	if (a->nfiles < 1)
		return msgs_error("need two snapshots to compare, got %d; "
				  "usage: heapdiff [OPTIONS] OLD.db NEW.db", a->nfiles);
	return 0;
}

static void load_rank_sites(struct side *s)
{
	s->rank = msgs_xmalloc(s->nsites * sizeof(*s->rank));
	for (size_t i = 0; i < s->nsites; i++) {
		const struct snapread_frame *f = &s->sites[i].site;
		struct rank_site *r = &s->rank[i];

		r->key.module = f->module_base;
		r->key.function = f->function;
		r->key.file = f->file;
		r->key.line = f->line;
		r->key.offset = f->has_offset ? f->offset : f->address;
		r->stack_id = s->sites[i].stack_id;
		r->bytes = s->sites[i].live_bytes;
		r->count = s->sites[i].live_count;
	}
}

/* Do the two snapshots come from one process (so stack ids match)? Same pid
 * and, when both record it, the same start time (time - uptime). */
static bool same_process(const struct snapread *a, const struct snapread *b)
{
	int64_t pa = snapread_meta_int(a, "pid", -1), pb = snapread_meta_int(b, "pid", -2);
	double ta = snapread_meta_real(a, "time", NAN), ua = snapread_meta_real(a, "uptime", NAN);
	double tb = snapread_meta_real(b, "time", NAN), ub = snapread_meta_real(b, "uptime", NAN);

	if (pa != pb)
		return false;
	if (isnan(ta) || isnan(ua) || isnan(tb) || isnan(ub))
		return true;
	return fabs((ta - ua) - (tb - ub)) < 2.0;
}

/* Warnings of the report being made, for the series JSON ("warnings"):
 * each also goes to stderr at once (invariant 4). */
static char **warnings;
static size_t nwarnings;

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	msgs_warning("%s", buf);
	warnings = msgs_xrealloc(warnings, (nwarnings + 1) * sizeof(*warnings));
	warnings[nwarnings++] = msgs_xstrdup(buf);
}

static void warnings_clear(void)
{
	for (size_t i = 0; i < nwarnings; i++)
		free(warnings[i]);
	free(warnings);
	warnings = NULL;
	nwarnings = 0;
}

static void warn_mismatches(struct snapread **snaps, int n)
{
	const struct snapread *first = snaps[0];
	bool warned_pid = false, warned_build = false, warned_sample = false;

	for (int i = 1; i < n; i++) {
		const struct snapread *s = snaps[i];
		int64_t p0 = snapread_meta_int(first, "pid", -1);
		int64_t p1 = snapread_meta_int(s, "pid", -1);
		const char *b0 = snapread_meta_text(first, "build_id");
		const char *b1 = snapread_meta_text(s, "build_id");

		if (!warned_pid && p0 != p1) {
			warn("'%s' and '%s' come from different processes "
				     "(pid %" PRId64 " and %" PRId64 "); sites are "
				     "matched by call site only", first->path, s->path,
				     p0, p1);
			warned_pid = true;
		}
		if (!warned_build && b0 && b1 && strcmp(b0, b1) != 0) {
			warn("'%s' and '%s' come from different builds "
				     "(build_id %s and %s); call sites may not match",
				     first->path, s->path, b0, b1);
			warned_build = true;
		}
		int64_t s0 = snapread_meta_int(first, "sample", 0);
		int64_t s1 = snapread_meta_int(s, "sample", 0);
		if (!warned_sample && s0 && s1 && s0 != s1) {
			warn("'%s' and '%s' were sampled differently (sample %" PRId64
				     " and %" PRId64 "); site numbers are estimates of unequal "
				     "precision, the exact totals still compare", first->path,
				     s->path, s0, s1);
			warned_sample = true;
		}
	}
	double t0 = snapread_meta_real(first, "time", NAN);
	double t1 = snapread_meta_real(snaps[n - 1], "time", NAN);
	if (t1 < t0)
		warn("'%s' was taken before '%s'; growth is new minus old, "
			     "did you swap them?", snaps[n - 1]->path, first->path);
}

/* The sites row of stack_id in s (sites are in stack_id order), or NULL. */
static const struct snapread_site *find_site(const struct side *s, int64_t stack_id)
{
	size_t lo = 0, hi = s->nsites;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->sites[mid].stack_id == stack_id)
			return &s->sites[mid];
		if (s->sites[mid].stack_id < stack_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Frames of the group's representative stack, call site first. Falls back
 * to the call-site frame alone when the stack's frames are missing.
 * *owned says whether to free *out with snapread_frames_free. */
static int group_frames(const struct rank_group *g, struct side *old, struct side *new,
			struct snapread_frame **out, size_t *n, bool *owned)
{
	struct side *s = g->rep_side == RANK_NEW ? new : old;
	const struct snapread_site *site;

	if (snapread_frames(s->snap, g->rep_stack_id, out, n) < 0)
		return -1;
	*owned = true;
	if (*n > 0)
		return 0;
	free(*out);
	*owned = false;
	*out = NULL;
	site = find_site(s, g->rep_stack_id);
	if (site && (site->site.function || site->site.module || site->site.address)) {
		*out = (struct snapread_frame *)&site->site;
		*n = 1;
	}
	return 0;
}

static void print_meta_json(FILE *out, const struct snapread *s)
{
	fputc('{', out);
	for (size_t i = 0; i < s->nmeta; i++) {
		const struct snapread_kv *kv = &s->meta[i];

		if (i)
			fputs(", ", out);
		fmt_json_string(out, kv->key);
		fputs(": ", out);
		switch (kv->type) {
		case SNAPREAD_INT: fprintf(out, "%" PRId64, kv->i); break;
		case SNAPREAD_REAL: fmt_json_real(out, kv->r); break;
		case SNAPREAD_TEXT: fmt_json_string(out, kv->s); break;
		default: fputs("null", out); break;
		}
	}
	fputc('}', out);
}

/* The frames of one stack as a JSON array body ({"function", "file", "line",
 * "module", "address"} objects), for the pair and the series output. */
static void print_frames_json(FILE *out, const struct snapread_frame *f, size_t nf)
{
	for (size_t k = 0; k < nf; k++) {
		fputs(k ? ", {\"function\": " : "{\"function\": ", out);
		fmt_json_string(out, f[k].function);
		fputs(", \"file\": ", out);
		fmt_json_string(out, f[k].file);
		if (f[k].line > 0)
			fprintf(out, ", \"line\": %" PRId64, f[k].line);
		else
			fputs(", \"line\": null", out);
		fputs(", \"module\": ", out);
		fmt_json_string(out, f[k].module);
		fprintf(out, ", \"address\": %" PRIu64 "}", f[k].address);
	}
}

static int print_json(FILE *out, struct side *old, struct side *new,
		      const struct rank_group *g, size_t n)
{
	fputs("{\"old\": ", out);
	print_meta_json(out, old->snap);
	fputs(",\n \"new\": ", out);
	print_meta_json(out, new->snap);
	fputs(",\n \"sites\": [", out);
	for (size_t i = 0; i < n; i++) {
		struct snapread_frame *f;
		size_t nf;
		bool owned;

		if (group_frames(&g[i], old, new, &f, &nf, &owned) < 0)
			return -1;
		fprintf(out, "%s\n  {\"bytes_delta\": %" PRId64 ", \"count_delta\": %" PRId64
			", \"old_bytes\": %" PRId64 ", \"new_bytes\": %" PRId64
			", \"old_count\": %" PRId64 ", \"new_count\": %" PRId64
			", \"frames\": [", i ? "," : "", g[i].bytes_delta, g[i].count_delta,
			g[i].old_bytes, g[i].new_bytes, g[i].old_count, g[i].new_count);
		print_frames_json(out, f, nf);
		fputs("]}", out);
		if (owned)
			snapread_frames_free(f, nf);
	}
	fputs(n ? "\n ]}\n" : "]}\n", out);
	return 0;
}

#define SITE_COL 44   /* column where the call site starts in the text table */

static int print_text(FILE *out, struct side *old, struct side *new,
		      const struct rank_group *g, size_t n, long callers)
{
	char human[32], exact[32], count[32], live[32], frame[1024];

	fprintf(out, "%10s %12s %8s %9s  %s\n", "GROWTH", "(BYTES)", "COUNT",
		"LIVE NOW", "CALL SITE (callers below)");
	for (size_t i = 0; i < n; i++) {
		struct snapread_frame *f;
		size_t nf;
		bool owned;

		if (group_frames(&g[i], old, new, &f, &nf, &owned) < 0)
			return -1;
		fmt_bytes(human, sizeof(human), g[i].bytes_delta, true);
		snprintf(exact, sizeof(exact), "(%+" PRId64 ")", g[i].bytes_delta);
		snprintf(count, sizeof(count), "%+" PRId64, g[i].count_delta);
		fmt_bytes(live, sizeof(live), g[i].new_bytes, false);
		if (nf > 0)
			fmt_frame(frame, sizeof(frame), &f[0]);
		else
			snprintf(frame, sizeof(frame), "(unknown call site)");
		fprintf(out, "%10s %12s %8s %9s  %s", human, exact, count, live, frame);
		if (g[i].new_stacks > 1)
			fprintf(out, "  [%zu stacks]", g[i].new_stacks);
		fputc('\n', out);
		for (size_t k = 1; k < nf && (long)k <= callers; k++) {
			fmt_frame(frame, sizeof(frame), &f[k]);
			fprintf(out, "%*s<- %s\n", SITE_COL + 2, "", frame);
		}
		if (nf > 1 && (long)nf - 1 > callers && callers > 0)
			fprintf(out, "%*s<- ... %zu more\n", SITE_COL + 2, "",
				nf - 1 - (size_t)callers);
		if (owned)
			snapread_frames_free(f, nf);
	}
	return 0;
}

/* Totals and what was left out, after the table (the table comes first so
 * the site that grew most is the line right under the header). */
static void print_summary(FILE *out, const struct args *a, struct side *old,
			  struct side *new, size_t ngroups, size_t ngrew, size_t nshown)
{
	int64_t ob = snapread_meta_int(old->snap, "live_bytes", INT64_MIN);
	int64_t nb = snapread_meta_int(new->snap, "live_bytes", INT64_MIN);
	int64_t oc = snapread_meta_int(old->snap, "live_count", INT64_MIN);
	int64_t nc = snapread_meta_int(new->snap, "live_count", INT64_MIN);
	double t0 = snapread_meta_real(old->snap, "time", NAN);
	double t1 = snapread_meta_real(new->snap, "time", NAN);
	int64_t sample = snapread_meta_int(new->snap, "sample", 0);
	char b0[32], b1[32], d[32];

	fputc('\n', out);
	if (ob != INT64_MIN && nb != INT64_MIN) {
		fmt_bytes(b0, sizeof(b0), ob, false);
		fmt_bytes(b1, sizeof(b1), nb, false);
		fmt_bytes(d, sizeof(d), nb - ob, true);
		fprintf(out, "live heap (exact): %s -> %s, %s", b0, b1, d);
		if (oc != INT64_MIN && nc != INT64_MIN)
			fprintf(out, " in %+" PRId64 " allocations", nc - oc);
		if (!isnan(t0) && !isnan(t1))
			fprintf(out, " over %.1f s", t1 - t0);
		fputc('\n', out);
	}
	fprintf(out, "sites: %zu of %zu grew, %zu shown", ngrew, ngroups, nshown);
	if (!a->all && ngroups > ngrew)
		fputs(" (--all also shows the others)", out);
	else if (nshown < (a->all ? ngroups : ngrew))
		fputs(" (--top 0 shows all)", out);
	if (sample > 1)
		fprintf(out, "; site numbers are estimates (sample=%" PRId64 ")", sample);
	if (a->nfiles > 2)
		fprintf(out, "; first and last of %d snapshots compared", a->nfiles);
	fputc('\n', out);
}

/* --- guards, RSS and the gate (pair and series) ------------------------ */

/* Refuses (unless --force) snapshots of different programs: their call
 * sites have nothing in common, so a comparison would only list every site
 * of both. Returns 0 or -1 after msgs_error(). */
static int check_programs(struct snapread **snaps, size_t n, bool force)
{
	const char *e0 = snapread_meta_text(snaps[0], "exe");

	for (size_t i = 1; i < n && e0; i++) {
		const char *e1 = snapread_meta_text(snaps[i], "exe");

		if (!e1 || !strcmp(e0, e1))
			continue;
		if (force) {
			warn("'%s' and '%s' are snapshots of different programs "
				     "(%s and %s); compared anyway (--force)",
				     snaps[0]->path, snaps[i]->path, e0, e1);
			return 0;
		}
		return msgs_error("cannot compare '%s' and '%s': they are snapshots of "
				  "different programs (%s and %s), whose call sites do not "
				  "match; pass --force to compare them anyway",
				  snaps[0]->path, snaps[i]->path, e0, e1);
	}
	return 0;
}

#define RSS_NOTE_MIN (4 * 1024 * 1024)

/* RSS growth between two snapshots, minus the tracker's own resident growth
 * (INT64_MIN when either lacks rss_bytes). */
static int64_t rss_growth(const struct snapread *a, const struct snapread *b)
{
	int64_t r0 = snapread_meta_int(a, "rss_bytes", INT64_MIN);
	int64_t r1 = snapread_meta_int(b, "rss_bytes", INT64_MIN);
	int64_t k0 = snapread_meta_int(a, "tracker_resident_bytes", INT64_MIN);
	int64_t k1 = snapread_meta_int(b, "tracker_resident_bytes", INT64_MIN);

	if (r0 == INT64_MIN || r1 == INT64_MIN)
		return INT64_MIN;
	if (k0 != INT64_MIN && k1 != INT64_MIN)
		return (r1 - r0) - (k1 - k0);
	return r1 - r0;
}

/* Did RSS grow much more than the exact live heap (heapdiff(1), RSS)? */
static bool rss_not_heap(const struct snapread *a, const struct snapread *b)
{
	int64_t r = rss_growth(a, b);
	int64_t h0 = snapread_meta_int(a, "live_bytes", INT64_MIN);
	int64_t h1 = snapread_meta_int(b, "live_bytes", INT64_MIN);
	int64_t h;

	if (r == INT64_MIN || h0 == INT64_MIN || h1 == INT64_MIN)
		return false;
	h = h1 - h0 > 0 ? h1 - h0 : 0;
	/* The tracker's pages may become resident during the series without
	 * tracker_resident_bytes changing (it counts them from the start), so
	 * growth it could explain is never reported. */
	if (r <= snapread_meta_int(b, "tracker_resident_bytes", 0))
		return false;
	return r >= RSS_NOTE_MIN && r > 2 * h;
}

/* The RSS-versus-heap statement (heapdiff(1), RSS) into buf; "" when
 * RSS did not grow much more than the heap. */
static void rss_note(char *buf, size_t size, const struct snapread *a, const struct snapread *b)
{
	char r0[32], r1[32], rd[32], hd[32];

	buf[0] = '\0';
	if (!rss_not_heap(a, b))
		return;
	fmt_bytes(r0, sizeof(r0), snapread_meta_int(a, "rss_bytes", 0), false);
	fmt_bytes(r1, sizeof(r1), snapread_meta_int(b, "rss_bytes", 0), false);
	fmt_bytes(rd, sizeof(rd), rss_growth(a, b), true);
	fmt_bytes(hd, sizeof(hd), snapread_meta_int(b, "live_bytes", 0) -
		  snapread_meta_int(a, "live_bytes", 0), true);
	snprintf(buf, size, "RSS grew %s (%s -> %s, the tracker's own memory left out) "
		 "but the exact live heap only %s: the growth is not in live malloc "
		 "blocks (fragmentation, or memory outside malloc such as mmap, thread "
		 "stacks or a JIT); do not hunt a heap leak for it", rd, r0, r1, hd);
}

static void print_rss_note(FILE *out, const struct snapread *a, const struct snapread *b)
{
	char note[1024];

	rss_note(note, sizeof(note), a, b);
	if (note[0])
		fprintf(out, "note: %s\n", note);
}

static void gate_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void gate_fail(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	msgs_error("gate failed: %s", buf);
	gate_failed = true;
}

/* --fail-on-growth, on the exact totals of the first and last snapshot. */
static void gate_heap(const struct args *a, const struct snapread *first,
		      const struct snapread *last)
{
	int64_t h0 = snapread_meta_int(first, "live_bytes", INT64_MIN);
	int64_t h1 = snapread_meta_int(last, "live_bytes", INT64_MIN);
	char d[32], lim[32];

	if (a->fail_growth < 0)
		return;
	if (h0 == INT64_MIN || h1 == INT64_MIN) {
		gate_fail("--fail-on-growth: '%s' or '%s' has no live_bytes in its meta "
			  "table, so the growth is unknown", first->path, last->path);
		return;
	}
	if (h1 - h0 <= a->fail_growth)
		return;
	fmt_bytes(d, sizeof(d), h1 - h0, true);
	fmt_bytes(lim, sizeof(lim), a->fail_growth, false);
	gate_fail("the exact live heap grew %s (%+" PRId64 " bytes) from '%s' to '%s', "
		  "more than --fail-on-growth %s (%" PRId64 " bytes)", d, h1 - h0,
		  first->path, last->path, lim, a->fail_growth);
}

static void gate_site(const struct args *a, const char *label, int64_t growth)
{
	char d[32], lim[32];

	if (a->fail_site_growth < 0 || growth <= a->fail_site_growth)
		return;
	fmt_bytes(d, sizeof(d), growth, true);
	fmt_bytes(lim, sizeof(lim), a->fail_site_growth, false);
	gate_fail("site '%s' grew %s (%+" PRId64 " bytes), more than "
		  "--fail-on-site-growth %s (%" PRId64 " bytes)", label, d, growth,
		  lim, a->fail_site_growth);
}

/* --- a series ---------------------------------------------------------- */

/* A growable string for keys. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		int n;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = msgs_xrealloc(b->p, b->cap);
	}
}

static void sb_put(struct sbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = msgs_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

#define NUL_OR(s) ((s) ? (s) : "\001")

/* Appends the site identity of f (rank.h invariant 1) to b. */
static void key_site(struct sbuf *b, const struct snapread_frame *f)
{
	if (f->function)
		sb_printf(b, "S\037%s\037%s\037%s\037%" PRId64 "\036", NUL_OR(f->module_base),
			  f->function, NUL_OR(f->file), f->line > 0 ? f->line : 0);
	else
		sb_printf(b, "A\037%s\037%" PRIx64 "\036", NUL_OR(f->module_base),
			  f->has_offset ? f->offset : f->address);
}

/* --by stack's keys of one snapshot: key_site of each frame row of its
 * trie (snapread_stack_refs), made once per row and reused by every
 * stack through it, so a stack's key is a few copies. Valid for the
 * snapshot it was filled from only: key_memo_reset between snapshots. */
struct key_memo {
	struct sbuf *site;   /* [n]; .p NULL: not made yet */
	size_t n;
};

static struct key_memo key_memo;

static void key_memo_reset(void)
{
	for (size_t i = 0; i < key_memo.n; i++)
		free(key_memo.site[i].p);
	free(key_memo.site);
	key_memo.site = NULL;
	key_memo.n = 0;
}

/* Appends the --by stack key of stack_id to key. Returns 0, 1 when the
 * file has no trie (version 1: the caller reads the frames), or -1. */
static int key_stack_memo(struct snapread *snap, int64_t stack_id, struct sbuf *key, size_t *nf)
{
	const struct snapread_frame *all;
	const uint32_t *refs;
	int rc = snapread_stack_refs(snap, stack_id, &refs, nf);

	if (rc != 0)
		return rc;
	all = snapread_trie_frames(snap);
	for (size_t k = 0; k < *nf; k++) {
		uint32_t r = refs[k];

		if (r >= key_memo.n) {
			size_t n = key_memo.n ? key_memo.n : 64;

			while (n <= r)
				n *= 2;
			key_memo.site = msgs_xrealloc(key_memo.site, n * sizeof(*key_memo.site));
			memset(key_memo.site + key_memo.n, 0, (n - key_memo.n) * sizeof(*key_memo.site));
			key_memo.n = n;
		}
		if (!key_memo.site[r].p)
			key_site(&key_memo.site[r], &all[r]);
		sb_put(key, key_memo.site[r].p, key_memo.site[r].len);
	}
	return 0;
}

/* Key and label of one sites row under --by. */
static int row_key(const struct args *a, struct snapread *snap, const struct snapread_site *row,
		   struct sbuf *key, struct sbuf *label)
{
	const struct snapread_frame *f = &row->site;
	char frame[1024];

	key->len = label->len = 0;
	sb_printf(key, "%s", "");
	sb_printf(label, "%s", "");
	switch (a->by) {
	case BY_SITE:
		key_site(key, f);
		break;
	case BY_STACK: {
		struct snapread_frame *fr;
		size_t nf;
		int rc = key_stack_memo(snap, row->stack_id, key, &nf);

		if (rc < 0)
			return -1;
		if (rc == 1) {
			if (snapread_frames(snap, row->stack_id, &fr, &nf) < 0)
				return -1;
			for (size_t k = 0; k < nf; k++)
				key_site(key, &fr[k]);
			snapread_frames_free(fr, nf);
		}
		if (nf == 0)
			key_site(key, f);
		break;
	}
	case BY_FUNCTION:
		if (f->function) {
			sb_printf(key, "F\037%s\037%s", NUL_OR(f->module_base), f->function);
			sb_printf(label, "%s (%s)", f->function, f->module_base ? f->module_base : "?");
			return 0;
		}
		key_site(key, f);
		break;
	case BY_FILE:
		if (f->file) {
			sb_printf(key, "P\037%s", f->file);
			sb_printf(label, "%s", f->file);
		} else {
			sb_printf(key, "M\037%s", NUL_OR(f->module_base));
			sb_printf(label, "%s (no source file)", f->module_base ? f->module_base : "?");
		}
		return 0;
	case BY_MODULE:
		sb_printf(key, "M\037%s", NUL_OR(f->module_base));
		sb_printf(label, "%s", f->module_base ? f->module_base : "(unknown module)");
		return 0;
	case BY_LABEL:
		sb_printf(key, "L\037%s", NUL_OR(row->label));
		sb_printf(label, "%s", row->label ? row->label : "(no label)");
		return 0;
	}
	if (f->function || f->module || f->address)
		fmt_frame(frame, sizeof(frame), f);
	else
		snprintf(frame, sizeof(frame), "(unknown call site)");
	sb_printf(label, "%s", frame);
	return 0;
}

struct ranked {
	struct trend tr;
	size_t g;            /* index into series.groups */
	const char *key;
};

static int ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	int c = trend_cmp(&a->tr, &b->tr);

	return c ? c : strcmp(a->key, b->key);
}

#define SPARK_WIDTH 24
/* Columns of the TREND column: the sparkline, at least the header's width. */
#define SPARK_COLS(n) ((int)((n) < SPARK_WIDTH ? ((n) > 5 ? (n) : 5) : SPARK_WIDTH))


static void json_int_or_null(FILE *out, const struct snapread *s, const char *key)
{
	int64_t v = snapread_meta_int(s, key, INT64_MIN);

	if (v == INT64_MIN)
		fputs("null", out);
	else
		fprintf(out, "%" PRId64, v);
}

struct series_ctx {
	const struct args *a;
	struct snapread **snaps;
	size_t n;
	struct series ser;
	double *t;
	bool t_from_index;
	int64_t sample;
	struct ranked *rk;
	size_t nshown;
	size_t counts[4];
	struct snapread_frame **frames;  /* [nshown]: the shown groups' stacks */
	size_t *nframes;
};

struct by_snap {
	size_t snap, i;      /* a shown group's rep_snap, its rank */
};

static int by_snap_cmp(const void *pa, const void *pb)
{
	const struct by_snap *a = pa, *b = pb;

	if (a->snap != b->snap)
		return a->snap < b->snap ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* The representatives of the groups whose rep_snap is snap, when the
 * series was read as sums (every --by but stack): its rows once more, one
 * by one. Returns 0 or -1. */
static int series_reps(struct series_ctx *c, size_t snap, struct sbuf *key, struct sbuf *label)
{
	struct snapread_site *rows;
	size_t nrows;
	int rc = 0;

	if (c->a->by == BY_STACK)
		return 0; /* read row by row: series_add chose them */
	if (snapread_sites(c->snaps[snap], &rows, &nrows) < 0)
		return -1;
	for (size_t r = 0; r < nrows && rc == 0; r++) {
		rc = row_key(c->a, c->snaps[snap], &rows[r], key, label);
		if (rc == 0)
			series_offer_rep(&c->ser, snap, key->p, rows[r].stack_id, rows[r].live_bytes);
	}
	snapread_sites_free(rows, nrows);
	return rc;
}

/* The frames of every shown group's representative stack (--by site and
 * stack; none for the others), read snapshot by snapshot so that at most
 * one snapshot's line-filled copy is held at a time. Returns 0 or -1. */
static int series_read_frames(struct series_ctx *c, struct sbuf *key, struct sbuf *label)
{
	struct by_snap *order;
	int rc = 0;

	c->frames = msgs_xmalloc((c->nshown ? c->nshown : 1) * sizeof(*c->frames));
	c->nframes = msgs_xmalloc((c->nshown ? c->nshown : 1) * sizeof(*c->nframes));
	memset(c->frames, 0, (c->nshown ? c->nshown : 1) * sizeof(*c->frames));
	memset(c->nframes, 0, (c->nshown ? c->nshown : 1) * sizeof(*c->nframes));
	if (c->a->by != BY_SITE && c->a->by != BY_STACK)
		return 0;
	order = msgs_xmalloc((c->nshown ? c->nshown : 1) * sizeof(*order));
	for (size_t i = 0; i < c->nshown; i++) {
		order[i].snap = c->ser.groups[c->rk[i].g].rep_snap;
		order[i].i = i;
	}
	qsort(order, c->nshown, sizeof(*order), by_snap_cmp);
	for (size_t k = 0; k < c->nshown && rc == 0; k++) {
		const struct series_group *g = &c->ser.groups[c->rk[order[k].i].g];
		struct snapread *snap = c->snaps[order[k].snap];

		rc = linefill_snapread(snap);
		if (rc == 0 && (k == 0 || order[k - 1].snap != order[k].snap))
			rc = series_reps(c, order[k].snap, key, label);
		if (rc == 0)
			rc = snapread_frames(snap, g->rep_stack_id, &c->frames[order[k].i],
					     &c->nframes[order[k].i]);
		if (k + 1 == c->nshown || order[k + 1].snap != order[k].snap)
			linefill_release(snap);
	}
	free(order);
	return rc;
}

static void series_frames(struct series_ctx *c, size_t i, struct snapread_frame **f, size_t *nf)
{
	*f = c->frames[i];
	*nf = c->nframes[i];
}

static int series_json(FILE *out, struct series_ctx *c)
{
	const struct snapread *first = c->snaps[0], *last = c->snaps[c->n - 1];
	bool *noisy = msgs_xmalloc(c->n * sizeof(*noisy));
	double *scratch = msgs_xmalloc(TREND_SCRATCH(c->n) * sizeof(*scratch));
	int rc = 0;

	fprintf(out, "{\"series\": {\"by\": \"%s\", \"snapshots\": %zu, \"sample\": %" PRId64
		", \"slope_unit\": \"%s\"},\n \"snapshots\": [", by_names[c->a->by], c->n,
		c->sample, c->t_from_index ? "bytes/snapshot" : "bytes/hour");
	for (size_t i = 0; i < c->n; i++) {
		const struct snapread *s = c->snaps[i];

		fputs(i ? ",\n  {\"path\": " : "\n  {\"path\": ", out);
		fmt_json_string(out, s->path);
		fputs(", \"seq\": ", out);
		json_int_or_null(out, s, "seq");
		fputs(", \"pid\": ", out);
		json_int_or_null(out, s, "pid");
		fputs(", \"time\": ", out);
		fmt_json_real(out, snapread_meta_real(s, "time", NAN));
		fputs(", \"live_bytes\": ", out);
		json_int_or_null(out, s, "live_bytes");
		fputs(", \"rss_bytes\": ", out);
		json_int_or_null(out, s, "rss_bytes");
		fputc('}', out);
	}
	fputs("],\n \"first\": ", out);
	print_meta_json(out, first);
	fputs(",\n \"last\": ", out);
	print_meta_json(out, last);
	fputs(",\n \"heap\": {\"live_bytes_delta\": ", out);
	if (snapread_meta(first, "live_bytes") && snapread_meta(last, "live_bytes"))
		fprintf(out, "%" PRId64, snapread_meta_int(last, "live_bytes", 0) -
			snapread_meta_int(first, "live_bytes", 0));
	else
		fputs("null", out);
	int64_t r = rss_growth(first, last);
	fputs(", \"rss_bytes_delta\": ", out);
	if (r == INT64_MIN)
		fputs("null", out);
	else
		fprintf(out, "%" PRId64, r);
	char note[1024];

	rss_note(note, sizeof(note), first, last);
	fprintf(out, ", \"rss_not_heap\": %s, \"note\": ", rss_not_heap(first, last) ? "true" : "false");
	fmt_json_string(out, note[0] ? note : NULL);
	fputs("},\n \"warnings\": [", out);
	for (size_t i = 0; i < nwarnings; i++) {
		fputs(i ? ", " : "", out);
		fmt_json_string(out, warnings[i]);
	}
	fputs("],\n", out);
	fprintf(out, " \"verdicts\": {\"leak\": %zu, \"growing\": %zu, \"transient\": %zu, "
		"\"stable\": %zu},\n \"sites\": [", c->counts[0], c->counts[1], c->counts[2],
		c->counts[3]);
	for (size_t i = 0; i < c->nshown && rc == 0; i++) {
		const struct series_group *g = &c->ser.groups[c->rk[i].g];
		const struct trend *tr = &c->rk[i].tr;
		struct trend again;
		struct snapread_frame *f;
		size_t nf;

		trend_fit(c->t, g->bytes, c->n, c->sample, scratch, &again, noisy);
		fputs(i ? ",\n  {\"label\": " : "\n  {\"label\": ", out);
		fmt_json_string(out, g->label);
		fprintf(out, ", \"verdict\": \"%s\", \"slope\": ", trend_verdict_name(tr->verdict));
		fmt_json_real(out, tr->slope);
		fputs(", \"fit\": ", out);
		fmt_json_real(out, tr->fit);
		fprintf(out, ", \"steps\": %zu, \"steps_grew\": %zu, \"steps_shrank\": %zu"
			", \"steps_within_noise\": %zu, \"grew_fraction\": ", tr->steps, tr->grew,
			tr->shrank, tr->noisy);
		fmt_json_real(out, tr->steps ? (double)tr->grew / (double)tr->steps : 0.0);
		fprintf(out, ", \"first_bytes\": %" PRId64 ", \"peak_bytes\": %" PRId64
			", \"final_bytes\": %" PRId64 ", \"bytes_delta\": %" PRId64
			", \"first_count\": %" PRId64 ", \"final_count\": %" PRId64
			", \"stacks\": %zu, \"bytes\": [", tr->first, tr->peak, tr->final,
			tr->final - tr->first, g->first_count, g->final_count, g->stacks);
		for (size_t k = 0; k < c->n; k++)
			fprintf(out, k ? ", %" PRId64 : "%" PRId64, g->bytes[k]);
		fputs("], \"within_noise\": [", out);
		for (size_t k = 0; k + 1 < c->n; k++)
			fprintf(out, "%s%s", k ? ", " : "", noisy[k] ? "true" : "false");
		fputs("], \"frames\": [", out);
		series_frames(c, i, &f, &nf);
		print_frames_json(out, f, nf);
		fputs("]}", out);
	}
	fputs(c->nshown ? "\n ]}\n" : "]}\n", out);
	free(noisy);
	free(scratch);
	return rc;
}

static int series_text(FILE *out, struct series_ctx *c)
{
	char slope[48], peak[32], final[32], steps[48], spark[SPARK_WIDTH * 3 + 1], frame[1024];
	const char *unit = c->t_from_index ? "/snap" : "/h";

	fprintf(out, "%-9s %13s %11s %4s %9s %9s  %-*s  %s\n", "VERDICT", "SLOPE", "STEPS +/-/~",
		"FIT", "PEAK", "FINAL", SPARK_COLS(c->n), "TREND",
		c->a->by == BY_SITE ? "CALL SITE (callers below)" : by_names[c->a->by]);
	for (size_t i = 0; i < c->nshown; i++) {
		const struct series_group *g = &c->ser.groups[c->rk[i].g];
		const struct trend *tr = &c->rk[i].tr;
		struct snapread_frame *f;
		size_t nf, cols;

		fmt_bytes(slope, sizeof(slope) - 8, (int64_t)llround(tr->slope), true);
		strcat(slope, unit);
		fmt_bytes(peak, sizeof(peak), tr->peak, false);
		fmt_bytes(final, sizeof(final), tr->final, false);
		snprintf(steps, sizeof(steps), "%zu/%zu/%zu", tr->grew, tr->shrank, tr->noisy);
		cols = trend_sparkline(spark, sizeof(spark), g->bytes, c->n, SPARK_WIDTH);
		fprintf(out, "%-9s %13s %11s %4.2f %9s %9s  %s%*s  ", trend_verdict_name(tr->verdict),
			slope, steps, tr->fit, peak, final, spark,
			SPARK_COLS(c->n) - (int)cols, "");
		fmt_put_clean(out, g->label);
		if (g->stacks > 1 && c->a->by == BY_SITE)
			fprintf(out, "  [%zu stacks]", g->stacks);
		fputc('\n', out);
		if (c->a->values) {
			fputs("    bytes:", out);
			for (size_t k = 0; k < c->n; k++)
				fprintf(out, " %" PRId64, g->bytes[k]);
			fputc('\n', out);
		}
		series_frames(c, i, &f, &nf);
		for (size_t k = 1; k < nf && (long)k <= c->a->callers; k++) {
			fmt_frame(frame, sizeof(frame), &f[k]);
			fprintf(out, "%*s<- %s\n", 12, "", frame);
		}
		if (nf > 1 && (long)nf - 1 > c->a->callers && c->a->callers > 0)
			fprintf(out, "%*s<- ... %zu more\n", 12, "", nf - 1 - (size_t)c->a->callers);
	}

	const struct snapread *first = c->snaps[0], *last = c->snaps[c->n - 1];
	int64_t ob = snapread_meta_int(first, "live_bytes", INT64_MIN);
	int64_t nb = snapread_meta_int(last, "live_bytes", INT64_MIN);
	int64_t oc = snapread_meta_int(first, "live_count", INT64_MIN);
	int64_t nc = snapread_meta_int(last, "live_count", INT64_MIN);
	int64_t s0 = snapread_meta_int(first, "seq", -1), s1 = snapread_meta_int(last, "seq", -1);
	double t0 = snapread_meta_real(first, "time", NAN), t1 = snapread_meta_real(last, "time", NAN);
	char b0[32], b1[32], d[32];

	fprintf(out, "\nseries: %zu snapshots, seq %" PRId64 "..%" PRId64, c->n, s0, s1);
	if (!isnan(t0) && !isnan(t1))
		fprintf(out, " over %.1f s", t1 - t0);
	if (c->t_from_index)
		fputs(" (no times in meta: slopes are per snapshot)", out);
	fputc('\n', out);
	if (ob != INT64_MIN && nb != INT64_MIN) {
		fmt_bytes(b0, sizeof(b0), ob, false);
		fmt_bytes(b1, sizeof(b1), nb, false);
		fmt_bytes(d, sizeof(d), nb - ob, true);
		fprintf(out, "live heap (exact): %s -> %s, %s", b0, b1, d);
		if (oc != INT64_MIN && nc != INT64_MIN)
			fprintf(out, " in %+" PRId64 " allocations", nc - oc);
		fputc('\n', out);
	}
	fprintf(out, "%ss: %zu leak, %zu growing, %zu transient, %zu stable; %zu shown",
		by_names[c->a->by], c->counts[0], c->counts[1], c->counts[2], c->counts[3],
		c->nshown);
	if (!c->a->all && c->counts[3])
		fputs(" (--all also shows stable ones)", out);
	fputc('\n', out);
	if (c->sample > 1)
		fprintf(out, "sampling: sample=%" PRId64 ", so site values are estimates; a step "
			"within 2*sqrt(sample*(a+b)) bytes is within the noise (~)\n", c->sample);
	print_rss_note(out, first, last);
	return 0;
}

/* The series report of snaps[0..n) (in order). Returns an exit status. */
static int report_series(const struct args *a, struct snapread **snaps, size_t n)
{
	struct series_ctx c = { .a = a, .snaps = snaps, .n = n };
	struct sbuf key = { 0 }, label = { 0 };
	double *scratch = NULL;
	int status = MSGS_EXIT_OK;

	if (series_init(&c.ser, n) < 0)
		return msgs_error("out of memory"), MSGS_EXIT_INTERNAL;
	/* One snapshot's rows at a time (series.h invariant 1). */
	for (size_t i = 0; i < n; i++) {
		struct snapread_site *rows;
		size_t nrows;
		int64_t sm = snapread_meta_int(snaps[i], "sample", 1);

		if (sm > c.sample)
			c.sample = sm;
		/* lines are filled in a copy of the file, dropped once its rows
		 * are in the series: memory is one snapshot's, not n */
		/* every --by but stack is a function of the call-site frame
		 * and label: SQLite sums the rows, one per site, and the
		 * representatives are found later (series_reps) */
		if (linefill_snapread(snaps[i]) < 0 ||
		    (a->by == BY_STACK ? snapread_sites(snaps[i], &rows, &nrows)
				       : snapread_site_sums(snaps[i], &rows, &nrows)) < 0) {
			status = MSGS_EXIT_INPUT;
			goto out;
		}
		for (size_t r = 0; r < nrows; r++) {
			if (row_key(a, snaps[i], &rows[r], &key, &label) < 0) {
				snapread_sites_free(rows, nrows);
				status = MSGS_EXIT_INPUT;
				goto out;
			}
			if ((a->by == BY_STACK
			     ? series_add(&c.ser, i, key.p, label.p, rows[r].stack_id,
					  rows[r].live_bytes, rows[r].live_count)
			     : series_add_sum(&c.ser, i, key.p, label.p, rows[r].live_bytes,
					      rows[r].live_count, (size_t)rows[r].stacks)) < 0) {
				snapread_sites_free(rows, nrows);
				msgs_error("out of memory");
				status = MSGS_EXIT_INTERNAL;
				goto out;
			}
		}
		snapread_sites_free(rows, nrows);
		/* --by stack's trie and keys are this file's only */
		key_memo_reset();
		snapread_trie_drop(snaps[i]);
		linefill_release(snaps[i]);
	}

	c.t = msgs_xmalloc(n * sizeof(*c.t));
	double t0 = snapread_meta_real(snaps[0], "time", NAN);
	for (size_t i = 0; i < n; i++) {
		double ti = snapread_meta_real(snaps[i], "time", NAN);

		if (isnan(t0) || isnan(ti))
			c.t_from_index = true;
		c.t[i] = (ti - t0) / 3600.0;
		if (i > 0 && c.t[i] < c.t[i - 1])
			c.t_from_index = true;   /* clocks went back: use the order */
	}
	if (c.t_from_index)
		for (size_t i = 0; i < n; i++)
			c.t[i] = (double)i;

	scratch = msgs_xmalloc(TREND_SCRATCH(n) * sizeof(*scratch));
	c.rk = msgs_xmalloc((c.ser.ngroups ? c.ser.ngroups : 1) * sizeof(*c.rk));
	for (size_t g = 0; g < c.ser.ngroups; g++) {
		trend_fit(c.t, c.ser.groups[g].bytes, n, c.sample, scratch, &c.rk[g].tr, NULL);
		c.rk[g].g = g;
		c.rk[g].key = c.ser.groups[g].key;
		c.counts[c.rk[g].tr.verdict]++;
	}
	qsort(c.rk, c.ser.ngroups, sizeof(*c.rk), ranked_cmp);
	c.nshown = a->all ? c.ser.ngroups : c.ser.ngroups - c.counts[TREND_STABLE];
	if (a->top > 0 && (size_t)a->top < c.nshown)
		c.nshown = (size_t)a->top;

	if (series_read_frames(&c, &key, &label) < 0 ||
	    (a->json ? series_json(stdout, &c) : series_text(stdout, &c)) < 0) {
		status = MSGS_EXIT_INPUT;
		goto out;
	}

	/* The gate looks at every group (invariant 5). */
	gate_heap(a, snaps[0], snaps[n - 1]);
	for (size_t i = 0; i < c.ser.ngroups; i++) {
		const struct series_group *g = &c.ser.groups[c.rk[i].g];
		const struct trend *tr = &c.rk[i].tr;

		gate_site(a, g->label, tr->final - tr->first);
		if (a->fail_leak && tr->verdict == TREND_LEAK) {
			char sl[32];

			fmt_bytes(sl, sizeof(sl), (int64_t)llround(tr->slope), true);
			gate_fail("site '%s' is a leak (%s%s, %zu of %zu steps grew, fit %.2f) "
				  "and --fail-on-leak is given", g->label, sl,
				  c.t_from_index ? " per snapshot" : " per hour", tr->grew,
				  tr->steps, tr->fit);
		}
	}
out:
	key_memo_reset();
	for (size_t i = 0; c.frames && i < c.nshown; i++)
		snapread_frames_free(c.frames[i], c.nframes[i]);
	free(c.frames);
	free(c.nframes);
	free(scratch);
	free(c.rk);
	free(c.t);
	free(key.p);
	free(label.p);
	series_free(&c.ser);
	return status;
}

/* --- inputs: a directory, order, processes ----------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replaces a single DIR argument by its NAME.db files (sorted by name;
 * NAME.db.tmp files, being written, are not listed). Returns 0, 1 when the
 * argument is a directory, or -1 after msgs_error(). */
static int expand_dir(struct args *a)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	size_t n = 0, cap = 16;
	char **v;

	if (a->nfiles != 1)
		return 0;
	if (stat(a->files[0], &st) < 0 || !S_ISDIR(st.st_mode)) {
		msgs_error("need two snapshots to compare, got 1; usage: heapdiff "
			   "[OPTIONS] OLD.db NEW.db, or heapdiff [OPTIONS] DIR");
		return -2;
	}
	d = opendir(a->files[0]);
	if (!d)
		return msgs_error("cannot open '%s': %s", a->files[0], strerror(errno));
	v = msgs_xmalloc(cap * sizeof(*v));
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 4 || strcmp(e->d_name + len - 3, ".db") || e->d_name[0] == '.')
			continue;
		if (n == cap)
			v = msgs_xrealloc(v, (cap *= 2) * sizeof(*v));
		v[n] = msgs_xmalloc(strlen(a->files[0]) + len + 2);
		sprintf(v[n], "%s/%s", a->files[0], e->d_name);
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_str);
	if (n == 0) {
		free(v);
		return msgs_error("cannot use '%s': the directory holds no snapshot "
				  "(NAME.db); give snapshot files or heapsnap run's -o "
				  "directory", a->files[0]);
	}
	a->files = a->owned_files = v;
	a->nfiles = (int)n;
	return 1;
}

struct order {
	struct snapread *snap;
	size_t proc;         /* index of its process, in order of first time */
	int64_t seq;
	double time;
};

static int order_cmp(const void *pa, const void *pb)
{
	const struct order *a = pa, *b = pb;

	if (a->proc != b->proc)
		return a->proc < b->proc ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return (a->time > b->time) - (a->time < b->time);
}

static int time_cmp(const void *pa, const void *pb)
{
	const struct order *a = pa, *b = pb;

	if (a->time != b->time)
		return (a->time > b->time) - (a->time < b->time);
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Sorts snaps[0..n) into processes (pid and start time, in order of their
 * first snapshot) and, within one, by meta.seq; *starts gets the index where
 * each process begins (nproc + 1 entries). */
static void order_snapshots(struct snapread **snaps, size_t n, size_t **starts, size_t *nproc)
{
	struct order *o = msgs_xmalloc(n * sizeof(*o));
	size_t *rep = msgs_xmalloc(n * sizeof(*rep)), np = 0;

	for (size_t i = 0; i < n; i++) {
		o[i].snap = snaps[i];
		o[i].seq = snapread_meta_int(snaps[i], "seq", 0);
		o[i].time = snapread_meta_real(snaps[i], "time", 0.0);
	}
	qsort(o, n, sizeof(*o), time_cmp);
	for (size_t i = 0; i < n; i++) {
		size_t p;

		for (p = 0; p < np; p++)
			if (same_process(o[rep[p]].snap, o[i].snap))
				break;
		if (p == np)
			rep[np++] = i;
		o[i].proc = p;
	}
	qsort(o, n, sizeof(*o), order_cmp);
	*starts = msgs_xmalloc((np + 1) * sizeof(**starts));
	for (size_t i = 0, p = 0; i < n; i++) {
		snaps[i] = o[i].snap;
		while (p <= o[i].proc)
			(*starts)[p++] = i;
	}
	(*starts)[np] = n;
	*nproc = np;
	free(o);
	free(rep);
}

static void free_side(struct side *s)
{
	snapread_sites_free(s->sites, s->nsites);
	free(s->rank);
}

/* The pair report of old_snap -> new_snap (today's table). Returns an
 * exit status. */
static int report_pair(const struct args *ap, struct snapread *old_snap,
		       struct snapread *new_snap)
{
	struct side old = { 0 }, new = { 0 };
	struct rank_group *groups = NULL;
	size_t ngroups = 0, ngrew = 0, nshown;
	struct args a = *ap;
	int rc, status = MSGS_EXIT_OK;

	old.snap = old_snap;
	new.snap = new_snap;
	if (linefill_snapread(old.snap) < 0 || linefill_snapread(new.snap) < 0 ||
	    snapread_sites(old.snap, &old.sites, &old.nsites) < 0 ||
	    snapread_sites(new.snap, &new.sites, &new.nsites) < 0) {
		status = MSGS_EXIT_INPUT;
		goto out;
	}
	load_rank_sites(&old);
	load_rank_sites(&new);
	if (rank_groups(old.rank, old.nsites, new.rank, new.nsites,
			same_process(old.snap, new.snap) ? RANK_SAME_PROCESS : 0,
			&groups, &ngroups) < 0) {
		msgs_error("out of memory");
		status = MSGS_EXIT_INTERNAL;
		goto out;
	}
	while (ngrew < ngroups && groups[ngrew].bytes_delta > 0)
		ngrew++;
	nshown = a.all ? ngroups : ngrew;
	if (a.top > 0 && (size_t)a.top < nshown)
		nshown = (size_t)a.top;

	if (a.svg && export_svg(a.svg, old.snap, new.snap, EXPORT_GROWTH,
				"heapdiff: retained growth") < 0) {
		status = MSGS_EXIT_INPUT;
		goto out;
	}
	if (a.folded)
		rc = export_folded(stdout, old.snap, new.snap, (enum export_mode)(a.folded - 1));
	else
		rc = a.json ? print_json(stdout, &old, &new, groups, nshown)
			    : print_text(stdout, &old, &new, groups, nshown, a.callers);
	if (rc == 0 && !a.json && !a.folded) {
		print_summary(stdout, &a, &old, &new, ngroups, ngrew, nshown);
		print_rss_note(stdout, old.snap, new.snap);
	}
	if (rc < 0)
		status = MSGS_EXIT_INPUT;

	/* The gate looks at every site (invariant 5); groups are sorted by
	 * growth, so the first is the one that grew most. */
	gate_heap(&a, old.snap, new.snap);
	if (a.fail_site_growth >= 0 && ngroups > 0) {
		struct snapread_frame f = { 0 };
		char label[1024];

		f.function = (char *)groups[0].key.function;
		f.file = (char *)groups[0].key.file;
		f.line = groups[0].key.line;
		f.module_base = groups[0].key.module;
		f.has_offset = true;
		f.offset = groups[0].key.offset;
		fmt_frame(label, sizeof(label), &f);
		gate_site(&a, label, groups[0].bytes_delta);
	}
	if (a.fail_leak)
		msgs_warning("--fail-on-leak: two snapshots cannot show a leak (a verdict "
			     "needs at least %d); give the whole series", TREND_LEAK_MIN_POINTS);
out:
	free(groups);
	free_side(&old);
	free_side(&new);
	return status;
}

int main(int argc, char **argv)
{
	struct snapread **snaps;
	size_t *starts = NULL, nproc = 0, nsel = 0;
	struct snapread **sel = NULL;
	bool from_dir = false;
	struct args a;
	int rc, status = MSGS_EXIT_OK;

	msgs_set_prog("heapdiff");
	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? MSGS_EXIT_USAGE : MSGS_EXIT_OK;
	rc = expand_dir(&a);
	if (rc < 0)
		return rc == -2 ? MSGS_EXIT_USAGE : MSGS_EXIT_INPUT;
	from_dir = rc == 1;

	/* Invariant 1: open and check every file before printing anything.
	 * Lines are filled later, one file at a time (report_pair,
	 * report_series), so a series never holds every file in memory. */
	snaps = calloc((size_t)a.nfiles, sizeof(*snaps));
	if (!snaps)
		return msgs_error("out of memory"), MSGS_EXIT_INTERNAL;
	for (int i = 0; i < a.nfiles; i++) {
		if (snapread_open(a.files[i], &snaps[i]) < 0) {
			status = MSGS_EXIT_INPUT;
			goto out;
		}
	}

	/* --pid keeps that process's snapshots. */
	sel = msgs_xmalloc((size_t)a.nfiles * sizeof(*sel));
	for (int i = 0; i < a.nfiles; i++)
		if (!a.have_pid || snapread_meta_int(snaps[i], "pid", -1) == a.pid)
			sel[nsel++] = snaps[i];
	if (a.have_pid && nsel == 0) {
		msgs_error("no snapshot of pid %" PRId64 " among the %d given; drop --pid "
			   "or give another", a.pid, a.nfiles);
		status = MSGS_EXIT_INPUT;
		goto out;
	}
	/* Two files given by name keep their order (old, new); a series is put
	 * in meta.seq order, per process. A directory gives one report per
	 * process, a list of files one series. */
	if (nsel > 2 || from_dir || a.have_pid)
		order_snapshots(sel, nsel, &starts, &nproc);
	if (!from_dir || nproc == 0) {
		free(starts);
		starts = msgs_xmalloc(2 * sizeof(*starts));
		starts[0] = 0;
		starts[1] = nsel;
		nproc = 1;
	}
	for (size_t p = 0; p < nproc; p++) {
		size_t n = starts[p + 1] - starts[p];

		if (n < 2) {
			if (nproc == 1) {
				msgs_error("need two snapshots to compare, got %zu%s%s", n,
					   from_dir ? " in " : "", from_dir ? a.files[0] : "");
				status = from_dir ? MSGS_EXIT_INPUT : MSGS_EXIT_USAGE;
				goto out;
			}
			continue;
		}
		if (check_programs(sel + starts[p], n, a.force) < 0) {
			status = MSGS_EXIT_INPUT;
			goto out;
		}
	}

	size_t nreports = 0;
	for (size_t p = 0; p < nproc; p++)
		nreports += starts[p + 1] - starts[p] >= 2;
	if (a.json && nreports > 1)
		fputs("{\"processes\": [\n", stdout);
	for (size_t p = 0, done = 0; p < nproc && status == MSGS_EXIT_OK; p++) {
		struct snapread **s = sel + starts[p];
		size_t n = starts[p + 1] - starts[p];

		if (n < 2) {
			msgs_warning("pid %" PRId64 ": only one snapshot ('%s'), no report",
				     snapread_meta_int(s[0], "pid", -1), s[0]->path);
			continue;
		}
		if (nreports > 1) {
			if (a.json) {
				if (done)
					fputs(",\n", stdout);
			} else {
				const char *exe = snapread_meta_text(s[0], "exe");

				printf("%s== pid %" PRId64 " (", done ? "\n" : "",
				       snapread_meta_int(s[0], "pid", -1));
				fmt_put_clean(stdout, exe ? exe : "?");
				printf("): %zu snapshots ==\n", n);
			}
		}
		done++;
		warn_mismatches(s, (int)n);
		if (n == 2 && a.by == BY_SITE)
			status = report_pair(&a, s[0], s[1]);
		else
			status = report_series(&a, s, n);
		warnings_clear();
	}
	if (a.json && nreports > 1)
		fputs("]}\n", stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msgs_error("cannot write output: %s", strerror(errno));
		status = MSGS_EXIT_INTERNAL;
	}
	if (status == MSGS_EXIT_OK && gate_failed)
		status = MSGS_EXIT_GROWTH;
out:
	warnings_clear();
	free(starts);
	free(sel);
	for (int i = 0; i < a.nfiles; i++)
		snapread_close(snaps[i]);
	free(snaps);
	if (a.owned_files) {
		for (int i = 0; i < a.nfiles; i++)
			free(a.owned_files[i]);
		free(a.owned_files);
	}
	return status;
}
