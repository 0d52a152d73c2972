/*
 * test_elfsym.c: the ELF symbol index (elfsym.c) on a hand-made file and on
 * real ones (this program, libc), with sizes honoured (an address past a
 * symbol's end is unnamed) and versions stripped; truncated and corrupted
 * files never crash it (a fuzz loop); the perf map parser (jitmap.c); the
 * demangler (demangle.c).
 */

#include "arena.h"
#include "demangle.h"
#include "elfsym.h"
#include "jitmap.h"

#include "check_main.h"

#include <check.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void *t_alloc(size_t n, void *ctx) { return arena_alloc(n); }
static void t_free(void *p, void *ctx) { arena_free(p); }
static const struct elfsym_allocator A = {t_alloc, t_free, NULL};

/* ---- a hand-made ELF: .text at 0x1000 (0x100 bytes), .data, .symtab, .strtab ---- */

struct img {
	unsigned char b[4096];
	size_t len;
};

static const char strtab[] = "\0f1\0f2\0_f2\0f3@@VER_1\0nosize\0obj\0label\0zero_notype\0in_data";
static size_t stroff(const char *name)
{
	for (size_t i = 1; i < sizeof(strtab); i += strlen(strtab + i) + 1)
		if (strcmp(strtab + i, name) == 0)
			return i;
	ck_abort_msg("no string %s", name);
	return 0;
}

static void make_image(struct img *im)
{
	memset(im, 0, sizeof(*im));
	Elf64_Sym syms[] = {
		{0},
		{.st_name = (Elf64_Word)stroff("f1"), .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 1, .st_value = 0x1000, .st_size = 0x10},
		{.st_name = (Elf64_Word)stroff("_f2"), .st_info = ELF64_ST_INFO(STB_WEAK, STT_FUNC), .st_shndx = 1, .st_value = 0x1020, .st_size = 0x10},
		{.st_name = (Elf64_Word)stroff("f2"), .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 1, .st_value = 0x1020, .st_size = 0x10},
		{.st_name = (Elf64_Word)stroff("f3@@VER_1"), .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 1, .st_value = 0x1040, .st_size = 0x8},
		{.st_name = (Elf64_Word)stroff("label"), .st_info = ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE), .st_shndx = 1, .st_value = 0x1060, .st_size = 0x4},
		{.st_name = (Elf64_Word)stroff("zero_notype"), .st_info = ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE), .st_shndx = 1, .st_value = 0x1070, .st_size = 0},
		{.st_name = (Elf64_Word)stroff("nosize"), .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 1, .st_value = 0x1080, .st_size = 0},
		{.st_name = (Elf64_Word)stroff("obj"), .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT), .st_shndx = 2, .st_value = 0x2000, .st_size = 0x10},
		{.st_name = (Elf64_Word)stroff("in_data"), .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE), .st_shndx = 2, .st_value = 0x2010, .st_size = 0x10},
	};
	size_t symoff = 0x100, stroff_ = symoff + sizeof(syms), shoff = (stroff_ + sizeof(strtab) + 7) & ~(size_t)7;
	Elf64_Shdr sh[5] = {
		{0},
		{.sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR, .sh_addr = 0x1000, .sh_size = 0x100},
		{.sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_WRITE, .sh_addr = 0x2000, .sh_size = 0x100},
		{.sh_type = SHT_SYMTAB, .sh_offset = symoff, .sh_size = sizeof(syms), .sh_link = 4, .sh_entsize = sizeof(Elf64_Sym)},
		{.sh_type = SHT_STRTAB, .sh_offset = stroff_, .sh_size = sizeof(strtab)},
	};
	Elf64_Ehdr eh = {.e_type = ET_DYN, .e_machine = EM_X86_64, .e_version = EV_CURRENT, .e_shoff = shoff,
			 .e_ehsize = sizeof(Elf64_Ehdr), .e_shentsize = sizeof(Elf64_Shdr), .e_shnum = 5};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(im->b, &eh, sizeof(eh));
	memcpy(im->b + symoff, syms, sizeof(syms));
	memcpy(im->b + stroff_, strtab, sizeof(strtab));
	memcpy(im->b + shoff, sh, sizeof(sh));
	im->len = shoff + sizeof(sh);
}

static char tmpdir[64];

