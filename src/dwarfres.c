/*
 * dwarfres.c: inline chains from a module's DWARF, found in local files.
 *
 * Owns the tools' libdw sessions: one Dwfl per module (path + build-id), in a
 * table of at most DWARFRES_MAX_OPEN, least recently used closed first.
 * Compiled into the tools only (never the preload), which link libdw, libelf
 * and libstdc++ (for __cxa_demangle). Main thread only.
 * Where a module's debug info is looked for, in order (dwarfres.h):
 *  1. the module file at its recorded path, if its build-id is the one the
 *     snapshot recorded (or the snapshot recorded none);
 *  2. /usr/lib/debug/.build-id/xx/yyyy.debug;
 *  3. each --debug-dir DIR: DIR/.build-id/xx/yyyy.debug, DIR/<debuglink>,
 *     DIR/<module dir>/<debuglink>;
 *  4. the .gnu_debuglink name beside the module, in its .debug/ and under
 *     /usr/lib/debug/<module dir>/ (for the path as recorded, then its
 *     realpath).
 * When the module file is missing or is another build, 2-3 by build-id only
 * (the debug file is then the module: it keeps the program headers).
 * Invariants: (1) local files only: the Dwfl callbacks are find_elf_none and
 * find_debuginfo below, never dwfl_standard_find_debuginfo nor
 * dwfl_build_id_find_elf (in elfutils 0.188 both fall back to debuginfod);
 * dwfl_build_id_find_debuginfo, used only for a dwz alternate file, opens
 * DIR/.build-id paths and nothing else; (2) every candidate debug file is
 * checked: same build-id as the module, or without one the .gnu_debuglink
 * CRC; the module's own file is never its own debug file; (3) pc is an ELF
 * virtual address: each module is reported at base 0 with add_p_vaddr, so
 * libdw's bias is 0 for ET_DYN and ET_EXEC alike; (4) a real function
 * (not an inlined one) is named by src/elfsym.c's index of the file reported
 * as the module, the code and the alias choice the host's symbolize.c
 * uses, so that the two sides name a frame alike (linefill.c keeps the
 * host's name even where the files differ).
 */
#include "dwarfres.h"

#include "elfsym.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSTEM_DEBUG_DIR "/usr/lib/debug"
#define BUILD_ID_MAX 64

/* libstdc++'s demangler (-lstdc++), declared here to stay a C file. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* A compile unit's address range (a unit may have several). */
struct curange {
	uint64_t lo, hi;
	Dwarf_Die die;
	Dwarf_Addr bias;
};

struct module {
	struct dwarfres *r;
	char *path;
	char *build_id;             /* as recorded (lowercase hex) or NULL */
	unsigned char id[BUILD_ID_MAX]; /* build-id a debug file must have */
	size_t idlen;               /* 0: none known, check the debuglink CRC */
	Dwfl *dwfl;                 /* NULL unless status == DWARFRES_LINES */
	Dwfl_Module *mod;
	char *main_file;            /* the file reported as the module (its own, or the debug file) */
	struct elfsym *syms;        /* its function symbols (elfsym.c, as the host), on first use */
	bool syms_built;
	struct curange *cus;        /* compile units by address, built on an aranges miss */
	size_t ncus;
	bool cus_built;
	int status;                 /* DWARFRES_LINES: DWARF available */
	unsigned long used;         /* LRU clock */
};

struct dwarfres {
	char **dirs;
	size_t ndirs;
	char *debuginfo_path; /* "/usr/lib/debug:DIR:...", for dwz alternate files */
	Dwfl_Callbacks cb;
	struct module *mods[DWARFRES_MAX_OPEN];
	size_t nmods;
	unsigned long clock;
};

/* ---- names and paths ---- */

char *dwarfres_demangle(const char *name)
{
	if (!name)
		return NULL;
	if (name[0] == '_' && name[1] == 'Z') {
		int status = -1;
		char *d = __cxa_demangle(name, NULL, NULL, &status);
		if (d && status == 0)
			return d;
		free(d);
	}
	/* a versioned name from a symbol table: "memcpy@@GLIBC_2.14" */
	const char *at = strchr(name, '@');
	return at && at > name ? strndup(name, (size_t)(at - name)) : strdup(name);
}

/* FILE made absolute with the compile unit's DW_AT_comp_dir when FILE is
 * relative and the comp_dir absolute (glibc's units have comp_dirs such as
 * "./libio", whose join would only repeat the directory). */
