#include "nn_gemm.h"

#include <stdint.h>
#include <string.h>

/* The register tile: MR rows of C by up to WIDE columns, 8 x 3 vectors
 * of 16 floats, which stay in registers for a block of the depth. B is
 * packed first so the tile reads it contiguously, in panels of WIDE
 * columns (the last one 16, 32 or 48 wide, as few vectors as hold its
 * columns), KC deep at a time; the tile reads A where it is stored (MR
 * rows as apart or, for A^T, MR columns side by side, or MR patches of an
 * image side by side, nn_patches), but a last panel of fewer than MR
 * rows from a zero-padded copy. Three vectors a row load 11 vectors (3
 * of B, 8 of A broadcast) for 24 multiply-adds, against 10 for 16 two
 * vectors wide: with the loop and the stores below, conv2's input
 * gradients (500 columns, 40 deep) 14-16% faster than in 8 x 32 tiles,
 * its forward (40 maps in one tile, not 32 + 16) 10-13% (4-14% at half
 * a batch; the kernel alone in a loop, two runs). */
#define MR NN_GEMM_ROWS
#define WIDE 48
#define KC NN_GEMM_DEPTH
#define NC 480   /* columns of B packed at a time: 10 panels */

typedef float v16 __attribute__((vector_size(64)));

/* The width of the panel that starts with 'left' columns of B to go. */
static size_t panel_width(size_t left)
{
	return left >= WIDE ? WIDE : (left + 15) / 16 * 16;
}

/* Floats of B's packing for n columns: whole panels and the last. */
static size_t packed_width(size_t n)
{
	return n / WIDE * WIDE + (n % WIDE ? panel_width(n % WIDE) : 0);
}

size_t nn_gemm_scratch(size_t n)
{
	return KC * packed_width(n < NC ? n : NC) + KC * MR;
}

/* How a tile's sums reach C: added to it, or stored over it with the bias
 * (or nothing) added; only its first cols columns (the rest is padding). */
struct out {
	float *c;
	size_t ldc;
	int add;
	const float *bias;   /* the tile's columns' biases, or NULL */
	size_t cols;
};

/* Where a tile reads op(A): element (i, q) at a[i * as + off[q]]. The
 * offsets are the same for every tile of a block of the depth: q * aq
 * for A itself, runs of K x C floats one image row apart for patches
 * (nn_patches). */
struct rows {
	const float *a;
	size_t as;
	const size_t *off;
};

/* off[q] for q < kc: runs of seg elements aq apart, each ss after the
 * start of the one before, the first only its last 'left'. */
static void offsets(size_t *off, size_t kc, size_t aq, size_t left, size_t seg, size_t ss)
{
	size_t at = 0;

	for (size_t q0 = 0; q0 < kc; left = seg) {
		size_t len = left < kc - q0 ? left : kc - q0;

		for (size_t q = 0; q < len; q++)
			off[q0 + q] = at + q * aq;
		/* The next run: back to this one's start, then ss on. */
		if ((q0 += len) < kc)
			at += ss - (seg - len) * aq;
	}
}

/* C's MR x (nv * 16) tile (o) from op(A)'s rows (at) and a packed B
 * panel nv * 16 wide, kc deep: each sum in the order of q from zero.
 * Inlined with a constant nv, so the sums stay in registers, and one
 * loop over the depth (in runs, a patch's kernel rows, the sums went to
 * memory and back at the end of each: conv1's runs are 5 long). */
static inline __attribute__((always_inline)) void
tile(const struct out *o, const struct rows *at, const float *restrict bp, size_t kc, size_t nv)
{
	v16 c[MR][WIDE / 16];
	size_t as = at->as, w = nv * 16;
	const float *restrict a = at->a;
	const size_t *restrict off = at->off;

	for (int i = 0; i < MR; i++)
		for (size_t v = 0; v < nv; v++)
			c[i][v] = (v16){ 0 };
	for (size_t q = 0; q < kc; q++) {
		const float *restrict x = a + off[q];
		v16 bv[WIDE / 16];

		for (size_t v = 0; v < nv; v++)
			memcpy(&bv[v], bp + q * w + v * 16, sizeof(v16));
		for (int i = 0; i < MR; i++)
			for (size_t v = 0; v < nv; v++)
				c[i][v] += x[i * as] * bv[v];
	}
	/* To C, whole vectors, then the last one's real columns one by one
	 * when it has padding. (The out's fields read into locals first:
	 * stores to C could otherwise alias them, and the sums were kept in
	 * memory.) */
	float *dst = o->c;
	const float *bias = o->bias;
	size_t ldc = o->ldc, whole = o->cols / 16, left = o->cols % 16;
	int add = o->add;

	for (size_t i = 0; i < MR; i++) {
		for (size_t v = 0; v < nv; v++) {
			float *d = dst + i * ldc + v * 16;
			v16 x;

			if (v >= whole)
				break;
			if (add) {
				memcpy(&x, d, sizeof(x));
				c[i][v] = x + c[i][v];
			} else if (bias) {
				memcpy(&x, bias + v * 16, sizeof(x));
				c[i][v] = x + c[i][v];
			}
			memcpy(d, &c[i][v], sizeof(v16));
		}
		if (left) {   /* then whole < nv */
			float *d = dst + i * ldc + whole * 16, sum[16];

			memcpy(sum, &c[i][whole], sizeof(sum));
			for (size_t k = 0; k < left; k++)
				d[k] = add ? d[k] + sum[k] : bias ? bias[whole * 16 + k] + sum[k] : sum[k];
		}
	}
}

