/*
 * cfiunwind.c: stack walks by .eh_frame rules, through a lock-free cache.
 *
 * Owns the pc -> rule cache and the walker (see cfiunwind.h). Called on the
 * sampled path of app threads (guard held), by the exported dlclose
 * (cfiunwind_flush) and once at start-up (cfiunwind_init).
 * Design: the cache is 2^SET_BITS sets of two 64-bit words, each word a
 * whole entry (tag = pc >> SET_BITS in the top 33 bits, the packed rule in
 * the low 31), stored and loaded atomically: an entry is never torn, and a
 * reader that hits writes nothing. A pc is the return address minus one
 * (the call instruction's row) for every frame but the first, whose pc is
 * exact. A miss finds the module with dl_iterate_phdr, its FDE through the
 * .eh_frame_hdr table and runs the CFA program (cfiprog.c); a rule that
 * does not fit the packing is cached as "fallback".
 * Invariants: (1) the walk dereferences only words inside [rsp at its
 * start, ts->stack_hi), and only when the walk started on the thread's
 * own stack; each CFA must be above the previous one; (2) allocates only
 * from the tracker's arena: the cache in cfiunwind_init, a thread's memo
 * on its first walk (memo_first); (3) a flush bumps `generation` before it clears:
 * a miss that raced a flush takes its entry back out (store, fence, check),
 * so no rule of an unloaded module survives a flush; (4) the memo of a
 * thread's last complete walk (ts->memo, its own thread only) is reused
 * only when the new walk would be the same computation: same start (the pc
 * is fixed, sp and rbp equal), same rule generation, same bounds and depth,
 * and every stack word the last walk read still holds the value it read
 * (those words lie in [sp, stack_hi): the validation reads nothing the
 * walk would not). A loop that allocates from one call path then pays one
 * compare per word instead of a walk; a walk that is the memo's again hands
 * back the memo's frames, uncopied, and says so (CFIUNWIND_AGAIN), so that
 * the caller may reuse what it made of them (ts->memo->stack, cleared
 * whenever the memo is rewritten or dropped); a walk that joined the last
 * one names the entry of the last one's frames (join_from, with the
 * position and its own count of frames), so that the caller may find the
 * join's stack again without the shared table (core.c).
 */
#include "cfiunwind.h"

#include "arena.h"
#include "cfiprog.h"
#include "stacktab.h"
#include "tstate.h"
#include "unwind.h"

#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

_Static_assert(TSTATE_MEMO_READS % 4 == 0, "the memo check reads four words a round");

#define SET_BITS 14
#define SETS (1u << SET_BITS)
#define RULE_BITS 31
#define RULE_MASK ((UINT64_C(1) << RULE_BITS) - 1)
#define PC_LIMIT (UINT64_C(1) << 47) /* user-space addresses; tag: 33 bits */
#define PC_MIN (UINT64_C(1) << SET_BITS) /* below: never code, never cached */

/* rule word: kind (2 bits), CFA on rbp (1), CFA offset / 8 (16), rbp at
 * CFA - 8 * k (12; 0: rbp unchanged). 0 is an empty slot. */
enum { KIND_RULE = 1, KIND_FALLBACK = 2, KIND_OUTERMOST = 3 };
#define OFF_BITS 16
#define RBP_BITS 12

static uint64_t *cache;
static unsigned generation;
static uintptr_t self_lo, self_hi; /* the tracker's code: its leading frames are not kept */

/* tstate_release_memo: a retiring thread's memo back to the arena.
 * Signals wait meanwhile: a handler's fork must not find this thread inside
 * the arena (two syscalls once per thread). */
