/*
 * writer.h: the tracker thread and the snapshot files it writes.
 *
 * Owns the writer thread, its wake-up semaphore, the snapshot lock and sequence
 * number, the frame cache (address -> symbol, kept across snapshots) and the
 * SQLite code that turns the shadow tables into one self-contained file.
 * Context: snapshots run on the writer thread, always with the guard held and
 * the snapshot lock taken, so two snapshots never interleave; exit() and
 * heapsnap_snapshot() hand theirs to it and wait (writer_snapshot_wait).
 */
#ifndef HEAPSNAP_WRITER_H
#define HEAPSNAP_WRITER_H

#include "options.h"

/* Bits of a pending request (writer_request_sigsafe). */
enum writer_request { WRITER_REQ_SIGNAL = 1, WRITER_REQ_REQUEST = 2 };

/* Context: start-up, guard held. Configures SQLite's memory (tracker arena),
 * records the options, starts the writer thread. 0 or -errno. */
int writer_init(const struct options *opts, const char *options_text);

/* Context: any thread. Async-signal-safe. Never allocates. */
void writer_request_sigsafe(int request);

/* Context: any thread with the guard held. Writes one snapshot now, on the
 * calling thread, waiting for one in progress. trigger: "exit", "api"...
 * label may be NULL. 0 or -errno; -ESHUTDOWN once the exit snapshot is
 * written (it is the last one of the process). */
int writer_snapshot_now(const char *trigger, const char *label);

/* Context: any application thread, guard held. Has the writer thread write a
 * snapshot and waits for it; limit > 0 bounds the wait in seconds (the exit
 * snapshot: a stuck file system must not hang the program's exit), 0 waits
 * as long as it takes. Without a writer thread, writes on the caller.
 * Returns writer_snapshot_now's result, or -ETIMEDOUT. */
int writer_snapshot_wait(const char *trigger, const char *label, double limit);

/* Context: any tracker thread, guard held. As writer_snapshot_wait without a
 * limit; on success the complete file's path is copied to path. */
int writer_snapshot_wait_path(const char *trigger, const char *label, char *path, size_t len);

/* What the control channel reports: snapshots written so far (seq), the
 * output directory and the newest complete file ("" before the first). */
struct writer_status {
	unsigned seq;
	char out[OPTIONS_PATH_MAX];
	char last[OPTIONS_PATH_MAX + 300];
};

/* Context: any thread. Never allocates, never waits for a snapshot. */
void writer_status(struct writer_status *st);

struct stacktab_entry;

/* Context: a tracker thread (the control thread's "top"), guard held.
 * Names the call site of each of the n stacks (the rule of snapfile.c: the
 * innermost frame that is not an allocator or wrapper) into names, n
 * strings of stride bytes each: the function, else the raw symbol, else
 * the address. Takes the snapshot lock (so it waits for a snapshot being
 * written) and fills the location cache as a snapshot would; memory from
 * the tracker arena. 0, or -ENOMEM (names then hold the addresses). */
int writer_name_sites(struct stacktab_entry *const *v, size_t n, char *names, size_t stride);

/* Context: fork handlers of the forking thread. */
void writer_prefork(void);
void writer_postfork_parent(void);
void writer_postfork_child(void);

/* Context: any thread. Tracker start, CLOCK_MONOTONIC seconds. */
double writer_now(void);

#endif
