#include "nn_cost.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "nn_err.h"

static const struct {
	const char *name, *class_name;
} names[] = {
	[NN_QUADRATIC] = { "quadratic", "QuadraticCost" },
	[NN_CROSS_ENTROPY] = { "cross_entropy", "CrossEntropyCost" },
	[NN_LOG_LIKELIHOOD] = { "log_likelihood", "LogLikelihoodCost" },
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

/* ln x with x clamped to at least FLT_MIN, so a saturated output costs a
 * large finite amount; NaN stays NaN, so a diverged net shows as one. */
static double safe_log(double x)
{
	return isnan(x) ? x : log(x > FLT_MIN ? x : FLT_MIN);
}

double nn_cost_sum(const float *a, const int32_t *labels, size_t batch, size_t n,
		   enum nn_cost cost)
{
	double sum = 0.0;

	for (size_t r = 0; r < batch; r++) {
		const float *x = a + r * n;
		size_t label = (size_t)labels[r];

		switch (cost) {
		case NN_QUADRATIC:
			for (size_t j = 0; j < n; j++) {
				double e = x[j] - (j == label ? 1.0 : 0.0);

				sum += 0.5 * e * e;
			}
			break;
		case NN_CROSS_ENTROPY:
			for (size_t j = 0; j < n; j++)
				sum -= j == label ? safe_log(x[j]) : safe_log(1.0 - x[j]);
			break;
		case NN_LOG_LIKELIHOOD:
			sum -= safe_log(x[label]);
			break;
		}
	}
	return sum;
}

void nn_cost_delta(float *delta, const float *a, const int32_t *labels,
		   size_t batch, size_t n, enum nn_cost cost, enum nn_act act)
{
	int fused = (cost == NN_CROSS_ENTROPY && act == NN_SIGMOID) ||
		    (cost == NN_LOG_LIKELIHOOD && act == NN_SOFTMAX);

	for (size_t r = 0; r < batch; r++) {
		const float *x = a + r * n;
		float *d = delta + r * n;
		size_t label = (size_t)labels[r];

		for (size_t j = 0; j < n; j++) {
			float y = j == label ? 1.0f : 0.0f;

			if (fused || cost == NN_QUADRATIC) {
				d[j] = x[j] - y;  /* a - y; for quadratic, dC/da */
			} else if (cost == NN_CROSS_ENTROPY) {
				float den = x[j] * (1.0f - x[j]);

				d[j] = (x[j] - y) / (den > FLT_MIN ? den : FLT_MIN);
			} else {  /* log-likelihood: dC/da_label = -1/a_label */
				d[j] = j == label ? -1.0f / (x[j] > FLT_MIN ? x[j] : FLT_MIN) : 0.0f;
			}
		}
	}
	if (!fused)
		nn_act_backward(delta, a, batch, n, act);
}
