/*
 * snapread.c: read-only access to snapshot files for heapsnap and heapdiff.
 *
 * Owns the SQLite connection of each opened snapshot and every query the
 * tools run on it, and the call-site trie (version 2's nodes, version 3's
 * runs expanded into nodes, their location_ids checked) read from it into arrays
 * (struct snapread_trie: read once per connection, dropped with it or by
 * snapread_trie_drop; walks bounded like the queries they replace). Main
 * thread only; one connection per file.
 * Invariants (see snapread.h): read-only, defensive, schema-checked before
 * any other query; errors reported once. The queries read the tables
 * directly with the joins of v_sites / v_stack_frames, because the tools
 * also need frames.offset, which the views do not carry.
 * Must not: write to, create, or leave journal files next to the inputs;
 * load extensions; trust functions named by the file's own schema.
 */
#include "snapread.h"

#include "msgs.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Tables every query here relies on, checked at open, per schema version:
 * 1 has one frames row per address and stack_frames; 2 and 3 have
 * locations, their frames (inline levels) and the call-site trie (3: its
 * rows are runs of nodes). */
static const char *const required_v1[] = {
	"modules", "frames", "stacks", "stack_frames", "sites", NULL,
};
static const char *const required_v2[] = {
	"modules", "locations", "frames", "callsites", "stacks", "sites", NULL,
};

static int fail(const char *path, const char *fmt, const char *detail)
{
	char why[512];

	snprintf(why, sizeof(why), fmt, detail);
	return msgs_error("cannot open '%s': %s", path, why);
}

/* Checks that do not need SQLite: exists, regular, non-empty, SQLite magic. */
static int check_file(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	struct stat st;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(path, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return fail(path, "%s", strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return fail(path, "%s", strerror(EISDIR));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(path, "not a heapsnap snapshot (%s)", "not a regular file");
	}
	if (st.st_size == 0) {
		close(fd);
		return fail(path, "not a heapsnap snapshot (%s)", "empty file");
	}
	got = read(fd, head, sizeof(head));
	close(fd);
	if (got != (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic)) != 0)
		return fail(path, "not a heapsnap snapshot (%s)", "not an SQLite database");
	return 0;
}

/* "file:" URI for PATH with mode=ro; every byte outside [A-Za-z0-9/._~-]
 * is percent-encoded so '?', '#' and '%' in names stay literal. */
static char *ro_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(path);
	char *uri = msgs_xmalloc(5 + 3 * len + sizeof("?mode=ro"));
	char *p = uri;

	p += sprintf(p, "file:");
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("/._~-", *c)) {
			*p++ = (char)*c;
		} else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	}
	strcpy(p, "?mode=ro");
	return uri;
}

static void harden(sqlite3 *db)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
#endif
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)0);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 16 << 20);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_busy_timeout(db, 2000);
	sqlite3_exec(db, "PRAGMA query_only=1; PRAGMA cell_size_check=1; "
		     "PRAGMA mmap_size=0", NULL, NULL, NULL);
}

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	t = sqlite3_column_text(st, i);
	return t ? msgs_xstrdup((const char *)t) : NULL;
}

/* 1 when table NAME exists, 0 when not, -1 on a read error (reported). */
static int has_table(struct snapread *s, const char *name)
{
	sqlite3_stmt *st;
	int rc, found;

	rc = sqlite3_prepare_v2(s->db,
		"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s->path, "not a heapsnap snapshot (%s)", sqlite3_errmsg(s->db));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	found = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail(s->path, "not a heapsnap snapshot (%s)", sqlite3_errmsg(s->db));
		found = -1;
	}
	sqlite3_finalize(st);
	return found;
}

static int check_schema_version(struct snapread *s)
{
	sqlite3_stmt *st;
	int rc, type;
	char why[160];

	rc = sqlite3_prepare_v2(s->db,
		"SELECT value FROM meta WHERE key = 'schema_version'", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s->path, "not a heapsnap snapshot (%s)", sqlite3_errmsg(s->db));
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			return fail(s->path, "not a heapsnap snapshot (%s)", "no schema_version");
		return fail(s->path, "not a heapsnap snapshot (%s)", sqlite3_errmsg(s->db));
	}
	type = sqlite3_column_type(st, 0);
	s->schema_version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (type != SQLITE_INTEGER)
		return fail(s->path, "not a heapsnap snapshot (%s)",
			    "schema_version is not an integer");
	if (s->schema_version < 1) {
		snprintf(why, sizeof(why), "schema_version %lld is not valid",
			 (long long)s->schema_version);
		return fail(s->path, "not a heapsnap snapshot (%s)", why);
	}
	if (s->schema_version > SNAPREAD_SCHEMA_VERSION) {
		snprintf(why, sizeof(why),
			 "snapshot schema_version %lld is newer than this %s supports (%d); "
			 "upgrade heapsnap", (long long)s->schema_version, msgs_prog(),
			 SNAPREAD_SCHEMA_VERSION);
		return fail(s->path, "%s", why);
	}
	return 0;
}

