#include "nn_gemm.h"

#include <stdint.h>
#include <string.h>

/* The register tile: MR rows of C by NR columns, 16 vectors of 16
 * floats, which stay in registers for a whole run of K. B is packed
 * first so the tile reads it contiguously, in panels of NR columns, KC
 * deep at a time; the tile reads A where it is stored (MR rows as apart
 * or, for A^T, MR columns side by side, or MR patches of an image side by
 * side, nn_patches), but a last panel of fewer than MR rows from a
 * zero-padded copy. */
#define MR NN_GEMM_ROWS
#define NR 32
#define KC 256
#define NC 512   /* columns of B packed at a time */

typedef float v16 __attribute__((vector_size(64)));

static size_t round_up(size_t x, size_t to)
{
	return (x + to - 1) / to * to;
}

size_t nn_gemm_scratch(size_t n)
{
	return KC * (n < NC ? round_up(n, NR) : NC) + KC * MR;
}

/* How a tile's sums reach C: added to it, or stored over it with the bias
 * (or nothing) added. */
struct out {
	float *c;
	size_t ldc;
	int add;
	const float *bias;   /* NR floats, or NULL */
};

static void put(const struct out *o, size_t i, size_t half, const v16 *v)
{
	float *c = o->c + i * o->ldc + half * 16;
	v16 x, sum = *v;

	if (o->add) {
		memcpy(&x, c, sizeof(x));
		sum = x + sum;
	} else if (o->bias) {
		memcpy(&x, o->bias + half * 16, sizeof(x));
		sum = x + sum;
	}
	memcpy(c, &sum, sizeof(sum));
}

/* Where a tile reads op(A): element (i, q) at a[i * as + q * aq] while q
 * is within the first 'left'; then in runs of seg, each ss after the
 * start of the one before. A itself is one run (left SIZE_MAX); patches of
 * an image (nn_patches) a run per kernel row. */
struct rows {
	const float *a;
	size_t as, aq, left, seg, ss;
};

/* C's MR x NR tile (o) from op(A)'s rows (at) and a packed B panel, kc
 * deep. */
static void tile(const struct out *o, const struct rows *at, const float *restrict bp, size_t kc)
{
	v16 c[MR][2];
	size_t as = at->as, aq = at->aq;
	const float *a0 = at->a;

	memset(c, 0, sizeof(c));
	for (size_t q0 = 0, left = at->left; q0 < kc; left = at->seg) {
		size_t len = left < kc - q0 ? left : kc - q0;
		const float *restrict a = a0;
		const float *restrict b = bp + q0 * NR;

		for (size_t q = 0; q < len; q++) {
			v16 b0, b1;

			memcpy(&b0, b + q * NR, sizeof(b0));
			memcpy(&b1, b + q * NR + 16, sizeof(b1));
			for (int i = 0; i < MR; i++) {
				float x = a[i * as + q * aq];

				c[i][0] += x * b0;
				c[i][1] += x * b1;
			}
		}
		/* The next run: back to this one's start, then ss on (a run
		 * ends within a block only when the block goes on). */
		if ((q0 += len) < kc)
			a0 += at->ss - (at->seg - len) * aq;
	}
	for (int i = 0; i < MR; i++) {
		put(o, (size_t)i, 0, &c[i][0]);
		put(o, (size_t)i, 1, &c[i][1]);
	}
}

/* The same for a panel with at most NR / 2 real columns: half the work. */
static void tile_half(const struct out *o, const struct rows *at, const float *restrict bp, size_t kc)
{
	v16 c[MR];
	size_t as = at->as, aq = at->aq;
	const float *a0 = at->a;

	memset(c, 0, sizeof(c));
	for (size_t q0 = 0, left = at->left; q0 < kc; left = at->seg) {
		size_t len = left < kc - q0 ? left : kc - q0;
		const float *restrict a = a0;
		const float *restrict b = bp + q0 * NR;

		for (size_t q = 0; q < len; q++) {
			v16 b0;

			memcpy(&b0, b + q * NR, sizeof(b0));
			for (int i = 0; i < MR; i++)
				c[i] += a[i * as + q * aq] * b0;
		}
		/* The next run: back to this one's start, then ss on (a run
		 * ends within a block only when the block goes on). */
		if ((q0 += len) < kc)
			a0 += at->ss - (at->seg - len) * aq;
	}
	for (int i = 0; i < MR; i++)
		put(o, (size_t)i, 0, &c[i]);
}

/* op(A)'s rows r0 .. r0 + MR, depth k0 .. k0 + kc, into ap (row i at
 * ap + i * kc), zero-padded below the last row. */
static void pack_a(float *ap, const struct nn_gemm *g, size_t r0, size_t k0, size_t kc)
{
	size_t rows = g->m - r0 < MR ? g->m - r0 : MR;

	if (!g->ta) {
		for (size_t i = 0; i < MR; i++) {
			if (i < rows)
				memcpy(ap + i * kc, g->a + (r0 + i) * g->lda + k0, kc * sizeof(float));
			else
				memset(ap + i * kc, 0, kc * sizeof(float));
		}
	} else {
		for (size_t q = 0; q < kc; q++) {
			const float *col = g->a + (k0 + q) * g->lda + r0;

			for (size_t i = 0; i < MR; i++)
				ap[i * kc + q] = i < rows ? col[i] : 0.0f;
		}
	}
}

