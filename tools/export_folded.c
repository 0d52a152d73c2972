/*
 * export_folded.c: collapsed stacks ("a;b;c 123"), the input of
 * flamegraph.pl, speedscope and Pyroscope's /ingest.
 *
 * Owns the folded writer: one line per tree node with a non-zero self
 * weight, frames outermost first separated by ';', then one space and a
 * non-negative integer (export.h invariants 2 and 3 make every line
 * parse). Main thread only; writes to the caller's FILE only.
 */
#include "export.h"

#include "msgs.h"

#include <inttypes.h>
#include <stdlib.h>

static void put_path(FILE *out, const struct export_tree *t, uint32_t id)
{
	uint32_t chain[8192];
	size_t n = 0;

	for (uint32_t at = id; at != 0 && n < sizeof(chain) / sizeof(*chain);
	     at = t->node[at].parent)
		chain[n++] = at;
	while (n-- > 0) {
		fputs(t->node[chain[n]].label, out);
		if (n)
			fputc(';', out);
	}
}

int export_folded(FILE *out, struct snapread *old, struct snapread *new,
		  enum export_mode mode)
{
	struct export_tree t;

	if (export_tree_build(&t, old, new) < 0)
		return -1;
	export_tree_weigh(&t, mode);
	for (size_t i = 1; i < t.len; i++) {
		if (t.node[i].w_self <= 0)
			continue;
		put_path(out, &t, (uint32_t)i);
		fprintf(out, " %" PRId64 "\n", t.node[i].w_self);
	}
	export_tree_free(&t);
	return 0;
}