static char *source_path(const char *file, Dwarf_Die *cu)
{
	if (!file)
		return NULL;
	Dwarf_Attribute a;
	const char *dir = file[0] != '/' && cu ? dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a)) : NULL;
	if (!dir || dir[0] != '/')
		return strdup(file);
	size_t ld = strlen(dir), lf = strlen(file);
	char *p = malloc(ld + 1 + lf + 1);
	if (p) {
		memcpy(p, dir, ld);
		p[ld] = '/';
		memcpy(p + ld + 1, file, lf + 1);
	}
	return p;
}

/* The declaration a function DIE names: through DW_AT_abstract_origin, then
 * DW_AT_specification (a member function's declaration in its class). */
static Dwarf_Die *declaration(Dwarf_Die *die, Dwarf_Die *store)
{
	Dwarf_Attribute a;
	*store = *die;
	for (int hops = 0; hops < 4; hops++) {
		if (!dwarf_formref_die(dwarf_attr(store, DW_AT_abstract_origin, &a), store) &&
		    !dwarf_formref_die(dwarf_attr(store, DW_AT_specification, &a), store))
			break;
	}
	return store;
}

/* NAME qualified with the namespaces and classes around DIE's declaration
 * ("fixture::inner"), for functions without a linkage name (gcc emits none
 * for internal linkage); malloc'd. */
static char *qualified(Dwarf_Die *die, const char *name)
{
	Dwarf_Die decl, *scopes = NULL;
	int n = dwarf_getscopes_die(declaration(die, &decl), &scopes);
	size_t len = strlen(name) + 1;
	for (int i = 1; i < n; i++) {
		const char *s = dwarf_diename(&scopes[i]);
		len += (s ? strlen(s) : sizeof("(anonymous namespace)")) + 2;
	}
	char *out = malloc(len);
	if (out) {
		out[0] = '\0';
		for (int i = n - 1; i >= 1; i--) {
			int tag = dwarf_tag(&scopes[i]);
			const char *s = dwarf_diename(&scopes[i]);
			if (tag == DW_TAG_namespace && !s)
				s = "(anonymous namespace)";
			if (s && (tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
				  tag == DW_TAG_structure_type || tag == DW_TAG_union_type))
				strcat(strcat(out, s), "::");
		}
		strcat(out, name);
	}
	free(scopes);
	return out;
}

/* A function DIE's name: its linkage name demangled, else DW_AT_name
 * qualified (both through DW_AT_abstract_origin and DW_AT_specification). */
static char *die_function(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));
	if (!link)
		link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
	if (link)
		return dwarfres_demangle(link);
	const char *name = dwarf_diename(die);
	return name ? qualified(die, name) : NULL;
}

/* ---- build-ids and CRCs ---- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Lowercase or uppercase hex into out; 0 when not hex (or too long). */
static size_t parse_hex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = 0;
	if (!hex)
		return 0;
	for (const char *p = hex; p[0]; p += 2) {
		int hi = hexval(p[0]), lo = p[1] ? hexval(p[1]) : -1;
		if (hi < 0 || lo < 0 || n == cap)
			return 0;
		out[n++] = (unsigned char)(hi << 4 | lo);
	}
	return n;
}

/* The build-id note of the ELF file open on fd, into id; its length or 0. */
static size_t file_build_id(int fd, unsigned char *id)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return 0;
	const void *p;
	ssize_t n = dwelf_elf_gnu_build_id(elf, &p);
	size_t len = n > 0 && n <= BUILD_ID_MAX ? (size_t)n : 0;
	if (len)
		memcpy(id, p, len);
	elf_end(elf);
	return len;
}

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static bool crc_matches(int fd, uint32_t want)
{
	unsigned char buf[65536];
	uint32_t crc = 0;
	for (off_t off = 0;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && crc == want;
		crc = crc32_update(crc, buf, (size_t)n);
		off += n;
	}
}

/*
 * Opens PATH if it is a debug file of m: a regular file, not the module's own
 * file (not_dev/not_ino), with m's build-id, or without a known build-id with
 * the debuglink CRC (check_crc). Returns the descriptor or -1.
 */
