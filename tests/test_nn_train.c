#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

#include "nn_model.h"
#include "nn_train.h"

static double sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/* Every optimizer setting through the real training step (nn_train_epoch,
 * which builds the step from the options) against a hand computation in
 * double of the book's rules: for a mini-batch of m examples out of n,
 * u = eta/m g + eta lambda/n w + eta lambda_1/n sgn(w) for weights,
 * u = eta/m g for biases; w -= u, or v = mu v - u, w += v. Two epochs of
 * five examples in mini-batches of 2 (the last one of 1), so momentum
 * carries over and the partial batch's eta/m counts. */
Test(nn_train, every_optimizer_setting_matches_a_hand_computation)
{
	const struct {
		double eta, l2, l1, mu;
	} settings[] = {
		{ 0.5, 0, 0, 0 },   { 0.5, 3.0, 0, 0 },   { 0.5, 0, 2.0, 0 },   { 0.5, 0, 0, 0.9 },
		{ 0.5, 3.0, 2.0, 0 }, { 0.5, 3.0, 0, 0.5 }, { 0.5, 0, 2.0, 0.7 }, { 0.25, 3.0, 2.0, 0.9 },
	};
	const size_t sizes[] = { 2, 2 };
	const uint8_t x[5 * 2] = { 255, 0, 0, 255, 128, 64, 32, 200, 90, 10 };
	const int32_t y[5] = { 0, 1, 1, 0, 1 };
	const double n = 5;

	for (size_t s = 0; s < sizeof(settings) / sizeof(settings[0]); s++) {
		double eta = settings[s].eta, l2 = settings[s].l2, l1 = settings[s].l1, mu = settings[s].mu;
		double w[4] = { 0.3, -0.2, 0.1, 0.4 }, b[2] = { -0.1, 0.2 }, vw[4] = { 0 }, vb[2] = { 0 };
		uint32_t order[5] = { 0, 1, 2, 3, 4 };
		struct nn_model *m = nn_model_create_dense(sizes, 2, 2, NULL);
		struct nn_data d = { x, NN_U8, 1.0f / 255.0f, y, 5, 2 };
		struct nn_sgd sgd = { .batch_size = 2, .eta = (float)eta, .l2 = (float)l2,
				      .l1 = (float)l1, .momentum = (float)mu };
		struct nn_rng rng;

		for (int i = 0; i < 4; i++)
			nn_model_weighted(m, 0)->w[i] = (float)w[i];
		nn_model_weighted(m, 0)->b[0] = (float)b[0];
		nn_model_weighted(m, 0)->b[1] = (float)b[1];
		nn_rng_init(&rng, 1);
		for (int epoch = 0; epoch < 2; epoch++) {
			cr_assert_eq(nn_train_epoch(m, &d, &sgd, order, &rng, NULL, NULL), 0);
			for (int k = 0; k < 5; k += 2) {
				int batch = k + 2 <= 5 ? 2 : 1;
				double gw[4] = { 0 }, gb[2] = { 0 };

				for (int r = k; r < k + batch; r++) {
					double in[2] = { x[r * 2] / 255.0, x[r * 2 + 1] / 255.0 };

					for (int o = 0; o < 2; o++) {
						double a = sigmoid(w[o * 2] * in[0] + w[o * 2 + 1] * in[1] + b[o]);
						double delta = (a - (y[r] == o)) * a * (1 - a);

						gw[o * 2] += delta * in[0];
						gw[o * 2 + 1] += delta * in[1];
						gb[o] += delta;
					}
				}
				for (int i = 0; i < 4; i++) {
					double sgn = (w[i] > 0) - (w[i] < 0);
					double u = eta / batch * gw[i] + eta * l2 / n * w[i] + eta * l1 / n * sgn;

					vw[i] = mu * vw[i] - u;
					w[i] += vw[i];
				}
				for (int o = 0; o < 2; o++) {
					vb[o] = mu * vb[o] - eta / batch * gb[o];
					b[o] += vb[o];
				}
			}
		}
		for (int i = 0; i < 4; i++)
			cr_expect_float_eq(nn_model_weighted(m, 0)->w[i], w[i], 2e-6,
					   "setting %zu: w[%d] %.9g, by hand %.9g", s, i,
					   (double)nn_model_weighted(m, 0)->w[i], w[i]);
		for (int o = 0; o < 2; o++)
			cr_expect_float_eq(nn_model_weighted(m, 0)->b[o], b[o], 2e-6,
					   "setting %zu: b[%d] %.9g, by hand %.9g", s, o,
					   (double)nn_model_weighted(m, 0)->b[o], b[o]);
		nn_model_destroy(m);
	}
}
