/*
 * log.h: diagnostics of the preload library.
 *
 * Owns the tracker's private duplicate of stderr, taken at start-up because
 * some programs close fd 2 before exit. Messages are formatted by textbuf.c
 * into a stack buffer and written with write(2): no stdio, no malloc, no
 * libc formatter. Before each write the duplicate is checked (fstat, same
 * inode as at start-up) so that a program that closed it and reused the
 * number never gets our text in its file.
 */
#ifndef HEAPSNAP_LOG_H
#define HEAPSNAP_LOG_H

/* Context: start-up, one thread. Never allocates. */
void log_init(void);

/* Context: any thread. Never allocates, no stdio. Writes "heapsnap: <msg>\n"
 * (at most 511 bytes). fmt: textbuf_printf's subset (%s %d %u %zu %x %p...,
 * no floating point). */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