static void release_memo(struct tstate *ts)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	struct tstate_walk_memo *m = ts->memo;
	ts->memo = NULL;
	arena_free(m->joins);
	arena_free(m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int cfiunwind_init(uintptr_t lo, uintptr_t hi)
{
	self_lo = lo;
	self_hi = hi;
	__atomic_store_n(&tstate_release_memo, release_memo, __ATOMIC_RELEASE);
	if (cache)
		return 0;
	cache = arena_alloc(2 * SETS * sizeof(uint64_t));
	return cache ? 0 : -ENOMEM;
}

static inline uint64_t *set_of(uintptr_t pc)
{
	return cache + 2 * ((pc ^ (pc >> SET_BITS)) & (SETS - 1));
}

/* (set, tag) names one pc: the set's index is its low bits mixed with bits
 * the tag holds. Walked pcs are >= PC_MIN, so no tag is 0 and an empty
 * slot never matches (the walk's lookup is written out in cfiunwind_walk). */

static uint64_t pack(const struct cfiprog_rule *r)
{
	if (r->cfa_off <= 0 || (r->cfa_off & 7) || (r->cfa_off >> 3) >= (1 << OFF_BITS))
		return KIND_FALLBACK;
	uint64_t k = 0;
	if (r->rbp_saved) {
		int64_t m = -r->rbp_off;
		if (m <= 0 || (m & 7) || (m >> 3) >= (1 << RBP_BITS))
			return KIND_FALLBACK;
		k = (uint64_t)(m >> 3);
	}
	return KIND_RULE | (uint64_t)(r->cfa_reg == CFIPROG_REG_RBP) << 2 | (uint64_t)(r->cfa_off >> 3) << 3 |
	       k << (3 + OFF_BITS);
}

struct miss {
	uintptr_t pc;
	uint64_t rule;
};

/* dl_iterate_phdr callback: the loader's lock is held, the module cannot
 * go away while its tables are read. */
static int miss_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct miss *m = arg;
	const ElfW(Phdr) *eh = NULL;
	int in = 0;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && m->pc - (info->dlpi_addr + ph->p_vaddr) < ph->p_memsz)
			in = 1;
		else if (ph->p_type == PT_GNU_EH_FRAME)
			eh = ph;
	}
	if (!in)
		return 0;
	m->rule = KIND_FALLBACK;
	if (!eh)
		return 1;
	const uint8_t *fde = cfiprog_find_fde((const uint8_t *)(info->dlpi_addr + eh->p_vaddr), m->pc);
	if (!fde)
		return 1;
	struct cfiprog_rule r;
	switch (cfiprog_eval_fde(fde, m->pc, &r)) {
	case CFIPROG_RULE: m->rule = pack(&r); break;
	case CFIPROG_OUTERMOST: m->rule = KIND_OUTERMOST; break;
	default: break;
	}
	return 1;
}

__attribute__((noinline, cold)) static uint64_t miss(struct tstate *ts, uintptr_t pc)
{
	unsigned gen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
	struct miss m = {.pc = pc, .rule = KIND_FALLBACK}; /* in no module: JIT code, say */
	unwind_walk_begin(ts);
	dl_iterate_phdr(miss_cb, &m);
	unwind_walk_end(ts);
	uint64_t *set = set_of(pc);
	uint64_t word = (uint64_t)pc >> SET_BITS << RULE_BITS | m.rule;
	unsigned way = __atomic_load_n(&set[0], __ATOMIC_RELAXED) == 0 ? 0
		       : __atomic_load_n(&set[1], __ATOMIC_RELAXED) == 0 ? 1
		       : (unsigned)(pc >> 4) & 1;
	__atomic_store_n(&set[way], word, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&generation, __ATOMIC_RELAXED) != gen) {
		uint64_t expect = word;
		__atomic_compare_exchange_n(&set[way], &expect, 0, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	return m.rule;
}

void cfiunwind_flush(void)
{
	if (!cache)
		return;
	__atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < 2 * SETS; i++)
		__atomic_store_n(&cache[i], 0, __ATOMIC_RELAXED);
}

/*
 * Writes a walk's inner part in front of what m holds from position `at`
 * on (its frames [at, TSTATE_MEMO_FRAMES), their reads_below reads): n
 * frames of out and rec, nreads reads of rec; then the memo is whole
 * again. The caller checked that both fit.
 */
static inline __attribute__((always_inline)) void record_front(struct tstate_walk_memo *m, const struct tstate_walk_record *rec, const uintptr_t *out,
			 unsigned n, unsigned nreads, unsigned at, unsigned reads_below, unsigned clean_from,
			 uintptr_t lo, uintptr_t start_fp, int truncated)
{
	m->sp = 0; /* no memo until it is whole again */
	const unsigned f0 = at - n, r0 = TSTATE_MEMO_READS - reads_below - nreads;
	const unsigned total = reads_below + nreads;
	uint64_t h = at < TSTATE_MEMO_FRAMES ? m->hash_from[at] : STACKTAB_HASH_SEED;
	for (unsigned k = n; k-- > 0;)
		m->hash_from[f0 + k] = h = stacktab_hash_step(h, out[k]);
	for (unsigned k = 0; k < n; k++) {
		m->frames[f0 + k] = out[k];
		m->frame_sp[f0 + k] = rec->sp[k];
		m->frame_fp[f0 + k] = rec->fp[k];
		m->reads_from[f0 + k] = (uint8_t)(total - rec->first_read[k]);
	}
	memcpy(&m->read[r0], rec->read, nreads * sizeof rec->read[0]);
	/* padded in front to a multiple of four with the first read again,
	 * for the check's rounds of four (TSTATE_MEMO_READS is one) */
	const unsigned padded = (total + 3) & ~3u;
	if (!(total & 3)) {
		/* a whole number of rounds */
	} else if (total + 3 <= TSTATE_MEMO_READS) {
		const struct tstate_memo_read first = m->read[TSTATE_MEMO_READS - total];
		m->read[TSTATE_MEMO_READS - total - 1] = first;
		m->read[TSTATE_MEMO_READS - total - 2] = first;
		m->read[TSTATE_MEMO_READS - total - 3] = first;
	} else {
		for (unsigned p = total; p < padded; p++)
			m->read[TSTATE_MEMO_READS - p - 1] = m->read[TSTATE_MEMO_READS - total];
	}
	m->fp = start_fp;
	m->n = TSTATE_MEMO_FRAMES - f0;
	m->nreads = padded;
	m->truncated = truncated;
	m->clean_from = f0 + clean_from;
	m->stack = NULL;
	m->sp = lo; /* last: the memo is whole (hi and genmax are set) */
}

