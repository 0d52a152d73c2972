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
 * Auto-arm (arm_rss=, arm_growth=): while no window is open and tracking
 * has not failed, the writer thread looks every TRIGGERS_ARM_POLL seconds
 * at the process's RSS (/proc/self/statm: open, read, close; no
 * allocation) and, for arm_growth, at the heap in use: the hooks only
 * forward while dormant, so the exact totals stand still; the figure is
 * glibc's mallinfo2() uordblks + hblkhd when the real allocator is glibc's
 * (it takes each arena's lock briefly, on the writer thread, never in a
 * hook), else the RSS. The growth is measured against the least value of
 * the last SECONDS, kept in TRIGGERS_ARM_SLOTS buckets of SECONDS/SLOTS
 * each (so "within SECONDS" is exact to one bucket). When a threshold is
 * crossed and the last arm fired at least cooldown= ago, the writer opens
 * a window itself (as triggers_window_open, without waiting on itself) and
 * writes its baseline with trigger "arm_rss" or "arm_growth"; every
 * snapshot of a window names its cause in meta window_trigger. The hooks
 * are not touched: arming costs them nothing.
 */
#include "triggers.h"

#include "arena.h"
#include "core.h"
#include "log.h"
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static struct options opt;

static pthread_mutex_t window_lock = PTHREAD_MUTEX_INITIALIZER;
static bool window_open;
static double window_start = -1, window_end, window_interval, next_interval;
static const char *window_ended_by; /* "duration", "stop", "max_snapshots" */
/* A window that ended by its duration is paused before its last file is
 * written (the file is the tables' final state): until that file is in
 * place, status says "closing", so that "dormant" means the last file
 * exists. */
static bool window_closing;
/* what opened the window: "startup", "control", "arm_rss", "arm_growth" */
static const char *window_cause;

/* Auto-arm state, under the window lock (only the writer thread polls). */
struct arm_slot {
	int64_t idx;  /* bucket number: seconds since start / bucket width */
	int64_t min;  /* least heap figure seen in it */
	bool used;
};
static struct arm_slot arm_ring[TRIGGERS_ARM_SLOTS];
static double arm_next;          /* writer_now of the next look */
static double arm_last = -1;     /* when an arm last fired, -1: never */
static unsigned arm_fired, arm_holds;
static bool arm_holding;         /* the threshold is crossed, cooldown holds it */
static const char *arm_measure;  /* "rss" or "mallinfo_in_use": arm_growth's figure */
static int64_t arm_value;        /* the figure that crossed the threshold */

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
	triggers_tracker_cap = opt.max_tracker_bytes; /* the sampled path's inline test */
	window_interval = opt.interval;
	if (opt.start == OPTIONS_START_ON) {
		window_open = true;
		window_start = 0;
		window_end = opt.duration > 0 ? opt.duration : 0;
		next_interval = window_interval;
		window_cause = "startup";
	}
}

static bool arming(void)
{
	return opt.arm_rss > 0 || opt.arm_growth.bytes > 0;
}

/* The process's resident set in bytes, or -1. Never allocates. */
static int64_t read_rss(void)
{
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[128];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *p = buf;
	while (*p && *p != ' ')
		p++; /* size, then resident */
	if (*p != ' ')
		return -1;
	int64_t pages = 0;
	for (p++; *p >= '0' && *p <= '9'; p++)
		pages = pages * 10 + (*p - '0');
	long page = sysconf(_SC_PAGESIZE);
	return pages * (page > 0 ? page : 4096);
}

/* arm_growth's figure while the hooks only forward (see the header). */
static int64_t heap_in_use(int64_t rss)
{
	if (__atomic_load_n(&core_glibc_chunks, __ATOMIC_RELAXED) != CORE_CHUNKS_NO) {
		arm_measure = "mallinfo_in_use";
		struct mallinfo2 mi = mallinfo2();
		return (int64_t)(mi.uordblks + mi.hblkhd);
	}
	arm_measure = "rss";
	return rss;
}

/* Window lock held. Records v at now; true when it is arm_growth.bytes
 * above the least value of the last arm_growth.seconds. */
static bool growth_crossed(int64_t v, double now)
{
	double width = opt.arm_growth.seconds / TRIGGERS_ARM_SLOTS;
	int64_t b = (int64_t)(now / width);
	struct arm_slot *s = &arm_ring[b % TRIGGERS_ARM_SLOTS];
	if (!s->used || s->idx != b)
		*s = (struct arm_slot){b, v, true};
	else if (v < s->min)
		s->min = v;
	int64_t base = v;
	for (size_t i = 0; i < TRIGGERS_ARM_SLOTS; i++)
		if (arm_ring[i].used && arm_ring[i].idx > b - TRIGGERS_ARM_SLOTS && arm_ring[i].min < base)
			base = arm_ring[i].min;
	return v - base >= (int64_t)opt.arm_growth.bytes;
}

