/*
 * dwarfres.h: a module's inline chain at an address, from its DWARF, for the
 * tools (heapsnap symbolize, heapdiff and heapsnap info --debug-dir).
 *
 * Not part of the preload: compiled into the tools (like src/options.c),
 * linked with libdw and libstdc++'s demangler. The host records function
 * names, module path, build-id and offsets only; file:line and inlined
 * frames are resolved here, on the machine where the tools run.
 * Context: one thread per struct dwarfres (the tools' main thread); may
 * allocate (malloc); opens files read-only and never writes any.
 * Invariants: (1) debug info comes from local files only, never from
 * debuginfod (no socket, no cache written); (2) a file is used for a module
 * only when its build-id is the module's (or, without build-ids, the CRC its
 * .gnu_debuglink names matches); (3) at most DWARFRES_MAX_OPEN modules are
 * held open at once (least recently used closed first), so memory is bounded
 * whatever the number of modules of the snapshots read.
 */
#ifndef HEAPSNAP_DWARFRES_H
#define HEAPSNAP_DWARFRES_H

#include <stddef.h>
#include <stdint.h>

#define DWARFRES_MAX_OPEN 16

/* Why a lookup gave, or did not give, lines. */
enum dwarfres_status {
	DWARFRES_LINES,        /* the chain is filled, innermost frame with file:line */
	DWARFRES_NO_MODULE,    /* module file missing or unreadable, no debug file by build-id */
	DWARFRES_MISMATCH,     /* module file has another build-id, no debug file by build-id */
	DWARFRES_NO_DEBUGINFO, /* module found, no DWARF in it nor in a debug file */
	DWARFRES_NO_LINE,      /* DWARF found, but no line covers the address */
};

/* One function executing at an address. */
struct dwarfres_frame {
	char *function; /* demangled; NULL when neither DWARF nor ELF names it */
	char *file;     /* absolute when the DWARF gives a comp_dir; NULL: unknown */
	int line;       /* 0: unknown */
};

/* The functions at an address, innermost first: the inlined callees (each
 * DW_TAG_inlined_subroutine scope), then the real function last.
 * v[0].file:line is the address's line (line table); v[i].file:line for
 * i > 0 is the call of v[i-1] (its DW_AT_call_file/DW_AT_call_line). */
struct dwarfres_chain {
	unsigned n;
	struct dwarfres_frame *v; /* malloc'd; free with dwarfres_chain_free */
};

struct dwarfres;

/* Context: tools, main thread. A resolver that also searches each of the
 * ndirs directories (--debug-dir) as DIR/.build-id/xx/yyyy.debug,
 * DIR/<debuglink name> and DIR/<module dir>/<debuglink name>. The strings
 * are copied. Returns NULL when out of memory. */
struct dwarfres *dwarfres_new(const char *const *dirs, size_t ndirs);

/* Context: tools, main thread. Closes every module. NULL is a no-op. */
void dwarfres_free(struct dwarfres *r);

/*
 * Context: tools, main thread. The inline chain at pc in the module recorded
 * as path with build_id (lowercase hex, or NULL when the snapshot has none).
 * pc is an ELF virtual address of the module: a snapshot's offset (address
 * - load_address, load_address being dlpi_addr), minus 1 for a return
 * address so that the call instruction is looked up.
 * Returns a status >= 0; *out is filled (and must be freed) only for
 * DWARFRES_LINES, and zeroed otherwise. -ENOMEM when out of memory.
 */
int dwarfres_lookup(struct dwarfres *r, const char *path, const char *build_id, uint64_t pc,
		    struct dwarfres_chain *out);

/* Context: any thread. NULL is a no-op; *c is zeroed. */
void dwarfres_chain_free(struct dwarfres_chain *c);

/* Context: any thread. A short lowercase reason ("no debug info"...). */
const char *dwarfres_status_str(int status);

/* Context: any thread. NAME demangled (C++ Itanium ABI, "@VERSION" suffix
 * dropped), malloc'd; NULL for NULL or out of memory. The one demangler
 * every name of the chain goes through. */
char *dwarfres_demangle(const char *name);

#endif
