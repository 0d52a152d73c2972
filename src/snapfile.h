/*
 * snapfile.h: the encoding of one snapshot file (schema version 3).
 *
 * Owns turning a copy of the shadow tables into a SQLite file: the schema
 * (schema.sql), the meta rows (totals, process facts, options), the module
 * list, the locations and frames the stacks reference, the call-site trie
 * (as runs of nodes), the stacks with their call site, the sites and the
 * sampled allocations.
 * It does not name addresses: the caller's locate() does (the writer's
 * location cache, filled by symbolize.c), and it does not choose the file's
 * name or move it into place (writer.c).
 * Context: writer thread, guard held, snapshot lock taken. Memory (SQLite's
 * and the trie pass's) from the tracker arena. The file must exist already,
 * created empty by the caller; it is opened without following symlinks.
 */
#ifndef HEAPSNAP_SNAPFILE_H
#define HEAPSNAP_SNAPFILE_H

#include "livetab.h"
#include "modmap.h"
#include "options.h"
#include "stacktab.h"
#include "symbolize.h"
#include "tstate.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One frame of a location (inline level), innermost first. */
struct snapfile_frame {
	const char *function; /* demangled; NULL: unknown */
	const char *file;     /* NULL: unknown */
	int line;             /* 0: unknown */
	bool is_allocator;    /* allocator entry point or wrapper: never the call site */
};

/* A return address in one module instance, as the files name it; owned by
 * the caller's cache and kept across snapshots. written_gen is snapfile's:
 * the generation of the last file that holds the location's rows. */
struct snapfile_location {
	uintptr_t addr;
	/* the dlclose'd module (modmap.h's remembered entry) the address was
	 * code of when its stacks ran; NULL: the module mapped there now */
	const struct modmap_module *unloaded;
	uint32_t id;          /* > 0, unique in the process, stable across files */
	uint32_t written_gen;
	const char *symbol;   /* raw name; NULL: none */
	enum symbolize_resolution resolution;
	bool jit;
	unsigned nframes;     /* >= 1 */
	const struct snapfile_frame *frames;
};

/* Returns the location of addr in a stack interned at module epoch epoch
 * (stacktab.h), or NULL when it cannot be had (memory). Two stacks' equal
 * addresses are one location when they lie in the same module instance. */
typedef struct snapfile_location *(*snapfile_locate_fn)(uintptr_t addr, uint32_t epoch, void *ctx);

/* One more meta row, from the caller (triggers.h: limits hit, window). */
enum snapfile_meta_type { SNAPFILE_META_INT, SNAPFILE_META_REAL, SNAPFILE_META_TEXT };
struct snapfile_meta {
	const char *key;
	enum snapfile_meta_type type;
	int64_t i;
	double r;
	const char *text;
};

struct snapfile_input {
	struct tstate_totals totals;
	const struct livetab_entry *allocs;
	size_t nallocs;
	struct stacktab_entry *const *stacks;
	size_t nstacks;
	const struct modmap *mods;
	const char *trigger, *label; /* label may be NULL */
	unsigned seq;
	uint32_t generation;         /* > 0, new for every file */
	const struct options *opt;
	const char *options_text;
	double start_real, uptime;
	double begun;                /* CLOCK_MONOTONIC seconds when the snapshot began (its copy) */
	double begun_cpu;            /* the calling thread's CPU seconds then */
	double tracker_cpu;          /* CPU seconds of the writer and control threads */
	bool glibc_malloc;           /* the real allocator is glibc's: mallinfo2 may be asked */
	snapfile_locate_fn locate;
	void *locate_ctx;
	const struct snapfile_meta *extra; /* nextra more meta rows, written last */
	size_t nextra;
};

/* Context: writer, guard held. Fills the empty file at path. 0, -ENOMEM,
 * -ENOSPC or another -errno (the file is then incomplete: the caller
 * removes it). */
int snapfile_write(const struct snapfile_input *in, const char *path);

/* Context: start-up. Points SQLite's memory at the tracker arena and
 * initialises it. 0 or -errno. */
int snapfile_init(void);

#endif
