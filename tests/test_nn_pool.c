#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_pool.h"
#include "nn_rng.h"

Test(nn_pool, forward_takes_each_windows_max_and_drops_the_border)
{
	/* One example, 5 x 5, one channel, p = 2: the last row and column
	 * fill no window and are dropped. */
	const float in[25] = {
		1, 2, 0, 9, 7,
		3, 4, 8, 1, 7,
		5, 0, 2, 2, 7,
		0, 6, 2, 3, 7,
		9, 9, 9, 9, 9,
	};
	float out[4];
	uint32_t arg[4];

	nn_pool_forward(out, arg, in, 5, 5, 1, 2, 1);
	cr_assert_float_eq(out[0], 4, 0);
	cr_assert_float_eq(out[1], 9, 0);
	cr_assert_float_eq(out[2], 6, 0);
	cr_assert_float_eq(out[3], 3, 0);
	cr_assert_eq(arg[0], 6);
	cr_assert_eq(arg[1], 3);
	cr_assert_eq(arg[2], 16);
	cr_assert_eq(arg[3], 18);
	/* The gradient goes to the winners only. */
	float din[25] = { 0 }, dout[4] = { 1, 2, 3, 4 };
	nn_pool_backward(din, dout, arg, 5, 5, 1, 2, 1);
	cr_assert_float_eq(din[6], 1, 0);
	cr_assert_float_eq(din[3], 2, 0);
	cr_assert_float_eq(din[16], 3, 0);
	cr_assert_float_eq(din[18], 4, 0);
	float total = 0;
	for (int i = 0; i < 25; i++)
		total += din[i];
	cr_assert_float_eq(total, 10, 0);
}

Test(nn_pool, backward_matches_numeric_grad)
{
	/* 3 examples of 7 x 9 x 3, p = 2: a border row and column dropped. */
	enum { B = 3, H = 7, W = 9, C = 3, P = 2, N = B * H * W * C, M = B * (H / P) * (W / P) * C };
	static float in[N], out[M], g[M], din[N];
	static uint32_t arg[M];
	struct nn_rng rng;
	int nonzero = 0;

	nn_rng_init(&rng, 6);
	for (int i = 0; i < N; i++)
		in[i] = (float)nn_rng_normal(&rng);
	for (int i = 0; i < M; i++)
		g[i] = (float)nn_rng_normal(&rng);
	nn_pool_forward(out, arg, in, H, W, C, P, B);
	nn_pool_backward(din, g, arg, H, W, C, P, B);
	for (int i = 0; i < N; i++) {
		float keep = in[i];
		double l[2];

		for (int s = 0; s < 2; s++) {
			in[i] = keep + (s ? -1e-3f : 1e-3f);
			nn_pool_forward(out, arg, in, H, W, C, P, B);
			l[s] = 0;
			for (int j = 0; j < M; j++)
				l[s] += (double)out[j] * g[j];
		}
		in[i] = keep;
		double numeric = (l[0] - l[1]) / 2e-3;
		cr_assert(fabs(numeric - din[i]) < 1e-2, "in[%d]: backprop %g, numeric %g", i, (double)din[i], numeric);
		nonzero |= din[i] != 0;
	}
	cr_assert(nonzero);
	/* The dropped border gets no gradient. */
	for (int r = 0; r < B; r++)
		for (int c = 0; c < C; c++) {
			cr_assert_float_eq(din[((r * H + 6) * W + 3) * C + c], 0, 0);
			cr_assert_float_eq(din[((r * H + 2) * W + 8) * C + c], 0, 0);
		}
}

/* Windows of 2, 3 and 4 over 19 channels (a vector and a tail) of two
 * 11 x 9 examples, values from a few levels so that ties are common
 * (zeros of both signs among them): every max and winner against a plain
 * search, the first of equal values in row order winning; without the
 * winners (inference), the same maxima to the bit. */
