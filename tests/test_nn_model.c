#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_model.h"
#include "nn_train.h"

/* Whether each unit of each hidden layer is active (a > 0), for spotting
 * ReLU kinks. */
static void active_pattern(const struct nn_model *m, size_t batch, unsigned char *out)
{
	size_t k = 0;

	for (size_t l = 0; l + 1 < m->nlayers; l++)
		for (size_t i = 0; i < batch * nn_shape_size(m->layers[l].out); i++)
			out[k++] = m->layers[l].a[i] > 0.0f;
}

/* The short form with activations and dropout after the hidden layers. */
static struct nn_model *dense_model(const size_t *sizes, size_t n, size_t batch, enum nn_act hidden,
				    enum nn_act output, float dropout)
{
	struct nn_spec specs[NN_MAX_LAYERS];
	size_t count = nn_specs_dense(specs, NN_MAX_LAYERS, sizes, n, hidden, output, dropout);

	return nn_model_create(specs, count, (struct nn_shape){ 1, 1, sizes[0] }, batch, NULL);
}

/* Central differences over every parameter against backprop, for one
 * combination; returns the number of parameters checked. With dropout on,
 * every forward pass redraws the same masks from a copy of mask_rng. */
static size_t grad_check(enum nn_act hidden, enum nn_act output, enum nn_cost cost,
			 float dropout)
{
	const size_t sizes[] = { 5, 4, 3, 3 };
	const size_t batch = 3;
	int32_t labels[] = { 0, 2, 1 };
	struct nn_rng rng, mask_rng, r;
	struct nn_model *m = dense_model(sizes, 4, batch, hidden, output, dropout);
	unsigned char base[64] = { 0 }, up_pat[64] = { 0 }, down_pat[64] = { 0 };
	double max_grad = 0;
	size_t checked = 0, skipped = 0;
	const char *what = nn_act_name(hidden);

	cr_assert_not_null(m);
	m->cost = cost;
	nn_rng_init(&rng, 11);
	nn_rng_init(&mask_rng, 12);
	nn_model_init_scaled(m, &rng);
	for (size_t i = 0; i < batch * sizes[0]; i++)
		nn_model_input(m)[i] = (float)nn_rng_uniform(&rng);

	r = mask_rng;
	nn_model_forward_train(m, batch, &r);
	active_pattern(m, batch, base);
	nn_model_backward(m, labels, batch);

	const float eps = 1e-2f;
	for (size_t i = 0; i < m->nparams; i++) {
		float saved = m->params[i];
		double up, down, numeric;
		const float *a;

		m->params[i] = saved + eps;
		r = mask_rng;
		a = nn_model_forward_train(m, batch, &r);
		up = nn_cost_sum(a, labels, batch, 3, cost);
		active_pattern(m, batch, up_pat);
		m->params[i] = saved - eps;
		r = mask_rng;
		a = nn_model_forward_train(m, batch, &r);
		down = nn_cost_sum(a, labels, batch, 3, cost);
		active_pattern(m, batch, down_pat);
		m->params[i] = saved;
		if (memcmp(base, up_pat, sizeof(base)) || memcmp(base, down_pat, sizeof(base))) {
			skipped++; /* the step crosses a ReLU kink: no derivative there */
			continue;
		}
		numeric = (up - down) / (2.0 * eps);
		if (fabs(m->grads[i]) > max_grad)
			max_grad = fabs(m->grads[i]);
		cr_expect_leq(fabs(numeric - m->grads[i]), 2e-3 + 2e-2 * fabs(numeric),
			      "%s/%s/%s dropout %g, param %zu: backprop %g, numeric %g", what,
			      nn_act_name(output), nn_cost_name(cost), (double)dropout, i,
			      (double)m->grads[i], numeric);
		checked++;
	}
	cr_assert_gt(max_grad, 1e-3, "%s/%s/%s: the gradient is all zero", what,
		     nn_act_name(output), nn_cost_name(cost));
	cr_assert_leq(skipped, m->nparams / 10, "%zu parameters skipped at kinks", skipped);
	nn_model_destroy(m);
	return checked;
}

Test(nn_model, backward_matches_numeric_grad)
{
	const enum nn_act hidden[] = { NN_SIGMOID, NN_TANH, NN_RELU };
	const enum nn_act output[] = { NN_SIGMOID, NN_SOFTMAX };
	const enum nn_cost cost[] = { NN_QUADRATIC, NN_CROSS_ENTROPY, NN_LOG_LIKELIHOOD };
	size_t checked = 0;

	for (int h = 0; h < 3; h++)
		for (int o = 0; o < 2; o++)
			for (int c = 0; c < 3; c++)
				checked += grad_check(hidden[h], output[o], cost[c], 0.0f);
	/* 18 combinations of 43 parameters, a few skipped at ReLU kinks. */
	cr_assert_geq(checked, 18 * 43 - 20);
}

Test(nn_model, backward_through_dropout_matches_numeric_grad)
{
	grad_check(NN_SIGMOID, NN_SIGMOID, NN_CROSS_ENTROPY, 0.5f);
	grad_check(NN_RELU, NN_SOFTMAX, NN_LOG_LIKELIHOOD, 0.3f);
}

Test(nn_model, dropout_zeroes_and_scales_hidden_units)
{
	const size_t sizes[] = { 4, 200, 2 };
	struct nn_model *m = dense_model(sizes, 3, 8, NN_SIGMOID, NN_SIGMOID, 0.25f);
	struct nn_rng rng;
	size_t zero = 0, total = 8 * 200;

	cr_assert_eq(m->nlayers, 3);
	cr_assert_eq(m->layers[1].spec.kind, NN_DROPOUT);
	nn_rng_init(&rng, 4);
	nn_model_init_large(m, &rng);
	for (size_t i = 0; i < 8 * 4; i++)
		nn_model_input(m)[i] = 0.5f;
	nn_model_forward_train(m, 8, &rng);
	for (size_t i = 0; i < total; i++) {
		if (m->layers[1].a[i] == 0.0f) {
			zero++;
		} else {
			/* kept units are scaled by 1/(1 - p) */
			cr_assert_float_eq(m->layers[1].a[i], m->layers[0].a[i] / 0.75f, 1e-6);
		}
	}
	cr_assert(zero > total / 4 - 80 && zero < total / 4 + 80, "%zu of %zu dropped", zero, total);
	/* Inference applies no dropout. */
	nn_model_forward(m, 8);
	for (size_t i = 0; i < total; i++)
		cr_assert_eq(m->layers[1].a[i], m->layers[0].a[i]);
	nn_model_destroy(m);

	struct nn_err err = { 0, "" };
	struct nn_spec bad[] = { { .kind = NN_DROPOUT, .p = 1.0f }, { .kind = NN_FC, .size = 2 } };
	cr_assert_null(nn_model_create(bad, 2, (struct nn_shape){ 1, 1, 4 }, 8, &err));
	cr_assert_str_eq(err.msg, "layer 0 'dropout 1': probability 1, expected at least 0 and below 1");
}

static double sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/* One step on a [2, 2] net, computed by hand from the book's update rule:
 * w -= eta/m sum_x delta_x a_x^T, b -= eta/m sum_x delta_x, with
 * delta = (a - y) sigma'(z) for the quadratic cost. */
