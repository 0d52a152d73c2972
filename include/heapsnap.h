/*
 * heapsnap.h: the public API of libheapsnap.so.
 *
 * A program may ask for a snapshot at a moment it chooses (after a request,
 * at the end of a phase). The declarations are weak: a program that includes
 * this header runs unchanged when the library is not loaded, and
 * heapsnap_available() tells whether it is.
 *
 *   if (heapsnap_available())
 *           heapsnap_snapshot("after-warmup");
 */
#ifndef HEAPSNAP_H
#define HEAPSNAP_H

#ifdef __cplusplus
extern "C" {
#endif

/* Writes a snapshot now, with trigger "api" and the given label (may be
 * NULL) in its meta table: the library's writer thread writes it while the
 * calling thread waits (a small thread stack is enough). Returns 0, or -1
 * with errno set: ENOTSUP when tracking is off, another value when the file
 * could not be written. */
#ifdef HEAPSNAP_DEFINING_API
int heapsnap_snapshot(const char *label);
#else
int heapsnap_snapshot(const char *label) __attribute__((weak));
#endif

#ifndef HEAPSNAP_DEFINING_API
/* Non-zero when libheapsnap.so is loaded into this process. */
static inline int heapsnap_available(void)
{
	return heapsnap_snapshot != 0;
}
#endif

#ifdef __cplusplus
}
#endif

#endif
