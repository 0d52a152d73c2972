/*
 * snapfile.c: one snapshot file, schema version 2 (see snapfile.h).
 *
 * Invariants: (1) everything is written in one transaction, into a file
 * that is renamed into place only afterwards (writer.c): a reader never
 * sees half a file; (2) a file holds only what its stacks reference:
 * locations and frames are written on first use in the file (written_gen),
 * call-site nodes are interned per file, a label on its first stack; so its size is bounded by the live
 * state and the distinct stacks, never by the run time; (3) the call site
 * of a stack is the innermost frame, inlined frames counted, that is not an
 * allocator entry point or wrapper, decided by the frames' is_allocator
 * (callsite.c's rule, applied by the writer's location cache); (4) memory
 * from the tracker arena only, freed before returning; (5) glibc's
 * mallinfo2, which takes every arena lock, is asked only when the caller
 * says glibc is the real allocator (it runs on the writer, never in a hook).
 */
#include "snapfile.h"

#include "arena.h"
#include "labels.h"
#include "sampler.h"
#include "schema_sql.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

#define SCHEMA_VERSION 2

/* ---- SQLite memory in the tracker arena ---- */

static void *sq_malloc(int n) { return arena_alloc((size_t)n); }
static void sq_free(void *p) { arena_free(p); }
static void *sq_realloc(void *p, int n) { return arena_realloc(p, (size_t)n); }
static int sq_size(void *p) { return p ? (int)arena_usable_size(p) : 0; }
static int sq_roundup(int n) { return (n + 15) & ~15; }
static int sq_init(void *arg) { (void)arg; return SQLITE_OK; }
static void sq_shutdown(void *arg) { (void)arg; }

static const sqlite3_mem_methods sq_methods = {
	sq_malloc, sq_free, sq_realloc, sq_size, sq_roundup, sq_init, sq_shutdown, NULL,
};

int snapfile_init(void)
{
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &sq_methods) != SQLITE_OK)
		return -EINVAL;
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_initialize() != SQLITE_OK)
		return -ENOMEM;
	return 0;
}

/* ---- statements ---- */

struct db {
	sqlite3 *h;
	sqlite3_stmt *meta, *module, *location, *frame, *callsite, *stack, *label, *site, *alloc;
};

