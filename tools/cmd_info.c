/*
 * cmd_info.c: heapsnap info DB: what a snapshot says, at a glance.
 *
 * Owns the info report: who (program, pid, command line), when (time,
 * trigger, seq), the exact totals from meta, the sampling rate, the
 * tracker's own cost, then the top sites by live bytes, grouped by call
 * site exactly as heapdiff groups them (rank.c against an empty snapshot),
 * and the request labels the sites carry, by live bytes.
 * Single-threaded. Invariants: reads through snapread only (read-only,
 * checked), lines a names-only file lacks filled in memory by linefill
 * (--debug-dir), never in the file; a missing meta key prints as "?"
 * rather than failing, since older or hand-made snapshots may lack some.
 */
#include "cmd.h"
#include "fmt.h"
#include "linefill.h"
#include "msgs.h"
#include "rank.h"
#include "snapread.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_TOP 10

static void usage(FILE *out)
{
	fprintf(out,
"usage: heapsnap info [--top N] [--debug-dir DIR]... DB\n"
"Show a snapshot's program, time, trigger, exact heap totals, sampling rate\n"
"and its top sites by live bytes (grouped by call site, as in heapdiff).\n"
"\n"
"      --top N          sites to show (default %d, 0 = all)\n"
"      --debug-dir DIR  also look for debug files in DIR to resolve lines the\n"
"                       snapshot lacks (in memory; the file is not changed)\n"
"  -h, --help           show this help and exit\n"
"\n"
"Exit status: 0 ok, 1 usage error, 2 unreadable or invalid snapshot.\n",
		DEFAULT_TOP);
}

static void row(const char *label)
{
	printf("%-11s", label);
}

static void text_or_unknown(const char *s)
{
	fmt_put_clean(stdout, s ? s : "?");
}

static void print_bytes_count(const struct snapread *s, const char *bkey, const char *ckey)
{
	int64_t b = snapread_meta_int(s, bkey, -1), c = snapread_meta_int(s, ckey, -1);
	char buf[32];

	if (b >= 0) {
		fmt_bytes(buf, sizeof(buf), b, false);
		printf("%s (%" PRId64 " bytes)", buf, b);
	} else {
		fputs("?", stdout);
	}
	if (c >= 0)
		printf(" in %" PRId64 " allocations", c);
}

