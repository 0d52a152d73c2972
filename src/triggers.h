/*
 * triggers.h: when snapshots are written without being asked for, and the
 * bounds of tracking.
 *
 * Owns the tracking window (from start-up, or from `heapsnap start`, to its
 * duration or `heapsnap stop`: a first and a last snapshot), the automatic
 * triggers (interval, growth, peak) and the cooldown between them, auto-arm
 * (arm_rss, arm_growth: a window opened by the writer when the RSS or the
 * heap in use crosses a threshold, at most once per cooldown), the
 * limits (max_snapshots, max_tracker_bytes) and the record of every limit
 * hit, which the next snapshot's meta shows (triggers_meta).
 * Context: triggers_next_wake and triggers_tick (and auto-arm's window
 * opening, inside it) on the writer thread;
 * triggers_window_open/close on the control thread; triggers_written and
 * triggers_meta under the snapshot lock; triggers_sample_allowed on app
 * threads in the sampled path (guard held). Nothing here allocates.
 * Lock order: snapshot lock (writer.h) > window lock > stats lock; the
 * window lock is never held while a snapshot is written or waited for.
 */
#ifndef HEAPSNAP_TRIGGERS_H
#define HEAPSNAP_TRIGGERS_H

#include "options.h"
#include "snapfile.h"
#include "tstate.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Seconds between two looks at the live heap while growth= or peak= is on. */
#define TRIGGERS_POLL 0.1
/* Seconds between two looks at the RSS and the heap while arm_rss= or
 * arm_growth= is on and no window is open. */
#define TRIGGERS_ARM_POLL 0.25
/* Buckets of arm_growth's history: its SECONDS are kept to 1/SLOTS. */
#define TRIGGERS_ARM_SLOTS 64
/* The default length of a window `heapsnap start` opens without --for
 * when duration= is not set: a window always ends. */
#define TRIGGERS_DEFAULT_WINDOW 600.0
/* The live heap the first peak snapshot must exceed by peak=. */
#define TRIGGERS_PEAK_FLOOR (1u << 20)

/* Context: start-up, before the writer starts. With start=on the window
 * opens at start-up (duration= bounds it); with start=off none is open. */
void triggers_init(const struct options *o);

/* Context: writer thread. When it must wake next, on writer_now's clock
 * (seconds), or a negative value when only a request can wake it. */
double triggers_next_wake(double now);

/* Context: writer thread, guard held, no lock held. Writes the snapshots
 * that are due (interval, growth, peak; the last one when the window's
 * time is up, which then pauses tracking); with no window open, auto-arm's
 * look at the RSS and heap, which may open one and write its baseline. */
void triggers_tick(double now);

/* Context: control thread, guard held. Opens a window: tracking resumes
 * (core_resume with sample, 0 = unchanged), a baseline snapshot is written
 * (its path to path), snapshots follow every interval seconds (< 0: the
 * interval= option), and after duration seconds (<= 0: duration= or
 * TRIGGERS_DEFAULT_WINDOW) a last one, then tracking pauses. 0, -EALREADY
 * (a window is open), -EDQUOT (max_snapshots reached), -ESHUTDOWN (tracking
 * failed and is off for good), or the snapshot's -errno. */
int triggers_window_open(double duration, uint64_t sample, double interval, char *path, size_t len);

/* Context: control thread, guard held. Closes the open window: tracking
 * pauses, then the last snapshot (trigger "stop") is written, its path to
 * path. 0, -EALREADY (no window open), or the snapshot's -errno. */
int triggers_window_close(char *path, size_t len);

/* Context: writer, snapshot lock held, before a file is made. false once
 * max_snapshots files are written (said once on stderr). */
bool triggers_may_write(void);

/* Context: writer, snapshot lock held, after a file is complete. */
void triggers_written(const struct tstate_totals *t, const char *trigger, double now);

/* Context: writer, snapshot lock held. The meta rows of the window and of
 * the limits hit, for the file about to be written; at most max. */
size_t triggers_meta(struct snapfile_meta *m, size_t max, double now);

/* Context: app thread, sampled path, guard held. Never allocates, no lock.
 * false when max_tracker_bytes is reached (said once on stderr): the sample
 * is dropped and counted, the exact counters go on. */
extern uint64_t triggers_tracker_cap __attribute__((visibility("hidden"))); /* max_tracker_bytes; 0: none */
bool triggers_sample_allowed_slow(void);
static inline bool triggers_sample_allowed(void)
{
	return triggers_tracker_cap == 0 || triggers_sample_allowed_slow();
}

struct triggers_status {
	const char *state;       /* "running", "dormant" or "stopped" */
	double window_start;     /* writer_now seconds; < 0: no window yet */
	double window_end;       /* 0: unbounded */
	double interval;         /* in force */
	unsigned files;          /* snapshot files written by this process */
	uint64_t samples_dropped;
};

/* Context: any thread. Never allocates, never waits for a snapshot. */
void triggers_status(struct triggers_status *st);

/* Context: fork child handler. The child's own count of files and locks. */
void triggers_postfork_child(void);

#endif
