/* A seeded pseudo-random generator (xoshiro256**, seeded by splitmix64).
 * State is explicit: the same seed gives the same stream on every machine. */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stddef.h>
#include <stdint.h>

struct nn_rng {
	uint64_t s[4];
	double spare;    /* second normal deviate of the last Box-Muller pair */
	int has_spare;
};

void nn_rng_init(struct nn_rng *rng, uint64_t seed);

static inline uint64_t nn_rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* The next 64 bits; inline, for loops that draw one per element (the
 * dropout masks). */
static inline uint64_t nn_rng_u64(struct nn_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = nn_rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = nn_rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1), 53 random bits. */
double nn_rng_uniform(struct nn_rng *rng);
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t nn_rng_below(struct nn_rng *rng, uint64_t n);
/* Standard normal deviate N(0, 1). */
double nn_rng_normal(struct nn_rng *rng);
/* Fisher-Yates shuffle of idx[0..n). */
void nn_rng_shuffle(struct nn_rng *rng, uint32_t *idx, size_t n);

#endif
