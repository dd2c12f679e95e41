#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_model.h"
#include "nn_train.h"

/* Summed cost of the model on its current input rows. */
static double batch_cost(struct nn_model *m, const int32_t *labels, size_t batch)
{
	const float *a = nn_model_forward(m, batch);

	return nn_cost_sum(a, labels, batch, m->sizes[m->nlayers], m->cost);
}

Test(nn_model, backward_matches_numeric_grad)
{
	const size_t sizes[] = { 6, 5, 4, 3 };
	const size_t batch = 4;
	int32_t labels[] = { 0, 2, 1, 2 };
	struct nn_rng rng;
	struct nn_model *m = nn_model_create(sizes, 4, batch, NULL);
	double max_err = 0, max_grad = 0;

	cr_assert_not_null(m);
	nn_rng_init(&rng, 7);
	nn_model_init_large(m, &rng);
	for (size_t i = 0; i < batch * sizes[0]; i++)
		nn_model_input(m)[i] = (float)nn_rng_uniform(&rng);

	float *input = malloc(batch * sizes[0] * sizeof(float));
	memcpy(input, nn_model_input(m), batch * sizes[0] * sizeof(float));
	memset(m->grads, 0, m->nparams * sizeof(float));
	nn_model_forward(m, batch);
	nn_model_backward(m, labels, batch);

	const float eps = 1e-2f;
	for (size_t i = 0; i < m->nparams; i++) {
		float saved = m->params[i];
		double up, down, numeric;

		m->params[i] = saved + eps;
		up = batch_cost(m, labels, batch);
		m->params[i] = saved - eps;
		down = batch_cost(m, labels, batch);
		m->params[i] = saved;
		numeric = (up - down) / (2.0 * eps);
		double e = fabs(numeric - m->grads[i]) / (1e-3 + fabs(numeric));
		if (e > max_err)
			max_err = e;
		if (fabs(m->grads[i]) > max_grad)
			max_grad = fabs(m->grads[i]);
		cr_expect_leq(e, 2e-2, "param %zu: backprop %g, numeric %g", i,
			      (double)m->grads[i], numeric);
	}
	/* The input rows must not have been disturbed. */
	cr_assert_eq(memcmp(input, nn_model_input(m), batch * sizes[0] * sizeof(float)), 0);
	cr_assert_gt(max_grad, 1e-3, "the gradient is all zero");
	free(input);
	nn_model_destroy(m);
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
	struct nn_model *m = nn_model_create(sizes, 2, 2, NULL);

	cr_assert_not_null(m);
	memcpy(m->w[0], w0, sizeof(w0));
	memcpy(m->b[0], b0, sizeof(b0));
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
		cr_expect_float_eq(m->w[0][j], w[j] - eta / 2 * gw[j], 1e-6, "w[%d]", j);
	for (int j = 0; j < 2; j++)
		cr_expect_float_eq(m->b[0][j], b[j] - eta / 2 * gb[j], 1e-6, "b[%d]", j);
	/* The step moved the weights, and left the gradients zeroed. */
	cr_assert_gt(fabs(m->w[0][0] - w0[0]), 1e-4);
	for (size_t i = 0; i < m->nparams; i++)
		cr_assert_eq(m->grads[i], 0.0f);
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
	struct nn_model *a = nn_model_create(sizes, 3, 16, NULL);
	struct nn_model *b = nn_model_create(sizes, 3, 16, NULL);
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
	struct nn_model *m = nn_model_create(sizes, 2, 10, NULL);
	size_t calls = 0;

	for (int i = 0; i < N; i++)
		order[i] = (uint32_t)i;
	nn_rng_init(&rng, 1);
	cr_assert_eq(nn_train_epoch(m, &d, &sgd, order, &rng, stop_after_three, &calls), 1);
	cr_assert_eq(calls, 3);
	/* Without a callback the epoch runs to the end; with zero inputs and
	 * every label 0 the bias of output 0 rises. */
	float b0 = m->b[0][0];
	cr_assert_eq(nn_train_epoch(m, &d, &sgd, order, &rng, NULL, NULL), 0);
	cr_assert_gt(m->b[0][0], b0);
	nn_model_destroy(m);
}

Test(nn_model, evaluate_counts_argmax_and_mean_cost)
{
	/* A [2, 2] net with zero weights and biases (+4, -4): always class 0. */
	const size_t sizes[] = { 2, 2 };
	uint8_t x[6] = { 1, 2, 3, 4, 5, 6 };
	int32_t y[3] = { 0, 1, 0 };
	struct nn_model *m = nn_model_create(sizes, 2, 2, NULL);
	struct nn_data d = { x, NN_U8, 1.0f, y, 3, 2 };
	struct nn_eval ev;

	m->b[0][0] = 4.0f;
	m->b[0][1] = -4.0f;
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

	cr_assert_null(nn_model_create(zero, 3, 10, &err));
	cr_assert_str_eq(err.msg, "layer 1 has 0 neurons, expected 1 to 16777216");
	cr_assert_null(nn_model_create(one, 1, 10, &err));
	cr_assert_str_eq(err.msg, "a network needs 2 to 17 layer sizes, got 1");
}
