/*
 * export_svg.c: a self-contained interactive flame graph (SVG + script).
 *
 * Owns the drawing of the export tree: callers at the bottom, call sites
 * on top, width proportional to bytes (retained growth between two
 * snapshots, or live bytes), children ordered by weight, widest first.
 * Each frame is a <g class="f"> holding a <title> (the tooltip: frame,
 * bytes, share, allocation count, file:line), a <rect> and a <text>.
 * The embedded script gives search (the "Search" button, Ctrl-F, or
 * #search=REGEX in the URL: matches turn magenta and their share is
 * shown), zoom on click (#zoom=LABEL), reset, and a details line on
 * hover. Main thread only.
 * Invariants: (1) the file references nothing outside itself: no network,
 * no external stylesheet, font or script; (2) every string from a
 * snapshot is XML-escaped and invalid UTF-8 becomes '?', so the file
 * always parses; (3) frames narrower than 0.1 pixel are left out (their
 * bytes still count in their parents).
 */
#include "export.h"

#include "fmt.h"
#include "msgs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 1200.0
#define ROW 16
#define TOP 48     /* title and buttons */
#define BOTTOM 28  /* details line */
#define PAD 10.0

static size_t utf8_seq(const unsigned char *s)
{
	size_t n;

	if (*s < 0x80)
		return 1;
	if ((*s & 0xe0) == 0xc0 && *s >= 0xc2)
		n = 2;
	else if ((*s & 0xf0) == 0xe0)
		n = 3;
	else if ((*s & 0xf8) == 0xf0 && *s <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Invariant 2. */
static void xml_put(FILE *out, const char *str)
{
	for (const unsigned char *s = (const unsigned char *)str; s && *s;) {
		size_t n = utf8_seq(s);

		if (n == 0) {
			fputc('?', out);
			s++;
			continue;
		}
		if (n > 1) {
			fwrite(s, 1, n, out);
			s += n;
			continue;
		}
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s < 0x20 || *s == 0x7f ? '?' : *s, out); break;
		}
		s++;
	}
}

struct draw {
	FILE *out;
	const struct export_tree *t;
	enum export_mode mode;
	double scale;   /* pixels per byte */
	uint32_t maxdepth;
	uint32_t *kids; /* scratch for sorting children */
};

static const struct export_tree *sort_tree;

static int by_weight(const void *a, const void *b)
{
	const struct export_node *x = &sort_tree->node[*(const uint32_t *)a];
	const struct export_node *y = &sort_tree->node[*(const uint32_t *)b];

	if (x->w_total != y->w_total)
		return x->w_total < y->w_total ? 1 : -1;
	return strcmp(x->label, y->label);
}

static void color(char *buf, size_t len, const char *label)
{
	unsigned h = 0;

	for (const char *c = label; *c && *c != ' '; c++)
		h = h * 31 + (unsigned char)*c;
	/* warm palette, as flame graphs of memory are usually drawn */
	snprintf(buf, len, "rgb(%u,%u,%u)", 205 + h % 50, 80 + (h >> 8) % 120, 40 + (h >> 16) % 40);
}

static void frame(struct draw *d, uint32_t id, double x)
{
	const struct export_node *n = &d->t->node[id];
	const struct export_node *root = &d->t->node[0];
	double w = (double)n->w_total * d->scale;
	double y = TOP + (double)(d->maxdepth - n->depth) * ROW;
	char bytes[32], fill[32];
	size_t nk = 0;

	if (id != 0) {
		fmt_bytes(bytes, sizeof(bytes), n->w_total, d->mode == EXPORT_GROWTH);
		color(fill, sizeof(fill), n->label);
		fprintf(d->out, "<g class=\"f\" data-x=\"%.6f\" data-w=\"%.6f\" data-d=\"%u\">"
			"<title>", (x - PAD) / (WIDTH - 2 * PAD), w / (WIDTH - 2 * PAD), n->depth);
		xml_put(d->out, n->label);
		fprintf(d->out, "\n%s (%" PRId64 " bytes, %.2f%%)%s\n%+" PRId64 " allocations",
			bytes, n->w_total,
			root->w_total ? 100.0 * (double)n->w_total / (double)root->w_total : 0.0,
			d->mode == EXPORT_GROWTH ? " retained growth" : " live",
			n->c_total);
		if (n->w_self && n->w_self != n->w_total)
			fprintf(d->out, "\nself: %" PRId64 " bytes", n->w_self);
		if (n->file) {
			fputs("\n", d->out);
			xml_put(d->out, n->file);
			if (n->line > 0)
				fprintf(d->out, ":%" PRId64, n->line);
		}
		fprintf(d->out, "</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
			"fill=\"%s\" rx=\"2\"/><text x=\"%.2f\" y=\"%.1f\">", x, y, w, ROW - 1,
			fill, x + 3, y + ROW - 4.5);
		xml_put(d->out, n->label);
		fputs("</text></g>\n", d->out);
	}
	for (uint32_t c = n->first_child; c != UINT32_MAX; c = d->t->node[c].next_sibling)
		if ((double)d->t->node[c].w_total * d->scale >= 0.1) /* invariant 3 */
			nk++;
	if (!nk)
		return;
	uint32_t *kids = msgs_xmalloc(nk * sizeof(*kids));
	nk = 0;
	for (uint32_t c = n->first_child; c != UINT32_MAX; c = d->t->node[c].next_sibling)
		if ((double)d->t->node[c].w_total * d->scale >= 0.1)
			kids[nk++] = c;
	sort_tree = d->t;
	qsort(kids, nk, sizeof(*kids), by_weight);
	for (size_t i = 0; i < nk; i++) {
		frame(d, kids[i], x);
		x += (double)d->t->node[kids[i]].w_total * d->scale;
	}
	free(kids);
}

