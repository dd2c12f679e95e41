/* The matrix product the convolution (and large fully connected) layers
 * share: operands packed into panels, an 8 x 32 register tile, the tiles
 * split among a team's threads. Each element of C is computed by one
 * thread in the same order whatever the number of threads, so results
 * do not depend on it. Kernels do not validate. */
#ifndef NN_GEMM_H
#define NN_GEMM_H

#include <stddef.h>

#include "nn_team.h"

/* C = op(A) op(B), plus bias in every row when bias is not NULL; or
 * C += op(A) op(B) when accumulate is nonzero (bias then ignored).
 * op(A) is M x K: A stored (M, K) with rows lda apart, or, when ta, A^T
 * for A stored (K, M). op(B) is K x N: B stored (K, N) with rows ldb
 * apart, or, when tb, B^T for B stored (N, K). C is (M, N), rows ldc
 * apart. */
struct nn_gemm {
	float *c;
	size_t ldc;
	const float *a;
	size_t lda;
	int ta;
	const float *b;
	size_t ldb;
	int tb;
	size_t m, n, k;
	const float *bias;
	int accumulate;
};

/* Floats of scratch each thread of the team needs for products with N
 * columns. */
size_t nn_gemm_scratch(size_t n);

/* On the team's threads, each with its own scratch. */
void nn_gemm(const struct nn_gemm *g, struct nn_team *team);

/* On the calling thread, with pack (nn_gemm_scratch floats) as scratch. */
void nn_gemm_serial(const struct nn_gemm *g, float *pack);

#endif
