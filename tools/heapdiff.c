/*
 * heapdiff.c: retained heap growth by call site between two snapshots.
 *
 * Owns heapdiff's command line and its two output formats (text table,
 * --json); snapread.c reads the files and rank.c does the arithmetic.
 * Single-threaded. Invariants: (1) every input is opened and checked before
 * anything is printed, so a failing run leaves stdout empty; (2) inputs are
 * never modified; (3) with more than two snapshots the first is compared
 * with the last, never an error; (4) stdout carries results only, notes and
 * warnings go to stderr. Exit codes: enum msgs_exit.
 */
#include "export.h"
#include "fmt.h"
#include "msgs.h"
#include "rank.h"
#include "snapread.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TOP 20
#define DEFAULT_CALLERS 4

struct args {
	bool json, all;
	long top;       /* 0 = all */
	long callers;   /* caller frames under each text row */
	char **files;
	int nfiles;
	int folded;       /* 0: no; else 1 + enum export_mode */
	const char *svg;  /* flame graph of retained growth to this file */
};

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
"Show the heap growth retained between two heapsnap snapshots, by call\n"
"site, largest growth first. With more than two snapshots, the first is\n"
"compared with the last.\n"
"\n"
"  --top N       show the N sites that grew most (default %d, 0 = all)\n"
"  --all         also show sites that did not grow or shrank, after those\n"
"                that grew\n"
"  --callers N   caller frames shown under each site (default %d)\n"
"  --json        machine-readable output (see heapdiff(1))\n"
"  --folded[=growth|live]\n"
"                collapsed stacks 'caller;...;site BYTES' of the retained\n"
"                growth (default) or of NEW's live bytes, for flamegraph.pl\n"
"                and speedscope, instead of the table\n"
"  --svg FILE    also write an interactive flame graph of the retained\n"
"                growth to FILE (self-contained SVG)\n"
"  --help        show this help and exit\n"
"  --version     show the version and exit\n"
"\n"
"Exit status: 0 ok, 1 usage error, 2 unreadable or invalid snapshot,\n"
"4 internal error.\n", DEFAULT_TOP, DEFAULT_CALLERS);
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

/* Returns -1 to exit with MSGS_EXIT_USAGE, 1 to exit 0 (--help...), 0 ok. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "top", required_argument, NULL, 't' },
		{ "callers", required_argument, NULL, 'c' },
		{ "folded", optional_argument, NULL, 'F' },
		{ "svg", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->top = DEFAULT_TOP;
	a->callers = DEFAULT_CALLERS;
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
		case 'F':
			if (!optarg || !strcmp(optarg, "growth"))
				a->folded = 1 + EXPORT_GROWTH;
			else if (!strcmp(optarg, "live"))
				a->folded = 1 + EXPORT_LIVE;
			else
				return msgs_error("invalid value '%s' for --folded: expected "
						  "'growth' or 'live'", optarg);
			break;
		case 'S': a->svg = optarg; break;
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
	if (a->nfiles < 2)
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

static void warn_mismatches(struct snapread **snaps, int n)
{
	const struct snapread *first = snaps[0];
	bool warned_pid = false, warned_build = false;

	for (int i = 1; i < n; i++) {
		const struct snapread *s = snaps[i];
		int64_t p0 = snapread_meta_int(first, "pid", -1);
		int64_t p1 = snapread_meta_int(s, "pid", -1);
		const char *b0 = snapread_meta_text(first, "build_id");
		const char *b1 = snapread_meta_text(s, "build_id");

		if (!warned_pid && p0 != p1) {
			msgs_warning("'%s' and '%s' come from different processes "
				     "(pid %" PRId64 " and %" PRId64 "); sites are "
				     "matched by call site only", first->path, s->path,
				     p0, p1);
			warned_pid = true;
		}
		if (!warned_build && b0 && b1 && strcmp(b0, b1) != 0) {
			msgs_warning("'%s' and '%s' come from different builds "
				     "(build_id %s and %s); call sites may not match",
				     first->path, s->path, b0, b1);
			warned_build = true;
		}
	}
	double t0 = snapread_meta_real(first, "time", NAN);
	double t1 = snapread_meta_real(snaps[n - 1], "time", NAN);
	if (t1 < t0)
		msgs_warning("'%s' was taken before '%s'; growth is new minus old, "
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

static void free_side(struct side *s)
{
	snapread_sites_free(s->sites, s->nsites);
	free(s->rank);
}

int main(int argc, char **argv)
{
	struct snapread **snaps;
	struct side old = { 0 }, new = { 0 };
	struct rank_group *groups = NULL;
	size_t ngroups = 0, ngrew = 0, nshown;
	struct args a;
	int rc, status = MSGS_EXIT_OK;

	msgs_set_prog("heapdiff");
	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? MSGS_EXIT_USAGE : MSGS_EXIT_OK;

	/* Invariant 1: open and check every file before printing anything. */
	snaps = calloc((size_t)a.nfiles, sizeof(*snaps));
	if (!snaps)
		return msgs_error("out of memory"), MSGS_EXIT_INTERNAL;
	for (int i = 0; i < a.nfiles; i++) {
		if (snapread_open(a.files[i], &snaps[i]) < 0) {
			status = MSGS_EXIT_INPUT;
			goto out;
		}
	}
	warn_mismatches(snaps, a.nfiles);

	old.snap = snaps[0];
	new.snap = snaps[a.nfiles - 1];
	if (snapread_sites(old.snap, &old.sites, &old.nsites) < 0 ||
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
	if (rc == 0 && !a.json && !a.folded)
		print_summary(stdout, &a, &old, &new, ngroups, ngrew, nshown);
	if (rc < 0)
		status = MSGS_EXIT_INPUT;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msgs_error("cannot write output: %s", strerror(errno));
		status = MSGS_EXIT_INTERNAL;
	}
out:
	free(groups);
	free_side(&old);
	free_side(&new);
	for (int i = 0; i < a.nfiles; i++)
		snapread_close(snaps[i]);
	free(snaps);
	return status;
}