static int read_meta(struct snapread *s)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT key, value FROM meta "
				"WHERE key IS NOT NULL ORDER BY key", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s->path, "cannot read meta (%s)", sqlite3_errmsg(s->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct snapread_kv *kv;

		if (s->nmeta == cap) {
			cap = cap ? 2 * cap : 32;
			s->meta = msgs_xrealloc(s->meta, cap * sizeof(*s->meta));
		}
		kv = &s->meta[s->nmeta++];
		memset(kv, 0, sizeof(*kv));
		kv->key = col_text(st, 0);
		switch (sqlite3_column_type(st, 1)) {
		case SQLITE_INTEGER:
			kv->type = SNAPREAD_INT;
			kv->i = sqlite3_column_int64(st, 1);
			break;
		case SQLITE_FLOAT:
			kv->type = SNAPREAD_REAL;
			kv->r = sqlite3_column_double(st, 1);
			break;
		case SQLITE_TEXT:
			kv->type = SNAPREAD_TEXT;
			kv->s = col_text(st, 1);
			break;
		default:
			kv->type = SNAPREAD_NULL;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(s->path, "cannot read meta (%s)", sqlite3_errmsg(s->db));
	return 0;
}

int snapread_open(const char *path, struct snapread **out)
{
	struct snapread *s;
	char *uri;
	int rc;

	*out = NULL;
	if (check_file(path) < 0)
		return -1;
	/* NAME.db.tmp is a snapshot being written, or left by a process killed
	 * while writing: it can open and pass integrity_check with only part of
	 * its rows (version 2 writes meta last, so most such files also lack a
	 * schema_version). */
	size_t plen = strlen(path);
	if (plen >= 4 && strcmp(path + plen - 4, ".tmp") == 0)
		return fail(path, "not a heapsnap snapshot (%s)",
			    "a temporary file, being written or left by a process killed while "
			    "writing; complete snapshots end in .db");
	s = msgs_xmalloc(sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->path = msgs_xstrdup(path);
	uri = ro_uri(path);
	rc = sqlite3_open_v2(uri, (sqlite3 **)&s->db,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		fail(path, "%s", s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		snapread_close(s);
		return -1;
	}
	harden(s->db);

	rc = has_table(s, "meta");
	if (rc == 0)
		fail(path, "not a heapsnap snapshot (%s)", "no meta table");
	if (rc <= 0 || check_schema_version(s) < 0)
		goto bad;
	const char *const *required = s->schema_version >= 2 ? required_v2 : required_v1;
	for (size_t i = 0; required[i]; i++) {
		char why[64];

		rc = has_table(s, required[i]);
		if (rc == 0) {
			snprintf(why, sizeof(why), "no %s table", required[i]);
			fail(path, "not a heapsnap snapshot (%s)", why);
		}
		if (rc <= 0)
			goto bad;
	}
	/* labels came later in version 2: optional, with stacks.label_id */
	rc = s->schema_version >= 2 ? has_table(s, "labels") : 0;
	if (rc < 0)
		goto bad;
	s->has_labels = rc == 1;
	if (read_meta(s) < 0)
		goto bad;
	*out = s;
	return 0;
bad:
	snapread_close(s);
	return -1;
}

void snapread_close(struct snapread *s)
{
	if (!s)
		return;
	snapread_trie_drop(s);
	sqlite3_close(s->db);
	sqlite3_close(s->file_db);
	for (size_t i = 0; i < s->nmeta; i++) {
		free(s->meta[i].key);
		free(s->meta[i].s);
	}
	free(s->meta);
	free(s->path);
	free(s);
}

const struct snapread_kv *snapread_meta(const struct snapread *s, const char *key)
{
	size_t lo = 0, hi = s->nmeta;

	/* meta is sorted by key (ORDER BY key: BINARY collation = strcmp). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->meta[mid].key ? s->meta[mid].key : "", key);

		if (c == 0)
			return &s->meta[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int64_t snapread_meta_int(const struct snapread *s, const char *key, int64_t dflt)
{
	const struct snapread_kv *kv = snapread_meta(s, key);

	if (kv && kv->type == SNAPREAD_INT)
		return kv->i;
	if (kv && kv->type == SNAPREAD_REAL && kv->r == (double)(int64_t)kv->r)
		return (int64_t)kv->r;
	return dflt;
}

double snapread_meta_real(const struct snapread *s, const char *key, double dflt)
{
	const struct snapread_kv *kv = snapread_meta(s, key);

	if (kv && kv->type == SNAPREAD_REAL)
		return kv->r;
	if (kv && kv->type == SNAPREAD_INT)
		return (double)kv->i;
	return dflt;
}

const char *snapread_meta_text(const struct snapread *s, const char *key)
{
	const struct snapread_kv *kv = snapread_meta(s, key);

	return kv && kv->type == SNAPREAD_TEXT ? kv->s : NULL;
}

/* Columns function, file, line, module, offset, address, jit starting at i. */
static void read_frame(sqlite3_stmt *st, int i, struct snapread_frame *f)
{
	const char *slash;

	f->function = col_text(st, i);
	f->file = col_text(st, i + 1);
	f->line = sqlite3_column_int64(st, i + 2);
	if (f->line < 0)
		f->line = 0;
	f->module = col_text(st, i + 3);
	f->module_base = NULL;
	if (f->module) {
		slash = strrchr(f->module, '/');
		f->module_base = slash ? slash + 1 : f->module;
	}
	f->has_offset = sqlite3_column_type(st, i + 4) != SQLITE_NULL;
	f->offset = (uint64_t)sqlite3_column_int64(st, i + 4);
	f->address = (uint64_t)sqlite3_column_int64(st, i + 5);
	f->jit = sqlite3_column_int64(st, i + 6) != 0;
}

static void free_frame(struct snapread_frame *f)
{
	free(f->function);
	free(f->file);
	free(f->module);
}

static int read_sites(struct snapread *s, const char *sql, struct snapread_site **out, size_t *n);

int snapread_sites(struct snapread *s, struct snapread_site **out, size_t *n)
{
	static const char sql_v2[] =
		"SELECT s.stack_id, s.live_bytes, s.live_count,"
		"       f.function, f.file, f.line, m.path, l.offset, l.address, l.jit"
		"  FROM sites s"
		"  LEFT JOIN stacks st ON st.id = s.stack_id"
		"  LEFT JOIN frames f ON f.location_id = st.site_location_id"
		"                    AND f.inline_depth = st.site_inline_depth"
		"  LEFT JOIN locations l ON l.id = st.site_location_id"
		"  LEFT JOIN modules m ON m.id = l.module_id"
		" ORDER BY s.stack_id";
	static const char sql_v2_labels[] =
		"SELECT s.stack_id, s.live_bytes, s.live_count,"
		"       f.function, f.file, f.line, m.path, l.offset, l.address, l.jit, lb.name"
		"  FROM sites s"
		"  LEFT JOIN stacks st ON st.id = s.stack_id"
		"  LEFT JOIN frames f ON f.location_id = st.site_location_id"
		"                    AND f.inline_depth = st.site_inline_depth"
		"  LEFT JOIN locations l ON l.id = st.site_location_id"
		"  LEFT JOIN modules m ON m.id = l.module_id"
		"  LEFT JOIN labels lb ON lb.id = st.label_id"
		" ORDER BY s.stack_id";
	static const char sql_v1[] =
		"SELECT s.stack_id, s.live_bytes, s.live_count,"
		"       f.function, f.file, f.line, m.path, f.offset, f.address, 0"
		"  FROM sites s"
		"  LEFT JOIN stacks st ON st.id = s.stack_id"
		"  LEFT JOIN stack_frames sf"
		"         ON sf.stack_id = s.stack_id AND sf.raw_depth = st.site_depth"
		"  LEFT JOIN frames f ON f.id = sf.frame_id"
		"  LEFT JOIN modules m ON m.id = f.module_id"
		" ORDER BY s.stack_id";

	return read_sites(s, s->has_labels ? sql_v2_labels
			     : s->schema_version >= 2 ? sql_v2 : sql_v1, out, n);
}

int snapread_site_sums(struct snapread *s, struct snapread_site **out, size_t *n)
{
	/* The same columns as snapread_sites, the first three summed over
	 * the group, stack_id replaced by the count of rows. */
#define SUMS_V2(LAB, LABGROUP, LABCOL, LABJOIN) \
		"SELECT g.n, g.b, g.c,"						\
		"       f.function, f.file, f.line, m.path, l.offset, l.address, l.jit" LABCOL \
		"  FROM (SELECT st.site_location_id AS loc, st.site_inline_depth AS inl" LAB "," \
		"               count(*) AS n, sum(s.live_bytes) AS b, sum(s.live_count) AS c" \
		"          FROM sites s LEFT JOIN stacks st ON st.id = s.stack_id" \
		"         GROUP BY loc, inl" LABGROUP ") g"			\
		"  LEFT JOIN frames f ON f.location_id = g.loc AND f.inline_depth = g.inl" \
		"  LEFT JOIN locations l ON l.id = g.loc"			\
		"  LEFT JOIN modules m ON m.id = l.module_id" LABJOIN
	static const char sql_v2[] = SUMS_V2("", "", "", "");
	static const char sql_v2_labels[] =
		SUMS_V2(", st.label_id AS lab", ", lab", ", lb.name",
			"  LEFT JOIN labels lb ON lb.id = g.lab");
#undef SUMS_V2
	static const char sql_v1[] =
		"SELECT g.n, g.b, g.c,"
		"       f.function, f.file, f.line, m.path, f.offset, f.address, 0"
		"  FROM (SELECT sf.frame_id AS fid,"
		"               count(*) AS n, sum(s.live_bytes) AS b, sum(s.live_count) AS c"
		"          FROM sites s"
		"          LEFT JOIN stacks st ON st.id = s.stack_id"
		"          LEFT JOIN stack_frames sf"
		"                 ON sf.stack_id = s.stack_id AND sf.raw_depth = st.site_depth"
		"         GROUP BY fid) g"
		"  LEFT JOIN frames f ON f.id = g.fid"
		"  LEFT JOIN modules m ON m.id = f.module_id";
	int rc = read_sites(s, s->has_labels ? sql_v2_labels
			       : s->schema_version >= 2 ? sql_v2 : sql_v1, out, n);

	for (size_t i = 0; rc == 0 && i < *n; i++) {
		(*out)[i].stacks = (*out)[i].stack_id;
		(*out)[i].stack_id = -1;
	}
	return rc;
}

/* Runs a sites query (columns: stack_id or count, live_bytes, live_count,
 * the site frame, and the label when the file has labels). */
static int read_sites(struct snapread *s, const char *sql, struct snapread_site **out, size_t *n)
{
	struct snapread_site *v = NULL;
	size_t cap = 0, len = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return msgs_error("cannot read sites from '%s': %s", s->path,
				  sqlite3_errmsg(s->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct snapread_site *site;

		if (len == cap) {
			cap = cap ? 2 * cap : 256;
			v = msgs_xrealloc(v, cap * sizeof(*v));
		}
		site = &v[len++];
		memset(site, 0, sizeof(*site));
		site->stack_id = sqlite3_column_int64(st, 0);
		site->live_bytes = sqlite3_column_int64(st, 1);
		site->live_count = sqlite3_column_int64(st, 2);
		site->stacks = 1;
		read_frame(st, 3, &site->site);
		site->label = s->has_labels ? col_text(st, 10) : NULL;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snapread_sites_free(v, len);
		return msgs_error("cannot read sites from '%s': %s", s->path,
				  sqlite3_errmsg(s->db));
	}
	*out = v;
	*n = len;
	return 0;
}

void snapread_sites_free(struct snapread_site *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free_frame(&v[i].site);
		free(v[i].label);
	}
	free(v);
}

/* --- the call-site trie, read once per connection ----------------------- */

/* Version 2's and 3's stacks as arrays: each table read once in id order,
 * ids turned into indexes at load, so a stack's frames are a walk of a few
 * array steps per level instead of a recursive query. Version 3's runs are
 * expanded into one node per location at load (cs_id is then the node's
 * index, and a run is known by its last node). */
struct snapread_trie {
	/* stacks, by id */
	int64_t *st_id;
	int64_t *st_cs;              /* callsite index; -1: none or missing */
	int64_t *st_site_depth;
	size_t nst;
	/* callsites, by id */
	int64_t *cs_id;
	int64_t *cs_parent;          /* index; -1: NULL parent or missing row */
	int64_t *cs_loc;             /* index into loc_*; -1: no frames */
	size_t ncs;
	/* locations that have frames, by id: frames[loc_first .. + loc_nf) */
	int64_t *loc_id;
	uint32_t *loc_first, *loc_nf;
	size_t nloc;
	struct snapread_frame *frames; /* frames rows, (location_id, inline_depth) order */
	size_t nframes;
	uint32_t *refs;              /* snapread_stack_refs' result */
	size_t refs_cap;
};

ssize_t snapread_id_find(const int64_t *ids, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return (ssize_t)mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void snapread_trie_drop(struct snapread *s)
{
	struct snapread_trie *t = s->trie;

	if (!t)
		return;
	free(t->st_id);
	free(t->st_cs);
	free(t->st_site_depth);
	free(t->cs_id);
	free(t->cs_parent);
	free(t->cs_loc);
	free(t->loc_id);
	free(t->loc_first);
	free(t->loc_nf);
	for (size_t i = 0; i < t->nframes; i++)
		free_frame(&t->frames[i]);
	free(t->frames);
	free(t->refs);
	free(t);
	s->trie = NULL;
}

/* Grows *v (elements of size sz) to hold len + 1. */
static void grow(void **v, size_t *cap, size_t len, size_t sz)
{
	if (len < *cap)
		return;
	*cap = *cap ? 2 * *cap : 1024;
	*v = msgs_xrealloc(*v, *cap * sz);
}

/* Reports a version 3 callsites row whose location_ids is malformed; -1. */
static int bad_run(const struct snapread *s, int64_t id, const char *why)
{
	return msgs_error("%s: malformed snapshot (callsites row %lld: location_ids %s)", s->path,
			  (long long)id, why);
}

int snapread_parse_location_ids(const unsigned char *p, int64_t **out, size_t *len, size_t *cap,
				const char **why)
{
	size_t start = *len;

#define SKIP_WS() while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++
	*why = "is not a JSON array";
	if (!p)
		return -1;
	SKIP_WS();
	if (*p++ != '[')
		return -1;
	SKIP_WS();
	if (*p == ']') {
		p++;
		SKIP_WS();
		if (!*p)
			*why = "is empty";
		return -1;
	}
	for (;;) {
		bool neg = false;
		uint64_t v = 0;
		int nd = 0;

		SKIP_WS();
		if (*p == '-') {
			neg = true;
			p++;
		}
		while (*p >= '0' && *p <= '9') {
			if (v > (UINT64_MAX - 9) / 10) {
				*why = "holds an integer out of range";
				return -1;
			}
			v = v * 10 + (uint64_t)(*p++ - '0');
			nd++;
		}
		if (nd == 0 || *p == '.' || *p == 'e' || *p == 'E' || v > INT64_MAX) {
			*why = "holds a value that is not an integer";
			return -1;
		}
		grow((void **)out, cap, *len, sizeof(**out));
		(*out)[(*len)++] = neg ? -(int64_t)v : (int64_t)v;
		SKIP_WS();
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != ']') {
			*why = *p == '\0' ? "is not a JSON array (unterminated)" : "holds a value that is not an integer";
			return -1;
		}
		p++;
		SKIP_WS();
		if (*p != '\0') {
			*why = "is not a JSON array (text after it)";
			return -1;
		}
		break;
	}
#undef SKIP_WS
	*why = "is empty";
	return *len > start ? 0 : -1;
}

/* A run's location_ids parsed (snapread_parse_location_ids) and each id
 * checked against the known ones (ids[0..nids), sorted). Returns 0, or -1
 * after bad_run(). */
static int parse_run(const struct snapread *s, int64_t id, const unsigned char *p, const int64_t *ids,
		     size_t nids, int64_t **out, size_t *len, size_t *cap)
{
	size_t start = *len;
	const char *why;

	if (snapread_parse_location_ids(p, out, len, cap, &why) < 0)
		return bad_run(s, id, why);
	for (size_t k = start; k < *len; k++) {
		if (snapread_id_find(ids, nids, (*out)[k]) < 0) {
			char buf[96];

			snprintf(buf, sizeof(buf), "names location %lld, which is not in locations",
				 (long long)(*out)[k]);
			return bad_run(s, id, buf);
		}
	}
	return 0;
}

/* Version 3: reads the runs (callsites rows, by id) and expands them into
 * t's nodes, one per location, outermost first within a run: node i's
 * parent is the node before it in its run, or its run's parent's last node
 * (-1: a root, or a parent row that does not exist, as version 2's walk
 * stops at a missing node). *run_id (sorted) and *run_last (its last node)
 * say which node ends each run. Returns 0, or -1 after a message. */
static int load_runs(struct snapread *s, struct snapread_trie *t, int64_t **run_id, int64_t **run_last,
		     size_t *nrun)
{
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL, *locs = NULL, *parent_id = NULL, *first = NULL;
	size_t nids = 0, cap_ids = 0, nlocs = 0, cap_locs = 0, cap_r = 0, cap_p = 0, cap_f = 0, cap_l = 0;
	int rc;

	*run_id = *run_last = NULL;
	*nrun = 0;
	rc = sqlite3_prepare_v2(s->db, "SELECT id FROM locations ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto bad;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		grow((void **)&ids, &cap_ids, nids, sizeof(*ids));
		ids[nids++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto bad;
	rc = sqlite3_prepare_v2(s->db, "SELECT id, parent_id, location_ids FROM callsites ORDER BY id",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto bad;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const unsigned char *text = sqlite3_column_type(st, 2) == SQLITE_TEXT
			? sqlite3_column_text(st, 2) : NULL;

		grow((void **)run_id, &cap_r, *nrun, sizeof(**run_id));
		grow((void **)&parent_id, &cap_p, *nrun, sizeof(*parent_id));
		grow((void **)&first, &cap_f, *nrun, sizeof(*first));
		grow((void **)run_last, &cap_l, *nrun, sizeof(**run_last));
		(*run_id)[*nrun] = id;
		parent_id[*nrun] = sqlite3_column_type(st, 1) == SQLITE_NULL ? INT64_MIN
									    : sqlite3_column_int64(st, 1);
		first[*nrun] = (int64_t)nlocs;
		if (parse_run(s, id, text, ids, nids, &locs, &nlocs, &cap_locs) < 0)
			goto fail;
		(*run_last)[*nrun] = (int64_t)nlocs - 1;
		(*nrun)++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto bad;
	t->ncs = nlocs;
	t->cs_id = msgs_xmalloc((nlocs ? nlocs : 1) * sizeof(*t->cs_id));
	t->cs_parent = msgs_xmalloc((nlocs ? nlocs : 1) * sizeof(*t->cs_parent));
	t->cs_loc = msgs_xmalloc((nlocs ? nlocs : 1) * sizeof(*t->cs_loc));
	for (size_t r = 0; r < *nrun; r++) {
		ssize_t p = parent_id[r] == INT64_MIN ? -1 : snapread_id_find(*run_id, *nrun, parent_id[r]);

		for (int64_t k = first[r]; k <= (*run_last)[r]; k++) {
			t->cs_id[k] = k;
			t->cs_parent[k] = k > first[r] ? k - 1 : p < 0 ? -1 : (*run_last)[p];
			t->cs_loc[k] = snapread_id_find(t->loc_id, t->nloc, locs[k]);
		}
	}
	free(ids);
	free(locs);
	free(parent_id);
	free(first);
	return 0;
bad:
	msgs_error("cannot read stack frames from '%s': %s", s->path, sqlite3_errmsg(s->db));
fail:
	sqlite3_finalize(st);
	free(ids);
	free(locs);
	free(parent_id);
	free(first);
	free(*run_id);
	free(*run_last);
	*run_id = *run_last = NULL;
	return -1;
}

static int trie_load(struct snapread *s)
{
	struct snapread_trie *t = msgs_xmalloc(sizeof(*t));
	size_t cap_st = 0, cap_cs = 0, cap_loc = 0, cap_fr = 0;
	int64_t *cs_parent_id = NULL, *cs_loc_id = NULL, *st_cs_id = NULL, *run_id = NULL, *run_last = NULL;
	size_t cap_a = 0, cap_b = 0, cap_c = 0, nrun = 0;
	sqlite3_stmt *st = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	s->trie = t;
	/* frames, with their location's module and address */
	rc = sqlite3_prepare_v2(s->db,
		"SELECT f.location_id, f.function, f.file, f.line, m.path, l.offset, l.address, l.jit"
		"  FROM frames f"
		"  JOIN locations l ON l.id = f.location_id"
		"  LEFT JOIN modules m ON m.id = l.module_id"
		" ORDER BY f.location_id, f.inline_depth", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto bad;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t loc = sqlite3_column_int64(st, 0);

		if (t->nloc == 0 || t->loc_id[t->nloc - 1] != loc) {
			grow((void **)&t->loc_id, &cap_loc, t->nloc, sizeof(*t->loc_id));
			t->loc_first = msgs_xrealloc(t->loc_first, cap_loc * sizeof(*t->loc_first));
			t->loc_nf = msgs_xrealloc(t->loc_nf, cap_loc * sizeof(*t->loc_nf));
			t->loc_id[t->nloc] = loc;
			t->loc_first[t->nloc] = (uint32_t)t->nframes;
			t->loc_nf[t->nloc] = 0;
			t->nloc++;
		}
		grow((void **)&t->frames, &cap_fr, t->nframes, sizeof(*t->frames));
		memset(&t->frames[t->nframes], 0, sizeof(*t->frames));
		read_frame(st, 1, &t->frames[t->nframes]);
		t->nframes++;
		t->loc_nf[t->nloc - 1]++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto bad;

	if (s->schema_version >= 3) {
		if (load_runs(s, t, &run_id, &run_last, &nrun) < 0)
			goto fail;
	} else {
		rc = sqlite3_prepare_v2(s->db, "SELECT id, parent_id, location_id FROM callsites ORDER BY id",
					-1, &st, NULL);
		if (rc != SQLITE_OK)
			goto bad;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			grow((void **)&t->cs_id, &cap_cs, t->ncs, sizeof(*t->cs_id));
			grow((void **)&cs_parent_id, &cap_a, t->ncs, sizeof(*cs_parent_id));
			grow((void **)&cs_loc_id, &cap_b, t->ncs, sizeof(*cs_loc_id));
			t->cs_id[t->ncs] = sqlite3_column_int64(st, 0);
			cs_parent_id[t->ncs] = sqlite3_column_type(st, 1) == SQLITE_NULL
				? INT64_MIN : sqlite3_column_int64(st, 1);
			cs_loc_id[t->ncs] = sqlite3_column_int64(st, 2);
			t->ncs++;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (rc != SQLITE_DONE)
			goto bad;
		t->cs_parent = msgs_xmalloc((t->ncs ? t->ncs : 1) * sizeof(*t->cs_parent));
		t->cs_loc = msgs_xmalloc((t->ncs ? t->ncs : 1) * sizeof(*t->cs_loc));
		for (size_t i = 0; i < t->ncs; i++) {
			t->cs_parent[i] = cs_parent_id[i] == INT64_MIN ? -1
				: snapread_id_find(t->cs_id, t->ncs, cs_parent_id[i]);
			t->cs_loc[i] = snapread_id_find(t->loc_id, t->nloc, cs_loc_id[i]);
		}
	}

	rc = sqlite3_prepare_v2(s->db, "SELECT id, callsite_id, site_depth FROM stacks ORDER BY id",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto bad;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		grow((void **)&t->st_id, &cap_st, t->nst, sizeof(*t->st_id));
		grow((void **)&st_cs_id, &cap_c, t->nst, sizeof(*st_cs_id));
		t->st_site_depth = msgs_xrealloc(t->st_site_depth, cap_st * sizeof(*t->st_site_depth));
		t->st_id[t->nst] = sqlite3_column_int64(st, 0);
		st_cs_id[t->nst] = sqlite3_column_type(st, 1) == SQLITE_NULL
			? INT64_MIN : sqlite3_column_int64(st, 1);
		t->st_site_depth[t->nst] = sqlite3_column_int64(st, 2);
		t->nst++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto bad;
	t->st_cs = msgs_xmalloc((t->nst ? t->nst : 1) * sizeof(*t->st_cs));
	for (size_t i = 0; i < t->nst; i++) {
		if (st_cs_id[i] == INT64_MIN)
			t->st_cs[i] = -1;
		else if (run_id) { /* version 3: the run's last node */
			ssize_t r = snapread_id_find(run_id, nrun, st_cs_id[i]);

			t->st_cs[i] = r < 0 ? -1 : run_last[r];
		} else
			t->st_cs[i] = snapread_id_find(t->cs_id, t->ncs, st_cs_id[i]);
	}
	free(cs_parent_id);
	free(cs_loc_id);
	free(st_cs_id);
	free(run_id);
	free(run_last);
	return 0;
bad:
	msgs_error("cannot read stack frames from '%s': %s", s->path, sqlite3_errmsg(s->db));
fail:
	sqlite3_finalize(st);
	free(cs_parent_id);
	free(cs_loc_id);
	free(st_cs_id);
	free(run_id);
	free(run_last);
	snapread_trie_drop(s);
	return -1;
}

/* The frames rows of the stack at index si, innermost first, as the
 * walk query orders them: locations up the trie from the stack's node
 * (at most max_k + 1 of them), each location's frames by inline depth; at
 * most max_rows rows. Appends frame indexes to t->refs and, when kk is
 * not NULL, each row's location step to *kk. Returns the row count. */
static size_t trie_walk(struct snapread_trie *t, size_t si, int64_t max_k, size_t max_rows,
			uint32_t **kk, size_t *kcap)
{
	size_t len = 0;
	int64_t cs = t->st_cs[si];

	for (int64_t k = 0; cs >= 0 && len < max_rows; k++) {
		int64_t loc = t->cs_loc[cs];

		if (loc >= 0) {
			for (uint32_t j = 0; j < t->loc_nf[loc] && len < max_rows; j++) {
				grow((void **)&t->refs, &t->refs_cap, len, sizeof(*t->refs));
				t->refs[len] = t->loc_first[loc] + j;
				if (kk) {
					if (len >= *kcap) {
						*kcap = t->refs_cap;
						*kk = msgs_xrealloc(*kk, *kcap * sizeof(**kk));
					}
					(*kk)[len] = (uint32_t)k;
				}
				len++;
			}
		}
		if (k >= max_k)
			break;
		cs = t->cs_parent[cs];
	}
	return len;
}

int snapread_stack_refs(struct snapread *s, int64_t stack_id, const uint32_t **refs, size_t *n)
{
	struct snapread_trie *t;
	ssize_t si;
	size_t len, skip;

	*refs = NULL;
	*n = 0;
	if (s->schema_version < 2)
		return 1;
	if (!s->trie && trie_load(s) < 0)
		return -1;
	t = s->trie;
	si = snapread_id_find(t->st_id, t->nst, stack_id);
	if (si < 0)
		return 0;
	/* snapread_frames' query: walk k <= 4096, LIMIT 4096 rows, then
	 * the rows before the call site's position dropped */
	len = trie_walk(t, (size_t)si, 4096, 4096, NULL, NULL);
	if (t->st_site_depth[si] > 0)
		skip = (uint64_t)t->st_site_depth[si] < len ? (size_t)t->st_site_depth[si] : len;
	else
		skip = 0;
	*refs = t->refs + skip;
	*n = len - skip;
	return 0;
}

const struct snapread_frame *snapread_trie_frames(const struct snapread *s)
{
	return s->trie ? s->trie->frames : NULL;
}

static void copy_frame(struct snapread_frame *to, const struct snapread_frame *from)
{
	*to = *from;
	to->function = from->function ? msgs_xstrdup(from->function) : NULL;
	to->file = from->file ? msgs_xstrdup(from->file) : NULL;
	to->module = from->module ? msgs_xstrdup(from->module) : NULL;
	to->module_base = NULL;
	if (to->module) {
		const char *slash = strrchr(to->module, '/');

		to->module_base = slash ? slash + 1 : to->module;
	}
}

int snapread_frames(struct snapread *s, int64_t stack_id,
		    struct snapread_frame **out, size_t *n)
{
	/* Version 2: the stack's path up the trie, each location's frames
	 * innermost first; the position in that order, minus the call site's,
	 * is the depth. The walk is bounded like version 1's LIMIT. */
	static const char sql_v2[] =
		"WITH RECURSIVE walk(k, cs) AS ("
		"  SELECT 0, callsite_id FROM stacks WHERE id = ?1 AND callsite_id IS NOT NULL"
		"  UNION ALL"
		"  SELECT w.k + 1, c.parent_id FROM walk w JOIN callsites c ON c.id = w.cs"
		"   WHERE c.parent_id IS NOT NULL AND w.k < 4096)"
		"SELECT (SELECT site_depth FROM stacks WHERE id = ?1),"
		"       f.function, f.file, f.line, m.path, l.offset, l.address, l.jit"
		"  FROM walk w"
		"  JOIN callsites c ON c.id = w.cs"
		"  JOIN locations l ON l.id = c.location_id"
		"  JOIN frames f ON f.location_id = l.id"
		"  LEFT JOIN modules m ON m.id = l.module_id"
		" ORDER BY w.k, f.inline_depth LIMIT 4096";
	static const char sql_v1[] =
		"SELECT sf.raw_depth - st.site_depth,"
		"       f.function, f.file, f.line, m.path, f.offset, f.address, 0"
		"  FROM stack_frames sf"
		"  JOIN stacks st ON st.id = sf.stack_id"
		"  JOIN frames f ON f.id = sf.frame_id"
		"  LEFT JOIN modules m ON m.id = f.module_id"
		" WHERE sf.stack_id = ?1 AND sf.raw_depth >= st.site_depth"
		" ORDER BY sf.raw_depth LIMIT 4096";
	struct snapread_frame *v = NULL;
	size_t cap = 0, len = 0;
	sqlite3_stmt *st;
	int rc;

	bool v2 = s->schema_version >= 2;
	int64_t position = 0;

	*out = NULL;
	*n = 0;
	/* version 3's runs are read (and checked) by the trie's load */
	if (s->schema_version >= 3 && !s->trie && trie_load(s) < 0)
		return -1;
	if (v2 && s->trie) {
		/* the trie is in memory already (a --by stack series): the
		 * same rows without the query */
		struct snapread_trie *t = s->trie;
		ssize_t si = snapread_id_find(t->st_id, t->nst, stack_id);
		size_t rows = si < 0 ? 0 : trie_walk(t, (size_t)si, 4096, 4096, NULL, NULL);

		for (size_t pos = 0; pos < rows; pos++) {
			int64_t depth = (int64_t)pos - t->st_site_depth[si];

			if (depth < 0)
				continue;
			if (len == cap) {
				cap = cap ? 2 * cap : 16;
				v = msgs_xrealloc(v, cap * sizeof(*v));
			}
			copy_frame(&v[len], &t->frames[t->refs[pos]]);
			v[len].depth = depth;
			len++;
		}
		*out = v;
		*n = len;
		return 0;
	}
	rc = sqlite3_prepare_v2(s->db, v2 ? sql_v2 : sql_v1, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return msgs_error("cannot read stack frames from '%s': %s", s->path,
				  sqlite3_errmsg(s->db));
	sqlite3_bind_int64(st, 1, stack_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* v1: the row's depth; v2: the call site's position, so the
		 * depth is this row's position minus it (callers only: >= 0) */
		int64_t depth = v2 ? position++ - sqlite3_column_int64(st, 0) : sqlite3_column_int64(st, 0);
		if (depth < 0)
			continue;
		if (len == cap) {
			cap = cap ? 2 * cap : 16;
			v = msgs_xrealloc(v, cap * sizeof(*v));
		}
		memset(&v[len], 0, sizeof(v[len]));
		v[len].depth = depth;
		read_frame(st, 1, &v[len]);
		len++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snapread_frames_free(v, len);
		return msgs_error("cannot read stack frames from '%s': %s", s->path,
				  sqlite3_errmsg(s->db));
	}
	*out = v;
	*n = len;
	return 0;
}

void snapread_frames_free(struct snapread_frame *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free_frame(&v[i]);
	free(v);
}

/* snapread_profile's frames of versions 2 and 3 from the trie: the rows its old
 * query gave (stacks with a node, walk k <= 4095, no row limit, ordered by
 * stack, step and inline depth), kept and numbered the same way, for v[0..len)
 * in stack_id order (a repeated stack_id gets frames on its first row only).
 * The frames' strings are the trie's (borrowed): it stays held. Returns 0
 * or -1 after msgs_error(). */
static int profile_trie(struct snapread *s, struct snapread_pstack *v, size_t len)
{
	struct snapread_trie *t;
	uint32_t *kk = NULL;
	size_t kcap = 0;

	if (!s->trie && trie_load(s) < 0)
		return -1;
	t = s->trie;
	for (size_t i = 0; i < len; i++) {
		struct snapread_pstack *p = &v[i];
		ssize_t si;
		size_t rows, fcap = 0;
		int64_t first_k = -1;

		p->borrowed = true;
		if (i > 0 && v[i - 1].stack_id == p->stack_id)
			continue;
		si = snapread_id_find(t->st_id, t->nst, p->stack_id);
		if (si < 0)
			continue;
		rows = trie_walk(t, (size_t)si, 4095, SIZE_MAX, &kk, &kcap);
		for (size_t pos = 0; pos < rows; pos++) {
			int64_t depth = (int64_t)pos - t->st_site_depth[si];

			if (depth < 0 || p->nframes >= 8192)
				continue;
			if (first_k < 0)
				first_k = kk[pos];
			if (p->nframes == fcap) {
				fcap = fcap ? 2 * fcap : 16;
				p->frames = msgs_xrealloc(p->frames, fcap * sizeof(*p->frames));
				p->loc = msgs_xrealloc(p->loc, fcap * sizeof(*p->loc));
			}
			p->frames[p->nframes] = t->frames[t->refs[pos]];
			p->frames[p->nframes].depth = depth;
			p->loc[p->nframes] = (uint32_t)(kk[pos] - first_k);
			p->nframes++;
		}
	}
	free(kk);
	return 0;
}

/* Exporters: every stack at once. Versions 2 and 3 walk the trie in C
 * (profile_trie); version 1's frames query reads stack_frames, ordered by
 * stack and position, merged with the sites rows by stack_id. */
int snapread_profile(struct snapread *s, struct snapread_pstack **out, size_t *n)
{
	static const char sql_sites[] =
		"SELECT stack_id, live_bytes, live_count, alloc_bytes, alloc_count, NULL"
		"  FROM sites ORDER BY stack_id";
	static const char sql_sites_labels[] =
		"SELECT s.stack_id, s.live_bytes, s.live_count, s.alloc_bytes, s.alloc_count, lb.name"
		"  FROM sites s"
		"  LEFT JOIN stacks st ON st.id = s.stack_id"
		"  LEFT JOIN labels lb ON lb.id = st.label_id"
		" ORDER BY s.stack_id";
	static const char sql_v1[] =
		"SELECT sf.stack_id, st.site_depth, sf.raw_depth,"
		"       f.function, f.file, f.line, m.path, f.offset, f.address, 0"
		"  FROM stack_frames sf"
		"  JOIN stacks st ON st.id = sf.stack_id"
		"  JOIN frames f ON f.id = sf.frame_id"
		"  LEFT JOIN modules m ON m.id = f.module_id"
		" WHERE sf.raw_depth >= st.site_depth AND sf.raw_depth < st.site_depth + 4096"
		"   AND sf.stack_id IN (SELECT stack_id FROM sites)"
		" ORDER BY sf.stack_id, sf.raw_depth";
	struct snapread_pstack *v = NULL;
	size_t cap = 0, len = 0, cur = 0, fcap = 0;
	sqlite3_stmt *st;
	int rc;
	bool v2 = s->schema_version >= 2;
	int64_t last_sid = INT64_MIN, first_k = -1;

	*out = NULL;
	*n = 0;
	rc = sqlite3_prepare_v2(s->db, s->has_labels ? sql_sites_labels : sql_sites, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return msgs_error("cannot read sites from '%s': %s", s->path,
				  sqlite3_errmsg(s->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 256;
			v = msgs_xrealloc(v, cap * sizeof(*v));
		}
		memset(&v[len], 0, sizeof(v[len]));
		v[len].stack_id = sqlite3_column_int64(st, 0);
		v[len].live_bytes = sqlite3_column_int64(st, 1);
		v[len].live_count = sqlite3_column_int64(st, 2);
		v[len].alloc_bytes = sqlite3_column_int64(st, 3);
		v[len].alloc_count = sqlite3_column_int64(st, 4);
		v[len].label = col_text(st, 5);
		len++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto bad;
	if (v2) {
		if (profile_trie(s, v, len) < 0) {
			snapread_profile_free(v, len);
			return -1;
		}
		*out = v;
		*n = len;
		return 0;
	}

	rc = sqlite3_prepare_v2(s->db, sql_v1, -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto bad;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t sid = sqlite3_column_int64(st, 0);
		int64_t site_depth = sqlite3_column_int64(st, 1);
		int64_t k = sqlite3_column_int64(st, 2);
		struct snapread_pstack *p;
		int64_t depth;

		if (sid != last_sid) {
			last_sid = sid;
			first_k = -1;
			/* both queries are in stack_id order: advance to sid */
			while (cur < len && v[cur].stack_id < sid)
				cur++;
			fcap = cur < len ? v[cur].nframes : 0;
		}
		if (cur >= len || v[cur].stack_id != sid)
			continue;
		p = &v[cur];
		/* raw_depth minus site_depth */
		depth = k - site_depth;
		if (depth < 0 || p->nframes >= 8192)
			continue;
		if (first_k < 0)
			first_k = k;
		if (p->nframes == fcap) {
			fcap = fcap ? 2 * fcap : 16;
			p->frames = msgs_xrealloc(p->frames, fcap * sizeof(*p->frames));
			p->loc = msgs_xrealloc(p->loc, fcap * sizeof(*p->loc));
		}
		memset(&p->frames[p->nframes], 0, sizeof(*p->frames));
		p->frames[p->nframes].depth = depth;
		read_frame(st, 3, &p->frames[p->nframes]);
		p->loc[p->nframes] = (uint32_t)(k - first_k);
		p->nframes++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto bad;
	*out = v;
	*n = len;
	return 0;
bad:
	snapread_profile_free(v, len);
	return msgs_error("cannot read stacks from '%s': %s", s->path, sqlite3_errmsg(s->db));
}

void snapread_profile_free(struct snapread_pstack *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].borrowed)
			free(v[i].frames);
		else
			snapread_frames_free(v[i].frames, v[i].nframes);
		free(v[i].loc);
		free(v[i].label);
	}
	free(v);
}

int snapread_labels(struct snapread *s, struct snapread_label **out, size_t *n)
{
	struct snapread_label *v = NULL;
	size_t cap = 0, len = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s->has_labels)
		return 0;
	rc = sqlite3_prepare_v2(s->db,
		"SELECT lb.name, sum(s.live_bytes) AS b, sum(s.live_count), count(*)"
		"  FROM sites s JOIN stacks st ON st.id = s.stack_id"
		"  JOIN labels lb ON lb.id = st.label_id"
		" GROUP BY lb.id ORDER BY b DESC, lb.name", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return msgs_error("cannot read labels from '%s': %s", s->path,
				  sqlite3_errmsg(s->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 32;
			v = msgs_xrealloc(v, cap * sizeof(*v));
		}
		v[len].name = col_text(st, 0);
		v[len].live_bytes = sqlite3_column_int64(st, 1);
		v[len].live_count = sqlite3_column_int64(st, 2);
		v[len].stacks = sqlite3_column_int64(st, 3);
		len++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snapread_labels_free(v, len);
		return msgs_error("cannot read labels from '%s': %s", s->path,
				  sqlite3_errmsg(s->db));
	}
	*out = v;
	*n = len;
	return 0;
}

void snapread_labels_free(struct snapread_label *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int snapread_modules(struct snapread *s, struct snapread_module **out, size_t *n)
{
	struct snapread_module *v = NULL;
	size_t cap = 0, len = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	rc = sqlite3_prepare_v2(s->db, "SELECT id, path, build_id, load_address, size"
				" FROM modules ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return msgs_error("cannot read modules from '%s': %s", s->path,
				  sqlite3_errmsg(s->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 32;
			v = msgs_xrealloc(v, cap * sizeof(*v));
		}
		v[len].id = sqlite3_column_int64(st, 0);
		v[len].path = col_text(st, 1);
		v[len].build_id = sqlite3_column_type(st, 2) == SQLITE_TEXT ? col_text(st, 2) : NULL;
		v[len].load_address = (uint64_t)sqlite3_column_int64(st, 3);
		v[len].size = (uint64_t)sqlite3_column_int64(st, 4);
		len++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snapread_modules_free(v, len);
		return msgs_error("cannot read modules from '%s': %s", s->path,
				  sqlite3_errmsg(s->db));
	}
	*out = v;
	*n = len;
	return 0;
}

void snapread_modules_free(struct snapread_module *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].build_id);
	}
	free(v);
}
