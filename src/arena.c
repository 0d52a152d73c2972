/*
 * arena.c: tracker memory from a private jemalloc arena, and its accounting.
 *
 * The private jemalloc copy is renamed (hsje_*) and hidden; it must not read
 * the host's settings meant for an application's own jemalloc, so its
 * references to secure_getenv and readlink are renamed at build time to the
 * two filters below, and its own options come from hsje_malloc_conf.
 * Context: any thread. Invariants: (1) never calls the interposed malloc
 * family; (2) `held` counts the usable bytes of live blocks exactly.
 */
#include "arena.h"

#include "jemalloc_private.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Options of the private copy. Nothing but the tracker calls it, so its one
 * automatic arena is the tracker's arena. Thread caches stay on: the sampled
 * path allocates a live entry and frees one per sampled free, and without
 * them every such call took the arena lock (bench: at sample=4K, ~20% of the
 * time in jemalloc's mutexes, contended between two threads). */
const char *hsje_malloc_conf = "narenas:1,background_thread:false";

/* jemalloc asks the environment for MALLOC_CONF: not ours to read. */
char *hsje_secure_getenv(const char *name);
char *hsje_secure_getenv(const char *name)
{
	if (strcmp(name, "MALLOC_CONF") == 0)
		return NULL;
	return secure_getenv(name);
}

/* jemalloc reads the target of the /etc/malloc.conf symlink: not ours either. */
ssize_t hsje_readlink(const char *path, char *buf, size_t len);
ssize_t hsje_readlink(const char *path, char *buf, size_t len)
{
	if (strcmp(path, "/etc/malloc.conf") == 0) {
		errno = ENOENT;
		return -1;
	}
	return readlink(path, buf, len);
}

/* ThreadSanitizer builds (scripts/test-tsan.sh) only: the private jemalloc
 * is not instrumented, so TSan does not see that memory one thread frees
 * and another is handed again was passed on through the allocator's own
 * synchronization, and reports the two threads' writes to it as a race.
 * The arena is told to TSan as one lock: every free releases it, every
 * allocation acquires it. (This orders any two arena calls, so it can hide
 * a race between two threads' other accesses only when both also used the
 * arena in between.) Nothing at all in every other build. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ARENA_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define ARENA_TSAN 1
#endif
#ifdef ARENA_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
static char tsan_handoff;
#define HANDOFF_ACQUIRE() __tsan_acquire(&tsan_handoff)
#define HANDOFF_RELEASE() __tsan_release(&tsan_handoff)
#else
#define HANDOFF_ACQUIRE() ((void)0)
#define HANDOFF_RELEASE() ((void)0)
#endif

static int arena_flags;
static uint64_t held;
static uint64_t fail_countdown;

int arena_init(void)
{
	/* The first call initialises the private copy; fail early if it cannot. */
	void *p = hsje_mallocx(1, 0);
	if (!p)
		return -ENOMEM;
	hsje_dallocx(p, 0);
	arena_flags = 0;
	return 0;
}

static bool injected_failure(void)
{
	uint64_t n = __atomic_load_n(&fail_countdown, __ATOMIC_RELAXED);
	if (n == 0)
		return false;
	return __atomic_sub_fetch(&fail_countdown, 1, __ATOMIC_RELAXED) == 0;
}

/* Allocations refused so far (real or injected): the writer reads it to
 * notice that a snapshot lost something for lack of memory. */
static uint64_t failures;

uint64_t arena_failures(void)
{
	return __atomic_load_n(&failures, __ATOMIC_RELAXED);
}

static void *alloc_flags(size_t size, int flags)
{
	void *p = injected_failure() ? NULL : hsje_mallocx(size ? size : 1, flags);
	HANDOFF_ACQUIRE();
	if (p)
		__atomic_add_fetch(&held, hsje_sallocx(p, 0), __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
	return p;
}

void *arena_alloc(size_t size)
{
	return alloc_flags(size, arena_flags | HSJE_MALLOCX_ZERO);
}

void *arena_alloc_uninit(size_t size)
{
	return alloc_flags(size, arena_flags);
}

void *arena_realloc(void *p, size_t size)
{
	if (!p)
		return arena_alloc(size);
	if (injected_failure()) {
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	size_t old = hsje_sallocx(p, 0);
	HANDOFF_RELEASE();
	void *q = hsje_rallocx(p, size ? size : 1, arena_flags);
	HANDOFF_ACQUIRE();
	if (q) {
		__atomic_sub_fetch(&held, old, __ATOMIC_RELAXED);
		__atomic_add_fetch(&held, hsje_sallocx(q, 0), __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
	}
	return q;
}

void arena_free(void *p)
{
	if (!p)
		return;
	__atomic_sub_fetch(&held, hsje_sallocx(p, 0), __ATOMIC_RELAXED);
	HANDOFF_RELEASE();
	hsje_dallocx(p, arena_flags);
}

size_t arena_usable_size(const void *p)
{
	return hsje_sallocx(p, 0);
}

char *arena_strdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = arena_alloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

uint64_t arena_bytes(void)
{
	return __atomic_load_n(&held, __ATOMIC_RELAXED);
}

uint64_t arena_resident(void)
{
	uint64_t epoch = 1;
	size_t resident = 0, len = sizeof(resident);
	hsje_mallctl("epoch", NULL, NULL, &epoch, sizeof(epoch));
	if (hsje_mallctl("stats.resident", &resident, &len, NULL, 0) != 0)
		return 0;
	return resident;
}

void arena_fail_after(uint64_t n)
{
	__atomic_store_n(&fail_countdown, n, __ATOMIC_RELAXED);
}
