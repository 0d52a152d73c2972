/*
 * test_sampler.c: the Poisson sampler's draws and weights are unbiased.
 * Simulates many allocations through the real countdown logic (the same
 * subtraction the hook does) and checks the estimates against the truth
 * within statistical tolerance (fixed seeds: deterministic).
 */
#include "sampler.h"

#include "check_main.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

/* Runs n allocations of sizes from sizes[] through a countdown; returns the
 * estimated count and bytes. */
static void simulate(uint64_t mean, const size_t *sizes, size_t nsizes, long n, uint64_t seed,
		     double *est_count, double *est_bytes, double *true_bytes)
{
	uint64_t rng = sampler_seed(seed);
	int64_t countdown = sampler_next_gap(&rng, mean);
	*est_count = *est_bytes = *true_bytes = 0;
	for (long i = 0; i < n; i++) {
		size_t s = sizes[(size_t)sampler_rand(&rng) % nsizes];
		*true_bytes += (double)s;
		countdown -= (int64_t)s;
		if (countdown < 0) {
			struct sampler_weight w;
			sampler_weight(s, mean, &w);
			*est_count += (double)w.count_fx / SAMPLER_FX;
			*est_bytes += (double)w.bytes;
			countdown = sampler_next_gap(&rng, mean);
		}
	}
}

START_TEST(sampler_gap_mean_matches_option)
{
	uint64_t rng = sampler_seed(42);
	const uint64_t mean = 4096;
	double sum = 0;
	const int n = 200000;
	for (int i = 0; i < n; i++) {
		int64_t g = sampler_next_gap(&rng, mean);
		ck_assert_int_ge(g, 0);
		sum += (double)g;
	}
	/* standard error of the mean: mean/sqrt(n) ~ 0.22%; allow 1% */
	ck_assert_double_eq_tol(sum / n, (double)mean, mean * 0.01);
}
END_TEST

START_TEST(sampler_exact_mode_samples_everything_with_weight_one)
{
	uint64_t rng = sampler_seed(1);
	ck_assert_int_eq(sampler_next_gap(&rng, 1), -1);
	struct sampler_weight w;
	sampler_weight(0, 1, &w);
	ck_assert_uint_eq(w.count_fx, SAMPLER_FX);
	ck_assert_uint_eq(w.bytes, 0);
	sampler_weight(12345, 1, &w);
	ck_assert_uint_eq(w.count_fx, SAMPLER_FX);
	ck_assert_uint_eq(w.bytes, 12345);
}
END_TEST

START_TEST(sampler_large_allocations_keep_true_size)
{
	struct sampler_weight w;
	/* p = 1 - exp(-8) > 0.99 */
	sampler_weight(8 * 4096, 4096, &w);
	ck_assert_uint_eq(w.count_fx, SAMPLER_FX);
	ck_assert_uint_eq(w.bytes, 8 * 4096);
	/* p = 1 - exp(-1) ~ 0.632: weight 1/p */
	sampler_weight(4096, 4096, &w);
	ck_assert_double_eq_tol((double)w.count_fx / SAMPLER_FX, 1.0 / (1 - exp(-1.0)), 0.002);
}
END_TEST

START_TEST(sampler_weights_unbiased_for_mixed_sizes)
{
	static const size_t sizes[] = {8, 24, 100, 1000, 4096, 10000, 65536, 1 << 20};
	const long n = 2000000;
	double c, b, truth;
	simulate(64 * 1024, sizes, 8, n, 7, &c, &b, &truth);
	/* ~ several thousand samples: a few percent of noise at most */
	ck_assert_double_eq_tol(c, (double)n, n * 0.05);
	ck_assert_double_eq_tol(b, truth, truth * 0.03);
}
END_TEST

START_TEST(sampler_weights_unbiased_for_tiny_allocations)
{
	static const size_t sizes[] = {16};
	const long n = 4000000;
	double c, b, truth;
	simulate(4096, sizes, 1, n, 99, &c, &b, &truth);
	ck_assert_double_eq_tol(c, (double)n, n * 0.02);
	ck_assert_double_eq_tol(b, truth, truth * 0.02);
}
END_TEST

START_TEST(sampler_mean_over_many_seeds_converges)
{
	static const size_t sizes[] = {32, 512, 3000};
	double total_c = 0, total_b = 0, total_truth = 0;
	for (uint64_t seed = 1; seed <= 50; seed++) {
		double c, b, t;
		simulate(16384, sizes, 3, 100000, seed, &c, &b, &t);
		total_c += c;
		total_b += b;
		total_truth += t;
	}
	ck_assert_double_eq_tol(total_c, 50 * 100000.0, 50 * 100000.0 * 0.02);
	ck_assert_double_eq_tol(total_b, total_truth, total_truth * 0.02);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sampler");
	TCase *draws = tcase_create("draws");
	tcase_add_test(draws, sampler_gap_mean_matches_option);
	tcase_add_test(draws, sampler_exact_mode_samples_everything_with_weight_one);
	suite_add_tcase(s, draws);
	TCase *weights = tcase_create("weights");
	tcase_set_timeout(weights, 60);
	tcase_add_test(weights, sampler_large_allocations_keep_true_size);
	tcase_add_test(weights, sampler_weights_unbiased_for_mixed_sizes);
	tcase_add_test(weights, sampler_weights_unbiased_for_tiny_allocations);
	tcase_add_test(weights, sampler_mean_over_many_seeds_converges);
	suite_add_tcase(s, weights);
	return check_main_run(s);
}
