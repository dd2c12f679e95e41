/* The matrix product of the convolution layers: an 8 x 32 register tile
 * that reads A where it lies and B packed into panels. It runs on the
 * calling thread (a conv layer gives each thread its own examples).
 * Kernels do not validate. */
#ifndef NN_GEMM_H
#define NN_GEMM_H

#include <stddef.h>

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

/* Floats of packing scratch a product with N columns needs. */
size_t nn_gemm_scratch(size_t n);

/* With pack (nn_gemm_scratch floats) as scratch. */
void nn_gemm(const struct nn_gemm *g, float *pack);

#endif
