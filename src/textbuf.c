/*
 * textbuf.c: bounded text formatting (see textbuf.h for the contract).
 *
 * Context: any thread, signal handlers included. Invariants: (1) never
 * allocates and calls nothing but memcpy/strlen-like code of its own: no
 * libc formatter, no locale; (2) b->p[b->len] == '\0' whenever cap > 0.
 */
#include "textbuf.h"

#include <string.h>

void textbuf_init(struct textbuf *b, char *buf, size_t cap)
{
	b->p = buf;
	b->cap = cap;
	b->len = 0;
	b->truncated = false;
	if (cap)
		buf[0] = '\0';
}

void textbuf_putn(struct textbuf *b, const char *s, size_t n)
{
	if (b->cap == 0) {
		b->truncated |= n > 0;
		return;
	}
	size_t room = b->cap - 1 - b->len;
	if (n > room) {
		n = room;
		b->truncated = true;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void textbuf_puts(struct textbuf *b, const char *s)
{
	textbuf_putn(b, s, strlen(s));
}

void textbuf_putc(struct textbuf *b, char c)
{
	textbuf_putn(b, &c, 1);
}

/* Digits of v in base (10 or 16) into the end of tmp; returns the first. */
static char *digits(char *end, uint64_t v, unsigned base, bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;
	do {
		*--p = set[v % base];
		v /= base;
	} while (v);
	return p;
}

void textbuf_putu(struct textbuf *b, uint64_t v)
{
	char tmp[24], *p = digits(tmp + sizeof(tmp), v, 10, false);
	textbuf_putn(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void textbuf_puti(struct textbuf *b, int64_t v)
{
	if (v < 0) {
		textbuf_putc(b, '-');
		textbuf_putu(b, -(uint64_t)v);
	} else {
		textbuf_putu(b, (uint64_t)v);
	}
}

void textbuf_putfixed(struct textbuf *b, uint64_t v, unsigned decimals)
{
	uint64_t scale = 1;
	for (unsigned i = 0; i < decimals && i < 19; i++)
		scale *= 10;
	textbuf_putu(b, v / scale);
	uint64_t frac = v % scale;
	if (frac == 0)
		return;
	char tmp[20];
	unsigned n = 0;
	for (uint64_t s = scale / 10; s > 0; s /= 10)
		tmp[n++] = (char)('0' + (frac / s) % 10);
	while (n > 0 && tmp[n - 1] == '0')
		n--;
	textbuf_putc(b, '.');
	textbuf_putn(b, tmp, n);
}

static void pad(struct textbuf *b, char c, size_t n)
{
	while (n-- > 0)
		textbuf_putc(b, c);
}

/* One field: sign/prefix, then the body, padded to width. */
static void field(struct textbuf *b, const char *prefix, const char *body, size_t n, size_t zeros,
		  unsigned width, bool left, bool zero_pad)
{
	size_t lp = strlen(prefix), total = lp + zeros + n;
	size_t fill = width > total ? width - total : 0;
	if (!left && !zero_pad)
		pad(b, ' ', fill);
	textbuf_puts(b, prefix);
	if (!left && zero_pad)
		pad(b, '0', fill);
	pad(b, '0', zeros);
	textbuf_putn(b, body, n);
	if (left)
		pad(b, ' ', fill);
}

void textbuf_vprintf(struct textbuf *b, const char *fmt, va_list ap)
{
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			const char *lit = f;
			while (f[1] && f[1] != '%')
				f++;
			textbuf_putn(b, lit, (size_t)(f - lit + 1));
			continue;
		}
		f++;
		bool left = false, zero_pad = false;
		for (;; f++) {
			if (*f == '-')
				left = true;
			else if (*f == '0')
				zero_pad = true;
			else
				break;
		}
		unsigned width = 0;
		if (*f == '*') {
			int w = va_arg(ap, int);
			if (w < 0)
				left = true, w = -w;
			width = (unsigned)w;
			f++;
		}
		for (; *f >= '0' && *f <= '9'; f++)
			width = width * 10 + (unsigned)(*f - '0');
		int prec = -1;
		if (*f == '.') {
			f++;
			prec = 0;
			if (*f == '*') {
				prec = va_arg(ap, int);
				f++;
			} else {
				for (; *f >= '0' && *f <= '9'; f++)
					prec = prec * 10 + (*f - '0');
			}
		}
		if (width > 4096)
			width = 4096; /* bounded work: the buffer is smaller anyway */
		int len = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t/intmax/ptrdiff */
		if (*f == 'h')
			len = f[1] == 'h' ? (f++, -2) : -1, f++;
		else if (*f == 'l')
			len = f[1] == 'l' ? (f++, 2) : 1, f++;
		else if (*f == 'z' || *f == 'j' || *f == 't')
			len = 3, f++;
		char conv = *f;
		char tmp[24], *end = tmp + sizeof(tmp), *p;
		uint64_t u = 0;
		switch (conv) {
		case 'd':
		case 'i': {
			int64_t v;
			if (len == 2)
				v = va_arg(ap, long long);
			else if (len == 1)
				v = va_arg(ap, long);
			else if (len == 3)
				v = (int64_t)va_arg(ap, intmax_t);
			else
				v = va_arg(ap, int);
			if (len == -1)
				v = (short)v;
			else if (len == -2)
				v = (signed char)v;
			u = v < 0 ? -(uint64_t)v : (uint64_t)v;
			p = prec == 0 && u == 0 ? end : digits(end, u, 10, false);
			size_t n = (size_t)(end - p);
			size_t zeros = prec > 0 && (size_t)prec > n ? (size_t)prec - n : 0;
			field(b, v < 0 ? "-" : "", p, n, zeros, width, left, zero_pad && prec < 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			if (len == 2)
				u = va_arg(ap, unsigned long long);
			else if (len == 1)
				u = va_arg(ap, unsigned long);
			else if (len == 3)
				u = (uint64_t)va_arg(ap, size_t);
			else
				u = va_arg(ap, unsigned);
			if (len == -1)
				u = (unsigned short)u;
			else if (len == -2)
				u = (unsigned char)u;
			p = prec == 0 && u == 0 ? end : digits(end, u, conv == 'u' ? 10 : 16, conv == 'X');
			{
				size_t n = (size_t)(end - p);
				size_t zeros = prec > 0 && (size_t)prec > n ? (size_t)prec - n : 0;
				field(b, "", p, n, zeros, width, left, zero_pad && prec < 0);
			}
			break;
		case 'p':
			u = (uint64_t)(uintptr_t)va_arg(ap, void *);
			if (u == 0) {
				field(b, "", "(nil)", 5, 0, width, left, false);
			} else {
				p = digits(end, u, 16, false);
				field(b, "0x", p, (size_t)(end - p), 0, width, left, false);
			}
			break;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			field(b, "", tmp, 1, 0, width, left, false);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t n = 0;
			while ((prec < 0 || n < (size_t)prec) && s[n])
				n++;
			field(b, "", s, n, 0, width, left, false);
			break;
		}
		case '%':
			textbuf_putc(b, '%');
			break;
		default:
			textbuf_puts(b, "%?");
			if (!conv)
				return;
			break;
		}
	}
}

void textbuf_printf(struct textbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	textbuf_vprintf(b, fmt, ap);
	va_end(ap);
}
