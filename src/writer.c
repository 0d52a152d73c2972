/*
 * writer.c: tracker thread; copies the shadow tables and writes snapshots.
 *
 * Design note.
 *  1. A snapshot is written to NAME.db.tmp, created 0600 with O_EXCL |
 *     O_NOFOLLOW, fsync'ed, then renamed to NAME.db (rename replaces a
 *     symlink, never follows it) and the directory fsync'ed: a file that
 *     exists is complete, even after kill -9, and readable by its owner only.
 *  2. Names: <out>/heapsnap.<prog>.<pid>.<seq, 4 digits>.db; they sort in
 *     snapshot order within a process. A forked child restarts seq at 1
 *     under its own pid.
 *  3. Tables are copied first (stripe locks one at a time), then modules are
 *     read and new frames symbolized, then SQLite runs: no tracker lock is
 *     held while the loader, libdw or SQLite run.
 *  4. SQLite's memory comes from the tracker arena (SQLITE_CONFIG_MALLOC on
 *     the private, hidden copy linked into the preload).
 *  5. The writer thread blocks every signal: the host decides which of its
 *     threads handle signals.
 *  6. Lock order: snapshot_lock > (livetab | stacktab | registry) stripe.
 */
#include "writer.h"

#include "arena.h"
#include "core.h"
#include "debug.h"
#include "livetab.h"
#include "log.h"
#include "modmap.h"
#include "sampler.h"
#include "schema_sql.h"
#include "stacktab.h"
#include "symbolize.h"
#include "tstate.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LG_BUCKETS 15

struct frame {
	struct frame *next;
	uintptr_t addr;
	uint32_t id;
	uint32_t written_gen; /* last snapshot file that has this row (generation) */
	char *function, *file;
	int line;
	bool is_allocator;
};

static struct options opt;
static char opt_text[1536];
static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned seq;
/* Counts snapshot files attempted by this process and its forked children
 * alike (never reset, unlike seq, which a child restarts at 1): the frame
 * cache marks rows written per generation, so a child that inherits the
 * cache still writes every frame into its own, self-contained files. */
static uint32_t generation;
/* Wake-up of the writer: a semaphore, not a pipe, so that the tracker owns no
 * file descriptor a daemon could close and reuse (the signal handler would
 * then write into the daemon's file). sem_post is async-signal-safe. */
static sem_t wakeup;
static bool writer_running;

/* A snapshot asked for by another thread (exit, heapsnap_snapshot) that
 * waits for it: the writer thread does the work, on its own 8 MiB stack,
 * never the application thread (whose stack may be small: SQLite and libdw
 * go deep). Jobs are linked under job_lock; `done` and `rc` are written by
 * the writer under job_lock and announced on job_cond. */
struct writer_job {
	const char *trigger, *label;
	int rc;
	bool done;
	struct writer_job *next;
	char *path; /* where the file's name goes when written; may be NULL */
	size_t pathlen;
};
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_cond = PTHREAD_COND_INITIALIZER;
static struct writer_job *jobs;
static int pending; /* enum writer_request bits, atomic */
static double start_mono;
static double start_real;
static struct frame **frame_buckets;
static uint32_t frame_next_id;
static bool write_failed_reported;
/* Set under snapshot_lock once the exit snapshot is written: it is the last.
 * Without it the writer thread could start an interval or signal snapshot
 * after it and be cut off by the process's end, leaving NAME.db.tmp behind
 * (or, finishing first, a snapshot that sorts after "exit"). Found by
 * tests/integration/signal-and-interval-trigger-snapshots.sh. */
static bool exit_written;
/* The newest complete snapshot file, for status and "snapshot wait":
 * written by the snapshot code, read by the control thread, under
 * last_lock (never held across a snapshot, so status never waits for one). */
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_path[OPTIONS_PATH_MAX + 300];

double writer_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9 - start_mono;
}

/* ---- SQLite memory in the tracker arena ---- */

static void *sq_malloc(int n) { return arena_alloc((size_t)n); }
static void sq_free(void *p) { arena_free(p); }
static void *sq_realloc(void *p, int n) { return arena_realloc(p, (size_t)n); }
static int sq_size(void *p) { return p ? (int)arena_usable_size(p) : 0; }
static int sq_roundup(int n) { return (n + 15) & ~15; }
static int sq_init(void *arg) { return SQLITE_OK; }
static void sq_shutdown(void *arg) {}

