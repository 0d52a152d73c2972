/*
 * debug.c: the run-time half of debug.h (debug builds only; empty otherwise).
 *
 * Context: any thread, signal handlers included. Never allocates: the
 * failure line goes through log_msg (textbuf, write(2)), then abort().
 */
#include "debug.h"

#ifdef HEAPSNAP_DEBUG

#include "log.h"
#include "tstate.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__thread int debug_nomalloc_depth __attribute__((tls_model("initial-exec")));
__thread const char *debug_nomalloc_where __attribute__((tls_model("initial-exec")));

void debug_fail(const char *file, int line, const char *contract)
{
	debug_nomalloc_depth = 0; /* the report itself must not trip the check */
	log_msg("debug: %s:%d: %s", file, line, contract);
	abort();
}

bool debug_caller_is_tracker(const void *ret)
{
	static const char *const ours[] = {
		"libunwind", "libdw", "libelf", "libc.so", "libstdc++", "ld-linux", NULL,
	};
	Dl_info info, self;
	if (!dladdr(ret, &info) || !info.dli_fname)
		return true; /* unknown: the contract's benefit of the doubt is no doubt */
	/* the module of this very code: libheapsnap.so, or a unit test */
	if (dladdr((const void *)debug_caller_is_tracker, &self) && self.dli_fbase == info.dli_fbase)
		return true;
	const char *base = strrchr(info.dli_fname, '/');
	base = base ? base + 1 : info.dli_fname;
	for (const char *const *o = ours; *o; o++)
		if (strncmp(base, *o, strlen(*o)) == 0)
			return true;
	return false; /* the program's own code: a signal handler on top */
}

void debug_fail_nomalloc(const char *file, int line, const char *hook)
{
	const char *where = debug_nomalloc_where ? debug_nomalloc_where : "?";
	debug_nomalloc_depth = 0;
	log_msg("debug: %s:%d: %s() called inside %s, documented never to allocate", file, line, hook,
		where);
	abort();
}

/* glibc records the owner's tid from the thread's own descriptor: in a
 * vfork child that is still the parent's, while gettid() is the child's. */
bool debug_mutex_held(pthread_mutex_t *m)
{
	int owner = __atomic_load_n(&m->__data.__owner, __ATOMIC_RELAXED);
	return owner == gettid() || (owner != 0 && owner == tstate_tls.tid);
}

bool debug_guard_held(void)
{
	return tstate_tls.guard > 0;
}

#endif
