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
};

struct modmap {
	struct modmap_module *v;
	size_t n;
};

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
 * arena), unmapped by dlclose, unless it is remembered already. */
void modmap_remember_unloaded(const struct modmap_module *mod);

/* Context: writer. Index of the module containing addr, or -1. */
long modmap_find(const struct modmap *m, uintptr_t addr);

/* Context: writer. */
void modmap_free(struct modmap *m);

#endif
