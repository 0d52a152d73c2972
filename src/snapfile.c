/*
 * snapfile.c: one snapshot file, schema version 3 (see snapfile.h).
 *
 * Invariants: (1) everything is written in one transaction, into a file
 * that is renamed into place only afterwards (writer.c): a reader never
 * sees half a file; (2) a file holds only what its stacks reference:
 * locations and frames are written on first use in the file (written_gen),
 * call-site runs are made per file from the stacks sorted by their frames
 * (no node table), a label on its first stack; so its size is bounded by
 * the live state and the distinct stacks, never by the run time; (3) the call site
 * of a stack is the innermost frame, inlined frames counted, that is not an
 * allocator entry point or wrapper, decided by the frames' is_allocator
 * (callsite.c's rule, applied by the writer's location cache); (4) memory
 * from the tracker arena only, freed before returning (never qsort, which
 * may malloc); (5) glibc's
 * mallinfo2, which takes every arena lock, is asked only when the caller
 * says glibc is the real allocator (it runs on the writer, never in a hook).
 */
#include "snapfile.h"

#include "arena.h"
#include "labels.h"
#include "livetab.h"
#include "rowbatch.h"
#include "sampler.h"
#include "schema_sql.h"
#include "spinlock.h"

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

#define SCHEMA_VERSION 3

/* ---- SQLite memory in the tracker arena ---- */

static void *sq_malloc(int n) { return arena_alloc_uninit((size_t)n); }
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
	sqlite3_stmt *meta, *module, *location, *frame, *label;
	struct rowbatch *callsites, *stacks, *sites, *allocs; /* the big tables, batched */
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
		{offsetof(struct db, label), "INSERT INTO labels(id, name) VALUES (?, ?)"},
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
	sqlite3_stmt *all[] = {d->meta, d->module, d->location, d->frame, d->label};
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
	struct timespec now, now_mono, now_cpu;
	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_MONOTONIC, &now_mono);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now_cpu);
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
	rc |= meta_text(d, "unwinder", opt->unwinder == OPTIONS_UNWINDER_FP    ? "fp"
				       : opt->unwinder == OPTIONS_UNWINDER_CFI ? "cfi"
									: "libunwind");
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
	rc |= meta_int(d, "unwind_samples", (int64_t)t->unwind_samples);
	rc |= meta_int(d, "unwind_fallbacks", (int64_t)t->unwind_fallbacks);
	uint64_t waits, wait_max_ns;
	spinlock_waits(&waits, &wait_max_ns);
	rc |= meta_int(d, "lock_waits", (int64_t)waits);
	rc |= meta_int(d, "lock_queued", (int64_t)livetab_queued());
	rc |= meta_real(d, "lock_wait_max_seconds", (double)wait_max_ns * 1e-9);
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
	rc |= meta_real(d, "snapshot_seconds", (double)now_mono.tv_sec + now_mono.tv_nsec * 1e-9 - in->begun);
	rc |= meta_real(d, "snapshot_cpu_seconds", (double)now_cpu.tv_sec + now_cpu.tv_nsec * 1e-9 - in->begun_cpu);
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

/* ---- the big tables, batched (rowbatch.c) ---- */

static int batches_prepare(struct db *d)
{
	static const struct {
		size_t off;
		const char *name, *table_cols;
		int ncols;
		unsigned reals, texts;
		bool replace;
	} tables[] = {
		/* no id: SQLite's next rowid is the run's (they are made and
		 * written in order from 1), and an insert it numbers takes the
		 * b-tree's append path, not a search; location_ids is text */
		{offsetof(struct db, callsites), "hs_callsite_rows", "callsites(parent_id, depth, location_ids)", 3, 0, 4u, false},
		{offsetof(struct db, stacks), "hs_stack_rows",
		 "stacks(id, callsite_id, nframes, site_depth, site_location_id, site_inline_depth, truncated, label_id)", 8, 0, 0, false},
		{offsetof(struct db, sites), "hs_site_rows",
		 "sites(stack_id, live_bytes, live_count, alloc_bytes, alloc_count, free_bytes, free_count)", 7, 0, 0, false},
		/* weight_count and time are REAL; OR REPLACE: as the one-row
		 * statement it replaces had it */
		{offsetof(struct db, allocs), "hs_alloc_rows",
		 "allocations(address, size, weight_count, weight_bytes, stack_id, time, thread)", 7, 4u | 32u, 0, true},
	};
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		struct rowbatch **slot = (struct rowbatch **)((char *)d + tables[i].off);
		int rc = rowbatch_new(d->h, tables[i].name, tables[i].table_cols, tables[i].ncols, tables[i].reals,
				      tables[i].texts, tables[i].replace, slot);
		if (rc)
			return rc;
	}
	return 0;
}

