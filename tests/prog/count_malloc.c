/* count_malloc.c: an allocator shim for tests, preloaded after
 * libheapsnap.so so that it is the tracker's "real" allocator: it counts
 * every malloc, calloc, realloc and memalign-family call that reaches it
 * and forwards to glibc's own entry points (__libc_*: no dlsym, which could
 * allocate). At exit it writes the count to the file COUNT_MALLOC_OUT
 * names. tests/integration/no-heap-allocation-per-thread.sh compares the
 * counts of runs with and without the tracker. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static unsigned long calls;

void *malloc(size_t n)
{
	__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	return __libc_realloc(p, n);
}

void *memalign(size_t a, size_t n)
{
	__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	return __libc_memalign(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
	__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	void *p = __libc_memalign(a, n);
	if (!p)
		return 12; /* ENOMEM */
	*out = p;
	return 0;
}

void *aligned_alloc(size_t a, size_t n)
{
	__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	return __libc_memalign(a, n);
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("COUNT_MALLOC_OUT");
	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lu\n", __atomic_load_n(&calls, __ATOMIC_RELAXED));
	if (len > 0 && write(fd, buf, (size_t)len) != len)
		len = 0;
	close(fd);
}
