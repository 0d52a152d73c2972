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
 *
 * A server may also label the memory each request allocates, by endpoint:
 *
 *   heapsnap_set_label("/upload");   (a no-op without the library)
 *   handle_upload(req);
 *   heapsnap_set_label(NULL);
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

/* Tags the calling thread with LABEL until the next call (NULL or ""
 * clears it): every allocation the tracker samples meanwhile carries the
 * label, in its stack's row of the snapshot, and `heapdiff --by label`
 * groups by it. LABEL is copied (at most 63 bytes are kept); the process
 * keeps at most 256 distinct labels, later new ones are recorded as
 * "(other)". Costs a short table look-up per call, never allocates, and is
 * not async-signal-safe. Without the library loaded it does nothing: the
 * macro below calls the library's function only when it is there. */
#ifdef HEAPSNAP_DEFINING_API
void heapsnap_set_label(const char *label);
#else
void heapsnap_set_label(const char *label) __attribute__((weak));
static inline void heapsnap_set_label_if_loaded_(const char *label)
{
	if (heapsnap_set_label)
		heapsnap_set_label(label);
}
#define heapsnap_set_label(label) heapsnap_set_label_if_loaded_(label)
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