static int open_checked(const struct module *m, const char *path, const struct stat *self, bool check_crc,
			uint32_t crc)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		  !(self && st.st_dev == self->st_dev && st.st_ino == self->st_ino);
	if (ok && m->idlen) {
		unsigned char id[BUILD_ID_MAX];
		ok = file_build_id(fd, id) == m->idlen && memcmp(id, m->id, m->idlen) == 0;
	} else if (ok) {
		ok = check_crc && crc_matches(fd, crc);
	}
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

/* DIR/.build-id/xx/yyyy.debug into buf; false when it does not fit. */
static bool build_id_path(char *buf, size_t cap, const char *dir, const unsigned char *id, size_t n)
{
	int k = snprintf(buf, cap, "%s/.build-id/%02x/", dir, id[0]);
	if (k < 0 || (size_t)k >= cap || (size_t)k + 2 * n + 7 > cap)
		return false;
	for (size_t i = 1; i < n; i++)
		k += snprintf(buf + k, cap - (size_t)k, "%02x", id[i]);
	snprintf(buf + k, cap - (size_t)k, ".debug");
	return true;
}

/* Steps 2-3 by build-id: the first valid DIR/.build-id file, path in buf. */
static int find_by_build_id(const struct module *m, char *buf, size_t cap)
{
	if (m->idlen < 2)
		return -1;
	for (size_t i = 0; i <= m->r->ndirs; i++) {
		const char *dir = i == 0 ? SYSTEM_DEBUG_DIR : m->r->dirs[i - 1];
		if (!build_id_path(buf, cap, dir, m->id, m->idlen))
			continue;
		int fd = open_checked(m, buf, NULL, false, 0);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

static bool join(char *buf, size_t cap, const char *a, const char *b, const char *c)
{
	int k = snprintf(buf, cap, "%s%s%s%s%s", a, b[0] ? "/" : "", b, c[0] ? "/" : "", c);
	return k >= 0 && (size_t)k < cap;
}

/* Steps 3-4 by .gnu_debuglink for one spelling of the module's file name. */
static int find_by_debuglink(const struct module *m, const char *file, const char *link, uint32_t crc,
			     char *buf, size_t cap)
{
	const char *slash = strrchr(file, '/');
	if (!slash || file[0] != '/' || strchr(link, '/'))
		return -1;
	char dir[PATH_MAX];
	size_t ld = (size_t)(slash - file);
	if (ld >= sizeof(dir))
		return -1;
	memcpy(dir, file, ld);
	dir[ld] = '\0';
	struct stat self;
	bool have_self = stat(file, &self) == 0;
	const char *rel = ld ? dir + 1 : ""; /* the module's directory, without its leading '/' */
	/* each debug dir: DIR/link, DIR/<module dir>/link; then beside the
	 * module, in its .debug/ and under /usr/lib/debug/<module dir>/ */
	size_t nplaces = 2 * m->r->ndirs + 3;
	for (size_t i = 0; i < nplaces; i++) {
		const char *base, *sub;
		if (i < 2 * m->r->ndirs) {
			base = m->r->dirs[i / 2];
			sub = i % 2 ? rel : "";
		} else {
			size_t k = i - 2 * m->r->ndirs;
			base = k == 2 ? SYSTEM_DEBUG_DIR : dir;
			sub = k == 0 ? "" : k == 1 ? ".debug" : rel;
		}
		if (!join(buf, cap, base, sub, link))
			continue;
		int fd = open_checked(m, buf, have_self ? &self : NULL, true, crc);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

/* ---- the Dwfl callbacks ---- */

static int find_elf_none(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
			 char **file_name, Elf **elfp)
{
	(void)mod, (void)userdata, (void)name, (void)base, (void)file_name, (void)elfp;
	return -1; /* every module is reported with its descriptor */
}

/*
 * libdw asks for a module's debug file when the main file has no DWARF, and
 * for the dwz alternate file (.gnu_debugaltlink) of a Dwarf once open.
 * Returns an open descriptor and a malloc'd *out_name (libdw frees it).
 */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink, GElf_Word crc, char **out_name)
{
	struct module *m = userdata ? *userdata : NULL;
	if (!m)
		return -1;
	GElf_Addr bias;
	GElf_Word main_crc;
	Elf *main_elf = dwfl_module_getelf(mod, &bias);
	if (!main_elf || debuglink != dwelf_elf_gnu_debuglink(main_elf, &main_crc))
		/* the alternate file: by the build-id its link names, in
		 * /usr/lib/debug and each debug dir (r->debuginfo_path) */
		return dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink, crc,
						    out_name);
	char buf[PATH_MAX];
	int fd = find_by_build_id(m, buf, sizeof(buf));
	if (fd < 0 && debuglink && file_name) {
		fd = find_by_debuglink(m, file_name, debuglink, crc, buf, sizeof(buf));
		char canon[PATH_MAX];
		if (fd < 0 && realpath(file_name, canon) && strcmp(canon, file_name) != 0)
			fd = find_by_debuglink(m, canon, debuglink, crc, buf, sizeof(buf));
	}
	if (fd >= 0 && !(*out_name = strdup(buf))) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		errno = 0; /* nothing found is not a callback failure (libdw reads errno) */
	return fd;
}

/* ---- the module table ---- */

static void module_free(struct module *m)
{
	if (!m)
		return;
	if (m->dwfl)
		dwfl_end(m->dwfl);
	elfsym_close(m->syms);
	free(m->main_file);
	free(m->cus);
	free(m->path);
	free(m->build_id);
	free(m);
}

/* Step 1 (or 2-3 by build-id alone): the main file, status and Dwfl of m. */
static void module_open(struct module *m)
{
	unsigned char want[BUILD_ID_MAX];
	size_t nwant = parse_hex(m->build_id, want, sizeof(want));
	char buf[PATH_MAX];
	const char *main_path = m->path;
	int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	m->status = DWARFRES_NO_MODULE;
	if (fd >= 0) {
		size_t nhave = file_build_id(fd, m->id);
		if (!m->build_id) {
			m->idlen = nhave; /* no recorded id: the file's own, if any */
		} else if (nhave != nwant || memcmp(m->id, want, nwant) != 0) {
			close(fd);
			fd = -1;
			m->status = DWARFRES_MISMATCH;
		}
	}
	if (m->build_id) {
		memcpy(m->id, want, nwant);
		m->idlen = nwant;
	}
	if (fd < 0) {
		fd = find_by_build_id(m, buf, sizeof(buf));
		if (fd < 0)
			return;
		main_path = buf;
	}
	m->main_file = strdup(main_path);
	m->dwfl = dwfl_begin(&m->r->cb);
	if (!m->dwfl) {
		close(fd);
		m->status = DWARFRES_NO_DEBUGINFO;
		return;
	}
	dwfl_report_begin(m->dwfl);
	m->mod = dwfl_report_elf(m->dwfl, m->path, main_path, fd, 0, true); /* takes fd */
	dwfl_report_end(m->dwfl, NULL, NULL);
	void **userdata = NULL;
	if (m->mod)
		dwfl_module_info(m->mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	if (userdata)
		*userdata = m;
	Dwarf_Addr bias;
	if (!m->mod || !dwfl_module_getdwarf(m->mod, &bias)) {
		dwfl_end(m->dwfl);
		m->dwfl = NULL;
		m->mod = NULL;
		m->status = DWARFRES_NO_DEBUGINFO;
		return;
	}
	m->status = DWARFRES_LINES;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static struct module *module_get(struct dwarfres *r, const char *path, const char *build_id)
{
	r->clock++;
	for (size_t i = 0; i < r->nmods; i++) {
		struct module *m = r->mods[i];
		if (strcmp(m->path, path) == 0 && same(m->build_id, build_id)) {
			m->used = r->clock;
			return m;
		}
	}
	struct module *m = calloc(1, sizeof(*m));
	if (!m || !(m->path = strdup(path)) || (build_id && !(m->build_id = strdup(build_id)))) {
		module_free(m);
		return NULL;
	}
	m->r = r;
	m->used = r->clock;
	module_open(m);
	size_t slot = r->nmods;
	if (slot == DWARFRES_MAX_OPEN) { /* close the least recently used */
		slot = 0;
		for (size_t i = 1; i < r->nmods; i++)
			if (r->mods[i]->used < r->mods[slot]->used)
				slot = i;
		module_free(r->mods[slot]);
	} else {
		r->nmods++;
	}
	r->mods[slot] = m;
	return m;
}

struct dwarfres *dwarfres_new(const char *const *dirs, size_t ndirs)
{
	/* libelf refuses elf_begin until told its version: the build-id of a
	 * module file is read before any Dwfl exists (dwfl_begin would do it) */
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	struct dwarfres *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	size_t len = sizeof(SYSTEM_DEBUG_DIR);
	r->dirs = calloc(ndirs + 1, sizeof(*r->dirs));
	for (size_t i = 0; r->dirs && i < ndirs; i++) {
		if (!(r->dirs[i] = strdup(dirs[i])))
			goto oom;
		r->ndirs++;
		len += strlen(dirs[i]) + 1;
	}
	if (!r->dirs || !(r->debuginfo_path = malloc(len)))
		goto oom;
	strcpy(r->debuginfo_path, SYSTEM_DEBUG_DIR);
	for (size_t i = 0; i < ndirs; i++)
		strcat(strcat(r->debuginfo_path, ":"), dirs[i]);
	r->cb.find_elf = find_elf_none;
	r->cb.find_debuginfo = find_debuginfo;
	r->cb.section_address = dwfl_offline_section_address;
	r->cb.debuginfo_path = &r->debuginfo_path;
	return r;
oom:
	dwarfres_free(r);
	return NULL;
}

void dwarfres_free(struct dwarfres *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nmods; i++)
		module_free(r->mods[i]);
	for (size_t i = 0; r->dirs && i < r->ndirs; i++)
		free(r->dirs[i]);
	free(r->dirs);
	free(r->debuginfo_path);
	free(r);
}

/* ---- lookups ---- */

/*
 * The ELF symbol naming pc: src/elfsym.c's index of the module's file,
 * the very code and choice the host uses (symbolize.c), so that the tools
 * name a function as the traced process named it. A demangled copy, or
 * NULL (malloc'd).
 */
static void *sym_alloc(size_t size, void *ctx)
{
	(void)ctx;
	return malloc(size);
}

static void sym_free(void *p, void *ctx)
{
	(void)ctx;
	free(p);
}

static char *symbol_at(struct module *m, uint64_t pc)
{
	if (!m->syms_built) {
		m->syms_built = true;
		const struct elfsym_allocator a = {sym_alloc, sym_free, NULL};
		if (m->main_file && elfsym_open(m->main_file, 0, 0, &a, &m->syms) != 0)
			m->syms = NULL;
	}
	size_t len;
	uint64_t start;
	const char *name = m->syms ? elfsym_lookup(m->syms, pc, &len, &start) : NULL;
	if (!name)
		return NULL;
	char *plain = strndup(name, len); /* without its "@VERSION" */
	if (!plain)
		return NULL;
	char *d = dwarfres_demangle(plain);
	free(plain);
	return d;
}

/*
 * Compile units by address, for modules without .debug_aranges (clang emits
 * none, and libdw 0.188's dwfl_module_addrdie finds no unit without it):
 * every unit's ranges read once per module, sorted, bisected, instead of
 * asking each unit (dwarf_haspc) on every lookup.
 */
static int cu_cmp(const void *pa, const void *pb)
{
	const struct curange *a = pa, *b = pb;
	return (a->lo > b->lo) - (a->lo < b->lo);
}

static void build_cus(struct module *m)
{
	size_t cap = 0;
	Dwarf_Addr bias;
	m->cus_built = true;
	for (Dwarf_Die *cu = dwfl_module_nextcu(m->mod, NULL, &bias); cu;
	     cu = dwfl_module_nextcu(m->mod, cu, &bias)) {
		Dwarf_Addr base, lo, hi;
		for (ptrdiff_t off = 0; (off = dwarf_ranges(cu, off, &base, &lo, &hi)) > 0;) {
			if (m->ncus == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				struct curange *v = realloc(m->cus, ncap * sizeof(*v));
				if (!v)
					goto sort; /* the units so far: fewer lines, no failure */
				m->cus = v;
				cap = ncap;
			}
			m->cus[m->ncus++] = (struct curange){lo + bias, hi + bias, *cu, bias};
		}
	}
sort:
	qsort(m->cus, m->ncus, sizeof(*m->cus), cu_cmp);
}

/* The compile unit covering pc: through .debug_aranges, else the index. */
static Dwarf_Die *cu_of(struct module *m, uint64_t pc, Dwarf_Die *store, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(m->mod, pc, bias);
	if (cu)
		return cu;
	if (!m->cus_built)
		build_cus(m);
	size_t lo = 0, hi = m->ncus;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->cus[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ranges of different units may nest: look back a little */
	for (size_t k = lo; k-- > 0 && lo - k <= 8;) {
		if (pc < m->cus[k].hi) {
			*store = m->cus[k].die;
			*bias = m->cus[k].bias;
			return store;
		}
	}
	return NULL;
}

static int push(struct dwarfres_chain *c, unsigned *cap, char *function, char *file, int line)
{
	if (c->n == *cap) {
		unsigned ncap = *cap ? 2 * *cap : 4;
		struct dwarfres_frame *v = realloc(c->v, ncap * sizeof(*v));
		if (!v) {
			free(function);
			free(file);
			return -ENOMEM;
		}
		c->v = v;
		*cap = ncap;
	}
	c->v[c->n++] = (struct dwarfres_frame){function, file, line};
	return 0;
}

/* The chain at pc of an open module, lines known: innermost scope's
 * concrete parents (dwarf_getscopes_die), one frame per function scope. */
static int chain_at(struct module *m, Dwarf_Die *cu, Dwarf_Addr bias, uint64_t pc, char *file, int line,
		    struct dwarfres_chain *out)
{
	unsigned cap = 0;
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes(cu, pc - bias, &scopes);
	Dwarf_Die inner;
	if (n > 0)
		inner = scopes[0];
	free(scopes);
	scopes = NULL;
	/* dwarf_getscopes continues from the innermost inlined instance with
	 * its abstract definition's scopes; the concrete callers are the DIE
	 * parents of the innermost scope */
	n = n > 0 ? dwarf_getscopes_die(&inner, &scopes) : 0;
	Dwarf_Files *files = NULL;
	size_t nfiles = 0;
	if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0)
		files = NULL;
	int rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram && tag != DW_TAG_entry_point)
			continue;
		/* the real function: named as the host names it, by its ELF
		 * symbol (static functions have no linkage name); else DWARF */
		char *fn = NULL;
		if (tag != DW_TAG_inlined_subroutine)
			fn = symbol_at(m, pc);
		rc = push(out, &cap, fn ? fn : die_function(&scopes[i]), file, line);
		file = NULL;
		if (tag != DW_TAG_inlined_subroutine)
			break;
		/* where this inlined instance was called: the next frame's line */
		Dwarf_Attribute a;
		Dwarf_Word fi = 0, ln = 0;
		line = dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &a), &ln) == 0 ? (int)ln : 0;
		if (files && dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &a), &fi) == 0 && fi < nfiles)
			file = source_path(dwarf_filesrc(files, fi, NULL, NULL), cu);
	}
	free(scopes);
	if (!rc && out->n == 0) /* no function DIE covers pc: the ELF symbol */
		rc = push(out, &cap, symbol_at(m, pc), file, line), file = NULL;
	else if (!rc && !out->v[out->n - 1].function)
		out->v[out->n - 1].function = symbol_at(m, pc);
	free(file);
	return rc;
}

