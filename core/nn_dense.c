#include "nn_dense.h"

#include <stdio.h>
#include <string.h>

#include "nn_layer.h"
#include "nn_ref.h"

/* Weights from which a layer shares its work among threads. */
#define FC_THREADED_WEIGHTS (1u << 17)

/* The loops run over IN, the long contiguous dimension, so they vectorize
 * (GNU vectors in the forward pass, -fopenmp-simd in the backward); each
 * keeps its running sums in registers across a few outputs and examples,
 * so a weight row is read once for several examples. */

typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));

#define FWD_ROWS 4       /* weight rows of a forward block */
#define FWD_EXAMPLES 5   /* examples of a forward block: 20 sums in registers */
/* A mini-batch of up to 10 through a layer whose weights stream from the
 * last-level cache (one shared among the threads) takes blocks of 2 rows
 * by 10 examples instead, so each weight vector is loaded once for the
 * mini-batch (the dropout net's one-thread epoch about 5% faster); the
 * small layers of the book's first nets, their weights in cache, were a
 * little slower so, and so are larger batches, whose 10 examples' inputs
 * and 2 rows overflow the first-level cache (an evaluation batch of 256
 * through 1,000 x 1,000 weights: 8.5-11.2 ms against 6.7-7.1 in 4 x 5
 * blocks, the kernel alone in a loop). */
#define FWD_WIDE_ROWS 2
#define FWD_WIDE_EXAMPLES 10

/* Keeps vector v in a register from here: without it GCC folds each
 * example's input load into every row's multiply-add (nr loads where one
 * does), and a mini-batch of 10 through 1,000 x 1,000 weights ran at
 * 36-42 GFLOP/s against 55-68 (the kernel alone in a loop, one thread).
 * The same operations either way, so the same bits. (Without AVX-512 a
 * vector of 16 floats spans several registers: no barrier then.) */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__AVX512F__)
#define IN_REGISTER(v) __asm__("" : "+v"(v))   /* a vector of 16 floats: one zmm register */
#else
#define IN_REGISTER(v) ((void)0)
#endif

/* The 16 lanes' sum, in a fixed order. (Vectors go by pointer: passed by
 * value they would change the calling convention between builds with and
 * without AVX-512.) */
static inline float hsum(const v16 *v)
{
	v8 lo, hi;

	memcpy(&lo, v, sizeof(lo));
	memcpy(&hi, (const char *)v + sizeof(lo), sizeof(hi));
	lo += hi;
	return ((lo[0] + lo[4]) + (lo[1] + lo[5])) + ((lo[2] + lo[6]) + (lo[3] + lo[7]));
}

/* out[r][k] = b[k] + in[r] . w[k] for rows k < nr of w and examples
 * r < ne: each sum runs 16 lanes wide over IN's whole vectors, then the
 * lanes, then the tail in order. Inlined with constant nr and ne, so the
 * nr x ne sums stay in registers and each weight vector is loaded once
 * for all ne examples. */
static inline __attribute__((always_inline)) void
forward_block(float *out /* rows out_n apart */, const float *in, const float *w, const float *b,
	      size_t in_n, size_t out_n, size_t nr, size_t ne)
{
	v16 acc[FWD_ROWS][FWD_WIDE_EXAMPLES];
	size_t full = in_n / 16 * 16;

	for (size_t k = 0; k < nr; k++)
		for (size_t r = 0; r < ne; r++)
			acc[k][r] = (v16){ 0 };
	for (size_t i = 0; i < full; i += 16) {
		v16 wv[FWD_ROWS];

		for (size_t k = 0; k < nr; k++)
			memcpy(&wv[k], w + k * in_n + i, sizeof(v16));
		for (size_t r = 0; r < ne; r++) {
			v16 x;

			memcpy(&x, in + r * in_n + i, sizeof(x));
			IN_REGISTER(x);
			for (size_t k = 0; k < nr; k++)
				acc[k][r] += wv[k] * x;
		}
	}
	for (size_t r = 0; r < ne; r++)
		for (size_t k = 0; k < nr; k++) {
			float sum = hsum(&acc[k][r]);

			for (size_t i = full; i < in_n; i++)
				sum += in[r * in_n + i] * w[k * in_n + i];
			out[r * out_n + k] = b[k] + sum;
		}
}

