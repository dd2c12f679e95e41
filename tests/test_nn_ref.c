/* Every fast kernel against its reference (core/nn_ref.c), on shapes that
 * are not multiples of any tile or vector width, and one training step of
 * whole nets, each layer kind and cost among them, against the reference
 * step. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_conv.h"
#include "nn_dense.h"
#include "nn_pool.h"
#include "nn_ref.h"
#include "nn_rng.h"
#include "nn_team.h"

static void fill(float *x, size_t n, struct nn_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(2 * nn_rng_uniform(rng) - 1);
}

/* Fast and reference agree to float rounding of sums of up to a few
 * thousand terms. */
static void same(const float *fast, const float *ref, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		cr_assert(fabsf(fast[i] - ref[i]) <= 1e-5f + 1e-4f * fabsf(ref[i]), "%s[%zu]: fast %.9g, reference %.9g",
			  what, i, (double)fast[i], (double)ref[i]);
}

Test(nn_ref, gemm)
{
	const size_t shapes[][3] = { { 1, 1, 1 }, { 7, 33, 5 }, { 17, 40, 300 }, { 9, 3, 257 } };
	struct nn_rng rng;

	nn_rng_init(&rng, 1);
	for (size_t s = 0; s < 4; s++)
		for (int mode = 0; mode < 16; mode++) {
			size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
			float *a = malloc(m * k * 4), *b = malloc(k * n * 4), *bias = malloc(n * 4);
			float *c1 = malloc(m * n * 4), *c2 = malloc(m * n * 4), *pack = malloc(nn_gemm_scratch(n) * 4);
			struct nn_gemm g = { .c = c1, .ldc = n, .a = a, .ta = mode & 1, .b = b, .tb = (mode >> 1) & 1,
					     .m = m, .n = n, .k = k, .bias = mode & 4 ? bias : NULL,
					     .accumulate = (mode >> 3) & 1 };

			g.lda = g.ta ? m : k;
			g.ldb = g.tb ? k : n;
			fill(a, m * k, &rng);
			fill(b, k * n, &rng);
			fill(bias, n, &rng);
			fill(c1, m * n, &rng);
			memcpy(c2, c1, m * n * 4);
			nn_gemm(&g, pack);
			g.c = c2;
			nn_ref_gemm(&g);
			same(c1, c2, m * n, "gemm");
			free(a), free(b), free(bias), free(c1), free(c2), free(pack);
		}
}

Test(nn_ref, fully_connected)
{
	enum { B = 7, IN = 37, OUT = 13 };
	float in[B * IN], w[OUT * IN], b[OUT], out1[B * OUT], out2[B * OUT], dout[B * OUT];
	float gw1[OUT * IN] = { 0 }, gw2[OUT * IN] = { 0 }, gb1[OUT] = { 0 }, gb2[OUT] = { 0 };
	float din1[B * IN] = { 0 }, din2[B * IN] = { 0 };
	struct nn_rng rng;

	nn_rng_init(&rng, 2);
	fill(in, B * IN, &rng), fill(w, OUT * IN, &rng), fill(b, OUT, &rng), fill(dout, B * OUT, &rng);
	nn_dense_forward(out1, in, w, b, B, IN, OUT);
	nn_ref_fc_forward(out2, in, w, b, B, IN, OUT);
	same(out1, out2, B * OUT, "fc forward");
	nn_dense_backward(gw1, gb1, din1, dout, in, w, B, IN, OUT);
	nn_ref_fc_backward(gw2, gb2, din2, dout, in, w, B, IN, OUT);
	same(gw1, gw2, OUT * IN, "fc gw");
	same(gb1, gb2, OUT, "fc gb");
	same(din1, din2, B * IN, "fc din");
}

Test(nn_ref, convolution_on_two_threads)
{
	const struct nn_conv_shape s = { 9, 11, 3, 4, 5 };
	enum { B = 6 };
	size_t in_n = 9 * 11 * 3, out_n = 6 * 8 * 5, nw = 5 * 4 * 4 * 3;
	float *in = malloc(B * in_n * 4), *w = malloc(nw * 4), *b = malloc(5 * 4), *dout = malloc(B * out_n * 4);
	float *o1 = malloc(B * out_n * 4), *o2 = malloc(B * out_n * 4);
	float *gw1 = calloc(nw, 4), *gw2 = calloc(nw, 4), *gb1 = calloc(5, 4), *gb2 = calloc(5, 4);
	float *d1 = calloc(B * in_n, 4), *d2 = calloc(B * in_n, 4);
	struct nn_team *team = nn_team_create(2, nn_conv_scratch(&s, B), nn_conv_shared(&s), NULL);
	struct nn_rng rng;

	nn_rng_init(&rng, 3);
	fill(in, B * in_n, &rng), fill(w, nw, &rng), fill(b, 5, &rng), fill(dout, B * out_n, &rng);
	nn_conv_forward(o1, in, w, b, NULL, team, &s, B);
	const struct nn_ref_conv rs = { 9, 11, 3, 4, 5 };
	nn_ref_conv_forward(o2, in, w, b, &rs, B);
	same(o1, o2, B * out_n, "conv forward");
	nn_conv_backward(gw1, gb1, d1, dout, in, NULL, w, team, &s, B);
	nn_ref_conv_backward(gw2, gb2, d2, dout, in, w, &rs, B);
	same(gw1, gw2, nw, "conv gw");
	same(gb1, gb2, 5, "conv gb");
	same(d1, d2, B * in_n, "conv din");
	nn_team_destroy(team);
	free(in), free(w), free(b), free(dout), free(o1), free(o2), free(gw1), free(gw2), free(gb1), free(gb2);
	free(d1), free(d2);
}

