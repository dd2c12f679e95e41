#include "nn_rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

void nn_rng_init(struct nn_rng *rng, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
	rng->spare = 0;
	rng->has_spare = 0;
}

double nn_rng_uniform(struct nn_rng *rng)
{
	return (double)(nn_rng_u64(rng) >> 11) * 0x1.0p-53;
}

uint64_t nn_rng_below(struct nn_rng *rng, uint64_t n)
{
	/* Rejection sampling: drop the top partial block of 2^64 so every
	 * residue is equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do
		x = nn_rng_u64(rng);
	while (x >= limit);
	return x % n;
}

double nn_rng_normal(struct nn_rng *rng)
{
	double u, v, s;

	if (rng->has_spare) {
		rng->has_spare = 0;
		return rng->spare;
	}
	/* Marsaglia's polar form of Box-Muller. */
	do {
		u = 2.0 * nn_rng_uniform(rng) - 1.0;
		v = 2.0 * nn_rng_uniform(rng) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	s = sqrt(-2.0 * log(s) / s);
	rng->spare = v * s;
	rng->has_spare = 1;
	return u * s;
}

void nn_rng_shuffle(struct nn_rng *rng, uint32_t *idx, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)nn_rng_below(rng, i);
		uint32_t t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
