/*
 * test_trend.c: unit tests of tools/trend.c and tools/series.c, the
 * arithmetic behind heapdiff's series report.
 *
 * Proves the rules heapdiff(1) documents under VERDICTS: a steady rise is a
 * leak, one outlier does not make one (Theil–Sen), a rise that returns to
 * its baseline is transient and never a leak, a warm-up that plateaus is
 * growing, flat is stable, deltas within the sampling noise are marked, the
 * evidence order puts leaks first by slope, and series.c sums stacks by key
 * with zeros where a group is absent. Pure: hand-built arrays, no files.
 */
#include "series.h"
#include "trend.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double scratch[TREND_SCRATCH(64)];
static double hours[64];

static struct trend fit(const int64_t *v, size_t n, int64_t sample)
{
	struct trend t;

	for (size_t i = 0; i < n; i++)
		hours[i] = (double)i;   /* one snapshot an hour */
	trend_fit(hours, v, n, sample, scratch, &t, NULL);
	return t;
}

START_TEST(steady_rise_is_a_leak_with_its_slope)
{
	const int64_t v[] = { 0, 100, 200, 300, 400, 500, 600, 700 };
	struct trend t = fit(v, 8, 1);

	ck_assert_int_eq(t.verdict, TREND_LEAK);
	ck_assert(fabs(t.slope - 100.0) < 1e-9);
	ck_assert(t.fit > 0.999);
	ck_assert_uint_eq(t.grew, 7);
	ck_assert_int_eq(t.peak, 700);
	ck_assert_int_eq(t.final, 700);
}
END_TEST

START_TEST(one_outlier_does_not_change_the_slope_nor_make_a_leak)
{
	/* Flat but for one huge spike: least squares would see a slope. */
	const int64_t flat[] = { 1000, 1000, 1000, 1000, 1000, 1000, 1000, 90000 };
	const int64_t rising[] = { 0, 100, 200, 300, 9000000, 500, 600, 700 };
	struct trend t = fit(flat, 8, 1);

	ck_assert_int_ne(t.verdict, TREND_LEAK);
	ck_assert(fabs(t.slope) < 1e-9);
	t = fit(rising, 8, 1);
	ck_assert(fabs(t.slope - 100.0) < 1e-9);
}
END_TEST

START_TEST(rise_and_return_to_baseline_is_transient)
{
	const int64_t v[] = { 50, 1000, 2000, 3000, 4000, 2000, 50, 50 };
	struct trend t = fit(v, 8, 1);

	ck_assert_int_eq(t.verdict, TREND_TRANSIENT);
	ck_assert_int_eq(t.peak, 4000);
}
END_TEST

START_TEST(warmup_that_plateaus_is_growing_not_leak)
{
	const int64_t v[] = { 0, 4000, 8000, 8000, 8000, 8000, 8000, 8000, 8000, 8000 };
	struct trend t = fit(v, 10, 1);

	ck_assert_int_eq(t.verdict, TREND_GROWING);
}
END_TEST

START_TEST(flat_is_stable_and_few_points_are_never_a_leak)
{
	const int64_t flat[] = { 7, 7, 7, 7, 7 };
	const int64_t three[] = { 0, 100, 200 };
	struct trend t = fit(flat, 5, 1);

	ck_assert_int_eq(t.verdict, TREND_STABLE);
	ck_assert(t.slope == 0.0);
	t = fit(three, 3, 1);
	ck_assert_int_eq(t.verdict, TREND_GROWING);
}
END_TEST

START_TEST(sampling_noise_is_marked_and_hides_small_changes)
{
	/* At sample = 4096, two estimates of ~1 MiB differ by noise up to
	 * 2 * sqrt(4096 * 2 MiB) = ~185 KiB. */
	const int64_t v[] = { 1048576, 1048576 + 65536, 1048576, 1048576 + 65536, 1048576 };
	bool noisy[4];
	struct trend t;

	ck_assert(fabs(trend_noise(4096, 1048576, 1048576) - 2.0 * sqrt(4096.0 * 2097152.0)) < 1e-6);
	ck_assert(trend_noise(1, 1048576, 1048576) == 0.0);
	for (size_t i = 0; i < 5; i++)
		hours[i] = (double)i;
	trend_fit(hours, v, 5, 4096, scratch, &t, noisy);
	ck_assert_uint_eq(t.noisy, 4);
	ck_assert(noisy[0] && noisy[3]);
	ck_assert_int_eq(t.verdict, TREND_STABLE);
	/* The same series in exact snapshots is real movement. */
	t = fit(v, 5, 1);
	ck_assert_uint_eq(t.noisy, 0);
	ck_assert_int_eq(t.verdict, TREND_TRANSIENT);
}
END_TEST

START_TEST(evidence_order_puts_leaks_first_by_slope)
{
	const int64_t slow[] = { 0, 10, 20, 30, 40 };
	const int64_t fast[] = { 0, 100, 200, 300, 400 };
	const int64_t gone[] = { 0, 9000, 9000, 0, 0 };
	struct trend a = fit(slow, 5, 1), b = fit(fast, 5, 1), c = fit(gone, 5, 1);

	ck_assert_int_eq(a.verdict, TREND_LEAK);
	ck_assert_int_lt(trend_cmp(&b, &a), 0);
	ck_assert_int_lt(trend_cmp(&a, &c), 0);   /* a small leak before a big transient */
	ck_assert_int_gt(trend_cmp(&c, &b), 0);
}
END_TEST

