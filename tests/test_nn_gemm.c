#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "nn_gemm.h"
#include "nn_rng.h"

/* Odd sizes: 19 rows, up to 550 columns, 300 deep (the test below says
 * what each exercises). */
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

/* The patches of p's first examples, copied out as the rows of cols. */
static void copy_patches(float *cols, const struct nn_patches *p, size_t examples)
{
	size_t oh = p->h - p->k + 1, ow = p->w - p->k + 1, patch = p->k * p->k * p->c;

	for (size_t e = 0; e < examples; e++)
		for (size_t oy = 0; oy < oh; oy++)
			for (size_t ox = 0; ox < ow; ox++)
				for (size_t ky = 0; ky < p->k; ky++)
					memcpy(cols + ((e * oh + oy) * ow + ox) * patch + ky * p->k * p->c,
					       p->img + ((e * p->h + oy + ky) * p->w + ox) * p->c, p->k * p->c * sizeof(float));
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

/* Patches read in place give the very bits of the same product over
 * their copies: 2 examples of 6 x 11 x 20, kernels 4 x 4 (output rows 8
 * wide, one tile each; 320 deep, so a block of 256 ends inside a kernel
 * row of 80), 40 and 20 columns (a whole panel and a half one, or one
 * panel of 20). */
Test(nn_gemm, patches_in_place_give_the_bits_of_their_copies)
{
	enum { E = 2, H = 6, W = 11, C = 20, KS = 4, OH = H - KS + 1, OW = W - KS + 1, P = KS * KS * C };
	static float img[E * H * W * C], cols[E * OH * OW * P], w[40 * P], bias[40];
	static float c1[E * OH * OW * 40], c2[E * OH * OW * 40];
	const struct nn_patches p = { img, H, W, C, KS };
	float *pack = malloc(nn_gemm_scratch(40) * sizeof(float));
	struct nn_rng rng;

	cr_assert_not_null(pack);
	cr_assert_eq(OW % NN_GEMM_ROWS, 0);
	nn_rng_init(&rng, 11);
	fill(img, E * H * W * C, &rng);
	fill(w, 40 * P, &rng);
	fill(bias, 40, &rng);
	copy_patches(cols, &p, E);
	for (size_t n = 20; n <= 40; n += 20) {
		struct nn_gemm g = { .c = c1, .ldc = n, .a = cols, .lda = P, .b = w, .ldb = P, .tb = 1,
				     .m = E * OH * OW, .n = n, .k = P, .bias = bias };

		nn_gemm(&g, pack);
		g.c = c2;
		g.a = NULL;
		g.pa = &p;
		nn_gemm(&g, pack);
		cr_assert_eq(memcmp(c1, c2, E * OH * OW * n * sizeof(float)), 0, "%zu columns: in place and copied differ", n);
		double want = bias[n - 1];
		for (size_t q = 0; q < P; q++)
			want += (double)cols[(E * OH * OW - 1) * P + q] * w[(n - 1) * P + q];
		cr_assert_float_eq(c2[E * OH * OW * n - 1], want, 1e-3, "%zu columns: last element %g vs %g", n,
				   c2[E * OH * OW * n - 1], want);
	}
	free(pack);
}

/* C's element (r, j) as the product promises it: the sum of each block
 * of NN_GEMM_DEPTH terms in order from zero, added in turn to *start
 * (the bias or C's element) or, with start NULL, the first block's sum
 * itself. */
static float in_order(const float *a, int ta, const float *b, int tb, size_t m, size_t n, size_t k,
		      size_t r, size_t j, const float *start)
{
	float c = start ? *start : 0.0f;

	for (size_t k0 = 0; k0 < k; k0 += NN_GEMM_DEPTH) {
		float s = 0.0f;

		for (size_t q = k0; q < k && q < k0 + NN_GEMM_DEPTH; q++)
			s += op(a, k, ta, r, q, m) * op(b, n, tb, q, j, k);
		c = k0 == 0 && !start ? s : c + s;
	}
	return c;
}

/* Every transpose, with bias and accumulation, for every width of panel
 * (16, 32 and 48 columns, whole and zero-padded; 550 columns a block of
 * 480 packed at a time and 70 more), 19 rows (two tiles of 8 and 3 left)
 * and 300 deep (a block of 256 and 44 more): the product matches the
 * definition, the same twice, and gives each element the bits of its
 * sums in order (the tiles change where the sums are kept, never their
 * order). */
Test(nn_gemm, every_transpose_and_width_matches_the_definition_summed_in_order)
{
	static const size_t widths[] = { 5, 16, 20, 40, 48, 100, N };
	static float a[M * K], b[K * N], bias[N], start[M * N], c[M * N], c2[M * N];
	float *pack = malloc(nn_gemm_scratch(N) * sizeof(float));
	struct nn_rng rng;

	cr_assert_not_null(pack);
	nn_rng_init(&rng, 5);
	fill(a, M * K, &rng);
	fill(b, K * N, &rng);
	fill(bias, N, &rng);
	fill(start, M * N, &rng);
	for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++)
		for (int ta = 0; ta < 2; ta++)
			for (int tb = 0; tb < 2; tb++)
				for (int mode = 0; mode < 3; mode++) {
					/* mode 0: C = AB; 1: C = AB + bias; 2: C += AB. */
					size_t n = widths[wi];
					struct nn_gemm g = { .c = c, .ldc = n, .a = a, .lda = ta ? M : K, .ta = ta,
							     .b = b, .ldb = tb ? K : n, .tb = tb, .m = M, .n = n, .k = K,
							     .bias = mode == 1 ? bias : NULL, .accumulate = mode == 2 };

					memcpy(c, start, M * n * sizeof(float));
					nn_gemm(&g, pack);
					memcpy(c2, c, M * n * sizeof(float));
					memcpy(c, start, M * n * sizeof(float));
					nn_gemm(&g, pack);
					cr_assert_eq(memcmp(c, c2, M * n * sizeof(float)), 0,
						     "n %zu ta %d tb %d: the same product twice differs", n, ta, tb);
					for (size_t r = 0; r < M; r++)
						for (size_t j = 0; j < n; j++) {
							const float *from = mode == 1 ? &bias[j] : mode == 2 ? &start[r * n + j] : NULL;
							float got = c[r * n + j], want = in_order(a, ta, b, tb, M, n, K, r, j, from);
							double exact = from ? *from : 0;

							for (size_t q = 0; q < K; q++)
								exact += (double)op(a, K, ta, r, q, M) * op(b, n, tb, q, j, K);
							cr_assert_float_eq(got, exact, 1e-3, "n %zu ta %d tb %d mode %d at %zu,%zu: %g vs %g",
									   n, ta, tb, mode, r, j, got, exact);
							cr_assert_eq(memcmp(&got, &want, sizeof(float)), 0,
								     "n %zu ta %d tb %d mode %d at %zu,%zu: %a, in order %a", n, ta,
								     tb, mode, r, j, got, want);
						}
				}
	free(pack);
}