/* A block of nr rows (4, 2 or 1) over examples in groups of 'group'
 * (FWD_EXAMPLES, or FWD_WIDE_EXAMPLES for rows of 2 or 1); each block
 * shape its own inlined copy. */
_Static_assert(FWD_ROWS == 4 && FWD_EXAMPLES == 5 && FWD_WIDE_ROWS == 2 && FWD_WIDE_EXAMPLES == 10,
	       "one case below per block shape");
static void forward_rows(float *out, const float *in, const float *w, const float *b, size_t batch,
			 size_t in_n, size_t out_n, size_t nr, size_t group)
{
	for (size_t r0 = 0; r0 < batch; r0 += group) {
		size_t ne = batch - r0 < group ? batch - r0 : group;
		float *o = out + r0 * out_n;
		const float *x = in + r0 * in_n;

#define CASE(R, E) case E: forward_block(o, x, w, b, in_n, out_n, R, E); break
		if (nr == 4) {
			switch (ne) {
			CASE(4, 1); CASE(4, 2); CASE(4, 3); CASE(4, 4); CASE(4, 5);
			}
		} else if (nr == 2) {
			switch (ne) {
			CASE(2, 1); CASE(2, 2); CASE(2, 3); CASE(2, 4); CASE(2, 5);
			CASE(2, 6); CASE(2, 7); CASE(2, 8); CASE(2, 9); CASE(2, 10);
			}
		} else {
			switch (ne) {
			CASE(1, 1); CASE(1, 2); CASE(1, 3); CASE(1, 4); CASE(1, 5);
			CASE(1, 6); CASE(1, 7); CASE(1, 8); CASE(1, 9); CASE(1, 10);
			}
		}
#undef CASE
	}
}

/* Outputs j0 .. j1 of every example; j0 a multiple of FWD_ROWS. In wide
 * blocks (FWD_WIDE_ROWS) when wide. */
static void forward_range(float *out, const float *in, const float *w, const float *b, size_t batch,
			  size_t in_n, size_t out_n, size_t j0, size_t j1, int wide)
{
	size_t j = j0, group = wide ? FWD_WIDE_EXAMPLES : FWD_EXAMPLES;

	for (; !wide && j + FWD_ROWS <= j1; j += FWD_ROWS)
		forward_rows(out + j, in, w + j * in_n, b + j, batch, in_n, out_n, FWD_ROWS, group);
	for (; j + 2 <= j1; j += 2)
		forward_rows(out + j, in, w + j * in_n, b + j, batch, in_n, out_n, 2, group);
	for (; j < j1; j++)
		forward_rows(out + j, in, w + j * in_n, b + j, batch, in_n, out_n, 1, group);
}

void nn_dense_forward(float *out, const float *in, const float *w, const float *b,
		      size_t batch, size_t in_n, size_t out_n)
{
	forward_range(out, in, w, b, batch, in_n, out_n, 0, out_n, 0);
}

/* Columns per register block in the backward loops: a fixed width, so the
 * block's sums stay in vector registers. */
#define BLOCK 32

/* Outputs whose weight gradients are summed together: a block of
 * columns of each stays in registers while an example's inputs are read
 * once for all of them. */
#define W_ROWS 4

/* g rows j .. j + nj (nj W_ROWS or 1, constant where inlined) += sum_r
 * dout[r][j] * in[r], one block of columns at a time, each element summed
 * over r in order. */
