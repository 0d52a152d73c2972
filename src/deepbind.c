/*
 * deepbind.c: the exported dlopen; RTLD_DEEPBIND libraries kept on the hooks.
 *
 * A library opened with RTLD_DEEPBIND looks symbols up in its own
 * dependencies before the global scope, so its malloc family binds to glibc
 * and skips the preload. After such a dlopen succeeds, the malloc-family
 * GOT slots (R_X86_64_JUMP_SLOT, R_X86_64_GLOB_DAT) of the objects it loaded
 * are rewritten to point to the hooks, as heaptrack does.
 *
 * Which objects: those dl_iterate_phdr reports after the call and not
 * before it (their program headers' address identifies them). Which slots:
 * a relocation against one of the eleven hooked names that the object does
 * not define itself, whose slot holds exactly the function the hooks forward
 * to (dlsym RTLD_NEXT: glibc's, or the program's allocator). A slot that
 * holds anything else (the object's own malloc, another allocator of its
 * dependencies) is left alone. A RTLD_LAZY request is made RTLD_NOW so that
 * every slot is resolved when we look (if that fails, e.g. an undefined
 * symbol only lazy binding tolerates, the original flags are used; an
 * allocator slot still unresolved then is a failure, below).
 * Slots inside PT_GNU_RELRO are made writable with mprotect, written, and
 * made read-only again, as ld.so left them.
 *
 * Context: any application thread, inside dlopen. The entry (assembly, at
 * the end) tail-jumps to the next dlopen unless the flags have RTLD_DEEPBIND
 * and the tracker runs; only then does the C path call it (so the loader
 * resolves the name as called from this library: see doc/libheapsnap.3).
 * The real dlopen runs without the guard (the constructors it runs are
 * tracked as before); the listing and the rewriting run with it.
 * Invariants: (1) no allocation: the list of objects is an anonymous
 * mapping; (2) memory is read only inside an object's PT_LOAD segments, and
 * only in dl_iterate_phdr's callback, where glibc holds the lock dlclose
 * takes to unmap; (3) errno and dlerror() are as the real dlopen left them;
 * (4) a failure (unexpected layout, mprotect refused) says so once, naming
 * the library, and stops tracking, so no snapshot shows phantom leaks.
 */
#include "deepbind.h"

#include "core.h"
#include "log.h"
#include "tstate.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#define NFUNCS 11
static const char *const func_names[NFUNCS] = {
	"malloc", "free", "calloc", "realloc", "reallocarray", "posix_memalign",
	"aligned_alloc", "memalign", "valloc", "pvalloc", "malloc_usable_size",
};
static void *const hook_addr[NFUNCS] = {
	(void *)interpose_malloc, (void *)interpose_free, (void *)interpose_calloc,
	(void *)interpose_realloc, (void *)interpose_reallocarray,
	(void *)interpose_posix_memalign, (void *)interpose_aligned_alloc,
	(void *)interpose_memalign, (void *)interpose_valloc, (void *)interpose_pvalloc,
	(void *)interpose_malloc_usable_size,
};

/* Read by the assembly entry: the next dlopen (NULL until resolved). */
void *(*deepbind_next_dlopen)(const char *, int);
void *deepbind_dlopen_slow(const char *file, int mode);

static void *next_fn[NFUNCS];   /* what the hooks forward to, per name */
static uintptr_t never_base[4]; /* load addresses never rewritten */
static int resolved;

void deepbind_init(void)
{
	if (__atomic_load_n(&resolved, __ATOMIC_ACQUIRE))
		return;
	for (int i = 0; i < NFUNCS; i++)
		next_fn[i] = dlsym(RTLD_NEXT, func_names[i]);
	Dl_info info;
	unsigned n = 0;
	if (dladdr((void *)deepbind_init, &info))
		never_base[n++] = (uintptr_t)info.dli_fbase;
	if (next_fn[0] && dladdr(next_fn[0], &info))
		never_base[n++] = (uintptr_t)info.dli_fbase;
	if (dladdr((void *)dl_iterate_phdr, &info))
		never_base[n++] = (uintptr_t)info.dli_fbase;
	never_base[n] = (uintptr_t)getauxval(AT_BASE);
	void *next = dlsym(RTLD_NEXT, "dlopen");
	__atomic_store_n(&deepbind_next_dlopen, (void *(*)(const char *, int))next, __ATOMIC_RELEASE);
	__atomic_store_n(&resolved, 1, __ATOMIC_RELEASE);
}

/* ---- the objects loaded before the call ---- */

struct before {
	const void **phdr;
	size_t n, cap, bytes;
};

static int count_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)info;
	(void)size;
	++*(size_t *)data;
	return 0;
}

static int list_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct before *b = data;
	if (b->n < b->cap)
		b->phdr[b->n++] = info->dlpi_phdr;
	return 0;
}

