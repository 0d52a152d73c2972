/*
 * cmd_symbolize.c: heapsnap symbolize [--debug-dir DIR]... DB...: write
 * file:line and inlined frames into names-only snapshots (schema 2).
 *
 * Owns the command: checks each file with snapread (a snapshot, schema 2),
 * then opens it for writing and fills its lines (linefill_db) in one
 * transaction with the meta rows symbolized_time and symbolized_by. The file
 * is changed in place, so its mode, owner and links stay; an interrupted
 * run leaves SQLite's rollback journal beside it, which the next writer
 * (heapsnap symbolize again) rolls back, restoring the file as it was.
 * Single-threaded. Reports per file how many locations got lines and how
 * many stayed without. Version-1 files are refused: their lines were
 * resolved in the traced process, nothing is left to fill.
 */
#include "cmd.h"
#include "linefill.h"
#include "msgs.h"
#include "snapread.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static void usage(FILE *out)
{
	fputs("usage: heapsnap symbolize [--debug-dir DIR]... DB...\n"
	      "Resolve file:line and inlined frames of every location a snapshot\n"
	      "recorded by name only, from local debug info, and write them into the file.\n"
	      "\n"
	      "      --debug-dir DIR  also look for debug files in DIR (DIR/.build-id/xx/yyyy.debug,\n"
	      "                       DIR/<debuglink>, DIR/<module dir>/<debuglink>); repeatable\n"
	      "  -h, --help           show this help and exit\n"
	      "\n"
	      "Exit status: 0 ok, 1 usage error, 2 unreadable or invalid snapshot,\n"
	      "4 internal error.\n", out);
}

/* Checks PATH with snapread (invariants of snapread.h): a snapshot of
 * schema 2 or newer. 0, or -1 after a message. */
static int check_snapshot(const char *path)
{
	struct snapread *s;
	int64_t version;

	if (snapread_open(path, &s) < 0)
		return -1;
	version = s->schema_version;
	snapread_close(s);
	if (version < 2)
		return msgs_error("symbolize: '%s' needs no symbolize: it is a schema version %lld "
				  "snapshot, whose lines were resolved in the traced process",
				  path, (long long)version);
	return 0;
}

static int symbolize_file(const char *path)
{
	struct linefill_stats st;
	sqlite3 *db = NULL;
	sqlite3_stmt *meta = NULL;
	struct timeval now;
	int rc;

	if (check_snapshot(path) < 0)
		return MSGS_EXIT_INPUT;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		msgs_error("symbolize: cannot open '%s' for writing: %s", path,
			   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return MSGS_EXIT_INPUT;
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)0);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
#endif
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=DELETE; BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		msgs_error("symbolize: cannot write '%s': %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return MSGS_EXIT_INPUT;
	}
	rc = linefill_db(db, path, 1, &st);
	if (rc == 0 && st.resolved) {
		gettimeofday(&now, NULL);
		if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES"
				       " ('symbolized_time', ?1), ('symbolized_by', ?2)", -1, &meta,
				       NULL) != SQLITE_OK) {
			rc = msgs_error("symbolize: cannot write meta in '%s': %s", path, sqlite3_errmsg(db));
		} else {
			sqlite3_bind_double(meta, 1, (double)now.tv_sec + now.tv_usec / 1e6);
			sqlite3_bind_text(meta, 2, "heapsnap symbolize " PACKAGE_VERSION, -1, SQLITE_STATIC);
			if (sqlite3_step(meta) != SQLITE_DONE)
				rc = msgs_error("symbolize: cannot write meta in '%s': %s", path,
						sqlite3_errmsg(db));
			sqlite3_finalize(meta);
		}
	}
	if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = msgs_error("symbolize: cannot commit '%s': %s", path, sqlite3_errmsg(db));
	if (rc != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db);
		return MSGS_EXIT_INTERNAL;
	}
	sqlite3_close(db);
	printf("%s: %zu location%s got lines, %zu stayed without\n", path, st.resolved,
	       st.resolved == 1 ? "" : "s", st.without);
	return MSGS_EXIT_OK;
}

int cmd_symbolize(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "debug-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, status = MSGS_EXIT_OK;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (linefill_add_debug_dir(optarg) < 0)
				return MSGS_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return MSGS_EXIT_OK;
		case ':':
			msgs_error("symbolize: option '%s' needs a value; try 'heapsnap symbolize --help'",
				   argv[optind - 1]);
			return MSGS_EXIT_USAGE;
		default:
			msgs_error("symbolize: unknown option '%s'; try 'heapsnap symbolize --help'",
				   argv[optind - 1]);
			return MSGS_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		msgs_error("symbolize: no snapshot given; try 'heapsnap symbolize --help'");
		return MSGS_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		int rc = symbolize_file(argv[i]);

		if (rc > status)
			status = rc;
	}
	linefill_done();
	return status;
}
