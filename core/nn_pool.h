/* Max-pooling kernels (network3.py's pooling, channels-last activations as
 * nn_conv.h). Kernels do not validate: shapes are checked when the model
 * is built. */
#ifndef NN_POOL_H
#define NN_POOL_H

#include <stddef.h>
#include <stdint.h>

/* Max-pooling p x p with stride p over each channel of h x w x c; the
 * border rows and columns that do not fill a window are dropped (as
 * network3.py's ignore_border): the output is (h / p) x (w / p) x c.
 * arg[i] records which input of example's window gave out[i] (an index
 * into that example's h * w * c floats) for the backward pass; with arg
 * NULL (inference) only the maxima are written. */
void nn_pool_forward(float *out /* (B, H/P, W/P, C) */, uint32_t *arg /* (B, H/P, W/P, C) or NULL */,
		     const float *in /* (B, H, W, C) */, size_t h, size_t w, size_t c, size_t p,
		     size_t batch);

/* din = the pooled gradient: each dout goes to the input that won its
 * window, every other input gets 0 (din is written whole). */
void nn_pool_backward(float *din /* (B, H, W, C) */, const float *dout /* (B, H/P, W/P, C) */,
		      const uint32_t *arg /* (B, H/P, W/P, C) */, size_t h, size_t w, size_t c,
		      size_t p, size_t batch);

#endif
