/*
 * rank.h: growth ranking of allocation sites between two snapshots.
 *
 * Owns the grouping rule and the sort order behind heapdiff's table and
 * heapsnap info's top sites. Pure: no I/O, no SQLite, no global state; called
 * from the tools' main thread with arrays the caller owns (snapread fills
 * them, unit tests build them by hand).
 * Invariants: (1) sites group by call-site frame identity, never by stack id:
 * (module basename, function, file, line) when the function is known, else
 * (module basename, offset), so groups match across runs of one program;
 * (2) the order is total and deterministic: bytes_delta descending, then
 * count_delta descending, then new_bytes descending, then the key;
 * (3) groups point into the caller's key strings and never copy them.
 */
#ifndef HEAPSNAP_TOOLS_RANK_H
#define HEAPSNAP_TOOLS_RANK_H

#include <stddef.h>
#include <stdint.h>

/* Identity of a call-site frame. Strings may be NULL (unknown). */
struct rank_key {
	const char *module;   /* basename of the module path */
	const char *function; /* NULL: unsymbolized, then offset identifies it */
	const char *file;
	int64_t line;         /* 0 or less: unknown */
	uint64_t offset;      /* address - module load address (absolute address
	                         when the module is unknown) */
};

/* One stack's live totals in one snapshot (a row of the sites table). */
struct rank_site {
	struct rank_key key;  /* its call site */
	int64_t stack_id;
	int64_t bytes;        /* live_bytes */
	int64_t count;        /* live_count */
};

enum rank_side { RANK_OLD, RANK_NEW };

/* Flags for rank_groups(). */
enum rank_flags {
	/* Both snapshots come from one process, so equal stack ids mean equal
	 * stacks and the representative stack is the one that grew most. */
	RANK_SAME_PROCESS = 1,
};

struct rank_group {
	struct rank_key key;
	int64_t old_bytes, new_bytes, old_count, new_count; /* sums over stacks */
	int64_t bytes_delta, count_delta;                   /* new - old */
	size_t old_stacks, new_stacks;  /* stacks summed on each side */
	/* The stack to show for this group: in the new snapshot, the stack that
	 * grew most (RANK_SAME_PROCESS) or holds most live bytes (otherwise);
	 * a stack of the old snapshot only when the site vanished. */
	enum rank_side rep_side;
	int64_t rep_stack_id;
};

/* Context: main thread. Allocates *out (free() it).
 * Groups old[] and new[] by call site and sorts the groups (rank_sort).
 * Sites present on one side only get zero on the other. Returns 0, or
 * -ENOMEM (then *out is NULL and *nout 0). */
int rank_groups(const struct rank_site *old, size_t nold,
		const struct rank_site *new, size_t nnew, unsigned flags,
		struct rank_group **out, size_t *nout);

/* Context: any. Sorts by bytes_delta desc, count_delta desc, new_bytes
 * desc, then key (invariant 2). */
void rank_sort(struct rank_group *g, size_t n);

/* Context: any. <0, 0, >0 like strcmp: the total order on keys; 0 exactly
 * when the two keys name the same call site (invariant 1). */
int rank_key_cmp(const struct rank_key *a, const struct rank_key *b);

#endif