static inline __attribute__((always_inline)) void
backward_w_rows(float *gw, const float *dout, const float *in, size_t batch, size_t in_n,
		size_t out_n, size_t j, size_t nj)
{
	size_t full = in_n / BLOCK * BLOCK;

	for (size_t i0 = 0; i0 < full; i0 += BLOCK) {
		float acc[W_ROWS][BLOCK];

		for (size_t q = 0; q < nj; q++)
			for (size_t k = 0; k < BLOCK; k++)
				acc[q][k] = gw[(j + q) * in_n + i0 + k];
		for (size_t r = 0; r < batch; r++) {
			const float *restrict x = in + r * in_n + i0;

			for (size_t q = 0; q < nj; q++) {
				const float d = dout[r * out_n + j + q];

				for (size_t k = 0; k < BLOCK; k++)
					acc[q][k] += d * x[k];
			}
		}
		for (size_t q = 0; q < nj; q++)
			for (size_t k = 0; k < BLOCK; k++)
				gw[(j + q) * in_n + i0 + k] = acc[q][k];
	}
	for (size_t q = 0; q < nj; q++) {
		float *restrict g = gw + (j + q) * in_n;

		for (size_t r = 0; r < batch; r++) {
			const float d = dout[r * out_n + j + q];
			const float *restrict x = in + r * in_n;

			for (size_t i = full; i < in_n; i++)
				g[i] += d * x[i];
		}
	}
}

/* gw and gb of outputs j0 .. j1. */
static void backward_w_range(float *gw, float *gb, const float *dout, const float *in, size_t batch,
			     size_t in_n, size_t out_n, size_t j0, size_t j1)
{
	for (size_t j = j0; j < j1; j++) {
		float sb = 0.0f;

		for (size_t r = 0; r < batch; r++)
			sb += dout[r * out_n + j];
		gb[j] += sb;
	}
	size_t j = j0;

	for (; j + W_ROWS <= j1; j += W_ROWS)
		backward_w_rows(gw, dout, in, batch, in_n, out_n, j, W_ROWS);
	for (; j < j1; j++)
		backward_w_rows(gw, dout, in, batch, in_n, out_n, j, 1);
}

/* Examples whose input gradients are summed together: their blocks of
 * sums stay in registers while each weight row is read once for all. */
#define ROWS 8

/* din columns i0 .. i1 (i0 a multiple of BLOCK) of every example:
 * din[r] += sum_j dout[r][j] w[j], the sum over j in order. */
static void backward_in_range(float *din, const float *dout, const float *w, size_t batch,
			      size_t in_n, size_t out_n, size_t i0, size_t i1)
{
	size_t full = i0 + (i1 - i0) / BLOCK * BLOCK;

	for (size_t r0 = 0; r0 < batch; r0 += ROWS) {
		size_t rows = batch - r0 < ROWS ? batch - r0 : ROWS;

		for (size_t c0 = i0; c0 < full; c0 += BLOCK) {
			float acc[ROWS][BLOCK];

			for (size_t r = 0; r < rows; r++)
				for (size_t k = 0; k < BLOCK; k++)
					acc[r][k] = din[(r0 + r) * in_n + c0 + k];
			/* The same loop twice: with the constant ROWS the compiler
			 * keeps the ROWS x BLOCK sums in registers. */
			if (rows == ROWS) {
				for (size_t j = 0; j < out_n; j++) {
					const float *restrict wj = w + j * in_n + c0;

					for (size_t r = 0; r < ROWS; r++) {
						const float d = dout[(r0 + r) * out_n + j];

						for (size_t k = 0; k < BLOCK; k++)
							acc[r][k] += d * wj[k];
					}
				}
			} else {
				for (size_t j = 0; j < out_n; j++) {
					const float *restrict wj = w + j * in_n + c0;

					for (size_t r = 0; r < rows; r++) {
						const float d = dout[(r0 + r) * out_n + j];

						for (size_t k = 0; k < BLOCK; k++)
							acc[r][k] += d * wj[k];
					}
				}
			}
			for (size_t r = 0; r < rows; r++)
				for (size_t k = 0; k < BLOCK; k++)
					din[(r0 + r) * in_n + c0 + k] = acc[r][k];
		}
		for (size_t r = r0; r < r0 + rows; r++)
			for (size_t j = 0; j < out_n; j++)
				for (size_t i = full; i < i1; i++)
					din[r * in_n + i] += dout[r * out_n + j] * w[j * in_n + i];
	}
}

