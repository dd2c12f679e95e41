#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "nn_gemm.h"
#include "nn_rng.h"

/* Odd sizes: 19 rows (two panels of 8 and 3 left), 550 columns (a block
 * of 512 packed at a time, then a panel of 32 and 6 left), 300 deep (a
 * block of 256 and 44 left). */
enum { M = 19, N = 550, K = 300 };

static void fill(float *x, size_t n, struct nn_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)nn_rng_normal(rng);
}

/* op(X)[r][c] of X stored (rows, cols), or transposed. */
static float op(const float *x, size_t cols, int t, size_t r, size_t c, size_t rows)
{
	return t ? x[c * rows + r] : x[r * cols + c];
}

Test(nn_gemm, every_transpose_with_bias_and_accumulation_matches_the_definition)
{
	static float a[M * K], b[K * N], bias[N], start[M * N], c[M * N], c2[M * N];
	float *pack = malloc(nn_gemm_scratch(N) * sizeof(float));
	struct nn_rng rng;

	cr_assert_not_null(pack);
	nn_rng_init(&rng, 7);
	fill(a, M * K, &rng);
	fill(b, K * N, &rng);
	fill(bias, N, &rng);
	fill(start, M * N, &rng);
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++)
			for (int mode = 0; mode < 3; mode++) {
				/* mode 0: C = AB; 1: C = AB + bias; 2: C += AB. */
				struct nn_gemm g = { .c = c, .ldc = N, .a = a, .lda = ta ? M : K, .ta = ta,
						     .b = b, .ldb = tb ? K : N, .tb = tb, .m = M, .n = N, .k = K,
						     .bias = mode == 1 ? bias : NULL, .accumulate = mode == 2 };

				memcpy(c, start, sizeof(c));
				nn_gemm(&g, pack);
				memcpy(c2, c, sizeof(c));
				memcpy(c, start, sizeof(c));
				nn_gemm(&g, pack);
				cr_assert_eq(memcmp(c, c2, sizeof(c)), 0, "the same product twice differs (ta %d tb %d)", ta, tb);
				for (size_t r = 0; r < M; r++)
					for (size_t j = 0; j < N; j++) {
						double want = mode == 1 ? bias[j] : mode == 2 ? start[r * N + j] : 0;

						for (size_t q = 0; q < K; q++)
							want += (double)op(a, K, ta, r, q, M) * op(b, N, tb, q, j, K);
						cr_assert_float_eq(c[r * N + j], want, 1e-3, "ta %d tb %d mode %d at %zu,%zu: %g vs %g",
								   ta, tb, mode, r, j, c[r * N + j], want);
					}
			}
	free(pack);
}

Test(nn_gemm, a_strided_block_of_c_leaves_the_rest)
{
	/* C is the left 5 columns of rows 9 floats apart. */
	float a[3 * 2] = { 1, 2, 3, 4, 5, 6 }, b[2 * 5] = { 1, 0, 0, 1, 2, 0, 1, 1, 0, 3 }, c[3 * 9];
	float *pack = malloc(nn_gemm_scratch(5) * sizeof(float));
	struct nn_gemm g = { .c = c, .ldc = 9, .a = a, .lda = 2, .b = b, .ldb = 5, .m = 3, .n = 5, .k = 2 };

	for (size_t i = 0; i < 27; i++)
		c[i] = -1;
	nn_gemm(&g, pack);
	for (size_t r = 0; r < 3; r++)
		for (size_t j = 0; j < 9; j++)
			cr_assert_float_eq(c[r * 9 + j], j < 5 ? a[r * 2] * b[j] + a[r * 2 + 1] * b[5 + j] : -1.0f, 0,
					   "at %zu,%zu", r, j);
	free(pack);
}
