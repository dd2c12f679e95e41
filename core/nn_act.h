/* Activation functions, applied in place, and their derivatives expressed
 * through the activation's output. */
#ifndef NN_ACT_H
#define NN_ACT_H

#include <stddef.h>

enum nn_act {
	NN_SIGMOID
};

/* Name as used in configs ("sigmoid"), or NULL for an unknown value. */
const char *nn_act_name(enum nn_act act);
/* Parses a name; returns 0 and sets *act, or NN_EINVAL. */
int nn_act_parse(const char *name, enum nn_act *act);

/* x = f(x) elementwise. */
void nn_act_forward(float *x /* (N) in place */, size_t n, enum nn_act act);
/* d *= f'(z), where a = f(z) is the forward output. */
void nn_act_backward(float *d /* (N) in place */, const float *a /* (N) */,
		     size_t n, enum nn_act act);

#endif
