/*
 * test_livetab.c: the live table: insert, remove, lookup misses, copy, and
 * concurrent threads inserting and removing their own addresses, and the
 * queues of a stripe that is taken (inserts and frees that do not wait).
 */
#include "arena.h"
#include "livetab.h"

#include "check_main.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>

static void setup(void)
{
	ck_assert_int_eq(arena_init(), 0);
	ck_assert_int_eq(livetab_init(14), 0);
}

static struct livetab_entry entry(uintptr_t addr, size_t size)
{
	struct livetab_entry e = {.addr = addr, .size = size, .count_fx = 1024, .bytes = size};
	return e;
}

START_TEST(livetab_insert_then_remove_returns_entry)
{
	struct livetab_entry e = entry(0x1000, 48), out;
	ck_assert_int_eq(livetab_insert(&e), 0);
	ck_assert_uint_eq(livetab_count(), 1);
	ck_assert(livetab_remove(0x1000, &out));
	ck_assert_uint_eq(out.size, 48);
	ck_assert_uint_eq(livetab_count(), 0);
	ck_assert(!livetab_remove(0x1000, &out));
}
END_TEST

START_TEST(livetab_miss_on_unknown_addresses)
{
	struct livetab_entry out;
	for (uintptr_t a = 0x10000; a < 0x20000; a += 16)
		ck_assert(!livetab_remove(a, &out));
	struct livetab_entry e = entry(0x5550, 1);
	livetab_insert(&e);
	for (uintptr_t a = 0x10000; a < 0x20000; a += 16)
		ck_assert(!livetab_remove(a, &out));
	ck_assert(livetab_remove(0x5550, &out));
}
END_TEST

START_TEST(livetab_colliding_addresses_kept_apart)
{
	/* far more entries than buckets: chains of several entries */
	const int n = 100000;
	for (int i = 0; i < n; i++) {
		struct livetab_entry e = entry(0x100000 + (uintptr_t)i * 16, (size_t)i);
		ck_assert_int_eq(livetab_insert(&e), 0);
	}
	ck_assert_uint_eq(livetab_count(), (size_t)n);
	struct livetab_entry *copy;
	size_t len;
	ck_assert_int_eq(livetab_copy(&copy, &len), 0);
	ck_assert_uint_eq(len, (size_t)n);
	unsigned long long sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += copy[i].size;
	ck_assert_uint_eq(sum, (unsigned long long)n * (n - 1) / 2);
	arena_free(copy);
	for (int i = n - 1; i >= 0; i -= 2) {
		struct livetab_entry out;
		ck_assert(livetab_remove(0x100000 + (uintptr_t)i * 16, &out));
		ck_assert_uint_eq(out.size, (size_t)i);
	}
	ck_assert_uint_eq(livetab_count(), (size_t)n / 2);
}
END_TEST

/* Two addresses whose hashes share bucket and so filter bit (the top
 * lg_buckets bits), found by search. */
static uintptr_t twin_of(uintptr_t a)
{
	unsigned shift = 64 - livetab_lg_buckets;
	for (uintptr_t c = a + 16;; c += 16)
		if ((livetab_hash(c) >> shift) == (livetab_hash(a) >> shift))
			return c;
}

START_TEST(livetab_filter_bit_shared_until_last_entry_leaves)
{
	uintptr_t a = 0x7f0000001000, b = twin_of(a);
	struct livetab_entry ea = entry(a, 1), eb = entry(b, 2), out;
	ck_assert(!livetab_maybe_contains(a));
	livetab_insert(&ea);
	livetab_insert(&eb);
	ck_assert(livetab_remove(a, &out));
	ck_assert_uint_eq(out.size, 1);
	ck_assert(livetab_maybe_contains(b)); /* b still live: its bit stays */
	ck_assert(!livetab_remove(a, &out));  /* a false positive now: walks, misses */
	ck_assert(livetab_remove(b, &out));
	ck_assert(!livetab_maybe_contains(a)); /* last one gone: bit cleared */
	ck_assert(!livetab_maybe_contains(b));
}
END_TEST