/*
 * The suffix match. The walk is at its n-th kept frame, in the state (pc,
 * sp, fp) that the last walk (m) had at position at: from there the last
 * walk is this one's too, if every word it read from there on still holds
 * its value (all lie in [sp, hi): no frame from clean_from on read below
 * its own sp), and if it went far enough (a last walk cut at max is
 * joined only where this one is cut at the same frame). Then the memo
 * becomes this walk when its inner part fits in front (CFIUNWIND_RECORDED,
 * the frames the memo's); else out gets the rest (CFIUNWIND_WALKED).
 * Returns -2 when a word changed, *bad then a count of reads: no suffix
 * that reads more than that from its start on can be joined.
 */
static inline __attribute__((always_inline)) int join_last(struct tstate_walk_memo *m, const struct tstate_walk_record *rec,
					       uintptr_t *out, unsigned max, unsigned *nout, int *truncated,
					       unsigned n, unsigned nreads, unsigned clean_from, unsigned at,
					       uintptr_t lo, uintptr_t start_fp, unsigned *bad)
{
	unsigned t = TSTATE_MEMO_FRAMES - at; /* the frames joined */
	const unsigned below = m->reads_from[at];
	unsigned stop = 0;                    /* reads_from where this walk stops: its end */
	int cut = m->truncated;
	if (t > max - n) {
		t = max - n; /* cut at max inside the last walk's frames */
		stop = m->reads_from[at + t];
		cut = 1;
	} else if (cut && t < max - n) {
		*bad = 0; /* the last walk stopped short of this one's end */
		return -2;
	}
	const struct tstate_memo_read *r = m->read + TSTATE_MEMO_READS - below,
				      *end = m->read + TSTATE_MEMO_READS - stop;
	for (; end - r >= 4; r += 4) {
		uintptr_t d = (*(const uintptr_t *)r[0].addr ^ r[0].val) | (*(const uintptr_t *)r[1].addr ^ r[1].val) |
			      (*(const uintptr_t *)r[2].addr ^ r[2].val) | (*(const uintptr_t *)r[3].addr ^ r[3].val);
		if (d)
			break;
	}
	for (; r != end; r++)
		if (*(const uintptr_t *)r->addr != r->val)
			break;
	if (r != end) {
		/* a word in this round (or this one) changed: no suffix that
		 * still reads it joins */
		*bad = (unsigned)(m->read + TSTATE_MEMO_READS - r) - (end - r >= 4 ? 3 : 0);
		return -2;
	}
	*nout = n + t;
	*truncated = cut;
	if (stop == 0 && n <= at && nreads + below <= TSTATE_MEMO_READS) {
		m->join_from = m->stack; /* before record_front clears it */
		m->join_at = at;
		m->join_n = n;
		record_front(m, rec, out, n, nreads, at, below, clean_from, lo, start_fp, cut);
		return CFIUNWIND_RECORDED;
	}
	for (unsigned k = 0; k < t; k++) /* too long to remember: the last walk stays */
		out[n + k] = m->frames[at + k];
	return CFIUNWIND_WALKED;
}

/*
 * One frame of a walk: the rule of *key (the frame's pc, minus one but for
 * the first), the CFA from it, and the words it reads there (recorded in
 * rec while they fit), giving the caller's state in *pc, *sp, *fp, *key.
 * Returns 0, 1 at the outermost frame, -1 where the walk gives up. A read
 * below the frame's own sp sets *clean_from to n.
 */
