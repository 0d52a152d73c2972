/*
 * export.c: the exporters' call tree (see export.h).
 *
 * Owns building the tree from snapread_profile() rows and weighing it.
 * Main thread only. Invariants: those of export.h; memory is bounded by
 * the distinct paths of the input, never by its sizes; strings are copied
 * from the rows, so the tree outlives the snapshots' rows.
 */
#include "export.h"

#include "fmt.h"
#include "msgs.h"
#include "snapread.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

static uint64_t hash_key(uint32_t parent, const char *label)
{
	uint64_t h = 1469598103934665603ull ^ parent;

	for (const unsigned char *c = (const unsigned char *)label; *c; c++)
		h = (h ^ *c) * 1099511628211ull;
	return h;
}

static void rehash(struct export_tree *t)
{
	size_t ncap = t->hcap ? 2 * t->hcap : 1024;

	free(t->hash);
	t->hash = msgs_xmalloc(ncap * sizeof(*t->hash));
	memset(t->hash, 0xff, ncap * sizeof(*t->hash));
	t->hcap = ncap;
	for (size_t i = 1; i < t->len; i++) {
		size_t h = hash_key(t->node[i].parent, t->node[i].label) & (ncap - 1);

		while (t->hash[h] != NONE)
			h = (h + 1) & (ncap - 1);
		t->hash[h] = (uint32_t)i;
	}
}

static uint32_t add_node(struct export_tree *t, uint32_t parent, const char *label,
			 const struct snapread_frame *f)
{
	struct export_node *n;

	if (t->len == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->node = msgs_xrealloc(t->node, t->cap * sizeof(*t->node));
	}
	n = &t->node[t->len];
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->first_child = n->next_sibling = NONE;
	if (parent != NONE) {
		n->depth = t->node[parent].depth + 1;
		n->next_sibling = t->node[parent].first_child;
		t->node[parent].first_child = (uint32_t)t->len;
	}
	n->label = label ? msgs_xstrdup(label) : NULL;
	if (f) {
		n->function = f->function ? msgs_xstrdup(f->function) : NULL;
		n->file = f->file ? msgs_xstrdup(f->file) : NULL;
		n->line = f->line;
	}
	return (uint32_t)t->len++;
}

/* The child of parent labelled label, created when missing. */
static uint32_t child(struct export_tree *t, uint32_t parent, const char *label,
		      const struct snapread_frame *f)
{
	size_t h;
	uint32_t id;

	if (2 * (t->len + 1) > t->hcap)
		rehash(t);
	h = hash_key(parent, label) & (t->hcap - 1);
	while ((id = t->hash[h]) != NONE) {
		if (t->node[id].parent == parent && !strcmp(t->node[id].label, label))
			return id;
		h = (h + 1) & (t->hcap - 1);
	}
	id = add_node(t, parent, label, f);
	t->hash[h] = id;
	return id;
}

static void label_of(char *buf, size_t len, const struct snapread_frame *f)
{
	fmt_frame(buf, len, f);
	for (char *c = buf; *c; c++)
		if (*c == ';')
			*c = ',';
}

/* "[label:NAME]", the root frame of a labelled stack (export.h), with
 * invariant 2's characters replaced. */
static void label_root(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "[label:%s]", name);
	for (char *c = buf; *c; c++)
		if (*c == ';')
			*c = ',';
		else if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

static int add_snapshot(struct export_tree *t, struct snapread *s, bool is_new)
{
	struct snapread_pstack *v;
	size_t n;
	char label[1024];

	if (snapread_profile(s, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint32_t at = 0;

		if (v[i].label) {
			label_root(label, sizeof(label), v[i].label);
			at = child(t, at, label, NULL);
		}

		/* frames are call site first: walk them outermost first */
		for (size_t k = v[i].nframes; k-- > 0;) {
			label_of(label, sizeof(label), &v[i].frames[k]);
			at = child(t, at, label, &v[i].frames[k]);
		}
		if (v[i].nframes == 0)
			at = child(t, 0, "(unknown call site)", NULL);
		if (is_new) {
			t->node[at].new_bytes += v[i].live_bytes;
			t->node[at].new_count += v[i].live_count;
		} else {
			t->node[at].old_bytes += v[i].live_bytes;
			t->node[at].old_count += v[i].live_count;
		}
	}
	snapread_profile_free(v, n);
	return 0;
}

int export_tree_build(struct export_tree *t, struct snapread *old, struct snapread *new)
{
	memset(t, 0, sizeof(*t));
	add_node(t, NONE, NULL, NULL);
	if ((old && add_snapshot(t, old, false) < 0) || add_snapshot(t, new, true) < 0) {
		export_tree_free(t);
		return -1;
	}
	return 0;
}

void export_tree_weigh(struct export_tree *t, enum export_mode mode)
{
	for (size_t i = 0; i < t->len; i++) {
		struct export_node *n = &t->node[i];

		if (mode == EXPORT_LIVE) {
			n->w_self = n->new_bytes > 0 ? n->new_bytes : 0;
			n->c_self = n->new_count > 0 ? n->new_count : 0;
		} else {
			n->w_self = n->new_bytes > n->old_bytes ? n->new_bytes - n->old_bytes : 0;
			n->c_self = n->w_self ? n->new_count - n->old_count : 0;
		}
		n->w_total = n->w_self;
		n->c_total = n->c_self;
	}
	/* invariant 1: children have larger indices than their parent */
	for (size_t i = t->len; i-- > 1;) {
		struct export_node *p = &t->node[t->node[i].parent];

		p->w_total += t->node[i].w_total;
		p->c_total += t->node[i].c_total;
	}
}

void export_tree_free(struct export_tree *t)
{
	for (size_t i = 0; i < t->len; i++) {
		free(t->node[i].label);
		free(t->node[i].function);
		free(t->node[i].file);
	}
	free(t->node);
	free(t->hash);
	memset(t, 0, sizeof(*t));
}
