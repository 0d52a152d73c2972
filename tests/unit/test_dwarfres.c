/*
 * test_dwarfres.c: inline chains from real files. dwarfres_fixture (C++,
 * -O2 -g, a forced inline chain main -> outer -> fixture::middle ->
 * fixture::inner -> sink) prints sink()'s return-address offset; the chain
 * there must list the inlined functions innermost first with the files and
 * lines its source marks ("@name" comments). Copies of it with the debug info
 * split off (objcopy) resolve only when the directory holding the debug file
 * is given; files of another build (build-id) are refused; a clang++ build
 * (no .debug_aranges) gives the same chain.
 */
#define _GNU_SOURCE /* memmem */
#include "dwarfres.h"

#include "check_main.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FIXTURE_BIN
#error "FIXTURE_BIN: path of the built dwarfres_fixture"
#endif
#ifndef FIXTURE_SRC
#error "FIXTURE_SRC: directory of dwarfres_fixture.cc"
#endif

/* The line of FILE (in FIXTURE_SRC) holding "@MARK". */
static int marker_line(const char *file, const char *mark)
{
	char path[4096], line[512], want[128];
	snprintf(path, sizeof(path), "%s/%s", FIXTURE_SRC, file);
	snprintf(want, sizeof(want), "@%s */", mark);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	int n = 0, found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, want))
			found = n;
	}
	fclose(f);
	ck_assert_msg(found, "no marker @%s in %s", mark, path);
	return found;
}

/* sink()'s return address in a build of the fixture, as a snapshot offset. */
static uint64_t offset_in(const char *bin)
{
	FILE *p = popen(bin, "r");
	ck_assert_ptr_nonnull(p);
	unsigned long off = 0;
	int r = 0;
	ck_assert_int_eq(fscanf(p, "%lx %d", &off, &r), 2);
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_uint_gt(off, 0);
	return off;
}

static uint64_t fixture_offset(void)
{
	return offset_in(FIXTURE_BIN);
}

/* Build-id of an ELF file as lowercase hex, into buf. Read with readelf,
 * not libelf: the test must not initialise libelf (elf_version) for
 * dwarfres, which has to do it itself. */
static const char *build_id_hex(const char *path, char *buf, size_t cap)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "readelf -n '%s' | sed -n 's/.*Build ID: \\([0-9a-f]*\\).*/\\1/p'", path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(buf, (int)cap, p));
	pclose(p);
	buf[strcspn(buf, "\n")] = '\0';
	ck_assert_uint_ge(strlen(buf), 4);
	return buf;
}