/* The panels of op(B) for columns n0 .. n1, depth k0 .. k0 + kc. */
static void pack_b(float *bp, const struct nn_gemm *g, size_t n0, size_t n1, size_t k0, size_t kc)
{
	for (size_t j0 = n0; j0 < n1; j0 += NR) {
		float *p = bp + (j0 - n0) * kc;
		size_t cols = n1 - j0 < NR ? n1 - j0 : NR;

		if (!g->tb && cols == NR) {
			/* Whole panels: constant-size copies, which compile to vector moves. */
			for (size_t q = 0; q < kc; q++)
				memcpy(p + q * NR, g->b + (k0 + q) * g->ldb + j0, NR * sizeof(float));
		} else if (!g->tb) {
			for (size_t q = 0; q < kc; q++) {
				const float *row = g->b + (k0 + q) * g->ldb + j0;

				for (size_t j = 0; j < NR; j++)
					p[q * NR + j] = j < cols ? row[j] : 0.0f;
			}
		} else {
			/* B^T: each column of the panel is a row of B, read contiguously. */
			if (cols < NR)
				memset(p, 0, kc * NR * sizeof(float));
			for (size_t j = 0; j < cols; j++) {
				const float *row = g->b + (j0 + j) * g->ldb + k0;

				for (size_t q = 0; q < kc; q++)
					p[q * NR + j] = row[q];
			}
		}
	}
}

/* The tiles of rows [m0, m1) and columns [n0, n1) of C, n1 - n0 <= NC. */
static void block_nc(const struct nn_gemm *g, float *scratch, size_t m0, size_t m1, size_t n0, size_t n1)
{
	float *bp = scratch, *ap = scratch + KC * round_up(n1 - n0, NR);
	float t[MR * NR];

	for (size_t k0 = 0; k0 < g->k; k0 += KC) {
		size_t kc = g->k - k0 < KC ? g->k - k0 : KC;
		int add = k0 > 0 || g->accumulate;

		pack_b(bp, g, n0, n1, k0, kc);
		for (size_t r0 = m0; r0 < m1; r0 += MR) {
			size_t rows = m1 - r0 < MR ? m1 - r0 : MR;
			struct rows at = { ap, kc, 1, SIZE_MAX, 0, 0 };

			if (g->pa) {
				/* Patches: MR positions of one output row, side by side,
				 * from kernel row k0 / seg, k0 % seg into it. */
				const struct nn_patches *p = g->pa;
				size_t ow = p->w - p->k + 1, pos = (p->h - p->k + 1) * ow, e = r0 / pos;
				size_t seg = p->k * p->c, oy = r0 % pos / ow + k0 / seg;

				at = (struct rows){ p->img + ((e * p->h + oy) * p->w + r0 % ow) * p->c + k0 % seg,
						    p->c, 1, seg - k0 % seg, seg, p->w * p->c };
			} else if (rows == MR && !g->ta) {
				at = (struct rows){ g->a + r0 * g->lda + k0, g->lda, 1, SIZE_MAX, 0, 0 };
			} else if (rows == MR) {
				/* A^T: a row of op(A) is a column of A. */
				at = (struct rows){ g->a + k0 * g->lda + r0, 1, g->lda, SIZE_MAX, 0, 0 };
			} else {
				pack_a(ap, g, r0, k0, kc);
			}
			for (size_t j0 = n0; j0 < n1; j0 += NR) {
				size_t cols = n1 - j0 < NR ? n1 - j0 : NR;
				const float *bias = !add && g->bias ? g->bias + j0 : NULL;
				/* Whole tiles go straight to C; the others through t. */
				int whole = rows == MR && cols == NR;
				struct out o = { whole ? g->c + r0 * g->ldc + j0 : t, whole ? g->ldc : NR,
						 whole && add, whole ? bias : NULL };

				if (cols > NR / 2)
					tile(&o, &at, bp + (j0 - n0) * kc, kc);
				else
					tile_half(&o, &at, bp + (j0 - n0) * kc, kc);
				if (whole)
					continue;
				for (size_t i = 0; i < rows; i++) {
					float *restrict c = g->c + (r0 + i) * g->ldc + j0;
					const float *restrict ti = t + i * NR;

					if (add)
						for (size_t j = 0; j < cols; j++)
							c[j] += ti[j];
					else if (bias)
						for (size_t j = 0; j < cols; j++)
							c[j] = bias[j] + ti[j];
					else
						for (size_t j = 0; j < cols; j++)
							c[j] = ti[j];
				}
			}
		}
	}
	if (g->k == 0 && !g->accumulate)
		for (size_t r = m0; r < m1; r++)
			for (size_t j = n0; j < n1; j++)
				g->c[r * g->ldc + j] = g->bias ? g->bias[j] : 0.0f;
}

void nn_gemm(const struct nn_gemm *g, float *pack)
{
	/* NC columns of B packed at a time. */
	for (size_t c0 = 0; c0 < g->n; c0 += NC)
		block_nc(g, pack, 0, g->m, c0, g->n - c0 < NC ? g->n : c0 + NC);
}
