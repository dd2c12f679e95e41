/* Convolution kernels (network3.py's ConvPoolLayer without the pooling,
 * which is nn_pool.h): a valid k x k convolution with stride 1 is, per
 * example, a fully connected layer applied at every output position to
 * the k x k x C patch there, computed as a product of the patches (im2col)
 * with the kernels by the register-tiled matrix product of nn_gemm.h. Activations are channels-last,
 * (H, W, C) per example, so a convolution's output (OH * OW positions by M
 * maps) is the next layer's input as it stands, and one map's kernel is a
 * row of w in the same (kh, kw, c) order as a patch. The patches of
 * several examples go through one product (nn_gemm.h), so the products
 * are large enough to be fast. Kernels do not validate: shapes are
 * checked when the model is built. */
#ifndef NN_CONV_H
#define NN_CONV_H

#include <stddef.h>

#include "nn_team.h"

/* The shape of a convolution: input h x w x c, m maps of k x k. */
struct nn_conv_shape {
	size_t h, w, c;  /* input */
	size_t k, m;     /* kernel side, output maps */
};

/* Output side: h - k + 1 (valid, stride 1). */
static inline size_t nn_conv_out_h(const struct nn_conv_shape *s) { return s->h - s->k + 1; }
static inline size_t nn_conv_out_w(const struct nn_conv_shape *s) { return s->w - s->k + 1; }
/* Floats of scratch each thread of a team needs for batches of up to
 * max_batch (nn_team_create's scratch). */
size_t nn_conv_scratch(const struct nn_conv_shape *s, size_t max_batch);

/* The slices a batch's weight gradients are summed in (see
 * nn_conv_backward), and the floats of the team's shared block their sums
 * need (nn_team_create's shared). */
#define NN_CONV_SLICES 4
size_t nn_conv_shared(const struct nn_conv_shape *s);

/* out = conv(in, w) + b for each example, the examples split among the
 * team's threads (each example's output the same however they are split). When keep is not NULL the patches are left there for
 * nn_conv_backward. */
void nn_conv_forward(float *out /* (B, OH, OW, M) */, const float *in /* (B, H, W, C) */,
		     const float *w /* (M, K, K, C) */, const float *b /* (M) */,
		     float *keep /* (B, OH * OW, K * K * C) or NULL */,
		     struct nn_team *team, const struct nn_conv_shape *s, size_t batch);

/* gw += dC/dw, gb += dC/db and, when din is not NULL, din = dC/din
 * (written whole, each thread its own examples', while they are in its
 * cache), from dout = dC/dout, reading the patches forward kept (or, when
 * kept is NULL, making them again). Callers zero gw and gb first.
 * The weight gradients are summed over a fixed split of the batch into
 * NN_CONV_SLICES slices, added in their order, and each example's input
 * gradients are its own: the same bits on any number of threads. */
void nn_conv_backward(float *gw /* (M, K, K, C) */, float *gb /* (M) */,
		      float *din /* (B, H, W, C) or NULL */, const float *dout /* (B, OH, OW, M) */,
		      const float *in /* (B, H, W, C) */, const float *kept /* or NULL */,
		      const float *w /* (M, K, K, C) */,
		      struct nn_team *team, const struct nn_conv_shape *s, size_t batch);

#endif
