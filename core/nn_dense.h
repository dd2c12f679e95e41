/* Fully connected layer kernels. Rows are examples; w is (OUT, IN) row-major,
 * the book's layout. Kernels do not validate: shapes are checked when the
 * model is built. */
#ifndef NN_DENSE_H
#define NN_DENSE_H

#include <stddef.h>

/* out = in w^T + b. */
void nn_dense_forward(float *out /* (B, OUT) */, const float *in /* (B, IN) */,
		      const float *w /* (OUT, IN) */, const float *b /* (OUT) */,
		      size_t batch, size_t in_n, size_t out_n);

/* gw += dout^T in, gb += column sums of dout, and, when din is not NULL,
 * din += dout w. Accumulates: callers zero gw, gb and din first. */
void nn_dense_backward(float *gw /* (OUT, IN) */, float *gb /* (OUT) */,
		       float *din /* (B, IN) or NULL */,
		       const float *dout /* (B, OUT) */, const float *in /* (B, IN) */,
		       const float *w /* (OUT, IN) */,
		       size_t batch, size_t in_n, size_t out_n);

#endif
