/*
 * modmap.c: loaded modules via dl_iterate_phdr, build-ids from PT_NOTE, and
 * the modules dlclose'd since start-up (told by dlclose.c).
 * Context: writer thread, or dlclose.c on an application thread, guard
 * held; takes the loader's lock only through dl_iterate_phdr and never
 * while holding a tracker lock.
 * The unloaded list is append-only, fixed-size (UNLOADED_MAX, static: it
 * never moves, entries are never freed) and lock-free: a slot is claimed
 * with an atomic increment and published by its ready flag, so neither a
 * fork nor a signal can leave it locked. A module already in it (same
 * path, base and build-id: a plugin opened and closed in a loop) is not
 * added again (its entry's epoch, the one field that changes, becomes the
 * new unload's) unless a module remembered since overlaps it (then the
 * range was reused in between, and a new entry, with its later unload
 * epoch, names the stacks of the module's second life); past UNLOADED_MAX,
 * unloaded modules are not remembered.
 * Epochs: modmap_unload_counter counts the dlcloses that removed modules;
 * each entry keeps the value its dlclose made. A stack captured when the
 * counter was g ran in the modules mapped then: for an address, the entry
 * covering it with the smallest unload epoch > g, else what is mapped now.
 */
#include "modmap.h"

#include "arena.h"
#include "debug.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UNLOADED_MAX 256

static struct {
	struct modmap_module m;
	int ready; /* atomic: m is complete */
} unloaded[UNLOADED_MAX];
static size_t unloaded_claimed; /* atomic */
uint32_t modmap_unload_counter; /* atomic */

uint32_t modmap_epoch_bump(void)
{
	return __atomic_add_fetch(&modmap_unload_counter, 1, __ATOMIC_ACQ_REL);
}

static void read_build_id(const struct dl_phdr_info *info, char *out, size_t outlen)
{
	out[0] = '\0';
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof(*nh);
			const unsigned char *desc = (const unsigned char *)name + ((nh->n_namesz + 3) & ~3u);
			if ((const char *)desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
				static const char hex[] = "0123456789abcdef";
				size_t k = 0;
				for (unsigned j = 0; j < nh->n_descsz && k + 2 < outlen; j++) {
					out[k++] = hex[desc[j] >> 4];
					out[k++] = hex[desc[j] & 15];
				}
				out[k] = '\0';
				return;
			}
			p = (const char *)desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
}

struct collect {
	struct modmap *m;
	size_t cap;
	int err;
};

void modmap_extent(const struct dl_phdr_info *info, uintptr_t *lo, uintptr_t *hi)
{
	*lo = UINTPTR_MAX;
	*hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;
		if (a < *lo)
			*lo = a;
		if (a + ph->p_memsz > *hi)
			*hi = a + ph->p_memsz;
	}
}

static int collect_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct collect *c = arg;
	uintptr_t lo, hi;
	modmap_extent(info, &lo, &hi);
	if (hi == 0)
		return 0;
	if (c->m->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 32;
		struct modmap_module *nv = arena_realloc(c->m->v, ncap * sizeof(*nv));
		if (!nv) {
			c->err = -ENOMEM;
			return 1;
		}
		c->m->v = nv;
		c->cap = ncap;
	}
	struct modmap_module *mod = &c->m->v[c->m->n];
	memset(mod, 0, sizeof(*mod));
	const char *name = info->dlpi_name;
	char exe[4096];
	if (!name || !name[0]) {
		if (c->m->n != 0)
			return 0; /* vdso and friends: no file */
		ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (len <= 0)
			return 0;
		exe[len] = '\0';
		name = exe;
	}
	mod->path = arena_strdup(name);
	if (!mod->path) {
		c->err = -ENOMEM;
		return 1;
	}
	mod->base = info->dlpi_addr;
	mod->lo = lo;
	mod->hi = hi;
	read_build_id(info, mod->build_id, sizeof(mod->build_id));
	c->m->n++;
	return 0;
}

/* Insertion sort by start address: a few hundred modules at most, and
 * glibc's qsort may take its buffer from the application's heap. */
static void sort_by_lo(struct modmap_module *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct modmap_module x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1].lo > x.lo; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

int modmap_read(struct modmap *m)
{
	DEBUG_ASSERT_GUARD("modmap_read: writer, guard held");
	struct collect c = {m, 0, 0};
	m->v = NULL;
	m->n = 0;
	m->gone = NULL;
	m->ngone = 0;
	size_t gone_cap = 0;
	dl_iterate_phdr(collect_one, &c);
	if (c.err) {
		modmap_free(m);
		return c.err;
	}
	for (size_t i = 0; i < UNLOADED_MAX && !c.err; i++) {
		const struct modmap_module *u = modmap_unloaded(i);
		if (!u)
			break;
		bool covered = false;
		for (size_t j = 0; j < m->n && !covered; j++)
			covered = u->lo < m->v[j].hi && m->v[j].lo < u->hi; /* loaded, or an earlier one */
		if (covered) {
			/* reused range: a row of its own, for the stacks of its time */
			if (m->ngone == gone_cap) {
				size_t ncap = gone_cap ? gone_cap * 2 : 8;
				struct modmap_module *nv = arena_realloc(m->gone, ncap * sizeof(*nv));
				if (!nv) {
					c.err = -ENOMEM;
					break;
				}
				m->gone = nv;
				gone_cap = ncap;
			}
			m->gone[m->ngone] = *u;
			/* the one field modmap_remember_unloaded may raise meanwhile */
			m->gone[m->ngone].epoch = __atomic_load_n(&u->epoch, __ATOMIC_ACQUIRE);
			m->gone[m->ngone].path = arena_strdup(u->path);
			if (!m->gone[m->ngone].path) {
				c.err = -ENOMEM;
				break;
			}
			m->ngone++;
			continue;
		}
		if (m->n == c.cap) {
			size_t ncap = c.cap ? c.cap * 2 : 32;
			struct modmap_module *nv = arena_realloc(m->v, ncap * sizeof(*nv));
			if (!nv) {
				c.err = -ENOMEM;
				break;
			}
			m->v = nv;
			c.cap = ncap;
		}
		m->v[m->n] = *u;
		m->v[m->n].epoch = __atomic_load_n(&u->epoch, __ATOMIC_ACQUIRE);
		m->v[m->n].path = arena_strdup(u->path);
		if (!m->v[m->n].path) {
			c.err = -ENOMEM;
			break;
		}
		m->n++;
	}
	if (c.err) {
		modmap_free(m);
		return c.err;
	}
	sort_by_lo(m->v, m->n);
	return 0;
}

