/*
 * test_rank.c: unit tests of tools/rank.c, growth ranking by call site.
 *
 * Proves the rules heapdiff's output rests on: stacks group by call-site
 * identity (never by stack id), unsymbolized frames group by module and
 * offset, one-sided sites count from zero, the order is total and
 * deterministic, and the stack shown for a group is the one that grew.
 * Pure: builds struct rank_site arrays by hand, no files. One Suite, one
 * TCase per behaviour. CK_FORK=no runs them in-process for a debugger.
 */
#include "rank.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define SYM(fn, fl, ln) { .module = "demo", .function = (fn), .file = (fl), .line = (ln) }
#define RAW(mod, off) { .module = (mod), .offset = (off) }

static const struct rank_key leak = SYM("leak_buffer", "demo.c", 42);
static const struct rank_key parse = SYM("parse_config", "config.c", 17);
static const struct rank_key cache = SYM("cache_insert", "cache.c", 31);

static struct rank_group *groups;
static size_t ngroups;

static void teardown(void)
{
	free(groups);
	groups = NULL;
	ngroups = 0;
}

static void rank(const struct rank_site *old, size_t nold,
		 const struct rank_site *new, size_t nnew, unsigned flags)
{
	ck_assert_int_eq(rank_groups(old, nold, new, nnew, flags, &groups, &ngroups), 0);
}

static const struct rank_group *find(const char *function)
{
	for (size_t i = 0; i < ngroups; i++)
		if (groups[i].key.function && !strcmp(groups[i].key.function, function))
			return &groups[i];
	return NULL;
}

/* --- grouping ---------------------------------------------------------- */

START_TEST(rank_groups_sums_stacks_with_same_call_site)
{
	const struct rank_site old[] = {
		{ leak, 1, 100, 1 }, { leak, 2, 50, 1 }, { parse, 3, 10, 1 },
	};
	const struct rank_site new[] = {
		{ leak, 1, 1000, 10 }, { leak, 2, 70, 2 }, { parse, 3, 10, 1 },
	};

	rank(old, 3, new, 3, RANK_SAME_PROCESS);
	ck_assert_uint_eq(ngroups, 2);
	ck_assert_str_eq(groups[0].key.function, "leak_buffer");
	ck_assert_int_eq(groups[0].old_bytes, 150);
	ck_assert_int_eq(groups[0].new_bytes, 1070);
	ck_assert_int_eq(groups[0].bytes_delta, 920);
	ck_assert_int_eq(groups[0].old_count, 2);
	ck_assert_int_eq(groups[0].new_count, 12);
	ck_assert_int_eq(groups[0].count_delta, 10);
	ck_assert_uint_eq(groups[0].old_stacks, 2);
	ck_assert_uint_eq(groups[0].new_stacks, 2);
}
END_TEST

START_TEST(rank_groups_matches_call_sites_across_processes_not_stack_ids)
{
	/* Another run: the same call sites under unrelated stack ids, and
	 * stack id 1 now belongs to a different call site. */
	const struct rank_site old[] = { { leak, 1, 100, 1 }, { parse, 2, 10, 1 } };
	const struct rank_site new[] = { { parse, 1, 10, 1 }, { leak, 57, 900, 9 } };

	rank(old, 2, new, 2, 0);
	ck_assert_uint_eq(ngroups, 2);
	ck_assert_str_eq(groups[0].key.function, "leak_buffer");
	ck_assert_int_eq(groups[0].bytes_delta, 800);
	ck_assert_int_eq(find("parse_config")->bytes_delta, 0);
}
END_TEST

START_TEST(rank_groups_keeps_other_lines_files_and_modules_apart)
{
	struct rank_key other_line = leak, other_file = leak, other_module = leak;
	other_line.line = 43;
	other_file.file = "demo2.c";
	other_module.module = "libdemo.so";
	const struct rank_site new[] = {
		{ leak, 1, 10, 1 }, { other_line, 2, 10, 1 },
		{ other_file, 3, 10, 1 }, { other_module, 4, 10, 1 },
	};

	rank(NULL, 0, new, 4, 0);
	ck_assert_uint_eq(ngroups, 4);
}
END_TEST

START_TEST(rank_groups_ignores_offset_of_symbolized_frames)
{
	/* Two return addresses in one source line (e.g. two calls on it) are
	 * one call site once symbolized. */
	struct rank_key a = leak, b = leak;
	a.offset = 0x1000;
	b.offset = 0x1010;
	const struct rank_site new[] = { { a, 1, 10, 1 }, { b, 2, 20, 1 } };

	rank(NULL, 0, new, 2, 0);
	ck_assert_uint_eq(ngroups, 1);
	ck_assert_int_eq(groups[0].new_bytes, 30);
}
END_TEST

/* --- unsymbolized frames ----------------------------------------------- */