Test(nn_model, sgd_step_matches_update_rule)
{
	const size_t sizes[] = { 2, 2 };
	const float w0[4] = { 0.5f, -0.25f, 0.75f, 0.1f }; /* rows: out 0, out 1 */
	const float b0[2] = { 0.1f, -0.2f };
	const float x[2][2] = { { 1.0f, 0.5f }, { 0.0f, 1.0f } };
	int32_t labels[2] = { 0, 1 };
	const double eta = 3.0;
	double w[4], b[2], gw[4] = { 0 }, gb[2] = { 0 };
	struct nn_model *m = nn_model_create_dense(sizes, 2, 2, NULL);

	cr_assert_not_null(m);
	memcpy(nn_model_weighted(m, 0)->w, w0, sizeof(w0));
	memcpy(nn_model_weighted(m, 0)->b, b0, sizeof(b0));
	for (int j = 0; j < 4; j++)
		w[j] = w0[j];
	for (int j = 0; j < 2; j++)
		b[j] = b0[j];
	for (int r = 0; r < 2; r++) {
		for (int o = 0; o < 2; o++) {
			double z = w[o * 2] * x[r][0] + w[o * 2 + 1] * x[r][1] + b[o];
			double a = sigmoid(z);
			double y = labels[r] == o ? 1.0 : 0.0;
			double delta = (a - y) * a * (1.0 - a);

			gw[o * 2] += delta * x[r][0];
			gw[o * 2 + 1] += delta * x[r][1];
			gb[o] += delta;
		}
	}
	memcpy(nn_model_input(m), x, sizeof(x));
	nn_model_forward(m, 2);
	nn_model_backward(m, labels, 2);
	struct nn_step step = { (float)(eta / 2), 0, 0, 0 };
	nn_model_step(m, &step);
	for (int j = 0; j < 4; j++)
		cr_expect_float_eq(nn_model_weighted(m, 0)->w[j], w[j] - eta / 2 * gw[j], 1e-6, "w[%d]", j);
	for (int j = 0; j < 2; j++)
		cr_expect_float_eq(nn_model_weighted(m, 0)->b[j], b[j] - eta / 2 * gb[j], 1e-6, "b[%d]", j);
	/* The step moved the weights, and left the gradients zeroed. */
	cr_assert_gt(fabs(nn_model_weighted(m, 0)->w[0] - w0[0]), 1e-4);
	for (size_t i = 0; i < m->nparams; i++)
		cr_assert_eq(m->grads[i], 0.0f);
	nn_model_destroy(m);
}

/* The book's L2 rule over one epoch of two mini-batches on a [2, 2] net,
 * n = 4 examples, m = 2: w <- (1 - eta lambda/n) w - (eta/m) sum grad,
 * biases not decayed. Computed here in double, independently. */
Test(nn_model, l2_update_matches_the_book)
{
	const size_t sizes[] = { 2, 2 };
	uint8_t x[4 * 2] = { 255, 0, 0, 255, 128, 64, 32, 200 };
	int32_t y[4] = { 0, 1, 1, 0 };
	uint32_t order[4] = { 0, 1, 2, 3 };
	const double eta = 0.5, lambda = 3.0, n = 4;
	double w[4] = { 0.3, -0.2, 0.1, 0.4 }, b[2] = { -0.1, 0.2 };
	struct nn_model *m = nn_model_create_dense(sizes, 2, 2, NULL);
	struct nn_data d = { x, NN_U8, 1.0f / 255.0f, y, 4, 2 };
	struct nn_sgd sgd = { .batch_size = 2, .eta = (float)eta, .l2 = (float)lambda };
	struct nn_rng rng;

	for (int i = 0; i < 4; i++)
		nn_model_weighted(m, 0)->w[i] = (float)w[i];
	nn_model_weighted(m, 0)->b[0] = (float)b[0];
	nn_model_weighted(m, 0)->b[1] = (float)b[1];
	nn_rng_init(&rng, 1);
	nn_train_epoch(m, &d, &sgd, order, &rng, NULL, NULL);
	for (int k = 0; k < 4; k += 2) {
		double gw[4] = { 0 }, gb[2] = { 0 };

		for (int r = k; r < k + 2; r++) {
			double in[2] = { x[r * 2] / 255.0, x[r * 2 + 1] / 255.0 };

			for (int o = 0; o < 2; o++) {
				double a = sigmoid(w[o * 2] * in[0] + w[o * 2 + 1] * in[1] + b[o]);
				double delta = (a - (y[r] == o)) * a * (1 - a);

				gw[o * 2] += delta * in[0];
				gw[o * 2 + 1] += delta * in[1];
				gb[o] += delta;
			}
		}
		for (int i = 0; i < 4; i++)
			w[i] = (1 - eta * lambda / n) * w[i] - eta / 2 * gw[i];
		for (int o = 0; o < 2; o++)
			b[o] -= eta / 2 * gb[o];
	}
	for (int i = 0; i < 4; i++)
		cr_expect_float_eq(nn_model_weighted(m, 0)->w[i], w[i], 1e-6, "w[%d]: %g vs %g", i, (double)nn_model_weighted(m, 0)->w[i], w[i]);
	for (int o = 0; o < 2; o++)
		cr_expect_float_eq(nn_model_weighted(m, 0)->b[o], b[o], 1e-6, "b[%d]", o);
	nn_model_destroy(m);
}

Test(nn_model, momentum_and_l1_follow_their_rules)
{
	const size_t sizes[] = { 1, 1 };
	struct nn_model *m = nn_model_create_dense(sizes, 2, 1, NULL);
	struct nn_step s = { .lr = 0.1f, .l1 = 0.01f, .momentum = 0.9f };

	nn_model_weighted(m, 0)->w[0] = 1.0f;
	nn_model_weighted(m, 0)->b[0] = -1.0f;
	/* Step 1: u = 0.1*2 + 0.01*sgn(1) = 0.21, v = -0.21, w = 0.79;
	 * the bias gets no L1: u = 0.1*2 = 0.2, v = -0.2, b = -1.2. */
	nn_model_weighted(m, 0)->gw[0] = 2.0f;
	nn_model_weighted(m, 0)->gb[0] = 2.0f;
	nn_model_step(m, &s);
	cr_assert_float_eq(nn_model_weighted(m, 0)->w[0], 0.79f, 1e-6);
	cr_assert_float_eq(nn_model_weighted(m, 0)->b[0], -1.2f, 1e-6);
	cr_assert_eq(nn_model_weighted(m, 0)->gw[0], 0.0f);
	/* Step 2 with zero gradient: v = 0.9*-0.21 - 0.01 = -0.199, w = 0.591;
	 * the bias coasts: v = -0.18, b = -1.38. */
	nn_model_step(m, &s);
	cr_assert_float_eq(nn_model_weighted(m, 0)->w[0], 0.591f, 1e-6);
	cr_assert_float_eq(nn_model_weighted(m, 0)->b[0], -1.38f, 1e-6);
	nn_model_destroy(m);
}

