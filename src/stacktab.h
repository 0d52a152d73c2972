/*
 * stacktab.h: stack interning and per-stack (site) counters.
 *
 * Owns every distinct (stack, label) pair seen by the sampler, stored once,
 * with its estimated allocation and free totals: the same frames sampled
 * under two request labels (labels.h) are two entries, so that every site
 * total is per label too and an allocation's label is its entry's. Entries are immutable after
 * insertion (except the counters, updated with atomics) and never freed while
 * the process lives, so pointers to them stay valid without locks.
 * All entries are also on an append-only list that the writer walks without
 * locks (published with a release store).
 * Module epochs: an entry names its frames after the modules mapped at its
 * epoch (modmap.h). The epoch is not hashed: the same addresses interned
 * later are the same entry as long as no dlclose since the entry's epoch
 * unmapped a module one of its frames lies in (checked once per dlclose and
 * entry, then cached in `checked`); when one did, the addresses may be
 * another module's code now (a plugin loaded where a closed one was, with
 * the same layout) and a new entry, of the current epoch, is made. So
 * stacks captured before and after such a reuse are never merged, and a
 * program that opens and closes plugins elsewhere keeps its entries.
 * Context: stacktab_intern on app threads in the sampled path (guard held);
 * stacktab_first/next on the writer. Memory from the tracker arena.
 */
#ifndef HEAPSNAP_STACKTAB_H
#define HEAPSNAP_STACKTAB_H

#include <stdbool.h>
#include <stdint.h>

struct stacktab_entry {
	struct stacktab_entry *chain; /* bucket chain: set once, before the entry is published */
	struct stacktab_entry *all;   /* append-only list of all entries */
	uint64_t hash;
	uint32_t id;                  /* 1, 2, 3... in order of first sight */
	uint16_t nframes;
	uint8_t truncated;
	uint16_t label;               /* labels.h id; 0: no label */
	uint32_t epoch;               /* module epoch (modmap.h) when first interned */
	uint32_t checked;             /* atomic: no module its frames lie in was unloaded in
				       * (epoch, checked]: the entry still stands for its frames */
	/* Estimated totals; counts in SAMPLER_FX units. Atomic updates. */
	uint64_t alloc_count_fx, alloc_bytes, free_count_fx, free_bytes;
	uintptr_t frames[];
};

/* Context: start-up. Returns 0 or a negative errno. */
int stacktab_init(void);

/* The stack hash, taken from the outermost frame in (so that stacks that
 * share their outer part share the hash of that part: the cfi walk's memo
 * keeps it for each of its frames). STACKTAB_HASH_SEED, then one step for
 * each frame from the last to the first; stacktab_intern_hashed finishes it. */
#define STACKTAB_HASH_SEED 0xcbf29ce484222325ull
static inline uint64_t stacktab_hash_step(uint64_t h, uintptr_t frame)
{
	return (h ^ frame) * 0x9e3779b97f4a7c15ull; /* a strong odd constant carries every bit upwards */
}

/* Context: as stacktab_intern. `partial`: the hash steps of all n frames
 * from STACKTAB_HASH_SEED (stacktab_intern takes them itself). */
struct stacktab_entry *stacktab_intern_hashed(const uintptr_t *frames, unsigned n, bool truncated, uint16_t label,
					      uint64_t partial);

/* Context: app threads, sampled path, guard held. Lock-free for a stack
 * already in the table; takes one stripe lock to insert a new one.
 * Allocates from the tracker arena; NULL when it cannot. */
struct stacktab_entry *stacktab_intern(const uintptr_t *frames, unsigned n, bool truncated,
				       uint16_t label);

/* Context: any thread. Never allocates. Lock-free. Whether e is the entry
 * of (frames, n, truncated, label) at the current module epoch: a caller
 * that kept an entry (the thread's last stack, core.c) checks it before a
 * full intern. */
bool stacktab_matches(const struct stacktab_entry *e, const uintptr_t *frames, unsigned n, bool truncated,
		      uint16_t label);

/* Context: as stacktab_matches. The same, for a caller that knows e's
 * frames [k, n) to be frames[k, n) already (core.c's cache of joins): only
 * the first k are compared. */
bool stacktab_matches_inner(const struct stacktab_entry *e, const uintptr_t *frames, unsigned k, unsigned n,
			    bool truncated, uint16_t label);

/* Context: any thread. Never allocates. Lock-free (two relaxed atomic adds). */
static inline void stacktab_account_alloc(struct stacktab_entry *e, uint64_t count_fx, uint64_t bytes)
{
	__atomic_add_fetch(&e->alloc_count_fx, count_fx, __ATOMIC_RELAXED);
	__atomic_add_fetch(&e->alloc_bytes, bytes, __ATOMIC_RELAXED);
}

static inline void stacktab_account_free(struct stacktab_entry *e, uint64_t count_fx, uint64_t bytes)
{
	__atomic_add_fetch(&e->free_count_fx, count_fx, __ATOMIC_RELAXED);
	__atomic_add_fetch(&e->free_bytes, bytes, __ATOMIC_RELAXED);
}

/* Context: any thread. Never allocates. Lock-free walk of all entries,
 * newest first; entries added during the walk may or may not be seen. */
struct stacktab_entry *stacktab_first(void);
static inline struct stacktab_entry *stacktab_next(struct stacktab_entry *e) { return e->all; }

/* Context: any thread. Number of distinct stacks. */
uint32_t stacktab_count(void);

/* Context: fork handlers of the forking thread. */
void stacktab_prefork(void);
void stacktab_postfork_parent(void);
void stacktab_postfork_child(void);

#endif
