/*
 * allocstats.c: jemalloc's stats.* of the application, for meta.
 *
 * Invariants: (1) runs on the writer thread only (snapshot lock held),
 * never in a hook: mallctl takes jemalloc's own locks; (2) the allocator
 * is looked up once (the first snapshot), and only when the real malloc is
 * not glibc's (core_glibc_chunks is NO): dlsym's failure path allocates
 * its error message from the application's heap, so glibc programs never
 * pay it; (3) the mallctl found must live in the module that defines the
 * real malloc (dladdr), so the figures describe the allocator the program
 * runs on, never the tracker's private jemalloc (renamed hsje_*, hidden)
 * nor a jemalloc loaded but not in use; (4) rows point at static key
 * strings, numbers and jemalloc's static version string.
 */
#include "allocstats.h"

#include "core.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static mallctl_fn app_mallctl;
static bool looked;

static mallctl_fn find_mallctl(void)
{
	if (__atomic_load_n(&core_glibc_chunks, __ATOMIC_RELAXED) != CORE_CHUNKS_NO || !core_real.malloc)
		return NULL;
	void *f = dlsym(RTLD_DEFAULT, "mallctl");
	Dl_info fi, mi;
	if (!f || !dladdr(f, &fi) || !dladdr((void *)core_real.malloc, &mi) || fi.dli_fbase != mi.dli_fbase)
		return NULL;
	return (mallctl_fn)f;
}

size_t allocstats_meta(struct snapfile_meta *m, size_t max)
{
	if (!looked) {
		app_mallctl = find_mallctl();
		looked = true;
	}
	if (!app_mallctl)
		return 0;
	static const struct {
		const char *ctl, *key;
	} stats[] = {
		{"stats.allocated", "jemalloc_allocated"}, {"stats.active", "jemalloc_active"},
		{"stats.resident", "jemalloc_resident"},   {"stats.mapped", "jemalloc_mapped"},
		{"stats.retained", "jemalloc_retained"},
	};
	size_t n = 0;
	const char *version = NULL;
	size_t len = sizeof(version);
	if (n < max && app_mallctl("version", &version, &len, NULL, 0) == 0 && version)
		m[n++] = (struct snapfile_meta){.key = "jemalloc_version", .type = SNAPFILE_META_TEXT, .text = version};
	/* the stats are a copy jemalloc refreshes when the epoch is written */
	uint64_t epoch = 1;
	len = sizeof(epoch);
	if (app_mallctl("epoch", &epoch, &len, &epoch, sizeof(epoch)) != 0)
		return n;
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]) && n < max; i++) {
		size_t v = 0;
		len = sizeof(v);
		if (app_mallctl(stats[i].ctl, &v, &len, NULL, 0) == 0 && len == sizeof(v))
			m[n++] = (struct snapfile_meta){.key = stats[i].key, .type = SNAPFILE_META_INT, .i = (int64_t)v};
	}
	return n;
}
