/*
 * symbolize.c: names of code addresses in the host, cheap by default.
 *
 * Two modes (symbolize= option, symbolize_configure):
 *  - names (default): function names from the modules' ELF symbol tables
 *    (elfsym.c), indexed once per module file per process; no libdw, no
 *    libelf, no DWARF, nothing from the application's heap. Files and
 *    lines are left to the tools.
 *  - full: libdw's Dwfl, loaded RTLD_LOCAL on first use, adds file:line
 *    and the inlined functions at the address as frames of their own.
 * In both, the process map is read once per snapshot (symbolize_refresh):
 * the loaded modules' PT_LOAD segments (dl_iterate_phdr) and
 * /proc/self/maps, and the modules dlclose'd since start-up (modmap.c),
 * named from their files on disk where no loaded module is now. An address in no module's segment is never named after
 * a module's symbol: in an anonymous executable mapping it is JIT code,
 * named from /tmp/perf-PID.map (jitmap.c) when that names it; elsewhere it
 * stays unresolved. C++ names are demangled with libiberty's callback
 * demangler into the arena (demangle.c).
 * libdw and libelf are never linked into the preload: their symbols must not
 * enter the host's global scope. The few entry points used are taken with
 * dlsym into a table. A failure to load libdw is not an error: full mode
 * then gives what names mode gives.
 * Invariants: (1) runs only with the guard held and the snapshot lock taken;
 * (2) every returned string is owned by the tracker arena; (3) names mode
 * never loads libdw and never allocates from the application's heap (in
 * full mode libdw does, untracked because the guard is held); (4) debug
 * info is looked up in local files only, never through debuginfod: the Dwfl
 * callbacks are dwfl_linux_proc_find_elf and find_debuginfo_local below,
 * neither of which reaches libdwfl's debuginfod client in elfutils 0.188, so
 * the tracker never loads libdebuginfod, libcurl or a TLS library, never
 * opens a socket and never writes a cache in the host (see
 * find_debuginfo_local; tests/integration/no-debuginfod-in-host.sh).
 */
#include "symbolize.h"

#include "arena.h"
#include "debug.h"
#include "demangle.h"
#include "elfsym.h"
#include "jitmap.h"
#include "modmap.h"
#include "textbuf.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static struct {
	bool tried, ok;
	Dwfl *(*begin)(const Dwfl_Callbacks *);
	int (*report_begin)(Dwfl *);
	int (*report_end)(Dwfl *, int (*)(Dwfl_Module *, void *, const char *, Dwarf_Addr, void *), void *);
	int (*linux_proc_report)(Dwfl *, pid_t);
	Dwfl_Module *(*addrmodule)(Dwfl *, Dwarf_Addr);
	const char *(*module_info)(Dwfl_Module *, void ***, Dwarf_Addr *, Dwarf_Addr *, Dwarf_Addr *,
				   Dwarf_Addr *, const char **, const char **);
	int (*module_getsymtab)(Dwfl_Module *);
	const char *(*module_getsym_info)(Dwfl_Module *, int, GElf_Sym *, GElf_Addr *, GElf_Word *,
					  Elf **, Dwarf_Addr *);
	Dwfl_Line *(*module_getsrc)(Dwfl_Module *, Dwarf_Addr);
	const char *(*lineinfo)(Dwfl_Line *, Dwarf_Addr *, int *, int *, Dwarf_Word *, Dwarf_Word *);
	Dwarf *(*module_getdwarf)(Dwfl_Module *, Dwarf_Addr *);
	Dwarf_Die *(*module_nextcu)(Dwfl_Module *, Dwarf_Die *, Dwarf_Addr *);
	ptrdiff_t (*ranges)(Dwarf_Die *, ptrdiff_t, Dwarf_Addr *, Dwarf_Addr *, Dwarf_Addr *);
	Dwarf_Off (*dieoffset)(Dwarf_Die *);
	Dwarf_Die *(*offdie)(Dwarf *, Dwarf_Off, Dwarf_Die *);
	Dwarf_Line *(*getsrc_die)(Dwarf_Die *, Dwarf_Addr);
	const char *(*linesrc)(Dwarf_Line *, Dwarf_Word *, Dwarf_Word *);
	int (*lineno)(Dwarf_Line *, int *);
	Dwarf_Die *(*module_addrdie)(Dwfl_Module *, Dwarf_Addr, Dwarf_Addr *);
	Dwarf_Attribute *(*attr)(Dwarf_Die *, unsigned int, Dwarf_Attribute *);
	const char *(*formstring)(Dwarf_Attribute *);
	int (*getscopes)(Dwarf_Die *, Dwarf_Addr, Dwarf_Die **);
	int (*tag)(Dwarf_Die *);
	Dwarf_Attribute *(*attr_integrate)(Dwarf_Die *, unsigned int, Dwarf_Attribute *);
	int (*formudata)(Dwarf_Attribute *, Dwarf_Word *);
	int (*getsrcfiles)(Dwarf_Die *, Dwarf_Files **, size_t *);
	const char *(*filesrc)(Dwarf_Files *, size_t, Dwarf_Word *, Dwarf_Word *);
	/* for find_debuginfo_local */
	int (*build_id_find_debuginfo)(Dwfl_Module *, void **, const char *, Dwarf_Addr, const char *,
				       const char *, GElf_Word, char **);
	int (*module_build_id)(Dwfl_Module *, const unsigned char **, GElf_Addr *);
	Elf *(*module_getelf)(Dwfl_Module *, GElf_Addr *);
	const char *(*gnu_debuglink)(Elf *, GElf_Word *);
	ssize_t (*gnu_build_id)(Elf *, const void **);
	Elf *(*elf_begin)(int, Elf_Cmd, Elf *);
	int (*elf_end)(Elf *);
	Dwfl_Callbacks callbacks;
	Dwfl *dwfl;
	pid_t pid;
} dw;

