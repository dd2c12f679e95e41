#include "nn_act.h"

#include <math.h>
#include <string.h>

#include "nn_err.h"

static const char *const names[] = {
	[NN_SIGMOID] = "sigmoid",
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

void nn_act_forward(float *x, size_t n, enum nn_act act)
{
	switch (act) {
	case NN_SIGMOID:
		for (size_t i = 0; i < n; i++)
			x[i] = 1.0f / (1.0f + expf(-x[i]));
		break;
	}
}

void nn_act_backward(float *d, const float *a, size_t n, enum nn_act act)
{
	switch (act) {
	case NN_SIGMOID:
		for (size_t i = 0; i < n; i++)
			d[i] *= a[i] * (1.0f - a[i]);
		break;
	}
}
