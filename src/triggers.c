/*
 * triggers.c: the tracking window, the automatic triggers and the limits.
 *
 * Invariants: (1) never allocates: state is static, meta rows point at
 * static strings and numbers; (2) the window lock guards the window and the
 * trigger clocks and is never held while a snapshot is written (the writer
 * thread writes its own, the control thread has the writer write them),
 * so that a slow file system never blocks `heapsnap status`; lock order:
 * snapshot lock (writer.c) > window lock > stats lock; (3) the stats
 * lock (innermost) guards what snapshots update: files written, the live
 * heap at the last snapshot and at the last peak one, the last automatic
 * snapshot's time; (4) triggers_sample_allowed takes no lock: one relaxed
 * load of the arena's byte count (the sampled path only).
 * Why max_snapshots stops instead of removing the oldest: the first file of
 * a window is the baseline every later one is compared with, and the files
 * belong to the operator (copied, opened, being read by heapdiff): a
 * tracker that deletes files could pull one from under a reader. When the
 * last allowed file is written, tracking pauses: nothing more could ever
 * be written from it.
 */
#include "triggers.h"

#include "arena.h"
#include "core.h"
#include "log.h"
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

static struct options opt;

static pthread_mutex_t window_lock = PTHREAD_MUTEX_INITIALIZER;
static bool window_open;
static double window_start = -1, window_end, window_interval, next_interval;
static const char *window_ended_by; /* "duration", "stop", "max_snapshots" */

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned files;
static int64_t live_at_last, peak_base = TRIGGERS_PEAK_FLOOR;
static double last_auto = -1;
static bool max_said;
static unsigned cooldown_holds; /* automatic triggers held back by cooldown */
static double held_since = -1;  /* since when one waits, -1: none */
static double held_waited = -1; /* what the next automatic snapshot waited */

static int cap_hit;             /* atomic */
static double cap_hit_at;
static uint64_t samples_dropped; /* atomic */

void triggers_init(const struct options *o)
{
	opt = *o;
	window_interval = opt.interval;
	if (opt.start == OPTIONS_START_ON) {
		window_open = true;
		window_start = 0;
		window_end = opt.duration > 0 ? opt.duration : 0;
		next_interval = window_interval;
	}
}

static bool polling(void)
{
	return opt.growth > 0 || opt.peak > 0;
}

double triggers_next_wake(double now)
{
	pthread_mutex_lock(&window_lock);
	double at = -1;
	if (window_open && !core_disabled()) {
		if (window_interval > 0)
			at = next_interval;
		if (window_end > 0 && (at < 0 || window_end < at))
			at = window_end;
		if (polling() && (at < 0 || now + TRIGGERS_POLL < at))
			at = now + TRIGGERS_POLL;
	}
	pthread_mutex_unlock(&window_lock);
	return at;
}

/* Window lock held. Closes the window and pauses tracking. */
static void close_locked(const char *why)
{
	window_open = false;
	window_ended_by = why;
	core_pause();
}

void triggers_tick(double now)
{
	const char *why = NULL;
	pthread_mutex_lock(&window_lock);
	if (!window_open || core_disabled()) {
		pthread_mutex_unlock(&window_lock);
		return;
	}
	if (window_end > 0 && now >= window_end) {
		/* paused first: the last file is the tables' final state */
		close_locked("duration");
		pthread_mutex_unlock(&window_lock);
		writer_snapshot_now("duration", NULL);
		return;
	}
	if (window_interval > 0 && now >= next_interval) {
		why = "interval";
		while (next_interval <= now)
			next_interval += window_interval;
	}
	pthread_mutex_lock(&stats_lock);
	if (!why && polling()) {
		struct tstate_totals t;
		tstate_totals(&t);
		int64_t live = (int64_t)(t.alloc_bytes - t.free_bytes);
		if (opt.growth > 0 && live - live_at_last >= (int64_t)opt.growth)
			why = "growth";
		else if (opt.peak > 0 && (double)live > (double)peak_base * (1 + opt.peak))
			why = "peak";
	}
	if (why && opt.cooldown > 0 && last_auto >= 0 && now - last_auto < opt.cooldown) {
		if (held_since < 0) {
			held_since = now;
			cooldown_holds++;
		}
		why = NULL;
	}
	pthread_mutex_unlock(&stats_lock);
	pthread_mutex_unlock(&window_lock);
	if (why)
		writer_snapshot_now(why, NULL);
}

