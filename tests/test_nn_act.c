#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "nn_act.h"

Test(nn_act, softmax_of_huge_inputs_is_finite)
{
	/* Without subtracting the row maximum, exp(1000) overflows. */
	float x[6] = { 1000.0f, 0.0f, -1000.0f, -5.0f, -5.0f, -5.0f + logf(2.0f) };

	nn_act_forward(x, 2, 3, NN_SOFTMAX);
	cr_assert_float_eq(x[0], 1.0f, 1e-6);
	cr_assert_float_eq(x[1], 0.0f, 1e-6);
	cr_assert_float_eq(x[2], 0.0f, 1e-6);
	cr_assert_float_eq(x[3], 0.25f, 1e-6);
	cr_assert_float_eq(x[4], 0.25f, 1e-6);
	cr_assert_float_eq(x[5], 0.5f, 1e-6);
}

Test(nn_act, each_name_computes_its_function)
{
	static const char *const names[] = { "sigmoid", "tanh", "relu" };
	const float z = -0.5f;
	const float want[] = { 1.0f / (1.0f + expf(0.5f)), tanhf(-0.5f), 0.0f };

	for (int i = 0; i < 3; i++) {
		enum nn_act act;
		float x[2] = { z, 2.0f };

		cr_assert_eq(nn_act_parse(names[i], &act), 0);
		cr_assert_str_eq(nn_act_name(act), names[i]);
		nn_act_forward(x, 1, 2, act);
		cr_assert_float_eq(x[0], want[i], 1e-6, "%s(-0.5) = %g", names[i], x[0]);
	}
	enum nn_act act;
	float x[1] = { 2.0f };
	nn_act_parse("relu", &act);
	nn_act_forward(x, 1, 1, act);
	cr_assert_float_eq(x[0], 2.0f, 0);
	nn_act_parse("tanh", &act);
	x[0] = 2.0f;
	nn_act_forward(x, 1, 1, act);
	cr_assert_float_eq(x[0], tanhf(2.0f), 1e-6);
}

Test(nn_act, exp_is_within_an_ulp_and_keeps_nan)
{
	double worst = 0;

	/* Every 1/1000 over the range where it is not held. */
	for (int i = -87000; i <= 88000; i++) {
		float x = (float)i / 1000.0f;
		double want = exp((double)x), rel = fabs(nn_act_exp(x) - want) / want;

		worst = rel > worst ? rel : worst;
	}
	cr_assert_lt(worst, 1.2e-7, "largest relative error %g", worst);
	cr_assert(isnan(nn_act_exp(NAN)));
	cr_assert_float_eq(nn_act_exp(0.0f), 1.0f, 0);
	cr_assert_float_eq(nn_act_exp(-1000.0f), expf(-87.3f), 0);
	cr_assert(isfinite(nn_act_exp(1000.0f)) && nn_act_exp(1000.0f) > 2e38f);
}

Test(nn_act, sigmoid_over_a_batch_matches_its_definition)
{
	/* 37 values: whole vectors and a tail; saturating ends and a NaN. */
	float x[37];

	for (int i = 0; i < 36; i++)
		x[i] = (float)(i - 18) * 1.7f;
	x[36] = NAN;
	x[0] = -200.0f;
	x[35] = 200.0f;
	float in[37];
	memcpy(in, x, sizeof(in));
	nn_act_forward(x, 1, 37, NN_SIGMOID);
	for (int i = 0; i < 36; i++) {
		double want = 1.0 / (1.0 + exp(-(double)in[i]));

		cr_assert(fabs(x[i] - want) <= 1.5e-7 * want + 1e-37, "sigmoid(%g) = %.9g, want %.9g", in[i], x[i], want);
	}
	cr_assert(isnan(x[36]));
	/* One at a time (the loop's scalar tail) gives the same bits as in
	 * vectors: a thread's share of a batch must not change a value. */
	for (int i = 0; i < 37; i++) {
		float one = in[i];

		nn_act_forward(&one, 1, 1, NN_SIGMOID);
		cr_assert(memcmp(&one, &x[i], sizeof(one)) == 0, "sigmoid(%g): %.9g alone, %.9g in a batch", in[i],
			  one, x[i]);
	}
}
