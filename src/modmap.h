/*
 * modmap.h: the modules mapped in the process (executable, shared objects,
 * dlopen'ed plugins) with their load address, extent and build-id.
 * Context: writer thread (or the exiting thread writing the final snapshot),
 * guard held. Allocates from the tracker arena.
 */
#ifndef HEAPSNAP_MODMAP_H
#define HEAPSNAP_MODMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct modmap_module {
	char *path;       /* arena string; the executable's real path for "" */
	char build_id[41 + 24]; /* lowercase hex, "" when none */
	uintptr_t base;   /* dlpi_addr */
	uintptr_t lo, hi; /* extent of the PT_LOAD segments */
	bool unloaded;    /* dlclose'd: remembered, no longer mapped */
	unsigned long dev, ino; /* of the file, for an unloaded module (0: unknown) */
	uint32_t epoch;   /* unloaded: the counter's value its last dlclose made (atomic:
			   * raised when the same module is closed again); else 0 */
};

/* v: sorted by lo, ranges disjoint (modmap_find): the loaded modules and
 * the unloaded ones no loaded module covers. gone: the other remembered
 * unloaded modules (their range is covered: reused), in the order they
 * were remembered. File rows: v[i] is module i + 1, gone[i] is n + i + 1. */
struct modmap {
	struct modmap_module *v;
	size_t n;
	struct modmap_module *gone;
	size_t ngone;
};

/* The module epoch: how many dlcloses removed modules so far (dlclose.c
 * bumps it). A stack records it when first interned (stacktab.c); the
 * writer names the stack's frames after the modules mapped then. */
extern uint32_t modmap_unload_counter;

/* Context: any thread. Never allocates, lock-free. */
static inline uint32_t modmap_epoch(void)
{
	return __atomic_load_n(&modmap_unload_counter, __ATOMIC_ACQUIRE);
}

/* Context: any thread, guard held. Never allocates. A dlclose removed
 * modules: the counter's new value, to remember them with. */
uint32_t modmap_epoch_bump(void);

struct dl_phdr_info;

/* Context: any thread. Never allocates. The address range spanned by a
 * loaded module's PT_LOAD segments; *hi == 0 when it has none. */
void modmap_extent(const struct dl_phdr_info *info, uintptr_t *lo, uintptr_t *hi);

/* Context: writer, guard held. Reads the module list now, with the modules
 * dlclose'd since start-up whose range no loaded module covers (unloaded
 * set): code of theirs may still be on live stacks. 0 or -ENOMEM. */
int modmap_read(struct modmap *m);

/* Context: any thread. Never allocates, lock-free. The i-th module
 * remembered at its dlclose (stable, never freed), or NULL when i is past
 * the last one published. */
const struct modmap_module *modmap_unloaded(size_t i);

/* Context: any thread, guard held. Remembers mod (copied: its path into the
 * arena), unmapped by the dlclose that made the counter epoch, unless it is
 * remembered already and no module remembered since overlaps its range. */
void modmap_remember_unloaded(const struct modmap_module *mod, uint32_t epoch);

/* Context: any thread. Never allocates, lock-free. The remembered module
 * that was mapped at addr when the counter was epoch: among those covering
 * addr unloaded after (unload epoch > epoch), the one unloaded first; NULL
 * when none is (what is mapped now, or nothing, was mapped then). */
const struct modmap_module *modmap_unloaded_at(uintptr_t addr, uint32_t epoch);

/* Context: any thread. Never allocates, lock-free. Whether a module
 * remembered with an unload epoch in (from, to] covers addr: the names of
 * addr differ between a stack of epoch from and one of epoch to. */
bool modmap_reused(uintptr_t addr, uint32_t from, uint32_t to);

/* Context: writer. The file row (1-based, see struct modmap) of the module
 * instance u (NULL: the one mapped now at addr, modmap_find), or 0. */
long modmap_row(const struct modmap *m, uintptr_t addr, const struct modmap_module *u);

/* Context: writer. The module of row r (1-based). */
static inline const struct modmap_module *modmap_row_module(const struct modmap *m, long r)
{
	return (size_t)r <= m->n ? &m->v[r - 1] : &m->gone[r - 1 - (long)m->n];
}

/* Context: writer. Index of the module containing addr, or -1. */
long modmap_find(const struct modmap *m, uintptr_t addr);

/* Context: writer. */
void modmap_free(struct modmap *m);

#endif