int dwarfres_lookup(struct dwarfres *r, const char *path, const char *build_id, uint64_t pc,
		    struct dwarfres_chain *out)
{
	memset(out, 0, sizeof(*out));
	if (!path || !*path) /* a damaged snapshot: a location whose module has no path */
		return DWARFRES_NO_MODULE;
	struct module *m = module_get(r, path, build_id);
	if (!m)
		return -ENOMEM;
	if (m->status != DWARFRES_LINES)
		return m->status;
	Dwarf_Die store;
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = cu_of(m, pc, &store, &bias);
	Dwarf_Line *l = cu ? dwarf_getsrc_die(cu, pc - bias) : NULL;
	int line = 0;
	if (!l || dwarf_lineno(l, &line) != 0 || line <= 0)
		return DWARFRES_NO_LINE;
	char *file = source_path(dwarf_linesrc(l, NULL, NULL), cu);
	if (!file)
		return DWARFRES_NO_LINE;
	if (chain_at(m, cu, bias, pc, file, line, out) < 0) {
		dwarfres_chain_free(out);
		return -ENOMEM;
	}
	return DWARFRES_LINES;
}

void dwarfres_chain_free(struct dwarfres_chain *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++) {
		free(c->v[i].function);
		free(c->v[i].file);
	}
	free(c->v);
	c->n = 0;
	c->v = NULL;
}

const char *dwarfres_status_str(int status)
{
	switch (status) {
	case DWARFRES_LINES: return "lines";
	case DWARFRES_NO_MODULE: return "module file not found";
	case DWARFRES_MISMATCH: return "module file is another build (build-id differs)";
	case DWARFRES_NO_DEBUGINFO: return "no debug info";
	case DWARFRES_NO_LINE: return "no line for the address";
	case -ENOMEM: return "out of memory";
	default: return "unknown";
	}
}