Test(nn_pool, every_window_size_matches_a_plain_search_with_ties)
{
	enum { B = 2, H = 11, W = 9, C = 19 };
	static float in[B * H * W * C], out[B * H * W * C], only[B * H * W * C];
	static uint32_t arg[B * H * W * C];
	struct nn_rng rng;
	int negative_zero_won = 0;

	nn_rng_init(&rng, 5);
	for (size_t i = 0; i < B * H * W * C; i++) {
		in[i] = (float)((int)(nn_rng_uniform(&rng) * 4) - 2);
		if (in[i] == 0 && nn_rng_uniform(&rng) < 0.5)
			in[i] = -0.0f;
	}
	for (size_t p = 2; p <= 4; p++) {
		size_t oh = H / p, ow = W / p;

		nn_pool_forward(out, arg, in, H, W, C, p, B);
		nn_pool_forward(only, NULL, in, H, W, C, p, B);
		cr_assert_eq(memcmp(out, only, B * oh * ow * C * sizeof(float)), 0, "p %zu: maxima without winners differ", p);
		for (size_t i = 0; i < B * oh * ow * C; i++)
			negative_zero_won |= out[i] == 0 && signbit(out[i]);
		for (size_t r = 0; r < B; r++)
			for (size_t oy = 0; oy < oh; oy++)
				for (size_t ox = 0; ox < ow; ox++)
					for (size_t ch = 0; ch < C; ch++) {
						size_t o = ((r * oh + oy) * ow + ox) * C + ch, want = 0;
						float best = 0;

						for (size_t y = oy * p; y < oy * p + p; y++)
							for (size_t x = ox * p; x < ox * p + p; x++) {
								size_t i = (y * W + x) * C + ch;

								if ((y == oy * p && x == ox * p) || in[r * H * W * C + i] > best) {
									best = in[r * H * W * C + i];
									want = i;
								}
							}
						cr_assert_float_eq(out[o], best, 0, "p %zu at %zu", p, o);
						cr_assert_eq(signbit(out[o]), signbit(best), "p %zu at %zu: the sign of zero", p, o);
						cr_assert_eq(arg[o], want, "p %zu at %zu: winner %u, want %zu", p, o, arg[o], want);
					}
	}
	cr_assert(negative_zero_won, "no window's max was -0: the ties of zeros went untested");
}

/* The backward pass writes din whole, to the bit what zeroing it and
 * adding each window's gradient at its winner gives (a gradient of -0
 * lands as +0, as 0 + -0): windows of 2, 3 and 4 over 19 channels of two
 * 11 x 9 examples (borders dropped for each), every element of din set,
 * whatever was there before. */
Test(nn_pool, backward_writes_the_bits_of_zero_plus_each_winners_gradient)
{
	enum { B = 2, H = 11, W = 9, C = 19 };
	static float in[B * H * W * C], out[B * H * W * C], g[B * H * W * C], din[B * H * W * C];
	static float want[B * H * W * C];
	static uint32_t arg[B * H * W * C];
	struct nn_rng rng;

	nn_rng_init(&rng, 8);
	for (size_t i = 0; i < B * H * W * C; i++)
		in[i] = (float)nn_rng_normal(&rng);
	for (size_t p = 2; p <= 4; p++) {
		size_t n = (H / p) * (W / p) * C;

		for (size_t i = 0; i < B * n; i++)
			g[i] = i % 7 == 0 ? -0.0f : (float)nn_rng_normal(&rng);
		nn_pool_forward(out, arg, in, H, W, C, p, B);
		memset(want, 0, sizeof(want));
		for (size_t r = 0; r < B; r++)
			for (size_t i = 0; i < n; i++)
				want[r * H * W * C + arg[r * n + i]] += g[r * n + i];
		for (size_t i = 0; i < B * H * W * C; i++)
			din[i] = 12345.0f;
		nn_pool_backward(din, g, arg, H, W, C, p, B);
		cr_assert_eq(memcmp(din, want, sizeof(din)), 0, "p %zu: din differs from zero plus the winners' gradients", p);
	}
}