/* Patches as B (a conv layer's weight gradients, d^T times the patches)
 * give the bits of the same product over their copies: 12 examples of
 * 6 x 11 x 20 under 4 x 4 kernels, 288 positions deep (a block of 256
 * and 32 more, the block ending inside an example), 320 columns (kernel
 * rows of 80 floats, across which panels of 48 begin and end). */
Test(nn_gemm, patches_as_b_give_the_bits_of_their_copies)
{
	enum { E = 12, H = 6, W = 11, C = 20, KS = 4, OH = H - KS + 1, OW = W - KS + 1, P = KS * KS * C, MAPS = 7 };
	static float img[E * H * W * C], cols[E * OH * OW * P], d[E * OH * OW * MAPS];
	static float g1[MAPS * P], g2[MAPS * P];
	const struct nn_patches p = { img, H, W, C, KS };
	float *pack = malloc(nn_gemm_scratch(P) * sizeof(float));
	struct nn_rng rng;

	cr_assert_not_null(pack);
	nn_rng_init(&rng, 13);
	fill(img, E * H * W * C, &rng);
	fill(d, E * OH * OW * MAPS, &rng);
	fill(g1, MAPS * P, &rng);
	memcpy(g2, g1, sizeof(g1));
	double want = g1[MAPS * P - 1];   /* the last element: its start, plus its sum below */
	copy_patches(cols, &p, E);
	struct nn_gemm g = { .c = g1, .ldc = P, .a = d, .lda = MAPS, .ta = 1, .b = cols, .ldb = P,
			     .m = MAPS, .n = P, .k = E * OH * OW, .accumulate = 1 };

	nn_gemm(&g, pack);
	g.c = g2;
	g.b = NULL;
	g.pb = &p;
	nn_gemm(&g, pack);
	cr_assert_eq(memcmp(g1, g2, sizeof(g1)), 0, "patches as B and their copies differ");
	for (size_t q = 0; q < E * OH * OW; q++)
		want += (double)d[q * MAPS + MAPS - 1] * cols[q * P + P - 1];
	cr_assert_float_eq(g2[MAPS * P - 1], want, 1e-3, "last element %g vs %g", g2[MAPS * P - 1], want);
	free(pack);
}