static int db_exec(struct db *d, const char *sql)
{
	return sqlite3_exec(d->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static int step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int prepare_all(struct db *d)
{
	static const struct {
		size_t off;
		const char *sql;
	} stmts[] = {
		{offsetof(struct db, meta), "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"},
		{offsetof(struct db, module), "INSERT INTO modules(id, path, build_id, load_address, size) VALUES (?, ?, ?, ?, ?)"},
		{offsetof(struct db, location), "INSERT INTO locations(id, address, module_id, offset, symbol, jit, resolution) VALUES (?, ?, ?, ?, ?, ?, ?)"},
		{offsetof(struct db, frame), "INSERT INTO frames(location_id, inline_depth, function, file, line, is_allocator) VALUES (?, ?, ?, ?, ?, ?)"},
		{offsetof(struct db, callsite), "INSERT INTO callsites(id, parent_id, location_id, depth) VALUES (?, ?, ?, ?)"},
		{offsetof(struct db, stack), "INSERT INTO stacks(id, callsite_id, nframes, site_depth, site_location_id, site_inline_depth, truncated, label_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"},
		{offsetof(struct db, label), "INSERT INTO labels(id, name) VALUES (?, ?)"},
		{offsetof(struct db, site), "INSERT INTO sites(stack_id, live_bytes, live_count, alloc_bytes, alloc_count, free_bytes, free_count) VALUES (?, ?, ?, ?, ?, ?, ?)"},
		{offsetof(struct db, alloc), "INSERT OR REPLACE INTO allocations(address, size, weight_count, weight_bytes, stack_id, time, thread) VALUES (?, ?, ?, ?, ?, ?, ?)"},
	};
	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		sqlite3_stmt **slot = (sqlite3_stmt **)((char *)d + stmts[i].off);
		if (sqlite3_prepare_v2(d->h, stmts[i].sql, -1, slot, NULL) != SQLITE_OK)
			return -EIO;
	}
	return 0;
}

static void finalize_all(struct db *d)
{
	sqlite3_stmt *all[] = {d->meta, d->module, d->location, d->frame, d->callsite, d->stack, d->label, d->site, d->alloc};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(all[i]);
}

/* ---- meta ---- */

static int meta_text(struct db *d, const char *k, const char *v)
{
	sqlite3_bind_text(d->meta, 1, k, -1, SQLITE_STATIC);
	if (v)
		sqlite3_bind_text(d->meta, 2, v, -1, SQLITE_TRANSIENT);
	return step(d->meta);
}

static int meta_int(struct db *d, const char *k, int64_t v)
{
	sqlite3_bind_text(d->meta, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_int64(d->meta, 2, v);
	return step(d->meta);
}

static int meta_real(struct db *d, const char *k, double v)
{
	sqlite3_bind_text(d->meta, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_double(d->meta, 2, v);
	return step(d->meta);
}

static void read_file_small(const char *path, char *buf, size_t len, size_t *outlen)
{
	*outlen = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n;
	while (*outlen < len - 1 && (n = read(fd, buf + *outlen, len - 1 - *outlen)) > 0)
		*outlen += (size_t)n;
	close(fd);
	buf[*outlen] = '\0';
}

/* What the file's stacks reference, counted while they are written. */
struct counts {
	int64_t locations, by_resolution[5], callsites, frames;
	bool label_written[LABELS_OTHER + 1]; /* labels rows already in the file */
};

static const char *const resolution_names[5] = {
	[SYMBOLIZE_UNRESOLVED] = "unresolved", [SYMBOLIZE_SYMBOL] = "symbol",
	[SYMBOLIZE_LINES] = "lines",           [SYMBOLIZE_JIT] = "jit",
	[SYMBOLIZE_JIT_UNNAMED] = "jit-unnamed",
};

/* The process's start, Unix seconds: /proc/self/stat's starttime (field 22,
 * clock ticks after boot) plus /proc/stat's btime; -1 when unknown. */
static double process_start_time(void)
{
	char buf[8192];
	size_t n;
	read_file_small("/proc/self/stat", buf, sizeof(buf), &n);
	const char *p = strrchr(buf, ')'); /* the command name may hold anything */
	unsigned long long ticks = 0;
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			   &ticks) != 1)
		return -1;
	read_file_small("/proc/stat", buf, sizeof(buf), &n);
	const char *b = strstr(buf, "\nbtime ");
	long hz = sysconf(_SC_CLK_TCK);
	if (!b || hz <= 0)
		return -1;
	return (double)strtoull(b + 7, NULL, 10) + (double)ticks / (double)hz;
}

/* Process facts and the tracker's own figures: host, pid namespace, CPU
 * time, glibc's view of its heap, and how much of the exact live bytes the
 * sampled allocations account for. */
static int write_process_meta(struct db *d, const struct snapfile_input *in)
{
	int rc = 0;
	struct utsname u;
	if (uname(&u) == 0)
		rc |= meta_text(d, "hostname", u.nodename);
	char ns[128];
	ssize_t len = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
	if (len > 0) {
		ns[len] = '\0';
		rc |= meta_text(d, "pid_namespace", ns);
	}
	double st = process_start_time();
	if (st >= 0)
		rc |= meta_real(d, "process_start_time", st);
	rc |= meta_real(d, "tracker_cpu_seconds", in->tracker_cpu);
	/* glibc takes its arena locks here: this runs on the writer, never
	 * inside a hook, and only when glibc is the allocator underneath */
	if (in->glibc_malloc) {
		struct mallinfo2 mi = mallinfo2();
		rc |= meta_int(d, "mallinfo_arena", (int64_t)mi.arena);
		rc |= meta_int(d, "mallinfo_in_use", (int64_t)mi.uordblks);
		rc |= meta_int(d, "mallinfo_free", (int64_t)mi.fordblks);
		rc |= meta_int(d, "mallinfo_mmapped", (int64_t)mi.hblkhd);
	}
	uint64_t sampled = 0;
	for (size_t i = 0; i < in->nallocs; i++)
		sampled += in->allocs[i].bytes;
	rc |= meta_int(d, "sampled_live_bytes", (int64_t)sampled);
	int64_t live = (int64_t)(in->totals.alloc_bytes - in->totals.free_bytes);
	if (live > 0)
		rc |= meta_real(d, "coverage", (double)sampled / (double)live);
	return rc;
}

static int write_meta(struct db *d, const struct snapfile_input *in, const struct counts *c)
{
	char buf[8192];
	size_t n;
	int rc = 0;
	const struct options *opt = in->opt;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	rc |= meta_int(d, "schema_version", SCHEMA_VERSION);
	rc |= meta_text(d, "heapsnap_version", PACKAGE_VERSION);
	rc |= meta_int(d, "pid", getpid());
	rc |= meta_int(d, "ppid", getppid());
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		rc |= meta_text(d, "exe", exe);
		for (size_t i = 0; i < in->mods->n; i++)
			if (strcmp(in->mods->v[i].path, exe) == 0 && in->mods->v[i].build_id[0])
				rc |= meta_text(d, "build_id", in->mods->v[i].build_id);
	}
	read_file_small("/proc/self/cmdline", buf, sizeof(buf), &n);
	for (size_t i = 0; n > 0 && i < n - 1; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	rc |= meta_text(d, "cmdline", buf);
	rc |= meta_int(d, "seq", in->seq);
	rc |= meta_real(d, "time", (double)now.tv_sec + now.tv_nsec * 1e-9);
	rc |= meta_real(d, "start_time", in->start_real);
	rc |= meta_real(d, "uptime", in->uptime);
	rc |= meta_text(d, "trigger", in->trigger);
	if (in->label)
		rc |= meta_text(d, "label", in->label);
	rc |= meta_int(d, "sample", (int64_t)opt->sample);
	rc |= meta_int(d, "depth", opt->depth);
	rc |= meta_text(d, "unwinder", opt->unwinder == OPTIONS_UNWINDER_FP ? "fp" : "libunwind");
	rc |= meta_real(d, "interval", opt->interval);
	rc |= meta_text(d, "options", in->options_text);
	const struct tstate_totals *t = &in->totals;
	rc |= meta_int(d, "alloc_count", (int64_t)t->alloc_count);
	rc |= meta_int(d, "alloc_bytes", (int64_t)t->alloc_bytes);
	rc |= meta_int(d, "free_count", (int64_t)t->free_count);
	rc |= meta_int(d, "free_bytes", (int64_t)t->free_bytes);
	rc |= meta_int(d, "live_count", (int64_t)(t->alloc_count - t->free_count));
	rc |= meta_int(d, "live_bytes", (int64_t)(t->alloc_bytes - t->free_bytes));
	rc |= meta_int(d, "threads", t->threads);
	rc |= meta_int(d, "sampled_live_count", (int64_t)in->nallocs);
	rc |= meta_int(d, "stacks", (int64_t)in->nstacks);
	rc |= meta_int(d, "locations", c->locations);
	rc |= meta_int(d, "locations_named", c->by_resolution[SYMBOLIZE_SYMBOL]);
	rc |= meta_int(d, "locations_lines", c->by_resolution[SYMBOLIZE_LINES]);
	rc |= meta_int(d, "locations_jit_named", c->by_resolution[SYMBOLIZE_JIT]);
	rc |= meta_int(d, "locations_jit_unnamed", c->by_resolution[SYMBOLIZE_JIT_UNNAMED]);
	rc |= meta_int(d, "locations_unresolved", c->by_resolution[SYMBOLIZE_UNRESOLVED]);
	rc |= meta_int(d, "frames", c->frames);
	rc |= meta_int(d, "callsites", c->callsites);
	read_file_small("/proc/self/statm", buf, 256, &n);
	unsigned long vsz = 0, rss = 0;
	if (sscanf(buf, "%lu %lu", &vsz, &rss) == 2)
		rc |= meta_int(d, "rss_bytes", (int64_t)rss * sysconf(_SC_PAGESIZE));
	rc |= meta_int(d, "tracker_bytes", (int64_t)arena_bytes());
	rc |= meta_int(d, "tracker_resident_bytes", (int64_t)arena_resident());
	rc |= write_process_meta(d, in);
	for (size_t i = 0; i < in->nextra; i++) {
		const struct snapfile_meta *m = &in->extra[i];
		if (m->type == SNAPFILE_META_INT)
			rc |= meta_int(d, m->key, m->i);
		else if (m->type == SNAPFILE_META_REAL)
			rc |= meta_real(d, m->key, m->r);
		else
			rc |= meta_text(d, m->key, m->text ? m->text : "");
	}
	return rc ? -EIO : 0;
}

/* ---- call-site trie, per file ---- */

/* Open addressing on (parent node, location) -> node id. Ids are given in
 * order of insertion, so a node's row is written when it is made. */
struct trie {
	uint64_t *keys; /* (parent << 32) | location id; 0 = empty slot */
	uint32_t *ids;
	size_t cap, n;
};

static uint64_t trie_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static int trie_grow(struct trie *t)
{
	size_t cap = t->cap ? t->cap * 2 : 4096;
	uint64_t *keys = arena_alloc(cap * sizeof(*keys));
	uint32_t *ids = arena_alloc(cap * sizeof(*ids));
	if (!keys || !ids) {
		arena_free(keys);
		arena_free(ids);
		return -ENOMEM;
	}
	memset(keys, 0, cap * sizeof(*keys));
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->keys[i])
			continue;
		size_t j = trie_hash(t->keys[i]) & (cap - 1);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = t->keys[i];
		ids[j] = t->ids[i];
	}
	arena_free(t->keys);
	arena_free(t->ids);
	t->keys = keys;
	t->ids = ids;
	t->cap = cap;
	return 0;
}

