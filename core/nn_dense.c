#include "nn_dense.h"

/* The inner loops run over IN, the long contiguous dimension, so they
 * vectorize; reductions are marked for SIMD (-fopenmp-simd). */

static float dot(const float *restrict x, const float *restrict y, size_t n)
{
	float s = 0.0f;

#pragma omp simd reduction(+ : s)
	for (size_t i = 0; i < n; i++)
		s += x[i] * y[i];
	return s;
}

static void axpy(float *restrict y, float a, const float *restrict x, size_t n)
{
#pragma omp simd
	for (size_t i = 0; i < n; i++)
		y[i] += a * x[i];
}

void nn_dense_forward(float *out, const float *in, const float *w, const float *b,
		      size_t batch, size_t in_n, size_t out_n)
{
	for (size_t r = 0; r < batch; r++) {
		const float *x = in + r * in_n;
		float *o = out + r * out_n;

		for (size_t j = 0; j < out_n; j++)
			o[j] = b[j] + dot(x, w + j * in_n, in_n);
	}
}

void nn_dense_backward(float *gw, float *gb, float *din, const float *dout,
		       const float *in, const float *w,
		       size_t batch, size_t in_n, size_t out_n)
{
	for (size_t j = 0; j < out_n; j++) {
		float *g = gw + j * in_n;
		float sb = 0.0f;

		for (size_t r = 0; r < batch; r++) {
			float d = dout[r * out_n + j];

			sb += d;
			axpy(g, d, in + r * in_n, in_n);
		}
		gb[j] += sb;
	}
	if (!din)
		return;
	for (size_t r = 0; r < batch; r++) {
		const float *d = dout + r * out_n;
		float *dx = din + r * in_n;

		for (size_t j = 0; j < out_n; j++)
			axpy(dx, d[j], w + j * in_n, in_n);
	}
}
