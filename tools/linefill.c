/*
 * linefill.c: lines for names-only snapshot locations, in the file or in
 * memory (see linefill.h).
 *
 * Owns the tools' struct dwarfres (created on first use with the
 * --debug-dir list) and the schema-2 and -3 SQL that rewrites frames rows
 * and the stacks' site columns. Main thread only.
 * Invariants: (1) linefill_db runs inside its caller's transaction and
 * returns on the first SQLite error, so the caller's ROLLBACK leaves the
 * file as it was; (2) linefill_snapread never opens the file for writing:
 * it copies the read-only connection into an in-memory database (SQLite's
 * backup API) and fills that; (3) lookups go module by module (ORDER BY
 * module), so dwarfres' bounded module table is never thrashed.
 * is_allocator is src/callsite.c's rule, the writer's, with the traced
 * process's wrappers= patterns from the file's meta.
 */
#include "linefill.h"

#include "callsite.h"
#include "dwarfres.h"
#include "msgs.h"
#include "snapread.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char **dirs;
static size_t ndirs;
static struct dwarfres *res;

int linefill_add_debug_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return msgs_error("cannot use --debug-dir '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return msgs_error("cannot use --debug-dir '%s': %s", dir, strerror(ENOTDIR));
	dirs = msgs_xrealloc(dirs, (ndirs + 1) * sizeof(*dirs));
	dirs[ndirs++] = msgs_xstrdup(dir);
	return 0;
}

void linefill_done(void)
{
	dwarfres_free(res);
	res = NULL;
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	dirs = NULL;
	ndirs = 0;
}

/*
 * The writer's rule (src/callsite.c) with the traced process's own
 * wrappers= patterns, read from the file's meta 'options' (the effective
 * options, "key=value" joined by ':'; a pattern never holds ':' or ',').
 * callsite.c keeps the patterns by pointer: they live in this buffer until
 * the next file's.
 */
static char wrappers[1024];

static void use_wrappers_of(sqlite3 *db)
{
	sqlite3_stmt *st;
	const char *opts = NULL, *p;

	wrappers[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'options'", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			opts = (const char *)sqlite3_column_text(st, 0);
		for (p = opts; p && (p = strstr(p, "wrappers=")); p++) {
			if (p == opts || p[-1] == ':' || p[-1] == ',') {
				size_t n = strcspn(p + 9, ":,");

				if (n < sizeof(wrappers))
					snprintf(wrappers, sizeof(wrappers), "%.*s", (int)n, p + 9);
				break;
			}
		}
		sqlite3_finalize(st);
	}
	callsite_set_user_patterns(wrappers);
}

static int sql_error(sqlite3 *db, const char *path, const char *what)
{
	return msgs_error("cannot %s in '%s': %s", what, path, sqlite3_errmsg(db));
}

/* Locations lacking lines (invariant 1), module by module. */
static const char candidates_sql[] =
	"SELECT l.id, l.offset, m.id, m.path, m.build_id,"
	"       (SELECT f.function FROM frames f WHERE f.location_id = l.id"
	"         ORDER BY f.inline_depth DESC LIMIT 1)"
	"  FROM locations l JOIN modules m ON m.id = l.module_id"
	" WHERE l.resolution IN ('symbol', 'unresolved') AND NOT coalesce(l.jit, 0)"
	"   AND l.offset IS NOT NULL AND l.offset > 0 AND m.path IS NOT NULL"
	" ORDER BY m.id, l.offset";

struct cand {
	int64_t id, module_id;
	uint64_t offset;
	char *path, *build_id;
	char *named; /* the function the host named the location after, or NULL */
};