/* The one debug directory searched, by build-id and by .gnu_debuglink. */
#define DEBUG_DIR "/usr/lib/debug"
static char debuginfo_dir[] = DEBUG_DIR;
static char *debuginfo_path = debuginfo_dir;

static int find_debuginfo_local(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
				const char *file_name, const char *debuglink, GElf_Word crc,
				char **debuginfo_file_name);

static bool load_libdw(void)
{
	if (dw.tried)
		return dw.ok;
	dw.tried = true;
	void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return false;
#define SYM(field, name) (*(void **)&dw.field = dlsym(h, name))
	SYM(begin, "dwfl_begin");
	SYM(report_begin, "dwfl_report_begin");
	SYM(report_end, "dwfl_report_end");
	SYM(linux_proc_report, "dwfl_linux_proc_report");
	SYM(addrmodule, "dwfl_addrmodule");
	SYM(module_info, "dwfl_module_info");
	SYM(module_getsymtab, "dwfl_module_getsymtab");
	SYM(module_getsym_info, "dwfl_module_getsym_info");
	SYM(module_getsrc, "dwfl_module_getsrc");
	SYM(lineinfo, "dwfl_lineinfo");
	SYM(module_getdwarf, "dwfl_module_getdwarf");
	SYM(module_nextcu, "dwfl_module_nextcu");
	SYM(ranges, "dwarf_ranges");
	SYM(dieoffset, "dwarf_dieoffset");
	SYM(offdie, "dwarf_offdie");
	SYM(getsrc_die, "dwarf_getsrc_die");
	SYM(linesrc, "dwarf_linesrc");
	SYM(lineno, "dwarf_lineno");
	SYM(module_addrdie, "dwfl_module_addrdie");
	SYM(attr, "dwarf_attr");
	SYM(formstring, "dwarf_formstring");
	SYM(getscopes, "dwarf_getscopes");
	SYM(tag, "dwarf_tag");
	SYM(attr_integrate, "dwarf_attr_integrate");
	SYM(formudata, "dwarf_formudata");
	SYM(getsrcfiles, "dwarf_getsrcfiles");
	SYM(filesrc, "dwarf_filesrc");
	SYM(build_id_find_debuginfo, "dwfl_build_id_find_debuginfo");
	SYM(module_build_id, "dwfl_module_build_id");
	SYM(module_getelf, "dwfl_module_getelf");
	SYM(gnu_debuglink, "dwelf_elf_gnu_debuglink");
	SYM(gnu_build_id, "dwelf_elf_gnu_build_id");
	SYM(elf_begin, "elf_begin"); /* libelf, a dependency of libdw */
	SYM(elf_end, "elf_end");
	/* Not dwfl_standard_find_debuginfo, nor dwfl_build_id_find_elf: in
	 * elfutils 0.188 both end in libdwfl's debuginfod client when no local
	 * file is found (find-debuginfo.c:423, dwfl_build_id_find_elf.c:198),
	 * which dlopens libdebuginfod, libcurl and OpenSSL on this thread and
	 * connects to $DEBUGINFOD_URLS from inside the host. */
	*(void **)&dw.callbacks.find_elf = dlsym(h, "dwfl_linux_proc_find_elf");
	dw.callbacks.find_debuginfo = find_debuginfo_local;
#undef SYM
	dw.callbacks.debuginfo_path = &debuginfo_path;
	if (!dw.begin || !dw.report_begin || !dw.report_end || !dw.linux_proc_report || !dw.addrmodule ||
	    !dw.module_info || !dw.module_getsymtab || !dw.module_getsym_info || !dw.module_getsrc || !dw.lineinfo || !dw.module_getdwarf || !dw.module_nextcu ||
	    !dw.ranges || !dw.dieoffset || !dw.offdie || !dw.getsrc_die || !dw.linesrc || !dw.lineno ||
	    !dw.module_addrdie || !dw.attr || !dw.formstring || !dw.getscopes || !dw.tag ||
	    !dw.attr_integrate || !dw.formudata || !dw.getsrcfiles || !dw.filesrc ||
	    !dw.build_id_find_debuginfo || !dw.module_build_id || !dw.module_getelf ||
	    !dw.gnu_debuglink || !dw.gnu_build_id || !dw.elf_begin || !dw.elf_end ||
	    !dw.callbacks.find_elf)
		return false;
	dw.ok = true;
	return true;
}

/*
 * The Dwfl find_debuginfo callback: a module's separate debug file, from
 * local files only. libdw calls it for a module's debug file and, once that
 * is open, for its dwz alternate file (.gnu_debugaltlink).
 *  1. By build-id: DEBUG_DIR/.build-id/xx/rest.debug, with libdw's
 *     dwfl_build_id_find_debuginfo, which in 0.188 only opens that path and
 *     checks the file's build-id (dwfl_build_id_find_debuginfo.c) and, for an
 *     alternate file, the build-id .gnu_debugaltlink names.
 *  2. For the debug file, by .gnu_debuglink (or MODULE.debug without one) in
 *     the places dwfl_standard_find_debuginfo looks by default: the module's
 *     directory, its .debug subdirectory and DEBUG_DIR + the directory (not
 *     libdw's retries with leading directories dropped), for the name as
 *     mapped and for its realpath. A candidate is accepted as
 *     libdw's validate() does: same build-id when the module has one, else
 *     the CRC of .gnu_debuglink; the module's own file is never its debug file.
 * An alternate file not found by build-id is left to libdw, whose
 * dwarf_getalt opens the path .gnu_debugaltlink names (local too).
 * Returns an open descriptor and sets *debuginfo_file_name to a name
 * malloc'd from the application's heap (libdw frees it: the callback's
 * contract), or returns -1.
 */