static const char script[] =
"<script type=\"text/ecmascript\"><![CDATA[\n"
"'use strict';\n"
"var W = %g, PAD = %g, frames = [], details, matched, reset, zoomed = null;\n"
"function fit(g) {\n"
"  var r = g.querySelector('rect'), t = g.querySelector('text');\n"
"  var w = +r.getAttribute('width'), full = g.querySelector('title').textContent.split('\\n')[0];\n"
"  var n = Math.floor((w - 6) / 7);\n"
"  t.textContent = n < 3 ? '' : (full.length <= n ? full : full.slice(0, n - 2) + '..');\n"
"}\n"
"function place(g, x, w, show) {\n"
"  var r = g.querySelector('rect'), t = g.querySelector('text');\n"
"  g.style.display = show ? '' : 'none';\n"
"  r.setAttribute('x', x.toFixed(2)); r.setAttribute('width', w.toFixed(2));\n"
"  t.setAttribute('x', (x + 3).toFixed(2)); fit(g);\n"
"}\n"
"function zoom(g) {\n"
"  var zx = +g.dataset.x, zw = +g.dataset.w, zd = +g.dataset.d, span = W - 2 * PAD;\n"
"  zoomed = g;\n"
"  frames.forEach(function (f) {\n"
"    var x = +f.dataset.x, w = +f.dataset.w, d = +f.dataset.d;\n"
"    if (d >= zd && x >= zx - 1e-9 && x + w <= zx + zw + 1e-9)\n"
"      place(f, PAD + (x - zx) / zw * span, w / zw * span, true);\n"
"    else if (d < zd && x <= zx + 1e-9 && x + w >= zx + zw - 1e-9)\n"
"      place(f, PAD, span, true);\n"
"    else place(f, 0, 0, false);\n"
"  });\n"
"  reset.style.display = '';\n"
"}\n"
"function unzoom() {\n"
"  var span = W - 2 * PAD;\n"
"  zoomed = null;\n"
"  frames.forEach(function (f) { place(f, PAD + f.dataset.x * span, f.dataset.w * span, true); });\n"
"  reset.style.display = 'none';\n"
"}\n"
"function search(term) {\n"
"  var re, share = 0, covered = [];\n"
"  frames.forEach(function (f) { var r = f.querySelector('rect');\n"
"    if (r.dataset.fill) { r.setAttribute('fill', r.dataset.fill); delete r.dataset.fill; } });\n"
"  if (!term) { matched.textContent = ''; return 0; }\n"
"  try { re = new RegExp(term); } catch (e) { matched.textContent = 'bad regex'; return 0; }\n"
"  frames.forEach(function (f) {\n"
"    var r = f.querySelector('rect'), name = f.querySelector('title').textContent.split('\\n')[0];\n"
"    if (!re.test(name)) return;\n"
"    r.dataset.fill = r.getAttribute('fill'); r.setAttribute('fill', 'rgb(230,0,230)');\n"
"    var x = +f.dataset.x, w = +f.dataset.w;\n"
"    if (!covered.some(function (c) { return x >= c[0] - 1e-9 && x + w <= c[1] + 1e-9; })) {\n"
"      covered.push([x, x + w]); share += w; }\n"
"  });\n"
"  matched.textContent = 'Matched: ' + (100 * share).toFixed(1) + '%%';\n"
"  return share;\n"
"}\n"
"function init() {\n"
"  frames = Array.prototype.slice.call(document.querySelectorAll('g.f'));\n"
"  details = document.getElementById('details'); matched = document.getElementById('matched');\n"
"  reset = document.getElementById('reset');\n"
"  frames.forEach(function (g) {\n"
"    fit(g);\n"
"    g.addEventListener('click', function () { zoom(g); });\n"
"    g.addEventListener('mouseover', function () {\n"
"      details.textContent = g.querySelector('title').textContent.split('\\n').slice(0, 2).join('  ');\n"
"    });\n"
"    g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
"  });\n"
"  reset.addEventListener('click', unzoom);\n"
"  document.getElementById('search').addEventListener('click', function () {\n"
"    search(prompt('Search frames (regular expression):', ''));\n"
"  });\n"
"  window.addEventListener('keydown', function (e) {\n"
"    if (e.key === 'f' && (e.ctrlKey || e.metaKey)) { e.preventDefault();\n"
"      search(prompt('Search frames (regular expression):', '')); }\n"
"    if (e.key === 'Escape') { search(''); unzoom(); }\n"
"  });\n"
"  var h = decodeURIComponent(location.hash.slice(1));\n"
"  h.split('&').forEach(function (kv) {\n"
"    var i = kv.indexOf('='), k = kv.slice(0, i), v = kv.slice(i + 1);\n"
"    if (k === 'search') search(v);\n"
"    if (k === 'zoom') frames.some(function (f) {\n"
"      if (f.querySelector('title').textContent.split('\\n')[0] === v) { zoom(f); return true; }\n"
"      return false; });\n"
"  });\n"
"  document.documentElement.setAttribute('data-ready', '1');\n"
"}\n"
"window.addEventListener('load', init);\n"
"]]></script>\n";