static void print_header(const struct snapread *s)
{
	double t = snapread_meta_real(s, "time", NAN);
	double up = snapread_meta_real(s, "uptime", NAN);
	int64_t sample = snapread_meta_int(s, "sample", -1);
	int64_t v;
	char buf[64];

	row("snapshot");
	text_or_unknown(s->path);
	putchar('\n');
	row("program");
	text_or_unknown(snapread_meta_text(s, "exe"));
	if ((v = snapread_meta_int(s, "pid", -1)) >= 0)
		printf(" (pid %" PRId64 ")", v);
	putchar('\n');
	row("command");
	text_or_unknown(snapread_meta_text(s, "cmdline"));
	putchar('\n');

	row("taken");
	if (!isnan(t)) {
		time_t secs = (time_t)t;
		struct tm tm;

		if (localtime_r(&secs, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z", &tm))
			fputs(buf, stdout);
		else
			printf("%.0f", t);
	} else {
		fputs("?", stdout);
	}
	if (!isnan(up))
		printf(", %.1f s after start", up);
	fputs(" (trigger ", stdout);
	text_or_unknown(snapread_meta_text(s, "trigger"));
	if ((v = snapread_meta_int(s, "seq", -1)) >= 0)
		printf(", seq %" PRId64, v);
	fputs(")\n", stdout);

	row("live");
	print_bytes_count(s, "live_bytes", "live_count");
	fputs(", exact\n", stdout);
	row("allocated");
	print_bytes_count(s, "alloc_bytes", "alloc_count");
	putchar('\n');
	row("freed");
	print_bytes_count(s, "free_bytes", "free_count");
	putchar('\n');

	row("sampling");
	if (sample == 1) {
		fputs("every allocation (sample=1): site numbers are exact\n", stdout);
	} else if (sample > 1) {
		fmt_bytes(buf, sizeof(buf), sample, false);
		printf("one per %s allocated on average (sample=%" PRId64 "): site "
		       "numbers are estimates\n", buf, sample);
	} else {
		fputs("?\n", stdout);
	}
	row("tracker");
	if ((v = snapread_meta_int(s, "tracker_bytes", -1)) >= 0) {
		fmt_bytes(buf, sizeof(buf), v, false);
		printf("%s of its own memory", buf);
	} else {
		fputs("?", stdout);
	}
	if ((v = snapread_meta_int(s, "threads", -1)) >= 0)
		printf(", %" PRId64 " threads", v);
	putchar('\n');
}

/* The request labels (heapsnap_set_label) the sites carry, by live bytes:
 * nothing for a file without labels or with none used. */
static int print_labels(struct snapread *s, long top)
{
	struct snapread_label *v;
	size_t n, shown;
	char live[32];

	if (snapread_labels(s, &v, &n) < 0)
		return -1;
	if (n) {
		shown = top > 0 && (size_t)top < n ? (size_t)top : n;
		printf("\n%zu label%s; top %zu by live bytes:\n", n, n == 1 ? "" : "s", shown);
		printf("%10s %9s  %s\n", "LIVE", "COUNT", "LABEL");
		for (size_t i = 0; i < shown; i++) {
			fmt_bytes(live, sizeof(live), v[i].live_bytes, false);
			printf("%10s %9" PRId64 "  ", live, v[i].live_count);
			fmt_put_clean(stdout, v[i].name);
			if (v[i].stacks > 1)
				printf("  [%" PRId64 " stacks]", v[i].stacks);
			putchar('\n');
		}
	}
	snapread_labels_free(v, n);
	return 0;
}

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "top", required_argument, NULL, 't' },
		{ "debug-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snapread *s;
	struct snapread_site *sites;
	struct rank_site *rs;
	struct rank_group *g;
	size_t nsites, ng, shown;
	long top = DEFAULT_TOP;
	char *end, live[32], frame[1024];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			errno = 0;
			top = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || top < 0) {
				msgs_error("info: invalid value '%s' for --top: expected a "
					   "non-negative integer", optarg);
				return MSGS_EXIT_USAGE;
			}
			break;
		case 'd':
			if (linefill_add_debug_dir(optarg) < 0)
				return MSGS_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return MSGS_EXIT_OK;
		case ':':
			msgs_error("info: option '%s' needs a value; try 'heapsnap info --help'",
				   argv[optind - 1]);
			return MSGS_EXIT_USAGE;
		default:
			msgs_error("info: unknown option '%s'; try 'heapsnap info --help'",
				   argv[optind - 1]);
			return MSGS_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		msgs_error("info: expected one snapshot file, got %d; usage: heapsnap info DB",
			   argc - optind);
		return MSGS_EXIT_USAGE;
	}
	if (snapread_open(argv[optind], &s) < 0)
		return MSGS_EXIT_INPUT;
	if (linefill_snapread(s) < 0) {
		snapread_close(s);
		return MSGS_EXIT_INPUT;
	}
	if (snapread_sites(s, &sites, &nsites) < 0) {
		snapread_close(s);
		return MSGS_EXIT_INPUT;
	}
	rs = msgs_xmalloc(nsites * sizeof(*rs));
	for (size_t i = 0; i < nsites; i++) {
		const struct snapread_frame *f = &sites[i].site;

		rs[i] = (struct rank_site){
			.key = { f->module_base, f->function, f->file, f->line,
				 f->has_offset ? f->offset : f->address },
			.stack_id = sites[i].stack_id,
			.bytes = sites[i].live_bytes,
			.count = sites[i].live_count,
		};
	}
	if (rank_groups(NULL, 0, rs, nsites, 0, &g, &ng) < 0) {
		msgs_error("out of memory");
		return MSGS_EXIT_INTERNAL;
	}

	print_header(s);
	shown = top > 0 && (size_t)top < ng ? (size_t)top : ng;
	printf("\ntop %zu of %zu sites by live bytes:\n", shown, ng);
	printf("%10s %9s  %s\n", "LIVE", "COUNT", "CALL SITE");
	for (size_t i = 0; i < shown; i++) {
		const struct snapread_site *site = NULL;

		for (size_t k = 0; k < nsites && !site; k++)
			if (sites[k].stack_id == g[i].rep_stack_id)
				site = &sites[k];
		fmt_bytes(live, sizeof(live), g[i].new_bytes, false);
		if (site && (site->site.function || site->site.module || site->site.address))
			fmt_frame(frame, sizeof(frame), &site->site);
		else
			snprintf(frame, sizeof(frame), "(unknown call site)");
		printf("%10s %9" PRId64 "  %s", live, g[i].new_count, frame);
		if (g[i].new_stacks > 1)
			printf("  [%zu stacks]", g[i].new_stacks);
		putchar('\n');
	}
	free(g);
	free(rs);
	snapread_sites_free(sites, nsites);
	if (print_labels(s, top) < 0) {
		snapread_close(s);
		return MSGS_EXIT_INPUT;
	}
	snapread_close(s);
	if (fflush(stdout) != 0) {
		msgs_error("cannot write output: %s", strerror(errno));
		return MSGS_EXIT_INTERNAL;
	}
	return MSGS_EXIT_OK;
}