Test(nn_model, training_is_deterministic_and_learns)
{
	/* Two classes: bright left half or bright right half of 8 bytes. */
	enum { N = 200, D = 8 };
	uint8_t x[N * D];
	int32_t y[N];
	uint32_t order_a[N], order_b[N];
	const size_t sizes[] = { D, 6, 2 };
	struct nn_rng data_rng, ra, rb;

	nn_rng_init(&data_rng, 3);
	for (int i = 0; i < N; i++) {
		y[i] = (int32_t)nn_rng_below(&data_rng, 2);
		for (int j = 0; j < D; j++)
			x[i * D + j] = (uint8_t)(((j < D / 2) == (y[i] == 0) ? 160 : 0) +
						 nn_rng_below(&data_rng, 90));
		order_a[i] = order_b[i] = (uint32_t)i;
	}
	struct nn_data d = { x, NN_U8, 1.0f / 255.0f, y, N, D };
	struct nn_sgd sgd = { .batch_size = 10, .eta = 3.0f, .shuffle = 1 };
	struct nn_model *a = nn_model_create_dense(sizes, 3, 16, NULL);
	struct nn_model *b = nn_model_create_dense(sizes, 3, 16, NULL);
	struct nn_eval ev;

	nn_rng_init(&ra, 42);
	nn_rng_init(&rb, 42);
	nn_model_init_large(a, &ra);
	nn_model_init_large(b, &rb);
	for (int e = 0; e < 5; e++) {
		nn_train_epoch(a, &d, &sgd, order_a, &ra, NULL, NULL);
		nn_train_epoch(b, &d, &sgd, order_b, &rb, NULL, NULL);
	}
	cr_assert_eq(memcmp(a->params, b->params, a->nparams * sizeof(float)), 0);
	cr_assert_eq(memcmp(order_a, order_b, sizeof(order_a)), 0);
	nn_evaluate(a, &d, &ev);
	cr_assert_eq(ev.total, N);
	cr_assert_geq(ev.correct, N * 95 / 100, "only %zu of %d correct", ev.correct, N);
	nn_model_destroy(a);
	nn_model_destroy(b);
}

static int stop_after_three(void *ctx, size_t done, size_t total)
{
	size_t *calls = ctx;

	(void)done;
	(void)total;
	return ++*calls == 3;
}

Test(nn_model, epoch_stops_when_asked)
{
	enum { N = 100, D = 4 };
	uint8_t x[N * D] = { 0 };
	int32_t y[N] = { 0 };
	uint32_t order[N];
	const size_t sizes[] = { D, 2 };
	struct nn_rng rng;
	struct nn_data d = { x, NN_U8, 1.0f, y, N, D };
	struct nn_sgd sgd = { .batch_size = 10, .eta = 1.0f };
	struct nn_model *m = nn_model_create_dense(sizes, 2, 10, NULL);
	size_t calls = 0;

	for (int i = 0; i < N; i++)
		order[i] = (uint32_t)i;
	nn_rng_init(&rng, 1);
	cr_assert_eq(nn_train_epoch(m, &d, &sgd, order, &rng, stop_after_three, &calls), 1);
	cr_assert_eq(calls, 3);
	/* Without a callback the epoch runs to the end; with zero inputs and
	 * every label 0 the bias of output 0 rises. */
	float b0 = nn_model_weighted(m, 0)->b[0];
	cr_assert_eq(nn_train_epoch(m, &d, &sgd, order, &rng, NULL, NULL), 0);
	cr_assert_gt(nn_model_weighted(m, 0)->b[0], b0);
	nn_model_destroy(m);
}

Test(nn_model, evaluate_counts_argmax_and_mean_cost)
{
	/* A [2, 2] net with zero weights and biases (+4, -4): always class 0. */
	const size_t sizes[] = { 2, 2 };
	uint8_t x[6] = { 1, 2, 3, 4, 5, 6 };
	int32_t y[3] = { 0, 1, 0 };
	struct nn_model *m = nn_model_create_dense(sizes, 2, 2, NULL);
	struct nn_data d = { x, NN_U8, 1.0f, y, 3, 2 };
	struct nn_eval ev;

	nn_model_weighted(m, 0)->b[0] = 4.0f;
	nn_model_weighted(m, 0)->b[1] = -4.0f;
	nn_evaluate(m, &d, &ev);
	cr_assert_eq(ev.correct, 2);
	cr_assert_eq(ev.total, 3);
	double hi = sigmoid(4), lo = sigmoid(-4);
	double right = 0.5 * ((hi - 1) * (hi - 1) + lo * lo);
	double wrong = 0.5 * (hi * hi + (lo - 1) * (lo - 1));
	cr_assert_float_eq(ev.cost, (2 * right + wrong) / 3, 1e-6);
	nn_model_destroy(m);
}

Test(nn_model, create_rejects_bad_shapes)
{
	struct nn_err err = { 0, "" };
	const size_t zero[] = { 4, 0, 2 };
	const size_t one[] = { 4 };

	cr_assert_null(nn_model_create_dense(zero, 3, 10, &err));
	cr_assert_str_eq(err.msg, "layer 0 'fc 0 sigmoid': 0 units, expected 1 to 16777216");
	cr_assert_null(nn_model_create_dense(one, 1, 10, &err));
	cr_assert_str_eq(err.msg, "a network needs 2 to 33 layer sizes, got 1");

	/* Input shapes whose product wraps modulo 2^64 (to 0, and to a size
	 * below 2^24), and one just too large. */
	const struct nn_spec fc = { .kind = NN_FC, .size = 10, .act = NN_SIGMOID };
	const struct nn_shape wraps[] = { { 16777216, 65536, 16777216 },
					  { 13512196, 15596324, 1575593 }, { 4097, 4096, 1 } };
	size_t bad;

	for (size_t i = 0; i < 3; i++) {
		cr_assert_lt(nn_model_plan(&fc, 1, wraps[i], 10, NULL, &bad, &err), 0.0, "shape %zu", i);
		cr_assert(strstr(err.msg, "values, expected 1 to 16777216"), "%s", err.msg);
		cr_assert_null(nn_model_create(&fc, 1, wraps[i], 10, &err), "shape %zu", i);
	}
	/* Outputs nnlab cannot score, draw or read back are refused. */
	const enum nn_act outs[] = { NN_RELU, NN_TANH };
	for (size_t i = 0; i < 2; i++) {
		const struct nn_spec two[] = { { .kind = NN_FC, .size = 4, .act = NN_RELU },
					       { .kind = NN_FC, .size = 3, .act = outs[i] } };
		char want[200];

		cr_assert_lt(nn_model_plan(two, 2, (struct nn_shape){ 1, 1, 5 }, 10, NULL, &bad, &err), 0.0);
		cr_assert_eq(bad, 1);
		snprintf(want, sizeof(want), "an output layer of %s units: the output is sigmoid ('fc N sigmoid') or softmax ('softmax N')",
			 nn_act_name(outs[i]));
		cr_assert_str_eq(err.msg, want);
		cr_assert_null(nn_model_create(two, 2, (struct nn_shape){ 1, 1, 5 }, 10, &err));
	}
	cr_assert(nn_shape_fits((struct nn_shape){ 4096, 4096, 1 }, 1u << 24));
	cr_assert(!nn_shape_fits((struct nn_shape){ 1u << 24, 1u << 24, 1u << 16 }, 1u << 24));
}

Test(nn_model, shuffle_reorders_every_epoch_and_off_keeps_the_order)
{
	enum { N = 50, D = 2 };
	uint8_t x[N * D] = { 0 };
	int32_t y[N] = { 0 };
	uint32_t order[N], before[N];
	const size_t sizes[] = { D, 2 };
	struct nn_rng rng;
	struct nn_data d = { x, NN_U8, 1.0f, y, N, D };
	struct nn_sgd sgd = { .batch_size = 10, .eta = 0.1f, .shuffle = 1 };
	struct nn_model *m = nn_model_create_dense(sizes, 2, 10, NULL);

	for (int i = 0; i < N; i++)
		order[i] = (uint32_t)i;
	nn_rng_init(&rng, 1);
	for (int e = 0; e < 2; e++) {
		memcpy(before, order, sizeof(order));
		nn_train_epoch(m, &d, &sgd, order, &rng, NULL, NULL);
		cr_assert_neq(memcmp(before, order, sizeof(order)), 0, "epoch %d kept the order", e);
	}
	sgd.shuffle = 0;
	memcpy(before, order, sizeof(order));
	nn_train_epoch(m, &d, &sgd, order, &rng, NULL, NULL);
	cr_assert_eq(memcmp(before, order, sizeof(order)), 0);
	nn_model_destroy(m);
}