void nn_dense_backward(float *gw, float *gb, float *din, const float *dout,
		       const float *in, const float *w,
		       size_t batch, size_t in_n, size_t out_n)
{
	backward_w_range(gw, gb, dout, in, batch, in_n, out_n, 0, out_n);
	if (din)
		backward_in_range(din, dout, w, batch, in_n, out_n, 0, in_n);
}

/* The folded backward pass and step (fc_backward_step) goes along the
 * weight rows, STEP_ROWS at a time, over a block of STEP_COLS input
 * columns: the block's input gradients and inputs (10 KB each at a
 * mini-batch of 10) stay in cache while each row's piece of the block,
 * 1 KB contiguous, is read once for both. (Going down columns of 32, a
 * row's 128 bytes 2.5-4 KB after the last, left the prefetcher behind.) */
#define STEP_COLS 256
#define STEP_ROWS 4

/* Rows j0 .. j0 + nj of columns [c, c + nc), nc <= 16: din[r] +=
 * dout[r][j] w[j] for each row in order (from the weights before its
 * step), each row's gradient summed over the examples in order from
 * zero, then that row's update: per element the operations of
 * backward_in_range, backward_w_range and the model's step, in their
 * order. For 16 columns in vectors, inlined with a constant nj, so the
 * rows' weights and sums stay in registers and each example's input
 * gradients are loaded and stored once for the nj rows. */
static inline __attribute__((always_inline)) void
step_rows(float *w, float *v, float *din, const float *dout, const float *in, size_t batch, size_t in_n,
	  size_t out_n, const struct nn_step *s, size_t j0, size_t nj, size_t c)
{
	v16 wv[STEP_ROWS], g[STEP_ROWS];

	for (size_t jj = 0; jj < nj; jj++) {
		memcpy(&wv[jj], w + (j0 + jj) * in_n + c, sizeof(v16));
		g[jj] = (v16){ 0 };
	}
	for (size_t r = 0; r < batch; r++) {
		v16 x, dn = { 0 };

		memcpy(&x, in + r * in_n + c, sizeof(x));
		if (din)
			memcpy(&dn, din + r * in_n + c, sizeof(dn));
		for (size_t jj = 0; jj < nj; jj++) {
			const float d = dout[r * out_n + j0 + jj];

			if (din)
				dn += d * wv[jj];
			g[jj] += d * x;
		}
		if (din)
			memcpy(din + r * in_n + c, &dn, sizeof(dn));
	}
	for (size_t jj = 0; jj < nj; jj++) {
		float gj[16];

		memcpy(gj, &g[jj], sizeof(gj));
		nn_step_update(w + (j0 + jj) * in_n + c, gj, v + (j0 + jj) * in_n + c, 16, s->lr, s->l2, s->l1,
			       s->momentum);
	}
}

/* The same for the last nc < 16 columns, element by element. */
static void step_rows_tail(float *w, float *v, float *din, const float *dout, const float *in, size_t batch,
			   size_t in_n, size_t out_n, const struct nn_step *s, size_t j0, size_t nj, size_t c,
			   size_t nc)
{
	for (size_t jj = 0; jj < nj; jj++) {
		float *wj = w + (j0 + jj) * in_n + c, g[16] = { 0 };

		for (size_t r = 0; r < batch; r++) {
			const float d = dout[r * out_n + j0 + jj];

			for (size_t k = 0; k < nc; k++) {
				if (din)
					din[r * in_n + c + k] += d * wj[k];
				g[k] += d * in[r * in_n + c + k];
			}
		}
		nn_step_update(wj, g, v + (j0 + jj) * in_n + c, nc, s->lr, s->l2, s->l1, s->momentum);
	}
}

_Static_assert(STEP_ROWS == 4, "one case below per row count");

/* The backward pass of input columns c_lo .. c_hi of every output, its
 * input gradients when din is not NULL, each weight then stepped; the
 * outputs' biases when with_b. */
