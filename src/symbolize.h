/*
 * symbolize.h: address -> function (and, in full mode, source file and line).
 *
 * Owns the process map read once per snapshot (loaded modules and
 * /proc/self/maps), the modules' ELF symbol indexes (elfsym.h, built once
 * per module file per process), the perf map of JIT code (jitmap.h) and, in
 * full mode only, the handle of elfutils' libdw (dlopen'ed RTLD_LOCAL, never
 * a DT_NEEDED of the preload) and its Dwfl session.
 * names mode (the default): function names from ELF symbol tables
 * (.symtab, else .dynsym), demangled; libdw is never loaded and nothing
 * comes from the application's heap. full mode: DWARF file:line and inlined
 * frames too; debug info from local files only, never from debuginfod (no
 * socket, no cache, no TLS library); libdw allocates from the application's
 * heap, untracked because the guard is held.
 * An address in no module is never named after a module's symbol: in
 * anonymous executable memory it is JIT code (named by /tmp/perf-PID.map).
 * Context: writer thread only (or the exiting thread for the final
 * snapshot), guard held, under the snapshot lock. Results are in the
 * tracker arena.
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

/* Context: start-up, before the writer starts. full: file:line and inlined
 * frames through libdw (symbolize=full); else names only (symbolize=names). */
void symbolize_configure(bool full);

/* Context: writer, guard held. Makes the module list current (after
 * dlopen/dlclose); call once per snapshot before symbolize_addr. */
void symbolize_refresh(void);

/* Context: writer, guard held. addr is a return address unless it is the
 * innermost frame, so the call instruction (addr - 1) is looked up. */
void symbolize_addr(uintptr_t addr, struct symbolize_result *out);

struct modmap_module;

/* Context: writer, guard held. addr named in the dlclose'd module u
 * (modmap.h), from its file on disk, whatever is mapped at addr now: a
 * stack captured while u was mapped. Names mode's ELF symbols (libdw's
 * session knows the modules mapped now only). */
void symbolize_addr_unloaded(uintptr_t addr, const struct modmap_module *u, struct symbolize_result *out);

#endif