Test(nn_model, the_last_partial_mini_batch_is_trained)
{
	/* 7 examples in batches of 3: only the 7th has a nonzero input, so
	 * only its batch (of one) moves the weights from that input. */
	enum { N = 7, D = 2 };
	uint8_t x[N * D] = { 0 };
	int32_t y[N] = { 0 };
	uint32_t order[N];
	const size_t sizes[] = { D, 2 };
	struct nn_data d = { x, NN_U8, 1.0f, y, N, D };
	struct nn_sgd sgd = { .batch_size = 3, .eta = 1.0f, .shuffle = 0 };
	struct nn_model *m = nn_model_create_dense(sizes, 2, 3, NULL);

	x[6 * D + 1] = 1;
	for (int i = 0; i < N; i++)
		order[i] = (uint32_t)i;
	cr_assert_eq(nn_train_epoch(m, &d, &sgd, order, NULL, NULL, NULL), 0);
	/* Label 0 (y = (1, 0)): w[0][1] rises and w[1][1] falls, by
	 * eta (y - a) a (1 - a), about 0.1 each; the first input's weights
	 * never see a nonzero input. */
	cr_assert_gt(nn_model_weighted(m, 0)->w[0 * D + 1], 0.05f, "the 7th example was not trained");
	cr_assert_lt(nn_model_weighted(m, 0)->w[1 * D + 1], -0.05f);
	cr_assert_float_eq(nn_model_weighted(m, 0)->w[0 * D + 0], 0.0f, 0);
	cr_assert_float_eq(nn_model_weighted(m, 0)->w[1 * D + 0], 0.0f, 0);
	nn_model_destroy(m);
}

Test(nn_model, scaled_init_has_the_books_spread)
{
	/* Weights N(0, 1/n_in), biases N(0, 1); large: both N(0, 1). */
	const size_t sizes[] = { 400, 300, 10 };
	struct nn_model *m = nn_model_create_dense(sizes, 3, 1, NULL);
	struct nn_rng rng;
	double sw = 0, sb = 0;

	nn_rng_init(&rng, 9);
	nn_model_init_scaled(m, &rng);
	for (size_t i = 0; i < 400 * 300; i++)
		sw += (double)nn_model_weighted(m, 0)->w[i] * nn_model_weighted(m, 0)->w[i];
	for (size_t i = 0; i < 300; i++)
		sb += (double)nn_model_weighted(m, 0)->b[i] * nn_model_weighted(m, 0)->b[i];
	cr_assert_float_eq(sqrt(sw / (400 * 300)), 1.0 / 20.0, 0.001, "weight sd %g", sqrt(sw / (400 * 300)));
	cr_assert_float_eq(sqrt(sb / 300), 1.0, 0.12, "bias sd %g", sqrt(sb / 300));
	sw = 0;
	for (size_t i = 0; i < 300 * 10; i++)
		sw += (double)nn_model_weighted(m, 1)->w[i] * nn_model_weighted(m, 1)->w[i];
	cr_assert_float_eq(sqrt(sw / 3000), 1.0 / sqrt(300.0), 0.003);
	nn_model_init_large(m, &rng);
	sw = 0;
	for (size_t i = 0; i < 400 * 300; i++)
		sw += (double)nn_model_weighted(m, 0)->w[i] * nn_model_weighted(m, 0)->w[i];
	cr_assert_float_eq(sqrt(sw / (400 * 300)), 1.0, 0.01);
	nn_model_destroy(m);
}

Test(nn_model, bias_gradient_norms_match_a_per_example_computation)
{
	/* [5, 4, 3, 3]: two hidden layers; 7 examples in batches of 3. */
	enum { N = 7, D = 5 };
	const size_t sizes[] = { D, 4, 3, 3 };
	uint8_t x[N * D];
	int32_t y[N];
	struct nn_rng rng;
	struct nn_model *m = nn_model_create_dense(sizes, 4, 3, NULL);
	double norms[2], want[2];

	nn_rng_init(&rng, 11);
	nn_model_init_large(m, &rng);
	m->cost = NN_CROSS_ENTROPY;
	for (int i = 0; i < N * D; i++)
		x[i] = (uint8_t)nn_rng_below(&rng, 256);
	for (int i = 0; i < N; i++)
		y[i] = (int32_t)nn_rng_below(&rng, 3);
	struct nn_data d = { x, NN_U8, 1.0f / 255.0f, y, N, D };
	nn_bias_gradient_norms(m, &d, norms);

	/* Directly: one example at a time, summing dC/db by hand. */
	double sum[2][4] = { { 0 } };
	for (int i = 0; i < N; i++) {
		float *in = nn_model_input(m);

		for (int j = 0; j < D; j++)
			in[j] = (float)x[i * D + j] / 255.0f;
		nn_model_forward(m, 1);
		nn_model_backward(m, &y[i], 1);
		for (size_t l = 0; l < 2; l++)
			for (size_t j = 0; j < sizes[l + 1]; j++)
				sum[l][j] += nn_model_weighted(m, l)->gb[j];
		memset(m->grads, 0, m->nparams * sizeof(float));
	}
	for (size_t l = 0; l < 2; l++) {
		double sq = 0;

		for (size_t j = 0; j < sizes[l + 1]; j++)
			sq += (sum[l][j] / N) * (sum[l][j] / N);
		want[l] = sqrt(sq);
		cr_assert_gt(want[l], 1e-6, "layer %zu learns nothing", l + 1);
		cr_assert_float_eq(norms[l], want[l], 1e-5 * want[l], "layer %zu: %g vs %g", l + 1, norms[l], want[l]);
	}
	/* No update, and the gradients are left zero. */
	for (size_t i = 0; i < m->nparams; i++)
		cr_assert_eq(m->grads[i], 0.0f);
	nn_model_destroy(m);
}

Test(nn_model, plurality_vote_breaks_ties_by_the_earliest_model)
{
	/* 4 models, 5 examples: rows are models. */
	const int32_t preds[4 * 5] = {
		1, 2, 3, 0, 9,
		1, 5, 4, 7, 8,
		2, 5, 3, 7, 7,
		2, 2, 4, 0, 6,
	};
	int32_t out[5];

	nn_vote(out, preds, 4, 5, 10);
	cr_assert_eq(out[0], 1, "1 and 2 tie; model 1 named 1 first");
	cr_assert_eq(out[1], 2, "2 and 5 tie; model 1 named 2 first");
	cr_assert_eq(out[2], 3, "3 and 4 tie; 3 first");
	cr_assert_eq(out[3], 0, "0 and 7 tie; 0 first");
	cr_assert_eq(out[4], 9, "all differ: the first model's");
	const int32_t clear[3 * 2] = { 4, 1, 6, 1, 6, 3 };
	nn_vote(out, clear, 3, 2, 10);
	cr_assert_eq(out[0], 6, "a majority wins over the first model");
	cr_assert_eq(out[1], 1);
}