static uint32_t crc_table[256];

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	if (!crc_table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
	}
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static bool crc_matches(int fd, GElf_Word want)
{
	unsigned char buf[16384];
	uint32_t crc = 0;
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			return crc == want;
		crc = crc32_update(crc, buf, (size_t)n);
		off += n;
	}
}

static bool build_id_matches(Dwfl_Module *mod, int fd)
{
	const unsigned char *want;
	GElf_Addr vaddr;
	int nwant = dw.module_build_id(mod, &want, &vaddr);
	Elf *elf = dw.elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return false;
	const void *have;
	ssize_t nhave = dw.gnu_build_id(elf, &have);
	bool ok = nwant > 0 && nhave == nwant && memcmp(have, want, (size_t)nwant) == 0;
	dw.elf_end(elf);
	return ok;
}

/* Opens DIR/SUB/NAME (SUB may be NULL) if it is a valid debug file of mod. */
static int try_debug_file(Dwfl_Module *mod, const struct stat *main_st, bool has_build_id, bool check_crc,
			  GElf_Word crc, const char *dir, const char *sub, const char *name,
			  char **debuginfo_file_name)
{
	char path[PATH_MAX];
	int n = sub ? snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name)
		    : snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		  !(st.st_dev == main_st->st_dev && st.st_ino == main_st->st_ino);
	if (ok)
		ok = has_build_id ? build_id_matches(mod, fd) : !check_crc || crc_matches(fd, crc);
	char *name_copy = ok ? strdup(path) : NULL;
	if (!name_copy) {
		close(fd);
		return -1;
	}
	*debuginfo_file_name = name_copy;
	return fd;
}

/* The debuglink search for one spelling of the module's file name. */
static int find_by_debuglink(Dwfl_Module *mod, const char *file_name, const char *debuglink, GElf_Word crc,
			     char **debuginfo_file_name)
{
	const char *slash = strrchr(file_name, '/');
	if (!slash || file_name[0] != '/')
		return -1;
	char dir[PATH_MAX], invented[NAME_MAX + 8];
	size_t ld = (size_t)(slash - file_name);
	if (ld >= sizeof(dir))
		return -1;
	memcpy(dir, file_name, ld);
	dir[ld] = '\0';
	const char *base = slash + 1;
	const char *link = debuglink;
	if (!link) {
		/* no .gnu_debuglink: MODULE.debug, or MODULE itself outside
		 * the module's directory; no CRC to check (as in libdw) */
		int n = snprintf(invented, sizeof(invented), "%s.debug", base);
		if (n < 0 || (size_t)n >= sizeof(invented))
			return -1;
		link = invented;
	}
	struct stat main_st;
	if (stat(file_name, &main_st) != 0) {
		main_st.st_dev = 0;
		main_st.st_ino = 0;
	}
	const unsigned char *id;
	GElf_Addr vaddr;
	bool has_build_id = dw.module_build_id(mod, &id, &vaddr) > 0;
	bool check_crc = debuglink && crc != 0;
	/* dir is absolute ("" for the root): DEBUG_DIR + dir is DEBUG_DIR/(dir + 1) */
	const char *places[][2] = {{dir, NULL}, {dir, ".debug"}, {DEBUG_DIR, ld > 0 ? dir + 1 : NULL}};
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		int fd = try_debug_file(mod, &main_st, has_build_id, check_crc, crc, places[i][0], places[i][1],
					link, debuginfo_file_name);
		if (fd < 0 && !debuglink && i > 0)
			fd = try_debug_file(mod, &main_st, has_build_id, false, 0, places[i][0], places[i][1],
					    base, debuginfo_file_name);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

static int find_debuginfo_local(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
				const char *file_name, const char *debuglink, GElf_Word crc,
				char **debuginfo_file_name)
{
	int fd = dw.build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink, crc,
					    debuginfo_file_name);
	if (fd >= 0)
		return fd;
	/* The debug file's lookup passes the main file's own .gnu_debuglink
	 * (the same pointer into its section data, or NULL without one); the
	 * alternate file's passes the .gnu_debugaltlink name of the Dwarf. */
	GElf_Addr bias;
	GElf_Word main_crc = 0;
	Elf *main_elf = dw.module_getelf(mod, &bias);
	if (!main_elf || debuglink != dw.gnu_debuglink(main_elf, &main_crc) || !file_name)
		return -1;
	fd = find_by_debuglink(mod, file_name, debuglink, crc, debuginfo_file_name);
	if (fd < 0) {
		/* a symlink's target may be where the debug file was put */
		char canon[PATH_MAX];
		if (realpath(file_name, canon) && strcmp(canon, file_name) != 0)
			fd = find_by_debuglink(mod, canon, debuglink, crc, debuginfo_file_name);
	}
	if (fd < 0)
		errno = 0; /* found nothing: not a callback failure (libdw reads errno) */
	return fd;
}

static void dwfl_refresh(void)
{
	if (!load_libdw())
		return;
	/* A forked child keeps its parent's session: same modules at the same
	 * addresses, and fork waited for any snapshot in progress, so libdw was
	 * idle. Starting anew would read every module (and decompress debug
	 * info) again in each child: ~70 ms per child here with libc6-dbg. The
	 * module list is re-read below under the child's own pid. */
	pid_t pid = getpid();
	if (!dw.dwfl) {
		dw.dwfl = dw.begin(&dw.callbacks);
		dw.pid = pid;
		if (!dw.dwfl)
			return;
	}
	dw.pid = pid;
	dw.report_begin(dw.dwfl);
	dw.linux_proc_report(dw.dwfl, pid);
	dw.report_end(dw.dwfl, NULL, NULL);
}