static int read_candidates(sqlite3 *db, const char *path, struct cand **out, size_t *n)
{
	sqlite3_stmt *st;
	struct cand *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, candidates_sql, -1, &st, NULL) != SQLITE_OK)
		return sql_error(db, path, "read locations");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *bid = sqlite3_column_text(st, 4);

		if (len == cap) {
			cap = cap ? 2 * cap : 256;
			v = msgs_xrealloc(v, cap * sizeof(*v));
		}
		v[len].id = sqlite3_column_int64(st, 0);
		v[len].offset = (uint64_t)sqlite3_column_int64(st, 1);
		v[len].module_id = sqlite3_column_int64(st, 2);
		v[len].path = msgs_xstrdup((const char *)sqlite3_column_text(st, 3));
		v[len].build_id = bid && bid[0] ? msgs_xstrdup((const char *)bid) : NULL;
		const unsigned char *named = sqlite3_column_text(st, 5);
		v[len].named = named && named[0] ? msgs_xstrdup((const char *)named) : NULL;
		len++;
	}
	sqlite3_finalize(st);
	*out = v;
	*n = len;
	if (rc != SQLITE_DONE)
		return sql_error(db, path, "read locations");
	return 0;
}

static void free_candidates(struct cand *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].build_id);
		free(v[i].named);
	}
	free(v);
}

/* Does chain c keep the shape of location id's frames rows: as many
 * frames, each with the same is_allocator? Then no stack's call site can
 * move (recompute_sites reads nothing else). 1: same, 0: not, -1: error. */
static int same_shape(sqlite3_stmt *old, int64_t id, const char *module_path,
		      const struct dwarfres_chain *c)
{
	unsigned k = 0;
	int rc, same = 1;

	sqlite3_bind_int64(old, 1, id);
	while ((rc = sqlite3_step(old)) == SQLITE_ROW) {
		if (k >= c->n || sqlite3_column_int64(old, 0) != (int64_t)k ||
		    sqlite3_column_int(old, 1) != callsite_is_allocator(c->v[k].function, module_path))
			same = 0;
		k++;
	}
	sqlite3_reset(old);
	if (rc != SQLITE_DONE)
		return -1;
	return same && k == c->n;
}

/* The real function (the chain's outermost frame) keeps the name the host
 * gave it: the tools add inlined frames and lines, never rename, so a
 * frame is named alike in a file before and after symbolize and in every
 * snapshot of the series (the host and dwarfres.c name functions with the
 * same elfsym.c, but the tools may be reading another file: a debug file
 * found by build-id). */
static void keep_host_name(struct dwarfres_chain *c, const char *named)
{
	if (!named || c->n == 0)
		return;
	struct dwarfres_frame *f = &c->v[c->n - 1];
	if (f->function && strcmp(f->function, named) == 0)
		return;
	free(f->function);
	f->function = msgs_xstrdup(named);
}

/* Replaces the frames rows of location id by chain c. */
static int write_chain(sqlite3_stmt *del, sqlite3_stmt *ins, sqlite3_stmt *upd, int64_t id,
		       const char *module_path, const struct dwarfres_chain *c)
{
	int rc;

	sqlite3_bind_int64(del, 1, id);
	rc = sqlite3_step(del);
	sqlite3_reset(del);
	if (rc != SQLITE_DONE)
		return -1;
	for (unsigned k = 0; k < c->n; k++) {
		const struct dwarfres_frame *f = &c->v[k];

		sqlite3_bind_int64(ins, 1, id);
		sqlite3_bind_int(ins, 2, (int)k);
		sqlite3_bind_text(ins, 3, f->function, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, f->file, -1, SQLITE_STATIC);
		if (f->line > 0)
			sqlite3_bind_int(ins, 5, f->line);
		else
			sqlite3_bind_null(ins, 5);
		sqlite3_bind_int(ins, 6, callsite_is_allocator(f->function, module_path));
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE)
			return -1;
	}
	sqlite3_bind_int64(upd, 1, id);
	rc = sqlite3_step(upd);
	sqlite3_reset(upd);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The stacks' call sites, recomputed as the writer computes them
 * (src/snapfile.c): walking each stack from its innermost node outwards,
 * each location's frames innermost first (inline_depth), the first frame
 * that is not an allocator; site_depth is its position in that order (the
 * order of v_stack_frames). All allocators: the innermost frame, position 0.
 * The walk stops past the first location with a frame that is not an
 * allocator: the frames above it cannot change the answer, and walking
 * every stack to its root made this the bulk of heapdiff's time (20k
 * stacks of 35 frames: 0.7 M rows sorted, against a few per stack).
 */