/* A fingerprint of the kinks of a forward pass: each unit's sign and each
 * pooling window's winner, so a finite difference that crosses one (where
 * there is no derivative) can be skipped. */
static size_t kinks(const struct nn_model *m, size_t batch, unsigned char *out, size_t cap)
{
	size_t k = 0;

	for (size_t l = 0; l + 1 < m->nlayers; l++) {
		const struct nn_layer *y = &m->layers[l];

		for (size_t i = 0; i < batch * nn_shape_size(y->out) && k < cap; i++)
			out[k++] = (unsigned char)(y->activates && y->act == NN_RELU && y->a[i] > 0.0f) |
				   (unsigned char)(y->idx ? y->idx[i] << 1 : 0);
	}
	return k;
}

/* Central differences over every parameter of a small conv net (3
 * channels of 7 x 9, odd sizes, a pooling border dropped) against
 * backprop. With dropout, every pass redraws the same masks. */
static void conv_grad_check(enum nn_act act, enum nn_act output, enum nn_cost cost, float dropout)
{
	const struct nn_spec specs[] = {
		{ .kind = NN_CONV, .size = 4, .kernel = 3, .act = act },   /* 7x9x3 -> 5x7x4 */
		{ .kind = NN_POOL, .size = 2 },                             /* -> 2x3x4: a row and a column dropped */
		{ .kind = NN_CONV, .size = 3, .kernel = 2, .act = act },   /* -> 1x2x3 */
		{ .kind = NN_DROPOUT, .p = dropout },
		{ .kind = NN_FC, .size = 5, .act = act },
		{ .kind = NN_DROPOUT, .p = dropout },
		{ .kind = NN_FC, .size = 3, .act = output },
	};
	const size_t batch = 3;
	int32_t labels[] = { 2, 0, 1 };
	struct nn_rng rng, mask_rng, r;
	struct nn_err err = { 0, "" };
	struct nn_model *m = nn_model_create(specs, 7, (struct nn_shape){ 7, 9, 3 }, batch, &err);
	static unsigned char base[4096], up_pat[4096], down_pat[4096];
	double max_grad = 0;
	size_t skipped = 0, n;

	cr_assert_not_null(m, "%s", err.msg);
	cr_assert_eq(m->layers[1].out.h, 2);
	cr_assert_eq(m->layers[1].out.w, 3);
	cr_assert_eq(m->nparams, 4 * 27 + 4 + 3 * 16 + 3 + 5 * 6 + 5 + 3 * 5 + 3);
	m->cost = cost;
	nn_rng_init(&rng, 21);
	nn_rng_init(&mask_rng, 22);
	nn_model_init_scaled(m, &rng);
	for (size_t i = 0; i < batch * 7 * 9 * 3; i++)
		nn_model_input(m)[i] = (float)nn_rng_uniform(&rng);
	r = mask_rng;
	nn_model_forward_train(m, batch, &r);
	n = kinks(m, batch, base, sizeof(base));
	nn_model_backward(m, labels, batch);

	const float eps = 2e-3f;
	for (size_t i = 0; i < m->nparams; i++) {
		float saved = m->params[i];
		double up, down, numeric;

		m->params[i] = saved + eps;
		r = mask_rng;
		up = nn_cost_sum(nn_model_forward_train(m, batch, &r), labels, batch, 3, cost);
		kinks(m, batch, up_pat, sizeof(up_pat));
		m->params[i] = saved - eps;
		r = mask_rng;
		down = nn_cost_sum(nn_model_forward_train(m, batch, &r), labels, batch, 3, cost);
		kinks(m, batch, down_pat, sizeof(down_pat));
		m->params[i] = saved;
		if (memcmp(base, up_pat, n) || memcmp(base, down_pat, n)) {
			skipped++;
			continue;
		}
		numeric = (up - down) / (2.0 * eps);
		if (fabs(m->grads[i]) > max_grad)
			max_grad = fabs(m->grads[i]);
		cr_expect_leq(fabs(numeric - m->grads[i]), 3e-3 + 3e-2 * fabs(numeric),
			      "%s/%s/%s dropout %g, param %zu: backprop %g, numeric %g", nn_act_name(act),
			      nn_act_name(output), nn_cost_name(cost), (double)dropout, i,
			      (double)m->grads[i], numeric);
	}
	cr_assert_gt(max_grad, 1e-3, "the gradient is all zero");
	cr_assert_leq(skipped, m->nparams / 5, "%zu of %zu parameters skipped at kinks", skipped, m->nparams);
	/* Every layer with parameters gets some gradient. */
	for (size_t k = 0; k < m->nweighted; k++) {
		const struct nn_layer *l = NULL;
		double sum = 0;

		for (size_t i = 0, j = 0; i < m->nlayers; i++)
			if (m->layers[i].nw && j++ == k)
				l = &m->layers[i];
		for (size_t q = 0; q < l->nw; q++)
			sum += fabs(l->gw[q]);
		cr_assert_gt(sum, 0.0, "layer %zu has no weight gradient", k);
	}
	nn_model_destroy(m);
}

Test(nn_model, conv_net_backward_matches_numeric_grad)
{
	const enum nn_act act[] = { NN_SIGMOID, NN_TANH, NN_RELU };
	const enum nn_act output[] = { NN_SIGMOID, NN_SOFTMAX };
	const enum nn_cost cost[] = { NN_QUADRATIC, NN_CROSS_ENTROPY, NN_LOG_LIKELIHOOD };

	for (int a = 0; a < 3; a++)
		for (int o = 0; o < 2; o++)
			for (int c = 0; c < 3; c++)
				conv_grad_check(act[a], output[o], cost[c], 0.0f);
}

Test(nn_model, conv_net_backward_through_dropout_matches_numeric_grad)
{
	conv_grad_check(NN_RELU, NN_SOFTMAX, NN_LOG_LIKELIHOOD, 0.5f);
	conv_grad_check(NN_SIGMOID, NN_SIGMOID, NN_CROSS_ENTROPY, 0.3f);
}

