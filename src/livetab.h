/*
 * livetab.h: shadow table of live sampled allocations.
 *
 * Owns address -> {size, weight, stack, time, thread} for every sampled
 * allocation not yet freed. free() of an unsampled pointer (nearly all of
 * them) must cost one filter probe that misses, with no lock. The filter is
 * 2^livetab_lg_buckets bits (2^lg / 8 bytes, 16 KiB at the default rate; a
 * byte per bit, 128 KiB, missed in cache: doc/performance.md), fixed at
 * start-up; the bucket array behind it grows with the live set (livetab.c).
 * An address's hash picks one bit, set while any live entry picks it,
 * changed only under the entry's stripe lock, read lock-free. A free of p
 * cannot race with the insert of p (p is returned to the application only
 * after the insert completes), so a clear bit proves p is not in the table;
 * a set bit for an unsampled p (a false positive) costs a locked chain walk,
 * with probability about (live entries) / 2^livetab_lg_buckets.
 * Entries marked `own` are blocks the tracker made the real allocator hand
 * out for itself (libunwind's per-thread TLS): they are in the table only
 * so that their free is recognised and kept out of the exact totals;
 * livetab_copy leaves them out of snapshots.
 * Context: insert/remove on app threads (remove may run in any state of the
 * thread, even while it exits); copy on the writer.
 */
#ifndef HEAPSNAP_LIVETAB_H
#define HEAPSNAP_LIVETAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct stacktab_entry;

struct livetab_entry {
	struct livetab_entry *chain; /* bucket chain, under the stripe lock */
	uintptr_t addr;
	size_t size;                 /* requested bytes */
	uint64_t count_fx;           /* weight: allocations, SAMPLER_FX units */
	uint64_t bytes;              /* weight: bytes */
	struct stacktab_entry *stack;
	double time;                 /* seconds since the tracker started */
	pid_t tid;
	bool own;                    /* the tracker's block, not the program's */
};

/* Context: start-up. lg_buckets: log2 of the filter's bytes; the bucket
 * array starts at 2^12 heads and doubles with the live set, up to 4x the
 * filter. 0 or -errno. */
int livetab_init(unsigned lg_buckets);

/* Context: app threads: the sampled path (guard held) and realloc's
 * failure path, which puts a sample back (guard not held: nothing here calls
 * the application's allocator). Takes one stripe lock if it is free, else
 * queues the entry (livetab.c: "The queues") and returns without waiting;
 * allocates from the tracker arena only. Copies *tmpl. 0 or -ENOMEM. */
int livetab_insert(const struct livetab_entry *tmpl);
/* The same for a sample of the program's (own false), its fields given
 * one by one: no template to build and copy. */
int livetab_insert_sample(uintptr_t addr, size_t size, uint64_t count_fx, uint64_t bytes,
			  struct stacktab_entry *stack, pid_t tid, double time);

/* Context: any thread, inside free/realloc hooks. Lock-free when addr is not
 * in the table (one filter probe). On a hit, removes the entry, copies it to
 * *out and returns true. Never allocates (frees to the tracker arena). */
static inline bool livetab_remove(uintptr_t addr, struct livetab_entry *out);

/* Context: start-up (core), or a test, before any hook can queue. What a
 * free queued by livetab_remove_or_queue becomes once whoever holds its
 * stripe next drains it: account runs with the stripe lock held (no lock,
 * no allocation: atomics and the caller's own counters), with the entry
 * that was removed (NULL: the block was not in the table, a false positive
 * of the filter) and the block's usable size; release runs after the lock
 * is given back and hands the block to the real free. Until they are set,
 * nothing is queued: a free that finds its stripe taken waits for it. */
void livetab_set_queued_free(void (*account)(const struct livetab_entry *e, size_t usable),
			     void (*release)(void *blk));