Test(nn_ref, pooling_with_ties)
{
	enum { B = 2, H = 9, W = 7, C = 5, P = 2, OUT = B * (H / P) * (W / P) * C };
	float in[B * H * W * C], o1[OUT], o2[OUT], dout[OUT], d1[B * H * W * C] = { 0 }, d2[B * H * W * C] = { 0 };
	uint32_t arg[OUT];
	struct nn_rng rng;

	nn_rng_init(&rng, 4);
	for (size_t i = 0; i < B * H * W * C; i++)
		in[i] = (float)(int)(nn_rng_uniform(&rng) * 3);
	fill(dout, OUT, &rng);
	nn_pool_forward(o1, arg, in, H, W, C, P, B);
	nn_ref_pool_forward(o2, in, H, W, C, P, B);
	same(o1, o2, OUT, "pool forward");
	nn_pool_backward(d1, dout, arg, H, W, C, P, B);
	nn_ref_pool_backward(d2, dout, in, H, W, C, P, B);
	same(d1, d2, B * H * W * C, "pool backward");
}

Test(nn_ref, activations_and_the_step)
{
	enum { B = 3, N = 37 };
	const enum nn_act acts[] = { NN_SIGMOID, NN_TANH, NN_RELU, NN_SOFTMAX };
	float x1[B * N], x2[B * N], d1[B * N], d2[B * N];
	struct nn_rng rng;

	nn_rng_init(&rng, 5);
	for (size_t k = 0; k < 4; k++) {
		fill(x1, B * N, &rng);
		for (size_t i = 0; i < B * N; i++)
			x1[i] *= 8;
		memcpy(x2, x1, sizeof(x1));
		nn_act_forward(x1, B, N, acts[k]);
		nn_ref_act_forward(x2, B, N, acts[k]);
		same(x1, x2, B * N, nn_act_name(acts[k]));
		if (acts[k] == NN_SOFTMAX)
			continue;
		fill(d1, B * N, &rng);
		memcpy(d2, d1, sizeof(d1));
		nn_act_backward(d1, x1, B, N, acts[k]);
		nn_ref_act_backward(d2, x1, B, N, acts[k]);
		same(d1, d2, B * N, nn_act_name(acts[k]));
	}
	for (int mode = 0; mode < 4; mode++) {
		float w1[N], w2[N], g1[N], g2[N], v1[N], v2[N];
		float l2 = mode & 1 ? 0.01f : 0, l1 = mode & 2 ? 0.003f : 0, mu = mode ? 0.9f : 0;

		fill(w1, N, &rng), fill(g1, N, &rng), fill(v1, N, &rng);
		memcpy(w2, w1, sizeof(w1)), memcpy(g2, g1, sizeof(g1)), memcpy(v2, v1, sizeof(v1));
		nn_step_update(w1, g1, v1, N, 0.1f, l2, l1, mu);
		nn_ref_step(w2, g2, v2, N, 0.1f, l2, l1, mu);
		same(w1, w2, N, "step w");
		same(v1, v2, N, "step v");
		same(g1, g2, N, "step g");
	}
}

/* Two mini-batches of SGD with L2 and momentum: the model's training step
 * on 2 threads and the reference's give the same parameters. Mini-batches
 * of 12: fully connected blocks of 5 examples and of 10 (a layer of 2^17
 * weights or more) both with a remainder. */
static void net_step(const char *const *layers, size_t nl, struct nn_shape in, enum nn_act act,
		     enum nn_cost cost)
{
	enum { BATCH = 12 };
	struct nn_spec specs[NN_MAX_LAYERS];
	struct nn_rng rng;
	struct nn_err err = { 0, "" };
	struct nn_model *fast, *ref;
	size_t n_in = nn_shape_size(in);
	float *x = malloc(BATCH * n_in * sizeof(float));
	int32_t labels[BATCH];
	struct nn_step step = { .lr = 0.3f / BATCH, .l2 = 0.001f, .momentum = 0.5f };