static const char *write_tmp(const void *p, size_t n)
{
	static char path[128];
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_elfsym.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	snprintf(path, sizeof(path), "%s/f", tmpdir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
	return path;
}

static void rm_tmp(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/f", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}

static const char *name_at(struct elfsym *ix, uint64_t a, char *buf)
{
	size_t len;
	const char *n = elfsym_lookup(ix, a, &len, NULL);
	if (!n)
		return NULL;
	memcpy(buf, n, len);
	buf[len] = '\0';
	return buf;
}

START_TEST(elfsym_hand_made_file)
{
	ck_assert_int_eq(arena_init(), 0);
	struct img im;
	make_image(&im);
	struct elfsym *ix;
	ck_assert_int_eq(elfsym_open(write_tmp(im.b, im.len), 0, 0, &A, &ix), 0);
	rm_tmp();
	char buf[64];
	ck_assert_int_eq(elfsym_table(ix), ELFSYM_SYMTAB);
	/* f1, f2 (+ alias), f3, label, nosize: 5 addresses */
	ck_assert_uint_eq(elfsym_count(ix), 5);
	ck_assert_ptr_null(name_at(ix, 0xfff, buf));
	ck_assert_str_eq(name_at(ix, 0x1000, buf), "f1");
	ck_assert_str_eq(name_at(ix, 0x100f, buf), "f1");
	ck_assert_ptr_null(name_at(ix, 0x1010, buf)); /* past f1's size: unnamed, not f1 */
	ck_assert_ptr_null(name_at(ix, 0x101f, buf));
	ck_assert_str_eq(name_at(ix, 0x1025, buf), "f2"); /* the global alias wins */
	ck_assert_str_eq(name_at(ix, 0x1043, buf), "f3"); /* version stripped */
	ck_assert_ptr_null(name_at(ix, 0x1048, buf));
	ck_assert_str_eq(name_at(ix, 0x1062, buf), "label"); /* sized NOTYPE in code */
	ck_assert_ptr_null(name_at(ix, 0x1070, buf));        /* unsized NOTYPE: not a function */
	ck_assert_str_eq(name_at(ix, 0x1080, buf), "nosize");
	ck_assert_str_eq(name_at(ix, 0x10ff, buf), "nosize"); /* size 0: up to its section's end */
	ck_assert_ptr_null(name_at(ix, 0x1100, buf));
	ck_assert_ptr_null(name_at(ix, 0x2005, buf)); /* an object */
	ck_assert_ptr_null(name_at(ix, 0x2015, buf)); /* NOTYPE outside code */
	uint64_t start;
	size_t len;
	ck_assert_ptr_nonnull(elfsym_lookup(ix, 0x1027, &len, &start));
	ck_assert_uint_eq(start, 0x1020);
	ck_assert_uint_eq(elfsym_bytes(ix) > 0, 1);
	elfsym_close(ix);
}
END_TEST

START_TEST(elfsym_rejects_what_is_not_elf)
{
	ck_assert_int_eq(arena_init(), 0);
	struct elfsym *ix;
	ck_assert_int_eq(elfsym_open("/nonexistent/x", 0, 0, &A, &ix), -ENOENT);
	ck_assert_int_eq(elfsym_open("/proc/self/status", 0, 0, &A, &ix), -ENOEXEC);
	const char text[] = "#!/bin/sh\necho not an ELF file at all, long enough for a header.......\n";
	ck_assert_int_eq(elfsym_open(write_tmp(text, sizeof(text)), 0, 0, &A, &ix), -ENOEXEC);
	rm_tmp();
	/* the inode must be the one asked for */
	struct stat st;
	ck_assert_int_eq(stat("/proc/self/exe", &st), 0);
	ck_assert_int_eq(elfsym_open("/proc/self/exe", st.st_dev, st.st_ino + 1, &A, &ix), -ESTALE);
	ck_assert_int_eq(elfsym_open("/proc/self/exe", st.st_dev, st.st_ino, &A, &ix), 0);
	elfsym_close(ix);
}
END_TEST

__attribute__((noinline)) static int static_probe(int x)
{
	return x * 3 + 1;
}

static int first_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	*(uintptr_t *)arg = info->dlpi_addr;
	return 1;
}

START_TEST(elfsym_real_files)
{
	ck_assert_int_eq(arena_init(), 0);
	/* this program: a static function through .symtab */
	uintptr_t bias = 0;
	dl_iterate_phdr(first_module, &bias);
	struct elfsym *ix;
	ck_assert_int_eq(elfsym_open("/proc/self/exe", 0, 0, &A, &ix), 0);
	char buf[256];
	const char *n = name_at(ix, (uintptr_t)&static_probe - bias + 2, buf);
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n, "static_probe");
	elfsym_close(ix);
	/* libc (stripped: .dynsym) */
	Dl_info di;
	ck_assert(dladdr((void *)&qsort, &di));
	ck_assert_int_eq(elfsym_open(di.dli_fname, 0, 0, &A, &ix), 0);
	n = name_at(ix, (uintptr_t)&qsort - (uintptr_t)di.dli_fbase + 1, buf);
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n, "qsort");
	fprintf(stderr, "%s: %zu functions (%s), %zu bytes of index\n", di.dli_fname, elfsym_count(ix),
		elfsym_table(ix) == ELFSYM_DYNSYM ? ".dynsym" : ".symtab", elfsym_bytes(ix));
	elfsym_close(ix);
}
END_TEST