static void backward_step_range(float *w, float *b, float *v, float *din, const float *dout,
				const float *in, size_t batch, size_t in_n, size_t out_n,
				const struct nn_step *s, size_t c_lo, size_t c_hi, int with_b)
{
	for (size_t c0 = c_lo; c0 < c_hi; c0 += STEP_COLS) {
		size_t c1 = c_hi - c0 < STEP_COLS ? c_hi : c0 + STEP_COLS;

		for (size_t j0 = 0; j0 < out_n; j0 += STEP_ROWS) {
			size_t nj = out_n - j0 < STEP_ROWS ? out_n - j0 : STEP_ROWS, c = c0;

#define ROWS_CASE(N) case N: step_rows(w, v, din, dout, in, batch, in_n, out_n, s, j0, N, c); break
			for (; c + 16 <= c1; c += 16)
				switch (nj) {
				ROWS_CASE(4); ROWS_CASE(3); ROWS_CASE(2); ROWS_CASE(1);
				}
#undef ROWS_CASE
			if (c < c1)
				step_rows_tail(w, v, din, dout, in, batch, in_n, out_n, s, j0, nj, c, c1 - c);
		}
	}
	if (!with_b)
		return;
	for (size_t j = 0; j < out_n; j++) {
		float sb = 0.0f, g = 0.0f;

		for (size_t r = 0; r < batch; r++)
			sb += dout[r * out_n + j];
		g += sb;
		nn_step_update(b + j, &g, v + out_n * in_n + j, 1, s->lr, 0.0f, 0.0f, s->momentum);
	}
}

/* The fully connected kind: in (B, IN) as the previous layer left it,
 * whatever its shape, w (OUT, IN). */
static int fc_plan(struct nn_layer *l, struct nn_err *err)
{
	size_t in = nn_shape_size(l->in);

	if (l->spec.size == 0 || l->spec.size > (1u << 24))
		return nn_errorf(err, NN_EINVAL, "%zu units, expected 1 to %u", l->spec.size, 1u << 24);
	l->out = (struct nn_shape){ 1, 1, l->spec.size };
	l->nw = l->spec.size * in;
	l->nb = l->spec.size;
	l->fan_in = in;
	l->fan_out = l->spec.size;
	return 0;
}

/* Large layers share their work among the model's threads: the outputs
 * (forward, weight gradients) or the input columns (input gradients) are
 * split, each sum kept whole on one thread in the order of one thread,
 * so the result does not depend on the number of threads. Small ones,
 * such as the book's [784, 30, 10], are not worth a wake-up. */
static int large(const struct nn_layer *l)
{
	return nn_shape_size(l->in) * l->spec.size >= FC_THREADED_WEIGHTS;
}

struct job {
	struct nn_layer *l;
	const float *in;
	float *din;
	size_t batch;
};

/* [lo, hi) of n in steps of unit, for part of parts. */
static void share(size_t n, size_t unit, size_t part, size_t parts, size_t *lo, size_t *hi)
{
	size_t units = (n + unit - 1) / unit;

	*lo = units * part / parts * unit;
	*hi = units * (part + 1) / parts * unit;
	*lo = *lo < n ? *lo : n;
	*hi = *hi < n ? *hi : n;
}

static void forward_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	(void)thread;
	const struct job *j = ctx;
	const struct nn_layer *l = j->l;
	size_t lo, hi;

	share(l->spec.size, FWD_ROWS, part, parts, &lo, &hi);
	forward_range(l->a, j->in, l->w, l->b, j->batch, nn_shape_size(l->in), l->spec.size, lo, hi,
		      large(l) && j->batch <= FWD_WIDE_EXAMPLES);
}

static void backward_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	(void)thread;
	const struct job *j = ctx;
	const struct nn_layer *l = j->l;
	size_t in_n = nn_shape_size(l->in), lo, hi;

	share(l->spec.size, 1, part, parts, &lo, &hi);
	backward_w_range(l->gw, l->gb, l->d, j->in, j->batch, in_n, l->spec.size, lo, hi);
	if (j->din) {
		share(in_n, BLOCK, part, parts, &lo, &hi);
		backward_in_range(j->din, l->d, l->w, j->batch, in_n, l->spec.size, lo, hi);
	}
}

struct step_job {
	struct nn_layer *l;
	const float *in;
	float *din;
	size_t batch;
	const struct nn_step *s;
	float *v;
};

