/*
 * dlclose.c: the exported dlclose. Reads the module list before and after
 * the real dlclose and tells modmap.c the modules that went away (path,
 * build-id, load address), so that the addresses live stacks hold in them
 * are still named, from the file on disk, by later snapshots, bumps the
 * module epoch (modmap.h) once per dlclose that removed any, and flushes
 * the unwinder's rule cache (cfiunwind.h) once the real dlclose returned.
 * Context: any application thread. The real dlclose runs without the guard
 * (the destructors it runs are the program's, tracked as ever); the lists
 * are read with the guard held, from the tracker arena; errno is what the
 * real dlclose left. Only while tracking; the tracker's own calls (guard
 * held) go straight through. No lock is held across the real call, so a
 * destructor that calls dlclose nests safely.
 */
#include "cfiunwind.h"
#include "core.h"
#include "modmap.h"
#include "tstate.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

static int (*next_dlclose)(void *);

__attribute__((visibility("default"))) int dlclose(void *handle)
{
	struct tstate *ts = &tstate_tls;
	int (*next)(void *) = __atomic_load_n(&next_dlclose, __ATOMIC_ACQUIRE);
	if (!next) {
		int saved = errno;
		tstate_guard_enter(ts);
		next = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
		tstate_guard_leave(ts);
		errno = saved;
		if (!next)
			return -1; /* no dlclose after us: not glibc */
		__atomic_store_n(&next_dlclose, next, __ATOMIC_RELEASE);
	}
	if (ts->guard || !__atomic_load_n(&core_running, __ATOMIC_ACQUIRE))
		return next(handle);
	int saved = errno;
	tstate_guard_enter(ts);
	struct modmap before;
	int rc = modmap_read(&before);
	tstate_guard_leave(ts);
	errno = saved;
	int r = next(handle);
	saved = errno;
	tstate_guard_enter(ts);
	cfiunwind_flush(); /* a module may be gone: its rules with it */
	struct modmap after;
	if (rc == 0 && modmap_read(&after) == 0) {
		uint32_t epoch = 0; /* bumped once, at the first module gone */
		for (size_t i = 0; i < before.n; i++) {
			const struct modmap_module *b = &before.v[i];
			if (b->unloaded)
				continue;
			bool still = false;
			for (size_t j = 0; j < after.n && !still; j++)
				still = !after.v[j].unloaded && after.v[j].base == b->base && after.v[j].lo == b->lo &&
					strcmp(after.v[j].path, b->path) == 0;
			if (!still) {
				if (!epoch)
					epoch = modmap_epoch_bump();
				modmap_remember_unloaded(b, epoch);
			}
		}
		modmap_free(&after);
	}
	if (rc == 0)
		modmap_free(&before);
	tstate_guard_leave(ts);
	errno = saved;
	return r;
}
