/*
 * linefill.h: file:line and inlined frames for snapshot locations recorded
 * without them (schema 2 and newer: the host names functions only),
 * resolved by the tools with src/dwarfres.c from local debug files.
 *
 * Owns the tools' one resolver (its --debug-dir list) and the SQL that
 * rewrites a location's frames rows into its inline chain and recomputes
 * the stacks' call sites. Two users: `heapsnap symbolize` writes the result
 * into the file (linefill_db inside its transaction); heapdiff and heapsnap
 * info resolve in memory (linefill_snapread, the hook after snapread_open),
 * leaving the file byte for byte as it was. Main thread only.
 * Invariants: (1) only locations with resolution 'symbol' or 'unresolved'
 * and jit = 0 are touched; (2) a location gets resolution 'lines' exactly
 * when its frames rows were replaced by a chain whose innermost frame has a
 * file and line; (3) is_allocator and the stacks' site columns follow the
 * writer's rule: src/callsite.c with the file's own wrappers= patterns,
 * the innermost expanded frame that is not an allocator or wrapper.
 */
#ifndef HEAPSNAP_TOOLS_LINEFILL_H
#define HEAPSNAP_TOOLS_LINEFILL_H

#include <stddef.h>

struct snapread;

/* How one file's locations fared. */
struct linefill_stats {
	size_t candidates; /* locations without lines, not JIT */
	size_t resolved;   /* got lines */
	size_t without;    /* stayed without (candidates - resolved) */
};

/* Context: main thread, option parsing. Adds DIR to the directories
 * searched for debug files (see dwarfres.h). Returns 0, or -1 after
 * msgs_error() when DIR is not a directory. */
int linefill_add_debug_dir(const char *dir);

/* Context: main thread. Fills the lines of every location of db (an open,
 * writable sqlite3 *, schema 2 or newer) that lacks them, inside the caller's
 * transaction. path names the file in messages; modules without debug info
 * are listed on stderr when verbose. Returns 0 or -1 after msgs_error(). */
int linefill_db(void *db, const char *path, int verbose, struct linefill_stats *st);

/* Context: main thread, after snapread_open. For a schema 2 file with
 * locations lacking lines: replaces s->db by an in-memory copy (read-only
 * from then on) whose lines are filled, keeping the file's connection in
 * s->file_db; the file is not written. A no-op for schema 1, for files with
 * nothing to fill and for a file already filled. Returns 0 or -1 after
 * msgs_error(). */
int linefill_snapread(struct snapread *s);

/* Context: main thread. Drops the in-memory copy linefill_snapread made
 * (its memory is about the file's size) and goes back to the file's own
 * connection: a series holds one copy at a time. A no-op when s has none. */
void linefill_release(struct snapread *s);

/* Context: main thread. Closes the resolver (at exit). */
void linefill_done(void);

#endif
