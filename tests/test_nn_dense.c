#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_dense.h"
#include "nn_rng.h"

/* x[0..n) drawn from the standard normal. */
static void normals(float *x, size_t n, struct nn_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)nn_rng_normal(rng);
}

/* start + sum of x[k * xs] y[k * ys] for k < n, in double, and in *mag
 * |start| + the sum of the terms' magnitudes (the scale of its rounding). */
static double plain_sum(double start, const float *x, size_t xs, const float *y, size_t ys, size_t n,
			double *mag)
{
	double sum = start;

	*mag = fabs(start);
	for (size_t k = 0; k < n; k++) {
		sum += (double)x[k * xs] * y[k * ys];
		*mag += fabs((double)x[k * xs] * y[k * ys]);
	}
	return sum;
}

/* The forward kernel's blocks (4 weight rows by 5 examples, 16 inputs a
 * vector) and every remainder: batches of 1 to 12, 1 to 9 outputs, input
 * lengths around the vector width; against a plain sum in double. */
Test(nn_dense, forward_matches_a_plain_sum_for_odd_shapes)
{
	static const size_t ins[] = { 1, 15, 16, 17, 33, 100 };
	enum { MAXB = 12, MAXO = 9, MAXI = 100 };
	static float in[MAXB * MAXI], w[MAXO * MAXI], b[MAXO], out[MAXB * MAXO];
	struct nn_rng rng;

	nn_rng_init(&rng, 3);
	normals(in, MAXB * MAXI, &rng);
	normals(w, MAXO * MAXI, &rng);
	normals(b, MAXO, &rng);
	for (size_t k = 0; k < sizeof(ins) / sizeof(ins[0]); k++)
		for (size_t batch = 1; batch <= MAXB; batch++)
			for (size_t out_n = 1; out_n <= MAXO; out_n++) {
				size_t in_n = ins[k];

				for (size_t i = 0; i < MAXB * MAXO; i++)
					out[i] = NAN;
				nn_dense_forward(out, in, w, b, batch, in_n, out_n);
				for (size_t r = 0; r < batch; r++)
					for (size_t j = 0; j < out_n; j++) {
						double mag, want = plain_sum(b[j], in + r * in_n, 1, w + j * in_n, 1, in_n, &mag);

						cr_assert(fabs(out[r * out_n + j] - want) <= 1e-6 * mag,
							  "in %zu, batch %zu, out %zu at (%zu, %zu): %.9g, want %.9g",
							  in_n, batch, out_n, r, j, out[r * out_n + j], want);
					}
				/* Nothing written past the batch's outputs. */
				for (size_t i = batch * out_n; i < MAXB * MAXO; i++)
					cr_assert(isnan(out[i]), "wrote out[%zu] beyond %zu x %zu", i, batch, out_n);
			}
}

/* A batch of odd size through a layer of 1,000 inputs (the 16-wide sums'
 * tail) and 70 outputs (a last pair of rows): each output is the bits of
 * its example passed alone, and the plain sum. */
Test(nn_dense, forward_of_a_batch_gives_each_example_its_own_bits)
{
	enum { B = 23, IN = 1000, OUT = 70 };
	float *in = malloc(B * IN * sizeof(float)), *w = malloc(OUT * IN * sizeof(float));
	float b[OUT], out[B * OUT], one[OUT];
	struct nn_rng rng;

	cr_assert(in && w);
	nn_rng_init(&rng, 5);
	normals(in, B * IN, &rng);
	normals(w, OUT * IN, &rng);
	normals(b, OUT, &rng);
	for (size_t i = 0; i < B * OUT; i++)
		out[i] = NAN;
	nn_dense_forward(out, in, w, b, B, IN, OUT);
	for (size_t r = 0; r < B; r++) {
		nn_dense_forward(one, in + r * IN, w, b, 1, IN, OUT);
		cr_assert(memcmp(one, out + r * OUT, sizeof(one)) == 0, "example %zu differs from its pass alone", r);
		for (size_t j = 0; j < OUT; j++) {
			double mag, want = plain_sum(b[j], in + r * IN, 1, w + j * IN, 1, IN, &mag);

			cr_assert(fabs(out[r * OUT + j] - want) <= 1e-6 * mag, "(%zu, %zu): %.9g, want %.9g", r, j,
				  out[r * OUT + j], want);
		}
	}
	free(in);
	free(w);
}

/* The weight gradients' blocks (4 outputs by 32 inputs, summed over the
 * examples in registers) and every remainder, added to gradients already
 * there: against a plain sum in double. */
Test(nn_dense, weight_gradients_match_a_plain_sum_for_odd_shapes)
{
	static const size_t ins[] = { 1, 31, 32, 33, 65, 100 };
	enum { MAXB = 12, MAXO = 9, MAXI = 100 };
	static float in[MAXB * MAXI], dout[MAXB * MAXO], start[MAXO * MAXI], gw[MAXO * MAXI], gb[MAXO];
	struct nn_rng rng;

	nn_rng_init(&rng, 4);
	normals(in, MAXB * MAXI, &rng);
	normals(dout, MAXB * MAXO, &rng);
	normals(start, MAXO * MAXI, &rng);
	for (size_t k = 0; k < sizeof(ins) / sizeof(ins[0]); k++)
		for (size_t batch = 1; batch <= MAXB; batch++)
			for (size_t out_n = 1; out_n <= MAXO; out_n++) {
				size_t in_n = ins[k];

				memcpy(gw, start, sizeof(gw));
				for (size_t j = 0; j < MAXO; j++)
					gb[j] = 1.0f;
				nn_dense_backward(gw, gb, NULL, dout, in, NULL, batch, in_n, out_n);
				for (size_t j = 0; j < out_n; j++) {
					double want_b = 1.0;

					for (size_t r = 0; r < batch; r++)
						want_b += dout[r * out_n + j];
					cr_assert(fabs(gb[j] - want_b) <= 1e-5 * (1 + fabs(want_b)),
						  "gb[%zu]: %.9g, want %.9g", j, gb[j], want_b);
					for (size_t i = 0; i < in_n; i++) {
						double mag, want = plain_sum(start[j * in_n + i], dout + j, out_n, in + i, in_n,
									     batch, &mag);

						cr_assert(fabs(gw[j * in_n + i] - want) <= 1e-6 * mag,
							  "in %zu, batch %zu, out %zu at (%zu, %zu): %.9g, want %.9g",
							  in_n, batch, out_n, j, i, gw[j * in_n + i], want);
					}
				}
				/* Nothing written past the layer's weights. */
				for (size_t i = out_n * in_n; i < MAXO * MAXI; i++)
					cr_assert_eq(gw[i], start[i], "wrote gw[%zu] beyond %zu x %zu", i, out_n, in_n);
			}
}