static const char walk_sql[] =
	"WITH RECURSIVE walk(stack_id, node, raw) AS ("
	"  SELECT id, callsite_id, 0 FROM stacks WHERE callsite_id IS NOT NULL"
	"  UNION ALL"
	"  SELECT w.stack_id, c.parent_id, w.raw + 1 FROM walk w JOIN callsites c ON c.id = w.node"
	"   WHERE c.parent_id IS NOT NULL AND w.raw < 100000"
	"     AND NOT EXISTS (SELECT 1 FROM frames f"
	"                      WHERE f.location_id = c.location_id AND NOT f.is_allocator))"
	"SELECT w.stack_id, c.location_id, f.inline_depth, f.is_allocator"
	"  FROM walk w JOIN callsites c ON c.id = w.node"
	"  JOIN frames f ON f.location_id = c.location_id"
	" ORDER BY w.stack_id, w.raw, f.inline_depth";

/* The file's schema_version (meta), 0 when it cannot be read. */
static int64_t schema_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void grow_to(void **v, size_t *cap, size_t len, size_t sz)
{
	if (len < *cap)
		return;
	*cap = *cap ? 2 * *cap : 1024;
	*v = msgs_xrealloc(*v, *cap * sz);
}

/* Version 3's call sites, as walk_sql's consumer finds them, in C: its
 * callsites rows are runs of locations (outermost first), and walking
 * them in SQL means expanding every run a stack passes through with
 * json_each and sorting the rows (0.7 M for a compile's 84 k stacks). Here
 * the frames (location, inline depth, is_allocator), the runs and the
 * stacks are read once, in id order, and each stack's walk goes from its
 * run's last location outwards, the frames of a location innermost first,
 * until a frame that is not an allocator; a location without frames adds
 * nothing, a run that does not exist ends the walk, a stack with no frame
 * on its walk keeps its row; all allocators: the innermost frame. Bounded
 * like walk_sql (100000 runs). Returns 0 or -1 after a message. */