/* Memory of the index of the libraries named in ELFSYM_REPORT (a
 * colon-separated list), printed: for the report, never failing. */
START_TEST(elfsym_report_sizes)
{
	ck_assert_int_eq(arena_init(), 0);
	const char *list = getenv("ELFSYM_REPORT");
	if (!list)
		return;
	char *copy = strdup(list), *save = NULL;
	for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		struct elfsym *ix;
		uint64_t before = arena_bytes();
		int rc = elfsym_open(p, 0, 0, &A, &ix);
		fprintf(stderr, "%s: rc %d, %zu functions (%s), %zu bytes of index, arena +%llu\n", p, rc,
			elfsym_count(ix), elfsym_table(ix) == ELFSYM_DYNSYM ? ".dynsym" : ".symtab",
			elfsym_bytes(ix), (unsigned long long)(arena_bytes() - before));
		elfsym_close(ix);
	}
	free(copy);
}
END_TEST

/* xorshift: a fixed sequence, so a failure can be replayed */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fuzz_one(const unsigned char *orig, size_t len, int iters, const uint64_t *hot, size_t nhot)
{
	unsigned char *b = malloc(len);
	ck_assert_ptr_nonnull(b);
	for (int it = 0; it < iters; it++) {
		memcpy(b, orig, len);
		size_t n = len;
		if (rnd() % 3 == 0)
			n = (size_t)(rnd() % (len + 1)); /* truncated */
		int flips = (int)(rnd() % 8);
		for (int k = 0; k < flips && n > 0; k++) {
			/* mostly in the headers and tables (hot ranges), else anywhere */
			size_t at;
			if (nhot && rnd() % 4) {
				size_t h = (size_t)(rnd() % nhot);
				uint64_t lo = hot[2 * h], hi = hot[2 * h + 1];
				at = (size_t)(lo + rnd() % (hi - lo));
			} else {
				at = (size_t)(rnd() % n);
			}
			if (at < n)
				b[at] = (unsigned char)(rnd() % 3 == 0 ? 0xff : rnd());
		}
		struct elfsym *ix;
		if (elfsym_open(write_tmp(b, n), 0, 0, &A, &ix) == 0) {
			size_t l;
			for (int q = 0; q < 64; q++)
				elfsym_lookup(ix, rnd() % 2 ? rnd() : 0x1000 + rnd() % 0x200, &l, NULL);
			elfsym_close(ix);
		}
	}
	free(b);
	rm_tmp();
}

START_TEST(elfsym_fuzz_truncated_and_corrupted)
{
	ck_assert_int_eq(arena_init(), 0);
	struct img im;
	make_image(&im);
	uint64_t hot[] = {0, 64, 0x100, im.len};
	fuzz_one(im.b, im.len, 3000, hot, 2);
	/* this program's own file: its headers, section table and symbols */
	int fd = open("/proc/self/exe", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	size_t len = (size_t)st.st_size;
	unsigned char *b = malloc(len);
	ck_assert_int_eq(pread(fd, b, len, 0), (ssize_t)len);
	close(fd);
	Elf64_Ehdr eh;
	memcpy(&eh, b, sizeof(eh));
	uint64_t hot2[6] = {0, 64, eh.e_shoff, eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), 0, 64};
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + eh.e_shoff);
	for (int i = 0; i < eh.e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			hot2[4] = sh[i].sh_offset, hot2[5] = sh[i].sh_offset + sh[i].sh_size;
	fuzz_one(b, len, 300, hot2, 3);
	free(b);
}
END_TEST

/* ---- jitmap ---- */

