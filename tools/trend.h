/*
 * trend.h: the trend of one site's live bytes over a series of snapshots,
 * and the verdict heapdiff draws from it (leak, growing, transient, stable).
 *
 * Owns the statistics behind heapdiff's series report: the Theil–Sen slope,
 * the fit quality, the step tallies, the sampling-noise rule, the verdict
 * thresholds documented in heapdiff(1) (keep them in step), the evidence
 * order and the sparkline. Pure: no I/O, no SQLite, no globals; called from
 * the tools' main thread and from tests/unit/test_trend.c.
 * Invariants: (1) trend_fit never allocates (the caller passes scratch
 * space, TREND_SCRATCH(n) doubles); (2) one outlier cannot make a leak: the
 * slope is the median of pairwise slopes, and a leak also needs steady steps,
 * a good fit and a final value near the peak; (3) a series whose final value
 * is back within the noise of its first value is never a leak nor growing;
 * (4) the order of trend_cmp is total given distinct tie-break keys.
 */
#ifndef HEAPSNAP_TOOLS_TREND_H
#define HEAPSNAP_TOOLS_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Verdict thresholds (heapdiff(1), VERDICTS). */
#define TREND_LEAK_MIN_POINTS 4     /* snapshots a leak needs at least */
#define TREND_LEAK_MIN_GREW 0.6     /* fraction of steps that grew */
#define TREND_LEAK_MIN_FIT 0.7      /* R^2 of the robust line */
#define TREND_LEAK_NEAR_PEAK 0.8    /* final - first >= 0.8 (peak - first) */
#define TREND_NOISE_SIGMAS 2.0      /* a delta within 2 sigma is noise */
/* Theil–Sen uses at most this many evenly spaced points (pairs grow as n^2). */
#define TREND_MAX_FIT_POINTS 512
#define TREND_SCRATCH(n) ((size_t)((n) < TREND_MAX_FIT_POINTS ? (n) : TREND_MAX_FIT_POINTS) * \
			  (size_t)((n) < TREND_MAX_FIT_POINTS ? (n) : TREND_MAX_FIT_POINTS) / 2 + (size_t)(n) + 1)

/* In evidence order: trend_cmp puts lower values first. */
enum trend_verdict { TREND_LEAK, TREND_GROWING, TREND_TRANSIENT, TREND_STABLE };

struct trend {
	enum trend_verdict verdict;
	double slope;          /* bytes per hour, Theil–Sen (0 with one point) */
	double fit;            /* R^2 of the Theil–Sen line, in [0, 1] */
	size_t steps;          /* n - 1 */
	size_t grew, shrank;   /* steps with delta > 0, < 0 */
	size_t noisy;          /* steps whose |delta| is within the noise */
	int64_t first, peak, final, low;   /* values at 0, max, at n-1, min */
};

/* Context: any. The noise bound of a delta between estimates a and b of a
 * site sampled at mean sample bytes: the variance of an estimate x is about
 * sample * x, so the bound is TREND_NOISE_SIGMAS * sqrt(sample * (a + b)).
 * 0 when sample <= 1 (exact snapshots have no sampling noise). */
double trend_noise(int64_t sample, int64_t a, int64_t b);

/* Context: any; never allocates. Fits v[0..n) at times t[0..n) (hours,
 * non-decreasing) and draws the verdict. sample: meta.sample of the series
 * (the largest, when they differ). scratch: TREND_SCRATCH(n) doubles.
 * noisy_steps, when not NULL, gets n - 1 flags: step i (v[i] -> v[i+1]) lies
 * within the noise. */
void trend_fit(const double *t, const int64_t *v, size_t n, int64_t sample,
	       double *scratch, struct trend *out, bool *noisy_steps);

/* Context: any. "leak", "growing", "transient", "stable". */
const char *trend_verdict_name(enum trend_verdict v);

/* Context: any. Evidence order: leak, growing, transient, stable; leaks and
 * growing sites by slope (steepest first), then final - first; transient
 * sites by rise (peak - first); stable ones by final value; 0 on a tie
 * (callers break it by key). */
int trend_cmp(const struct trend *a, const struct trend *b);

/* Context: any; never allocates. Writes a sparkline of v[0..n) to buf
 * (UTF-8, one of ▁▂▃▄▅▆▇█ per column, scaled from the series' low to its
 * peak; at most width columns, each the largest value of its share of the
 * points), always NUL-terminated. Returns the number of columns written. */
size_t trend_sparkline(char *buf, size_t len, const int64_t *v, size_t n, size_t width);

#endif
