/*
 * trend.c: Theil–Sen slope, fit quality, verdict and sparkline of a series.
 *
 * Owns the arithmetic declared in trend.h (the rules and thresholds are
 * documented there and in heapdiff(1), VERDICTS). Pure: no I/O, no globals,
 * no allocation (the caller gives the scratch space); main thread of the
 * tools and tests/unit/test_trend.c.
 * Method: the slope is the median of the pairwise slopes (v[j] - v[i]) /
 * (t[j] - t[i]) over i < j with t[j] > t[i], found by quickselect in O(p)
 * for p pairs, over at most TREND_MAX_FIT_POINTS evenly spaced points; the
 * intercept is the median of v[i] - slope * t[i]; fit = 1 - SSres / SStot
 * over all points, clamped to [0, 1], or the R^2 of a straight line in
 * snapshot order when that is larger (steady per snapshot).
 */
#include "trend.h"

#include <math.h>
#include <string.h>

double trend_noise(int64_t sample, int64_t a, int64_t b)
{
	double x = (double)(a > 0 ? a : 0) + (double)(b > 0 ? b : 0);

	if (sample <= 1)
		return 0.0;
	return TREND_NOISE_SIGMAS * sqrt((double)sample * x);
}

/* The k-th smallest of x[0..n) (n > 0), reordering x. */
static double select_kth(double *x, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = x[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (x[i] < pivot)
				i++;
			while (x[j] > pivot)
				j--;
			if (i <= j) {
				double tmp = x[i];

				x[i] = x[j];
				x[j] = tmp;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return x[k];
	}
	return x[k];
}

static double median(double *x, size_t n)
{
	double hi = select_kth(x, n, n / 2);

	if (n % 2)
		return hi;
	/* After the select, x[0..n/2) holds the smaller half: take its max. */
	double lo = x[0];
	for (size_t i = 1; i < n / 2; i++)
		if (x[i] > lo)
			lo = x[i];
	return (lo + hi) / 2.0;
}

static double theil_sen(const double *t, const int64_t *v, size_t n, double *scratch)
{
	size_t m = n < TREND_MAX_FIT_POINTS ? n : TREND_MAX_FIT_POINTS, p = 0;

	for (size_t a = 0; a < m; a++) {
		size_t i = m == n ? a : a * (n - 1) / (m - 1);

		for (size_t b = a + 1; b < m; b++) {
			size_t j = m == n ? b : b * (n - 1) / (m - 1);

			if (t[j] > t[i])
				scratch[p++] = ((double)v[j] - (double)v[i]) / (t[j] - t[i]);
		}
	}
	return p ? median(scratch, p) : 0.0;
}

/* R^2 of the least-squares line of v against 0, 1, ..., n-1; 0 for n < 3. */
static double index_fit(const int64_t *v, size_t n)
{
	if (n < 3)
		return 0.0;
	double mx = (double)(n - 1) / 2.0, my = 0.0;
	for (size_t i = 0; i < n; i++)
		my += (double)v[i];
	my /= (double)n;
	double sxy = 0.0, sxx = 0.0, syy = 0.0;
	for (size_t i = 0; i < n; i++) {
		double dx = (double)i - mx, dy = (double)v[i] - my;
		sxy += dx * dy;
		sxx += dx * dx;
		syy += dy * dy;
	}
	if (sxx <= 0 || syy <= 0)
		return 0.0;
	return (sxy * sxy) / (sxx * syy);
}

void trend_fit(const double *t, const int64_t *v, size_t n, int64_t sample,
	       double *scratch, struct trend *out, bool *noisy_steps)
{
	bool constant = true;

	memset(out, 0, sizeof(*out));
	out->verdict = TREND_STABLE;
	out->fit = 1.0;
	if (n == 0)
		return;
	out->first = out->peak = out->low = v[0];
	out->final = v[n - 1];
	out->steps = n - 1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] > out->peak)
			out->peak = v[i];
		if (v[i] < out->low)
			out->low = v[i];
		if (i == 0)
			continue;
		int64_t d = v[i] - v[i - 1];
		bool noisy = fabs((double)d) <= trend_noise(sample, v[i - 1], v[i]);

		if (d != 0)
			constant = false;
		out->grew += d > 0;
		out->shrank += d < 0;
		out->noisy += noisy && d != 0;
		if (noisy_steps)
			noisy_steps[i - 1] = noisy && d != 0;
	}
	if (constant)
		return;

	out->slope = theil_sen(t, v, n, scratch);
	/* Intercept and R^2 of the robust line over every point. */
	double mean = 0.0, ss_tot = 0.0, ss_res = 0.0;
	for (size_t i = 0; i < n; i++) {
		scratch[i] = (double)v[i] - out->slope * t[i];
		mean += (double)v[i];
	}
	double icpt = median(scratch, n);
	mean /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double r = (double)v[i] - (icpt + out->slope * t[i]), d = (double)v[i] - mean;

		ss_res += r * r;
		ss_tot += d * d;
	}
	out->fit = ss_tot > 0 ? 1.0 - ss_res / ss_tot : (ss_res > 0 ? 0.0 : 1.0);
	if (out->fit < 0)
		out->fit = 0;
	/* Steady per snapshot counts too: a leak of so much per request, or
	 * per test round, is as steady as its requests, whose times vary (a
	 * busy machine, snapshots on signal or growth). The larger R^2, of the
	 * robust line in time and of a straight line in snapshot order. */
	double per_step = index_fit(v, n);
	if (per_step > out->fit)
		out->fit = per_step;

	/* The verdict (trend.h invariants 2 and 3; heapdiff(1), VERDICTS). */
	int64_t growth = out->final - out->first, rise = out->peak - out->first;
	bool grew = growth > 0 && (double)growth > trend_noise(sample, out->first, out->final);
	bool fell = growth < 0 && (double)-growth > trend_noise(sample, out->first, out->final);
	bool rose = rise > 0 && (double)rise > trend_noise(sample, out->first, out->peak);
	int64_t mid = v[(n - 1) / 2];
	bool late = out->final > mid &&
		(double)(out->final - mid) > trend_noise(sample, mid, out->final);

	if (grew) {
		bool leak = n >= TREND_LEAK_MIN_POINTS && out->slope > 0 && late &&
			(double)out->grew >= TREND_LEAK_MIN_GREW * (double)out->steps &&
			out->fit >= TREND_LEAK_MIN_FIT &&
			(double)growth >= TREND_LEAK_NEAR_PEAK * (double)rise;
		out->verdict = leak ? TREND_LEAK : TREND_GROWING;
	} else if (rose || fell) {
		out->verdict = TREND_TRANSIENT;
	}
}

