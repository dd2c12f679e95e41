#include <criterion/criterion.h>
#include <math.h>

#include "nn_rng.h"

Test(nn_rng, same_seed_same_stream)
{
	struct nn_rng a, b, c;

	nn_rng_init(&a, 123);
	nn_rng_init(&b, 123);
	nn_rng_init(&c, 124);
	int differ = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = nn_rng_u64(&a);

		cr_assert_eq(x, nn_rng_u64(&b));
		differ += x != nn_rng_u64(&c);
	}
	cr_assert_gt(differ, 990);
}

Test(nn_rng, normal_has_unit_moments)
{
	struct nn_rng r;
	double sum = 0, sq = 0;
	const int n = 200000;

	nn_rng_init(&r, 9);
	for (int i = 0; i < n; i++) {
		double x = nn_rng_normal(&r);

		sum += x;
		sq += x * x;
	}
	cr_assert_lt(fabs(sum / n), 0.01);
	cr_assert_lt(fabs(sq / n - 1.0), 0.02);
}

Test(nn_rng, shuffle_is_a_permutation)
{
	struct nn_rng r;
	uint32_t idx[1000];
	int seen[1000] = { 0 }, moved = 0;

	nn_rng_init(&r, 5);
	for (uint32_t i = 0; i < 1000; i++)
		idx[i] = i;
	nn_rng_shuffle(&r, idx, 1000);
	for (uint32_t i = 0; i < 1000; i++) {
		cr_assert_lt(idx[i], 1000);
		seen[idx[i]]++;
		moved += idx[i] != i;
	}
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(seen[i], 1);
	cr_assert_gt(moved, 900);
}

Test(nn_rng, below_stays_in_range)
{
	struct nn_rng r;
	int counts[7] = { 0 };

	nn_rng_init(&r, 1);
	for (int i = 0; i < 70000; i++)
		counts[nn_rng_below(&r, 7)]++;
	for (int i = 0; i < 7; i++)
		cr_assert(counts[i] > 9500 && counts[i] < 10500, "bucket %d: %d", i, counts[i]);
}