static double sig(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/* One SGD step of a tiny conv net, computed by hand: a 3 x 3 image, one
 * 2 x 2 kernel and sigmoid (2 x 2 maps), pooling 2 (one value), a softmax
 * layer of 2 with the log-likelihood cost, eta 0.5, L2 with lambda 0.2
 * over n = 4 training examples, momentum 0. */
Test(nn_model, one_sgd_step_of_a_conv_net_matches_a_hand_computation)
{
	const struct nn_spec specs[] = {
		{ .kind = NN_CONV, .size = 1, .kernel = 2, .act = NN_SIGMOID },
		{ .kind = NN_POOL, .size = 2 },
		{ .kind = NN_FC, .size = 2, .act = NN_SOFTMAX },
	};
	const double x[9] = { 0.1, 0.9, 0.3, 0.4, 0.5, 0.6, 0.7, 0.2, 0.8 };
	const double k[4] = { 0.5, -0.3, 0.2, 0.8 }, kb = 0.1, v[2] = { 0.7, -0.4 }, vb[2] = { 0.05, -0.05 };
	const double eta = 0.5, lr = eta / 1, decay = eta * 0.2 / 4;
	struct nn_model *m = nn_model_create(specs, 3, (struct nn_shape){ 3, 3, 1 }, 1, NULL);
	int32_t label = 1;

	cr_assert_not_null(m);
	cr_assert_eq(m->nparams, 4 + 1 + 2 + 2);
	for (int i = 0; i < 4; i++)
		nn_model_weighted(m, 0)->w[i] = (float)k[i];
	nn_model_weighted(m, 0)->b[0] = (float)kb;
	nn_model_weighted(m, 1)->w[0] = (float)v[0];
	nn_model_weighted(m, 1)->w[1] = (float)v[1];
	nn_model_weighted(m, 1)->b[0] = (float)vb[0];
	nn_model_weighted(m, 1)->b[1] = (float)vb[1];
	for (int i = 0; i < 9; i++)
		nn_model_input(m)[i] = (float)x[i];
	m->cost = NN_LOG_LIKELIHOOD;

	/* By hand: the four sigmoid outputs, their max, the softmax. */
	double a[4], p = -1;
	int win = 0;
	for (int oy = 0; oy < 2; oy++)
		for (int ox = 0; ox < 2; ox++) {
			double z = kb + k[0] * x[oy * 3 + ox] + k[1] * x[oy * 3 + ox + 1] +
				   k[2] * x[(oy + 1) * 3 + ox] + k[3] * x[(oy + 1) * 3 + ox + 1];
			a[oy * 2 + ox] = sig(z);
			if (a[oy * 2 + ox] > p) {
				p = a[oy * 2 + ox];
				win = oy * 2 + ox;
			}
		}
	double z0 = v[0] * p + vb[0], z1 = v[1] * p + vb[1];
	double y0 = exp(z0) / (exp(z0) + exp(z1)), y1 = 1 - y0;
	/* dC/dz = y - onehot(1); back through the softmax layer to p, then to
	 * the winning position's z. */
	double d0 = y0, d1 = y1 - 1;
	double dp = d0 * v[0] + d1 * v[1], dz = dp * a[win] * (1 - a[win]);
	int wy = win / 2, wx = win % 2;
	double gk[4] = { dz * x[wy * 3 + wx], dz * x[wy * 3 + wx + 1], dz * x[(wy + 1) * 3 + wx],
			 dz * x[(wy + 1) * 3 + wx + 1] };

	const float *out = nn_model_forward(m, 1);
	cr_assert_float_eq(out[0], y0, 1e-6);
	cr_assert_float_eq(out[1], y1, 1e-6);
	nn_model_backward(m, &label, 1);
	struct nn_step step = { .lr = (float)lr, .l2 = (float)decay };
	nn_model_step(m, &step);
	for (int i = 0; i < 4; i++)
		cr_assert_float_eq(nn_model_weighted(m, 0)->w[i], k[i] - lr * gk[i] - decay * k[i], 1e-6, "kernel %d", i);
	cr_assert_float_eq(nn_model_weighted(m, 0)->b[0], kb - lr * dz, 1e-6);
	cr_assert_float_eq(nn_model_weighted(m, 1)->w[0], v[0] - lr * d0 * p - decay * v[0], 1e-6);
	cr_assert_float_eq(nn_model_weighted(m, 1)->w[1], v[1] - lr * d1 * p - decay * v[1], 1e-6);
	cr_assert_float_eq(nn_model_weighted(m, 1)->b[0], vb[0] - lr * d0, 1e-6);
	cr_assert_float_eq(nn_model_weighted(m, 1)->b[1], vb[1] - lr * d1, 1e-6);
	nn_model_destroy(m);
}

Test(nn_model, shapes_are_inferred_and_bad_ones_name_the_layer)
{
	/* The book's two conv-pool layers on 28 x 28. */
	const struct nn_spec book[] = {
		{ .kind = NN_CONV, .size = 20, .kernel = 5, .act = NN_RELU },
		{ .kind = NN_POOL, .size = 2 },
		{ .kind = NN_CONV, .size = 40, .kernel = 5, .act = NN_RELU },
		{ .kind = NN_POOL, .size = 2 },
		{ .kind = NN_FC, .size = 100, .act = NN_RELU },
		{ .kind = NN_FC, .size = 10, .act = NN_SOFTMAX },
	};
	struct nn_err err = { 0, "" };
	struct nn_model *m = nn_model_create(book, 6, (struct nn_shape){ 28, 28, 1 }, 10, &err);

	cr_assert_not_null(m, "%s", err.msg);
	cr_assert_eq(m->layers[0].out.h, 24);
	cr_assert_eq(m->layers[1].out.h, 12);
	cr_assert_eq(m->layers[2].out.h, 8);
	cr_assert_eq(m->layers[3].out.c, 40);
	cr_assert_eq(nn_shape_size(m->layers[3].out), 640);
	cr_assert_eq(m->nparams, 20 * 25 + 20 + 40 * 500 + 40 + 100 * 640 + 100 + 10 * 100 + 10);
	cr_assert_eq(nn_model_hidden_count(m), 3);
	nn_model_destroy(m);

	/* Without the first pooling the second pooling's input is 40x20x20; a
	 * third conv of 5x5 after both poolings meets 40x4x4. */
	const struct nn_spec small[] = {
		{ .kind = NN_CONV, .size = 20, .kernel = 5, .act = NN_RELU },
		{ .kind = NN_POOL, .size = 2 },
		{ .kind = NN_CONV, .size = 40, .kernel = 5, .act = NN_RELU },
		{ .kind = NN_POOL, .size = 2 },
		{ .kind = NN_CONV, .size = 40, .kernel = 5, .act = NN_RELU },
		{ .kind = NN_FC, .size = 10, .act = NN_SOFTMAX },
	};
	size_t bad = 99;
	cr_assert_lt(nn_model_plan(small, 6, (struct nn_shape){ 28, 28, 1 }, 10, NULL, &bad, &err), 0);
	cr_assert_eq(bad, 4);
	cr_assert_str_eq(err.msg, "input is 40x4x4, smaller than the 5x5 kernel");
	cr_assert_null(nn_model_create(small, 6, (struct nn_shape){ 28, 28, 1 }, 10, &err));
	cr_assert_str_eq(err.msg, "layer 4 'conv 40x5x5 relu': input is 40x4x4, smaller than the 5x5 kernel");
	const struct nn_spec pool_last[] = { { .kind = NN_FC, .size = 10, .act = NN_SIGMOID }, { .kind = NN_POOL, .size = 2 } };
	cr_assert_null(nn_model_create(pool_last, 2, (struct nn_shape){ 28, 28, 1 }, 10, &err));
	cr_assert_str_eq(err.msg, "layer 1 'pool 2': input is a vector of 10 values (a 1x1 image of 10 channels, which only a 1x1 window fits), not an image for a 2x2 window: name the input's image shape with a first layer 'input CxHxW', and put convolutions and pooling before fully connected layers");
	/* A vector is a 1x1 image of its values as channels, wherever it
	 * comes from: a 1x1 kernel fits it after an fc layer as after a
	 * conv net's, a larger one fits neither. */
	const struct nn_spec fc_conv1[] = { { .kind = NN_FC, .size = 20, .act = NN_RELU },
					    { .kind = NN_CONV, .size = 2, .kernel = 1, .act = NN_RELU },
					    { .kind = NN_FC, .size = 10, .act = NN_SOFTMAX } };
	const struct nn_spec fc_conv2[] = { { .kind = NN_FC, .size = 20, .act = NN_RELU },
					    { .kind = NN_CONV, .size = 2, .kernel = 2, .act = NN_RELU },
					    { .kind = NN_FC, .size = 10, .act = NN_SOFTMAX } };
	size_t at;
	cr_assert_gt(nn_model_plan(fc_conv1, 3, (struct nn_shape){ 28, 28, 1 }, 4, NULL, &at, &err), 0.0, "%s", err.msg);
	cr_assert_lt(nn_model_plan(fc_conv2, 3, (struct nn_shape){ 28, 28, 1 }, 4, NULL, &at, &err), 0.0);
	cr_assert_eq(at, 1);
	cr_assert(strstr(err.msg, "input is a vector of 20 values (a 1x1 image of 20 channels, which only a 1x1 kernel fits), not an image for a 2x2 kernel"), "%s", err.msg);
	const struct nn_spec soft_hidden[] = { { .kind = NN_FC, .size = 10, .act = NN_SOFTMAX }, { .kind = NN_FC, .size = 2, .act = NN_SIGMOID } };
	cr_assert_null(nn_model_create(soft_hidden, 2, (struct nn_shape){ 1, 1, 4 }, 10, &err));
	cr_assert_str_eq(err.msg, "layer 0 'fc 10 softmax': softmax belongs to the output layer only");
}

Test(nn_model, network3_init_follows_the_books_code)
{
	const struct nn_spec specs[] = {
		{ .kind = NN_CONV, .size = 20, .kernel = 5, .act = NN_SIGMOID },
		{ .kind = NN_POOL, .size = 2 },
		{ .kind = NN_FC, .size = 100, .act = NN_SIGMOID },
		{ .kind = NN_FC, .size = 10, .act = NN_SOFTMAX },
	};
	struct nn_model *m = nn_model_create(specs, 4, (struct nn_shape){ 28, 28, 1 }, 1, NULL);
	struct nn_rng rng;
	double sq[2] = { 0, 0 }, bsq = 0, zero = 0;

	nn_rng_init(&rng, 5);
	nn_model_init_network3(m, &rng);
	/* conv: n_out = 20 * 25 / 4 = 125; fc: n_out = 100. */
	for (size_t i = 0; i < m->layers[0].nw; i++)
		sq[0] += m->layers[0].w[i] * m->layers[0].w[i];
	for (size_t i = 0; i < m->layers[2].nw; i++)
		sq[1] += m->layers[2].w[i] * m->layers[2].w[i];
	for (size_t i = 0; i < m->layers[2].nb; i++)
		bsq += m->layers[2].b[i] * m->layers[2].b[i];
	for (size_t i = 0; i < m->layers[3].nw + m->layers[3].nb; i++)
		zero += fabs(m->layers[3].w[i]);
	cr_assert_float_eq(sqrt(sq[0] / 500), sqrt(1.0 / 125), 0.1 * sqrt(1.0 / 125));
	cr_assert_float_eq(sqrt(sq[1] / (100 * 2880)), 0.1, 0.005);
	cr_assert_float_eq(sqrt(bsq / 100), 1.0, 0.2);
	cr_assert_eq(zero, 0.0, "the softmax layer starts at zero");
	nn_model_destroy(m);
}

/* A fully connected layer large enough for the threaded path (>= 2^17
 * weights): its gradient against central differences on a sample of its
 * weights, and the same gradient on 1 and 2 threads. */
Test(nn_model, large_fc_layers_match_numeric_grad_on_any_number_of_threads)
{
	const struct nn_spec specs[] = {
		{ .kind = NN_FC, .size = 520, .act = NN_RELU },   /* 260 x 520 = 135,200 weights */
		{ .kind = NN_FC, .size = 270, .act = NN_TANH },   /* 140,400 weights */
		{ .kind = NN_FC, .size = 3, .act = NN_SOFTMAX },
	};
	const size_t batch = 5;
	int32_t labels[] = { 0, 2, 1, 1, 0 };
	struct nn_model *m[2];
	struct nn_rng rng;

	for (int t = 0; t < 2; t++) {
		m[t] = nn_model_create(specs, 3, (struct nn_shape){ 1, 1, 260 }, batch, NULL);
		cr_assert_not_null(m[t]);
		cr_assert_eq(nn_model_set_threads(m[t], (size_t)t + 1, NULL), 0);
		m[t]->cost = NN_LOG_LIKELIHOOD;
		nn_rng_init(&rng, 9);
		nn_model_init_scaled(m[t], &rng);
		for (size_t i = 0; i < batch * 260; i++)
			nn_model_input(m[t])[i] = (float)nn_rng_uniform(&rng);
		nn_model_forward(m[t], batch);
		nn_model_backward(m[t], labels, batch);
	}
	cr_assert_eq(memcmp(m[0]->grads, m[1]->grads, m[0]->nparams * sizeof(float)), 0,
		     "two threads give another gradient");
	/* Every 997th parameter, across all three layers. */
	struct nn_model *a = m[0];
	static unsigned char base[8192], up_pat[8192], down_pat[8192];
	size_t checked = 0, skipped = 0, n;
	nn_model_forward(a, batch);
	n = kinks(a, batch, base, sizeof(base));
	for (size_t i = 0; i < a->nparams; i += 997) {
		float keep = a->params[i];
		const float eps = 1e-2f;
		double up, down;

		a->params[i] = keep + eps;
		up = nn_cost_sum(nn_model_forward(a, batch), labels, batch, 3, a->cost);
		kinks(a, batch, up_pat, sizeof(up_pat));
		a->params[i] = keep - eps;
		down = nn_cost_sum(nn_model_forward(a, batch), labels, batch, 3, a->cost);
		kinks(a, batch, down_pat, sizeof(down_pat));
		a->params[i] = keep;
		if (memcmp(base, up_pat, n) || memcmp(base, down_pat, n)) {
			skipped++; /* a ReLU kink between the two points: no derivative */
			continue;
		}
		double numeric = (up - down) / (2 * eps);
		cr_expect_leq(fabs(numeric - a->grads[i]), 2e-3 + 2e-2 * fabs(numeric),
			      "param %zu: backprop %g, numeric %g", i, (double)a->grads[i], numeric);
		checked++;
	}
	cr_assert_geq(checked, 200, "%zu checked, %zu skipped at kinks", checked, skipped);
	/* Two steps with momentum and decay (shared among the threads from
	 * 2^16 parameters): the same weights either way, and not the old. */
	const struct nn_step step = { .lr = 0.1f, .l2 = 1e-3f, .l1 = 1e-4f, .momentum = 0.9f };
	float before = m[1]->params[12345];
	for (int k = 0; k < 2; k++)
		for (int t = 0; t < 2; t++) {
			nn_model_forward(m[t], batch);
			nn_model_backward(m[t], labels, batch);
			nn_model_step(m[t], &step);
		}
	cr_assert_eq(memcmp(m[0]->params, m[1]->params, m[0]->nparams * sizeof(float)), 0,
		     "the step on two threads gives other weights");
	cr_assert_eq(memcmp(m[0]->velocity, m[1]->velocity, m[0]->nparams * sizeof(float)), 0);
	cr_assert_neq(m[1]->params[12345], before);
	nn_model_destroy(m[0]);
	nn_model_destroy(m[1]);
}

/* Three training steps of specs on the same inputs and dropout masks, as
 * backward then step (a) and as backward_step (b), on threads threads. */
static void fold_check(const struct nn_spec *specs, size_t n, struct nn_shape in, size_t batch,
		       size_t threads, const struct nn_step *s, const char *what)
{
	int32_t labels[16];
	struct nn_model *m[2];
	struct nn_rng rng, masks[2];

	for (int t = 0; t < 2; t++) {
		m[t] = nn_model_create(specs, n, in, batch, NULL);
		cr_assert_not_null(m[t]);
		cr_assert_eq(nn_model_set_threads(m[t], threads, NULL), 0);
		m[t]->cost = NN_LOG_LIKELIHOOD;
		nn_rng_init(&rng, 5);
		nn_model_init_scaled(m[t], &rng);
		nn_rng_init(&masks[t], 6);
	}
	float *init = malloc(m[1]->nparams * sizeof(float));
	cr_assert_not_null(init);
	memcpy(init, m[1]->params, m[1]->nparams * sizeof(float));
	for (int k = 0; k < 3; k++) {
		nn_rng_init(&rng, 100 + (uint64_t)k);
		for (size_t r = 0; r < batch; r++)
			labels[r] = (int32_t)nn_rng_below(&rng, nn_model_outputs(m[0]));
		for (size_t i = 0; i < batch * nn_shape_size(in); i++)
			nn_model_input(m[0])[i] = nn_model_input(m[1])[i] = (float)nn_rng_uniform(&rng);
		for (int t = 0; t < 2; t++)
			nn_model_forward_train(m[t], batch, &masks[t]);
		nn_model_backward(m[0], labels, batch);
		nn_model_step(m[0], s);
		nn_model_backward_step(m[1], labels, batch, s);
	}
	cr_assert_eq(memcmp(m[0]->params, m[1]->params, m[0]->nparams * sizeof(float)), 0,
		     "%s: other weights", what);
	cr_assert_eq(memcmp(m[0]->velocity, m[1]->velocity, m[0]->nparams * sizeof(float)), 0,
		     "%s: other velocities", what);
	for (size_t i = 0; i < m[1]->nparams; i++)
		cr_assert_eq(m[1]->grads[i], 0.0f, "%s: gradient %zu left", what, i);
	/* And the steps moved every layer's weights. */
	for (size_t k = 0; k < m[1]->nweighted; k++) {
		const struct nn_layer *l = nn_model_weighted(m[1], k);
		size_t off = (size_t)(l->w - m[1]->params), moved = 0;

		for (size_t i = 0; i < l->nw; i++)
			moved += l->w[i] != init[off + i];
		cr_assert_gt(moved, l->nw / 4, "%s: layer %zu: %zu of %zu weights moved", what, k, moved,
			     l->nw);
	}
	free(init);
	nn_model_destroy(m[0]);
	nn_model_destroy(m[1]);
}

/* Training steps fully connected layers inside their backward pass: the
 * same bits as backward and step, for each kind of step, with column
 * counts that leave a partial block (260, 520, 48), dropout, under a conv
 * net, small layers and large ones, on one thread and shared among two. */
Test(nn_model, folded_step_gives_the_bits_of_backward_then_step)
{
	const struct nn_step steps[] = {
		{ .lr = 0.3f },
		{ .lr = 0.1f, .l2 = 1e-3f, .l1 = 1e-4f },
		{ .lr = 0.1f, .l2 = 1e-3f, .l1 = 1e-4f, .momentum = 0.9f },
	};
	const struct nn_spec dense[] = {
		{ .kind = NN_FC, .size = 11, .act = NN_SIGMOID },
		{ .kind = NN_DROPOUT, .p = 0.5f },
		{ .kind = NN_FC, .size = 5, .act = NN_RELU },
		{ .kind = NN_FC, .size = 3, .act = NN_SOFTMAX },
	};
	const struct nn_spec conv[] = {
		{ .kind = NN_CONV, .size = 4, .kernel = 3, .act = NN_RELU },
		{ .kind = NN_POOL, .size = 2 },
		{ .kind = NN_DROPOUT, .p = 0.3f },
		{ .kind = NN_FC, .size = 2800, .act = NN_TANH },   /* 4x3x4 inputs: 134,400 weights, folded */
		{ .kind = NN_FC, .size = 4, .act = NN_SOFTMAX },
	};
	const struct nn_spec large[] = {
		{ .kind = NN_FC, .size = 520, .act = NN_RELU },   /* 135,200 weights: shared */
		{ .kind = NN_DROPOUT, .p = 0.5f },
		{ .kind = NN_FC, .size = 270, .act = NN_SIGMOID },
		{ .kind = NN_FC, .size = 10, .act = NN_SOFTMAX },
	};

	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		fold_check(dense, 4, (struct nn_shape){ 1, 1, 37 }, 3, 1, &steps[k], "dense");
		fold_check(conv, 5, (struct nn_shape){ 11, 9, 2 }, 3, 1, &steps[k], "conv");
		for (size_t t = 1; t <= 2; t++)
			fold_check(large, 4, (struct nn_shape){ 1, 1, 260 }, 10, t, &steps[k], "large");
	}
}

