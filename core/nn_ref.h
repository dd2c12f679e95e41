/* Reference kernels: the math of every fast kernel in core/ written as
 * plain loops, summing in double, in the layouts the fast ones use, so a
 * reader can check what a kernel computes and the tests can check that it
 * does (tests/test_nn_ref.c compares each fast kernel, and a training
 * step of whole nets, with these). Slow; never used in training. */
#ifndef NN_REF_H
#define NN_REF_H

#include <stddef.h>
#include <stdint.h>

#include "nn_act.h"
#include "nn_gemm.h"
#include "nn_model.h"
#include "nn_step.h"

/* C = op(A) op(B) (+ bias per column, or + C when g->accumulate), as
 * nn_gemm. */
void nn_ref_gemm(const struct nn_gemm *g);

/* Fully connected: out[r][j] = b[j] + sum_i w[j][i] in[r][i]. */
void nn_ref_fc_forward(float *out /* (B, OUT) */, const float *in /* (B, IN) */,
		       const float *w /* (OUT, IN) */, const float *b, size_t batch, size_t in_n, size_t out_n);
/* gw[j][i] += sum_r dout[r][j] in[r][i]; gb[j] += sum_r dout[r][j]; din
 * (when not NULL) += dout w. */
void nn_ref_fc_backward(float *gw, float *gb, float *din, const float *dout, const float *in,
			const float *w, size_t batch, size_t in_n, size_t out_n);

/* The shape of a convolution: input h x w x c, m maps of k x k (the
 * output (h - k + 1) x (w - k + 1) x m). */
struct nn_ref_conv {
	size_t h, w, c, k, m;
};

/* Valid convolution, stride 1, channels last: out[r][y][x][m] = b[m] +
 * sum_{ky,kx,c} w[m][ky][kx][c] in[r][y+ky][x+kx][c]. */
void nn_ref_conv_forward(float *out, const float *in, const float *w, const float *b,
			 const struct nn_ref_conv *s, size_t batch);
/* gw, gb += the gradients of sum(dout * out); din (when not NULL) += the
 * input's. */
void nn_ref_conv_backward(float *gw, float *gb, float *din, const float *dout, const float *in,
			  const float *w, const struct nn_ref_conv *s, size_t batch);

/* Max pooling over p x p windows (a border narrower than p dropped):
 * each output the largest of its window, its gradient going to the first
 * of the window's largest in row-major order. */
void nn_ref_pool_forward(float *out, const float *in, size_t h, size_t w, size_t c, size_t p, size_t batch);
void nn_ref_pool_backward(float *din /* zeroed first */, const float *dout, const float *in, size_t h,
			  size_t w, size_t c, size_t p, size_t batch);

/* x = f(x) row by row, in double with the C library's exp. */
void nn_ref_act_forward(float *x, size_t batch, size_t n, enum nn_act act);
/* d = d * f'(z), f' through the output a (softmax: d holds dC/dz already
 * when it is the output with the log-likelihood cost; not used else). */
void nn_ref_act_backward(float *d, const float *a, size_t batch, size_t n, enum nn_act act);

/* u = lr g + l2 w + l1 sgn(w); w -= u, or v = mu v - u, w += v; g = 0. */
void nn_ref_step(float *w, float *g, float *v, size_t n, double lr, double l2, double l1, double mu);

/* One mini-batch of SGD on m's parameters through the reference kernels:
 * the forward pass over x (batch rows of m's input), the output delta of
 * m's cost (a - y for sigmoid with cross-entropy and softmax with
 * log-likelihood, (a - y) a (1 - a) for sigmoid with the quadratic cost),
 * the backward pass and the step s, the weights decayed and the biases
 * not: what nn_model_forward_train and nn_model_backward_step do, for
 * nets without dropout. Each layer goes through its kind's ref_forward
 * and ref_backward (nn_layer.h), so a new kind brings its reference in
 * its own file. Returns 0, or NN_EINVAL (a kind without a reference, such
 * as dropout; another pairing of output and cost) or NN_ENOMEM, m
 * untouched. */
int nn_ref_train_batch(struct nn_model *m, const float *x, const int32_t *labels, size_t batch,
		       const struct nn_step *s);

#endif