START_TEST(sparkline_scales_from_low_to_peak)
{
	const int64_t v[] = { 0, 7, 14, 7, 0 };
	char buf[64];

	ck_assert_uint_eq(trend_sparkline(buf, sizeof(buf), v, 5, 24), 5);
	ck_assert_str_eq(buf, "▁▅█▅▁");
	ck_assert_uint_eq(trend_sparkline(buf, sizeof(buf), v, 5, 2), 2);
	ck_assert_uint_eq(trend_sparkline(buf, 7, v, 5, 24), 2);   /* truncated, terminated */
	ck_assert_uint_eq(strlen(buf), 6);
}
END_TEST

START_TEST(series_sums_by_key_with_zero_where_absent)
{
	struct series s;

	ck_assert_int_eq(series_init(&s, 3), 0);
	ck_assert_int_eq(series_add(&s, 0, "leak", "leak (a.c:1)", 1, 100, 1), 0);
	ck_assert_int_eq(series_add(&s, 0, "leak", "leak (a.c:1)", 2, 50, 1), 0);
	ck_assert_int_eq(series_add(&s, 2, "leak", "leak (a.c:1)", 2, 500, 5), 0);
	ck_assert_int_eq(series_add(&s, 1, "new", "new (b.c:2)", 9, 7, 1), 0);
	for (int i = 0; i < 3000; i++) {   /* grows the hash table */
		char k[32];

		snprintf(k, sizeof(k), "k%d", i);
		ck_assert_int_eq(series_add(&s, 1, k, k, 100 + i, i, 1), 0);
	}
	ck_assert_uint_eq(s.ngroups, 3002);
	ck_assert_str_eq(s.groups[0].key, "leak");
	ck_assert_int_eq(s.groups[0].bytes[0], 150);
	ck_assert_int_eq(s.groups[0].bytes[1], 0);
	ck_assert_int_eq(s.groups[0].bytes[2], 500);
	ck_assert_int_eq(s.groups[0].first_count, 2);
	ck_assert_int_eq(s.groups[0].final_count, 5);
	ck_assert_uint_eq(s.groups[0].rep_snap, 2);
	ck_assert_int_eq(s.groups[0].rep_stack_id, 2);
	ck_assert_int_eq(s.groups[1].bytes[1], 7);
	ck_assert_int_eq(s.groups[1].bytes[0], 0);
	ck_assert_int_eq(s.groups[3001].bytes[1], 2999);
	series_free(&s);
}
END_TEST

START_TEST(series_sums_take_the_representative_of_their_last_snapshot)
{
	struct series s;

	ck_assert_int_eq(series_init(&s, 3), 0);
	ck_assert_int_eq(series_add_sum(&s, 0, "leak", "leak (a.c:1)", 100, 2, 2), 0);
	ck_assert_int_eq(series_add_sum(&s, 1, "leak", "leak (a.c:1)", 300, 3, 2), 0);
	ck_assert_int_eq(series_add_sum(&s, 1, "leak", "leak (a.c:1)", 50, 1, 1), 0);
	ck_assert_int_eq(s.groups[0].bytes[1], 350);
	ck_assert_uint_eq(s.groups[0].stacks, 3);
	ck_assert_uint_eq(s.groups[0].rep_snap, 1);
	ck_assert_int_eq(s.groups[0].rep_stack_id, -1);
	series_offer_rep(&s, 0, "leak", 7, 1000);   /* not its last snapshot */
	ck_assert_int_eq(s.groups[0].rep_stack_id, -1);
	series_offer_rep(&s, 1, "none", 8, 1000);   /* no such group */
	series_offer_rep(&s, 1, "leak", 9, 200);
	series_offer_rep(&s, 1, "leak", 4, 100);
	series_offer_rep(&s, 1, "leak", 6, 200);    /* a tie: the lower id */
	series_offer_rep(&s, 1, "leak", 3, 50);
	ck_assert_int_eq(s.groups[0].rep_stack_id, 6);
	ck_assert_int_eq(s.groups[0].rep_bytes, 200);
	ck_assert_int_eq(s.groups[0].first_count, 2);
	series_free(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trend");
	TCase *tc = tcase_create("trend");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, steady_rise_is_a_leak_with_its_slope);
	tcase_add_test(tc, one_outlier_does_not_change_the_slope_nor_make_a_leak);
	tcase_add_test(tc, rise_and_return_to_baseline_is_transient);
	tcase_add_test(tc, warmup_that_plateaus_is_growing_not_leak);
	tcase_add_test(tc, flat_is_stable_and_few_points_are_never_a_leak);
	tcase_add_test(tc, sampling_noise_is_marked_and_hides_small_changes);
	tcase_add_test(tc, evidence_order_puts_leaks_first_by_slope);
	tcase_add_test(tc, sparkline_scales_from_low_to_peak);
	tcase_add_test(tc, series_sums_by_key_with_zero_where_absent);
	tcase_add_test(tc, series_sums_take_the_representative_of_their_last_snapshot);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