/* A stack of conv and pooling layers runs as one job, each thread taking
 * its examples through it 8 at a time (forward_examples): a batch of 21
 * (chunks of 8, 8 and 5 on one thread; other splits on 2 and 3) gives
 * each example the bits it gets forward alone, in training (pooling
 * winners recorded, patches kept) and in evaluation; the first conv
 * layer's output is 16 wide (patches read in place), the others not. */
Test(nn_model, a_stack_of_conv_layers_gives_each_example_its_own_bits)
{
	const char *layers[] = { "conv 4x3x3", "pool 2", "conv 6x3x3 relu", "conv 5x2x2", "pool 2", "softmax 3" };
	enum { B = 21, L = 6 };
	const struct nn_shape in = { 12, 18, 2 };
	struct nn_spec specs[L];
	struct nn_err err = { 0 };
	size_t in_n = 12 * 18 * 2;
	float x[B * 12 * 18 * 2], alone[B * 3];

	for (size_t i = 0; i < L; i++)
		cr_assert_eq(nn_spec_parse(layers[i], NN_SIGMOID, &specs[i], NULL, &err), 0, "%s", err.msg);
	for (size_t threads = 1; threads <= 3; threads++) {
		struct nn_model *m = nn_model_create(specs, L, in, B, &err);
		struct nn_rng rng;

		cr_assert_not_null(m, "%s", err.msg);
		cr_assert_eq(m->layers[0].out.w, 16);
		cr_assert_eq(m->layers[2].out.w, 6);
		cr_assert_eq(nn_model_set_threads(m, threads, &err), 0, "%s", err.msg);
		nn_rng_init(&rng, 5);
		nn_model_init_scaled(m, &rng);   /* network3's would zero the softmax layer */
		for (size_t i = 0; i < B * in_n; i++)
			x[i] = (float)nn_rng_uniform(&rng);
		for (size_t r = 0; r < B; r++) {
			memcpy(nn_model_input(m), x + r * in_n, in_n * sizeof(float));
			memcpy(alone + r * 3, nn_model_forward(m, 1), 3 * sizeof(float));
		}
		for (int training = 0; training < 2; training++) {
			memcpy(nn_model_input(m), x, sizeof(x));
			const float *out = training ? nn_model_forward_train(m, B, &rng) : nn_model_forward(m, B);

			for (size_t r = 0; r < B; r++)
				cr_assert(memcmp(out + r * 3, alone + r * 3, 3 * sizeof(float)) == 0,
					  "%zu threads, %s: example %zu differs from its forward alone", threads,
					  training ? "training" : "evaluation", r);
		}
		nn_model_destroy(m);
	}
}
