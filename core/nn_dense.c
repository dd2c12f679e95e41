#include "nn_dense.h"

#include "nn_gemm.h"
#include "nn_layer.h"

/* Weights from which a layer uses the packed product. */
#define FC_GEMM_WEIGHTS (1u << 17)

/* The loops run over IN, the long contiguous dimension, so they vectorize
 * (-fopenmp-simd); each keeps its running sums in registers across the
 * short batch or output dimension, so a weight row is loaded and stored
 * once per call rather than once per example. */

/* Four dot products of x with rows w0..w3 at once: x is loaded once. */
static void dot4(float *out, const float *restrict x, const float *restrict w0,
		 const float *restrict w1, const float *restrict w2,
		 const float *restrict w3, size_t n)
{
	float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;

#pragma omp simd reduction(+ : s0, s1, s2, s3)
	for (size_t i = 0; i < n; i++) {
		s0 += x[i] * w0[i];
		s1 += x[i] * w1[i];
		s2 += x[i] * w2[i];
		s3 += x[i] * w3[i];
	}
	out[0] = s0;
	out[1] = s1;
	out[2] = s2;
	out[3] = s3;
}

static float dot(const float *restrict x, const float *restrict y, size_t n)
{
	float s = 0.0f;

#pragma omp simd reduction(+ : s)
	for (size_t i = 0; i < n; i++)
		s += x[i] * y[i];
	return s;
}

void nn_dense_forward(float *out, const float *in, const float *w, const float *b,
		      size_t batch, size_t in_n, size_t out_n)
{
	size_t j = 0;

	/* Four weight rows at a time stay in L1 while every example passes. */
	for (; j + 4 <= out_n; j += 4) {
		const float *w0 = w + j * in_n;

		for (size_t r = 0; r < batch; r++) {
			float *o = out + r * out_n + j;

			dot4(o, in + r * in_n, w0, w0 + in_n, w0 + 2 * in_n, w0 + 3 * in_n, in_n);
			for (size_t k = 0; k < 4; k++)
				o[k] += b[j + k];
		}
	}
	for (; j < out_n; j++)
		for (size_t r = 0; r < batch; r++)
			out[r * out_n + j] = b[j] + dot(in + r * in_n, w + j * in_n, in_n);
}

/* Columns per register block in the backward loops: a fixed width, so the
 * block's sums stay in vector registers. */
#define BLOCK 32

void nn_dense_backward(float *gw, float *gb, float *din, const float *dout,
		       const float *in, const float *w,
		       size_t batch, size_t in_n, size_t out_n)
{
	size_t full = in_n / BLOCK * BLOCK;

	for (size_t j = 0; j < out_n; j++) {
		float *restrict g = gw + j * in_n;
		float sb = 0.0f;

		for (size_t r = 0; r < batch; r++)
			sb += dout[r * out_n + j];
		gb[j] += sb;
		/* g += sum_r dout[r][j] * in[r], one block of columns at a time. */
		for (size_t i0 = 0; i0 < full; i0 += BLOCK) {
			float acc[BLOCK];

			for (size_t k = 0; k < BLOCK; k++)
				acc[k] = g[i0 + k];
			for (size_t r = 0; r < batch; r++) {
				const float d = dout[r * out_n + j];
				const float *restrict x = in + r * in_n + i0;

				for (size_t k = 0; k < BLOCK; k++)
					acc[k] += d * x[k];
			}
			for (size_t k = 0; k < BLOCK; k++)
				g[i0 + k] = acc[k];
		}
		for (size_t r = 0; r < batch; r++) {
			const float d = dout[r * out_n + j];
			const float *restrict x = in + r * in_n;

			for (size_t i = full; i < in_n; i++)
				g[i] += d * x[i];
		}
	}
	if (!din)
		return;
	for (size_t r = 0; r < batch; r++) {
		const float *d = dout + r * out_n;
		float *restrict dx = din + r * in_n;

		/* dx += sum_j d[j] * w[j], one block of columns at a time. */
		for (size_t i0 = 0; i0 < full; i0 += BLOCK) {
			float acc[BLOCK];

			for (size_t k = 0; k < BLOCK; k++)
				acc[k] = dx[i0 + k];
			for (size_t j = 0; j < out_n; j++) {
				const float *restrict wj = w + j * in_n + i0;

				for (size_t k = 0; k < BLOCK; k++)
					acc[k] += d[j] * wj[k];
			}
			for (size_t k = 0; k < BLOCK; k++)
				dx[i0 + k] = acc[k];
		}
		for (size_t j = 0; j < out_n; j++)
			for (size_t i = full; i < in_n; i++)
				dx[i] += d[j] * w[j * in_n + i];
	}
}

static int large(const struct nn_layer *l);

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
	l->scratch = large(l) ? nn_gemm_scratch(in > l->spec.size ? in : l->spec.size) : 0;
	return 0;
}

/* Large layers go through the shared product (nn_gemm.h), packed and on
 * the model's threads; small ones, such as the book's [784, 30, 10],
 * through the kernels above, which need no packing. */
static int large(const struct nn_layer *l)
{
	return nn_shape_size(l->in) * l->spec.size >= FC_GEMM_WEIGHTS;
}

static void fc_forward(struct nn_layer *l, const float *in, const struct nn_work *x, struct nn_rng *rng,
		       size_t batch)
{
	size_t in_n = nn_shape_size(l->in), out_n = l->spec.size;

	(void)rng;
	if (!large(l)) {
		nn_dense_forward(l->a, in, l->w, l->b, batch, in_n, out_n);
		return;
	}
	/* a (B, OUT) = in (B, IN) w^T + b */
	struct nn_gemm g = { .c = l->a, .ldc = out_n, .a = in, .lda = in_n, .b = l->w, .ldb = in_n,
			     .tb = 1, .m = batch, .n = out_n, .k = in_n, .bias = l->b };
	nn_gemm(&g, x->team);
}

static void fc_backward(struct nn_layer *l, float *din, const float *in, const struct nn_work *x,
			size_t batch)
{
	size_t in_n = nn_shape_size(l->in), out_n = l->spec.size;

	if (!large(l)) {
		nn_dense_backward(l->gw, l->gb, din, l->d, in, l->w, batch, in_n, out_n);
		return;
	}
	/* gw (OUT, IN) += d^T (OUT, B) in; gb += column sums of d; din += d w. */
	struct nn_gemm gw = { .c = l->gw, .ldc = in_n, .a = l->d, .lda = out_n, .ta = 1, .b = in,
			      .ldb = in_n, .m = out_n, .n = in_n, .k = batch, .accumulate = 1 };
	nn_gemm(&gw, x->team);
	for (size_t r = 0; r < batch; r++)
		for (size_t j = 0; j < out_n; j++)
			l->gb[j] += l->d[r * out_n + j];
	if (din) {
		struct nn_gemm gd = { .c = din, .ldc = in_n, .a = l->d, .lda = out_n, .b = l->w,
				      .ldb = in_n, .m = batch, .n = in_n, .k = out_n, .accumulate = 1 };
		nn_gemm(&gd, x->team);
	}
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

const struct nn_layer_kind nn_fc_kind = {
	.name = "fc",
	.activates = 1,
	.plan = fc_plan,
	.forward = fc_forward,
	.backward = fc_backward,
	.file_dims = fc_file_dims,
	.file_index = fc_file_index,
};
