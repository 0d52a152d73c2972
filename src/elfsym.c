/*
 * elfsym.c: an ELF file's function symbols by address, without libelf.
 *
 * The file is mapped read-only (MAP_PRIVATE) and kept mapped: names are
 * read from its string table at lookup. The index is an array of
 * struct fsym, one per distinct function address, sorted by address.
 * Invariants: (1) every offset, size, count and index read from the file is
 * checked against the file size (or the table's size) before the bytes it
 * names are touched; a string is used only when its NUL lies inside its
 * string table; (2) memory comes only from the caller's allocator (no
 * malloc, no stdio, no qsort: glibc's qsort may malloc); (3) after the
 * index is built the mapping's pages are dropped (MADV_DONTNEED), so a
 * resident file costs only the pages later lookups touch.
 * A file truncated in place by someone else while it is mapped would fault
 * on access, as the process's own mapping of it would.
 */
#include "elfsym.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct fsym {
	uint64_t addr;
	uint32_t len;      /* bytes covered from addr (clamped to 4 GiB - 1) */
	uint32_t name_off; /* into the string table */
};

struct elfsym {
	struct elfsym_allocator a;
	const unsigned char *map;
	size_t map_size;
	const char *strtab; /* inside map */
	size_t strtab_size;
	struct fsym *v;
	size_t n;
	enum elfsym_table table;
};

/* A symbol while the index is built: rank decides between aliases. */
struct cand {
	uint64_t addr, size, sect_end;
	uint32_t name_off;
	uint32_t rank; /* lower is better */
};

static int cand_less(const struct cand *a, const struct cand *b)
{
	return a->addr < b->addr || (a->addr == b->addr && a->rank < b->rank);
}

/* Heapsort (in place, no allocation, no recursion). */
static void cand_sift(struct cand *v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && cand_less(&v[child], &v[child + 1]))
			child++;
		if (!cand_less(&v[root], &v[child]))
			return;
		struct cand t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

static void cand_sort(struct cand *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		cand_sift(v, i, n);
	for (size_t end = n; end-- > 1;) {
		struct cand t = v[0];
		v[0] = v[end];
		v[end] = t;
		cand_sift(v, 0, end);
	}
}

/* Is [off, off + size) inside a file of file_size bytes? */
static int in_file(uint64_t off, uint64_t size, size_t file_size)
{
	return off <= file_size && size <= file_size - off;
}

static int build(struct elfsym *ix)
{
	const unsigned char *m = ix->map;
	size_t fsz = ix->map_size;
	if (fsz < sizeof(Elf64_Ehdr))
		return -ENOEXEC;
	Elf64_Ehdr eh;
	memcpy(&eh, m, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
	if (eh.e_shoff == 0 || eh.e_shnum == 0 || eh.e_shentsize != sizeof(Elf64_Shdr))
		return -ENOEXEC; /* no section headers (or extended numbering): nothing to read */
	size_t shnum = eh.e_shnum;
	if (!in_file(eh.e_shoff, (uint64_t)shnum * sizeof(Elf64_Shdr), fsz) || eh.e_shoff % 8)
		return -ENOEXEC;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh.e_shoff);

	const Elf64_Shdr *symtab = NULL;
	for (size_t i = 0; i < shnum && !symtab; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = &sh[i];
	ix->table = ELFSYM_SYMTAB;
	for (size_t i = 0; i < shnum && !symtab; i++)
		if (sh[i].sh_type == SHT_DYNSYM)
			symtab = &sh[i], ix->table = ELFSYM_DYNSYM;
	if (!symtab) {
		ix->table = ELFSYM_NONE;
		return 0; /* a valid file without symbols: an empty index */
	}
	if (symtab->sh_entsize != sizeof(Elf64_Sym) || !in_file(symtab->sh_offset, symtab->sh_size, fsz) ||
	    symtab->sh_offset % 8 || symtab->sh_link >= shnum)
		return -ENOEXEC;
	const Elf64_Shdr *strsh = &sh[symtab->sh_link];
	if (strsh->sh_type != SHT_STRTAB || !in_file(strsh->sh_offset, strsh->sh_size, fsz) ||
	    strsh->sh_size == 0 || strsh->sh_size > UINT32_MAX)
		return -ENOEXEC;
	ix->strtab = (const char *)m + strsh->sh_offset;
	ix->strtab_size = strsh->sh_size;

	size_t nsym = symtab->sh_size / sizeof(Elf64_Sym);
	const Elf64_Sym *syms = (const Elf64_Sym *)(m + symtab->sh_offset);
	/* First pass: count candidates, to size the array once. */
	size_t ncand = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct cand *c = NULL;
		if (pass == 1) {
			if (ncand == 0)
				return 0;
			if (ncand > ELFSYM_MAX_FUNCS)
				ncand = ELFSYM_MAX_FUNCS;
			c = ix->a.alloc(ncand * sizeof(*c), ix->a.ctx);
			if (!c)
				return -ENOMEM;
		}
		size_t k = 0;
		for (size_t i = 1; i < nsym; i++) {
			const Elf64_Sym *s = &syms[i];
			int type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);
			if (s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE || s->st_shndx >= shnum ||
			    s->st_value == 0 || s->st_name == 0 || s->st_name >= ix->strtab_size)
				continue;
			const Elf64_Shdr *sec = &sh[s->st_shndx];
			int exec = (sec->sh_flags & SHF_EXECINSTR) != 0;
			if (!(type == STT_FUNC || type == STT_GNU_IFUNC || (type == STT_NOTYPE && s->st_size > 0 && exec)))
				continue;
			const char *name = ix->strtab + s->st_name;
			if (!memchr(name, '\0', ix->strtab_size - s->st_name) || name[0] == '\0')
				continue;
			if (pass == 0) {
				ncand++;
				continue;
			}
			if (k == ncand)
				break;
			struct cand *e = &c[k++];
			e->addr = s->st_value;
			e->size = s->st_size;
			/* a size-0 symbol is bounded by its section (when the
			 * section contains it) */
			e->sect_end = sec->sh_addr <= s->st_value && s->st_value - sec->sh_addr < sec->sh_size
					      ? sec->sh_addr + sec->sh_size : s->st_value + 1;
			e->name_off = (uint32_t)s->st_name;
			/* sized first, then global < weak < local, then no
			 * leading underscore, then FUNC over the others */
			e->rank = (uint32_t)((s->st_size == 0) << 3 |
					     (bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2) << 1 |
					     (name[0] == '_')) << 1 | (type != STT_FUNC);
		}
		if (pass == 1) {
			ncand = k;
			cand_sort(c, ncand);
			/* one entry per address: the best-ranked alias */
			size_t nd = 0;
			for (size_t i = 0; i < ncand; i++)
				if (nd == 0 || c[nd - 1].addr != c[i].addr)
					c[nd++] = c[i];
			ix->v = ix->a.alloc(nd * sizeof(*ix->v), ix->a.ctx);
			if (!ix->v) {
				ix->a.free(c, ix->a.ctx);
				return -ENOMEM;
			}
			for (size_t i = 0; i < nd; i++) {
				uint64_t len = c[i].size;
				if (len == 0) {
					uint64_t end = c[i].sect_end;
					if (i + 1 < nd && c[i + 1].addr < end)
						end = c[i + 1].addr;
					len = end - c[i].addr;
				}
				ix->v[i].addr = c[i].addr;
				ix->v[i].len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
				ix->v[i].name_off = c[i].name_off;
			}
			ix->n = nd;
			ix->a.free(c, ix->a.ctx);
		}
	}
	return 0;
}

