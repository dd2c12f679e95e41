#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_conv.h"
#include "nn_gemm.h"
#include "nn_rng.h"

/* 3 examples of 7 x 9 x 3, 4 maps of 3 x 3: odd shapes on purpose. */
static const struct nn_conv_shape shape = { 7, 9, 3, 3, 4 };
enum { B = 3 };

/* Two threads, so the products' split is exercised too. */
static struct nn_team *team;

static void start(void)
{
	team = nn_team_create(2, nn_conv_scratch(&shape, B), nn_conv_shared(&shape), NULL);
	cr_assert_not_null(team);
}

static void stop(void)
{
	nn_team_destroy(team);
}

TestSuite(nn_conv, .init = start, .fini = stop);

static void fill(float *x, size_t n, struct nn_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)nn_rng_normal(rng);
}

/* The convolution written plainly, as its definition. */
static void direct(float *out, const float *in, const float *w, const float *b)
{
	size_t oh = nn_conv_out_h(&shape), ow = nn_conv_out_w(&shape);
	const struct nn_conv_shape *s = &shape;

	for (size_t r = 0; r < B; r++)
		for (size_t oy = 0; oy < oh; oy++)
			for (size_t ox = 0; ox < ow; ox++)
				for (size_t m = 0; m < s->m; m++) {
					double sum = b[m];

					for (size_t ky = 0; ky < s->k; ky++)
						for (size_t kx = 0; kx < s->k; kx++)
							for (size_t c = 0; c < s->c; c++)
								sum += in[((r * s->h + oy + ky) * s->w + ox + kx) * s->c + c] *
								       w[((m * s->k + ky) * s->k + kx) * s->c + c];
					out[((r * oh + oy) * ow + ox) * s->m + m] = (float)sum;
				}
}

Test(nn_conv, forward_matches_a_direct_convolution)
{
	size_t nin = B * shape.h * shape.w * shape.c, nw = shape.m * shape.k * shape.k * shape.c;
	size_t nout = B * nn_conv_out_h(&shape) * nn_conv_out_w(&shape) * shape.m;
	float *in = malloc(nin * sizeof(float)), *w = malloc(nw * sizeof(float)), b[4];
	float *out = malloc(nout * sizeof(float)), *want = malloc(nout * sizeof(float));
	struct nn_rng rng;

	cr_assert_eq(nn_conv_out_h(&shape), 5);
	cr_assert_eq(nn_conv_out_w(&shape), 7);
	nn_rng_init(&rng, 4);
	fill(in, nin, &rng);
	fill(w, nw, &rng);
	fill(b, 4, &rng);
	nn_conv_forward(out, in, w, b, NULL, team, &shape, B);
	direct(want, in, w, b);
	for (size_t i = 0; i < nout; i++)
		cr_assert_float_eq(out[i], want[i], 1e-4, "output %zu: %g vs %g", i, out[i], want[i]);
	free(in);
	free(w);
	free(out);
	free(want);
}

/* L = sum out * g for a fixed g, so dL/dout = g. */
static double loss(const float *in, const float *w, const float *b, const float *g,
		   float *out, size_t nout)
{
	double l = 0;

	nn_conv_forward(out, in, w, b, NULL, team, &shape, B);
	for (size_t i = 0; i < nout; i++)
		l += (double)out[i] * g[i];
	return l;
}

/* Central differences of L in x[i], against the analytic gradient. */
static void check(float *x, const float *grad, size_t n, const char *what, const float *in,
		  const float *w, const float *b, const float *g, float *out, size_t nout)
{
	int nonzero = 0;

	for (size_t i = 0; i < n; i++) {
		float keep = x[i];
		const float eps = 1e-2f;

		x[i] = keep + eps;
		double up = loss(in, w, b, g, out, nout);
		x[i] = keep - eps;
		double down = loss(in, w, b, g, out, nout);
		x[i] = keep;
		double numeric = (up - down) / (2 * eps);

		cr_assert(fabs(numeric - grad[i]) <= 2e-3 + 2e-3 * fabs(numeric), "%s[%zu]: backprop %g, numeric %g",
			  what, i, (double)grad[i], numeric);
		nonzero |= grad[i] != 0;
	}
	cr_assert(nonzero, "the gradient of %s is all zero", what);
}

Test(nn_conv, backward_matches_numeric_grad)
{
	size_t nin = B * shape.h * shape.w * shape.c, nw = shape.m * shape.k * shape.k * shape.c;
	size_t nout = B * nn_conv_out_h(&shape) * nn_conv_out_w(&shape) * shape.m;
	float *in = malloc(nin * sizeof(float)), *w = malloc(nw * sizeof(float)), b[4];
	float *g = malloc(nout * sizeof(float)), *out = malloc(nout * sizeof(float));
	float *gw = calloc(nw, sizeof(float)), gb[4] = { 0 }, *din = calloc(nin, sizeof(float));
	struct nn_rng rng;

	nn_rng_init(&rng, 5);
	fill(in, nin, &rng);
	fill(w, nw, &rng);
	fill(b, 4, &rng);
	fill(g, nout, &rng);
	nn_conv_backward(gw, gb, din, g, in, NULL, w, team, &shape, B);
	check(w, gw, nw, "w", in, w, b, g, out, nout);
	check(b, gb, 4, "b", in, w, b, g, out, nout);
	check(in, din, nin, "in", in, w, b, g, out, nout);
	/* Without din the parameter gradients are the same. */
	float *gw2 = calloc(nw, sizeof(float)), gb2[4] = { 0 };
	nn_conv_backward(gw2, gb2, NULL, g, in, NULL, w, team, &shape, B);
	cr_assert_eq(memcmp(gw, gw2, nw * sizeof(float)), 0);
	free(gw2);
	free(in);
	free(w);
	free(g);
	free(out);
	free(gw);
	free(din);
}
