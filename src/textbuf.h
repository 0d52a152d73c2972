/*
 * textbuf.h: bounded text in a caller's buffer, without stdio or malloc.
 *
 * Owns the one formatter of the preload library's messages and option text
 * (log.c, options.c; `heapsnap run` compiles options.c too). A textbuf
 * writes into a fixed buffer, keeps it NUL-terminated and cuts what does
 * not fit (truncated is set). Context: any thread, any state, signal
 * handlers included. Invariants: (1) never allocates, no stdio, no locale,
 * no global state: only the caller's buffer is written (glibc's snprintf
 * is none of these for every conversion: %f/%g may malloc); (2) async-
 * signal-safe; (3) textbuf_printf knows a subset of printf, listed below,
 * and writes an unknown conversion as "%?" so that a gap shows in the text.
 */
#ifndef HEAPSNAP_TEXTBUF_H
#define HEAPSNAP_TEXTBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct textbuf {
	char *p;
	size_t cap, len; /* len < cap: p[len] is the terminating NUL */
	bool truncated;
};

/* Context: any thread. Never allocates. cap may be 0 (then nothing is
 * ever written, not even the NUL). */
void textbuf_init(struct textbuf *b, char *buf, size_t cap);

/* Context: any thread. Never allocates. Append n bytes / a C string. */
void textbuf_putn(struct textbuf *b, const char *s, size_t n);
void textbuf_puts(struct textbuf *b, const char *s);
void textbuf_putc(struct textbuf *b, char c);

/* Context: any thread. Never allocates. Decimal integers. */
void textbuf_putu(struct textbuf *b, uint64_t v);
void textbuf_puti(struct textbuf *b, int64_t v);

/* Context: any thread. Never allocates. v / 10^decimals in decimal, with
 * trailing fractional zeros (and a bare '.') dropped: (250000, 6) -> 0.25. */
void textbuf_putfixed(struct textbuf *b, uint64_t v, unsigned decimals);

/* Context: any thread. Never allocates. Async-signal-safe. printf subset:
 * flags '-' and '0', a width, a precision ('.N' or '.*'), length modifiers
 * hh h l ll z j t, conversions d i u x X c s p %. No floating point. */
void textbuf_vprintf(struct textbuf *b, const char *fmt, va_list ap);
void textbuf_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