enum livetab_removal {
	LIVETAB_ABSENT,  /* addr is not in the table: the caller frees the block */
	LIVETAB_REMOVED, /* the entry is in *out: the caller accounts and frees */
	LIVETAB_QUEUED,  /* the stripe was taken: the block is queued, and the
			  * stripe's holder accounts for it and frees it (the
			  * caller must do neither) */
};

/* Context: any thread, inside a free hook, after livetab_maybe_contains said
 * yes; the block at addr (usable bytes) is the caller's to free. Never waits
 * for a stripe another thread holds (when the queue is set up and the block
 * has room for two words). Never allocates. */
enum livetab_removal livetab_remove_or_queue(uintptr_t addr, size_t usable, struct livetab_entry *out);

/* Context: any thread. Inserts and frees queued so far (each found its
 * stripe taken and did not wait). */
uint64_t livetab_queued(void);

/* Context: tests only, in a build with LIVETAB_TEST_HOOKS defined (the unit
 * test's: the preload has no such test on its path). While busy, every
 * insert and livetab_remove_or_queue finds its stripe taken (and queues);
 * whoever takes a stripe by waiting (livetab_copy, livetab_remove, ...)
 * drains it. */
void livetab_test_busy(bool busy);

/* Context: any thread, inside realloc. Takes the entry of addr out of the
 * table (lock-free miss, as livetab_remove) and hands it to the caller, who
 * then either puts it back with livetab_relink (which cannot fail: nothing
 * is allocated) or drops it with livetab_discard (a spare again; keeps
 * errno). NULL when
 * addr is not in the table. */
struct livetab_entry *livetab_unlink(uintptr_t addr);
void livetab_relink(struct livetab_entry *e);
void livetab_discard(struct livetab_entry *e);

/* Context: writer. Copies every entry but the `own` ones into a new arena array (*out, *n);
 * takes stripe locks one at a time and never allocates with one held (a hook
 * waiting for the stripe would wait for the arena). 0 or -ENOMEM. Caller
 * arena_free()s. */
int livetab_copy(struct livetab_entry **out, size_t *n);

/* Context: tests only (before livetab_copy, same thread). The copy's first
 * capacity, as if the table had grown that much since it was counted; 0:
 * from the count (the default). */
void livetab_test_copy_cap(size_t cap);

/* Context: tests only. livetab_copy calls fn, with no lock held, between
 * two runs of buckets of one stripe; NULL: nothing (the default). */
void livetab_test_between_runs(void (*fn)(void));

/* Context: any thread. Entries in the table. */
size_t livetab_count(void);

/* Context: fork handlers of the forking thread. */
void livetab_prefork(void);
void livetab_postfork_parent(void);
void livetab_postfork_child(void);

/* ---- inline fast path ---- */
extern uint8_t *livetab_filter __attribute__((visibility("hidden")));   /* 2^livetab_lg_buckets bits */
extern unsigned livetab_lg_buckets __attribute__((visibility("hidden"))); /* log2 of the filter's bits */
extern unsigned livetab_filter_shift __attribute__((visibility("hidden"))); /* 64 - livetab_lg_buckets */
/* Context: any thread, after livetab_maybe_contains said yes. */
bool livetab_remove_slow(uintptr_t addr, struct livetab_entry *out);

static inline uint64_t livetab_hash(uintptr_t addr)
{
	return (uint64_t)(addr >> 4) * 0x9e3779b97f4a7c15ull;
}

/* Context: any thread. Lock-free, never allocates. False proves addr is not
 * in the table; true means it may be. */
static inline bool livetab_maybe_contains(uintptr_t addr)
{
	uint64_t b = livetab_hash(addr) >> livetab_filter_shift; /* the filter bit */
	return (__atomic_load_n(&livetab_filter[b >> 3], __ATOMIC_ACQUIRE) >> (b & 7)) & 1;
}

static inline bool livetab_remove(uintptr_t addr, struct livetab_entry *out)
{
	if (__builtin_expect(!livetab_maybe_contains(addr), 1))
		return false;
	return livetab_remove_slow(addr, out);
}

#endif
