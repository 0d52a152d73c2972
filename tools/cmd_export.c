/*
 * cmd_export.c: heapsnap export: a snapshot in the formats other tools read.
 *
 * Owns the export command line: --pprof (gzipped profile.proto, for go tool
 * pprof, speedscope, Pyroscope, Parca), --heapprofile (Chrome DevTools),
 * --folded (flamegraph.pl, speedscope), --svg (our own flame graph), and
 * --base OLD.db, which turns each of them into the growth from OLD to DB.
 * The writers live in export_*.c. Single-threaded.
 * Invariants: (1) both snapshots are opened and checked before any output
 * file is created; (2) inputs are never modified (snapread); (3) an output
 * that cannot be written is an input/output error (exit 2) naming the file.
 */
#include "cmd.h"
#include "export.h"
#include "msgs.h"
#include "snapread.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: heapsnap export [--pprof OUT.pb.gz] [--heapprofile OUT.heapprofile]\n"
	      "                       [--folded OUT.folded] [--svg OUT.svg] [--base OLD.db] DB\n"
	      "Write the live heap of snapshot DB in the formats other tools read; with\n"
	      "--base, the growth from OLD.db to DB.\n"
	      "\n"
	      "      --pprof FILE        gzipped pprof profile.proto: go tool pprof, speedscope,\n"
	      "                          Pyroscope, Parca (sample types alloc_objects,\n"
	      "                          alloc_space, inuse_objects, inuse_space; with --base\n"
	      "                          the values are DB minus OLD, negative where it shrank)\n"
	      "      --heapprofile FILE  Chrome DevTools sampling heap profile (JSON; the\n"
	      "                          Memory panel, VS Code, speedscope)\n"
	      "      --folded FILE       collapsed stacks 'caller;...;site BYTES' for\n"
	      "                          flamegraph.pl and speedscope ('-': standard output)\n"
	      "      --svg FILE          interactive flame graph, self-contained SVG\n"
	      "      --base OLD.db       export the growth from OLD.db to DB (retained growth\n"
	      "                          only in the formats that cannot hold negative values)\n"
	      "  -h, --help              show this help and exit\n"
	      "\n"
	      "Exit status: 0 ok, 1 usage error, 2 unreadable or invalid snapshot or an\n"
	      "output that cannot be written.\n", out);
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pprof", required_argument, NULL, 'p' },
		{ "heapprofile", required_argument, NULL, 'H' },
		{ "folded", required_argument, NULL, 'f' },
		{ "svg", required_argument, NULL, 's' },
		{ "base", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pprof = NULL, *heapprofile = NULL, *folded = NULL, *svg = NULL;
	const char *base = NULL;
	struct snapread *old = NULL, *new = NULL;
	int c, status = MSGS_EXIT_OK;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': pprof = optarg; break;
		case 'H': heapprofile = optarg; break;
		case 'f': folded = optarg; break;
		case 's': svg = optarg; break;
		case 'b': base = optarg; break;
		case 'h': usage(stdout); return MSGS_EXIT_OK;
		case ':':
			msgs_error("option '%s' needs a value; try 'heapsnap export --help'",
				   argv[optind - 1]);
			return MSGS_EXIT_USAGE;
		default:
			msgs_error("unknown option '%s'; try 'heapsnap export --help'",
				   argv[optind - 1]);
			return MSGS_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		msgs_error("need exactly one snapshot, got %d; usage: heapsnap export "
			   "--pprof OUT.pb.gz [--base OLD.db] DB", argc - optind);
		return MSGS_EXIT_USAGE;
	}
	if (!pprof && !heapprofile && !folded && !svg) {
		msgs_error("nothing to export: give --pprof, --heapprofile, --folded or --svg "
			   "with an output file; try 'heapsnap export --help'");
		return MSGS_EXIT_USAGE;
	}
	/* invariant 1 */
	if ((base && snapread_open(base, &old) < 0) || snapread_open(argv[optind], &new) < 0) {
		status = MSGS_EXIT_INPUT;
		goto out;
	}
	if (pprof && export_pprof(pprof, old, new) < 0)
		status = MSGS_EXIT_INPUT;
	if (status == 0 && heapprofile && export_heapprofile(heapprofile, old, new) < 0)
		status = MSGS_EXIT_INPUT;
	if (status == 0 && svg) {
		char title[1100];

		snprintf(title, sizeof(title), "%s: %s", old ? "retained growth" : "live heap",
			 new->path);
		if (export_svg(svg, old, new, old ? EXPORT_GROWTH : EXPORT_LIVE, title) < 0)
			status = MSGS_EXIT_INPUT;
	}
	if (status == 0 && folded) {
		FILE *f = strcmp(folded, "-") ? fopen(folded, "w") : stdout;

		if (!f) {
			msgs_error("cannot write '%s': %s", folded, strerror(errno));
			status = MSGS_EXIT_INPUT;
		} else {
			if (export_folded(f, old, new, old ? EXPORT_GROWTH : EXPORT_LIVE) < 0)
				status = MSGS_EXIT_INPUT;
			if ((fflush(f) != 0 || ferror(f) || (f != stdout && fclose(f) != 0)) &&
			    status == 0) {
				msgs_error("cannot write '%s': %s", folded, strerror(errno));
				status = MSGS_EXIT_INPUT;
			}
		}
	}
out:
	snapread_close(old);
	snapread_close(new);
	return status;
}
