/*
 * symbolize.h: address -> function, source file and line.
 *
 * Owns the handle of elfutils' libdw (dlopen'ed RTLD_LOCAL, never a
 * DT_NEEDED of the preload) and its Dwfl session for this process. Reads ELF
 * symbol tables (including the executable's static functions and dlopen'ed
 * modules) and DWARF line tables where debug info exists; without libdw it
 * falls back to dladdr (dynamic symbols only). Debug info comes from local
 * files only, never from debuginfod (no socket, no cache, no TLS library).
 * Context: writer thread only (or the exiting thread for the final
 * snapshot), guard held, under the snapshot lock. libdw allocates from the
 * application's heap, untracked because the guard is held; results are
 * copied into the tracker arena.
 */
#ifndef HEAPSNAP_SYMBOLIZE_H
#define HEAPSNAP_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>

/* How far an address was named. */
enum symbolize_resolution {
	SYMBOLIZE_UNRESOLVED,  /* no name: module + offset only */
	SYMBOLIZE_SYMBOL,      /* function name, no source position */
	SYMBOLIZE_LINES,       /* function name and file:line */
	SYMBOLIZE_JIT,         /* JIT code named by a perf map */
	SYMBOLIZE_JIT_UNNAMED, /* JIT code no perf map names */
};

/* One function executing at an address. */
struct symbolize_frame {
	char *function; /* arena string or NULL; demangled when possible */
	char *file;     /* arena string or NULL */
	int line;       /* 0 when unknown */
};

struct symbolize_result {
	char *symbol;   /* raw name (ELF symbol as stored, perf map entry); arena or NULL */
	enum symbolize_resolution resolution;
	bool jit;       /* the address is in anonymous executable memory */
	/* The functions at the address, innermost first: inlined callees (when
	 * the compiler inlined and lines are resolved), then the real function
	 * last. frames[i].file:line is where frames[i] is executing: for the
	 * innermost, the address's own line; for the others, the call of the
	 * inlined function one level in. Always at least one frame. */
	unsigned nframes;
	struct symbolize_frame *frames; /* arena array, or &one */
	struct symbolize_frame one;     /* storage when nframes == 1 */
};

/* Context: writer, guard held. Makes the module list current (after
 * dlopen/dlclose); call once per snapshot before symbolize_addr. */
void symbolize_refresh(void);

/* Context: writer, guard held. addr is a return address unless it is the
 * innermost frame, so the call instruction (addr - 1) is looked up. */
void symbolize_addr(uintptr_t addr, struct symbolize_result *out);

/* Context: any thread. Pure. Is this function an allocator entry point
 * (malloc family, operator new, strdup, asprintf, std allocators...)? */
bool symbolize_is_allocator(const char *function);

#endif
