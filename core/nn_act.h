/* Activation functions, applied in place over a batch of rows, and their
 * derivatives expressed through the activation's output. */
#ifndef NN_ACT_H
#define NN_ACT_H

#include <stddef.h>

enum nn_act {
	NN_SIGMOID,
	NN_TANH,
	NN_RELU,
	NN_SOFTMAX   /* over each row; output layers only */
};

/* Name as used in configs ("sigmoid"), or NULL for an unknown value. */
const char *nn_act_name(enum nn_act act);
/* Parses a name; returns 0 and sets *act, or NN_EINVAL. */
int nn_act_parse(const char *name, enum nn_act *act);

/* e^x as the sigmoid computes it: within a few units in the last place
 * of the C library's expf, a NaN passed through, the result held to
 * [e^-87.3, e^88.3]. */
float nn_act_exp(float x);

/* x = f(x), row by row. */
void nn_act_forward(float *x /* (B, N) in place */, size_t batch, size_t n, enum nn_act act);

/* On entry d holds dC/da; on return dC/dz, where a = f(z) is the forward
 * output. */
void nn_act_backward(float *d /* (B, N) in place */, const float *a /* (B, N) */,
		     size_t batch, size_t n, enum nn_act act);

#endif
