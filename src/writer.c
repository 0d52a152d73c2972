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
#include "callsite.h"
#include "control.h"
#include "core.h"
#include "debug.h"
#include "livetab.h"
#include "log.h"
#include "modmap.h"
#include "sampler.h"
#include "snapfile.h"
#include "stacktab.h"
#include "symbolize.h"
#include "triggers.h"
#include "allocstats.h"
#include "tstate.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCATION_LG_BUCKETS 15

/* The location cache: every return address seen, in each module instance
 * it was code of, named once per process (symbolize.c) and kept across
 * snapshots. A location owns its frames (inline levels, innermost first)
 * and their call-site marks (callsite.c). Keyed by (address, instance):
 * loc.unloaded is the dlclose'd module (modmap.h) for a stack of an epoch
 * when it was mapped there, NULL for the module mapped there now. A NULL
 * one was named after what was mapped at module epoch `checked`; once a
 * module covering its address was unloaded since, it is re-keyed to that
 * module (its names are that module's: they stay right for the stacks of
 * its time) and the address is named anew for what is mapped now. */
struct location {
	struct location *next;
	uint32_t checked;
	struct snapfile_location loc;
	struct snapfile_frame frames[];
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
static struct location **location_buckets;
static uint32_t location_next_id;
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
/* The writer thread's CPU clock, set by the thread (atomic flag). */
static clockid_t writer_clock;
static int writer_clock_set;

/* CPU seconds of the tracker's threads: the writer and the control thread
 * (a snapshot may run on another thread: the writer's clock is read by id). */
static double tracker_cpu_seconds(void)
{
	double s = control_cpu_seconds();
	struct timespec t;
	if (__atomic_load_n(&writer_clock_set, __ATOMIC_ACQUIRE) && clock_gettime(writer_clock, &t) == 0)
		s += (double)t.tv_sec + t.tv_nsec * 1e-9;
	return s;
}

double writer_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9 - start_mono;
}

/* ---- location cache ---- */

/* ctx: the snapshot's module map, for the call-site rule's module test.
 * A stack of epoch `epoch` ran in the modules mapped then: addr's instance
 * is modmap_unloaded_at's, else the module mapped now. */
static struct snapfile_location *location_get(uintptr_t addr, uint32_t epoch, void *ctx)
{
	const struct modmap *mods = ctx;
	DEBUG_ASSERT_HELD(&snapshot_lock, "the location cache changes only under the snapshot lock");
	const struct modmap_module *u = modmap_unloaded(0) ? modmap_unloaded_at(addr, epoch) : NULL;
	uint32_t now = modmap_epoch();
	unsigned b = (unsigned)((addr * 0x9e3779b97f4a7c15ull) >> (64 - LOCATION_LG_BUCKETS));
	for (struct location *l = location_buckets[b]; l; l = l->next) {
		if (l->loc.addr != addr)
			continue;
		if (!l->loc.unloaded && l->checked != now) {
			const struct modmap_module *was = modmap_unloaded_at(addr, l->checked);
			if (was)
				l->loc.unloaded = was; /* it named a module closed since */
			else
				l->checked = now; /* what it named is mapped there still */
		}
		if (l->loc.unloaded == u)
			return &l->loc;
	}
	struct symbolize_result r;
	const char *module;
	if (u && modmap_row(mods, addr, u) != modmap_row(mods, addr, NULL)) {
		/* another module is mapped there now: u's file names it */
		symbolize_addr_unloaded(addr, u, &r);
		module = u->path;
	} else {
		symbolize_addr(addr, &r); /* u, if any, is named where it was */
		long mi = modmap_find(mods, addr);
		module = mi >= 0 ? mods->v[mi].path : NULL;
	}
	struct location *l = arena_alloc(sizeof(*l) + r.nframes * sizeof(l->frames[0]));
	if (!l)
		return NULL;
	for (unsigned i = 0; i < r.nframes; i++) {
		l->frames[i] = (struct snapfile_frame){
			.function = r.frames[i].function,
			.file = r.frames[i].file,
			.line = r.frames[i].line,
			.is_allocator = callsite_is_allocator(r.frames[i].function, module),
		};
	}
	l->checked = now;
	l->loc = (struct snapfile_location){
		.addr = addr,
		.unloaded = u,
		.id = ++location_next_id,
		.symbol = r.symbol,
		.resolution = r.resolution,
		.jit = r.jit,
		.nframes = r.nframes,
		.frames = l->frames,
	};
	l->next = location_buckets[b];
	location_buckets[b] = l;
	return &l->loc;
}

