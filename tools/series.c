/*
 * series.c: groups of a snapshot series by key, in a hash table.
 *
 * Owns the table declared in series.h (invariants there). Pure: no I/O, no
 * globals; main thread of the tools. Method: an FNV-style hash of the key
 * taken eight bytes at a time, open
 * addressing with linear probing, grown to keep the load under 1/2; groups
 * live in one array in order of first appearance.
 */
#include "series.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Eight bytes a step: --by stack's keys are a stack's frames, about a KiB,
 * and a byte-wise FNV-1a of each was a quarter of a series' time. Each
 * step folds the high bits down so the slot's low bits see every byte. */
static uint64_t hash(const char *s)
{
	size_t n = strlen(s);
	uint64_t h = 1469598103934665603ull ^ n;

	for (; n >= 8; s += 8, n -= 8) {
		uint64_t w;

		memcpy(&w, s, sizeof(w));
		h = (h ^ w) * 1099511628211ull;
		h ^= h >> 29;
	}
	for (; n > 0; s++, n--)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

int series_init(struct series *s, size_t nsnap)
{
	memset(s, 0, sizeof(*s));
	s->nsnap = nsnap;
	s->nslots = 1024;
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	return s->slots ? 0 : -ENOMEM;
}

static int grow_slots(struct series *s)
{
	size_t n = s->nslots * 2;
	size_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t g = 0; g < s->ngroups; g++) {
		size_t i = hash(s->groups[g].key) & (n - 1);

		while (slots[i])
			i = (i + 1) & (n - 1);
		slots[i] = g + 1;
	}
	free(s->slots);
	s->slots = slots;
	s->nslots = n;
	return 0;
}

static int new_group(struct series *s, const char *key, const char *label, size_t *out)
{
	struct series_group *g;

	if (s->ngroups == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct series_group *v = realloc(s->groups, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->groups = v;
		s->cap = cap;
	}
	g = &s->groups[s->ngroups];
	memset(g, 0, sizeof(*g));
	g->key = strdup(key);
	g->label = strdup(label ? label : "");
	g->bytes = calloc(s->nsnap ? s->nsnap : 1, sizeof(*g->bytes));
	if (!g->key || !g->label || !g->bytes) {
		free(g->key);
		free(g->label);
		free(g->bytes);
		return -ENOMEM;
	}
	*out = s->ngroups++;
	return 0;
}

/* The slot of key: its group's, or the empty one where it would go. */
static size_t find_slot(const struct series *s, const char *key)
{
	size_t i = hash(key) & (s->nslots - 1);

	while (s->slots[i] && strcmp(s->groups[s->slots[i] - 1].key, key))
		i = (i + 1) & (s->nslots - 1);
	return i;
}

/* The group of key, created with label when new, with bytes and count of
 * snapshot snap added. NULL when out of memory. */
static struct series_group *add_to(struct series *s, size_t snap, const char *key,
				   const char *label, int64_t bytes, int64_t count)
{
	size_t i, gi;
	struct series_group *g;

	if (2 * (s->ngroups + 1) > s->nslots && grow_slots(s) < 0)
		return NULL;
	i = find_slot(s, key);
	if (s->slots[i]) {
		gi = s->slots[i] - 1;
	} else {
		if (new_group(s, key, label, &gi) < 0)
			return NULL;
		s->slots[i] = gi + 1;
	}
	g = &s->groups[gi];
	g->bytes[snap] += bytes;
	if (snap == 0)
		g->first_count += count;
	if (snap == s->nsnap - 1)
		g->final_count += count;
	return g;
}

int series_add_sum(struct series *s, size_t snap, const char *key, const char *label,
		   int64_t bytes, int64_t count, size_t stacks)
{
	struct series_group *g = add_to(s, snap, key, label, bytes, count);

	if (!g)
		return -ENOMEM;
	if (g->stacks == 0 || snap > g->rep_snap) {
		g->rep_snap = snap;
		g->rep_stack_id = -1;
		g->rep_bytes = INT64_MIN;
		g->stacks = stacks;
	} else {
		g->stacks += stacks;
	}
	return 0;
}

void series_offer_rep(struct series *s, size_t snap, const char *key, int64_t stack_id,
		      int64_t bytes)
{
	size_t i = find_slot(s, key);
	struct series_group *g;

	if (!s->slots[i])
		return;
	g = &s->groups[s->slots[i] - 1];
	if (g->rep_snap != snap)
		return;
	if (g->rep_stack_id < 0 || bytes > g->rep_bytes ||
	    (bytes == g->rep_bytes && stack_id < g->rep_stack_id)) {
		g->rep_stack_id = stack_id;
		g->rep_bytes = bytes;
	}
}

int series_add(struct series *s, size_t snap, const char *key, const char *label,
	       int64_t stack_id, int64_t bytes, int64_t count)
{
	struct series_group *g = add_to(s, snap, key, label, bytes, count);

	if (!g)
		return -ENOMEM;
	if (g->stacks == 0 || snap > g->rep_snap) {
		g->rep_snap = snap;
		g->rep_stack_id = stack_id;
		g->rep_bytes = bytes;
		g->stacks = 1;
	} else {
		g->stacks++;
		if (bytes > g->rep_bytes || (bytes == g->rep_bytes && stack_id < g->rep_stack_id)) {
			g->rep_stack_id = stack_id;
			g->rep_bytes = bytes;
		}
	}
	return 0;
}

void series_free(struct series *s)
{
	for (size_t i = 0; i < s->ngroups; i++) {
		free(s->groups[i].key);
		free(s->groups[i].label);
		free(s->groups[i].bytes);
	}
	free(s->groups);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
