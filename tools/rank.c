/*
 * rank.c: group sites by call site and order the groups by growth.
 *
 * Owns the arithmetic behind heapdiff's table (see rank.h for the rules).
 * Pure: called from the tools' main thread and from tests/unit/test_rank.c
 * with hand-built arrays; no I/O, no SQLite, no globals.
 * Method: one array of references to every input site, sorted by (key,
 * stack id, side); a single sweep then sums each run of equal keys, and,
 * within a run, finds old/new rows of the same stack next to each other.
 * Invariants: O(n log n) in the number of sites; never reads past the
 * arrays given; never copies or frees the caller's strings.
 */
#include "rank.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct ref {
	const struct rank_site *site;
	enum rank_side side;
};

static int strcmp_null(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a)
		return 1;   /* unknown sorts after known */
	if (!b)
		return -1;
	return strcmp(a, b);
}

static int cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

int rank_key_cmp(const struct rank_key *a, const struct rank_key *b)
{
	int c;

	/* Symbolized call sites first, then unsymbolized ones. */
	if ((a->function == NULL) != (b->function == NULL))
		return a->function ? -1 : 1;
	if (a->function) {
		int64_t la = a->line > 0 ? a->line : 0;
		int64_t lb = b->line > 0 ? b->line : 0;

		if ((c = strcmp(a->function, b->function)))
			return c;
		if ((c = strcmp_null(a->file, b->file)))
			return c;
		if ((c = cmp_i64(la, lb)))
			return c;
		return strcmp_null(a->module, b->module);
	}
	if ((c = strcmp_null(a->module, b->module)))
		return c;
	return cmp_u64(a->offset, b->offset);
}

static int ref_cmp(const void *pa, const void *pb)
{
	const struct ref *a = pa, *b = pb;
	int c = rank_key_cmp(&a->site->key, &b->site->key);

	if (c)
		return c;
	if ((c = cmp_i64(a->site->stack_id, b->site->stack_id)))
		return c;
	return (int)a->side - (int)b->side;   /* old before new */
}

static int group_cmp(const void *pa, const void *pb)
{
	const struct rank_group *a = pa, *b = pb;
	int c;

	if ((c = cmp_i64(b->bytes_delta, a->bytes_delta)))
		return c;
	if ((c = cmp_i64(b->count_delta, a->count_delta)))
		return c;
	if ((c = cmp_i64(b->new_bytes, a->new_bytes)))
		return c;
	return rank_key_cmp(&a->key, &b->key);
}

void rank_sort(struct rank_group *g, size_t n)
{
	if (n > 1)
		qsort(g, n, sizeof(*g), group_cmp);
}

/* Is candidate (growth, bytes, id) a better representative than the best? */
static bool better(int64_t growth, int64_t bytes, int64_t id,
		   int64_t best_growth, int64_t best_bytes, int64_t best_id)
{
	if (growth != best_growth)
		return growth > best_growth;
	if (bytes != best_bytes)
		return bytes > best_bytes;
	return id < best_id;
}

/* Sum refs[i..j) (one key) into *g and pick its representative stack. */
static void fill_group(const struct ref *refs, size_t i, size_t j,
		       bool same_process, struct rank_group *g)
{
	bool have_new = false, have_old = false;
	int64_t new_growth = 0, new_bytes = 0, new_id = 0;
	int64_t old_bytes = 0, old_id = 0;

	memset(g, 0, sizeof(*g));
	g->key = refs[i].site->key;
	for (size_t k = i; k < j; k++) {
		const struct rank_site *s = refs[k].site;

		if (refs[k].side == RANK_OLD) {
			g->old_bytes += s->bytes;
			g->old_count += s->count;
			g->old_stacks++;
			if (!have_old || better(s->bytes, s->bytes, s->stack_id,
						old_bytes, old_bytes, old_id)) {
				have_old = true;
				old_bytes = s->bytes;
				old_id = s->stack_id;
			}
			continue;
		}
		g->new_bytes += s->bytes;
		g->new_count += s->count;
		g->new_stacks++;

		/* Growth of this very stack: only meaningful within one process,
		 * where the old row of the same stack sorts just before it. */
		int64_t growth = s->bytes;
		if (same_process && k > i && refs[k - 1].side == RANK_OLD &&
		    refs[k - 1].site->stack_id == s->stack_id)
			growth -= refs[k - 1].site->bytes;
		if (!same_process)
			growth = 0;   /* rank by live bytes alone */
		if (!have_new || better(growth, s->bytes, s->stack_id,
					new_growth, new_bytes, new_id)) {
			have_new = true;
			new_growth = growth;
			new_bytes = s->bytes;
			new_id = s->stack_id;
		}
	}
	g->bytes_delta = g->new_bytes - g->old_bytes;
	g->count_delta = g->new_count - g->old_count;
	if (have_new) {
		g->rep_side = RANK_NEW;
		g->rep_stack_id = new_id;
	} else {
		g->rep_side = RANK_OLD;
		g->rep_stack_id = old_id;
	}
}

int rank_groups(const struct rank_site *old, size_t nold,
		const struct rank_site *new, size_t nnew, unsigned flags,
		struct rank_group **out, size_t *nout)
{
	size_t n = nold + nnew, ngroups = 0;
	struct ref *refs;
	struct rank_group *groups;

	*out = NULL;
	*nout = 0;
	if (n < nold)
		return -ENOMEM;   /* overflow */
	if (n == 0)
		return 0;
	refs = calloc(n, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (size_t i = 0; i < nold; i++)
		refs[i] = (struct ref){ &old[i], RANK_OLD };
	for (size_t i = 0; i < nnew; i++)
		refs[nold + i] = (struct ref){ &new[i], RANK_NEW };
	qsort(refs, n, sizeof(*refs), ref_cmp);

	groups = calloc(n, sizeof(*groups));   /* at most one group per site */
	if (!groups) {
		free(refs);
		return -ENOMEM;
	}
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n; j++)
			if (rank_key_cmp(&refs[i].site->key, &refs[j].site->key))
				break;
		fill_group(refs, i, j, flags & RANK_SAME_PROCESS, &groups[ngroups++]);
	}
	free(refs);
	rank_sort(groups, ngroups);
	*out = groups;
	*nout = ngroups;
	return 0;
}