static void batches_finalize(struct db *d)
{
	rowbatch_free(d->callsites);
	rowbatch_free(d->stacks);
	rowbatch_free(d->sites);
	rowbatch_free(d->allocs);
}

/* ---- call-site trie, per file ---- */

/* Stacks are visited sorted by their frames from the outermost in. In that
 * order a stack shares with the one before it the longest prefix (outer
 * frames) it shares with any stack before it: its nodes are the previous
 * stack's down to that prefix, and new ones below it. So the trie needs no
 * table of its nodes, and only the frames below the shared prefix are
 * looked up. The file stores the trie path-compressed: a callsites row is
 * a run of nodes with no branch and no stack's end inside it (the last
 * node of a run is where a stack ends or the trie branches), so a stack is
 * always the whole of its run and its callers' runs. Runs are numbered
 * (and written) in depth-first order, which appends to the b-tree. */

/* The number of outer frames a and b share, counting on from h (the first
 * h are known to be equal). */
static unsigned common_from(const struct stacktab_entry *a, const struct stacktab_entry *b, unsigned h)
{
	unsigned n = a->nframes < b->nframes ? a->nframes : b->nframes;
	const uintptr_t *x = a->frames + a->nframes, *y = b->frames + b->nframes;
	while (h < n && x[-(long)h - 1] == y[-(long)h - 1])
		h++;
	return h;
}

/* Does a sort before b, given that they share k outer frames: by the first
 * outer frame that differs, else the shorter first; a on a tie (stable). */
static bool sorts_before(const struct stacktab_entry *a, const struct stacktab_entry *b, unsigned k)
{
	if (k < a->nframes && k < b->nframes)
		return a->frames[a->nframes - 1 - k] < b->frames[b->nframes - 1 - k];
	return a->nframes <= b->nframes;
}

/* The frame k outer frames in from e's outermost; NO_FRAME past its end
 * (no return address is all ones). */
#define NO_FRAME UINTPTR_MAX
static uintptr_t frame_at(const struct stacktab_entry *e, unsigned k)
{
	return k < e->nframes ? e->frames[e->nframes - 1 - k] : NO_FRAME;
}

/* ord[0..n) = the positions of v in that order, lcp[i] = the outer frames
 * stack ord[i] shares with stack ord[i - 1] (lcp[0] = 0). A bottom-up merge
 * sort that carries those prefix lengths: each head's length shared with
 * the last element merged decides most steps without reading a frame, and
 * a comparison starts where the shared prefix ends, so the long common
 * outer frames of a program's stacks are not compared again and again.
 * Each element also carries the frame at its prefix length (the first one
 * it does not share): two heads with the same length that differ there are
 * ordered without touching either stack (a cache miss each: the stacks are
 * scattered over the arena, and the sort was most of the trie pass).
 * Stable, n log n; scratch from the arena (qsort may call malloc). The
 * first pass, which reads every stack anyway, raises *maxf to the most
 * frames of any. */