/* The node for location loc under parent (0: a root); *fresh when new. */
static int trie_node(struct trie *t, uint32_t parent, uint32_t loc, uint32_t *id, bool *fresh)
{
	if ((t->n + 1) * 2 > t->cap && trie_grow(t) != 0)
		return -ENOMEM;
	uint64_t key = ((uint64_t)parent << 32) | loc; /* loc > 0: never 0 */
	size_t j = trie_hash(key) & (t->cap - 1);
	while (t->keys[j]) {
		if (t->keys[j] == key) {
			*id = t->ids[j];
			*fresh = false;
			return 0;
		}
		j = (j + 1) & (t->cap - 1);
	}
	t->keys[j] = key;
	t->ids[j] = (uint32_t)++t->n;
	*id = t->ids[j];
	*fresh = true;
	return 0;
}

/* ---- tables ---- */

static int64_t fx_round(uint64_t fx)
{
	return (int64_t)((fx + SAMPLER_FX / 2) / SAMPLER_FX);
}

static void bind_text_or_null(sqlite3_stmt *st, int col, const char *s)
{
	if (s)
		sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
}

static int write_location(struct db *d, const struct snapfile_input *in, struct snapfile_location *l,
			  struct counts *c)
{
	int rc = 0;
	long mi = modmap_find(in->mods, l->addr);
	sqlite3_bind_int64(d->location, 1, l->id);
	sqlite3_bind_int64(d->location, 2, (int64_t)l->addr);
	if (mi >= 0) {
		sqlite3_bind_int64(d->location, 3, mi + 1);
		sqlite3_bind_int64(d->location, 4, (int64_t)(l->addr - in->mods->v[mi].base));
	}
	bind_text_or_null(d->location, 5, l->symbol);
	sqlite3_bind_int(d->location, 6, l->jit);
	sqlite3_bind_text(d->location, 7, resolution_names[l->resolution], -1, SQLITE_STATIC);
	rc |= step(d->location);
	for (unsigned i = 0; i < l->nframes; i++) {
		const struct snapfile_frame *f = &l->frames[i];
		sqlite3_bind_int64(d->frame, 1, l->id);
		sqlite3_bind_int(d->frame, 2, (int)i);
		bind_text_or_null(d->frame, 3, f->function);
		bind_text_or_null(d->frame, 4, f->file);
		if (f->line > 0)
			sqlite3_bind_int(d->frame, 5, f->line);
		sqlite3_bind_int(d->frame, 6, f->is_allocator);
		rc |= step(d->frame);
	}
	c->locations++;
	c->by_resolution[l->resolution]++;
	c->frames += l->nframes;
	return rc;
}