/* The columns are split: each thread steps whole columns of the weights. */
static void backward_step_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	(void)thread;
	const struct step_job *j = ctx;
	struct nn_layer *l = j->l;
	size_t in_n = nn_shape_size(l->in), lo, hi;

	share(in_n, BLOCK, part, parts, &lo, &hi);
	backward_step_range(l->w, l->b, j->v, j->din, l->d, j->in, j->batch, in_n, l->spec.size, j->s, lo,
			    hi, part == 0);
}

static void fc_backward_step(struct nn_layer *l, float *din, const float *in, const struct nn_work *x,
			     size_t batch, const struct nn_step *s, float *v)
{
	struct step_job j = { l, in, din, batch, s, v };

	if (large(l))
		nn_team_run(x->team, backward_step_part, &j, nn_team_parts(x->team));
	else
		nn_team_run_awake(x->team, backward_step_part, &j, nn_team_parts(x->team), l->nw);
}

static void fc_forward(struct nn_layer *l, const float *in, const struct nn_work *x, struct nn_rng *rng,
		       size_t batch)
{
	struct job j = { l, in, NULL, batch };

	(void)rng;
	if (large(l))
		nn_team_run(x->team, forward_part, &j, nn_team_parts(x->team));
	else
		nn_team_run_awake(x->team, forward_part, &j, nn_team_parts(x->team), l->nw);
}

static void fc_backward(struct nn_layer *l, float *din, const float *in, const struct nn_work *x,
			size_t batch)
{
	struct job j = { l, in, din, batch };

	if (large(l))
		nn_team_run(x->team, backward_part, &j, nn_team_parts(x->team));
	else
		nn_team_run_awake(x->team, backward_part, &j, nn_team_parts(x->team), l->nw);
}

/* Files nest the weights as rows (OUT, IN), network2.py's layout; after a
 * layer with channels the columns run (C, H, W), as numpy and network3.py
 * flatten an image stack, where the model keeps (H, W, C). */
static size_t fc_file_dims(const struct nn_layer *l, size_t dims[4])
{
	dims[0] = l->spec.size;
	dims[1] = nn_shape_size(l->in);
	return 2;
}

static size_t fc_file_index(const struct nn_layer *l, size_t i)
{
	size_t in = nn_shape_size(l->in), j = i / in, q = i % in;
	size_t hw = l->in.h * l->in.w, c = q / hw, yx = q % hw;

	return j * in + yx * l->in.c + c;
}

/* "fc N [ACT]" after its word. */
static int fc_parse(const char *p, const char *text, struct nn_spec *out, int *named,
		    struct nn_err *err)
{
	if (nn_spec_count(&p, &out->size) < 0)
		return nn_errorf(err, NN_EINVAL, "'%s': expected a count of 1 to %u after 'fc'", text, 1u << 24);
	return nn_spec_act(p, text, out, named, err);
}

static void fc_format(const struct nn_spec *s, char *buf, size_t len)
{
	snprintf(buf, len, "fc %zu %s", s->size, nn_act_name(s->act));
}

static void fc_ref_forward(const struct nn_layer *l, const float *in, float *out, size_t batch)
{
	nn_ref_fc_forward(out, in, l->w, l->b, batch, nn_shape_size(l->in), l->spec.size);
}

static void fc_ref_backward(const struct nn_layer *l, const float *d, const float *in, float *din, float *gw,
			    float *gb, size_t batch)
{
	nn_ref_fc_backward(gw, gb, din, d, in, l->w, batch, nn_shape_size(l->in), l->spec.size);
}

const struct nn_layer_kind nn_fc_kind = {
	.name = "fc",
	.kind = NN_FC,
	.output = 1,
	.short_form = NN_SHORT_SIZE,
	.parse = fc_parse,
	.format = fc_format,
	.activates = 1,
	.plan = fc_plan,
	.forward = fc_forward,
	.backward = fc_backward,
	.backward_step = fc_backward_step,
	.file_dims = fc_file_dims,
	.file_index = fc_file_index,
	.ref_forward = fc_ref_forward,
	.ref_backward = fc_ref_backward,
};
