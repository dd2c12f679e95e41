#include "nn_pool.h"

#include <stdio.h>
#include <string.h>

#include "nn_layer.h"
#include "nn_ref.h"

/* Each window's elements compared inside one loop over the channels,
 * which vectorizes when the window loops unroll: inlined with a constant
 * p for p = 2 and 3 (bench-conv's pool1: 0.64 -> 0.18 s per 50,000), and
 * with a constant record, so that without the winners (arg NULL) their
 * bookkeeping is compiled out. */
static inline __attribute__((always_inline)) void
pool_windows(float *out, uint32_t *arg, const float *in, size_t h, size_t w, size_t c, size_t p, size_t batch,
	     int record)
{
	size_t oh = h / p, ow = w / p;

	for (size_t r = 0; r < batch; r++) {
		const float *x = in + r * h * w * c;
		float *o = out + r * oh * ow * c;

		for (size_t oy = 0; oy < oh; oy++)
			for (size_t ox = 0; ox < ow; ox++) {
				float *restrict ov = o + (oy * ow + ox) * c;
				uint32_t *restrict av = record ? arg + (r * oh * ow + oy * ow + ox) * c : NULL;
				size_t first = ((oy * p) * w + ox * p) * c;

				for (size_t ch = 0; ch < c; ch++) {
					float best = x[first + ch];
					uint32_t at = (uint32_t)(first + ch);

					/* The first of equal values wins, row by row. */
					for (size_t py = 0; py < p; py++)
						for (size_t px = 0; px < p; px++) {
							size_t i = ((oy * p + py) * w + ox * p + px) * c + ch;
							float v = x[i];
							int win = v > best;

							best = win ? v : best;
							at = win ? (uint32_t)i : at;
						}
					ov[ch] = best;
					if (record)
						av[ch] = at;
				}
			}
	}
}

void nn_pool_forward(float *out, uint32_t *arg, const float *in, size_t h, size_t w, size_t c,
		     size_t p, size_t batch)
{
	if (arg) {
		switch (p) {
		case 2: pool_windows(out, arg, in, h, w, c, 2, batch, 1); break;
		case 3: pool_windows(out, arg, in, h, w, c, 3, batch, 1); break;
		default: pool_windows(out, arg, in, h, w, c, p, batch, 1); break;
		}
	} else {
		switch (p) {
		case 2: pool_windows(out, NULL, in, h, w, c, 2, batch, 0); break;
		case 3: pool_windows(out, NULL, in, h, w, c, 3, batch, 0); break;
		default: pool_windows(out, NULL, in, h, w, c, p, batch, 0); break;
		}
	}
}

void nn_pool_backward(float *din, const float *dout, const uint32_t *arg, size_t h, size_t w,
		      size_t c, size_t p, size_t batch)
{
	size_t n = (h / p) * (w / p) * c;

	memset(din, 0, batch * h * w * c * sizeof(float));
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
	if (l->in.h == 1 && l->in.w == 1 && p > 1)
		return nn_errorf(err, NN_EINVAL, "input is a vector of %zu values (a 1x1 image of %zu channels, which only a 1x1 window fits), not an image for a %zux%zu window: name the input's image shape with a first layer 'input CxHxW', and put convolutions and pooling before fully connected layers",
				 l->in.c, l->in.c, p, p);
	if (l->in.h < p || l->in.w < p)
		return nn_errorf(err, NN_EINVAL, "input is %zux%zux%zu, smaller than the %zux%zu window",
				 l->in.c, l->in.h, l->in.w, p, p);
	l->out = (struct nn_shape){ l->in.h / p, l->in.w / p, l->in.c };
	l->nidx = nn_shape_size(l->out);
	return 0;
}

/* A pass split among the team's threads by examples. */
struct job {
	struct nn_layer *l;
	const float *in;
	float *din;
	size_t batch;
};

/* Examples [e0, e1) forward, with their winners after a training
 * pass's begin. */
static void pool_forward_examples(struct nn_layer *l, const float *in, size_t e0, size_t e1,
				  struct nn_team *team, size_t thread)
{
	(void)team;
	(void)thread;
	size_t in_n = nn_shape_size(l->in), out_n = nn_shape_size(l->out);