static void run(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void check_frame(const struct dwarfres_frame *f, const char *function, const char *file, int line)
{
	ck_assert_ptr_nonnull(f->function);
	/* gcc gives an inlined function with internal linkage no linkage name
	 * ("fixture::inner"), clang does ("fixture::inner(int)"): either is
	 * the function, its parameter list aside */
	size_t n = strlen(function);
	ck_assert_msg(strncmp(f->function, function, n) == 0 && (f->function[n] == '\0' || f->function[n] == '('),
		      "function is '%s', expected '%s'", f->function, function);
	ck_assert_ptr_nonnull(f->file);
	ck_assert_msg(f->file[0] == '/', "file '%s' is not absolute", f->file);
	size_t lf = strlen(f->file), lw = strlen(file);
	ck_assert_msg(lf > lw && strcmp(f->file + lf - lw, file) == 0 && f->file[lf - lw - 1] == '/',
		      "%s: file is '%s', expected .../%s", function, f->file, file);
	ck_assert_msg(access(f->file, R_OK) == 0, "file '%s' does not exist", f->file);
	ck_assert_msg(f->line == line, "%s: line %d, expected %d", function, f->line, line);
}

/* The chain at the fixture's sink() call, as its source marks it. gcc
 * gives internal-linkage functions no linkage name: inlined ones are named
 * by their qualified DW_AT_name, without parameters. */
static void check_chain(const struct dwarfres_chain *c)
{
	ck_assert_uint_eq(c->n, 4);
	check_frame(&c->v[0], "fixture::inner", "unit/dwarfres_fixture.cc",
		    marker_line("dwarfres_fixture.cc", "inner-calls-sink"));
	check_frame(&c->v[1], "fixture::middle", "unit/dwarfres_fixture.h",
		    marker_line("dwarfres_fixture.h", "middle-calls-inner"));
	check_frame(&c->v[2], "outer", "unit/dwarfres_fixture.cc",
		    marker_line("dwarfres_fixture.cc", "outer-calls-middle"));
	check_frame(&c->v[3], "main", "unit/dwarfres_fixture.cc",
		    marker_line("dwarfres_fixture.cc", "main-calls-outer"));
}

START_TEST(dwarfres_inline_chain_innermost_first)
{
	char id[130];
	uint64_t off = fixture_offset();
	struct dwarfres *r = dwarfres_new(NULL, 0);
	ck_assert_ptr_nonnull(r);
	struct dwarfres_chain c;
	/* with and without a recorded build-id */
	ck_assert_int_eq(dwarfres_lookup(r, FIXTURE_BIN, NULL, off - 1, &c), DWARFRES_LINES);
	check_chain(&c);
	dwarfres_chain_free(&c);
	ck_assert_int_eq(dwarfres_lookup(r, FIXTURE_BIN, build_id_hex(FIXTURE_BIN, id, sizeof(id)), off - 1, &c),
			 DWARFRES_LINES);
	check_chain(&c);
	dwarfres_chain_free(&c);
	ck_assert_uint_eq(c.n, 0);
	dwarfres_free(r);
}
END_TEST

/* TMP/bin/fx: the fixture without DWARF, linked to fx.debug, which is only
 * in TMP/byid/.build-id/xx/yyyy.debug and TMP/bylink/fx.debug. */
static char tmp[64];

static void split_fixture(char *id, size_t cap)
{
	char cmd[2048], bid[256];
	strcpy(tmp, "/tmp/test_dwarfres.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir bin byid bylink; cp '%s' bin/fx; "
		 "objcopy --only-keep-debug bin/fx fx.debug; "
		 "objcopy --strip-debug --add-gnu-debuglink=fx.debug bin/fx; "
		 "cp fx.debug bylink/fx.debug", tmp, FIXTURE_BIN);
	run(cmd);
	build_id_hex(FIXTURE_BIN, id, cap);
	snprintf(bid, sizeof(bid), "%s/byid/.build-id/%.2s", tmp, id);
	snprintf(cmd, sizeof(cmd), "set -e; mkdir -p %s; mv %s/fx.debug %s/%s.debug", bid, tmp, bid, id + 2);
	run(cmd);
}

static void remove_tmp(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	run(cmd);
}

static int lookup_in(const char *dir, const char *path, const char *id, uint64_t pc, struct dwarfres_chain *c)
{
	const char *dirs[1] = {dir};
	struct dwarfres *r = dwarfres_new(dirs, dir ? 1 : 0);
	ck_assert_ptr_nonnull(r);
	int st = dwarfres_lookup(r, path, id, pc, c);
	dwarfres_free(r);
	return st;
}

START_TEST(dwarfres_split_debug_found_only_in_given_dir)
{
	char id[130], fx[128], dir[128];
	uint64_t off = fixture_offset();
	split_fixture(id, sizeof(id));
	snprintf(fx, sizeof(fx), "%s/bin/fx", tmp);
	struct dwarfres_chain c;
	/* no debug dir: the stripped copy has no lines anywhere we look */
	ck_assert_int_eq(lookup_in(NULL, fx, id, off - 1, &c), DWARFRES_NO_DEBUGINFO);
	ck_assert_int_eq(lookup_in(NULL, fx, NULL, off - 1, &c), DWARFRES_NO_DEBUGINFO);
	/* DIR/.build-id/xx/yyyy.debug, with and without a recorded build-id */
	snprintf(dir, sizeof(dir), "%s/byid", tmp);
	ck_assert_int_eq(lookup_in(dir, fx, id, off - 1, &c), DWARFRES_LINES);
	check_chain(&c);
	dwarfres_chain_free(&c);
	ck_assert_int_eq(lookup_in(dir, fx, NULL, off - 1, &c), DWARFRES_LINES);
	check_chain(&c);
	dwarfres_chain_free(&c);
	/* DIR/<debuglink name> */
	snprintf(dir, sizeof(dir), "%s/bylink", tmp);
	ck_assert_int_eq(lookup_in(dir, fx, id, off - 1, &c), DWARFRES_LINES);
	check_chain(&c);
	dwarfres_chain_free(&c);
	/* the module file gone: the debug file found by build-id stands in */
	snprintf(dir, sizeof(dir), "%s/byid", tmp);
	ck_assert_int_eq(lookup_in(dir, "/nonexistent/fx", id, off - 1, &c), DWARFRES_LINES);
	check_chain(&c);
	dwarfres_chain_free(&c);
	ck_assert_int_eq(lookup_in(dir, "/nonexistent/fx", NULL, off - 1, &c), DWARFRES_NO_MODULE);
	remove_tmp();
}
END_TEST

/* Flips the first byte of the build-id ID (hex) inside FILE. */
static void corrupt_build_id(const char *file, const char *id)
{
	unsigned char want[64];
	size_t n = strlen(id) / 2;
	for (size_t i = 0; i < n; i++)
		sscanf(id + 2 * i, "%2hhx", &want[i]);
	FILE *f = fopen(file, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	unsigned char *data = malloc((size_t)len);
	ck_assert_ptr_nonnull(data);
	rewind(f);
	ck_assert_uint_eq(fread(data, 1, (size_t)len, f), (size_t)len);
	unsigned char *at = memmem(data, (size_t)len, want, n);
	ck_assert_ptr_nonnull(at);
	ck_assert_ptr_null(memmem(at + 1, (size_t)(data + len - at - 1), want, n));
	at[0] ^= 0xff;
	rewind(f);
	ck_assert_uint_eq(fwrite(data, 1, (size_t)len, f), (size_t)len);
	ck_assert_int_eq(fclose(f), 0);
	free(data);
}

START_TEST(dwarfres_build_id_mismatch_refused)
{
	char id[130], other[130], fx[128], dir[128], dbg[4096];
	uint64_t off = fixture_offset();
	struct dwarfres_chain c;
	/* the module file is another build than the snapshot recorded */
	strcpy(other, build_id_hex(FIXTURE_BIN, id, sizeof(id)));
	other[0] = other[0] == '0' ? '1' : '0';
	ck_assert_int_eq(lookup_in(NULL, FIXTURE_BIN, other, off - 1, &c), DWARFRES_MISMATCH);
	ck_assert_uint_eq(c.n, 0);
	/* a debug file at the module's build-id path that is another build's */
	split_fixture(id, sizeof(id));
	snprintf(fx, sizeof(fx), "%s/bin/fx", tmp);
	snprintf(dir, sizeof(dir), "%s/byid", tmp);
	snprintf(dbg, sizeof(dbg), "%s/.build-id/%.2s/%s.debug", dir, id, id + 2);
	corrupt_build_id(dbg, id);
	ck_assert_int_eq(lookup_in(dir, fx, id, off - 1, &c), DWARFRES_NO_DEBUGINFO);
	ck_assert_int_eq(lookup_in(dir, fx, NULL, off - 1, &c), DWARFRES_NO_DEBUGINFO);
	/* nor does a debuglink name stand in for another build */
	snprintf(dbg, sizeof(dbg), "%s/bylink/fx.debug", tmp);
	corrupt_build_id(dbg, id);
	snprintf(dir, sizeof(dir), "%s/bylink", tmp);
	ck_assert_int_eq(lookup_in(dir, fx, id, off - 1, &c), DWARFRES_NO_DEBUGINFO);
	remove_tmp();
}
END_TEST

START_TEST(dwarfres_module_table_stays_bounded)
{
	char id[130], other[130];
	uint64_t off = fixture_offset();
	struct dwarfres *r = dwarfres_new(NULL, 0);
	struct dwarfres_chain c;
	build_id_hex(FIXTURE_BIN, id, sizeof(id));
	/* more distinct modules (other builds at the same path) than are kept
	 * open, then the real one: evictions leave lookups correct */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3 * DWARFRES_MAX_OPEN; i++) {
			snprintf(other, sizeof(other), "%04x%s", i, id + 4);
			ck_assert_int_eq(dwarfres_lookup(r, FIXTURE_BIN, other, off - 1, &c),
					 strcmp(other, id) ? DWARFRES_MISMATCH : DWARFRES_LINES);
			dwarfres_chain_free(&c);
		}
		ck_assert_int_eq(dwarfres_lookup(r, FIXTURE_BIN, id, off - 1, &c), DWARFRES_LINES);
		check_chain(&c);
		dwarfres_chain_free(&c);
	}
	dwarfres_free(r);
}
END_TEST

