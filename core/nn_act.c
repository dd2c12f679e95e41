#include "nn_act.h"

#include <math.h>
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
		for (size_t i = 0; i < count; i++)
			x[i] = 1.0f / (1.0f + expf(-x[i]));
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
