/*
 * debug.h: contract assertions of the debug build (./configure --enable-debug).
 *
 * Owns the macros that check what header comments claim: DEBUG_ASSERT_HELD
 * ("called with X held", "changes only under X": the calling thread owns
 * the mutex), DEBUG_ASSERT_GUARD ("guard held": tstate_tls.guard > 0) and
 * the never-allocating sections (DEBUG_NOMALLOC_ENTER/LEAVE around code
 * documented "never allocates"; every exported hook runs DEBUG_NOMALLOC_CHECK
 * and aborts when the tracker calls the application's allocator inside one).
 * A broken contract writes one line "heapsnap: debug: FILE:LINE: CONTRACT"
 * through log.c and aborts. With HEAPSNAP_DEBUG undefined (every build but
 * --enable-debug) each macro compiles to nothing: no code, no TLS, no cost.
 * Lock ownership is read from glibc's own record of it (pthread_mutex_t's
 * __data.__owner, the owner's tid, written by every lock of every mutex type
 * and cleared by unlock); tests/unit/test_debug.c checks that reading.
 * Context: any thread, signal handlers included. Never allocates.
 */
#ifndef HEAPSNAP_DEBUG_H
#define HEAPSNAP_DEBUG_H

#ifdef HEAPSNAP_DEBUG

#include "spinlock.h"

#include <pthread.h>
#include <stdbool.h>

/* Depth of never-allocating sections of this thread, and the outermost one. */
extern __thread int debug_nomalloc_depth __attribute__((tls_model("initial-exec")));
extern __thread const char *debug_nomalloc_where __attribute__((tls_model("initial-exec")));

/* Context: any thread. Writes the line and aborts. */
__attribute__((noreturn, cold)) void debug_fail(const char *file, int line, const char *contract);
/* Context: any thread. The same for a hook called inside a section. */
__attribute__((noreturn, cold)) void debug_fail_nomalloc(const char *file, int line, const char *hook);
/* Context: any thread. Does the calling thread hold m? */
bool debug_mutex_held(pthread_mutex_t *m);
/* Context: any thread. Is this thread's reentrancy guard held? */
bool debug_guard_held(void);

#define DEBUG_ASSERT(cond, contract) \
	((cond) ? (void)0 : debug_fail(__FILE__, __LINE__, contract))
/* m: a pthread_mutex_t * or a struct spinlock * (spinlock.h) */
#define DEBUG_ASSERT_HELD(m, contract) \
	DEBUG_ASSERT(_Generic((m), struct spinlock *: spinlock_held, default: debug_mutex_held)(m), contract)
#define DEBUG_ASSERT_GUARD(contract) DEBUG_ASSERT(debug_guard_held(), contract)
#define DEBUG_NOMALLOC_ENTER(name)                    \
	do {                                          \
		if (debug_nomalloc_depth++ == 0)      \
			debug_nomalloc_where = (name); \
	} while (0)
#define DEBUG_NOMALLOC_LEAVE() ((void)debug_nomalloc_depth--)
/* A section entered only when cond holds; v names a local for the LEAVE. */
#define DEBUG_NOMALLOC_ENTER_IF(v, cond, name) \
	int v = !!(cond);                      \
	if (v)                                 \
		DEBUG_NOMALLOC_ENTER(name)
#define DEBUG_NOMALLOC_LEAVE_IF(v) ((void)(debug_nomalloc_depth -= (v)))
/* A hook called inside a never-allocating section breaks the contract when
 * the tracker (or a library it calls) made the call, not when a signal
 * handler of the program did, on top of the section: the caller's module
 * tells them apart. */
bool debug_caller_is_tracker(const void *ret);
#define DEBUG_NOMALLOC_CHECK(hook)                                                      \
	(debug_nomalloc_depth > 0 && debug_caller_is_tracker(__builtin_return_address(0)) \
		 ? debug_fail_nomalloc(__FILE__, __LINE__, hook)                           \
		 : (void)0)

#else

#define DEBUG_ASSERT(cond, contract) ((void)0)
#define DEBUG_ASSERT_HELD(m, contract) ((void)0)
#define DEBUG_ASSERT_GUARD(contract) ((void)0)
#define DEBUG_NOMALLOC_ENTER(name) ((void)0)
#define DEBUG_NOMALLOC_LEAVE() ((void)0)
#define DEBUG_NOMALLOC_ENTER_IF(v, cond, name) ((void)0)
#define DEBUG_NOMALLOC_LEAVE_IF(v) ((void)0)
#define DEBUG_NOMALLOC_CHECK(hook) ((void)0)

#endif
#endif