/* One copy of the tile per width, each its own function: the three
 * inlined into block_nc made conv2's forward and input-gradient products
 * 4-9% slower (the kernel alone in a loop). */
static __attribute__((noinline)) void tile48(const struct out *o, const struct rows *at, const float *restrict bp, size_t kc)
{
	tile(o, at, bp, kc, 3);
}

static __attribute__((noinline)) void tile32(const struct out *o, const struct rows *at, const float *restrict bp, size_t kc)
{
	tile(o, at, bp, kc, 2);
}

static __attribute__((noinline)) void tile16(const struct out *o, const struct rows *at, const float *restrict bp, size_t kc)
{
	tile(o, at, bp, kc, 1);
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

/* A last panel w wide of the cols < w columns left of B's kc rows from
 * b: inlined with a constant w, so each row's copy vectorizes. */
static inline __attribute__((always_inline)) void
pack_part(float *p, const float *b, size_t ldb, size_t kc, size_t cols, size_t w)
{
	for (size_t q = 0; q < kc; q++)
		for (size_t j = 0; j < w; j++)
			p[q * w + j] = j < cols ? b[q * ldb + j] : 0.0f;
}

/* The panels of op(B) for columns n0 .. n1, depth k0 .. k0 + kc: the
 * panel of columns j0 .. at bp + (j0 - n0) * kc, each of its kc rows
 * panel_width floats, zero past the last column. */
static void pack_b(float *bp, const struct nn_gemm *g, size_t n0, size_t n1, size_t k0, size_t kc)
{
	for (size_t j0 = n0; j0 < n1; j0 += WIDE) {
		float *p = bp + (j0 - n0) * kc;
		size_t cols = n1 - j0 < WIDE ? n1 - j0 : WIDE, w = panel_width(n1 - j0);

		if (!g->tb && cols == WIDE) {
			/* Whole panels: constant-size copies, which compile to vector moves. */
			for (size_t q = 0; q < kc; q++)
				memcpy(p + q * WIDE, g->b + (k0 + q) * g->ldb + j0, WIDE * sizeof(float));
		} else if (!g->tb) {
			switch (w) {
			case 16: pack_part(p, g->b + k0 * g->ldb + j0, g->ldb, kc, cols, 16); break;
			case 32: pack_part(p, g->b + k0 * g->ldb + j0, g->ldb, kc, cols, 32); break;
			default: pack_part(p, g->b + k0 * g->ldb + j0, g->ldb, kc, cols, WIDE); break;
			}
		} else {
			/* B^T: each column of the panel is a row of B, read
			 * contiguously, 16 of its floats at a time, so the stores
			 * stay within 16 rows of the panel (3 KB) at a time. */
			for (size_t q0 = 0; q0 < kc; q0 += 16) {
				size_t nq = kc - q0 < 16 ? kc - q0 : 16;

				for (size_t j = 0; j < cols; j++) {
					const float *row = g->b + (j0 + j) * g->ldb + k0 + q0;

					for (size_t q = 0; q < nq; q++)
						p[(q0 + q) * w + j] = row[q];
				}
				for (size_t j = cols; j < w; j++)
					for (size_t q = 0; q < nq; q++)
						p[(q0 + q) * w + j] = 0.0f;
			}
		}
	}
}

/* The same panels when op(B) is patches: row q of each panel is a piece
 * of patch k0 + q, copied from the image in runs of the kernel's rows. */
static void pack_b_patches(float *bp, const struct nn_gemm *g, size_t n0, size_t n1, size_t k0, size_t kc)
{
	const struct nn_patches *p = g->pb;
	size_t ow = p->w - p->k + 1, pos = (p->h - p->k + 1) * ow, seg = p->k * p->c;

	for (size_t q = 0; q < kc; q++) {
		size_t e = (k0 + q) / pos, at = (k0 + q) % pos;
		const float *patch = p->img + ((e * p->h + at / ow) * p->w + at % ow) * p->c;

		for (size_t j0 = n0; j0 < n1; j0 += WIDE) {
			size_t cols = n1 - j0 < WIDE ? n1 - j0 : WIDE, w = panel_width(n1 - j0);
			float *row = bp + (j0 - n0) * kc + q * w;

			for (size_t j = j0; j < j0 + cols;) {
				size_t r = j % seg, len = seg - r < j0 + cols - j ? seg - r : j0 + cols - j;

				memcpy(row + (j - j0), patch + j / seg * p->w * p->c + r, len * sizeof(float));
				j += len;
			}
			for (size_t j = cols; j < w; j++)
				row[j] = 0.0f;
		}
	}
}

/* The tiles of rows [m0, m1) and columns [n0, n1) of C, n1 - n0 <= NC. */
static void block_nc(const struct nn_gemm *g, float *scratch, size_t m0, size_t m1, size_t n0, size_t n1)
{
	float *bp = scratch, *ap = scratch + KC * packed_width(n1 - n0);
	float t[MR * WIDE];
	size_t off[KC], ident[KC];

	offsets(ident, KC, 1, SIZE_MAX, 0, 0);
	for (size_t k0 = 0; k0 < g->k; k0 += KC) {
		size_t kc = g->k - k0 < KC ? g->k - k0 : KC;
		int add = k0 > 0 || g->accumulate;

		if (g->pb)
			pack_b_patches(bp, g, n0, n1, k0, kc);
		else
			pack_b(bp, g, n0, n1, k0, kc);
		/* Patches: MR positions of one output row, side by side, from
		 * example e's output row oy, column ox (walked along with r0),
		 * from kernel row k0 / seg, k0 % seg into it, then the next rows
		 * of the kernel, an image row apart. */
		const struct nn_patches *p = g->pa;
		size_t ow = 0, oh = 0, e = 0, oy = 0, ox = 0, from = 0;

		if (p) {
			size_t seg = p->k * p->c;

			ow = p->w - p->k + 1;
			oh = p->h - p->k + 1;
			e = m0 / (oh * ow);
			oy = m0 % (oh * ow) / ow;
			ox = m0 % ow;
			from = k0 / seg * p->w * p->c + k0 % seg;
			offsets(off, kc, 1, seg - k0 % seg, seg, p->w * p->c);
		} else {
			offsets(off, kc, g->ta ? g->lda : 1, SIZE_MAX, 0, 0);
		}
		for (size_t r0 = m0; r0 < m1; r0 += MR) {
			size_t rows = m1 - r0 < MR ? m1 - r0 : MR;
			struct rows at = { ap, kc, ident };

			if (p) {
				at = (struct rows){ p->img + ((e * p->h + oy) * p->w + ox) * p->c + from, p->c, off };
				if ((ox += MR) == ow) {
					ox = 0;
					if (++oy == oh) {
						oy = 0;
						e++;
					}
				}
			} else if (rows == MR && !g->ta) {
				at = (struct rows){ g->a + r0 * g->lda + k0, g->lda, off };
			} else if (rows == MR) {
				/* A^T: a row of op(A) is a column of A. */
				at = (struct rows){ g->a + k0 * g->lda + r0, 1, off };
			} else {
				pack_a(ap, g, r0, k0, kc);
			}
			for (size_t j0 = n0; j0 < n1; j0 += WIDE) {
				size_t cols = n1 - j0 < WIDE ? n1 - j0 : WIDE, w = panel_width(n1 - j0);
				const float *bias = !add && g->bias ? g->bias + j0 : NULL;
				/* Tiles of MR rows go straight to C; the others through t. */
				int whole = rows == MR;
				struct out o = { whole ? g->c + r0 * g->ldc + j0 : t, whole ? g->ldc : w,
						 whole && add, whole ? bias : NULL, whole ? cols : w };
				const float *panel = bp + (j0 - n0) * kc;

				if (w == 48)
					tile48(&o, &at, panel, kc);
				else if (w == 32)
					tile32(&o, &at, panel, kc);
				else
					tile16(&o, &at, panel, kc);
				if (whole)
					continue;
				for (size_t i = 0; i < rows; i++) {
					float *restrict c = g->c + (r0 + i) * g->ldc + j0;
					const float *restrict ti = t + i * w;

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