START_TEST(rank_groups_groups_unsymbolized_by_module_and_offset)
{
	const struct rank_key p1 = RAW("libplugin.so", 0x1a2b);
	const struct rank_key p2 = RAW("libplugin.so", 0x2000);
	const struct rank_key q1 = RAW("libother.so", 0x1a2b);
	const struct rank_site old[] = { { p1, 7, 100, 1 } };
	const struct rank_site new[] = {
		{ p1, 3, 300, 3 }, { p1, 4, 50, 1 }, { p2, 5, 10, 1 }, { q1, 6, 10, 1 },
	};

	rank(old, 1, new, 4, 0);
	ck_assert_uint_eq(ngroups, 3);
	ck_assert_ptr_null(groups[0].key.function);
	ck_assert_str_eq(groups[0].key.module, "libplugin.so");
	ck_assert_uint_eq(groups[0].key.offset, 0x1a2b);
	ck_assert_int_eq(groups[0].bytes_delta, 250);
	ck_assert_uint_eq(groups[0].new_stacks, 2);
}
END_TEST

START_TEST(rank_groups_never_merges_symbolized_with_unsymbolized)
{
	struct rank_key sym = leak;
	const struct rank_key raw = RAW("demo", 0x1000);
	sym.offset = 0x1000;
	const struct rank_site new[] = { { sym, 1, 10, 1 }, { raw, 2, 10, 1 } };

	rank(NULL, 0, new, 2, 0);
	ck_assert_uint_eq(ngroups, 2);
}
END_TEST

START_TEST(rank_groups_treats_unknown_module_as_its_own_module)
{
	const struct rank_key nomod = RAW(NULL, 0x7f0000001000);
	const struct rank_key mod = RAW("demo", 0x7f0000001000);
	const struct rank_site old[] = { { nomod, 1, 5, 1 } };
	const struct rank_site new[] = { { nomod, 1, 15, 2 }, { mod, 2, 1, 1 } };

	rank(old, 1, new, 2, 0);
	ck_assert_uint_eq(ngroups, 2);
	ck_assert_ptr_null(groups[0].key.module);
	ck_assert_int_eq(groups[0].bytes_delta, 10);
}
END_TEST

/* --- sites on one side only -------------------------------------------- */

START_TEST(rank_groups_counts_site_only_in_new_from_zero)
{
	const struct rank_site old[] = { { parse, 1, 10, 1 } };
	const struct rank_site new[] = { { parse, 1, 10, 1 }, { cache, 2, 64, 4 } };

	rank(old, 1, new, 2, RANK_SAME_PROCESS);
	ck_assert_uint_eq(ngroups, 2);
	ck_assert_str_eq(groups[0].key.function, "cache_insert");
	ck_assert_int_eq(groups[0].old_bytes, 0);
	ck_assert_int_eq(groups[0].old_count, 0);
	ck_assert_int_eq(groups[0].bytes_delta, 64);
	ck_assert_int_eq(groups[0].count_delta, 4);
	ck_assert_uint_eq(groups[0].old_stacks, 0);
	ck_assert_int_eq(groups[0].rep_side, RANK_NEW);
	ck_assert_int_eq(groups[0].rep_stack_id, 2);
}
END_TEST

START_TEST(rank_groups_counts_site_only_in_old_down_to_zero)
{
	const struct rank_site old[] = { { parse, 1, 10, 1 }, { cache, 2, 64, 4 }, { cache, 3, 8, 1 } };
	const struct rank_site new[] = { { parse, 1, 10, 1 } };

	rank(old, 3, new, 1, RANK_SAME_PROCESS);
	ck_assert_uint_eq(ngroups, 2);
	ck_assert_str_eq(groups[1].key.function, "cache_insert");
	ck_assert_int_eq(groups[1].new_bytes, 0);
	ck_assert_int_eq(groups[1].bytes_delta, -72);
	ck_assert_int_eq(groups[1].count_delta, -5);
	/* Nothing to show from the new snapshot: the old stack with most bytes. */
	ck_assert_int_eq(groups[1].rep_side, RANK_OLD);
	ck_assert_int_eq(groups[1].rep_stack_id, 2);
}
END_TEST

START_TEST(rank_groups_on_empty_input_returns_no_groups)
{
	ck_assert_int_eq(rank_groups(NULL, 0, NULL, 0, 0, &groups, &ngroups), 0);
	ck_assert_uint_eq(ngroups, 0);
	ck_assert_ptr_null(groups);
}
END_TEST

/* --- ordering ---------------------------------------------------------- */

START_TEST(rank_groups_orders_by_bytes_delta_descending)
{
	const struct rank_site old[] = { { leak, 1, 0, 0 }, { parse, 2, 500, 5 }, { cache, 3, 0, 0 } };
	const struct rank_site new[] = { { leak, 1, 100, 1 }, { parse, 2, 0, 0 }, { cache, 3, 7000, 7 } };

	rank(old, 3, new, 3, RANK_SAME_PROCESS);
	ck_assert_uint_eq(ngroups, 3);
	ck_assert_str_eq(groups[0].key.function, "cache_insert");
	ck_assert_str_eq(groups[1].key.function, "leak_buffer");
	ck_assert_str_eq(groups[2].key.function, "parse_config");
	ck_assert_int_eq(groups[2].bytes_delta, -500);
}
END_TEST

