/* The matrix product of the convolution layers: an 8 x 48 register tile
 * that reads A where it lies and B packed into panels. It runs on the
 * calling thread (a conv layer gives each thread its own examples).
 * Kernels do not validate. */
#ifndef NN_GEMM_H
#define NN_GEMM_H

#include <stddef.h>

/* The rows of a tile of C: a product whose op(A) is patches (below)
 * needs its output width a multiple of them. */
#define NN_GEMM_ROWS 8

/* The depth of a block of the product: each element of C is the sum of
 * its first NN_GEMM_DEPTH terms in order, from zero, added to C (or the
 * bias), then of the next NN_GEMM_DEPTH added, and so on, whatever the
 * tile. */
#define NN_GEMM_DEPTH 256

/* The patches of a valid k x k convolution with stride 1 over examples
 * of h x w x c images (channels last) as the rows of a matrix, read where
 * they lie (no copy): row (e * OH + oy) * OW + ox is the k x k x c patch
 * at (oy, ox) of example e, in (kh, kw, c) order, k runs of k * c
 * contiguous floats. */
struct nn_patches {
	const float *img;
	size_t h, w, c, k;
};

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
	/* When not NULL, op(A) is these patches (a, lda and ta unused); their
	 * output width is a multiple of NN_GEMM_ROWS. */
	const struct nn_patches *pa;
	/* When not NULL, op(B) is these patches (b, ldb and tb unused): row q
	 * of op(B) is patch q, copied into B's panels from the images. */
	const struct nn_patches *pb;
};

/* Floats of packing scratch a product with N columns needs. */
size_t nn_gemm_scratch(size_t n);

/* With pack (nn_gemm_scratch floats) as scratch. */
void nn_gemm(const struct nn_gemm *g, float *pack);

#endif
