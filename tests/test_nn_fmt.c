#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nn_fmt.h"

/* Checks nn_fmt_float(x) against printf's "%.9g"; returns 1 if they differ. */
static int differs(float x)
{
	char got[NN_FMT_FLOAT_LEN + 8], want[64];
	size_t n;

	memset(got, 'x', sizeof(got));
	n = nn_fmt_float(got, x);
	snprintf(want, sizeof(want), "%.9g", (double)x);
	if (n == strlen(want) && strcmp(got, want) == 0)
		return 0;
	cr_log_error("float %a: nn_fmt_float wrote '%s' (%zu), printf '%s'", (double)x, got, n, want);
	return 1;
}

static float from_bits(uint32_t u)
{
	float x;

	memcpy(&x, &u, sizeof(x));
	return x;
}

static uint32_t to_bits(float x)
{
	uint32_t u;

	memcpy(&u, &x, sizeof(u));
	return u;
}

Test(nn_fmt, floats_across_every_exponent_read_as_printf_writes_them)
{
	unsigned bad = 0;

	/* Both signs, every exponent from the subnormals to infinity and the
	 * NaNs: about 330,000 bit patterns a prime stride apart. */
	for (uint64_t u = 0; u < (1ull << 32); u += 13001)
		bad += differs(from_bits((uint32_t)u));
	cr_assert_eq(bad, 0);
}

Test(nn_fmt, powers_of_ten_and_their_neighbours)
{
	unsigned bad = 0;

	/* Where the decimal exponent, the point's place or the choice of
	 * exponent notation changes: every power of ten a float reaches,
	 * 300 floats either side, both signs. */
	for (int e = -45; e <= 38; e++) {
		uint32_t mid = to_bits((float)pow(10.0, e));

		for (uint32_t u = mid > 300 ? mid - 300 : 0; u <= mid + 300; u++) {
			bad += differs(from_bits(u));
			bad += differs(-from_bits(u));
		}
	}
	cr_assert_eq(bad, 0);
}

Test(nn_fmt, exact_ties_round_to_even_as_printf)
{
	unsigned bad = 0, ties = 0;

	/* Floats in [100000, 100100) step by 2^-7; one in sixteen, those
	 * whose fraction is an odd multiple of 1/16 (100000.0625), lies
	 * exactly halfway between two nine-digit texts. */
	for (float x = 100000.0f; x < 100100.0f; x = nextafterf(x, INFINITY)) {
		double scaled = (double)x * 1000.0;

		ties += scaled - floor(scaled) == 0.5;
		bad += differs(x);
	}
	cr_assert_eq(ties, 800);
	cr_assert_eq(bad, 0);
}

Test(nn_fmt, zeros_and_the_values_of_a_trained_model)
{
	char buf[NN_FMT_FLOAT_LEN];

	cr_assert_eq(nn_fmt_float(buf, 0.0f), 1);
	cr_assert_str_eq(buf, "0");
	cr_assert_eq(nn_fmt_float(buf, -0.0f), 2);
	cr_assert_str_eq(buf, "-0");
	nn_fmt_float(buf, 0.1f);
	cr_assert_str_eq(buf, "0.100000001");
	nn_fmt_float(buf, -1.5e-5f);
	cr_assert_str_eq(buf, "-1.49999996e-05");
	nn_fmt_float(buf, 123456789.0f);
	cr_assert_str_eq(buf, "123456792");
	nn_fmt_float(buf, 3.0f);
	cr_assert_str_eq(buf, "3");
	nn_fmt_float(buf, FLT_MAX);
	cr_assert_str_eq(buf, "3.40282347e+38");
	/* The longest text fits. */
	cr_assert_lt(nn_fmt_float(buf, -FLT_MIN), NN_FMT_FLOAT_LEN);
	cr_assert_lt(nn_fmt_float(buf, -1.17549421e-38f), NN_FMT_FLOAT_LEN);
}