/* Window lock held, no window open. Looks at the RSS and the heap; the
 * trigger that opens a window now, or NULL. */
static const char *arm_check(double now)
{
	arm_next = now + TRIGGERS_ARM_POLL;
	int64_t rss = read_rss(), heap = 0;
	const char *why = NULL;
	if (opt.arm_growth.bytes > 0) {
		heap = heap_in_use(rss);
		if (heap >= 0 && growth_crossed(heap, now))
			why = "arm_growth";
	}
	if (!why && opt.arm_rss > 0 && rss >= (int64_t)opt.arm_rss)
		why = "arm_rss";
	if (!why) {
		arm_holding = false;
		return NULL;
	}
	if (opt.cooldown > 0 && arm_last >= 0 && now - arm_last < opt.cooldown) {
		if (!arm_holding)
			arm_holds++;
		arm_holding = true;
		return NULL;
	}
	pthread_mutex_lock(&stats_lock);
	bool full = opt.max_snapshots > 0 && files >= opt.max_snapshots;
	pthread_mutex_unlock(&stats_lock);
	if (full || core_resume(0) != 0)
		return NULL;
	arm_holding = false;
	arm_last = now;
	arm_fired++;
	arm_value = !strcmp(why, "arm_rss") ? rss : heap;
	memset(arm_ring, 0, sizeof(arm_ring)); /* the next growth counts from here */
	window_open = true;
	window_ended_by = NULL;
	window_cause = why;
	window_start = now;
	window_end = now + (opt.duration > 0 ? opt.duration : TRIGGERS_DEFAULT_WINDOW);
	window_interval = opt.interval;
	next_interval = now + window_interval;
	return why;
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
	} else if (!window_open && !core_disabled() && arming()) {
		at = arm_next;
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
	if (!window_open && !core_disabled() && arming() && now >= arm_next) {
		why = arm_check(now);
		pthread_mutex_unlock(&window_lock);
		if (why)
			writer_snapshot_now(why, NULL); /* the window's baseline */
		return;
	}
	if (!window_open || core_disabled()) {
		pthread_mutex_unlock(&window_lock);
		return;
	}
	if (window_end > 0 && now >= window_end) {
		/* paused first: the last file is the tables' final state */
		close_locked("duration");
		window_closing = true;
		pthread_mutex_unlock(&window_lock);
		writer_snapshot_now("duration", NULL);
		pthread_mutex_lock(&window_lock);
		window_closing = false;
		pthread_mutex_unlock(&window_lock);
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
	window_cause = "control";
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
	const char *ended = window_ended_by, *cause = window_cause, *measure = arm_measure;
	unsigned fired = arm_fired, holds = arm_holds;
	int64_t value = arm_value;
	pthread_mutex_unlock(&window_lock);
	META("tracking", SNAPFILE_META_TEXT, text,
	     core_disabled() ? "stopped" : __atomic_load_n(&core_running, __ATOMIC_ACQUIRE) ? "running" : "dormant");
	META("start", SNAPFILE_META_TEXT, text, opt.start == OPTIONS_START_ON ? "on" : "off");
	if (ws >= 0)
		META("window_start", SNAPFILE_META_REAL, r, ws);
	if (ws >= 0 && we > 0)
		META("window_end", SNAPFILE_META_REAL, r, we);
	if (ws >= 0 && cause)
		META("window_trigger", SNAPFILE_META_TEXT, text, cause);
	if (cause && !strncmp(cause, "arm_", 4))
		META("arm_value", SNAPFILE_META_INT, i, value);
	if (opt.arm_rss > 0)
		META("arm_rss", SNAPFILE_META_INT, i, (int64_t)opt.arm_rss);
	if (opt.arm_growth.bytes > 0) {
		META("arm_growth_bytes", SNAPFILE_META_INT, i, (int64_t)opt.arm_growth.bytes);
		META("arm_growth_seconds", SNAPFILE_META_REAL, r, opt.arm_growth.seconds);
		if (measure)
			META("arm_growth_measure", SNAPFILE_META_TEXT, text, measure);
	}
	if (arming()) {
		META("arm_fired", SNAPFILE_META_INT, i, fired);
		META("arm_cooldown_holds", SNAPFILE_META_INT, i, holds);
	}
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

uint64_t triggers_tracker_cap;

bool triggers_sample_allowed_slow(void)
{
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
	st->state = core_disabled() ? "stopped" : core_running ? "running" : window_closing ? "closing" : "dormant";
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
	memset(arm_ring, 0, sizeof(arm_ring));
	arm_last = -1;
	arm_fired = arm_holds = 0;
	arm_holding = false;
}