static int recompute_sites_v3(sqlite3 *db, const char *path)
{
	sqlite3_stmt *st = NULL, *upd = NULL;
	int64_t *loc_id = NULL, *fr_first = NULL, *run_id = NULL, *run_parent = NULL, *run_first = NULL, *locs = NULL;
	unsigned char *fr_alloc = NULL;
	int64_t *fr_inl = NULL;
	size_t nloc = 0, nfr = 0, nrun = 0, nlocs = 0;
	size_t cap_loc = 0, cap_ff = 0, cap_fa = 0, cap_fi = 0, cap_r = 0, cap_p = 0, cap_f = 0, cap_l = 0;
	int rc = -1, step;

	/* frames by location: fr_first[k] .. fr_first[k + 1] are loc_id[k]'s */
	if (sqlite3_prepare_v2(db, "SELECT location_id, inline_depth, is_allocator FROM frames"
			       " ORDER BY location_id, inline_depth", -1, &st, NULL) != SQLITE_OK)
		goto sql;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t loc = sqlite3_column_int64(st, 0);

		if (nloc == 0 || loc_id[nloc - 1] != loc) {
			grow_to((void **)&loc_id, &cap_loc, nloc, sizeof(*loc_id));
			grow_to((void **)&fr_first, &cap_ff, nloc + 1, sizeof(*fr_first));
			loc_id[nloc] = loc;
			fr_first[nloc++] = (int64_t)nfr;
		}
		grow_to((void **)&fr_alloc, &cap_fa, nfr, sizeof(*fr_alloc));
		grow_to((void **)&fr_inl, &cap_fi, nfr, sizeof(*fr_inl));
		fr_inl[nfr] = sqlite3_column_int64(st, 1);
		fr_alloc[nfr++] = sqlite3_column_int(st, 2) != 0;
	}
	if (step != SQLITE_DONE)
		goto sql;
	sqlite3_finalize(st);
	st = NULL;
	grow_to((void **)&fr_first, &cap_ff, nloc + 1, sizeof(*fr_first));
	fr_first[nloc] = (int64_t)nfr;

	/* runs: run_first[r] .. run_first[r + 1] index locs */
	if (sqlite3_prepare_v2(db, "SELECT id, parent_id, location_ids FROM callsites ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		goto sql;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *text = sqlite3_column_type(st, 2) == SQLITE_TEXT ? sqlite3_column_text(st, 2) : NULL;
		const char *why;

		grow_to((void **)&run_id, &cap_r, nrun, sizeof(*run_id));
		grow_to((void **)&run_parent, &cap_p, nrun, sizeof(*run_parent));
		grow_to((void **)&run_first, &cap_f, nrun + 1, sizeof(*run_first));
		run_id[nrun] = sqlite3_column_int64(st, 0);
		run_parent[nrun] = sqlite3_column_type(st, 1) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(st, 1);
		run_first[nrun] = (int64_t)nlocs;
		if (snapread_parse_location_ids(text, &locs, &nlocs, &cap_l, &why) < 0) {
			msgs_error("%s: malformed snapshot (callsites row %lld: location_ids %s)", path,
				   (long long)run_id[nrun], why);
			goto out;
		}
		nrun++;
	}
	if (step != SQLITE_DONE)
		goto sql;
	sqlite3_finalize(st);
	st = NULL;
	grow_to((void **)&run_first, &cap_f, nrun + 1, sizeof(*run_first));
	run_first[nrun] = (int64_t)nlocs;

	if (sqlite3_prepare_v2(db, "SELECT id, callsite_id FROM stacks WHERE callsite_id IS NOT NULL ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE stacks SET site_depth = ?2, site_location_id = ?3,"
			       " site_inline_depth = ?4 WHERE id = ?1", -1, &upd, NULL) != SQLITE_OK)
		goto sql;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t stack = sqlite3_column_int64(st, 0), run_of = sqlite3_column_int64(st, 1);
		int64_t position = 0, site_pos = 0, site_loc = 0, site_inl = 0;
		bool have = false, found = false;
		ssize_t r = snapread_id_find(run_id, nrun, run_of);

		for (int steps = 0; r >= 0 && !found && steps <= 100000; steps++) {
			for (int64_t k = run_first[r + 1] - 1; k >= run_first[r] && !found; k--) {
				ssize_t li = snapread_id_find(loc_id, nloc, locs[k]);

				for (int64_t f = li < 0 ? 0 : fr_first[li]; li >= 0 && f < fr_first[li + 1]; f++) {
					if (!have) { /* the innermost frame, until one is not an allocator */
						have = true;
						site_loc = locs[k];
						site_inl = fr_inl[f];
					}
					if (!fr_alloc[f]) {
						found = true;
						site_pos = position;
						site_loc = locs[k];
						site_inl = fr_inl[f];
						break;
					}
					position++;
				}
			}
			r = run_parent[r] == INT64_MIN ? -1 : snapread_id_find(run_id, nrun, run_parent[r]);
		}
		if (!have)
			continue;
		sqlite3_bind_int64(upd, 1, stack);
		sqlite3_bind_int64(upd, 2, site_pos);
		sqlite3_bind_int64(upd, 3, site_loc);
		sqlite3_bind_int64(upd, 4, site_inl);
		int u = sqlite3_step(upd);
		sqlite3_reset(upd);
		if (u != SQLITE_DONE)
			goto sql;
	}
	if (step != SQLITE_DONE)
		goto sql;
	rc = 0;
	goto out;
sql:
	sql_error(db, path, "recompute call sites");
out:
	sqlite3_finalize(st);
	sqlite3_finalize(upd);
	free(loc_id);
	free(fr_first);
	free(fr_alloc);
	free(fr_inl);
	free(run_id);
	free(run_parent);
	free(run_first);
	free(locs);
	return rc;
}

