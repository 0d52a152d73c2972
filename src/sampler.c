/*
 * sampler.c: countdown draws and weights (see sampler.h for the math).
 * Context: any thread, called on the sampled path only (never on the common
 * path, which is a subtraction in core.c). Never allocates; libm only.
 */
#include "sampler.h"

#include <math.h>

uint64_t sampler_seed(uint64_t entropy)
{
	/* splitmix64 finaliser spreads close seeds (thread addresses) apart. */
	uint64_t z = entropy + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 0x2545f4914f6cdd1dull;
}

uint64_t sampler_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

int64_t sampler_next_gap(uint64_t *state, uint64_t mean)
{
	if (mean <= 1)
		return -1;
	/* u in (0, 1]: 53 random bits, never 0, so log(u) is finite. */
	double u = ((double)(sampler_rand(state) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
	double gap = -log(u) * (double)mean;
	if (gap > 4e18)
		gap = 4e18;
	return (int64_t)gap;
}

void sampler_weight(size_t size, uint64_t mean, struct sampler_weight *w)
{
	if (mean <= 1) {
		w->count_fx = SAMPLER_FX;
		w->bytes = size;
		return;
	}
	double p = -expm1(-(double)size / (double)mean);
	if (p >= 0.99 || p <= 0) {
		w->count_fx = SAMPLER_FX;
		w->bytes = size;
		return;
	}
	w->count_fx = (uint64_t)llround(SAMPLER_FX / p);
	w->bytes = (uint64_t)llround((double)size / p);
}