/* clang emits no .debug_aranges (libdw finds no unit for an address
 * without them) and gives internal functions linkage names. */
START_TEST(dwarfres_chain_without_aranges)
{
	char dir[] = "/tmp/test_dwarfres_clang.XXXXXX", cmd[1024], bin[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(bin, sizeof(bin), "%s/fx", dir);
	snprintf(cmd, sizeof(cmd), "clang++ -O2 -g -Wno-unknown-attributes -o %s '%s/dwarfres_fixture.cc'",
		 bin, FIXTURE_SRC);
	run(cmd); /* clang is in scripts/setup.sh's packages */
	snprintf(cmd, sizeof(cmd), "! readelf -SW %s | grep -q debug_aranges", bin);
	run(cmd);
	uint64_t off = offset_in(bin);
	struct dwarfres_chain c;
	ck_assert_int_eq(lookup_in(NULL, bin, NULL, off - 1, &c), DWARFRES_LINES);
	ck_assert_uint_eq(c.n, 4);
	check_frame(&c.v[0], "fixture::inner(int)", "unit/dwarfres_fixture.cc",
		    marker_line("dwarfres_fixture.cc", "inner-calls-sink"));
	check_frame(&c.v[1], "fixture::middle(int)", "unit/dwarfres_fixture.h",
		    marker_line("dwarfres_fixture.h", "middle-calls-inner"));
	check_frame(&c.v[2], "outer(int)", "unit/dwarfres_fixture.cc",
		    marker_line("dwarfres_fixture.cc", "outer-calls-middle"));
	check_frame(&c.v[3], "main", "unit/dwarfres_fixture.cc",
		    marker_line("dwarfres_fixture.cc", "main-calls-outer"));
	dwarfres_chain_free(&c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run(cmd);
}
END_TEST

START_TEST(dwarfres_demangles_and_drops_versions)
{
	char *d = dwarfres_demangle("_ZN7fixtureL5innerEi");
	ck_assert_str_eq(d, "fixture::inner(int)");
	free(d);
	d = dwarfres_demangle("memcpy@@GLIBC_2.14");
	ck_assert_str_eq(d, "memcpy");
	free(d);
	d = dwarfres_demangle("_Zxyz");
	ck_assert_str_eq(d, "_Zxyz");
	free(d);
	ck_assert_ptr_null(dwarfres_demangle(NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dwarfres");
	TCase *t = tcase_create("chains");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, dwarfres_inline_chain_innermost_first);
	tcase_add_test(t, dwarfres_split_debug_found_only_in_given_dir);
	tcase_add_test(t, dwarfres_build_id_mismatch_refused);
	tcase_add_test(t, dwarfres_module_table_stays_bounded);
	tcase_add_test(t, dwarfres_chain_without_aranges);
	tcase_add_test(t, dwarfres_demangles_and_drops_versions);
	suite_add_tcase(s, t);
	return check_main_run(s);
}