static inline __attribute__((always_inline)) int step(struct tstate *ts, const uint64_t *table, uintptr_t lo,
						      uintptr_t hi, struct tstate_walk_record *rec, unsigned *nreads,
						      unsigned *clean_from, unsigned n, uintptr_t *pc, uintptr_t *sp,
						      uintptr_t *fp, uintptr_t *key)
{
	const uintptr_t kk = *key;
	const uint64_t *set = table + 2 * ((kk ^ (kk >> SET_BITS)) & (SETS - 1));
	uint64_t tag = (uint64_t)kk >> SET_BITS, r = 0, w = __atomic_load_n(&set[0], __ATOMIC_RELAXED);
	if ((w >> RULE_BITS) == tag || ((w = __atomic_load_n(&set[1], __ATOMIC_RELAXED)) >> RULE_BITS) == tag)
		r = w & RULE_MASK;
	if (__builtin_expect((r & 3) != KIND_RULE, 0)) {
		if (!r)
			r = miss(ts, kk);
		if ((r & 3) == KIND_OUTERMOST)
			return 1;
		if ((r & 3) != KIND_RULE)
			return -1;
	}
	const uintptr_t s = *sp;
	uintptr_t base = (r & 4) ? *fp : s;
	uintptr_t off = (uintptr_t)((r >> 3) & ((1u << OFF_BITS) - 1)) * 8;
	uintptr_t k = (uintptr_t)((r >> (3 + OFF_BITS)) & ((1u << RBP_BITS) - 1)) * 8;
	/* off < 2^19: a sum that wraps (base near 2^64) comes out below sp */
	uintptr_t cfa = base + off;
	if (cfa > hi || cfa < s + 8)
		return -1; /* the CFA must grow, and its return address lie in [lo, hi) */
	uintptr_t ra = *(const uintptr_t *)(cfa - 8);
	unsigned i = *nreads;
	if (i < TSTATE_MEMO_READS)
		rec->read[i] = (struct tstate_memo_read){cfa - 8, ra};
	i++;
	if (k) {
		if (k > cfa - lo)
			return -1;
		if (k > cfa - s)
			*clean_from = n; /* a read below this frame's own sp */
		uintptr_t f = *(const uintptr_t *)(cfa - k);
		if (i < TSTATE_MEMO_READS)
			rec->read[i] = (struct tstate_memo_read){cfa - k, f};
		i++;
		*fp = f;
	}
	*nreads = i;
	*sp = cfa;
	*pc = ra;
	*key = ra - 1;
	if (ra - 1 - PC_MIN >= PC_LIMIT - PC_MIN)
		return -1; /* no code there (a return address of 0, say) */
	return 0;
}

/*
 * The walk from a start state (pc, sp, fp) that cfiunwind_walk took in its
 * own frame: out of line, so that the common case (the memo holds) runs in
 * a small frame. It never reads below sp, so its own frame is never read.
 * The tracker's own leading frames are walked first, and not kept. At each
 * kept frame it looks for the same state among the last walk's frames
 * (both walks' sps grow, so one scan serves the whole walk): where one is
 * found, join_last may finish the walk from the last one.
 */