int triggers_window_open(double duration, uint64_t sample, double interval, char *path, size_t len)
{
	pthread_mutex_lock(&window_lock);
	if (window_open && !core_disabled()) {
		pthread_mutex_unlock(&window_lock);
		return -EALREADY;
	}
	pthread_mutex_lock(&stats_lock);
	bool full = opt.max_snapshots > 0 && files >= opt.max_snapshots;
	pthread_mutex_unlock(&stats_lock);
	if (full) {
		pthread_mutex_unlock(&window_lock);
		return -EDQUOT;
	}
	int rc = core_resume(sample);
	if (rc) {
		pthread_mutex_unlock(&window_lock);
		return rc;
	}
	double now = writer_now();
	if (duration <= 0)
		duration = opt.duration > 0 ? opt.duration : TRIGGERS_DEFAULT_WINDOW;
	window_open = true;
	window_ended_by = NULL;
	window_start = now;
	window_end = now + duration;
	window_interval = interval >= 0 ? interval : opt.interval;
	next_interval = now + window_interval;
	pthread_mutex_unlock(&window_lock);
	return writer_snapshot_wait_path("start", NULL, path, len);
}

int triggers_window_close(char *path, size_t len)
{
	pthread_mutex_lock(&window_lock);
	if (!window_open || core_disabled()) {
		pthread_mutex_unlock(&window_lock);
		return -EALREADY;
	}
	close_locked("stop");
	pthread_mutex_unlock(&window_lock);
	return writer_snapshot_wait_path("stop", NULL, path, len);
}

bool triggers_may_write(void)
{
	pthread_mutex_lock(&stats_lock);
	bool ok = opt.max_snapshots == 0 || files < opt.max_snapshots;
	bool say = !ok && !max_said;
	if (say)
		max_said = true;
	pthread_mutex_unlock(&stats_lock);
	if (say)
		log_msg("max_snapshots=%u reached: no more snapshot files are written (the first %u are "
			"kept; raise max_snapshots= to keep more)",
			opt.max_snapshots, opt.max_snapshots);
	return ok;
}

static bool automatic(const char *trigger)
{
	return !strcmp(trigger, "interval") || !strcmp(trigger, "growth") || !strcmp(trigger, "peak");
}

void triggers_written(const struct tstate_totals *t, const char *trigger, double now)
{
	int64_t live = (int64_t)(t->alloc_bytes - t->free_bytes);
	pthread_mutex_lock(&stats_lock);
	files++;
	live_at_last = live;
	if (!strcmp(trigger, "peak") || live > peak_base)
		peak_base = live > peak_base ? live : peak_base;
	if (automatic(trigger)) {
		last_auto = now;
		held_waited = -1;
	}
	bool full = opt.max_snapshots > 0 && files >= opt.max_snapshots;
	pthread_mutex_unlock(&stats_lock);
	if (full && core_running) {
		/* nothing more can be written: the hooks go back to forwarding */
		log_msg("max_snapshots=%u reached: tracking stops after this snapshot", opt.max_snapshots);
		pthread_mutex_lock(&stats_lock);
		max_said = true;
		pthread_mutex_unlock(&stats_lock);
		pthread_mutex_lock(&window_lock);
		close_locked("max_snapshots");
		pthread_mutex_unlock(&window_lock);
	}
}

#define META(k, ty, field, v) \
	do { \
		if (n < max) { \
			m[n] = (struct snapfile_meta){.key = (k), .type = (ty)}; \
			m[n].field = (v); \
			n++; \
		} \
	} while (0)

