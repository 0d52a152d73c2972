/*
 * jitmap.h: names of JIT-compiled code from a perf map (/tmp/perf-PID.map).
 *
 * Owns the entries read from one perf map file, the convention of
 * node --perf-basic-prof, Java's perf-map-agent and python -X perf: one
 * line per function, "START SIZE NAME", START and SIZE in hex without 0x.
 * The file is append-only: each jitmap_update reads only the bytes added
 * since the last one (whole lines; a partial last line waits for the next
 * update). A later entry with the same START replaces the earlier one, and
 * where ranges overlap the later entry wins at lookup.
 * Memory is bounded: at most JITMAP_MAX_ENTRIES entries and
 * JITMAP_MAX_NAME_BYTES of names; beyond that new lines are skipped (and
 * counted). Allocates only through the caller's allocator (elfsym.h's);
 * no stdio, no malloc.
 * Context: one thread at a time per jitmap.
 */
#ifndef HEAPSNAP_JITMAP_H
#define HEAPSNAP_JITMAP_H

#include "elfsym.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JITMAP_MAX_ENTRIES (1u << 20)
#define JITMAP_MAX_NAME_BYTES (64u << 20)
#define JITMAP_NAME_MAX 1024 /* longer names are cut */

struct jitmap_entry {
	uint64_t start, size;
	uint64_t seq;     /* order of appearance: the larger wins */
	const char *name; /* allocator string */
};

struct jitmap {
	struct elfsym_allocator a;
	char path[64];
	uint64_t offset;  /* bytes of the file consumed */
	uint64_t seq;
	struct jitmap_entry *v; /* sorted by start, one per start */
	size_t n, cap;
	size_t name_bytes;
	uint64_t skipped; /* lines dropped: malformed or over the bounds */
	bool skip_to_nl;  /* inside a line too long to keep */
	bool sorted;
};

/* Context: any. Sets up an empty map for pid's file /tmp/perf-PID.map. */
void jitmap_init(struct jitmap *j, int pid, const struct elfsym_allocator *a);

/* Context: any. Follows another file (a forked child's own pid): keeps
 * the entries (inherited code is at the same addresses), reads the new file
 * from its start. */
void jitmap_set_pid(struct jitmap *j, int pid);

/* Context: owner. Reads what was appended to the file since the last call.
 * The file is used only when it is a regular file owned by this process's
 * user (never following a symlink). Returns the number of new entries, or
 * a negative errno (-ENOENT: no file, not an error for the caller). */
long jitmap_update(struct jitmap *j);

/* Context: owner. Parses text (whole lines) as if appended to the file.
 * Returns the number of entries added. For tests and jitmap_update. */
long jitmap_feed(struct jitmap *j, const char *text, size_t len);

/* Context: owner. The entry whose [start, start + size) contains addr (the
 * latest one when entries overlap), or NULL. */
const struct jitmap_entry *jitmap_lookup(struct jitmap *j, uint64_t addr);

/* Context: owner. Frees every entry. */
void jitmap_free(struct jitmap *j);

#endif
