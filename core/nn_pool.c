#include "nn_pool.h"

#include "nn_layer.h"

void nn_pool_forward(float *out, uint32_t *arg, const float *in, size_t h, size_t w, size_t c,
		     size_t p, size_t batch)
{
	size_t oh = h / p, ow = w / p;

	for (size_t r = 0; r < batch; r++) {
		const float *x = in + r * h * w * c;
		float *o = out + r * oh * ow * c;
		uint32_t *a = arg + r * oh * ow * c;

		for (size_t oy = 0; oy < oh; oy++)
			for (size_t ox = 0; ox < ow; ox++)
				for (size_t ch = 0; ch < c; ch++) {
					size_t best = ((oy * p) * w + ox * p) * c + ch;

					/* The first of equal values wins, row by row. */
					for (size_t py = 0; py < p; py++)
						for (size_t px = 0; px < p; px++) {
							size_t i = ((oy * p + py) * w + ox * p + px) * c + ch;

							if (x[i] > x[best])
								best = i;
						}
					o[(oy * ow + ox) * c + ch] = x[best];
					a[(oy * ow + ox) * c + ch] = (uint32_t)best;
				}
	}
}

void nn_pool_backward(float *din, const float *dout, const uint32_t *arg, size_t h, size_t w,
		      size_t c, size_t p, size_t batch)
{
	size_t n = (h / p) * (w / p) * c;

	for (size_t r = 0; r < batch; r++)
		for (size_t i = 0; i < n; i++)
			din[r * h * w * c + arg[r * n + i]] += dout[r * n + i];
}

/* The max-pooling kind. */
static int pool_plan(struct nn_layer *l, struct nn_err *err)
{
	size_t p = l->spec.size;

	if (p == 0 || p > 64)
		return nn_errorf(err, NN_EINVAL, "a %zux%zu window, expected 1x1 to 64x64", p, p);
	if (l->in.h < p || l->in.w < p)
		return nn_errorf(err, NN_EINVAL, "input is %zux%zux%zu, smaller than the %zux%zu window",
				 l->in.c, l->in.h, l->in.w, p, p);
	l->out = (struct nn_shape){ l->in.h / p, l->in.w / p, l->in.c };
	l->nidx = nn_shape_size(l->out);
	return 0;
}

static void pool_forward(struct nn_layer *l, const float *in, float *scratch, struct nn_rng *rng,
			 size_t batch)
{
	(void)scratch;
	(void)rng;
	nn_pool_forward(l->a, l->idx, in, l->in.h, l->in.w, l->in.c, l->spec.size, batch);
}

static void pool_backward(struct nn_layer *l, float *din, const float *in, float *scratch,
			  size_t batch)
{
	(void)in;
	(void)scratch;
	if (din)
		nn_pool_backward(din, l->d, l->idx, l->in.h, l->in.w, l->in.c, l->spec.size, batch);
}

const struct nn_layer_kind nn_pool_kind = {
	.name = "pool",
	.plan = pool_plan,
	.forward = pool_forward,
	.backward = pool_backward,
};