/* 0, or -errno when the list cannot be mapped. Objects added meanwhile by
 * another thread may be missing: they count as new, which is harmless
 * (their slots are rewritten only if they bypass the hooks). */
static int before_list(struct before *b)
{
	size_t n = 0;
	dl_iterate_phdr(count_cb, &n);
	b->cap = n + 64;
	b->bytes = (b->cap * sizeof(void *) + 4095) & ~(size_t)4095;
	void *m = mmap(NULL, b->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	b->phdr = m;
	b->n = 0;
	dl_iterate_phdr(list_cb, b);
	return 0;
}

static int was_loaded(const struct before *b, const void *phdr)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->phdr[i] == phdr)
			return 1;
	return 0;
}

/* ---- one object: its segments, dynamic section and relocations ---- */

#define MAX_SEGS 16
#define MAX_PATCHES 64

struct object {
	uintptr_t base;
	struct {
		uintptr_t lo, hi;
		int writable;
	} seg[MAX_SEGS];
	unsigned nseg;
	uintptr_t relro_lo, relro_hi; /* pages ld.so made read-only */
};

/* Is [p, p+len) inside one PT_LOAD segment? *writable: that segment's PF_W. */
static int inside(const struct object *o, uintptr_t p, size_t len, int *writable)
{
	for (unsigned i = 0; i < o->nseg; i++) {
		uintptr_t lo = o->seg[i].lo, hi = o->seg[i].hi;
		if (p >= lo && len <= hi - lo && p - lo <= hi - lo - len) {
			if (writable)
				*writable = o->seg[i].writable;
			return 1;
		}
	}
	return 0;
}

/* A d_ptr: glibc relocates it in place on x86-64; an unrelocated offset is
 * accepted too. 0 when [ptr, ptr+len) is not inside the object. */
static uintptr_t dyn_ptr(const struct object *o, uintptr_t v, size_t len)
{
	if (inside(o, v, len, NULL))
		return v;
	if (inside(o, o->base + v, len, NULL))
		return o->base + v;
	return 0;
}

struct walk {
	const struct before *before;
	long pagesz;
	int failed;
	int err; /* errno for the message: ENOEXEC for a layout we do not read */
	const char *why;
	char name[256];
};

struct patch {
	uintptr_t *slot;
	void *value;
};

struct tables {
	const Elf64_Sym *symtab;
	const char *strtab;
	size_t strsz;
	unsigned unresolved; /* allocator slots still bound lazily */
	unsigned npatch;
	struct patch patch[MAX_PATCHES];
};

static int family_index(const char *s, size_t max)
{
	for (int i = 0; i < NFUNCS; i++) {
		size_t l = strlen(func_names[i]);
		if (l < max && memcmp(s, func_names[i], l + 1) == 0)
			return i;
	}
	return -1;
}

/* Collects the slots of one relocation table to rewrite. 0, or sets why. */
static int scan_relocs(const struct object *o, struct tables *t, const Elf64_Rela *rela, size_t n,
		       const char **why)
{
	for (size_t k = 0; k < n; k++) {
		uint32_t type = ELF64_R_TYPE(rela[k].r_info);
		if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
			continue;
		const Elf64_Sym *sym = t->symtab + ELF64_R_SYM(rela[k].r_info);
		if (!inside(o, (uintptr_t)sym, sizeof(*sym), NULL)) {
			*why = "a relocation names a symbol outside the symbol table";
			return -1;
		}
		if (sym->st_name >= t->strsz) {
			*why = "a symbol name lies outside the string table";
			return -1;
		}
		int i = family_index(t->strtab + sym->st_name, t->strsz - sym->st_name);
		if (i < 0 || sym->st_shndx != SHN_UNDEF)
			continue; /* not ours, or the object defines it: its own stays */
		uintptr_t at = o->base + rela[k].r_offset;
		int writable = 0;
		if ((at & 7) || !inside(o, at, sizeof(uintptr_t), &writable) || !writable) {
			*why = "a GOT slot is not in a writable segment";
			return -1;
		}
		uintptr_t *slot = (uintptr_t *)at;
		uintptr_t v = __atomic_load_n(slot, __ATOMIC_RELAXED);
		if (v == (uintptr_t)hook_addr[i])
			continue;
		if (type == R_X86_64_JUMP_SLOT && inside(o, v, 1, NULL)) {
			t->unresolved++; /* still points to its own PLT: lazy */
			continue;
		}
		if (!next_fn[i] || v != (uintptr_t)next_fn[i])
			continue; /* bound to another allocator: left alone */
		if (t->npatch == MAX_PATCHES) {
			*why = "too many allocator relocations";
			return -1;
		}
		t->patch[t->npatch].slot = slot;
		t->patch[t->npatch].value = hook_addr[i];
		t->npatch++;
	}
	return 0;
}