int export_svg(const char *path, struct snapread *old, struct snapread *new,
	       enum export_mode mode, const char *title)
{
	struct export_tree t;
	struct draw d = { 0 };
	char total[32];
	FILE *out;
	int rc = 0;

	if (export_tree_build(&t, old, new) < 0)
		return -1;
	export_tree_weigh(&t, mode);
	out = fopen(path, "w");
	if (!out) {
		rc = msgs_error("cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	d.out = out;
	d.t = &t;
	d.mode = mode;
	d.scale = t.node[0].w_total > 0 ? (WIDTH - 2 * PAD) / (double)t.node[0].w_total : 0;
	for (size_t i = 1; i < t.len; i++)
		if (t.node[i].w_total > 0 && (double)t.node[i].w_total * d.scale >= 0.1 &&
		    t.node[i].depth > d.maxdepth)
			d.maxdepth = t.node[i].depth;
	int height = TOP + (int)(d.maxdepth ? d.maxdepth : 1) * ROW + BOTTOM;

	fmt_bytes(total, sizeof(total), t.node[0].w_total, false);
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\">\n"
		"<style>text { font-family: monospace; font-size: 12px; fill: #000; }\n"
		"g.f { cursor: pointer; } g.f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
		"text.b { cursor: pointer; fill: #225; text-decoration: underline; }\n"
		"#title { font-size: 16px; }</style>\n"
		"<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"#fdfdf6\"/>\n"
		"<text id=\"title\" x=\"%g\" y=\"20\" text-anchor=\"middle\">", (int)WIDTH, height,
		(int)WIDTH, height, WIDTH / 2);
	xml_put(out, title);
	fprintf(out, "</text>\n<text x=\"%g\" y=\"38\" text-anchor=\"middle\">%s %s in total"
		" (click a frame to zoom, Ctrl-F to search)</text>\n"
		"<text id=\"reset\" class=\"b\" x=\"%g\" y=\"20\" style=\"display:none\">Reset zoom</text>\n"
		"<text id=\"search\" class=\"b\" x=\"%g\" y=\"20\" text-anchor=\"end\">Search</text>\n"
		"<text id=\"matched\" x=\"%g\" y=\"%d\" text-anchor=\"end\"></text>\n"
		"<text id=\"details\" x=\"%g\" y=\"%d\"> </text>\n",
		WIDTH / 2, total, mode == EXPORT_GROWTH ? "retained growth" : "live",
		PAD, WIDTH - PAD, WIDTH - PAD, height - 10, PAD, height - 10);
	if (t.node[0].w_total > 0)
		frame(&d, 0, PAD);
	else
		fprintf(out, "<text x=\"%g\" y=\"%d\" text-anchor=\"middle\">nothing to draw: "
			"no %s</text>\n", WIDTH / 2, TOP + ROW,
			mode == EXPORT_GROWTH ? "site grew" : "live bytes");
	fprintf(out, script, WIDTH, PAD);
	fputs("</svg>\n", out);
	if (ferror(out) | (fclose(out) != 0))
		rc = msgs_error("cannot write '%s': %s; check the disk space", path,
				strerror(errno ? errno : EIO));
done:
	export_tree_free(&t);
	return rc;
}