/* The call site of e's stack (snapfile.c's rule) into buf. */
static int name_site(const struct stacktab_entry *e, const struct modmap *mods, char *buf, size_t len)
{
	const struct snapfile_location *first = NULL;
	for (unsigned k = 0; k < e->nframes; k++) {
		const struct snapfile_location *l = location_get(e->frames[k], e->epoch, (void *)mods);
		if (!l)
			return -ENOMEM;
		if (!first)
			first = l;
		for (unsigned i = 0; i < l->nframes; i++) {
			if (!l->frames[i].is_allocator) {
				const char *f = l->frames[i].function ? l->frames[i].function : l->symbol;
				if (f)
					snprintf(buf, len, "%s", f);
				else
					snprintf(buf, len, "0x%lx", (unsigned long)l->addr);
				return 0;
			}
		}
	}
	if (first && first->nframes > 0 && first->frames[0].function)
		snprintf(buf, len, "%s", first->frames[0].function);
	else if (first)
		snprintf(buf, len, "0x%lx", (unsigned long)first->addr);
	else
		snprintf(buf, len, "(no frames)");
	return 0;
}

int writer_name_sites(struct stacktab_entry *const *v, size_t n, char *names, size_t stride)
{
	DEBUG_ASSERT_GUARD("writer_name_sites: called with the guard held");
	struct modmap mods;
	int rc = 0;
	pthread_mutex_lock(&snapshot_lock);
	symbolize_refresh();
	if (modmap_read(&mods) != 0) {
		memset(&mods, 0, sizeof(mods));
		rc = -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		char *buf = names + i * stride;
		if (rc || name_site(v[i], &mods, buf, stride) != 0) {
			rc = -ENOMEM;
			snprintf(buf, stride, "0x%lx", v[i]->nframes ? (unsigned long)v[i]->frames[0] : 0ul);
		}
	}
	modmap_free(&mods);
	pthread_mutex_unlock(&snapshot_lock);
	return rc;
}

/* ---- process facts ---- */

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

static void fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The file is created here, private (0600: heap layouts and stacks are
 * sensitive), exclusively and never through a symlink: a stale NAME.tmp of
 * a killed run is removed first (unlink never follows a symlink), and
 * anything that reappears in between makes O_EXCL fail. SQLite then opens
 * that file, refusing a symlink too (snapfile.c). */