const char *trend_verdict_name(enum trend_verdict v)
{
	switch (v) {
	case TREND_LEAK: return "leak";
	case TREND_GROWING: return "growing";
	case TREND_TRANSIENT: return "transient";
	case TREND_STABLE: return "stable";
	}
	return "stable";
}

static int cmp_desc_d(double a, double b)
{
	return (a < b) - (a > b);
}

static int cmp_desc_i(int64_t a, int64_t b)
{
	return (a < b) - (a > b);
}

int trend_cmp(const struct trend *a, const struct trend *b)
{
	int c;

	if (a->verdict != b->verdict)
		return a->verdict < b->verdict ? -1 : 1;
	switch (a->verdict) {
	case TREND_LEAK:
	case TREND_GROWING:
		if ((c = cmp_desc_d(a->slope, b->slope)))
			return c;
		return cmp_desc_i(a->final - a->first, b->final - b->first);
	case TREND_TRANSIENT:
		if ((c = cmp_desc_i(a->peak - a->first, b->peak - b->first)))
			return c;
		return cmp_desc_i(a->first - a->final, b->first - b->final);
	case TREND_STABLE:
		break;
	}
	return cmp_desc_i(a->final, b->final);
}

size_t trend_sparkline(char *buf, size_t len, const int64_t *v, size_t n, size_t width)
{
	static const char *const bars[8] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	size_t cols = n < width ? n : width, used = 0, k;
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (v[i] < lo)
			lo = v[i];
		if (v[i] > hi)
			hi = v[i];
	}
	for (k = 0; k < cols; k++) {
		size_t from = k * n / cols, to = (k + 1) * n / cols;
		int64_t m = v[from];
		int level = 0;

		for (size_t i = from + 1; i < to; i++)
			if (v[i] > m)
				m = v[i];
		if (hi > lo)
			level = (int)(((double)m - (double)lo) * 7.0 / ((double)hi - (double)lo) + 0.5);
		if (used + 4 > len)
			break;
		memcpy(buf + used, bars[level], 3);   /* each bar is 3 bytes of UTF-8 */
		used += 3;
		buf[used] = '\0';
	}
	return k;
}
