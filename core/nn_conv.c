#include "nn_conv.h"

#include <string.h>

#include "nn_gemm.h"
#include "nn_layer.h"

/* The patches of one example, then (forward) the kernels transposed. */
size_t nn_conv_cols(const struct nn_conv_shape *s)
{
	return (nn_conv_out_h(s) * nn_conv_out_w(s) + s->m) * s->k * s->k * s->c;
}

/* cols[(oy, ox)] = the k x k x c patch of in at (oy, ox), in (kh, kw, c)
 * order: each patch row is k * c contiguous floats of the input. */
static void im2col(float *cols, const float *in, const struct nn_conv_shape *s)
{
	size_t oh = nn_conv_out_h(s), ow = nn_conv_out_w(s), row = s->k * s->c;

	for (size_t oy = 0; oy < oh; oy++)
		for (size_t ox = 0; ox < ow; ox++) {
			float *dst = cols + (oy * ow + ox) * s->k * row;

			for (size_t ky = 0; ky < s->k; ky++)
				memcpy(dst + ky * row, in + ((oy + ky) * s->w + ox) * s->c, row * sizeof(float));
		}
}

/* din += the patches of dcols, each added back where im2col took it. */
static void col2im(float *din, const float *dcols, const struct nn_conv_shape *s)
{
	size_t oh = nn_conv_out_h(s), ow = nn_conv_out_w(s), row = s->k * s->c;

	for (size_t oy = 0; oy < oh; oy++)
		for (size_t ox = 0; ox < ow; ox++) {
			const float *src = dcols + (oy * ow + ox) * s->k * row;

			for (size_t ky = 0; ky < s->k; ky++) {
				float *restrict d = din + ((oy + ky) * s->w + ox) * s->c;
				const float *restrict p = src + ky * row;

				for (size_t i = 0; i < row; i++)
					d[i] += p[i];
			}
		}
}

void nn_conv_forward(float *out, const float *in, const float *w, const float *b, float *cols,
		     const struct nn_conv_shape *s, size_t batch)
{
	size_t pos = nn_conv_out_h(s) * nn_conv_out_w(s), patch = s->k * s->k * s->c;
	float *wt = cols + pos * patch;

	/* The kernels as columns (K, M), once for the batch. */
	for (size_t j = 0; j < s->m; j++)
		for (size_t q = 0; q < patch; q++)
			wt[q * s->m + j] = w[j * patch + q];
	/* Per example: out (positions, maps) = patches (positions, K) wt + b. */
	for (size_t r = 0; r < batch; r++) {
		im2col(cols, in + r * s->h * s->w * s->c, s);
		nn_gemm_nn(out + r * pos * s->m, cols, wt, b, pos, patch, s->m, 0);
	}
}

void nn_conv_backward(float *gw, float *gb, float *din, const float *dout, const float *in,
		      const float *w, float *cols, float *dcols, const struct nn_conv_shape *s,
		      size_t batch)
{
	size_t pos = nn_conv_out_h(s) * nn_conv_out_w(s), patch = s->k * s->k * s->c;

	for (size_t r = 0; r < batch; r++) {
		const float *d = dout + r * pos * s->m;

		im2col(cols, in + r * s->h * s->w * s->c, s);
		/* gw (M, K) += d^T (M, positions) patches; gb += column sums of d. */
		nn_gemm_tn(gw, d, cols, pos, s->m, patch);
		for (size_t q = 0; q < pos; q++)
			for (size_t j = 0; j < s->m; j++)
				gb[j] += d[q * s->m + j];
		if (!din)
			continue;
		/* dpatches (positions, K) = d w, added back where they came from. */
		nn_gemm_nn(dcols, d, w, NULL, pos, s->m, patch, 0);
		col2im(din + r * s->h * s->w * s->c, dcols, s);
	}
}

/* The convolution kind. */
static struct nn_conv_shape conv_shape(const struct nn_layer *l)
{
	return (struct nn_conv_shape){ l->in.h, l->in.w, l->in.c, l->spec.kernel, l->spec.size };
}

static int conv_plan(struct nn_layer *l, struct nn_err *err)
{
	size_t k = l->spec.kernel, m = l->spec.size;

	if (m == 0 || m > 4096 || k == 0 || k > 64)
		return nn_errorf(err, NN_EINVAL, "%zu maps of %zux%zu, expected 1 to 4096 maps of 1x1 to 64x64",
				 m, k, k);
	if (l->in.h < k || l->in.w < k)
		return nn_errorf(err, NN_EINVAL, "input is %zux%zux%zu, smaller than the %zux%zu kernel",
				 l->in.c, l->in.h, l->in.w, k, k);
	struct nn_conv_shape s = conv_shape(l);
	l->out = (struct nn_shape){ nn_conv_out_h(&s), nn_conv_out_w(&s), m };
	l->nw = m * k * k * l->in.c;
	l->nb = m;
	l->fan_in = k * k * l->in.c;
	l->fan_out = m * k * k;
	l->scratch = 2 * nn_conv_cols(&s);
	return 0;
}

static void conv_forward(struct nn_layer *l, const float *in, float *scratch, struct nn_rng *rng,
			 size_t batch)
{
	struct nn_conv_shape s = conv_shape(l);

	(void)rng;
	nn_conv_forward(l->a, in, l->w, l->b, scratch, &s, batch);
}

static void conv_backward(struct nn_layer *l, float *din, const float *in, float *scratch,
			  size_t batch)
{
	struct nn_conv_shape s = conv_shape(l);

	nn_conv_backward(l->gw, l->gb, din, l->d, in, l->w, scratch, scratch + nn_conv_cols(&s),
			 &s, batch);
}

/* Files nest the kernels (M, C, K, K), network3.py's filter_shape; the
 * model keeps (M, K, K, C), a patch's order. */
static size_t conv_file_dims(const struct nn_layer *l, size_t dims[4])
{
	dims[0] = l->spec.size;
	dims[1] = l->in.c;
	dims[2] = dims[3] = l->spec.kernel;
	return 4;
}

static size_t conv_file_index(const struct nn_layer *l, size_t i)
{
	size_t k = l->spec.kernel, c = l->in.c;
	size_t kx = i % k, ky = i / k % k, ch = i / (k * k) % c, m = i / (k * k * c);

	return ((m * k + ky) * k + kx) * c + ch;
}

const struct nn_layer_kind nn_conv_kind = {
	.name = "conv",
	.activates = 1,
	.plan = conv_plan,
	.forward = conv_forward,
	.backward = conv_backward,
	.file_dims = conv_file_dims,
	.file_index = conv_file_index,
};
