/*
 * fmt.c: sizes, frame labels and escaped strings for the tools' output.
 *
 * Owns the look of numbers and frames in heapdiff and heapsnap info (see
 * fmt.h). Main thread only; pure apart from writing to the FILE given.
 * Invariants: buffers are never overflowed; snapshot strings are treated
 * as untrusted (a snapshot is just a file someone handed us).
 */
#include "fmt.h"

#include "snapread.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void fmt_bytes(char *buf, size_t len, int64_t bytes, bool plus)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	const char *sign = bytes < 0 ? "-" : (plus && bytes > 0 ? "+" : "");
	uint64_t mag = bytes < 0 ? -(uint64_t)bytes : (uint64_t)bytes;
	double v = (double)mag;
	int u = -1;

	if (mag < 1024) {
		snprintf(buf, len, "%s%" PRIu64 " B", sign, mag);
		return;
	}
	while (v >= 1024.0 && u < 5) {
		v /= 1024.0;
		u++;
	}
	/* 1023.96 KiB would print as "1024.0 KiB": move up a unit instead. */
	if (v >= 1023.95 && u < 5) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, len, "%s%.1f %s", sign, v, unit[u]);
}

static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void fmt_frame(char *buf, size_t len, const struct snapread_frame *f)
{
	char where[512];

	if (f->has_offset && f->module_base)
		snprintf(where, sizeof(where), "%s+0x%" PRIx64, f->module_base, f->offset);
	else if (f->jit)
		snprintf(where, sizeof(where), "[jit] 0x%" PRIx64, f->address);
	else
		snprintf(where, sizeof(where), "0x%" PRIx64, f->address);

	if (f->function && f->file && f->line > 0)
		snprintf(buf, len, "%s (%s:%" PRId64 ")", f->function, f->file, f->line);
	else if (f->function && f->file)
		snprintf(buf, len, "%s (%s)", f->function, f->file);
	else if (f->function)
		snprintf(buf, len, "%s (%s)", f->function, where);
	else
		snprintf(buf, len, "%s", where);
	clean(buf);
}

void fmt_put_clean(FILE *out, const char *s)
{
	for (; s && *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void fmt_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	while (*p) {
		size_t n;

		switch (*p) {
		case '"':  fputs("\\\"", out); p++; continue;
		case '\\': fputs("\\\\", out); p++; continue;
		case '\b': fputs("\\b", out); p++; continue;
		case '\f': fputs("\\f", out); p++; continue;
		case '\n': fputs("\\n", out); p++; continue;
		case '\r': fputs("\\r", out); p++; continue;
		case '\t': fputs("\\t", out); p++; continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p);
			p++;
			continue;
		}
		n = utf8_len(p);
		if (n == 0) {
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		fwrite(p, 1, n, out);
		p += n;
	}
	fputc('"', out);
}

void fmt_json_real(FILE *out, double v)
{
	char buf[40];

	if (!isfinite(v)) {
		fputs("null", out);
		return;
	}
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	/* Keep it a JSON real: "3" would read back as an integer. */
	if (!strpbrk(buf, ".eE"))
		strcat(buf, ".0");
	fputs(buf, out);
}
