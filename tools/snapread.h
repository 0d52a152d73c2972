/*
 * snapread.h: open and read heapsnap snapshot files, shared by both tools.
 *
 * Owns everything the tools know about the snapshot schema (src/schema.sql):
 * which tables prove a file is a snapshot, which schema_versions are read
 * (1, 2 and 3: every version this project has written), and the queries for
 * meta, sites (with their request label when the file has labels) and
 * stack frames, and the in-memory call-site trie that --by stack and the
 * exports walk instead of a query per stack. Main thread only.
 * Invariants: (1) files are opened read-only (SQLITE_OPEN_READONLY and a
 * mode=ro URI) with defensive settings, and never modified; (2) a file is
 * accepted only with a meta table, an integer schema_version no newer than
 * SNAPREAD_SCHEMA_VERSION and the tables the queries read; (3) every failure
 * is reported once through msgs_error() as "cannot open 'PATH': WHY" and
 * returned as -1, so callers only choose the exit code.
 */
#ifndef HEAPSNAP_TOOLS_SNAPREAD_H
#define HEAPSNAP_TOOLS_SNAPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Newest snapshot schema these tools understand. */
#define SNAPREAD_SCHEMA_VERSION 3

enum snapread_type { SNAPREAD_NULL, SNAPREAD_INT, SNAPREAD_REAL, SNAPREAD_TEXT };

/* One meta row, typed as SQLite stored it (BLOB values read as NULL). */
struct snapread_kv {
	char *key;
	enum snapread_type type;
	int64_t i;
	double r;
	char *s;
};

/* A frame of a stack, as in v_stack_frames plus frames.offset. */
struct snapread_frame {
	int64_t depth;        /* 0 = call site, > 0 callers, < 0 allocator */
	char *function;       /* NULL: unknown */
	char *file;           /* NULL: unknown */
	int64_t line;         /* 0: unknown */
	char *module;         /* full path; NULL: unknown */
	const char *module_base; /* basename of module, or NULL */
	bool has_offset;
	uint64_t offset;      /* address - module load address */
	uint64_t address;     /* absolute return address in the process */
	bool jit;             /* in anonymous executable memory (v2 locations.jit) */
};

/* A sites row with its call-site frame. */
struct snapread_site {
	int64_t stack_id;
	int64_t live_bytes, live_count;
	struct snapread_frame site;   /* depth 0 frame; all NULL when missing */
	char *label;                  /* heapsnap_set_label's; NULL: none, or a file without labels */
	int64_t stacks;               /* sites rows in this row: 1, or a snapread_site_sums count */
};

struct snapread {
	char *path;
	void *db;                     /* sqlite3 *, opaque to callers */
	void *file_db;                /* the file's own connection while db is
				       * linefill's in-memory copy, else NULL */
	struct snapread_kv *meta;     /* sorted by key */
	size_t nmeta;
	int64_t schema_version;
	bool has_labels;              /* a labels table (and stacks.label_id) */
	struct snapread_trie *trie;   /* v2, v3: the call-site trie of db, read once
				       * (snapread_stack_refs); NULL: not read */
};

/* Context: main thread. Opens PATH and checks it is a snapshot (invariant
 * 2), reading meta. Returns 0 with *out set, or -1 after msgs_error(). */
int snapread_open(const char *path, struct snapread **out);

/* Context: main thread. NULL is a no-op. */
void snapread_close(struct snapread *s);

/* Context: main thread. Meta lookups; NULL / dflt when absent or mistyped.
 * snapread_meta_int accepts INTEGER values and integral REALs;
 * snapread_meta_real accepts INTEGER and REAL. */
const struct snapread_kv *snapread_meta(const struct snapread *s, const char *key);
int64_t snapread_meta_int(const struct snapread *s, const char *key, int64_t dflt);
double snapread_meta_real(const struct snapread *s, const char *key, double dflt);
const char *snapread_meta_text(const struct snapread *s, const char *key);

/* Context: main thread. Every sites row with its call-site frame. Returns
 * 0 with *out (free with snapread_sites_free) or -1 after msgs_error(). */
int snapread_sites(struct snapread *s, struct snapread_site **out, size_t *n);
void snapread_sites_free(struct snapread_site *v, size_t n);

/* Context: main thread. The sites rows summed by call-site frame (and
 * label): one row per distinct (call-site location, inline level, label),
 * aggregated by SQLite, so a snapshot of 20k stacks on a few sites gives a
 * few rows. live_bytes and live_count are sums, stacks the rows summed,
 * stack_id is -1. Several rows may still name the same site (two return
 * addresses on one line): callers merge by their own key. Returns 0 with
 * *out (free with snapread_sites_free) or -1 after msgs_error(). */