static const sqlite3_mem_methods sq_methods = {
	sq_malloc, sq_free, sq_realloc, sq_size, sq_roundup, sq_init, sq_shutdown, NULL,
};

/* ---- frame cache ---- */

static struct frame *frame_get(uintptr_t addr)
{
	DEBUG_ASSERT_HELD(&snapshot_lock, "the frame cache changes only under the snapshot lock");
	unsigned b = (unsigned)((addr * 0x9e3779b97f4a7c15ull) >> (64 - FRAME_LG_BUCKETS));
	for (struct frame *f = frame_buckets[b]; f; f = f->next)
		if (f->addr == addr)
			return f;
	struct frame *f = arena_alloc(sizeof(*f));
	if (!f)
		return NULL;
	f->addr = addr;
	f->id = ++frame_next_id;
	struct symbolize_result r;
	symbolize_addr(addr, &r);
	/* schema 1 keeps one frame per address: the real function's */
	const struct symbolize_frame *real = &r.frames[r.nframes - 1];
	f->function = real->function;
	f->file = real->file;
	f->line = real->line;
	f->is_allocator = symbolize_is_allocator(real->function);
	f->next = frame_buckets[b];
	frame_buckets[b] = f;
	return f;
}

/* ---- process facts ---- */

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

static void program_name(char *buf, size_t len)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *base = "unknown";
	if (n > 0) {
		exe[n] = '\0';
		const char *slash = strrchr(exe, '/');
		base = slash ? slash + 1 : exe;
	}
	size_t i = 0;
	for (; base[i] && i < len - 1; i++) {
		char c = base[i];
		buf[i] = (c == '/' || c == ' ' || c < 32) ? '_' : c;
	}
	buf[i] = '\0';
}

/* ---- the snapshot ---- */