/* Rewrites one object's slots. 0, or -1 with w->why (and w->err) set. */
static int patch_object(struct dl_phdr_info *info, struct walk *w)
{
	struct object o = {.base = info->dlpi_addr};
	const Elf64_Phdr *dynamic = NULL, *relro = NULL;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const Elf64_Phdr *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_DYNAMIC)
			dynamic = ph;
		else if (ph->p_type == PT_GNU_RELRO)
			relro = ph;
		else if (ph->p_type == PT_LOAD && ph->p_memsz > 0) {
			if (o.nseg == MAX_SEGS) {
				w->why = "more loadable segments than expected";
				return -1;
			}
			o.seg[o.nseg].lo = o.base + ph->p_vaddr;
			o.seg[o.nseg].hi = o.base + ph->p_vaddr + ph->p_memsz;
			o.seg[o.nseg].writable = (ph->p_flags & PF_W) != 0;
			o.nseg++;
		}
	}
	if (!dynamic)
		return 0; /* no dynamic section: nothing is bound at run time */
	uintptr_t page = (uintptr_t)w->pagesz - 1;
	if (relro) {
		o.relro_lo = (o.base + relro->p_vaddr) & ~page;
		o.relro_hi = (o.base + relro->p_vaddr + relro->p_memsz) & ~page;
	}
	const Elf64_Dyn *dyn = (const Elf64_Dyn *)(o.base + dynamic->p_vaddr);
	uintptr_t symtab = 0, strtab = 0, rela = 0, jmprel = 0;
	size_t strsz = 0, relasz = 0, pltrelsz = 0, syment = sizeof(Elf64_Sym);
	size_t relaent = sizeof(Elf64_Rela), relsz = 0;
	int64_t pltrel = DT_RELA;
	for (unsigned k = 0;; k++, dyn++) {
		if (k == 4096 || !inside(&o, (uintptr_t)dyn, sizeof(*dyn), NULL)) {
			w->why = "its dynamic section is not terminated inside the object";
			return -1;
		}
		if (dyn->d_tag == DT_NULL)
			break;
		switch (dyn->d_tag) {
		case DT_SYMTAB: symtab = dyn->d_un.d_ptr; break;
		case DT_STRTAB: strtab = dyn->d_un.d_ptr; break;
		case DT_STRSZ: strsz = dyn->d_un.d_val; break;
		case DT_SYMENT: syment = dyn->d_un.d_val; break;
		case DT_RELA: rela = dyn->d_un.d_ptr; break;
		case DT_RELASZ: relasz = dyn->d_un.d_val; break;
		case DT_RELAENT: relaent = dyn->d_un.d_val; break;
		case DT_JMPREL: jmprel = dyn->d_un.d_ptr; break;
		case DT_PLTRELSZ: pltrelsz = dyn->d_un.d_val; break;
		case DT_PLTREL: pltrel = (int64_t)dyn->d_un.d_val; break;
		case DT_RELSZ: relsz = dyn->d_un.d_val; break;
		default: break;
		}
	}
	if (!relasz)
		rela = 0;
	if (!pltrelsz)
		jmprel = 0;
	if (!rela && !jmprel)
		return 0;
	if (relsz || (jmprel && pltrel != DT_RELA) || syment != sizeof(Elf64_Sym) ||
	    relaent != sizeof(Elf64_Rela)) {
		w->why = "it has relocations of a layout other than x86-64 RELA";
		return -1;
	}
	struct tables t = {.strsz = strsz};
	t.symtab = (const Elf64_Sym *)dyn_ptr(&o, symtab, sizeof(Elf64_Sym));
	t.strtab = (const char *)dyn_ptr(&o, strtab, strsz);
	const Elf64_Rela *r1 = rela ? (const Elf64_Rela *)dyn_ptr(&o, rela, relasz) : NULL;
	const Elf64_Rela *r2 = jmprel ? (const Elf64_Rela *)dyn_ptr(&o, jmprel, pltrelsz) : NULL;
	if (!t.symtab || !t.strtab || !strsz || (rela && !r1) || (jmprel && !r2)) {
		w->why = "its symbol, string or relocation tables lie outside the object";
		return -1;
	}
	if ((r1 && scan_relocs(&o, &t, r1, relasz / sizeof(Elf64_Rela), &w->why) != 0) ||
	    (r2 && scan_relocs(&o, &t, r2, pltrelsz / sizeof(Elf64_Rela), &w->why) != 0))
		return -1;
	if (t.unresolved) {
		w->why = "some of its allocator calls are bound lazily: it needs RTLD_LAZY";
		w->err = ENOTSUP;
		return -1;
	}
	for (unsigned k = 0; k < t.npatch; k++) {
		uintptr_t at = (uintptr_t)t.patch[k].slot;
		int ro = at >= o.relro_lo && at < o.relro_hi;
		void *pg = (void *)(at & ~page);
		if (ro && mprotect(pg, (size_t)w->pagesz, PROT_READ | PROT_WRITE) != 0) {
			w->err = errno;
			w->why = "mprotect refused to make its GOT writable";
			return -1;
		}
		__atomic_store_n(t.patch[k].slot, (uintptr_t)t.patch[k].value, __ATOMIC_RELAXED);
		if (ro)
			mprotect(pg, (size_t)w->pagesz, PROT_READ);
	}
	return 0;
}