START_TEST(jitmap_parses_replaces_and_bounds)
{
	ck_assert_int_eq(arena_init(), 0);
	struct jitmap j;
	jitmap_init(&j, 1, &A);
	const char text[] = "1000 100 first\n"
			    "2000 10 LazyCompile:*cacheThumbnail /x.js:15:24\n"
			    "bad line\n"
			    "3000 zz nope\n"
			    "4000 0 empty\n"
			    "0x5000 0x20 with_prefix\r\n"
			    "1000 80 first_again\n";
	ck_assert_int_eq(jitmap_feed(&j, text, sizeof(text) - 1), 4);
	ck_assert_uint_eq(j.skipped, 3);
	const struct jitmap_entry *e = jitmap_lookup(&j, 0x1010);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->name, "first_again"); /* same start: the later line wins */
	ck_assert_ptr_null(jitmap_lookup(&j, 0x1090)); /* the replaced, longer range is gone */
	ck_assert_str_eq(jitmap_lookup(&j, 0x200f)->name, "LazyCompile:*cacheThumbnail /x.js:15:24");
	ck_assert_ptr_null(jitmap_lookup(&j, 0x2010));
	ck_assert_str_eq(jitmap_lookup(&j, 0x5000)->name, "with_prefix");
	ck_assert_ptr_null(jitmap_lookup(&j, 0xfff));
	/* an overlapping later entry wins inside its range */
	const char more[] = "1040 10 inner_newer\n";
	jitmap_feed(&j, more, sizeof(more) - 1);
	ck_assert_str_eq(jitmap_lookup(&j, 0x1045)->name, "inner_newer");
	ck_assert_str_eq(jitmap_lookup(&j, 0x1060)->name, "first_again");
	jitmap_free(&j);
}
END_TEST

START_TEST(jitmap_reads_appended_lines_only)
{
	ck_assert_int_eq(arena_init(), 0);
	int pid = 1000000 + (int)(getpid() % 1000000); /* not a running process's */
	char path[64];
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", pid);
	unlink(path);
	struct jitmap j;
	jitmap_init(&j, pid, &A);
	ck_assert_int_eq(jitmap_update(&j), -ENOENT);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "a000 10 one\nb000 10 tw", 22), 22);
	ck_assert_int_eq(jitmap_update(&j), 1);
	ck_assert_ptr_null(jitmap_lookup(&j, 0xb000)); /* partial line: not yet */
	ck_assert_int_eq(write(fd, "o\n", 2), 2);
	ck_assert_int_eq(jitmap_update(&j), 1);
	ck_assert_str_eq(jitmap_lookup(&j, 0xb001)->name, "two");
	ck_assert_int_eq(jitmap_update(&j), 0); /* nothing new */
	close(fd);
	unlink(path);
	/* a symlink is never followed */
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	ck_assert_int_lt(jitmap_update(&j), 0);
	unlink(path);
	jitmap_free(&j);
}
END_TEST

START_TEST(jitmap_memory_is_bounded)
{
	ck_assert_int_eq(arena_init(), 0);
	struct jitmap j;
	jitmap_init(&j, 1, &A);
	char line[64];
	for (uint64_t i = 0; i < JITMAP_MAX_ENTRIES + 100; i++) {
		int n = snprintf(line, sizeof(line), "%llx 8 f%llu\n", (unsigned long long)(0x100000 + i * 16),
				 (unsigned long long)i);
		jitmap_feed(&j, line, (size_t)n);
	}
	ck_assert_uint_eq(j.n, JITMAP_MAX_ENTRIES);
	ck_assert_uint_eq(j.skipped, 100);
	ck_assert_str_eq(jitmap_lookup(&j, 0x100000 + 5 * 16 + 3)->name, "f5");
	jitmap_free(&j);
}
END_TEST

/* ---- demangle ---- */

START_TEST(demangle_into_the_callers_allocator)
{
	ck_assert_int_eq(arena_init(), 0);
	char *d = demangle("_Z10build_listi", 15, &A);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d, "build_list(int)");
	arena_free(d);
	d = demangle("_Z10build_listi.cold@@X", 20, &A); /* length excludes the version */
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d, "build_list(int) [clone .cold]");
	arena_free(d);
	d = demangle("_ZNSt6vectorIiSaIiEE9push_backERKi", 34, &A);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d, "std::vector<int, std::allocator<int> >::push_back(int const&)");
	arena_free(d);
	ck_assert_ptr_null(demangle("main", 4, &A));
	ck_assert_ptr_null(demangle("_Zxx", 4, &A));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("elfsym");
	TCase *t = tcase_create("elfsym");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, elfsym_hand_made_file);
	tcase_add_test(t, elfsym_rejects_what_is_not_elf);
	tcase_add_test(t, elfsym_real_files);
	tcase_add_test(t, elfsym_report_sizes);
	tcase_add_test(t, elfsym_fuzz_truncated_and_corrupted);
	suite_add_tcase(s, t);
	TCase *jm = tcase_create("jitmap");
	tcase_set_timeout(jm, 120);
	tcase_add_test(jm, jitmap_parses_replaces_and_bounds);
	tcase_add_test(jm, jitmap_reads_appended_lines_only);
	tcase_add_test(jm, jitmap_memory_is_bounded);
	suite_add_tcase(s, jm);
	TCase *dm = tcase_create("demangle");
	tcase_add_test(dm, demangle_into_the_callers_allocator);
	suite_add_tcase(s, dm);
	return check_main_run(s);
}
