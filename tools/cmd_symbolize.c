/*
 * cmd_symbolize.c: heapsnap symbolize [--debug-dir DIR]... DB...: write
 * file:line and inlined frames into names-only snapshots (schema 2 or newer).
 *
 * Owns the command: checks each file with snapread (a snapshot, schema 2 or newer),
 * fills its lines (linefill_db) and the meta rows symbolized_time and
 * symbolized_by in a private copy beside it (same mode, and owner where
 * allowed), then renames the copy over it. Single-threaded.
 * Invariants: (1) the file itself is never written: until the rename it is
 * as it was, so an interrupted run (even SIGKILL, which may leave a
 * NAME.symbolize.XXXXXX copy behind) changes nothing readers see, and
 * SIGINT/SIGTERM/SIGHUP remove the copy; in-place SQLite transactions were
 * rejected because the rollback journal an interrupted run leaves makes
 * read-only openers (heapdiff) fail until a writer rolls it back; (2) a file
 * with nothing resolved is left byte for byte; (3) schema 1 files are
 * refused: their lines were resolved in the traced process. Reports per
 * file how many locations got lines and how many stayed without.
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

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

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

/* The temporary copy being filled, removed if a signal ends the run. */
static char tmp_path[PATH_MAX];
static volatile sig_atomic_t tmp_live;

static void on_signal(int sig)
{
	if (tmp_live)
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Copies the bytes of from (open) into to (open, empty). 0 or -errno. */
static int copy_bytes(int from, int to)
{
	char buf[1 << 16];

	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf)), w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		while (w < n) {
			ssize_t k = write(to, buf + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -errno;
			w += k;
		}
	}
}

/* Fills the lines of the copy at tmp_path (SQLite, one transaction). */
static int fill_copy(const char *path, struct linefill_stats *st)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *meta = NULL;
	struct timeval now;
	int rc;

	rc = sqlite3_open_v2(tmp_path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		msgs_error("symbolize: cannot open a copy of '%s': %s", path,
			   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)0);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
#endif
	/* the copy is private and thrown away on any failure: no journal */
	if (sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN", NULL, NULL,
			 NULL) != SQLITE_OK) {
		msgs_error("symbolize: cannot write a copy of '%s': %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	rc = linefill_db(db, path, 1, st);
	if (rc == 0 && st->resolved) {
		gettimeofday(&now, NULL);
		if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES"
				       " ('symbolized_time', ?1), ('symbolized_by', ?2)", -1, &meta,
				       NULL) != SQLITE_OK) {
			rc = -1;
		} else {
			sqlite3_bind_double(meta, 1, (double)now.tv_sec + now.tv_usec / 1e6);
			sqlite3_bind_text(meta, 2, "heapsnap symbolize " PACKAGE_VERSION, -1, SQLITE_STATIC);
			if (sqlite3_step(meta) != SQLITE_DONE)
				rc = -1;
			sqlite3_finalize(meta);
		}
		if (rc < 0)
			msgs_error("symbolize: cannot write meta of '%s': %s", path, sqlite3_errmsg(db));
	}
	if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = msgs_error("symbolize: cannot commit '%s': %s", path, sqlite3_errmsg(db));
	if (sqlite3_close(db) != SQLITE_OK && rc == 0)
		rc = msgs_error("symbolize: cannot close a copy of '%s'", path);
	return rc;
}

/* The directory of path, for its fsync after the rename. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * One file: checked, copied beside itself (same mode and owner), filled in
 * the copy, which then replaces it with rename(2). Until that rename the
 * file is untouched, so an interrupted run leaves it as it was (and a
 * signal removes the copy); a file with nothing resolved is not rewritten.
 */
static int symbolize_file(const char *path)
{
	struct linefill_stats st = { 0 };
	struct stat sb;
	int src, dst, rc, e;

	if (check_snapshot(path) < 0)
		return MSGS_EXIT_INPUT;
	src = open(path, O_RDONLY | O_CLOEXEC);
	if (src < 0 || fstat(src, &sb) < 0) {
		msgs_error("symbolize: cannot open '%s': %s", path, strerror(errno));
		if (src >= 0)
			close(src);
		return MSGS_EXIT_INPUT;
	}
	if (snprintf(tmp_path, sizeof(tmp_path), "%s.symbolize.XXXXXX", path) >= (int)sizeof(tmp_path)) {
		close(src);
		msgs_error("symbolize: cannot write beside '%s': %s", path, strerror(ENAMETOOLONG));
		return MSGS_EXIT_INPUT;
	}
	dst = mkstemp(tmp_path);
	if (dst < 0) {
		e = errno;
		close(src);
		msgs_error("symbolize: cannot write beside '%s': %s; the directory must be writable",
			   path, strerror(e));
		return MSGS_EXIT_INPUT;
	}
	tmp_live = 1;
	/* the owner only when allowed (root, or the file is already ours) */
	if (fchown(dst, sb.st_uid, sb.st_gid) < 0)
		errno = 0;
	rc = fchmod(dst, sb.st_mode & 07777) < 0 ? -errno : copy_bytes(src, dst);
	close(src);
	if (rc < 0) {
		msgs_error("symbolize: cannot copy '%s': %s", path, strerror(-rc));
		goto discard;
	}
	if (fill_copy(path, &st) < 0) {
		rc = -1;
		goto discard;
	}
	if (st.resolved == 0)
		goto discard; /* nothing to write: the file stays byte for byte */
	if (fsync(dst) < 0 || rename(tmp_path, path) < 0) {
		msgs_error("symbolize: cannot replace '%s': %s", path, strerror(errno));
		rc = -1;
		goto discard;
	}
	tmp_live = 0;
	close(dst);
	sync_dir(path);
	goto report;
discard:
	tmp_live = 0;
	unlink(tmp_path);
	close(dst);
	if (rc < 0)
		return MSGS_EXIT_INTERNAL;
report:
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
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	for (int i = optind; i < argc; i++) {
		int rc = symbolize_file(argv[i]);

		if (rc > status)
			status = rc;
	}
	linefill_done();
	return status;
}
