/*
 * export_heapprofile.c: Chrome DevTools' sampling heap profile (the JSON
 * of HeapProfiler.SamplingHeapProfile, file extension .heapprofile), which
 * the Memory panel of DevTools, VS Code and speedscope open.
 *
 * Owns the mapping of the export tree onto that format: the root is the
 * "(root)" call frame; a node's callFrame has functionName (or the
 * module+offset label when unsymbolized), url = source file,
 * lineNumber = line - 1 (0-based, -1 unknown), columnNumber -1,
 * scriptId "0"; selfSize = live bytes (or retained growth with a base) of
 * the stacks ending there. Main thread only.
 * Invariants: (1) ids are unique, 1 for the root, and each sample names
 * an existing node; (2) sizes are never negative (the format has no
 * negative values: growth is clamped per node, export.h invariant 3);
 * (3) nodes with neither self size nor weighted children are left out,
 * as DevTools would prune them; (4) the output is valid JSON (strings go
 * through fmt_json_string).
 */
#include "export.h"

#include "fmt.h"
#include "msgs.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static void put_node(FILE *out, const struct export_tree *t, uint32_t id, int indent)
{
	const struct export_node *n = &t->node[id];
	bool first = true;

	fprintf(out, "%*s{\"callFrame\": {\"functionName\": ", indent, "");
	if (id == 0)
		fputs("\"(root)\"", out);
	else
		fmt_json_string(out, n->function ? n->function : n->label);
	fputs(", \"scriptId\": \"0\", \"url\": ", out);
	fmt_json_string(out, n->file ? n->file : "");
	fprintf(out, ", \"lineNumber\": %" PRId64 ", \"columnNumber\": -1}, "
		"\"selfSize\": %" PRId64 ", \"id\": %u, \"children\": [",
		n->line > 0 ? n->line - 1 : -1, n->w_self, id + 1);
	for (uint32_t c = n->first_child; c != UINT32_MAX; c = t->node[c].next_sibling) {
		if (t->node[c].w_total <= 0)
			continue;
		fputs(first ? "\n" : ",\n", out);
		first = false;
		/* depth is bounded by the reader (8192 frames): recursion is too */
		put_node(out, t, c, indent < 64 ? indent + 1 : indent);
	}
	fputs("]}", out);
}

int export_heapprofile(const char *path, struct snapread *old, struct snapread *new)
{
	struct export_tree t;
	uint64_t ordinal = 0;
	FILE *out;
	int rc = 0;

	if (export_tree_build(&t, old, new) < 0)
		return -1;
	export_tree_weigh(&t, old ? EXPORT_GROWTH : EXPORT_LIVE);
	out = fopen(path, "w");
	if (!out) {
		rc = msgs_error("cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	fputs("{\"head\": ", out);
	put_node(out, &t, 0, 0);
	fputs(",\n\"samples\": [", out);
	for (size_t i = 1; i < t.len; i++) {
		if (t.node[i].w_self <= 0)
			continue;
		fprintf(out, "%s\n {\"size\": %" PRId64 ", \"nodeId\": %zu, \"ordinal\": %" PRIu64 "}",
			ordinal ? "," : "", t.node[i].w_self, i + 1, ordinal + 1);
		ordinal++;
	}
	fputs("]}\n", out);
	if (ferror(out) | (fclose(out) != 0))
		rc = msgs_error("cannot write '%s': %s; check the disk space", path,
				strerror(errno ? errno : EIO));
done:
	export_tree_free(&t);
	return rc;
}
