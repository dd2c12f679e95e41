#include "nn_gemm.h"

#include <string.h>

/* Columns of a register block: four rows of this many floats are the
 * accumulators, which the compiler keeps in vector registers. */
#define COLS 64

/* acc[t][j] += sum over q < nq of a[t * a_t + q * a_q] * b[q * ldb + j],
 * for four rows t and w <= COLS columns j: the one inner kernel. */
static void block4(float acc[4][COLS], const float *a, size_t a_t, size_t a_q, const float *b,
		   size_t ldb, size_t nq, size_t w)
{
	for (size_t q = 0; q < nq; q++) {
		const float *restrict bq = b + q * ldb;
		const float a0 = a[q * a_q], a1 = a[a_t + q * a_q];
		const float a2 = a[2 * a_t + q * a_q], a3 = a[3 * a_t + q * a_q];

#pragma omp simd
		for (size_t j = 0; j < w; j++) {
			acc[0][j] += a0 * bq[j];
			acc[1][j] += a1 * bq[j];
			acc[2][j] += a2 * bq[j];
			acc[3][j] += a3 * bq[j];
		}
	}
}

void nn_gemm_nn(float *c, const float *a, const float *b, const float *bias, size_t p, size_t k,
		size_t n, int accumulate)
{
	for (size_t n0 = 0; n0 < n; n0 += COLS) {
		size_t w = n - n0 < COLS ? n - n0 : COLS, r = 0;

		/* Four rows of C at a time: each row of B is loaded once for four. */
		for (; r + 4 <= p; r += 4) {
			float acc[4][COLS];

			for (size_t i = 0; i < 4; i++)
				for (size_t j = 0; j < w; j++)
					acc[i][j] = accumulate ? c[(r + i) * n + n0 + j] : bias ? bias[n0 + j] : 0.0f;
			block4(acc, a + r * k, k, 1, b + n0, n, k, w);
			for (size_t i = 0; i < 4; i++)
				memcpy(c + (r + i) * n + n0, acc[i], w * sizeof(float));
		}
		for (; r < p; r++) {
			float acc[COLS];

			for (size_t j = 0; j < w; j++)
				acc[j] = accumulate ? c[r * n + n0 + j] : bias ? bias[n0 + j] : 0.0f;
			for (size_t q = 0; q < k; q++) {
				const float *restrict bq = b + q * n + n0;
				const float aq = a[r * k + q];

#pragma omp simd
				for (size_t j = 0; j < w; j++)
					acc[j] += aq * bq[j];
			}
			memcpy(c + r * n + n0, acc, w * sizeof(float));
		}
	}
}

void nn_gemm_tn(float *c, const float *a, const float *b, size_t p, size_t m, size_t n)
{
	for (size_t n0 = 0; n0 < n; n0 += COLS) {
		size_t w = n - n0 < COLS ? n - n0 : COLS, i = 0;

		/* Four rows of C (columns of A) at a time, over every row of B. */
		for (; i + 4 <= m; i += 4) {
			float acc[4][COLS];

			for (size_t t = 0; t < 4; t++)
				memcpy(acc[t], c + (i + t) * n + n0, w * sizeof(float));
			block4(acc, a + i, 1, m, b + n0, n, p, w);
			for (size_t t = 0; t < 4; t++)
				memcpy(c + (i + t) * n + n0, acc[t], w * sizeof(float));
		}
		for (; i < m; i++)
			for (size_t q = 0; q < p; q++) {
				const float *restrict bq = b + q * n + n0;
				const float aq = a[q * m + i];
				float *restrict ci = c + i * n + n0;

#pragma omp simd
				for (size_t j = 0; j < w; j++)
					ci[j] += aq * bq[j];
			}
	}
}
