#include <criterion/criterion.h>
#include <math.h>

#include "nn_cost.h"

Test(nn_cost, softmax_log_likelihood_delta_is_a_minus_y)
{
	float z[2 * 4] = { 0.5f, -1.0f, 2.0f, 0.1f, 3.0f, 3.0f, -2.0f, 0.0f };
	float delta[8];
	int32_t labels[2] = { 2, 0 };

	nn_act_forward(z, 2, 4, NN_SOFTMAX);
	for (int r = 0; r < 2; r++) {
		float sum = 0;

		for (int j = 0; j < 4; j++)
			sum += z[r * 4 + j];
		cr_assert_float_eq(sum, 1.0f, 1e-6);
	}
	nn_cost_delta(delta, z, labels, 2, 4, NN_LOG_LIKELIHOOD, NN_SOFTMAX);
	for (int r = 0; r < 2; r++)
		for (int j = 0; j < 4; j++)
			cr_assert_eq(delta[r * 4 + j], z[r * 4 + j] - (j == labels[r] ? 1.0f : 0.0f));
}

Test(nn_cost, cross_entropy_sigmoid_delta_is_a_minus_y)
{
	float a[3] = { 0.2f, 0.7f, 0.999f };
	float delta[3];
	int32_t label = 1;

	nn_cost_delta(delta, a, &label, 1, 3, NN_CROSS_ENTROPY, NN_SIGMOID);
	cr_assert_eq(delta[0], 0.2f);
	cr_assert_eq(delta[1], 0.7f - 1.0f);
	cr_assert_eq(delta[2], 0.999f);
}

Test(nn_cost, values_match_their_formulas)
{
	float a[3] = { 0.2f, 0.7f, 0.1f };
	int32_t label = 1;

	cr_assert_float_eq(nn_cost_sum(a, &label, 1, 3, NN_QUADRATIC),
			   0.5 * (0.2 * 0.2 + 0.3 * 0.3 + 0.1 * 0.1), 1e-6);
	cr_assert_float_eq(nn_cost_sum(a, &label, 1, 3, NN_CROSS_ENTROPY),
			   -(log(0.8) + log(0.7) + log(0.9)), 1e-6);
	cr_assert_float_eq(nn_cost_sum(a, &label, 1, 3, NN_LOG_LIKELIHOOD), -log(0.7), 1e-6);
}

Test(nn_cost, saturated_outputs_cost_a_finite_amount)
{
	float a[2] = { 1.0f, 0.0f };
	int32_t label = 1;
	double ce = nn_cost_sum(a, &label, 1, 2, NN_CROSS_ENTROPY);
	double ll = nn_cost_sum(a, &label, 1, 2, NN_LOG_LIKELIHOOD);

	cr_assert(isfinite(ce) && ce > 100 && ce < 200, "cross-entropy %g", ce);
	cr_assert(isfinite(ll) && ll > 80 && ll < 100, "log-likelihood %g", ll);
}

Test(nn_cost, names_round_trip)
{
	enum nn_cost c;

	cr_assert_eq(nn_cost_parse("CrossEntropyCost", &c), 0);
	cr_assert_eq(c, NN_CROSS_ENTROPY);
	cr_assert_str_eq(nn_cost_name(c), "cross_entropy");
	cr_assert_eq(nn_cost_parse("log_likelihood", &c), 0);
	cr_assert_str_eq(nn_cost_class_name(c), "LogLikelihoodCost");
	cr_assert_lt(nn_cost_parse("hinge", &c), 0);
}

Test(nn_cost, a_nan_output_gives_a_nan_cost)
{
	/* The clamp of the logarithm must not hide a diverged net. */
	float a[3] = { NAN, 0.5f, 0.2f };
	int32_t first = 0, second = 1;

	for (int c = NN_QUADRATIC; c <= NN_LOG_LIKELIHOOD; c++)
		cr_assert(isnan(nn_cost_sum(a, &first, 1, 3, (enum nn_cost)c)), "cost %d", c);
	cr_assert(isnan(nn_cost_sum(a, &second, 1, 3, NN_CROSS_ENTROPY)));
	cr_assert(isfinite(nn_cost_sum(a, &second, 1, 3, NN_LOG_LIKELIHOOD)),
		  "log-likelihood reads only the label's output");
}