/* Writes one stack: its locations (first use in the file), its path in the
 * trie from the outermost frame in, its row with the call site, its site
 * totals. locs: scratch of e->nframes pointers. */
static int write_stack(struct db *d, const struct snapfile_input *in, struct stacktab_entry *e,
		       struct snapfile_location **locs, struct trie *t, struct counts *c)
{
	int rc = 0;
	for (unsigned k = 0; k < e->nframes; k++) {
		locs[k] = in->locate(e->frames[k], in->locate_ctx);
		if (!locs[k])
			return -ENOMEM;
		if (locs[k]->written_gen != in->generation) {
			locs[k]->written_gen = in->generation;
			rc |= write_location(d, in, locs[k], c);
		}
	}
	uint32_t node = 0;
	for (unsigned k = e->nframes; k-- > 0;) {
		uint32_t parent = node;
		bool fresh;
		if (trie_node(t, parent, locs[k]->id, &node, &fresh) != 0)
			return -ENOMEM;
		if (fresh) {
			sqlite3_bind_int64(d->callsite, 1, node);
			if (parent)
				sqlite3_bind_int64(d->callsite, 2, parent);
			sqlite3_bind_int64(d->callsite, 3, locs[k]->id);
			sqlite3_bind_int(d->callsite, 4, (int)(e->nframes - 1 - k));
			rc |= step(d->callsite);
			c->callsites++;
		}
	}
	/* the call site: innermost frame, inlined ones counted, not an allocator */
	int site_depth = -1, position = 0;
	const struct snapfile_location *site_loc = NULL;
	unsigned site_level = 0;
	for (unsigned k = 0; k < e->nframes && site_depth < 0; k++) {
		for (unsigned i = 0; i < locs[k]->nframes; i++, position++) {
			if (!locs[k]->frames[i].is_allocator) {
				site_depth = position;
				site_loc = locs[k];
				site_level = i;
				break;
			}
		}
	}
	if (site_depth < 0 && e->nframes > 0) { /* all allocator frames: the innermost */
		site_depth = 0;
		site_loc = locs[0];
	}
	sqlite3_bind_int64(d->stack, 1, e->id);
	if (node)
		sqlite3_bind_int64(d->stack, 2, node);
	sqlite3_bind_int(d->stack, 3, e->nframes);
	sqlite3_bind_int(d->stack, 4, site_depth < 0 ? 0 : site_depth);
	if (site_loc) {
		sqlite3_bind_int64(d->stack, 5, site_loc->id);
		sqlite3_bind_int(d->stack, 6, (int)site_level);
	}
	sqlite3_bind_int(d->stack, 7, e->truncated);
	const char *label = labels_name(e->label);
	if (label) {
		sqlite3_bind_int(d->stack, 8, e->label);
		if (!c->label_written[e->label]) {
			c->label_written[e->label] = true;
			sqlite3_bind_int(d->label, 1, e->label);
			sqlite3_bind_text(d->label, 2, label, -1, SQLITE_STATIC);
			rc |= step(d->label);
		}
	}
	rc |= step(d->stack);
	uint64_t ac = __atomic_load_n(&e->alloc_count_fx, __ATOMIC_RELAXED);
	uint64_t ab = __atomic_load_n(&e->alloc_bytes, __ATOMIC_RELAXED);
	uint64_t fc = __atomic_load_n(&e->free_count_fx, __ATOMIC_RELAXED);
	uint64_t fb = __atomic_load_n(&e->free_bytes, __ATOMIC_RELAXED);
	sqlite3_bind_int64(d->site, 1, e->id);
	sqlite3_bind_int64(d->site, 2, (int64_t)(ab - fb));
	sqlite3_bind_int64(d->site, 3, fx_round(ac) - fx_round(fc));
	sqlite3_bind_int64(d->site, 4, (int64_t)ab);
	sqlite3_bind_int64(d->site, 5, fx_round(ac));
	sqlite3_bind_int64(d->site, 6, (int64_t)fb);
	sqlite3_bind_int64(d->site, 7, fx_round(fc));
	rc |= step(d->site);
	return rc ? -EIO : 0;
}

