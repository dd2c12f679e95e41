#include <criterion/criterion.h>
#include <stdlib.h>

#include "nn_gemm.h"
#include "nn_rng.h"

/* Odd sizes: 7 rows (a block of four and three left), 70 columns (a block
 * of 64 and six left), 9 deep. */
enum { P = 7, K = 9, N = 70 };

static void fill(float *x, size_t n, struct nn_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)nn_rng_normal(rng);
}

Test(nn_gemm, nn_matches_the_definition_with_bias_and_accumulation)
{
	static float a[P * K], b[K * N], bias[N], with_bias[P * N], start[P * N], acc[P * N];
	struct nn_rng rng;

	nn_rng_init(&rng, 7);
	fill(a, P * K, &rng);
	fill(b, K * N, &rng);
	fill(bias, N, &rng);
	fill(start, P * N, &rng);
	for (size_t i = 0; i < P * N; i++)
		acc[i] = start[i];
	nn_gemm_nn(with_bias, a, b, bias, P, K, N, 0);
	nn_gemm_nn(acc, a, b, NULL, P, K, N, 1);
	for (size_t r = 0; r < P; r++)
		for (size_t j = 0; j < N; j++) {
			double ab = 0;

			for (size_t q = 0; q < K; q++)
				ab += (double)a[r * K + q] * b[q * N + j];
			cr_assert_float_eq(with_bias[r * N + j], bias[j] + ab, 1e-4, "A B + bias at %zu,%zu", r, j);
			cr_assert_float_eq(acc[r * N + j], start[r * N + j] + ab, 1e-4, "C += A B at %zu,%zu", r, j);
		}
}

Test(nn_gemm, tn_accumulates_a_transposed_product)
{
	/* C (M, N) += A^T B with A (P, M), B (P, N); M = 6. */
	static float a[P * 6], b[P * N], c[6 * N], start[6 * N];
	struct nn_rng rng;

	nn_rng_init(&rng, 8);
	fill(a, P * 6, &rng);
	fill(b, P * N, &rng);
	fill(start, 6 * N, &rng);
	for (size_t i = 0; i < 6 * N; i++)
		c[i] = start[i];
	nn_gemm_tn(c, a, b, P, 6, N);
	for (size_t i = 0; i < 6; i++)
		for (size_t j = 0; j < N; j++) {
			double want = start[i * N + j];

			for (size_t q = 0; q < P; q++)
				want += (double)a[q * 6 + i] * b[q * N + j];
			cr_assert_float_eq(c[i * N + j], want, 1e-4, "at %zu,%zu: %g vs %g", i, j, c[i * N + j], want);
		}
}