int snapread_site_sums(struct snapread *s, struct snapread_site **out, size_t *n);

/* Context: main thread. Frames of one stack with depth >= 0 (call site
 * first, then callers). Returns 0 or -1 after msgs_error(). */
int snapread_frames(struct snapread *s, int64_t stack_id,
		    struct snapread_frame **out, size_t *n);
void snapread_frames_free(struct snapread_frame *v, size_t n);

/* Context: main thread. The frames of one stack with depth >= 0, exactly as
 * snapread_frames gives them, without a query per stack: the first call
 * reads the file's call-site trie once (stacks, callsites, and every
 * location's frames: four queries, five for version 3) into arrays, and
 * each stack is a walk up them in C, bounded like the query's. *refs[k] indexes the frames of
 * snapread_trie_frames(); both are borrowed: valid until
 * snapread_trie_drop(), a change of s->db (linefill drops it) or
 * snapread_close(), and *refs only until the next call. The indexes are
 * stable while the trie is held, so callers may memoize per frame row.
 * Returns 0; 1 for a version 1 file (no trie: use snapread_frames); -1
 * after msgs_error(). */
int snapread_stack_refs(struct snapread *s, int64_t stack_id, const uint32_t **refs, size_t *n);
const struct snapread_frame *snapread_trie_frames(const struct snapread *s);

/* Context: any. Parses a version 3 callsites.location_ids (text p, NULL:
 * not text): a JSON array of one or more integers, whitespace allowed.
 * Appends them to *out (*len of *cap elements, grown with msgs_xrealloc).
 * Returns 0, or -1 with *why the cause, worded to follow "location_ids"
 * ("is empty", "is not a JSON array"...). */
int snapread_parse_location_ids(const unsigned char *p, int64_t **out, size_t *len, size_t *cap,
				const char **why);

/* Context: main thread. Frees the trie read by snapread_stack_refs (a
 * series drops it with each file); NULL trie is a no-op. */
void snapread_trie_drop(struct snapread *s);

/* A stack with all its totals and frames, for the exporters
 * (snapread_profile). */
struct snapread_pstack {
	int64_t stack_id;
	int64_t live_bytes, live_count, alloc_bytes, alloc_count;
	struct snapread_frame *frames; /* depth >= 0: call site first, then callers */
	size_t nframes;
	/* loc[i]: index of frames[i]'s return address in the stack (0 = the
	 * call site's); frames with the same loc are inline levels of one
	 * address, innermost first. */
	uint32_t *loc;
	char *label;          /* heapsnap_set_label's; NULL: none, or a file without labels */
	bool borrowed;        /* frames' strings belong to the file's trie (v2):
			       * valid until snapread_trie_drop or snapread_close */
};

/* A modules row (snapread_modules). */
struct snapread_module {
	int64_t id;
	char *path;
	char *build_id;       /* NULL: none */
	uint64_t load_address;
	uint64_t size;        /* 0: unknown */
};

/* Context: main thread. Every sites row (stack_id order) with its totals
 * and frames, read in a few queries whatever the number of stacks (v2:
 * the sites rows, then the trie as snapread_stack_refs reads it, walked in
 * C, the frames' strings borrowed from the trie, which stays held until
 * snapread_close; v1: one query over stack_frames). Each walk
 * up the trie is bounded (4096 locations), so a corrupt file with a cycle
 * still ends. Returns 0 with *out (free with snapread_profile_free) or -1
 * after msgs_error(). */
int snapread_profile(struct snapread *s, struct snapread_pstack **out, size_t *n);
void snapread_profile_free(struct snapread_pstack *v, size_t n);

/* A label and the live bytes of the stacks carrying it (snapread_labels). */
struct snapread_label {
	char *name;
	int64_t live_bytes, live_count, stacks;
};

/* Context: main thread. Every label that a sites row carries, by live
 * bytes (largest first, then name); none for a file without labels.
 * Returns 0 with *out (free with snapread_labels_free) or -1 after
 * msgs_error(). */
int snapread_labels(struct snapread *s, struct snapread_label **out, size_t *n);
void snapread_labels_free(struct snapread_label *v, size_t n);

/* Context: main thread. Every modules row in id order. Returns 0 with
 * *out (free with snapread_modules_free) or -1 after msgs_error(). */
int snapread_modules(struct snapread *s, struct snapread_module **out, size_t *n);
void snapread_modules_free(struct snapread_module *v, size_t n);

/* Sorted ids[0..n): the index of id, or -1 (binary search). */
ssize_t snapread_id_find(const int64_t *ids, size_t n, int64_t id);

#endif
