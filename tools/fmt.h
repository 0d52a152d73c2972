/*
 * fmt.h: text formatting shared by heapdiff and heapsnap info.
 *
 * Owns how sizes, frames and untrusted strings look in the tools' output:
 * binary units (1 KiB = 1024 bytes), "function (file:line)" for symbolized
 * frames, "module+0xOFF" for the rest, and JSON string escaping.
 * Main thread only. Invariants: output is written to the caller's buffer or
 * FILE and is always NUL-terminated and truncated, never overflowed;
 * strings read from a snapshot never reach a terminal with control
 * characters in them, nor JSON unescaped or as invalid UTF-8.
 */
#ifndef HEAPSNAP_TOOLS_FMT_H
#define HEAPSNAP_TOOLS_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct snapread_frame;

/* "512 B", "4.0 KiB", "1.5 GiB"; with plus, positive values get '+'. */
void fmt_bytes(char *buf, size_t len, int64_t bytes, bool plus);

/* "leak (demo.c:42)", "leak (libx.so+0x1a2b)", "libx.so+0x1a2b", "0x7f12..".
 * Control characters in names become '?'. */
void fmt_frame(char *buf, size_t len, const struct snapread_frame *f);

/* Writes s to out with control characters replaced by '?'. */
void fmt_put_clean(FILE *out, const char *s);

/* JSON: a quoted, escaped string (invalid UTF-8 becomes U+FFFD), or null. */
void fmt_json_string(FILE *out, const char *s);

/* JSON number for a double: shortest text that reads back exactly; null
 * for infinities and NaN. */
void fmt_json_real(FILE *out, double v);

#endif