static int recompute_sites(sqlite3 *db, const char *path)
{
	sqlite3_stmt *walk = NULL, *upd = NULL;
	int64_t cur = -1, position = 0, site_pos = 0, site_loc = 0, site_inl = 0;
	bool found = false, have = false;
	int rc = 0, step;

	if (schema_version(db) >= 3)
		return recompute_sites_v3(db, path);
	if (sqlite3_prepare_v2(db, walk_sql, -1, &walk, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE stacks SET site_depth = ?2, site_location_id = ?3,"
			       " site_inline_depth = ?4 WHERE id = ?1", -1, &upd, NULL) != SQLITE_OK) {
		sqlite3_finalize(walk);
		return sql_error(db, path, "recompute call sites");
	}
	/* one pass over the ordered walk; a stack's update once its rows end */
	for (;;) {
		step = sqlite3_step(walk);
		int64_t stack = step == SQLITE_ROW ? sqlite3_column_int64(walk, 0) : -1;

		if (have && stack != cur) {
			sqlite3_bind_int64(upd, 1, cur);
			sqlite3_bind_int64(upd, 2, site_pos);
			sqlite3_bind_int64(upd, 3, site_loc);
			sqlite3_bind_int64(upd, 4, site_inl);
			if (sqlite3_step(upd) != SQLITE_DONE)
				rc = -1;
			sqlite3_reset(upd);
			have = false;
		}
		if (step != SQLITE_ROW || rc)
			break;
		if (!have) { /* a new stack: its innermost frame until one is not an allocator */
			cur = stack;
			have = true;
			found = false;
			position = 0;
			site_pos = 0;
			site_loc = sqlite3_column_int64(walk, 1);
			site_inl = sqlite3_column_int64(walk, 2);
		}
		if (!found && !sqlite3_column_int(walk, 3)) {
			found = true;
			site_pos = position;
			site_loc = sqlite3_column_int64(walk, 1);
			site_inl = sqlite3_column_int64(walk, 2);
		}
		position++;
	}
	if (step != SQLITE_DONE && step != SQLITE_ROW)
		rc = -1;
	sqlite3_finalize(walk);
	sqlite3_finalize(upd);
	return rc ? sql_error(db, path, "recompute call sites") : 0;
}

/* One line per module whose locations stayed without lines, with the fix. */
static void report_module(const char *path, const struct cand *c, int status)
{
	static const char hint[] = "install its -dbg/-dbgsym package or pass --debug-dir";

	if (status == DWARFRES_MISMATCH || status == DWARFRES_NO_MODULE)
		msgs_warning("'%s': no lines for '%s': %s (build-id %s); pass --debug-dir with its "
			     "debug file", path, c->path, dwarfres_status_str(status),
			     c->build_id ? c->build_id : "none");
	else
		msgs_warning("'%s': no lines for '%s': %s; %s", path, c->path,
			     dwarfres_status_str(status), hint);
}

/* The meta counts the writer keeps of how locations were named, made true
 * again (only the rows the file has). */
static const char meta_counts_sql[] =
	"UPDATE meta SET value = (SELECT count(*) FROM locations WHERE resolution = 'symbol')"
	" WHERE key = 'locations_named';"
	"UPDATE meta SET value = (SELECT count(*) FROM locations WHERE resolution = 'lines')"
	" WHERE key = 'locations_lines';"
	"UPDATE meta SET value = (SELECT count(*) FROM locations WHERE resolution = 'unresolved')"
	" WHERE key = 'locations_unresolved';"
	"UPDATE meta SET value = (SELECT count(*) FROM frames) WHERE key = 'frames';";

