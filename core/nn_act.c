#include "nn_act.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn_err.h"

static const char *const names[] = {
	[NN_SIGMOID] = "sigmoid",
	[NN_TANH] = "tanh",
	[NN_RELU] = "relu",
	[NN_SOFTMAX] = "softmax",
};

const char *nn_act_name(enum nn_act act)
{
	if ((size_t)act >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[act];
}

int nn_act_parse(const char *name, enum nn_act *act)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i] && strcmp(names[i], name) == 0) {
			*act = (enum nn_act)i;
			return 0;
		}
	}
	return NN_EINVAL;
}

/* e^x within a few units in the last place, in plain arithmetic so that
 * loops over it vectorize (the C library's expf is a call per element,
 * which made the sigmoid of a conv net's maps cost as much as a layer's
 * products). x = n ln 2 + r, |r| <= ln 2 / 2, with ln 2 split in two so
 * that n ln 2 is exact; e^r by a degree-7 polynomial (Cephes' minimax
 * coefficients for expf); 2^n put straight into the exponent bits. x is
 * held to [-87.3, 88.3], where 2^n is a normal float; a NaN passes
 * through. No floorf or branch: either keeps GCC from vectorizing unless
 * floating-point traps are declared off. */
static float exp_vec(float x)
{
	float c = x > 88.3f ? 88.3f : x < -87.3f ? -87.3f : x;
	/* Adding 1.5 * 2^23 rounds x / ln 2 to the integer n, which then sits
	 * in the low mantissa bits; n + 127 shifted by 23 is 2^n's exponent. */
	union { float f; uint32_t u; } t = { .f = c * 1.44269504f + 12582912.0f };
	float n = t.f - 12582912.0f;
	float r = (c - n * 0.693359375f) + n * 2.12194440e-4f;
	float p = 1.9875691500e-4f;

	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * (r * r) + r + 1.0f;
	t.u = (t.u + 127) << 23;
	return p * t.f;
}

float nn_act_exp(float x)
{
	return exp_vec(x);
}

static void softmax_rows(float *x, size_t batch, size_t n)
{
	for (size_t r = 0; r < batch; r++) {
		float *row = x + r * n;
		float max = row[0], sum = 0.0f;

		for (size_t j = 1; j < n; j++)
			if (row[j] > max)
				max = row[j];
		for (size_t j = 0; j < n; j++) {
			row[j] = expf(row[j] - max);
			sum += row[j];
		}
		for (size_t j = 0; j < n; j++)
			row[j] /= sum;
	}
}

void nn_act_forward(float *x, size_t batch, size_t n, enum nn_act act)
{
	size_t count = batch * n;

	switch (act) {
	case NN_SIGMOID:
#pragma omp simd
		for (size_t i = 0; i < count; i++)
			x[i] = 1.0f / (1.0f + exp_vec(-x[i]));
		break;
	case NN_TANH:
		for (size_t i = 0; i < count; i++)
			x[i] = tanhf(x[i]);
		break;
	case NN_RELU:
		for (size_t i = 0; i < count; i++)
			x[i] = x[i] > 0.0f ? x[i] : 0.0f;
		break;
	case NN_SOFTMAX:
		softmax_rows(x, batch, n);
		break;
	}
}

void nn_act_backward(float *d, const float *a, size_t batch, size_t n, enum nn_act act)
{
	size_t count = batch * n;

	switch (act) {
	case NN_SIGMOID:
		for (size_t i = 0; i < count; i++)
			d[i] *= a[i] * (1.0f - a[i]);
		break;
	case NN_TANH:
		for (size_t i = 0; i < count; i++)
			d[i] *= 1.0f - a[i] * a[i];
		break;
	case NN_RELU:
		for (size_t i = 0; i < count; i++)
			d[i] = a[i] > 0.0f ? d[i] : 0.0f;
		break;
	case NN_SOFTMAX:
		/* dz_j = a_j (g_j - sum_k g_k a_k): the softmax Jacobian. */
		for (size_t r = 0; r < batch; r++) {
			float *g = d + r * n;
			const float *y = a + r * n;
			float dot = 0.0f;

			for (size_t j = 0; j < n; j++)
				dot += g[j] * y[j];
			for (size_t j = 0; j < n; j++)
				g[j] = y[j] * (g[j] - dot);
		}
		break;
	}
}
