/*
 * export.h: the call tree the exporters draw (folded stacks, the SVG flame
 * graph, Chrome's .heapprofile), and the exporters' entry points.
 *
 * Owns how stacks of one or two snapshots become one tree: a node per
 * distinct path of frame labels from the outermost caller down to the
 * call site, each frame labelled as fmt_frame() prints it ("leak
 * (demo.c:42)", "libx.so+0x1a2b"), so paths match across runs of one
 * program exactly as heapdiff's sites do. Main thread only.
 * Invariants: (1) node 0 is the root (no frame); a node's parent has a
 * smaller index; (2) labels never contain ';', a newline or another
 * control character (folded stacks split on them); (3) weights are never
 * negative: growth is new minus old clamped at 0 per node ("retained
 * growth"), live is the newer snapshot's live bytes; (4) a stack sampled
 * under a request label (heapsnap_set_label) hangs under a root frame
 * "[label:NAME]", so the folded stacks, the flame graph and the
 * .heapprofile group by label; unlabelled stacks start at their own
 * outermost frame, as in a file without labels.
 */
#ifndef HEAPSNAP_TOOLS_EXPORT_H
#define HEAPSNAP_TOOLS_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct snapread;

enum export_mode {
	EXPORT_GROWTH,  /* new - old live bytes, positive part per node */
	EXPORT_LIVE,    /* live bytes of the newer snapshot */
};

struct export_node {
	uint32_t parent;          /* UINT32_MAX for the root */
	uint32_t first_child, next_sibling; /* UINT32_MAX: none */
	uint32_t depth;           /* 0 for the root */
	char *label;              /* NULL for the root */
	char *function, *file;    /* NULL: unknown */
	int64_t line;             /* 0: unknown */
	int64_t old_bytes, old_count, new_bytes, new_count; /* self: stacks ending here */
	/* export_tree_weigh(): */
	int64_t w_self, w_total;  /* bytes shown, >= 0 */
	int64_t c_self, c_total;  /* counts (growth: count delta of the same stacks) */
};

struct export_tree {
	struct export_node *node;
	size_t len, cap;
	uint32_t *hash;           /* open addressing on (parent, label) */
	size_t hcap;
};

/* Context: main thread. Builds the tree of new (and of old when not NULL).
 * Returns 0, or -1 after msgs_error() when a snapshot cannot be read. */
int export_tree_build(struct export_tree *t, struct snapread *old, struct snapread *new);

/* Context: any. Fills w_* and c_* for mode (invariant 3). */
void export_tree_weigh(struct export_tree *t, enum export_mode mode);

void export_tree_free(struct export_tree *t);

/* Collapsed stacks "root;caller;site BYTES\n", one line per node with a
 * self weight, outermost frame first, in tree order. Returns 0 or -1. */
int export_folded(FILE *out, struct snapread *old, struct snapread *new,
		  enum export_mode mode);

/* Self-contained interactive SVG flame graph written to path. Returns 0
 * or -1 after msgs_error(). */
int export_svg(const char *path, struct snapread *old, struct snapread *new,
	       enum export_mode mode, const char *title);

/* Gzipped pprof profile.proto of new; with old, of new minus old (pprof
 * keeps negative values). Returns 0 or -1 after msgs_error(). */
int export_pprof(const char *path, struct snapread *old, struct snapread *new);

/* Chrome DevTools sampling heap profile (JSON) of new's live bytes, or of
 * the growth since old. Returns 0 or -1 after msgs_error(). */
int export_heapprofile(const char *path, struct snapread *old, struct snapread *new);

#endif