__attribute__((noinline)) static int walk_full(struct tstate *ts, uintptr_t *out, unsigned max, unsigned *nout,
					       int *truncated, uintptr_t pc, uintptr_t sp, uintptr_t fp, unsigned gen)
{
	const uint64_t *const table = cache;
	const uintptr_t lo = sp, hi = ts->stack_hi;
	const uint64_t genmax = (uint64_t)gen << 32 | max;
	struct tstate_walk_memo *m = ts->memo;
	/* the last walk's frames at positions [at, TSTATE_MEMO_FRAMES) may be
	 * joined (frame_sp[TSTATE_MEMO_FRAMES] is a sentinel above any sp) */
	unsigned at = TSTATE_MEMO_FRAMES;
	m->frame_sp[TSTATE_MEMO_FRAMES] = UINTPTR_MAX;
	if (m->sp && m->hi == hi && m->genmax == genmax)
		at = m->clean_from;
	struct tstate_walk_record *const rec = &m->rec;
	const uintptr_t start_fp = fp;
	unsigned nreads = 0, clean_from = 0;
	uintptr_t key = pc;
	unsigned n = 0;
	int rc;
	*truncated = 0;
	if (key - PC_MIN >= PC_LIMIT - PC_MIN)
		return -1;
	while (pc >= self_lo && pc < self_hi) /* the tracker's own frames */
		if ((rc = step(ts, table, lo, hi, rec, &nreads, &clean_from, 0, &pc, &sp, &fp, &key)) != 0) {
			if (rc < 0)
				return -1;
			goto done;
		}
	for (;;) {
		if (n == max) {
			*truncated = 1;
			break;
		}
		while (m->frame_sp[at] < sp)
			at++;
		if (m->frame_sp[at] == sp && m->frames[at] == pc && m->frame_fp[at] == fp) {
			unsigned bad;
			rc = join_last(m, rec, out, max, nout, truncated, n, nreads, clean_from, at, lo, start_fp,
				       &bad);
			if (rc != -2)
				return rc;
			while (at < TSTATE_MEMO_FRAMES && m->reads_from[at] >= bad)
				at++;
		}
		if (n < TSTATE_MEMO_FRAMES) {
			rec->sp[n] = sp;
			rec->fp[n] = fp;
			rec->first_read[n] = (uint8_t)(nreads < TSTATE_MEMO_READS ? nreads : TSTATE_MEMO_READS);
		}
		out[n++] = pc;
		if ((rc = step(ts, table, lo, hi, rec, &nreads, &clean_from, n, &pc, &sp, &fp, &key)) != 0) {
			if (rc < 0)
				return -1;
			break;
		}
	}
done:
	*nout = n;
	if (nreads > TSTATE_MEMO_READS || n > TSTATE_MEMO_FRAMES)
		return CFIUNWIND_WALKED; /* too long to remember: the last walk stays */
	m->sp = 0; /* hi and genmax first: record_front sets the rest */
	m->hi = hi;
	m->genmax = genmax;
	m->join_from = NULL; /* a walk of its own */
	record_front(m, rec, out, n, nreads, TSTATE_MEMO_FRAMES, 0, clean_from, lo, start_fp, *truncated);
	return CFIUNWIND_RECORDED;
}

/* The thread's first walk: its memo (about 8 KiB) from the arena, empty
 * (sp 0). NULL when the arena is exhausted: the walk falls back. */
__attribute__((noinline, cold)) static struct tstate_walk_memo *memo_first(struct tstate *ts)
{
	return ts->memo = arena_alloc(sizeof *ts->memo);
}

/*
 * The start state is taken here, by one asm statement: a pc inside this
 * function and rsp, rbp as they are at that pc; this frame and the tracker's
 * others are walked by their own tables and not kept (as unwind_capture
 * skips them for the other unwinders). No sum can wrap around unnoticed
 * (see the CFA check in walk_full). This frame stays while walk_full runs
 * (no tail call: the walk reads it), and holds only what the memo check
 * needs.
 */
__attribute__((noinline)) int cfiunwind_walk(struct tstate *ts, uintptr_t *out, unsigned max, unsigned *nout,
					     int *truncated)
{
	uintptr_t pc, sp, fp;
	__asm__ volatile("leaq 0f(%%rip), %0\n0:\n\tmovq %%rsp, %1\n\tmovq %%rbp, %2"
			 : "=&r"(pc), "=&r"(sp), "=&r"(fp));
	if (!cache || !unwind_stack_covers(ts, sp))
		return -1; /* a sigaltstack, or bounds unknown */
	const struct tstate_walk_memo *m = ts->memo;
	if (__builtin_expect(!m, 0) && !(m = memo_first(ts)))
		return -1;
	const unsigned gen = __atomic_load_n(&generation, __ATOMIC_RELAXED);
	if (m->sp == sp && m->fp == fp && m->hi == ts->stack_hi && m->genmax == ((uint64_t)gen << 32 | max)) {
		/* The walk is a function of its start (pc is this function's,
		 * sp, rbp), the rules (one generation) and the stack words it
		 * reads: all equal, its result is the last one. The words lie
		 * in [sp, hi), the live part of this thread's stack. */
		const struct tstate_memo_read *end = m->read + TSTATE_MEMO_READS, *r = end - m->nreads;
		/* four words a round (record_front pads the list to a multiple
		 * of four with copies of its first read) */
		for (; r != end; r += 4) {
			uintptr_t d = (*(const uintptr_t *)r[0].addr ^ r[0].val) |
				      (*(const uintptr_t *)r[1].addr ^ r[1].val) |
				      (*(const uintptr_t *)r[2].addr ^ r[2].val) |
				      (*(const uintptr_t *)r[3].addr ^ r[3].val);
			if (d)
				break;
		}
		if (r == end)
			return CFIUNWIND_AGAIN; /* its frames are the memo's */
	}
	int rc = walk_full(ts, out, max, nout, truncated, pc, sp, fp, gen);
	__asm__ volatile("" ::: "memory"); /* no tail call: the walk reads this frame */
	return rc;
}