size_t triggers_meta(struct snapfile_meta *m, size_t max, double now)
{
	size_t n = 0;
	pthread_mutex_lock(&window_lock);
	double ws = window_start, we = window_end;
	bool open = window_open;
	const char *ended = window_ended_by;
	pthread_mutex_unlock(&window_lock);
	META("tracking", SNAPFILE_META_TEXT, text,
	     core_disabled() ? "stopped" : __atomic_load_n(&core_running, __ATOMIC_ACQUIRE) ? "running" : "dormant");
	META("start", SNAPFILE_META_TEXT, text, opt.start == OPTIONS_START_ON ? "on" : "off");
	if (ws >= 0)
		META("window_start", SNAPFILE_META_REAL, r, ws);
	if (ws >= 0 && we > 0)
		META("window_end", SNAPFILE_META_REAL, r, we);
	if (!open && ended) {
		META("window_ended_by", SNAPFILE_META_TEXT, text, ended);
		if (!strcmp(ended, "duration"))
			META("duration_reached", SNAPFILE_META_REAL, r, we);
	}
	META("growth", SNAPFILE_META_INT, i, (int64_t)opt.growth);
	META("peak", SNAPFILE_META_REAL, r, opt.peak);
	META("cooldown", SNAPFILE_META_REAL, r, opt.cooldown);
	META("duration", SNAPFILE_META_REAL, r, opt.duration);
	META("max_snapshots", SNAPFILE_META_INT, i, opt.max_snapshots);
	META("max_tracker_bytes", SNAPFILE_META_INT, i, (int64_t)opt.max_tracker_bytes);
	pthread_mutex_lock(&stats_lock);
	if (opt.max_snapshots > 0 && files + 1 >= opt.max_snapshots)
		META("max_snapshots_reached", SNAPFILE_META_INT, i, 1);
	if (cooldown_holds > 0)
		META("cooldown_holds", SNAPFILE_META_INT, i, cooldown_holds);
	if (held_since >= 0) {
		held_waited = now - held_since;
		held_since = -1;
	}
	if (held_waited >= 0)
		META("cooldown_waited", SNAPFILE_META_REAL, r, held_waited);
	pthread_mutex_unlock(&stats_lock);
	if (__atomic_load_n(&cap_hit, __ATOMIC_ACQUIRE))
		META("max_tracker_bytes_reached", SNAPFILE_META_REAL, r, cap_hit_at);
	META("samples_dropped", SNAPFILE_META_INT, i, (int64_t)__atomic_load_n(&samples_dropped, __ATOMIC_RELAXED));
	return n;
}

bool triggers_sample_allowed(void)
{
	if (opt.max_tracker_bytes == 0)
		return true;
	if (!__atomic_load_n(&cap_hit, __ATOMIC_RELAXED)) {
		if (arena_bytes() < opt.max_tracker_bytes)
			return true;
		if (!__atomic_exchange_n(&cap_hit, 1, __ATOMIC_ACQ_REL)) {
			cap_hit_at = writer_now();
			__atomic_thread_fence(__ATOMIC_RELEASE);
			log_msg("max_tracker_bytes=%llu reached (the tracker holds %llu bytes): no new sample or "
				"stack is recorded from now on, the exact totals go on",
				(unsigned long long)opt.max_tracker_bytes, (unsigned long long)arena_bytes());
		}
	}
	__atomic_add_fetch(&samples_dropped, 1, __ATOMIC_RELAXED);
	return false;
}

void triggers_status(struct triggers_status *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&window_lock);
	st->state = core_disabled() ? "stopped" : core_running ? "running" : "dormant";
	st->window_start = window_start;
	st->window_end = window_end;
	st->interval = window_interval;
	pthread_mutex_unlock(&window_lock);
	pthread_mutex_lock(&stats_lock);
	st->files = files;
	pthread_mutex_unlock(&stats_lock);
	st->samples_dropped = __atomic_load_n(&samples_dropped, __ATOMIC_RELAXED);
}

void triggers_postfork_child(void)
{
	pthread_mutex_init(&window_lock, NULL);
	pthread_mutex_init(&stats_lock, NULL);
	files = 0;
	max_said = false;
}