static void *arena_cb_alloc(size_t n, void *ctx) { return arena_alloc(n); }
static void arena_cb_free(void *p, void *ctx) { arena_free(p); }
static const struct elfsym_allocator arena_allocator = {arena_cb_alloc, arena_cb_free, NULL};

/* name[0..len) demangled, or copied without a symbol version; arena. */
static char *demangled_n(const char *name, size_t len)
{
	if (!name)
		return NULL;
	const char *at = memchr(name, '@', len);
	if (at && at > name)
		len = (size_t)(at - name); /* "__libc_start_main@@GLIBC_2.34" */
	char *d = demangle(name, len, &arena_allocator);
	if (d)
		return d;
	d = arena_alloc(len + 1);
	if (d) {
		memcpy(d, name, len);
		d[len] = '\0';
	}
	return d;
}

static char *demangled(const char *name)
{
	return name ? demangled_n(name, strlen(name)) : NULL;
}

/*
 * Per-module symbol index. libdw's dwfl_module_addrname walks the whole
 * symbol table on every lookup: with libLLVM's ~100k symbols, symbolizing a
 * compiler's stacks at exit took longer than the compile (bench/run.sh,
 * perf: 35% in dwfl_module_addrinfo). The index is built once per module:
 * function symbols sorted by address, searched by bisection. It hangs off
 * the module's userdata slot, so a module reported anew after dlclose/dlopen
 * gets a fresh index; names point into libelf's string tables, which live
 * as long as the Dwfl session.
 */
struct sym {
	uint64_t addr, size;
	const char *name;
	int rank; /* preference among aliases at one address: lower is better */
};

/* A compile unit's address range, for modules without .debug_aranges. */
struct curange {
	uint64_t lo, hi;
	Dwarf_Off off;
};

struct modindex {
	struct sym *v; /* function symbols by address */
	size_t n;
	bool cu_built;     /* cu[] built (on the first line lookup that needs it) */
	struct curange *cu; /* compile units by address */
	size_t ncu;
	Dwarf *dwarf;
	Dwarf_Addr bias;
};

_Static_assert(offsetof(struct sym, addr) == 0, "bisection reads the start address first");
_Static_assert(offsetof(struct curange, lo) == 0, "bisection reads the start address first");

static int sym_less(const void *pa, const void *pb)
{
	const struct sym *a = pa, *b = pb;
	return a->addr < b->addr || (a->addr == b->addr && a->rank < b->rank);
}

static int cu_less(const void *pa, const void *pb)
{
	const struct curange *a = pa, *b = pb;
	return a->lo < b->lo;
}

/* Heapsort: in place, no recursion, no allocation (glibc's qsort may take
 * its buffer from the application's heap). Elements of at most 64 bytes. */
static void swap_elems(char *a, char *b, size_t size)
{
	char t[64];
	memcpy(t, a, size);
	memcpy(a, b, size);
	memcpy(b, t, size);
}

static void sift(char *v, size_t root, size_t n, size_t size, int (*less)(const void *, const void *))
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && less(v + child * size, v + (child + 1) * size))
			child++;
		if (!less(v + root * size, v + child * size))
			return;
		swap_elems(v + root * size, v + child * size, size);
		root = child;
	}
}

static void heap_sort(void *base, size_t n, size_t size, int (*less)(const void *, const void *))
{
	char *v = base;
	for (size_t i = n / 2; i-- > 0;)
		sift(v, i, n, size, less);
	for (size_t end = n; end-- > 1;) {
		swap_elems(v, v + end * size, size);
		sift(v, 0, end, size, less);
	}
}

