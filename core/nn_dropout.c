/* The dropout kind: in training each input is zeroed with probability p
 * and the kept ones are scaled by 1/(1 - p) (inverted dropout), so
 * inference passes the input through unchanged. network3.py scales the
 * next layer's weights by 1 - p at inference instead: the same net in
 * expectation. */
#include "nn_layer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dropout_plan(struct nn_layer *l, struct nn_err *err)
{
	if (!(l->spec.p >= 0.0f && l->spec.p < 1.0f))
		return nn_errorf(err, NN_EINVAL, "probability %g, expected at least 0 and below 1",
				 (double)l->spec.p);
	l->out = l->in;
	l->nmask = nn_shape_size(l->in);
	return 0;
}

static void dropout_forward(struct nn_layer *l, const float *in, const struct nn_work *x,
			    struct nn_rng *rng, size_t batch)
{
	size_t n = batch * nn_shape_size(l->in);
	float p = l->spec.p, keep = 1.0f / (1.0f - p);

	(void)x;
	l->dropped = rng && p > 0.0f;
	if (!l->dropped) {
		memcpy(l->a, in, n * sizeof(float));
		return;
	}
	/* nn_rng_uniform(rng) < p, its 53 bits x * 2^-53 < p, is x < p * 2^53,
	 * exact in doubles: for a whole x, x < ceil(p * 2^53). The same masks
	 * without a call and a conversion per element. */
	uint64_t below = (uint64_t)ceil((double)p * 0x1.0p53);
	struct nn_rng r = *rng;

	for (size_t i = 0; i < n; i++) {
		l->mask[i] = (nn_rng_u64(&r) >> 11) < below ? 0.0f : keep;
		l->a[i] = in[i] * l->mask[i];
	}
	*rng = r;
}

static void dropout_backward(struct nn_layer *l, float *din, const float *in, const struct nn_work *x,
			     size_t batch)
{
	size_t n = batch * nn_shape_size(l->in);

	(void)in;
	(void)x;
	if (!din)
		return;
	if (l->dropped)
		for (size_t i = 0; i < n; i++)
			din[i] += l->d[i] * l->mask[i];
	else
		for (size_t i = 0; i < n; i++)
			din[i] += l->d[i];
}

/* "dropout P" after its word, 0 <= P < 1. */
static int dropout_parse(const char *p, const char *text, struct nn_spec *out, int *named,
			 struct nn_err *err)
{
	char *end;
	double v;

	(void)named;
	errno = 0;
	v = strtod(p, &end);
	if (end == p || errno || end[strspn(end, " ")] || !(v >= 0.0 && v < 1.0))
		return nn_errorf(err, NN_EINVAL, "'%s': a dropout probability is at least 0 and below 1", text);
	out->p = (float)v;
	return 0;
}

static void dropout_format(const struct nn_spec *s, char *buf, size_t len)
{
	snprintf(buf, len, "dropout %g", (double)s->p);
}

const struct nn_layer_kind nn_dropout_kind = {
	.name = "dropout",
	.kind = NN_DROPOUT,
	.short_form = NN_SHORT_SKIP,
	.parse = dropout_parse,
	.format = dropout_format,
	.plan = dropout_plan,
	.forward = dropout_forward,
	.backward = dropout_backward,
};