	for (size_t i = 0; i < nl; i++)
		cr_assert_eq(nn_spec_parse(layers[i], act, &specs[i], NULL, &err), 0, "%s", err.msg);
	fast = nn_model_create(specs, nl, in, BATCH, &err);
	ref = nn_model_create(specs, nl, in, BATCH, &err);
	cr_assert(fast && ref, "%s", err.msg);
	cr_assert_eq(nn_model_set_threads(fast, 2, &err), 0);
	nn_model_set_cost(fast, cost);
	nn_model_set_cost(ref, cost);
	nn_rng_init(&rng, 6);
	nn_model_init_scaled(fast, &rng);
	cr_assert_eq(nn_model_copy_params(ref, fast, &err), 0, "%s", err.msg);
	for (int batch = 0; batch < 2; batch++) {
		for (size_t i = 0; i < BATCH * n_in; i++)
			x[i] = (float)nn_rng_uniform(&rng);
		for (size_t r = 0; r < BATCH; r++)
			labels[r] = (int32_t)nn_rng_below(&rng, 10);
		memcpy(nn_model_input(fast), x, BATCH * n_in * sizeof(float));
		nn_model_forward_train(fast, BATCH, &rng);
		nn_model_backward_step(fast, labels, BATCH, &step);
		cr_assert_eq(nn_ref_train_batch(ref, x, labels, BATCH, &step), 0, "%s", layers[0]);
	}
	for (size_t k = 0; k < nn_model_layer_count(fast); k++) {
		const struct nn_layer *a = nn_model_layer(fast, k), *b = nn_model_layer(ref, k);
		char what[64];

		snprintf(what, sizeof(what), "%s ...: layer %zu w", layers[0], k);
		same(a->w, b->w, a->nw, what);
		snprintf(what, sizeof(what), "%s ...: layer %zu b", layers[0], k);
		same(a->b, b->b, a->nb, what);
	}
	nn_model_destroy(fast);
	nn_model_destroy(ref);
	free(x);
}

Test(nn_ref, a_training_step_of_whole_nets)
{
	const struct nn_shape flat = { 1, 1, 64 }, image = { 14, 12, 2 };
	const char *dense[] = { "fc 30", "fc 10 sigmoid" };
	const char *wide[] = { "fc 2101", "fc 60", "softmax 10" };   /* 134,464 weights: shared, wide blocks, a last odd row */
	const char *conv[] = { "conv 6x3x3", "pool 2", "conv 5x3x3", "fc 20", "softmax 10" };

	net_step(dense, 2, flat, NN_SIGMOID, NN_QUADRATIC);
	net_step(dense, 2, flat, NN_SIGMOID, NN_CROSS_ENTROPY);
	net_step(dense, 2, flat, NN_TANH, NN_CROSS_ENTROPY);
	net_step(wide, 3, flat, NN_RELU, NN_LOG_LIKELIHOOD);
	net_step(conv, 5, image, NN_SIGMOID, NN_LOG_LIKELIHOOD);
	net_step(conv, 5, image, NN_RELU, NN_LOG_LIKELIHOOD);
}

/* Nets the reference does not model say so and change nothing. */
Test(nn_ref, dropout_and_other_pairings_are_refused)
{
	struct nn_spec specs[3];
	struct nn_err err = { 0, "" };
	float x[4] = { 0 };
	int32_t y[1] = { 0 };
	struct nn_step step = { .lr = 1 };

	cr_assert_eq(nn_spec_parse("dropout 0.5", NN_SIGMOID, &specs[0], NULL, &err), 0);
	cr_assert_eq(nn_spec_parse("fc 3", NN_SIGMOID, &specs[1], NULL, &err), 0);
	struct nn_model *m = nn_model_create(specs, 2, (struct nn_shape){ 1, 1, 4 }, 1, &err);
	cr_assert_not_null(m, "%s", err.msg);
	cr_assert_eq(nn_ref_train_batch(m, x, y, 1, &step), NN_EINVAL);
	nn_model_destroy(m);
	m = nn_model_create(specs + 1, 1, (struct nn_shape){ 1, 1, 4 }, 1, &err);
	nn_model_set_cost(m, NN_LOG_LIKELIHOOD);
	float before = nn_model_layer(m, 0)->b[0] = 0.25f;
	cr_assert_eq(nn_ref_train_batch(m, x, y, 1, &step), NN_EINVAL);
	cr_assert_eq(nn_model_layer(m, 0)->b[0], before);
	nn_model_destroy(m);
}