static int sort_stacks(struct stacktab_entry *const *v, uint32_t *ord, uint32_t *lcp, size_t n, unsigned *maxf)
{
	uint32_t *tmp = arena_alloc(2 * (n + 1) * sizeof(*tmp));
	uintptr_t *fr = arena_alloc(2 * (n + 1) * sizeof(*fr));
	if (!tmp || !fr) {
		arena_free(tmp);
		arena_free(fr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (i + 8 < n)
			__builtin_prefetch(v[i + 8]);
		ord[i] = (uint32_t)i;
		lcp[i] = 0;
		fr[i] = frame_at(v[i], 0);
		if (v[i]->nframes > *maxf)
			*maxf = v[i]->nframes;
	}
	uint32_t *src = ord, *slcp = lcp, *dst = tmp, *dlcp = tmp + n + 1;
	uintptr_t *sfr = fr, *dfr = fr + n + 1;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			/* prefix each head shares with the last merged (none yet: 0),
			 * and the head's frame just past it */
			uint32_t la = 0, lb = 0;
			uintptr_t fa = sfr[i], fb = j < hi ? sfr[j] : NO_FRAME;
			while (i < mid && j < hi) {
				bool take_a;
				uint32_t shared;
				if (la != lb) {
					/* the head sharing more with the last one sorts first */
					take_a = la > lb;
					shared = take_a ? la : lb;
				} else if (fa != fb && fa != NO_FRAME && fb != NO_FRAME) {
					/* they part at la: the loser still shares la */
					take_a = fa < fb;
					shared = la;
				} else {
					const struct stacktab_entry *a = v[src[i]], *b = v[src[j]];
					unsigned c = common_from(a, b, la);
					take_a = sorts_before(a, b, c);
					shared = la;
					if (take_a) {
						lb = c;
						fb = frame_at(b, c);
					} else {
						la = c;
						fa = frame_at(a, c);
					}
				}
				if (take_a) {
					dst[k] = src[i];
					dfr[k] = fa;
					dlcp[k++] = shared;
					if (++i < mid) {
						la = slcp[i];
						fa = sfr[i];
					}
				} else {
					dst[k] = src[j];
					dfr[k] = fb;
					dlcp[k++] = shared;
					if (++j < hi) {
						lb = slcp[j];
						fb = sfr[j];
					}
				}
			}
			for (bool first = true; i < mid; i++, first = false) {
				dst[k] = src[i];
				dfr[k] = first ? fa : sfr[i];
				dlcp[k++] = first ? la : slcp[i];
			}
			for (bool first = true; j < hi; j++, first = false) {
				dst[k] = src[j];
				dfr[k] = first ? fb : sfr[j];
				dlcp[k++] = first ? lb : slcp[j];
			}
		}
		uint32_t *t = src;
		src = dst;
		dst = t;
		t = slcp;
		slcp = dlcp;
		dlcp = t;
		uintptr_t *tf = sfr;
		sfr = dfr;
		dfr = tf;
	}
	if (src != ord) {
		memcpy(ord, src, n * sizeof(*ord));
		memcpy(lcp, slcp, n * sizeof(*lcp));
	}
	if (n)
		lcp[0] = 0;
	arena_free(tmp);
	arena_free(fr);
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
	long row = modmap_row(in->mods, l->addr, l->unloaded);
	sqlite3_bind_int64(d->location, 1, l->id);
	sqlite3_bind_int64(d->location, 2, (int64_t)l->addr);
	if (row > 0) {
		sqlite3_bind_int64(d->location, 3, row);
		sqlite3_bind_int64(d->location, 4, (int64_t)(l->addr - modmap_row_module(in->mods, row)->base));
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

/* What the trie pass finds for a stack, for its row. */
struct stack_info {
	uint32_t node;     /* the run that ends at the innermost frame; 0: empty stack */
	uint32_t site_loc; /* location id of the call site; 0: none */
	int32_t site_depth;
	uint32_t site_level;
};

/* Where the runs of each stack's new nodes end: a later stack j whose
 * shared prefix lcp[j] ends strictly inside the new nodes of stack i (they
 * part there, or j is a prefix of i) cuts i's nodes at depth lcp[j], and
 * no other depth is cut but a stack's end. Replays the sorted order's path
 * as a stack of segments (each stack's new nodes, shortened by the cuts
 * made so far; seg_* of maxf entries: a segment holds a node at least),
 * reading only nframes and lcp. On return cuts[first[i] .. first[i + 1])
 * are stack i's cut depths (position i in ord), deepest first. owner:
 * scratch of n. */
static void plan_runs(const struct snapfile_input *in, const uint32_t *ord, const uint32_t *lcp, size_t n,
		      uint32_t *owner, uint32_t *first, uint32_t *cuts, uint32_t *seg_owner, uint32_t *seg_start,
		      uint32_t *seg_end)
{
	size_t nseg = 0;
	memset(first, 0, (n + 1) * sizeof(*first));
	for (size_t j = 0; j < n; j++) {
		if (j + 8 < n)
			__builtin_prefetch(in->stacks[ord[j + 8]]);
		uint32_t l = lcp[j], nf = in->stacks[ord[j]]->nframes;
		while (nseg && seg_start[nseg - 1] >= l)
			nseg--;
		owner[j] = UINT32_MAX;
		if (nseg && l < seg_end[nseg - 1]) {
			owner[j] = seg_owner[nseg - 1];
			seg_end[nseg - 1] = l;
			first[owner[j] + 1]++;
		}
		if (nf > l) {
			seg_owner[nseg] = (uint32_t)j;
			seg_start[nseg] = l;
			seg_end[nseg++] = nf;
		}
	}
	for (size_t i = 0; i < n; i++)
		first[i + 1] += first[i];
	/* fill: first[o] walks over o's list (it ends at the next list's
	 * start), then everything moves back one; j ascending puts each
	 * list's cuts deepest first (a later cut is shallower) */
	for (size_t j = 0; j < n; j++)
		if (owner[j] != UINT32_MAX)
			cuts[first[owner[j]]++] = lcp[j];
	for (size_t i = n; i > 0; i--)
		first[i] = first[i - 1];
	first[0] = 0;
}

/* The sort shares prefixes by address; a trie node is a location, an
 * address in one module instance. Stacks of two module epochs may have an
 * address in two instances (a plugin loaded where a closed one was): the
 * shared prefix lcp[i] is cut where the two stacks' locations part. Only
 * neighbours of different epochs are compared, and only when a dlclose'd
 * module is remembered at all. A stack that shares more with an earlier,
 * not adjacent, stack than with its neighbour then starts a sibling node of
 * the same location: its path is still its own, node for node. */
static int cut_at_other_instances(const struct snapfile_input *in, const uint32_t *ord, uint32_t *lcp, size_t n)
{
	if (!modmap_unloaded(0))
		return 0;
	for (size_t i = 1; i < n; i++) {
		const struct stacktab_entry *a = in->stacks[ord[i - 1]], *b = in->stacks[ord[i]];
		if (a->epoch == b->epoch)
			continue; /* one epoch: one instance per address */
		for (uint32_t d = 0; d < lcp[i]; d++) {
			struct snapfile_location *la = in->locate(a->frames[a->nframes - 1 - d], a->epoch, in->locate_ctx);
			struct snapfile_location *lb = in->locate(b->frames[b->nframes - 1 - d], b->epoch, in->locate_ctx);
			if (!la || !lb)
				return -ENOMEM;
			if (la != lb) {
				lcp[i] = d;
				break;
			}
		}
	}
	return 0;
}

/* Appends "[a,b,...]" of the location ids of path_loc[from .. to) to buf;
 * returns its length. buf holds 11 bytes per id and 2 more. */
static size_t run_json(char *buf, struct snapfile_location *const *path_loc, unsigned from, unsigned to)
{
	char *p = buf;
	*p++ = '[';
	for (unsigned k = from; k < to; k++) {
		char digits[10];
		int nd = 0;
		uint32_t v = path_loc[k]->id;
		do
			digits[nd++] = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		if (k > from)
			*p++ = ',';
		while (nd)
			*p++ = digits[--nd];
	}
	*p++ = ']';
	return (size_t)(p - buf);
}

/* The trie pass: stacks in sort_stacks order (ord; lcp[i]: outer frames
 * shared with the one before), their new nodes as runs cut where
 * plan_runs says, the locations those reference (first use in the file),
 * and each stack's run and call site into info[position]. path_loc,
 * end_run: scratch of maxf entries, indexed by depth from the outermost
 * frame (end_run[d]: the run that ends at depth d on the current path);
 * json: of 11 * maxf + 2 bytes. */
static int write_trie(struct db *d, const struct snapfile_input *in, const uint32_t *ord, const uint32_t *lcp,
		      const uint32_t *first, const uint32_t *cuts, struct stack_info *info,
		      struct snapfile_location **path_loc, uint32_t *end_run, char *json, struct counts *c)
{
	int rc = 0;
	for (size_t i = 0; i < in->nstacks && !rc; i++) {
		const struct stacktab_entry *e = in->stacks[ord[i]];
		unsigned n = e->nframes, from = lcp[i];
		for (unsigned depth = from; depth < n && !rc; depth++) {
			struct snapfile_location *l = in->locate(e->frames[n - 1 - depth], e->epoch, in->locate_ctx);
			if (!l)
				return -ENOMEM;
			if (l->written_gen != in->generation) {
				l->written_gen = in->generation;
				rc |= write_location(d, in, l, c);
			}
			path_loc[depth] = l;
		}
		/* the new nodes' runs: up to each cut (shallowest first), then
		 * to the stack's end */
		uint32_t parent = from ? end_run[from - 1] : 0;
		for (uint32_t k = first[i + 1]; from < n && !rc; k--) {
			unsigned to = k > first[i] ? cuts[k - 1] : n;
			size_t len = run_json(json, path_loc, from, to);
			int64_t text = rowbatch_text(d->callsites, json, len);
			if (text < 0)
				return -ENOMEM;
			int64_t row[3] = {parent, from, text};
			rc |= rowbatch_add(d->callsites, row, parent ? 0 : 1u);
			parent = end_run[to - 1] = (uint32_t)++c->callsites;
			from = to;
		}
		/* the call site: innermost frame, inlined ones counted, not an allocator */
		struct stack_info *si = &info[ord[i]];
		*si = (struct stack_info){.node = n ? end_run[n - 1] : 0, .site_depth = -1};
		for (unsigned k = 0, position = 0; k < n && si->site_depth < 0; k++) {
			const struct snapfile_location *l = path_loc[n - 1 - k];
			for (unsigned lv = 0; lv < l->nframes; lv++, position++) {
				if (!l->frames[lv].is_allocator) {
					si->site_depth = (int32_t)position;
					si->site_loc = l->id;
					si->site_level = lv;
					break;
				}
			}
		}
		if (si->site_depth < 0 && n > 0) { /* all allocator frames: the innermost */
			si->site_depth = 0;
			si->site_loc = path_loc[n - 1]->id;
		}
	}
	return rc ? rc : rowbatch_flush(d->callsites);
}

/* A stack's row, its label's on first use, its site totals. */
static int write_stack(struct db *d, const struct stacktab_entry *e, const struct stack_info *si,
		       struct counts *c)
{
	int rc = 0;
	const char *label = labels_name(e->label);
	int64_t row[8] = {e->id, si->node, e->nframes, si->site_depth < 0 ? 0 : si->site_depth,
			  si->site_loc, si->site_level, e->truncated, e->label};
	unsigned nulls = (si->node ? 0 : 2u) | (si->site_loc ? 0 : 16u | 32u) | (label ? 0 : 128u);
	if (label && !c->label_written[e->label]) {
		c->label_written[e->label] = true;
		sqlite3_bind_int(d->label, 1, e->label);
		sqlite3_bind_text(d->label, 2, label, -1, SQLITE_STATIC);
		rc |= step(d->label);
	}
	rc |= rowbatch_add(d->stacks, row, nulls);
	uint64_t ac = __atomic_load_n(&e->alloc_count_fx, __ATOMIC_RELAXED);
	uint64_t ab = __atomic_load_n(&e->alloc_bytes, __ATOMIC_RELAXED);
	uint64_t fc = __atomic_load_n(&e->free_count_fx, __ATOMIC_RELAXED);
	uint64_t fb = __atomic_load_n(&e->free_bytes, __ATOMIC_RELAXED);
	int64_t site[7] = {e->id, (int64_t)(ab - fb), fx_round(ac) - fx_round(fc), (int64_t)ab,
			   fx_round(ac), (int64_t)fb, fx_round(fc)};
	rc |= rowbatch_add(d->sites, site, 0);
	return rc ? -EIO : 0;
}

static int write_stacks(struct db *d, const struct snapfile_input *in, struct counts *c)
{
	unsigned maxf = 1;
	size_t n = in->nstacks;
	uint32_t *ord = arena_alloc(n * sizeof(*ord) + sizeof(*ord));
	uint32_t *lcp = arena_alloc(n * sizeof(*lcp) + sizeof(*lcp));
	struct stack_info *info = arena_alloc(n * sizeof(*info) + sizeof(*info));
	uint32_t *owner = arena_alloc(n * sizeof(*owner) + sizeof(*owner));
	uint32_t *first = arena_alloc((n + 1) * sizeof(*first));
	uint32_t *cuts = arena_alloc(n * sizeof(*cuts) + sizeof(*cuts));
	struct snapfile_location **path_loc = NULL;
	uint32_t *end_run = NULL, *seg = NULL;
	char *json = NULL;
	int rc = ord && lcp && info && owner && first && cuts ? 0 : -ENOMEM;
	if (!rc)
		rc = sort_stacks(in->stacks, ord, lcp, n, &maxf);
	if (!rc) {
		path_loc = arena_alloc(maxf * sizeof(*path_loc));
		end_run = arena_alloc(maxf * sizeof(*end_run));
		seg = arena_alloc(3 * (size_t)maxf * sizeof(*seg));
		json = arena_alloc(11 * (size_t)maxf + 2);
		if (!path_loc || !end_run || !seg || !json)
			rc = -ENOMEM;
	}
	if (!rc)
		rc = cut_at_other_instances(in, ord, lcp, n);
	if (!rc) {
		plan_runs(in, ord, lcp, n, owner, first, cuts, seg, seg + maxf, seg + 2 * (size_t)maxf);
		rc = write_trie(d, in, ord, lcp, first, cuts, info, path_loc, end_run, json, c);
	}
	/* the list is newest first: from its end, ids ascend (appends) */
	for (size_t i = n; i-- > 0 && !rc;)
		rc = write_stack(d, in->stacks[i], &info[i], c);
	if (!rc)
		rc = rowbatch_flush(d->stacks);
	if (!rc)
		rc = rowbatch_flush(d->sites);
	arena_free(ord);
	arena_free(lcp);
	arena_free(info);
	arena_free(owner);
	arena_free(first);
	arena_free(cuts);
	arena_free(path_loc);
	arena_free(end_run);
	arena_free(seg);
	arena_free(json);
	return rc;
}

/* One modules row. */
static int write_module(struct db *d, int64_t id, const struct modmap_module *m)
{
	sqlite3_bind_int64(d->module, 1, id);
	sqlite3_bind_text(d->module, 2, m->path, -1, SQLITE_STATIC);
	if (m->build_id[0])
		sqlite3_bind_text(d->module, 3, m->build_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(d->module, 4, (int64_t)m->base);
	sqlite3_bind_int64(d->module, 5, (int64_t)(m->hi - m->lo));
	return step(d->module);
}

static int write_tables(struct db *d, const struct snapfile_input *in, struct counts *c)
{
	int rc = 0;
	for (size_t i = 0; i < in->mods->n && !rc; i++)
		rc = write_module(d, (int64_t)i + 1, &in->mods->v[i]);
	/* dlclose'd modules whose range another module took since: the rows
	 * of their instance, for the locations of stacks of their time */
	for (size_t i = 0; i < in->mods->ngone && !rc; i++)
		rc = write_module(d, (int64_t)(in->mods->n + i) + 1, &in->mods->gone[i]);
	if (!rc)
		rc = write_stacks(d, in, c);
	for (size_t i = 0; i < in->nallocs && !rc; i++) {
		const struct livetab_entry *a = &in->allocs[i];
		int64_t row[7] = {(int64_t)a->addr, (int64_t)a->size, rowbatch_real((double)a->count_fx / SAMPLER_FX),
				  (int64_t)a->bytes, a->stack ? a->stack->id : 0, rowbatch_real(a->time), a->tid};
		rc = rowbatch_add(d->allocs, row, 0);
	}
	return rc ? rc : rowbatch_flush(d->allocs);
}

int snapfile_write(const struct snapfile_input *in, const char *path)
{
	struct db d;
	struct counts c;
	memset(&d, 0, sizeof(d));
	memset(&c, 0, sizeof(c));
	if (sqlite3_open_v2(path, &d.h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
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
		rc = batches_prepare(&d);
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
	batches_finalize(&d);
	if (sqlite3_close(d.h) != SQLITE_OK && !rc)
		rc = -EIO;
	return rc;
}