static int never_touched(uintptr_t base)
{
	for (unsigned i = 0; i < sizeof(never_base) / sizeof(never_base[0]); i++)
		if (never_base[i] && never_base[i] == base)
			return 1;
	return 0;
}

static int patch_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct walk *w = data;
	if (was_loaded(w->before, info->dlpi_phdr) || never_touched(info->dlpi_addr))
		return 0;
	if (patch_object(info, w) == 0)
		return 0;
	w->failed = 1;
	if (!w->err)
		w->err = ENOEXEC;
	snprintf(w->name, sizeof(w->name), "%s",
		 info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "(unnamed object)");
	return 1; /* stop: tracking stops anyway */
}

/* ---- the C path of dlopen ---- */

static void deepbind_fail(const char *lib, const char *why, int err)
{
	char what[512];
	snprintf(what, sizeof(what),
		 "cannot redirect the malloc calls of %s, opened with RTLD_DEEPBIND (%s; "
		 "open it without RTLD_DEEPBIND to track it)",
		 lib, why);
	core_disable(what, err);
}

void *deepbind_dlopen_slow(const char *file, int mode)
{
	struct tstate *ts = &tstate_tls;
	void *(*next)(const char *, int) = __atomic_load_n(&deepbind_next_dlopen, __ATOMIC_ACQUIRE);
	if (!next) {
		int saved = errno;
		tstate_guard_enter(ts);
		deepbind_init();
		tstate_guard_leave(ts);
		errno = saved;
		next = __atomic_load_n(&deepbind_next_dlopen, __ATOMIC_ACQUIRE);
		if (!next)
			return NULL; /* no dlopen after us: not glibc */
	}
	if (!(mode & RTLD_DEEPBIND) || !__atomic_load_n(&core_running, __ATOMIC_ACQUIRE))
		return next(file, mode);

	int saved = errno;
	tstate_guard_enter(ts);
	struct before b;
	int rc = before_list(&b);
	tstate_guard_leave(ts);
	if (rc != 0) {
		deepbind_fail(file ? file : "(main program)", "no memory for the list of loaded objects", -rc);
		errno = saved;
		return next(file, mode);
	}
	errno = saved;
	void *h = NULL;
	if ((mode & RTLD_BINDING_MASK) == RTLD_LAZY)
		h = next(file, (mode & ~RTLD_BINDING_MASK) | RTLD_NOW);
	if (!h)
		h = next(file, mode);
	saved = errno;
	tstate_guard_enter(ts);
	if (h) {
		struct walk w = {.before = &b, .pagesz = sysconf(_SC_PAGESIZE)};
		if (w.pagesz <= 0)
			w.pagesz = 4096;
		dl_iterate_phdr(patch_cb, &w);
		if (w.failed)
			deepbind_fail(w.name, w.why, w.err);
	}
	munmap(b.phdr, b.bytes);
	tstate_guard_leave(ts);
	errno = saved;
	return h;
}

/*
 * The exported entry. Tail-jumps to the next dlopen, keeping the caller's
 * return address (glibc finds the calling object from it: its RUNPATH, its
 * $ORIGIN, its namespace), unless the flags (%esi) have RTLD_DEEPBIND and
 * the tracker runs, or the next dlopen is not resolved yet.
 */
__asm__(".text\n"
	".globl dlopen\n"
	".type dlopen, @function\n"
	".p2align 4\n"
	"dlopen:\n"
	".cfi_startproc\n"
	"\tmovq deepbind_next_dlopen(%rip), %rax\n"
	"\ttestq %rax, %rax\n"
	"\tjz 1f\n"
	"\ttestl $8, %esi\n" /* RTLD_DEEPBIND */
	"\tjz 2f\n"
	"\tcmpl $0, core_running(%rip)\n"
	"\tjne 1f\n"
	"2:\tjmp *%rax\n"
	"1:\tjmp deepbind_dlopen_slow\n"
	".cfi_endproc\n"
	".size dlopen, .-dlopen\n");

_Static_assert(RTLD_DEEPBIND == 8, "the dlopen entry tests RTLD_DEEPBIND as 8");