static int create_private(const char *tmp)
{
	unlink(tmp);
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
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
	if (!triggers_may_write())
		return -EDQUOT;
	uint64_t refused = arena_failures();
	struct timespec begun, begun_cpu;
	clock_gettime(CLOCK_MONOTONIC, &begun);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &begun_cpu);
	int rc = collect(&s);
	if (rc == 0) {
		symbolize_refresh();
		seq++;
		generation++;
		rc = create_private(tmp);
		/* what is in force now: a window may have changed the rate */
		struct options now_opt = opt;
		now_opt.sample = core_sample_mean();
		struct triggers_status tst;
		triggers_status(&tst);
		now_opt.interval = tst.interval;
		struct snapfile_meta extra[48];
		size_t nextra = triggers_meta(extra, sizeof(extra) / sizeof(extra[0]), writer_now());
		nextra += allocstats_meta(extra + nextra, sizeof(extra) / sizeof(extra[0]) - nextra);
		if (rc == 0) {
			struct snapfile_input in = {
				.totals = s.totals,
				.allocs = s.allocs,
				.nallocs = s.nallocs,
				.stacks = s.stacks,
				.nstacks = s.nstacks,
				.mods = &s.mods,
				.trigger = trigger,
				.label = label,
				.seq = seq,
				.generation = generation,
				.opt = &now_opt,
				.options_text = opt_text,
				.start_real = start_real,
				.uptime = writer_now(),
				.begun = (double)begun.tv_sec + begun.tv_nsec * 1e-9,
				.begun_cpu = (double)begun_cpu.tv_sec + begun_cpu.tv_nsec * 1e-9,
				.tracker_cpu = tracker_cpu_seconds(),
				.glibc_malloc = __atomic_load_n(&core_glibc_chunks, __ATOMIC_RELAXED) == CORE_CHUNKS_YES,
				.locate = location_get,
				.locate_ctx = &s.mods,
				.extra = extra,
				.nextra = nextra,
			};
			rc = snapfile_write(&in, tmp);
		}
		if (rc)
			seq--;
	}
	release(&s);
	/* Tracker memory ran out while the file was made (names of a module,
	 * SQLite's pages...): the tracker is out of memory, which stops it;
	 * the file, when written, keeps what it has. One line either way. */
	bool out_of_memory = arena_failures() != refused || rc == -ENOMEM;
	if (rc == 0) {
		fsync_path(tmp, O_RDONLY);
		if (rename(tmp, path) != 0) {
			rc = -errno;
			seq--;
		} else {
			fsync_path(opt.out, O_RDONLY | O_DIRECTORY);
			triggers_written(&s.totals, trigger, writer_now());
			pthread_mutex_lock(&last_lock);
			snprintf(last_path, sizeof(last_path), "%s", path);
			pthread_mutex_unlock(&last_lock);
		}
	}
	if (rc)
		unlink(tmp);
	if (out_of_memory) {
		write_failed_reported = true;
		core_disable(rc ? "cannot write a snapshot (tracker memory exhausted)"
				: "tracker memory exhausted while writing a snapshot", ENOMEM);
	} else if (rc && !write_failed_reported) {
		write_failed_reported = true;
		if (strcmp(trigger, "exit") == 0)
			log_msg("cannot write the exit snapshot '%s': %s", path, strerror(-rc));
		else
			log_msg("cannot write snapshot '%s': %s; tracking goes on, later snapshots will be tried",
				path, strerror(-rc));
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
	if (pthread_getcpuclockid(pthread_self(), &writer_clock) == 0)
		__atomic_store_n(&writer_clock_set, 1, __ATOMIC_RELEASE);
	for (;;) {
		/* when to wake is the triggers' (triggers.h): interval, the
		 * window's end, the growth/peak poll; a request wakes it early */
		double next = triggers_next_wake(writer_now());
		if (next >= 0) {
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
		/* Once tracking has stopped (core_disable) or paused, the tables
		 * are frozen: files written from them would pass stale totals
		 * off as current. */
		bool tracking = __atomic_load_n(&core_running, __ATOMIC_ACQUIRE) != 0;
		if ((req & WRITER_REQ_SIGNAL) && tracking)
			writer_snapshot_now("signal", NULL);
		if ((req & WRITER_REQ_REQUEST) && tracking)
			writer_snapshot_now("request", NULL);
		triggers_tick(writer_now());
	}
}

static int start_thread(void)
{
	sem_init(&wakeup, 0, 0);
	int rc = tstate_start_thread(writer_main, "heapsnap-writer");
	if (rc)
		return rc;
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
	location_buckets = arena_alloc(sizeof(*location_buckets) << LOCATION_LG_BUCKETS);
	if (!location_buckets)
		return -ENOMEM;
	memset(location_buckets, 0, sizeof(*location_buckets) << LOCATION_LG_BUCKETS);
	int rc = snapfile_init();
	if (rc)
		return rc;
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
	__atomic_store_n(&writer_clock_set, 0, __ATOMIC_RELEASE);
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
