/*
 * sampler.h: Poisson byte sampling, pure math.
 *
 * Every allocated byte is a sampling point with probability 1/mean; an
 * allocation of s bytes is sampled when a point falls inside it, which
 * happens with probability p = 1 - exp(-s/mean). The sampled allocation then
 * stands for 1/p allocations and s/p bytes: the estimate of count and bytes is
 * unbiased for any mix of sizes (as in jemalloc's prof.c and Go's mprof).
 * Allocations with p >= 0.99 are recorded with their true size and weight 1.
 * mean == 1 is exact mode: every allocation, weight 1.
 * Context: any thread. Never allocates, no locks, no I/O, no global state.
 */
#ifndef HEAPSNAP_SAMPLER_H
#define HEAPSNAP_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

/* Weights are kept in fixed point: SAMPLER_FX units per allocation. */
#define SAMPLER_FX 1024

struct sampler_weight {
	uint64_t count_fx; /* allocations this sample stands for, times SAMPLER_FX */
	uint64_t bytes;    /* bytes this sample stands for (rounded once, here) */
};

/* Context: any thread. Never allocates. Seeds a generator state (never 0). */
uint64_t sampler_seed(uint64_t entropy);

/* Context: any thread. Never allocates. Uniform 64-bit value (xorshift64*). */
uint64_t sampler_rand(uint64_t *state);

/* Context: any thread. Never allocates.
 * Bytes until the next sample: exponential with the given mean; -1 in exact
 * mode (mean == 1), so that every allocation, even of 0 bytes, is sampled. */
int64_t sampler_next_gap(uint64_t *state, uint64_t mean);

/* Context: any thread. Never allocates. Weight of a sampled allocation. */
void sampler_weight(size_t size, uint64_t mean, struct sampler_weight *w);

#endif
