/*
 * elfsym.h: the function symbols of one ELF file, indexed by address.
 *
 * Owns a read-only mapping of the file and a sorted array of its function
 * symbols (STT_FUNC, STT_GNU_IFUNC and sized STT_NOTYPE in executable
 * sections) from .symtab, or .dynsym when the file is stripped. No libelf,
 * no libdw: every offset and size read from the file is checked against the
 * file's size before use, so a truncated or malformed file yields an error,
 * never a crash. Names stay in the mapping (not copied); the index costs 16
 * bytes per distinct function address, from the caller's allocator.
 * Context: any thread, one index used by one thread at a time. Allocates
 * only through the caller's elfsym_allocator (the preload passes its arena,
 * the tools may pass malloc); no stdio.
 */
#ifndef HEAPSNAP_ELFSYM_H
#define HEAPSNAP_ELFSYM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct elfsym_allocator {
	void *(*alloc)(size_t size, void *ctx); /* zeroed or not: elfsym initializes */
	void (*free)(void *p, void *ctx);
	void *ctx;
};

struct elfsym;

/* Which symbol table an index was built from. */
enum elfsym_table { ELFSYM_NONE, ELFSYM_SYMTAB, ELFSYM_DYNSYM };

/* Upper bound on the functions kept per file (the index is then 64 MiB). */
#define ELFSYM_MAX_FUNCS (4u << 20)

/* Opens path and indexes it. When want_dev/want_ino are not both 0, the
 * opened file must be that inode (the one the process mapped), else
 * -ESTALE. Returns 0 and *out, or a negative errno: -ENOEXEC for a file
 * that is not a well-formed 64-bit little-endian ELF, -ENOMEM. */
int elfsym_open(const char *path, dev_t want_dev, ino_t want_ino, const struct elfsym_allocator *a,
		struct elfsym **out);

/* Same, for a file already open (fd is not kept). */
int elfsym_open_fd(int fd, const struct elfsym_allocator *a, struct elfsym **out);

/* The function containing vaddr (a link-time address: runtime address minus
 * the module's load bias), or NULL. A symbol covers [value, value + size);
 * a symbol of size 0 covers up to the next symbol, never past the end of its
 * section. The name is not copied: *len is its length without a symbol
 * version suffix ("@VER", "@@VER"); *start its address. */
const char *elfsym_lookup(const struct elfsym *ix, uint64_t vaddr, size_t *len, uint64_t *start);

/* Number of functions indexed; the table used; bytes the index holds from
 * the allocator (the mapping not included). */
size_t elfsym_count(const struct elfsym *ix);
enum elfsym_table elfsym_table(const struct elfsym *ix);
size_t elfsym_bytes(const struct elfsym *ix);

/* Unmaps the file and frees the index. ix may be NULL. */
void elfsym_close(struct elfsym *ix);

#endif