int elfsym_open_fd(int fd, const struct elfsym_allocator *a, struct elfsym **out)
{
	*out = NULL;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	if (st.st_size < (off_t)sizeof(Elf64_Ehdr))
		return -ENOEXEC;
	struct elfsym *ix = a->alloc(sizeof(*ix), a->ctx);
	if (!ix)
		return -ENOMEM;
	memset(ix, 0, sizeof(*ix));
	ix->a = *a;
	ix->map_size = (size_t)st.st_size;
	void *m = mmap(NULL, ix->map_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		int e = -errno;
		a->free(ix, a->ctx);
		return e;
	}
	ix->map = m;
	int rc = build(ix);
	if (rc) {
		elfsym_close(ix);
		return rc;
	}
	madvise(m, ix->map_size, MADV_DONTNEED);
	*out = ix;
	return 0;
}

int elfsym_open(const char *path, dev_t want_dev, ino_t want_ino, const struct elfsym_allocator *a,
		struct elfsym **out)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = fstat(fd, &st) != 0 ? -errno : 0;
	if (!rc && (want_dev || want_ino) && (st.st_dev != want_dev || st.st_ino != want_ino))
		rc = -ESTALE; /* the path now names another file than the one mapped */
	if (!rc)
		rc = elfsym_open_fd(fd, a, out);
	close(fd);
	return rc;
}

const char *elfsym_lookup(const struct elfsym *ix, uint64_t vaddr, size_t *len, uint64_t *start)
{
	if (!ix || ix->n == 0)
		return NULL;
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->v[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the symbol starting at or below vaddr; a few more back for one that
	 * nests it (a local label symbol inside a sized function) */
	for (size_t k = lo; k-- > 0 && lo - k <= 4;) {
		const struct fsym *e = &ix->v[k];
		if (vaddr - e->addr < e->len) {
			const char *name = ix->strtab + e->name_off;
			size_t n = strlen(name); /* NUL checked inside the table at build */
			const char *at = memchr(name, '@', n);
			if (at && at > name)
				n = (size_t)(at - name);
			*len = n;
			if (start)
				*start = e->addr;
			return name;
		}
	}
	return NULL;
}

size_t elfsym_count(const struct elfsym *ix) { return ix ? ix->n : 0; }
enum elfsym_table elfsym_table(const struct elfsym *ix) { return ix ? ix->table : ELFSYM_NONE; }
size_t elfsym_bytes(const struct elfsym *ix) { return ix ? sizeof(*ix) + ix->n * sizeof(*ix->v) : 0; }

void elfsym_close(struct elfsym *ix)
{
	if (!ix)
		return;
	if (ix->map)
		munmap((void *)ix->map, ix->map_size);
	if (ix->v)
		ix->a.free(ix->v, ix->a.ctx);
	ix->a.free(ix, ix->a.ctx);
}