START_TEST(rank_sort_breaks_ties_by_count_then_live_bytes_then_key)
{
	struct rank_group g[4] = {
		{ .key = parse, .bytes_delta = 10, .count_delta = 1, .new_bytes = 10 },
		{ .key = leak, .bytes_delta = 10, .count_delta = 1, .new_bytes = 10 },
		{ .key = cache, .bytes_delta = 10, .count_delta = 1, .new_bytes = 99 },
		{ .key = parse, .bytes_delta = 10, .count_delta = 5, .new_bytes = 1 },
	};
	g[3].key.line = 99;

	rank_sort(g, 4);
	ck_assert_int_eq(g[0].count_delta, 5);          /* more allocations */
	ck_assert_str_eq(g[1].key.function, "cache_insert"); /* more live bytes */
	ck_assert_str_eq(g[2].key.function, "leak_buffer");  /* then by name */
	ck_assert_str_eq(g[3].key.function, "parse_config");
}
END_TEST

START_TEST(rank_groups_order_does_not_depend_on_input_order)
{
	const struct rank_site a[] = { { leak, 1, 10, 1 }, { parse, 2, 10, 1 }, { cache, 3, 10, 1 } };
	const struct rank_site b[] = { { cache, 3, 10, 1 }, { leak, 1, 10, 1 }, { parse, 2, 10, 1 } };
	struct rank_group *first;

	rank(NULL, 0, a, 3, 0);
	first = groups;
	groups = NULL;
	rank(NULL, 0, b, 3, 0);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(first[i].key.function, groups[i].key.function);
	free(first);
}
END_TEST

/* --- the stack shown for a group --------------------------------------- */

START_TEST(rank_groups_same_process_shows_stack_that_grew_most)
{
	/* Stack 1 holds more bytes, stack 2 grew more: show stack 2. */
	const struct rank_site old[] = { { leak, 1, 5000, 5 }, { leak, 2, 0, 0 } };
	const struct rank_site new[] = { { leak, 1, 5100, 6 }, { leak, 2, 900, 9 } };

	rank(old, 2, new, 2, RANK_SAME_PROCESS);
	ck_assert_uint_eq(ngroups, 1);
	ck_assert_int_eq(groups[0].rep_side, RANK_NEW);
	ck_assert_int_eq(groups[0].rep_stack_id, 2);
}
END_TEST

START_TEST(rank_groups_other_process_shows_stack_with_most_live_bytes)
{
	/* Across processes stack ids mean nothing: old id 2 must not be
	 * subtracted from new id 2. */
	const struct rank_site old[] = { { leak, 2, 100000, 5 } };
	const struct rank_site new[] = { { leak, 1, 5100, 6 }, { leak, 2, 900, 9 } };

	rank(old, 1, new, 2, 0);
	ck_assert_int_eq(groups[0].rep_side, RANK_NEW);
	ck_assert_int_eq(groups[0].rep_stack_id, 1);
}
END_TEST

static Suite *rank_suite(void)
{
	Suite *s = suite_create("rank");
	TCase *tc;

	tc = tcase_create("grouping");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, rank_groups_sums_stacks_with_same_call_site);
	tcase_add_test(tc, rank_groups_matches_call_sites_across_processes_not_stack_ids);
	tcase_add_test(tc, rank_groups_keeps_other_lines_files_and_modules_apart);
	tcase_add_test(tc, rank_groups_ignores_offset_of_symbolized_frames);
	suite_add_tcase(s, tc);

	tc = tcase_create("unsymbolized");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, rank_groups_groups_unsymbolized_by_module_and_offset);
	tcase_add_test(tc, rank_groups_never_merges_symbolized_with_unsymbolized);
	tcase_add_test(tc, rank_groups_treats_unknown_module_as_its_own_module);
	suite_add_tcase(s, tc);

	tc = tcase_create("one_sided");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, rank_groups_counts_site_only_in_new_from_zero);
	tcase_add_test(tc, rank_groups_counts_site_only_in_old_down_to_zero);
	tcase_add_test(tc, rank_groups_on_empty_input_returns_no_groups);
	suite_add_tcase(s, tc);

	tc = tcase_create("ordering");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, rank_groups_orders_by_bytes_delta_descending);
	tcase_add_test(tc, rank_sort_breaks_ties_by_count_then_live_bytes_then_key);
	tcase_add_test(tc, rank_groups_order_does_not_depend_on_input_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("representative_stack");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, rank_groups_same_process_shows_stack_that_grew_most);
	tcase_add_test(tc, rank_groups_other_process_shows_stack_with_most_live_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rank_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
