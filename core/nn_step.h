/* The SGD step: one update of a block of parameters from its summed
 * gradient. The model's step and the layers that fold the step into
 * their backward pass (nn_layer_kind.backward_step) share it, so both
 * give the same bits. */
#ifndef NN_STEP_H
#define NN_STEP_H

#include <math.h>
#include <stddef.h>

/* One update from the summed gradient of a mini-batch. */
struct nn_step {
	float lr;        /* eta / m, m the examples in the mini-batch */
	float l2;        /* eta * lambda / n, n the training-set size: L2 decay */
	float l1;        /* eta * lambda_1 / n: L1 decay */
	float momentum;  /* mu, 0 for plain SGD */
};

/* u = lr g + l2 w + l1 sgn(w); w -= u, or with momentum v = mu v - u,
 * w += v; then g = 0. The multiply-adds are written as fmaf, one rounding
 * each, so the bits do not depend on where the compiler would fuse them
 * on its own (inlined into another loop it may not: a folded step gives
 * the same weights as the model's). Each case is its own loop so that
 * each vectorizes. */
static inline void nn_step_update(float *restrict w, float *restrict g, float *restrict v, size_t n,
				  float lr, float l2, float l1, float mu)
{
	if (mu == 0.0f && l2 == 0.0f && l1 == 0.0f) {
#pragma omp simd
		for (size_t i = 0; i < n; i++) {
			w[i] = fmaf(-lr, g[i], w[i]);
			g[i] = 0.0f;
		}
	} else if (mu == 0.0f) {
#pragma omp simd
		for (size_t i = 0; i < n; i++) {
			float sign = (float)(w[i] > 0.0f) - (float)(w[i] < 0.0f);

			w[i] -= fmaf(l1, sign, fmaf(l2, w[i], lr * g[i]));
			g[i] = 0.0f;
		}
	} else {
#pragma omp simd
		for (size_t i = 0; i < n; i++) {
			float sign = (float)(w[i] > 0.0f) - (float)(w[i] < 0.0f);

			v[i] = fmaf(mu, v[i], -fmaf(l1, sign, fmaf(l2, w[i], lr * g[i])));
			w[i] += v[i];
			g[i] = 0.0f;
		}
	}
}

#endif