static struct modindex *build_index(Dwfl_Module *mod)
{
	struct modindex *ix = arena_alloc(sizeof(*ix));
	if (!ix)
		return NULL;
	int n = dw.module_getsymtab(mod);
	if (n <= 0)
		return ix;
	ix->v = arena_alloc((size_t)n * sizeof(*ix->v));
	if (!ix->v)
		return ix;
	for (int i = 0; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dw.module_getsym_info(mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);
		if (!name || !name[0] || sym.st_shndx == SHN_UNDEF || addr == 0 ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		int bind = GELF_ST_BIND(sym.st_info);
		struct sym *e = &ix->v[ix->n++];
		e->addr = addr;
		e->size = sym.st_size;
		e->name = name;
		e->rank = (bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2) * 2 + (name[0] == '_');
	}
	heap_sort(ix->v, ix->n, sizeof(*ix->v), sym_less);
	return ix;
}

static struct modindex *module_index(Dwfl_Module *mod)
{
	void **userdata = NULL;
	dw.module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	if (!userdata)
		return NULL;
	if (!*userdata)
		*userdata = build_index(mod);
	return *userdata;
}

/* Number of elements of a sorted array whose first field (a uint64_t
 * start address) is <= pc: the last candidate is at index result - 1. */
static size_t count_starting_at_or_below(const void *base, size_t n, size_t size, uint64_t pc)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t start;
		memcpy(&start, (const char *)base + mid * size, sizeof(start));
		if (start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const char *lookup_symbol(struct modindex *ix, uintptr_t pc)
{
	size_t lo = count_starting_at_or_below(ix->v, ix->n, sizeof(*ix->v), pc);
	if (lo == 0)
		return NULL;
	size_t i = lo - 1;
	uint64_t at = ix->v[i].addr;
	while (i > 0 && ix->v[i - 1].addr == at)
		i--; /* best-ranked alias at that address */
	/* the covering symbol may be a larger one starting earlier (rare:
	 * nested symbols); prefer a sized symbol that contains pc */
	for (size_t k = i;; k--) {
		const struct sym *e = &ix->v[k];
		if (e->size == 0 ? k == i : pc < e->addr + e->size)
			return e->name;
		if (k == 0 || i - k > 8)
			break;
	}
	return NULL;
}

/* A source path as the line table gives it, made absolute with the compile
 * unit's directory when it is relative (gcc's DWARF 5 tables name files
 * relative to DW_AT_comp_dir). Arena string. */
static char *source_path(const char *file, Dwarf_Die *cu)
{
	if (!file || file[0] == '/' || !cu)
		return arena_strdup(file);
	Dwarf_Attribute a;
	const char *dir = dw.attr(cu, DW_AT_comp_dir, &a) ? dw.formstring(&a) : NULL;
	if (!dir || !dir[0])
		return arena_strdup(file);
	size_t ld = strlen(dir), lf = strlen(file);
	char *p = arena_alloc(ld + 1 + lf + 1);
	if (p) {
		memcpy(p, dir, ld);
		p[ld] = '/';
		memcpy(p + ld + 1, file, lf + 1);
	}
	return p;
}

/*
 * Lines for modules without .debug_aranges (clang does not emit it, and
 * libdw 0.188's dwfl_module_getsrc finds no compile unit without it): the
 * compile units' address ranges, read once per module from their DIEs,
 * sorted, bisected; then the unit's own line table.
 */
static void build_cu_index(struct modindex *ix, Dwfl_Module *mod)
{
	ix->cu_built = true;
	ix->dwarf = dw.module_getdwarf(mod, &ix->bias);
	if (!ix->dwarf)
		return;
	size_t cap = 0;
	Dwarf_Addr cubias;
	for (Dwarf_Die *cu = dw.module_nextcu(mod, NULL, &cubias); cu;
	     cu = dw.module_nextcu(mod, cu, &cubias)) {
		Dwarf_Addr base, start, end;
		ptrdiff_t off = 0;
		while ((off = dw.ranges(cu, off, &base, &start, &end)) > 0) {
			if (ix->ncu == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct curange *nv = arena_realloc(ix->cu, ncap * sizeof(*nv));
				if (!nv)
					return;
				ix->cu = nv;
				cap = ncap;
			}
			ix->cu[ix->ncu++] = (struct curange){start + cubias, end + cubias, dw.dieoffset(cu)};
		}
	}
	heap_sort(ix->cu, ix->ncu, sizeof(*ix->cu), cu_less);
}

static void line_from_cus(struct modindex *ix, Dwfl_Module *mod, uintptr_t pc, struct symbolize_frame *out)
{
	if (!ix->cu_built)
		build_cu_index(ix, mod);
	size_t lo = count_starting_at_or_below(ix->cu, ix->ncu, sizeof(*ix->cu), pc);
	/* ranges of different units may nest: look back a little */
	for (size_t k = lo; k-- > 0 && lo - k <= 8;) {
		if (pc >= ix->cu[k].hi)
			continue;
		Dwarf_Die die;
		if (!dw.offdie(ix->dwarf, ix->cu[k].off, &die))
			return;
		Dwarf_Line *line = dw.getsrc_die(&die, pc - ix->bias);
		int lineno = 0;
		if (line && dw.lineno(line, &lineno) == 0) {
			out->file = source_path(dw.linesrc(line, NULL, NULL), &die);
			out->line = lineno;
		}
		return;
	}
}

/* ---- the process map: modules, their files, anonymous executable memory ---- */

/* A module file's symbol index, kept for the life of the process (and of
 * forked children: same files at the same addresses). */
struct modfile {
	struct modfile *next;
	dev_t dev;
	ino_t ino;
	char *path;
	struct elfsym *ix; /* NULL when the file could not be indexed */
};

/* One line of /proc/self/maps. */
struct mapping {
	uintptr_t lo, hi;
	bool exec;
	dev_t dev;
	ino_t ino;
	const char *path; /* into pm.text; "" for anonymous */
};

/* A PT_LOAD segment of a loaded module. */
struct segment {
	uintptr_t lo, hi;
	size_t mod;
};

struct module {
	uintptr_t base;
	struct modfile *file; /* NULL: no file (vdso) or not indexed yet */
	const char *path;
	dev_t dev;
	ino_t ino;
	bool file_tried;
	char build_id[2 * 64 + 1]; /* lowercase hex, "" when none */
};

/* The GNU build-id note of a loaded module, from its PT_NOTE segments in
 * memory (mapped by the loader: readable), as hex. */
static void note_build_id(const struct dl_phdr_info *info, char *out, size_t outlen)
{
	out[0] = '\0';
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		size_t left = ph->p_memsz;
		while (left >= sizeof(ElfW(Nhdr))) {
			ElfW(Nhdr) nh;
			memcpy(&nh, p, sizeof(nh));
			size_t namesz = (nh.n_namesz + 3) & ~(size_t)3, descsz = (nh.n_descsz + 3) & ~(size_t)3;
			if (namesz > left - sizeof(nh) || descsz > left - sizeof(nh) - namesz)
				break;
			const unsigned char *name = p + sizeof(nh), *desc = name + namesz;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
			    nh.n_descsz > 0 && 2 * (size_t)nh.n_descsz < outlen) {
				static const char hex[] = "0123456789abcdef";
				for (size_t k = 0; k < nh.n_descsz; k++) {
					out[2 * k] = hex[desc[k] >> 4];
					out[2 * k + 1] = hex[desc[k] & 15];
				}
				out[2 * nh.n_descsz] = '\0';
				return;
			}
			p += sizeof(nh) + namesz + descsz;
			left -= sizeof(nh) + namesz + descsz;
		}
	}
}

