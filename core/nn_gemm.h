/* Small matrix products for the convolution kernels, row-major, blocked so
 * that a block of the result stays in registers while the long dimension
 * streams past. Kernels do not validate. */
#ifndef NN_GEMM_H
#define NN_GEMM_H

#include <stddef.h>

/* C = A B, plus bias in every row when bias is not NULL, or C += A B when
 * accumulate is nonzero (bias then ignored). */
void nn_gemm_nn(float *c /* (P, N) */, const float *a /* (P, K) */, const float *b /* (K, N) */,
		const float *bias /* (N) or NULL */, size_t p, size_t k, size_t n, int accumulate);

/* C += A^T B. */
void nn_gemm_tn(float *c /* (M, N) */, const float *a /* (P, M) */, const float *b /* (P, N) */,
		size_t p, size_t m, size_t n);

#endif
