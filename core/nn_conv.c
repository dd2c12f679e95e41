#include "nn_conv.h"

#include <string.h>

#include "nn_dense.h"

size_t nn_conv_cols(const struct nn_conv_shape *s)
{
	return nn_conv_out_h(s) * nn_conv_out_w(s) * s->k * s->k * s->c;
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

	/* Per example: the positions are the dense layer's rows. */
	for (size_t r = 0; r < batch; r++) {
		im2col(cols, in + r * s->h * s->w * s->c, s);
		nn_dense_forward(out + r * pos * s->m, cols, w, b, pos, patch, s->m);
	}
}

void nn_conv_backward(float *gw, float *gb, float *din, const float *dout, const float *in,
		      const float *w, float *cols, float *dcols, const struct nn_conv_shape *s,
		      size_t batch)
{
	size_t pos = nn_conv_out_h(s) * nn_conv_out_w(s), patch = s->k * s->k * s->c;

	for (size_t r = 0; r < batch; r++) {
		im2col(cols, in + r * s->h * s->w * s->c, s);
		if (din)
			memset(dcols, 0, pos * patch * sizeof(float));
		nn_dense_backward(gw, gb, din ? dcols : NULL, dout + r * pos * s->m, cols, w, pos, patch,
				  s->m);
		if (din)
			col2im(din + r * s->h * s->w * s->c, dcols, s);
	}
}