int linefill_db(void *vdb, const char *path, int verbose, struct linefill_stats *out)
{
	sqlite3 *db = vdb;
	sqlite3_stmt *del = NULL, *ins = NULL, *upd = NULL, *old = NULL;
	struct cand *v;
	size_t n;
	int rc = 0;
	bool moved = false; /* a location changed shape: call sites may move */

	memset(out, 0, sizeof(*out));
	if (read_candidates(db, path, &v, &n) < 0) {
		free_candidates(v, n);
		return -1;
	}
	out->candidates = n;
	if (n == 0) {
		free(v);
		return 0;
	}
	use_wrappers_of(db);
	if (!res && !(res = dwarfres_new((const char *const *)dirs, ndirs))) {
		free_candidates(v, n);
		return msgs_error("out of memory");
	}
	if (sqlite3_prepare_v2(db, "DELETE FROM frames WHERE location_id = ?1", -1, &del, NULL) ||
	    sqlite3_prepare_v2(db, "INSERT INTO frames(location_id, inline_depth, function, file, line,"
			       " is_allocator) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &ins, NULL) ||
	    sqlite3_prepare_v2(db, "UPDATE locations SET resolution = 'lines' WHERE id = ?1", -1, &upd,
			       NULL) ||
	    sqlite3_prepare_v2(db, "SELECT inline_depth, is_allocator FROM frames"
			       " WHERE location_id = ?1 ORDER BY inline_depth", -1, &old, NULL)) {
		rc = sql_error(db, path, "prepare the frames update");
		goto out;
	}
	int64_t reported = 0; /* last module whose failure was reported */
	for (size_t i = 0; i < n && !rc; i++) {
		struct dwarfres_chain c;
		int st = dwarfres_lookup(res, v[i].path, v[i].build_id, v[i].offset - 1, &c);

		if (st < 0) {
			rc = msgs_error("out of memory");
			break;
		}
		if (st != DWARFRES_LINES) {
			if (verbose && st != DWARFRES_NO_LINE && v[i].module_id != reported)
				report_module(path, &v[i], st);
			reported = v[i].module_id;
			continue;
		}
		keep_host_name(&c, v[i].named);
		int same = moved ? 0 : same_shape(old, v[i].id, v[i].path, &c);

		if (same < 0 || write_chain(del, ins, upd, v[i].id, v[i].path, &c) < 0)
			rc = sql_error(db, path, "write frames");
		else
			out->resolved++;
		moved |= same == 0;
		dwarfres_chain_free(&c);
	}
	/* Only a location that changed shape (inline levels added, an
	 * allocator named differently) can move a stack's call site. */
	if (!rc && moved)
		rc = recompute_sites(db, path);
	if (!rc && out->resolved && sqlite3_exec(db, meta_counts_sql, NULL, NULL, NULL) != SQLITE_OK)
		rc = sql_error(db, path, "update the meta counts");
out:
	out->without = out->candidates - out->resolved;
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	sqlite3_finalize(old);
	free_candidates(v, n);
	return rc;
}

/* 1 when the file has a location to fill, 0 when not, -1 on error. */
static int needs_fill(sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM locations WHERE resolution IN ('symbol', 'unresolved')"
			       " AND NOT coalesce(jit, 0) LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int linefill_snapread(struct snapread *s)
{
	sqlite3 *mem = NULL;
	sqlite3_backup *b;
	struct linefill_stats st;
	int rc;

	if (s->schema_version < 2 || s->file_db)
		return 0; /* schema 1: lines were resolved in the traced process */
	rc = needs_fill(s->db);
	if (rc < 0)
		return sql_error(s->db, s->path, "read locations");
	if (rc == 0)
		return 0;
	if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) != SQLITE_OK) {
		sqlite3_close(mem);
		return msgs_error("cannot resolve lines of '%s': out of memory", s->path);
	}
	sqlite3_db_config(mem, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
	sqlite3_db_config(mem, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
	sqlite3_db_config(mem, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)0);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(mem, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
#endif
	b = sqlite3_backup_init(mem, "main", s->db, "main");
	rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
	if (b)
		sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		msgs_error("cannot copy '%s' into memory: %s", s->path, sqlite3_errmsg(mem));
		sqlite3_close(mem);
		return -1;
	}
	if (sqlite3_exec(mem, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    linefill_db(mem, s->path, 0, &st) < 0 ||
	    sqlite3_exec(mem, "COMMIT; PRAGMA query_only=1", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_close(mem);
		return -1;
	}
	/* the file's connection is idle while the copy is read: its page
	 * cache (filled by the copy) would otherwise stay, per file */
	sqlite3_db_release_memory(s->db);
	snapread_trie_drop(s); /* it was read from the file's rows, not the copy's */
	s->file_db = s->db;
	s->db = mem;
	return 0;
}

void linefill_release(struct snapread *s)
{
	if (!s->file_db)
		return;
	snapread_trie_drop(s);
	sqlite3_close(s->db);
	s->db = s->file_db;
	s->file_db = NULL;
}