struct db {
	sqlite3 *h;
	sqlite3_stmt *meta, *module, *frame, *stack, *stack_frame, *site, *alloc;
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

static int prepare_all(struct db *d)
{
	static const struct {
		size_t off;
		const char *sql;
	} stmts[] = {
		{offsetof(struct db, meta), "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"},
		{offsetof(struct db, module), "INSERT INTO modules(id, path, build_id, load_address, size) VALUES (?, ?, ?, ?, ?)"},
		{offsetof(struct db, frame), "INSERT INTO frames(id, address, module_id, offset, function, file, line, is_allocator) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"},
		{offsetof(struct db, stack), "INSERT INTO stacks(id, nframes, site_depth, truncated) VALUES (?, ?, ?, ?)"},
		{offsetof(struct db, stack_frame), "INSERT INTO stack_frames(stack_id, raw_depth, frame_id) VALUES (?, ?, ?)"},
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
	sqlite3_stmt *all[] = {d->meta, d->module, d->frame, d->stack, d->stack_frame, d->site, d->alloc};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(all[i]);
}

static int64_t fx_round(uint64_t fx)
{
	return (int64_t)((fx + SAMPLER_FX / 2) / SAMPLER_FX);
}

struct snapshot_data {
	struct tstate_totals totals;
	struct livetab_entry *allocs;
	size_t nallocs;
	struct stacktab_entry **stacks;
	size_t nstacks;
	struct modmap mods;
};

/* The live table is copied before the stack list is walked: a sampled
 * allocation's stack is interned (and published on the list) before the
 * allocation enters the live table, so every stack an allocation row names
 * is on the list by then. The walk takes every stack there is (the array
 * grows), never a bounded prefix of the newest-first list. */
static int collect(struct snapshot_data *s)
{
	memset(s, 0, sizeof(*s));
	tstate_totals(&s->totals);
	int rc = livetab_copy(&s->allocs, &s->nallocs);
	if (rc)
		return rc;
	size_t cap = stacktab_count() + 64;
	s->stacks = arena_alloc(cap * sizeof(*s->stacks));
	if (!s->stacks)
		return -ENOMEM;
	for (struct stacktab_entry *e = stacktab_first(); e; e = stacktab_next(e)) {
		if (s->nstacks == cap) {
			struct stacktab_entry **v = arena_realloc(s->stacks, 2 * cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			s->stacks = v;
			cap *= 2;
		}
		s->stacks[s->nstacks++] = e;
	}
	return modmap_read(&s->mods);
}

static void release(struct snapshot_data *s)
{
	arena_free(s->allocs);
	arena_free(s->stacks);
	modmap_free(&s->mods);
}

static int write_meta(struct db *d, const struct snapshot_data *s, const char *trigger, const char *label)
{
	char buf[8192];
	size_t n;
	int rc = 0;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	rc |= meta_int(d, "schema_version", 1);
	rc |= meta_text(d, "heapsnap_version", PACKAGE_VERSION);
	rc |= meta_int(d, "pid", getpid());
	rc |= meta_int(d, "ppid", getppid());
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		rc |= meta_text(d, "exe", exe);
		for (size_t i = 0; i < s->mods.n; i++)
			if (strcmp(s->mods.v[i].path, exe) == 0 && s->mods.v[i].build_id[0])
				rc |= meta_text(d, "build_id", s->mods.v[i].build_id);
	}
	read_file_small("/proc/self/cmdline", buf, sizeof(buf), &n);
	for (size_t i = 0; n > 0 && i < n - 1; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	rc |= meta_text(d, "cmdline", buf);
	rc |= meta_int(d, "seq", seq);
	rc |= meta_real(d, "time", (double)now.tv_sec + now.tv_nsec * 1e-9);
	rc |= meta_real(d, "start_time", start_real);
	rc |= meta_real(d, "uptime", writer_now());
	rc |= meta_text(d, "trigger", trigger);
	if (label)
		rc |= meta_text(d, "label", label);
	rc |= meta_int(d, "sample", (int64_t)opt.sample);
	rc |= meta_int(d, "depth", opt.depth);
	rc |= meta_text(d, "unwinder", opt.unwinder == OPTIONS_UNWINDER_FP ? "fp" : "libunwind");
	rc |= meta_real(d, "interval", opt.interval);
	rc |= meta_text(d, "options", opt_text);
	rc |= meta_int(d, "alloc_count", (int64_t)s->totals.alloc_count);
	rc |= meta_int(d, "alloc_bytes", (int64_t)s->totals.alloc_bytes);
	rc |= meta_int(d, "free_count", (int64_t)s->totals.free_count);
	rc |= meta_int(d, "free_bytes", (int64_t)s->totals.free_bytes);
	rc |= meta_int(d, "live_count", (int64_t)(s->totals.alloc_count - s->totals.free_count));
	rc |= meta_int(d, "live_bytes", (int64_t)(s->totals.alloc_bytes - s->totals.free_bytes));
	rc |= meta_int(d, "threads", s->totals.threads);
	rc |= meta_int(d, "sampled_live_count", (int64_t)s->nallocs);
	rc |= meta_int(d, "stacks", (int64_t)s->nstacks);
	read_file_small("/proc/self/statm", buf, 256, &n);
	unsigned long vsz = 0, rss = 0;
	if (sscanf(buf, "%lu %lu", &vsz, &rss) == 2)
		rc |= meta_int(d, "rss_bytes", (int64_t)rss * sysconf(_SC_PAGESIZE));
	rc |= meta_int(d, "tracker_bytes", (int64_t)arena_bytes());
	rc |= meta_int(d, "tracker_resident_bytes", (int64_t)arena_resident());
	return rc ? -EIO : 0;
}

static int write_tables(struct db *d, struct snapshot_data *s)
{
	int rc = 0;
	for (size_t i = 0; i < s->mods.n && !rc; i++) {
		const struct modmap_module *m = &s->mods.v[i];
		sqlite3_bind_int64(d->module, 1, (int64_t)i + 1);
		sqlite3_bind_text(d->module, 2, m->path, -1, SQLITE_STATIC);
		if (m->build_id[0])
			sqlite3_bind_text(d->module, 3, m->build_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(d->module, 4, (int64_t)m->base);
		sqlite3_bind_int64(d->module, 5, (int64_t)(m->hi - m->lo));
		rc = step(d->module);
	}
	for (size_t i = 0; i < s->nstacks && !rc; i++) {
		struct stacktab_entry *e = s->stacks[i];
		int site_depth = -1;
		for (unsigned k = 0; k < e->nframes && !rc; k++) {
			struct frame *f = frame_get(e->frames[k]);
			if (!f)
				return -ENOMEM;
			if (site_depth < 0 && !f->is_allocator)
				site_depth = (int)k;
			if (f->written_gen != generation) {
				f->written_gen = generation;
				long mi = modmap_find(&s->mods, f->addr);
				sqlite3_bind_int64(d->frame, 1, f->id);
				sqlite3_bind_int64(d->frame, 2, (int64_t)f->addr);
				if (mi >= 0) {
					sqlite3_bind_int64(d->frame, 3, mi + 1);
					sqlite3_bind_int64(d->frame, 4, (int64_t)(f->addr - s->mods.v[mi].base));
				}
				if (f->function)
					sqlite3_bind_text(d->frame, 5, f->function, -1, SQLITE_STATIC);
				if (f->file)
					sqlite3_bind_text(d->frame, 6, f->file, -1, SQLITE_STATIC);
				if (f->line > 0)
					sqlite3_bind_int(d->frame, 7, f->line);
				sqlite3_bind_int(d->frame, 8, f->is_allocator);
				rc = step(d->frame);
			}
			sqlite3_bind_int64(d->stack_frame, 1, e->id);
			sqlite3_bind_int(d->stack_frame, 2, (int)k);
			sqlite3_bind_int64(d->stack_frame, 3, f->id);
			rc |= step(d->stack_frame);
		}
		if (site_depth < 0)
			site_depth = 0;
		sqlite3_bind_int64(d->stack, 1, e->id);
		sqlite3_bind_int(d->stack, 2, e->nframes);
		sqlite3_bind_int(d->stack, 3, site_depth);
		sqlite3_bind_int(d->stack, 4, e->truncated);
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
	}
	for (size_t i = 0; i < s->nallocs && !rc; i++) {
		const struct livetab_entry *a = &s->allocs[i];
		sqlite3_bind_int64(d->alloc, 1, (int64_t)a->addr);
		sqlite3_bind_int64(d->alloc, 2, (int64_t)a->size);
		sqlite3_bind_double(d->alloc, 3, (double)a->count_fx / SAMPLER_FX);
		sqlite3_bind_int64(d->alloc, 4, (int64_t)a->bytes);
		sqlite3_bind_int64(d->alloc, 5, a->stack ? a->stack->id : 0);
		sqlite3_bind_double(d->alloc, 6, a->time);
		sqlite3_bind_int64(d->alloc, 7, a->tid);
		rc = step(d->alloc);
	}
	return rc ? -EIO : 0;
}

static void fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int write_file(struct snapshot_data *s, const char *tmp, const char *trigger, const char *label)
{
	struct db d;
	memset(&d, 0, sizeof(d));
	/* The file is created here, private (0600: heap layouts and stacks are
	 * sensitive), exclusively and never through a symlink: a stale NAME.tmp
	 * of a killed run is removed first (unlink never follows a symlink), and
	 * anything that reappears in between makes O_EXCL fail. SQLite then
	 * opens that file, refusing a symlink too. */
	unlink(tmp);
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	if (sqlite3_open_v2(tmp, &d.h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
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
		rc = write_meta(&d, s, trigger, label);
	if (!rc)
		rc = write_tables(&d, s);
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

static int snapshot_locked(const char *trigger, const char *label)
{
	DEBUG_ASSERT_HELD(&snapshot_lock, "snapshot_locked: called with the snapshot lock held");
	DEBUG_ASSERT_GUARD("writer.h: snapshots run with the guard held");
	struct snapshot_data s;
	char prog[256], path[OPTIONS_PATH_MAX + 300], tmp[sizeof(path) + 8];
	program_name(prog, sizeof(prog));
	snprintf(path, sizeof(path), "%s/heapsnap.%s.%d.%04u.db", opt.out, prog, (int)getpid(), seq + 1);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int rc = collect(&s);
	if (rc == 0) {
		symbolize_refresh();
		seq++;
		generation++;
		rc = write_file(&s, tmp, trigger, label);
		if (rc)
			seq--;
	}
	release(&s);
	if (rc == 0) {
		fsync_path(tmp, O_RDONLY);
		if (rename(tmp, path) != 0) {
			rc = -errno;
			seq--;
		} else {
			fsync_path(opt.out, O_RDONLY | O_DIRECTORY);
			pthread_mutex_lock(&last_lock);
			snprintf(last_path, sizeof(last_path), "%s", path);
			pthread_mutex_unlock(&last_lock);
		}
	}
	if (rc) {
		unlink(tmp);
		if (!write_failed_reported) {
			write_failed_reported = true;
			log_msg("cannot write snapshot '%s': %s; tracking goes on, later snapshots will be tried",
				path, strerror(-rc));
		}
	}
	return rc;
}

int writer_snapshot_now(const char *trigger, const char *label)
{
	DEBUG_ASSERT_GUARD("writer_snapshot_now: called with the guard held");
	pthread_mutex_lock(&snapshot_lock);
	int rc = exit_written ? -ESHUTDOWN : snapshot_locked(trigger, label);
	if (strcmp(trigger, "exit") == 0)
		exit_written = true;
	pthread_mutex_unlock(&snapshot_lock);
	return rc;
}

static void run_jobs(void)
{
	for (;;) {
		pthread_mutex_lock(&job_lock);
		struct writer_job *job = jobs;
		if (job)
			jobs = job->next;
		pthread_mutex_unlock(&job_lock);
		if (!job)
			return;
		int rc = writer_snapshot_now(job->trigger, job->label);
		pthread_mutex_lock(&job_lock);
		DEBUG_ASSERT_HELD(&job_lock, "a job's done and rc are written under job_lock");
		if (rc == 0 && job->path) {
			pthread_mutex_lock(&last_lock);
			snprintf(job->path, job->pathlen, "%s", last_path);
			pthread_mutex_unlock(&last_lock);
		}
		job->rc = rc;
		job->done = true;
		pthread_cond_broadcast(&job_cond);
		pthread_mutex_unlock(&job_lock);
	}
}

static int snapshot_wait(const char *trigger, const char *label, double limit, char *path, size_t pathlen)
{
	/* exit: one job, static because the waiter may give up and return
	 * while the writer still fills it in */
	static struct writer_job exit_job;
	struct writer_job local, *job = limit > 0 ? &exit_job : &local;
	DEBUG_ASSERT_GUARD("writer_snapshot_wait: called with the guard held");
	if (limit > 0)
		path = NULL;
	if (!__atomic_load_n(&writer_running, __ATOMIC_ACQUIRE)) {
		int rc = writer_snapshot_now(trigger, label); /* no writer: do it here */
		if (rc == 0 && path) {
			pthread_mutex_lock(&last_lock);
			snprintf(path, pathlen, "%s", last_path);
			pthread_mutex_unlock(&last_lock);
		}
		return rc;
	}
	pthread_mutex_lock(&job_lock);
	*job = (struct writer_job){trigger, label, 0, false, jobs, path, pathlen};
	jobs = job;
	pthread_mutex_unlock(&job_lock);
	sem_post(&wakeup);
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)limit;
	int rc = 0;
	pthread_mutex_lock(&job_lock);
	while (!job->done && rc == 0) {
		if (limit > 0)
			rc = pthread_cond_clockwait(&job_cond, &job_lock, CLOCK_MONOTONIC, &deadline);
		else
			pthread_cond_wait(&job_cond, &job_lock);
	}
	int result = job->done ? job->rc : -ETIMEDOUT;
	pthread_mutex_unlock(&job_lock);
	return result;
}

int writer_snapshot_wait(const char *trigger, const char *label, double limit)
{
	return snapshot_wait(trigger, label, limit, NULL, 0);
}

int writer_snapshot_wait_path(const char *trigger, const char *label, char *path, size_t len)
{
	return snapshot_wait(trigger, label, 0, path, len);
}

void writer_status(struct writer_status *st)
{
	st->seq = __atomic_load_n(&seq, __ATOMIC_RELAXED);
	snprintf(st->out, sizeof(st->out), "%s", opt.out);
	pthread_mutex_lock(&last_lock);
	snprintf(st->last, sizeof(st->last), "%s", last_path);
	pthread_mutex_unlock(&last_lock);
}

void writer_request_sigsafe(int request)
{
	DEBUG_NOMALLOC_ENTER("writer_request_sigsafe");
	int saved = errno;
	__atomic_or_fetch(&pending, request, __ATOMIC_RELAXED);
	sem_post(&wakeup);
	errno = saved;
	DEBUG_NOMALLOC_LEAVE();
}

__attribute__((noreturn)) static void *writer_main(void *arg)
{
	struct tstate *ts = &tstate_tls;
	tstate_guard_enter(ts);
	double next = opt.interval > 0 ? writer_now() + opt.interval : 0;
	for (;;) {
		if (opt.interval > 0) {
			struct timespec deadline;
			double at = start_mono + next;
			deadline.tv_sec = (time_t)at;
			deadline.tv_nsec = (long)((at - (double)deadline.tv_sec) * 1e9);
			if (deadline.tv_nsec >= 1000000000L)
				deadline.tv_sec++, deadline.tv_nsec -= 1000000000L;
			while (sem_clockwait(&wakeup, CLOCK_MONOTONIC, &deadline) != 0 && errno == EINTR)
				;
		} else {
			while (sem_wait(&wakeup) != 0 && errno == EINTR)
				;
		}
		while (sem_trywait(&wakeup) == 0)
			; /* several requests, one snapshot */
		run_jobs();
		int req = __atomic_exchange_n(&pending, 0, __ATOMIC_RELAXED);
		/* Once tracking has stopped (core_disable), the tables are frozen:
		 * files written from them would pass stale totals off as current. */
		bool tracking = __atomic_load_n(&core_running, __ATOMIC_ACQUIRE) != 0;
		if ((req & WRITER_REQ_SIGNAL) && tracking)
			writer_snapshot_now("signal", NULL);
		if ((req & WRITER_REQ_REQUEST) && tracking)
			writer_snapshot_now("request", NULL);
		if (opt.interval > 0 && writer_now() >= next) {
			if (tracking)
				writer_snapshot_now("interval", NULL);
			double now = writer_now();
			while (next <= now)
				next += opt.interval;
		}
	}
}

static int start_thread(void)
{
	sem_init(&wakeup, 0, 0);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_t th;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&th, &attr, writer_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	pthread_setname_np(th, "heapsnap-writer");
	__atomic_store_n(&writer_running, true, __ATOMIC_RELEASE);
	return 0;
}

int writer_init(const struct options *opts, const char *options_text)
{
	DEBUG_ASSERT_GUARD("writer_init: start-up, guard held");
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	start_mono = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
	clock_gettime(CLOCK_REALTIME, &ts);
	start_real = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
	opt = *opts;
	snprintf(opt_text, sizeof(opt_text), "%s", options_text ? options_text : "");
	frame_buckets = arena_alloc(sizeof(*frame_buckets) << FRAME_LG_BUCKETS);
	if (!frame_buckets)
		return -ENOMEM;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &sq_methods) != SQLITE_OK)
		return -EINVAL;
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_initialize() != SQLITE_OK)
		return -ENOMEM;
	return start_thread();
}

void writer_prefork(void)
{
	pthread_mutex_lock(&snapshot_lock);
}

void writer_postfork_parent(void)
{
	DEBUG_ASSERT_HELD(&snapshot_lock, "writer_postfork_parent: snapshot lock held since writer_prefork");
	pthread_mutex_unlock(&snapshot_lock);
}

void writer_postfork_child(void)
{
	pthread_mutex_init(&snapshot_lock, NULL);
	/* the parent's writer thread does not exist here; waiters neither */
	writer_running = false;
	pthread_mutex_init(&job_lock, NULL);
	pthread_cond_init(&job_cond, NULL);
	pthread_mutex_init(&last_lock, NULL);
	last_path[0] = '\0';
	jobs = NULL;
	seq = 0;
	pending = 0;
	write_failed_reported = false;
	exit_written = false;
	if (start_thread() != 0)
		log_msg("cannot start the writer thread in the forked child %d; only its exit snapshot will be written",
			(int)getpid());
}
