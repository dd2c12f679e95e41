/* Cost functions over a batch of outputs and integer class labels (the
 * target is the one-hot vector of the label). */
#ifndef NN_COST_H
#define NN_COST_H

#include <stddef.h>
#include <stdint.h>

#include "nn_act.h"

enum nn_cost {
	NN_QUADRATIC,      /* C = 1/2 ||a - y||^2 */
	NN_CROSS_ENTROPY,  /* C = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)] */
	NN_LOG_LIKELIHOOD  /* C = -ln a_label */
};

/* Config name ("quadratic") and the class name of the book's code
 * ("QuadraticCost"), or NULL for an unknown value. */
const char *nn_cost_name(enum nn_cost cost);
const char *nn_cost_class_name(enum nn_cost cost);
/* Parses a config name or a class name; returns 0 and sets *cost, or NN_EINVAL. */
int nn_cost_parse(const char *name, enum nn_cost *cost);

/* Sum over the batch of each example's cost. Logarithms are of values
 * clamped to at least FLT_MIN, so a saturated output costs at most about
 * 87 per term instead of infinity (what network2.py's nan_to_num intends). */
double nn_cost_sum(const float *a /* (B, N) */, const int32_t *labels /* (B) */,
		   size_t batch, size_t n, enum nn_cost cost);

/* delta = dC/dz for the output layer, where a = act(z). Cross-entropy with
 * sigmoid and log-likelihood with softmax give exactly a - y. */
void nn_cost_delta(float *delta /* (B, N) */, const float *a /* (B, N) */,
		   const int32_t *labels /* (B) */, size_t batch, size_t n,
		   enum nn_cost cost, enum nn_act act);

#endif