START_TEST(livetab_false_positives_are_rare)
{
	/* 250 live entries in 2^14 buckets, one bit each: ~1.5% of other
	 * addresses may probe positive */
	for (uintptr_t i = 0; i < 250; i++) {
		struct livetab_entry e = entry(0x10000000 + i * 4096 + 48, 64);
		livetab_insert(&e);
	}
	int positives = 0;
	const int probes = 100000;
	for (int i = 0; i < probes; i++)
		positives += livetab_maybe_contains(0x50000000 + (uintptr_t)i * 16);
	ck_assert_msg(positives < probes * 3 / 100, "%d false positives in %d probes", positives, probes);
	for (uintptr_t i = 0; i < 250; i++)
		ck_assert(livetab_maybe_contains(0x10000000 + i * 4096 + 48));
}
END_TEST

/* While one thread inserts enough entries to double the bucket array four
 * times (2^12 to 2^16 heads, its maximum over a 2^14-byte filter) and
 * removes them again, entries
 * that were there before are never missed by the lock-free probe, and all
 * are found and removed afterwards: growing never loses an entry. */
#define OLD 5000
#define FILL 200000

static int filler_done;

static void *filler(void *arg)
{
	(void)arg;
	for (uintptr_t i = 0; i < FILL; i++) {
		struct livetab_entry e = entry(0x400000000 + i * 48, 48);
		if (livetab_insert(&e) != 0)
			return (void *)1;
	}
	for (uintptr_t i = 0; i < FILL; i++) {
		struct livetab_entry out;
		if (!livetab_remove(0x400000000 + i * 48, &out) || out.size != 48)
			return (void *)2;
	}
	__atomic_store_n(&filler_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(livetab_grows_without_losing_entries)
{
	for (uintptr_t i = 0; i < OLD; i++) {
		struct livetab_entry e = entry(0x200000000 + i * 64, (size_t)i);
		ck_assert_int_eq(livetab_insert(&e), 0);
	}
	__atomic_store_n(&filler_done, 0, __ATOMIC_RELAXED);
	pthread_t th;
	pthread_create(&th, NULL, filler, NULL);
	long missed = 0, rounds = 0;
	do {
		for (uintptr_t i = 0; i < OLD; i++)
			missed += !livetab_maybe_contains(0x200000000 + i * 64);
		rounds++;
	} while (!__atomic_load_n(&filler_done, __ATOMIC_ACQUIRE) && rounds < 100000);
	void *rc;
	pthread_join(th, &rc);
	ck_assert_ptr_null(rc);
	ck_assert_int_eq(missed, 0);
	ck_assert_uint_eq(livetab_count(), OLD);
	struct livetab_entry *copy;
	size_t len;
	ck_assert_int_eq(livetab_copy(&copy, &len), 0);
	ck_assert_uint_eq(len, OLD);
	arena_free(copy);
	for (uintptr_t i = 0; i < OLD; i++) {
		struct livetab_entry out;
		ck_assert(livetab_remove(0x200000000 + i * 64, &out));
		ck_assert_uint_eq(out.size, (size_t)i);
	}
	ck_assert_uint_eq(livetab_count(), 0);
}
END_TEST

/* After growth past the filter's size, a filter bit shared by two entries
 * still stays until the last one leaves. */
START_TEST(livetab_filter_bit_shared_after_growth)
{
	for (uintptr_t i = 0; i < FILL; i++) {
		struct livetab_entry e = entry(0x400000000 + i * 48, 48);
		ck_assert_int_eq(livetab_insert(&e), 0);
	}
	uintptr_t a = 0x7f0000001000, b = twin_of(a);
	struct livetab_entry ea = entry(a, 1), eb = entry(b, 2), out;
	livetab_insert(&ea);
	livetab_insert(&eb);
	ck_assert(livetab_remove(a, &out));
	ck_assert(livetab_maybe_contains(b));
	ck_assert(livetab_remove(b, &out));
	ck_assert_uint_eq(out.size, 2);
	ck_assert_uint_eq(livetab_count(), FILL);
}
END_TEST

/* The writer's copy of a table that does not change while it copies is
 * one allocation, made before any stripe lock is taken: it used to grow by
 * doubling under the stripe it was copying (a realloc of megabytes at 100k
 * entries), and every hook that needed that stripe waited for it. With the
 * second allocation made to fail, the copy still succeeds. */
START_TEST(livetab_copy_allocates_once)
{
	const int n = 100000;
	for (int i = 0; i < n; i++) {
		struct livetab_entry e = entry(0x100000 + (uintptr_t)i * 16, 16);
		ck_assert_int_eq(livetab_insert(&e), 0);
	}
	struct livetab_entry *copy;
	size_t len;
	arena_fail_after(2);
	int rc = livetab_copy(&copy, &len);
	arena_fail_after(0);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(len, (size_t)n);
	arena_free(copy);
}
END_TEST

/* A copy sized too small (the table grew between the count and the
 * copy: forced here) grows between stripes and copies the stripe that did
 * not fit again: every entry is in it once. */
START_TEST(livetab_copy_outgrown_recopies_the_stripe)
{
	const uintptr_t n = 100000;
	for (uintptr_t i = 0; i < n; i++) {
		struct livetab_entry e = entry(0x200000000 + i * 64, (size_t)i);
		ck_assert_int_eq(livetab_insert(&e), 0);
	}
	unsigned char *seen = calloc(n, 1);
	ck_assert_ptr_nonnull(seen);
	struct livetab_entry *copy;
	size_t len;
	livetab_test_copy_cap(10);
	int rc = livetab_copy(&copy, &len);
	livetab_test_copy_cap(0);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(len, n);
	for (size_t i = 0; i < len; i++) {
		uintptr_t k = (copy[i].addr - 0x200000000) / 64;
		ck_assert_uint_lt(k, n);
		ck_assert_uint_eq(copy[i].size, k);
		ck_assert(!seen[k]);
		seen[k] = 1;
	}
	free(seen);
	arena_free(copy);
}
END_TEST

/* The writer copies a stripe in runs of buckets, taking the lock once a
 * run: when the table grows between two runs of one stripe (entries move
 * to other buckets), the stripe is copied again. Here the table is made to
 * grow right after the first run: the copy still holds every entry once
 * (without the second copy, entries of the first run were in it twice). */
#define MID 3000       /* 2^13 bucket heads: two runs a stripe */
#define GROW_FILL 40000 /* then 2^14, the most over a 2^14-bit filter */
static int grow_fired;

static void grow_between_runs(void)
{
	if (grow_fired++)
		return;
	for (uintptr_t i = 0; i < GROW_FILL; i++) {
		struct livetab_entry e = entry(0x400000000 + i * 48, 48);
		ck_assert_int_eq(livetab_insert(&e), 0);
	}
}

START_TEST(livetab_copy_in_runs_survives_growth)
{
	for (uintptr_t i = 0; i < MID; i++) {
		struct livetab_entry e = entry(0x200000000 + i * 64, (size_t)i);
		ck_assert_int_eq(livetab_insert(&e), 0);
	}
	unsigned char *seen = calloc(MID, 1), *seen_fill = calloc(GROW_FILL, 1);
	ck_assert_ptr_nonnull(seen);
	ck_assert_ptr_nonnull(seen_fill);
	struct livetab_entry *copy;
	size_t len, old = 0;
	grow_fired = 0;
	livetab_test_between_runs(grow_between_runs);
	int rc = livetab_copy(&copy, &len);
	livetab_test_between_runs(NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_gt(grow_fired, 0); /* a stripe took more than one run */
	for (size_t i = 0; i < len; i++) {
		uintptr_t a = copy[i].addr;
		unsigned char *mark;
		if (a >= 0x400000000) {
			ck_assert_uint_lt((a - 0x400000000) / 48, GROW_FILL);
			mark = &seen_fill[(a - 0x400000000) / 48];
		} else {
			uintptr_t k = (a - 0x200000000) / 64;
			ck_assert_uint_lt(k, MID);
			ck_assert_uint_eq(copy[i].size, k);
			mark = &seen[k];
			old++;
		}
		ck_assert_msg(!*mark, "entry %#lx copied twice", (unsigned long)a);
		*mark = 1;
	}
	ck_assert_uint_eq(old, MID);
	arena_free(copy);
	free(seen);
	free(seen_fill);
}
END_TEST

#define THREADS 4
#define PER_THREAD 50000

static void *worker(void *arg)
{
	uintptr_t base = 0x10000000 + (uintptr_t)arg * 0x1000000;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < PER_THREAD; i++) {
			struct livetab_entry e = entry(base + (uintptr_t)i * 32, 32);
			if (livetab_insert(&e) != 0)
				return (void *)1;
		}
		for (int i = 0; i < PER_THREAD; i++) {
			struct livetab_entry out;
			if (!livetab_remove(base + (uintptr_t)i * 32, &out) || out.addr != base + (uintptr_t)i * 32)
				return (void *)2;
			if (livetab_remove(base + (uintptr_t)i * 32, &out))
				return (void *)3;
		}
	}
	return NULL;
}

START_TEST(livetab_concurrent_threads_insert_and_remove)
{
	pthread_t th[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < THREADS; i++) {
		void *rc;
		pthread_join(th[i], &rc);
		ck_assert_ptr_null(rc);
	}
	ck_assert_uint_eq(livetab_count(), 0);
	ck_assert_uint_gt(arena_bytes(), 0); /* the tables themselves */
}
END_TEST

/* A stripe's entries come from slabs: after the first insert into a stripe,
 * the next ones into it take no arena call (one jemalloc call per sample
 * used to be most of the table's cost while the live set grew), shown by
 * making the next arena allocation fail. Entries removed are reused: a
 * second round of as many live entries takes (nearly) no new memory. */
static unsigned stripe_of_addr(uintptr_t a)
{
	return (unsigned)(livetab_hash(a) >> 58);
}

START_TEST(livetab_entries_come_from_slabs)
{
	uintptr_t first = 0x7000;
	ck_assert_int_eq(livetab_insert(&(struct livetab_entry){.addr = first, .size = 1}), 0);
	arena_fail_after(1);
	int more = 0;
	for (uintptr_t a = first + 16; more < 3; a += 16) {
		if (stripe_of_addr(a) != stripe_of_addr(first))
			continue;
		ck_assert_int_eq(livetab_insert(&(struct livetab_entry){.addr = a, .size = 1}), 0);
		more++;
	}
	arena_fail_after(0);
	ck_assert_uint_eq(livetab_count(), 4);

	const uintptr_t n = 20000;
	uint64_t before = arena_bytes(), after_first = 0;
	struct livetab_entry out;
	for (int round = 0; round < 2; round++) {
		uintptr_t base = 0x10000000 + (uintptr_t)round * 0x1000000;
		for (uintptr_t i = 0; i < n; i++)
			ck_assert_int_eq(livetab_insert(&(struct livetab_entry){.addr = base + i * 32, .size = 1}), 0);
		for (uintptr_t i = 0; i < n; i++)
			ck_assert(livetab_remove(base + i * 32, &out));
		if (round == 0)
			after_first = arena_bytes();
	}
	ck_assert_uint_gt(after_first, before);
	/* the second round reuses the first's entries: a few slabs at most */
	ck_assert_uint_le(arena_bytes(), after_first + (after_first - before) / 10);
}
END_TEST

/* ---- the queues of a busy stripe ---- */

static uint64_t accounted, accounted_absent, accounted_bytes, released;
static void **released_blocks;
static size_t nreleased_max;

static void count_account(const struct livetab_entry *e, size_t usable)
{
	__atomic_add_fetch(e ? &accounted : &accounted_absent, 1, __ATOMIC_RELAXED);
	if (e)
		__atomic_add_fetch(&accounted_bytes, e->size, __ATOMIC_RELAXED);
	ck_assert_uint_ge(usable, 32);
}

static void count_release(void *blk)
{
	uint64_t i = __atomic_fetch_add(&released, 1, __ATOMIC_RELAXED);
	if (released_blocks && i < nreleased_max)
		released_blocks[i] = blk;
	free(blk);
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
	return x < y ? -1 : x > y;
}

/* Every insert and free finds its stripe taken: nothing waits, everything
 * is queued, and the next thread that takes the stripes (livetab_copy)
 * links the inserts and then applies the frees, each finding its entry
 * (the frees are taken before the inserts: a free of a block whose insert
 * is queued too must not miss it). */
START_TEST(livetab_busy_stripes_queue_and_the_next_holder_drains)
{
	enum { N = 2000 };
	void *blk[N];
	livetab_set_queued_free(count_account, count_release);
	released_blocks = calloc(N, sizeof(void *));
	nreleased_max = N;
	livetab_test_busy(true);
	for (int i = 0; i < N; i++) {
		blk[i] = malloc(32);
		ck_assert_int_eq(livetab_insert(&(struct livetab_entry){.addr = (uintptr_t)blk[i], .size = 7}), 0);
		ck_assert(livetab_maybe_contains((uintptr_t)blk[i]));
	}
	ck_assert_uint_eq(livetab_queued(), N);
	ck_assert_uint_eq(livetab_count(), 0); /* queued, not linked yet */
	struct livetab_entry out;
	for (int i = 0; i < N / 2; i++)
		ck_assert_int_eq(livetab_remove_or_queue((uintptr_t)blk[i], 32, &out), LIVETAB_QUEUED);
	ck_assert_uint_eq(livetab_queued(), N + N / 2);
	ck_assert_uint_eq(released, 0);
	livetab_test_busy(false);

	struct livetab_entry *v;
	size_t n;
	ck_assert_int_eq(livetab_copy(&v, &n), 0);
	ck_assert_uint_eq(n, N / 2);
	ck_assert_uint_eq(accounted, N / 2);
	ck_assert_uint_eq(accounted_absent, 0);
	ck_assert_uint_eq(accounted_bytes, 7 * (N / 2));
	ck_assert_uint_eq(released, N / 2);
	/* the copy holds the second half, the blocks released are the first */
	void *copied[N / 2];
	for (size_t i = 0; i < n; i++)
		copied[i] = (void *)v[i].addr;
	qsort(copied, n, sizeof(void *), cmp_ptr);
	qsort(released_blocks, N / 2, sizeof(void *), cmp_ptr);
	void *second[N / 2], *first[N / 2];
	for (int i = 0; i < N / 2; i++) {
		first[i] = blk[i];
		second[i] = blk[N / 2 + i];
	}
	qsort(first, N / 2, sizeof(void *), cmp_ptr);
	qsort(second, N / 2, sizeof(void *), cmp_ptr);
	ck_assert_mem_eq(copied, second, sizeof(second));
	ck_assert_mem_eq(released_blocks, first, sizeof(first));
	arena_free(v);
	ck_assert_uint_eq(livetab_count(), N / 2);

	/* not busy: removed at once, the caller frees */
	for (int i = N / 2; i < N; i++) {
		ck_assert_int_eq(livetab_remove_or_queue((uintptr_t)blk[i], 32, &out), LIVETAB_REMOVED);
		ck_assert_ptr_eq((void *)out.addr, blk[i]);
		free(blk[i]);
	}
	ck_assert_uint_eq(livetab_count(), 0);
	ck_assert_uint_eq(livetab_queued(), N + N / 2);
	free(released_blocks);
	released_blocks = NULL;
}
END_TEST

/* A queued free of a block the table does not hold (a false positive of
 * the filter) is accounted as such and still released; without the
 * callbacks nothing is queued and a busy stripe is waited for. */
START_TEST(livetab_queued_free_of_an_unknown_block_is_released)
{
	struct livetab_entry out;
	void *b = malloc(32);
	livetab_test_busy(true);
	ck_assert_int_eq(livetab_remove_or_queue((uintptr_t)b, 32, &out), LIVETAB_ABSENT); /* no callbacks */
	livetab_set_queued_free(count_account, count_release);
	ck_assert_int_eq(livetab_remove_or_queue((uintptr_t)b, 32, &out), LIVETAB_QUEUED);
	ck_assert_uint_eq(released, 0);
	livetab_test_busy(false);
	ck_assert(!livetab_remove(0x1230, &out)); /* a miss: takes no stripe */
	struct livetab_entry *v;
	size_t n;
	ck_assert_int_eq(livetab_copy(&v, &n), 0);
	arena_free(v);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(accounted_absent, 1);
	ck_assert_uint_eq(accounted, 0);
	ck_assert_uint_eq(released, 1);
}
END_TEST

/* Nothing queued is left behind: with every stripe held (as for a fork),
 * an insert and a free queue, and the unlocks that follow apply them, with
 * no copy or other taker: the holder looks at its queues after it lets go. */
START_TEST(livetab_queued_work_is_applied_when_the_holder_unlocks)
{
	struct livetab_entry out;
	void *kept = malloc(32), *freed = malloc(32);
	livetab_set_queued_free(count_account, count_release);
	ck_assert_int_eq(livetab_insert(&(struct livetab_entry){.addr = (uintptr_t)freed, .size = 5}), 0);
	livetab_prefork(); /* this thread holds every stripe */
	ck_assert_int_eq(livetab_insert(&(struct livetab_entry){.addr = (uintptr_t)kept, .size = 9}), 0);
	ck_assert_int_eq(livetab_remove_or_queue((uintptr_t)freed, 32, &out), LIVETAB_QUEUED);
	ck_assert_uint_eq(livetab_queued(), 2);
	ck_assert_uint_eq(livetab_count(), 1);
	ck_assert_uint_eq(released, 0);
	livetab_postfork_parent();
	ck_assert_uint_eq(released, 1);
	ck_assert_uint_eq(accounted, 1);
	ck_assert_uint_eq(accounted_bytes, 5);
	ck_assert_uint_eq(livetab_count(), 1);
	ck_assert_int_eq(livetab_remove_or_queue((uintptr_t)kept, 32, &out), LIVETAB_REMOVED);
	ck_assert_uint_eq(out.size, 9);
	free(kept);
}
END_TEST

/* Threads insert and free their own blocks while another copies the table
 * and a third turns the stripes busy and back: every block is released
 * exactly once (by its thread or by a drain), every queued free finds its
 * entry, and nothing is left linked or queued at the end. */
static bool flipping;

static void *queue_worker(void *arg)
{
	enum { PER = 20000 };
	(void)arg;
	void **b = malloc(PER * sizeof(void *));
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < PER; i++) {
			b[i] = malloc(32);
			if (livetab_insert(&(struct livetab_entry){.addr = (uintptr_t)b[i], .size = 32}) != 0)
				return (void *)1;
		}
		for (int i = 0; i < PER; i++) {
			struct livetab_entry out;
			enum livetab_removal r = livetab_remove_or_queue((uintptr_t)b[i], 32, &out);
			if (r == LIVETAB_ABSENT)
				return (void *)2;
			if (r == LIVETAB_REMOVED) {
				if (out.addr != (uintptr_t)b[i])
					return (void *)3;
				free(b[i]);
			}
		}
	}
	free(b);
	return NULL;
}

