#include "nn_cost.h"

#include <string.h>

#include "nn_err.h"

static const struct {
	const char *name, *class_name;
} names[] = {
	[NN_QUADRATIC] = { "quadratic", "QuadraticCost" },
};

const char *nn_cost_name(enum nn_cost cost)
{
	if ((size_t)cost >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[cost].name;
}

const char *nn_cost_class_name(enum nn_cost cost)
{
	if ((size_t)cost >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[cost].class_name;
}

int nn_cost_parse(const char *name, enum nn_cost *cost)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i].name, name) == 0 ||
		    strcmp(names[i].class_name, name) == 0) {
			*cost = (enum nn_cost)i;
			return 0;
		}
	}
	return NN_EINVAL;
}

double nn_cost_sum(const float *a, const int32_t *labels, size_t batch, size_t n,
		   enum nn_cost cost)
{
	double sum = 0.0;

	switch (cost) {
	case NN_QUADRATIC:
		for (size_t r = 0; r < batch; r++) {
			const float *x = a + r * n;

			for (size_t j = 0; j < n; j++) {
				double e = x[j] - (j == (size_t)labels[r] ? 1.0 : 0.0);

				sum += 0.5 * e * e;
			}
		}
		break;
	}
	return sum;
}

void nn_cost_delta(float *delta, const float *a, const int32_t *labels,
		   size_t batch, size_t n, enum nn_cost cost, enum nn_act act)
{
	for (size_t r = 0; r < batch; r++)
		for (size_t j = 0; j < n; j++)
			delta[r * n + j] = a[r * n + j] - (j == (size_t)labels[r] ? 1.0f : 0.0f);
	switch (cost) {
	case NN_QUADRATIC:
		/* dC/da = a - y, times the activation's slope. */
		nn_act_backward(delta, a, batch * n, act);
		break;
	}
}