	nn_pool_forward(l->a + e0 * out_n, l->dropped ? l->idx + e0 * out_n : NULL, in + e0 * in_n, l->in.h,
			l->in.w, l->in.c, l->spec.size, e1 - e0);
}

static void forward_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	const struct job *j = ctx;

	pool_forward_examples(j->l, j->in, j->batch * part / parts, j->batch * (part + 1) / parts, NULL, thread);
}

static void backward_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	(void)thread;
	const struct job *j = ctx;
	const struct nn_layer *l = j->l;
	size_t e0 = j->batch * part / parts, e1 = j->batch * (part + 1) / parts;
	size_t in_n = nn_shape_size(l->in), out_n = nn_shape_size(l->out);

	nn_pool_backward(j->din + e0 * in_n, l->d + e0 * out_n, l->idx + e0 * out_n, l->in.h, l->in.w,
			 l->in.c, l->spec.size, e1 - e0);
}

/* Training records each window's winner for the backward pass;
 * inference only takes the maxima (a backward pass after it finds them
 * again). */
static void pool_forward_begin(struct nn_layer *l, struct nn_rng *rng)
{
	l->dropped = rng != NULL;
}

static void pool_forward(struct nn_layer *l, const float *in, const struct nn_work *x, struct nn_rng *rng,
			 size_t batch)
{
	struct job j = { l, in, NULL, batch };

	pool_forward_begin(l, rng);
	nn_team_run(x->team, forward_part, &j, nn_team_parts(x->team));
}

static void pool_backward(struct nn_layer *l, float *din, const float *in, const struct nn_work *x,
			  size_t batch)
{
	struct job j = { l, in, din, batch };

	if (din && !l->dropped) {
		l->dropped = 1;
		nn_team_run(x->team, forward_part, &j, nn_team_parts(x->team));
	}
	if (din)
		nn_team_run(x->team, backward_part, &j, nn_team_parts(x->team));
}

/* "pool P" (or "PxP") after its word. */
static int pool_parse(const char *p, const char *text, struct nn_spec *out, int *named,
		      struct nn_err *err)
{
	size_t b;

	(void)named;
	if (nn_spec_count(&p, &out->size) < 0)
		return nn_errorf(err, NN_EINVAL, "'%s': expected a count of 1 to %u after 'pool'", text, 1u << 24);
	if (*p == 'x' && (p++, nn_spec_count(&p, &b) < 0 || b != out->size))
		return nn_errorf(err, NN_EINVAL, "'%s': pooling windows are square (pool P or pool PxP)", text);
	if (p[strspn(p, " ")])
		return nn_errorf(err, NN_EINVAL, "'%s': unexpected '%s' after the window", text,
				 p + strspn(p, " "));
	return 0;
}

static void pool_format(const struct nn_spec *s, char *buf, size_t len)
{
	snprintf(buf, len, "pool %zu", s->size);
}

static void pool_ref_forward(const struct nn_layer *l, const float *in, float *out, size_t batch)
{
	nn_ref_pool_forward(out, in, l->in.h, l->in.w, l->in.c, l->spec.size, batch);
}

static void pool_ref_backward(const struct nn_layer *l, const float *d, const float *in, float *din, float *gw,
			      float *gb, size_t batch)
{
	(void)gw;
	(void)gb;
	if (din)
		nn_ref_pool_backward(din, d, in, l->in.h, l->in.w, l->in.c, l->spec.size, batch);
}

/* network3.py divides a convolution's fan_out by the pooling's area. */
static double pool_fan_out_divisor(const struct nn_layer *l)
{
	return (double)(l->spec.size * l->spec.size);
}

const struct nn_layer_kind nn_pool_kind = {
	.name = "pool",
	.kind = NN_POOL,
	.takes_activation = 1,
	.sets_din = 1,
	.fan_out_divisor = pool_fan_out_divisor,
	.parse = pool_parse,
	.format = pool_format,
	.plan = pool_plan,
	.forward = pool_forward,
	.forward_begin = pool_forward_begin,
	.forward_examples = pool_forward_examples,
	.backward = pool_backward,
	.ref_forward = pool_ref_forward,
	.ref_backward = pool_ref_backward,
};