static struct {
	bool full; /* symbolize=full */
	char *text; /* /proc/self/maps, NUL-terminated */
	size_t text_cap;
	struct mapping *maps;
	size_t nmaps, maps_cap;
	struct segment *segs;
	size_t nsegs, segs_cap;
	struct module *mods;
	size_t nmods, mods_cap;
	struct modfile *files;
	bool jit_init;
	struct jitmap jit;
	pid_t jit_pid;
} pm;

void symbolize_configure(bool full)
{
	pm.full = full;
}

static bool grow(void **v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	void *nv = arena_realloc(*v, ncap * elem);
	if (!nv)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

/* Reads /proc/self/maps whole into pm.text. */
static bool read_maps_text(void)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t len = 0;
	bool ok = true;
	for (;;) {
		if (!grow((void **)&pm.text, &pm.text_cap, len + 65536 + 1, 1)) {
			ok = false;
			break;
		}
		ssize_t n = read(fd, pm.text + len, pm.text_cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = n == 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (ok)
		pm.text[len] = '\0';
	return ok;
}

static uint64_t hex_field(char **p)
{
	uint64_t v = 0;
	for (;; (*p)++) {
		char c = **p;
		int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (h < 0)
			return v;
		v = v << 4 | (uint64_t)h;
	}
}

static void parse_maps(void)
{
	pm.nmaps = 0;
	if (!read_maps_text())
		return;
	/* "lo-hi perms offset maj:min inode   path" */
	for (char *p = pm.text; *p;) {
		char *eol = strchr(p, '\n');
		if (eol)
			*eol = '\0';
		struct mapping m = {0};
		m.lo = (uintptr_t)hex_field(&p);
		if (*p == '-') {
			p++;
			m.hi = (uintptr_t)hex_field(&p);
			while (*p == ' ')
				p++;
			m.exec = p[0] && p[1] && p[2] == 'x';
			p = strchr(p, ' ');
		} else {
			p = NULL;
		}
		if (p) {
			while (*p == ' ')
				p++;
			hex_field(&p); /* offset */
			while (*p == ' ')
				p++;
			unsigned maj = (unsigned)hex_field(&p);
			if (*p == ':')
				p++;
			unsigned min = (unsigned)hex_field(&p);
			m.dev = makedev(maj, min);
			while (*p == ' ')
				p++;
			uint64_t ino = 0;
			for (; *p >= '0' && *p <= '9'; p++)
				ino = ino * 10 + (uint64_t)(*p - '0');
			m.ino = (ino_t)ino;
			while (*p == ' ')
				p++;
			m.path = p;
			if (m.hi > m.lo && grow((void **)&pm.maps, &pm.maps_cap, pm.nmaps + 1, sizeof(m)))
				pm.maps[pm.nmaps++] = m;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
}

/* The mapping containing addr (maps are in address order), or NULL. */
static const struct mapping *mapping_at(uintptr_t addr)
{
	size_t lo = 0, hi = pm.nmaps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pm.maps[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && addr < pm.maps[lo - 1].hi ? &pm.maps[lo - 1] : NULL;
}

static int add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	if (!grow((void **)&pm.mods, &pm.mods_cap, pm.nmods + 1, sizeof(*pm.mods)))
		return 1;
	size_t mi = pm.nmods;
	struct module *m = &pm.mods[mi];
	memset(m, 0, sizeof(*m));
	m->base = info->dlpi_addr;
	bool any = false;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (!grow((void **)&pm.segs, &pm.segs_cap, pm.nsegs + 1, sizeof(*pm.segs)))
			return 1;
		pm.segs[pm.nsegs++] = (struct segment){lo, lo + ph->p_memsz, mi};
		if (!any) {
			/* the file the first segment maps: path, device, inode */
			const struct mapping *mp = mapping_at(lo);
			if (mp && mp->ino && mp->path[0] == '/') {
				m->path = mp->path;
				m->dev = mp->dev;
				m->ino = mp->ino;
			}
			any = true;
		}
	}
	if (any) {
		note_build_id(info, m->build_id, sizeof(m->build_id));
		pm.nmods++;
	}
	return 0;
}

/* A module dlclose'd since start-up (modmap.c), unless a loaded module's
 * segment overlaps its range now: one segment, its whole extent, named
 * from its file on disk (checked against the inode it had). */
static void add_unloaded(const struct modmap_module *u)
{
	for (size_t i = 0; i < pm.nsegs; i++)
		if (pm.segs[i].lo < u->hi && u->lo < pm.segs[i].hi)
			return;
	if (!grow((void **)&pm.mods, &pm.mods_cap, pm.nmods + 1, sizeof(*pm.mods)) ||
	    !grow((void **)&pm.segs, &pm.segs_cap, pm.nsegs + 1, sizeof(*pm.segs)))
		return;
	struct module *m = &pm.mods[pm.nmods];
	memset(m, 0, sizeof(*m));
	m->base = u->base;
	m->path = u->path; /* modmap's list never frees it */
	m->dev = (dev_t)u->dev;
	m->ino = (ino_t)u->ino;
	snprintf(m->build_id, sizeof(m->build_id), "%s", u->build_id);
	pm.segs[pm.nsegs++] = (struct segment){u->lo, u->hi, pm.nmods};
	pm.nmods++;
}

static int seg_less(const void *pa, const void *pb)
{
	const struct segment *a = pa, *b = pb;
	return a->lo < b->lo;
}

static void heap_sort(void *base, size_t n, size_t size, int (*less)(const void *, const void *));

void symbolize_refresh(void)
{
	DEBUG_ASSERT_GUARD("symbolize_refresh: writer, guard held");
	parse_maps();
	pm.nsegs = pm.nmods = 0;
	dl_iterate_phdr(add_module, NULL);
	for (size_t i = 0; modmap_unloaded(i); i++)
		add_unloaded(modmap_unloaded(i));
	heap_sort(pm.segs, pm.nsegs, sizeof(*pm.segs), seg_less);
	pid_t pid = getpid();
	if (!pm.jit_init) {
		jitmap_init(&pm.jit, (int)pid, &arena_allocator);
		pm.jit_init = true;
		pm.jit_pid = pid;
	} else if (pm.jit_pid != pid) {
		jitmap_set_pid(&pm.jit, (int)pid); /* a forked child's own file */
		pm.jit_pid = pid;
	}
	for (size_t i = 0; i < pm.nmaps; i++) {
		if (pm.maps[i].exec && !pm.maps[i].ino) {
			/* JIT code may be about: read what the perf map added */
			jitmap_update(&pm.jit);
			break;
		}
	}
	if (pm.full)
		dwfl_refresh();
}

/* The module whose PT_LOAD segment contains pc, or NULL. */
static struct module *module_at(uintptr_t pc)
{
	size_t lo = 0, hi = pm.nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pm.segs[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && pc < pm.segs[lo - 1].hi ? &pm.mods[pm.segs[lo - 1].mod] : NULL;
}

/* The module's file index: found in the process-wide list by device and
 * inode, or built now (once per file per process). */
static struct elfsym *module_file_index(struct module *m)
{
	if (!m->file_tried) {
		m->file_tried = true;
		if (!m->path)
			return NULL;
		struct modfile *f;
		for (f = pm.files; f; f = f->next)
			if (f->dev == m->dev && f->ino == m->ino && strcmp(f->path, m->path) == 0)
				break;
		if (!f && (f = arena_alloc(sizeof(*f))) != NULL) {
			f->dev = m->dev;
			f->ino = m->ino;
			f->path = arena_strdup(m->path);
			if (f->path && elfsym_open(m->path, m->dev, m->ino, &arena_allocator, &f->ix) != 0)
				f->ix = NULL;
			if (elfsym_table(f->ix) != ELFSYM_SYMTAB && m->build_id[0] && m->build_id[1] && m->build_id[2]) {
				/* stripped: the full .symtab of its local debug file
				 * (libc6-dbg and the -dbgsym packages), by build-id */
				char dpath[sizeof(DEBUG_DIR) + sizeof(m->build_id) + 32];
				struct textbuf tb;
				textbuf_init(&tb, dpath, sizeof(dpath));
				textbuf_printf(&tb, "%s/.build-id/%.2s/%s.debug", DEBUG_DIR, m->build_id, m->build_id + 2);
				struct elfsym *dbg;
				if (elfsym_open(dpath, 0, 0, &arena_allocator, &dbg) == 0) {
					if (elfsym_table(dbg) == ELFSYM_SYMTAB && elfsym_count(dbg) >= elfsym_count(f->ix)) {
						elfsym_close(f->ix);
						f->ix = dbg;
					} else {
						elfsym_close(dbg);
					}
				}
			}
			f->next = pm.files;
			pm.files = f;
		}
		m->file = f;
	}
	return m->file ? m->file->ix : NULL;
}

/* Is this mapping memory a JIT compiler may have written code into? */
static bool is_anonymous_exec(const struct mapping *mp)
{
	if (!mp || !mp->exec)
		return false;
	/* anonymous, named anonymous (prctl PR_SET_VMA_ANON_NAME), or a
	 * memfd (JITs that map their code twice) */
	const char *p = mp->path;
	return p[0] == '\0' || strncmp(p, "[anon", 5) == 0 || strncmp(p, "/memfd:", 7) == 0;
}

static void set_one(struct symbolize_result *out, const char *raw, size_t rawlen)
{
	char *r = arena_alloc(rawlen + 1);
	if (r) {
		memcpy(r, raw, rawlen);
		r[rawlen] = '\0';
	}
	out->symbol = r;
	out->one.function = demangled_n(raw, rawlen);
}

static void lookup_full(uintptr_t pc, struct module *m, struct symbolize_result *out);

void symbolize_addr(uintptr_t addr, struct symbolize_result *out)
{
	DEBUG_ASSERT_GUARD("symbolize_addr: writer, guard held");
	memset(out, 0, sizeof(*out));
	out->nframes = 1;
	out->frames = &out->one;
	out->resolution = SYMBOLIZE_UNRESOLVED;
	uintptr_t pc = addr ? addr - 1 : addr;
	struct module *m = module_at(pc);
	if (!m) {
		if (!is_anonymous_exec(mapping_at(pc)))
			return; /* in no module, not JIT: unresolved, never a neighbour's name */
		out->jit = true;
		out->resolution = SYMBOLIZE_JIT_UNNAMED;
		const struct jitmap_entry *e = pm.jit_init ? jitmap_lookup(&pm.jit, pc) : NULL;
		if (e) {
			out->symbol = arena_strdup(e->name);
			out->one.function = arena_strdup(e->name);
			out->resolution = SYMBOLIZE_JIT;
		}
		return;
	}
	if (pm.full && load_libdw() && dw.dwfl) {
		lookup_full(pc, m, out);
		if (out->one.function || out->nframes > 1)
			return;
	}
	size_t len;
	const char *name = elfsym_lookup(module_file_index(m), pc - m->base, &len, NULL);
	if (name) {
		/* the raw symbol as stored: with its version, if any */
		set_one(out, name, strlen(name));
		out->resolution = SYMBOLIZE_SYMBOL;
	}
}

void symbolize_addr_unloaded(uintptr_t addr, const struct modmap_module *u, struct symbolize_result *out)
{
	DEBUG_ASSERT_GUARD("symbolize_addr_unloaded: writer, guard held");
	memset(out, 0, sizeof(*out));
	out->nframes = 1;
	out->frames = &out->one;
	out->resolution = SYMBOLIZE_UNRESOLVED;
	uintptr_t pc = addr ? addr - 1 : addr;
	/* the file index is found, or built, in the process-wide list */
	struct module m = {.base = u->base, .path = u->path, .dev = (dev_t)u->dev, .ino = (ino_t)u->ino};
	snprintf(m.build_id, sizeof(m.build_id), "%s", u->build_id);
	size_t len;
	const char *name = elfsym_lookup(module_file_index(&m), pc - m.base, &len, NULL);
	if (name) {
		set_one(out, name, strlen(name));
		out->resolution = SYMBOLIZE_SYMBOL;
	}
}

/* ---- full mode: libdw ---- */

/* An inlined or real function's name from its DIE (or its abstract
 * origin): the linkage name demangled, else DW_AT_name. Arena. */
static char *die_function(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *s = NULL;
	if (dw.attr_integrate(die, DW_AT_linkage_name, &a) || dw.attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
		s = dw.formstring(&a);
	if (s)
		return demangled(s);
	if (dw.attr_integrate(die, DW_AT_name, &a))
		s = dw.formstring(&a);
	return arena_strdup(s);
}

/* The compile unit DIE containing pc, with its bias. */
static bool cu_die_at(Dwfl_Module *mod, struct modindex *ix, uintptr_t pc, Dwarf_Die *out, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dw.module_addrdie(mod, pc, bias);
	if (cu) {
		*out = *cu;
		return true;
	}
	if (!ix)
		return false;
	if (!ix->cu_built)
		build_cu_index(ix, mod);
	size_t lo = count_starting_at_or_below(ix->cu, ix->ncu, sizeof(*ix->cu), pc);
	for (size_t k = lo; k-- > 0 && lo - k <= 8;) {
		if (pc >= ix->cu[k].hi)
			continue;
		*bias = ix->bias;
		return dw.offdie(ix->dwarf, ix->cu[k].off, out) != NULL;
	}
	return false;
}

/* The inlined functions at pc as frames before the real one (innermost
 * first), each outer frame's position the call of the one inside it. */
static void inline_frames(Dwarf_Die *cu, Dwarf_Addr bias, uintptr_t pc, struct symbolize_result *out)
{
	Dwarf_Die *scopes = NULL;
	int n = dw.getscopes(cu, pc - bias, &scopes);
	if (n <= 0 || !scopes)
		return;
	int ninl = 0;
	while (ninl < n && dw.tag(&scopes[ninl]) != DW_TAG_subprogram)
		ninl++;
	int nfunc = 0;
	for (int i = 0; i < ninl; i++)
		nfunc += dw.tag(&scopes[i]) == DW_TAG_inlined_subroutine;
	if (nfunc == 0 || nfunc > 64) {
		free(scopes); /* libdw's array, from the application's heap */
		return;
	}
	struct symbolize_frame *f = arena_alloc((size_t)(nfunc + 1) * sizeof(*f));
	if (!f) {
		free(scopes);
		return;
	}
	Dwarf_Files *files = NULL;
	size_t nfiles = 0;
	if (dw.getsrcfiles(cu, &files, &nfiles) != 0)
		files = NULL;
	f[0].file = out->one.file;
	f[0].line = out->one.line;
	int k = 0;
	for (int i = 0; i < ninl; i++) {
		if (dw.tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		f[k].function = die_function(&scopes[i]);
		Dwarf_Attribute a;
		Dwarf_Word idx = 0, line = 0;
		if (dw.attr(&scopes[i], DW_AT_call_file, &a) && dw.formudata(&a, &idx) == 0 && files && idx < nfiles)
			f[k + 1].file = source_path(dw.filesrc(files, idx, NULL, NULL), cu);
		if (dw.attr(&scopes[i], DW_AT_call_line, &a) && dw.formudata(&a, &line) == 0 && line <= INT32_MAX)
			f[k + 1].line = (int)line;
		k++;
	}
	f[nfunc].function = out->one.function;
	if (!f[nfunc].function && ninl < n)
		f[nfunc].function = die_function(&scopes[ninl]);
	free(scopes);
	out->frames = f;
	out->nframes = (unsigned)nfunc + 1;
}

static void lookup_full(uintptr_t pc, struct module *m, struct symbolize_result *out)
{
	Dwfl_Module *mod = dw.addrmodule(dw.dwfl, pc);
	if (!mod)
		return;
	struct modindex *ix = module_index(mod);
	const char *raw = ix ? lookup_symbol(ix, pc) : NULL;
	if (raw)
		set_one(out, raw, strlen(raw));
	Dwfl_Line *line = dw.module_getsrc(mod, pc);
	if (line) {
		int lineno = 0;
		const char *file = dw.lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
		Dwarf_Addr bias;
		Dwarf_Die *cu = file && file[0] != '/' ? dw.module_addrdie(mod, pc, &bias) : NULL;
		out->one.file = source_path(file, cu);
		out->one.line = lineno;
	} else if (ix) {
		line_from_cus(ix, mod, pc, &out->one);
	}
	out->resolution = out->one.file ? SYMBOLIZE_LINES : raw ? SYMBOLIZE_SYMBOL : SYMBOLIZE_UNRESOLVED;
	Dwarf_Die cu;
	Dwarf_Addr bias;
	if (out->one.file && cu_die_at(mod, ix, pc, &cu, &bias))
		inline_frames(&cu, bias, pc, out);
	if (!out->symbol && out->frames[out->nframes - 1].function)
		out->symbol = arena_strdup(out->frames[out->nframes - 1].function);
}
