/*
 * series.h: the live bytes of every group (site, function, file, module or
 * stack) at every snapshot of a series, for heapdiff's trend report.
 *
 * Owns the table that merges one snapshot's rows after another into groups
 * by a key string the caller builds (heapdiff.c decides what --by means),
 * and each group's representative stack. Pure: no I/O, no SQLite, no
 * globals; main thread of the tools.
 * Invariants: (1) memory is one group per distinct key plus, per group, one
 * int64 per snapshot: the caller can free each snapshot's rows once added,
 * so the series never holds more than one snapshot's rows; (2) keys and
 * labels are copied, never borrowed; (3) a group absent from a snapshot has
 * 0 bytes there; (4) the representative is the stack with most live bytes
 * in the last snapshot where the group appears (ties: lowest stack id).
 */
#ifndef HEAPSNAP_TOOLS_SERIES_H
#define HEAPSNAP_TOOLS_SERIES_H

#include <stddef.h>
#include <stdint.h>

struct series_group {
	char *key;             /* the caller's key, copied */
	char *label;           /* text shown for the group, copied */
	int64_t *bytes;        /* [nsnap] live bytes, summed over its stacks */
	int64_t first_count, final_count;   /* live allocations at 0 and n-1 */
	size_t stacks;         /* stacks summed in the last snapshot it is in */
	size_t rep_snap;       /* invariant 4 */
	int64_t rep_stack_id, rep_bytes;
};

struct series {
	size_t nsnap;
	struct series_group *groups;
	size_t ngroups, cap;
	size_t *slots;         /* open addressing: group index + 1, 0 = empty */
	size_t nslots;
};

/* Context: main thread. Returns 0 or -ENOMEM. */
int series_init(struct series *s, size_t nsnap);

/* Context: main thread. Adds one row of snapshot snap (rows of a snapshot
 * are added before those of the next) to the group of key, creating it
 * with label when new. Returns 0 or -ENOMEM. */
int series_add(struct series *s, size_t snap, const char *key, const char *label,
	       int64_t stack_id, int64_t bytes, int64_t count);

/* Context: main thread. Like series_add for a row that sums `stacks`
 * stacks of snapshot snap (snapread_site_sums): the group's representative
 * is then unknown (rep_stack_id -1) until series_offer_rep gives it, for
 * the groups whose rep_snap is a snapshot read again row by row. Returns 0
 * or -ENOMEM. */
int series_add_sum(struct series *s, size_t snap, const char *key, const char *label,
		   int64_t bytes, int64_t count, size_t stacks);

/* Context: main thread. Offers stack_id (bytes live in snapshot snap) as
 * the representative of key's group: taken when snap is the group's
 * rep_snap and the stack beats the current one (invariant 4). */
void series_offer_rep(struct series *s, size_t snap, const char *key, int64_t stack_id,
		      int64_t bytes);

/* Context: main thread. Frees everything; s may be zeroed. */
void series_free(struct series *s);

#endif