static int write_tables(struct db *d, const struct snapfile_input *in, struct counts *c)
{
	int rc = 0;
	for (size_t i = 0; i < in->mods->n && !rc; i++) {
		const struct modmap_module *m = &in->mods->v[i];
		sqlite3_bind_int64(d->module, 1, (int64_t)i + 1);
		sqlite3_bind_text(d->module, 2, m->path, -1, SQLITE_STATIC);
		if (m->build_id[0])
			sqlite3_bind_text(d->module, 3, m->build_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(d->module, 4, (int64_t)m->base);
		sqlite3_bind_int64(d->module, 5, (int64_t)(m->hi - m->lo));
		rc = step(d->module);
	}
	struct trie t = {0};
	struct snapfile_location **locs = arena_alloc(OPTIONS_DEPTH_MAX * sizeof(*locs) + sizeof(*locs));
	if (!locs)
		rc = -ENOMEM;
	for (size_t i = 0; i < in->nstacks && !rc; i++)
		rc = write_stack(d, in, in->stacks[i], locs, &t, c);
	arena_free(locs);
	arena_free(t.keys);
	arena_free(t.ids);
	for (size_t i = 0; i < in->nallocs && !rc; i++) {
		const struct livetab_entry *a = &in->allocs[i];
		sqlite3_bind_int64(d->alloc, 1, (int64_t)a->addr);
		sqlite3_bind_int64(d->alloc, 2, (int64_t)a->size);
		sqlite3_bind_double(d->alloc, 3, (double)a->count_fx / SAMPLER_FX);
		sqlite3_bind_int64(d->alloc, 4, (int64_t)a->bytes);
		sqlite3_bind_int64(d->alloc, 5, a->stack ? a->stack->id : 0);
		sqlite3_bind_double(d->alloc, 6, a->time);
		sqlite3_bind_int64(d->alloc, 7, a->tid);
		rc = step(d->alloc);
	}
	return rc;
}

int snapfile_write(const struct snapfile_input *in, const char *path)
{
	struct db d;
	struct counts c;
	memset(&d, 0, sizeof(d));
	memset(&c, 0, sizeof(c));
	if (sqlite3_open_v2(path, &d.h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		int err = d.h ? sqlite3_system_errno(d.h) : ENOMEM;
		sqlite3_close(d.h);
		return err ? -err : -EIO;
	}
	int rc = db_exec(&d, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;");
	if (!rc)
		rc = db_exec(&d, "BEGIN");
	if (!rc)
		rc = db_exec(&d, schema_sql);
	if (!rc)
		rc = prepare_all(&d);
	if (!rc)
		rc = write_tables(&d, in, &c);
	if (!rc)
		rc = write_meta(&d, in, &c); /* last: it counts what the tables hold */
	if (!rc)
		rc = db_exec(&d, "COMMIT");
	if (rc) {
		/* say why in errno terms: memory, disk full, or the system's word */
		int code = sqlite3_errcode(d.h) & 0xff, err = sqlite3_system_errno(d.h);
		if (code == SQLITE_NOMEM || rc == -ENOMEM)
			rc = -ENOMEM;
		else if (code == SQLITE_FULL)
			rc = -ENOSPC;
		else if (err)
			rc = -err;
	}
	finalize_all(&d);
	if (sqlite3_close(d.h) != SQLITE_OK && !rc)
		rc = -EIO;
	return rc;
}