static void *busy_flipper(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&flipping, __ATOMIC_RELAXED)) {
		livetab_test_busy(true);
		for (volatile int i = 0; i < 20000; i++)
			;
		livetab_test_busy(false);
		for (volatile int i = 0; i < 20000; i++)
			;
	}
	return NULL;
}

static void *copier(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&flipping, __ATOMIC_RELAXED)) {
		struct livetab_entry *v;
		size_t n;
		if (livetab_copy(&v, &n) != 0)
			return (void *)1;
		arena_free(v);
	}
	return NULL;
}

START_TEST(livetab_queues_under_threads_lose_nothing)
{
	livetab_set_queued_free(count_account, count_release);
	__atomic_store_n(&flipping, true, __ATOMIC_RELAXED);
	livetab_test_busy(true);
	pthread_t w[THREADS], f, c;
	pthread_create(&f, NULL, busy_flipper, NULL);
	pthread_create(&c, NULL, copier, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&w[i], NULL, queue_worker, NULL);
	for (int i = 0; i < THREADS; i++) {
		void *rc;
		pthread_join(w[i], &rc);
		ck_assert_ptr_null(rc);
	}
	__atomic_store_n(&flipping, false, __ATOMIC_RELAXED);
	pthread_join(f, NULL);
	void *rc;
	pthread_join(c, &rc);
	ck_assert_ptr_null(rc);
	livetab_test_busy(false);
	struct livetab_entry *v;
	size_t n;
	ck_assert_int_eq(livetab_copy(&v, &n), 0); /* drains what is left */
	arena_free(v);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(livetab_count(), 0);
	ck_assert_uint_gt(livetab_queued(), 0);
	ck_assert_uint_eq(accounted_absent, 0);
	ck_assert_uint_eq(accounted, released);
	ck_assert_uint_gt(released, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("livetab");
	TCase *tc = tcase_create("table");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, livetab_insert_then_remove_returns_entry);
	tcase_add_test(tc, livetab_miss_on_unknown_addresses);
	tcase_add_test(tc, livetab_colliding_addresses_kept_apart);
	tcase_add_test(tc, livetab_concurrent_threads_insert_and_remove);
	tcase_add_test(tc, livetab_grows_without_losing_entries);
	tcase_add_test(tc, livetab_filter_bit_shared_after_growth);
	tcase_add_test(tc, livetab_filter_bit_shared_until_last_entry_leaves);
	tcase_add_test(tc, livetab_false_positives_are_rare);
	tcase_add_test(tc, livetab_copy_allocates_once);
	tcase_add_test(tc, livetab_copy_outgrown_recopies_the_stripe);
	tcase_add_test(tc, livetab_copy_in_runs_survives_growth);
	tcase_add_test(tc, livetab_entries_come_from_slabs);
	tcase_add_test(tc, livetab_busy_stripes_queue_and_the_next_holder_drains);
	tcase_add_test(tc, livetab_queued_free_of_an_unknown_block_is_released);
	tcase_add_test(tc, livetab_queues_under_threads_lose_nothing);
	tcase_add_test(tc, livetab_queued_work_is_applied_when_the_holder_unlocks);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