const struct modmap_module *modmap_unloaded(size_t i)
{
	if (i >= UNLOADED_MAX || !__atomic_load_n(&unloaded[i].ready, __ATOMIC_ACQUIRE))
		return NULL;
	return &unloaded[i].m;
}

long modmap_find(const struct modmap *m, uintptr_t addr)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (addr < m->v[mid].lo)
			hi = mid;
		else if (addr >= m->v[mid].hi)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

static bool same_instance(const struct modmap_module *a, const struct modmap_module *b)
{
	return a->lo == b->lo && a->base == b->base && strcmp(a->path, b->path) == 0 &&
	       strcmp(a->build_id, b->build_id) == 0;
}

long modmap_row(const struct modmap *m, uintptr_t addr, const struct modmap_module *u)
{
	if (!u) {
		long mi = modmap_find(m, addr);
		return mi >= 0 ? mi + 1 : 0;
	}
	/* two entries alike in all but their epoch are the same file at the
	 * same place: either row names it */
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].unloaded && same_instance(&m->v[i], u))
			return (long)i + 1;
	for (size_t i = 0; i < m->ngone; i++)
		if (same_instance(&m->gone[i], u))
			return (long)(m->n + i) + 1;
	return 0;
}

void modmap_free(struct modmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		arena_free(m->v[i].path);
	for (size_t i = 0; i < m->ngone; i++)
		arena_free(m->gone[i].path);
	arena_free(m->v);
	arena_free(m->gone);
	m->v = NULL;
	m->n = 0;
	m->gone = NULL;
	m->ngone = 0;
}

const struct modmap_module *modmap_unloaded_at(uintptr_t addr, uint32_t epoch)
{
	const struct modmap_module *best = NULL, *u;
	uint32_t best_epoch = 0;
	for (size_t i = 0; (u = modmap_unloaded(i)) != NULL; i++)
		if (u->lo <= addr && addr < u->hi) {
			uint32_t e = __atomic_load_n(&u->epoch, __ATOMIC_ACQUIRE);
			if (e > epoch && (!best || e < best_epoch)) {
				best = u;
				best_epoch = e;
			}
		}
	return best;
}

bool modmap_reused(uintptr_t addr, uint32_t from, uint32_t to)
{
	const struct modmap_module *u;
	for (size_t i = 0; (u = modmap_unloaded(i)) != NULL; i++)
		if (u->lo <= addr && addr < u->hi) {
			uint32_t e = __atomic_load_n(&u->epoch, __ATOMIC_ACQUIRE);
			if (e > from && e <= to)
				return true;
		}
	return false;
}

/* ---- modules dlclose'd ---- */

void modmap_remember_unloaded(const struct modmap_module *mod, uint32_t epoch)
{
	size_t n = __atomic_load_n(&unloaded_claimed, __ATOMIC_ACQUIRE);
	for (size_t i = 0; i < n && i < UNLOADED_MAX; i++) {
		const struct modmap_module *u = modmap_unloaded(i);
		if (!u || u->base != mod->base || u->lo != mod->lo || strcmp(u->path, mod->path) != 0 ||
		    strcmp(u->build_id, mod->build_id) != 0)
			continue;
		bool reused = false; /* another module lived in its range since */
		for (size_t j = i + 1; j < n && j < UNLOADED_MAX && !reused; j++) {
			const struct modmap_module *w = modmap_unloaded(j);
			reused = w && w->lo < u->hi && u->lo < w->hi;
		}
		if (!reused) {
			/* the same life as far as names go: it now ends here */
			__atomic_store_n(&unloaded[i].m.epoch, epoch, __ATOMIC_RELEASE);
			return;
		}
	}
	size_t i = __atomic_fetch_add(&unloaded_claimed, 1, __ATOMIC_ACQ_REL);
	if (i >= UNLOADED_MAX)
		return;
	char *path = arena_strdup(mod->path);
	if (!path)
		return; /* the slot stays unpublished: readers stop before it */
	unloaded[i].m = *mod;
	unloaded[i].m.path = path;
	unloaded[i].m.unloaded = true;
	unloaded[i].m.epoch = epoch;
	struct stat st;
	if (stat(path, &st) == 0) {
		unloaded[i].m.dev = (unsigned long)st.st_dev;
		unloaded[i].m.ino = (unsigned long)st.st_ino;
	}
	__atomic_store_n(&unloaded[i].ready, 1, __ATOMIC_RELEASE);
}
