/* A benchmark of the convolution and pooling kernels (make bench-conv):
 * the book's two conv-pool layers (20 maps of 5 x 5 on 28 x 28, pool 2,
 * 40 maps of 5 x 5, pool 2) in mini-batches of 10 over 2,000 random
 * images, each step timed on its own (its best of 5 passes, as other load
 * on the machine only adds time) and scaled to a 50,000-image epoch, with
 * the GFLOP/s of the products; on 1 thread and on every core. The
 * fully connected layers of the net are not included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn_conv.h"
#include "nn_gemm.h"
#include "nn_pool.h"
#include "nn_team.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static float *randoms(size_t n, float scale)
{
	float *x = malloc(n * sizeof(float));

	for (size_t i = 0; i < n; i++)
		x[i] = scale * ((float)rand() / (float)RAND_MAX - 0.5f);
	return x;
}

enum { STEPS = 7, PASSES = 5 };
static const char *const names[STEPS] = {
	"conv1 forward", "pool1 forward", "conv2 forward", "pool2 forward",
	"conv2 backward (w, input)", "pool1 backward", "conv1 backward (w)",
};
/* Multiply-adds times two of each step per image. */
static const double flops[STEPS] = {
	2.0 * 576 * 25 * 20, 0, 2.0 * 64 * 500 * 40, 0, 4.0 * 64 * 500 * 40, 0, 2.0 * 576 * 25 * 20,
};

static void run(size_t threads)
{
	struct nn_conv_shape s1 = { 28, 28, 1, 5, 20 }, s2 = { 12, 12, 20, 5, 40 };
	size_t B = 10, n = 2000;
	float *in = randoms(B * 784, 1), *w1 = randoms(20 * 25, 1), *b1 = randoms(20, 1);
	float *w2 = randoms(40 * 500, 0.1f), *b2 = randoms(40, 1);
	float *o1 = malloc(B * 24 * 24 * 20 * 4), *p1 = malloc(B * 12 * 12 * 20 * 4);
	float *o2 = malloc(B * 8 * 8 * 40 * 4), *p2 = malloc(B * 4 * 4 * 40 * 4);
	float *d2 = randoms(B * 8 * 8 * 40, 1), *dp1 = malloc(B * 12 * 12 * 20 * 4);
	float *do1 = malloc(B * 24 * 24 * 20 * 4);
	float *g1 = calloc(20 * 25, 4), *gb1 = calloc(20, 4), *g2 = calloc(40 * 500, 4), *gb2 = calloc(40, 4);
	size_t sc = nn_conv_scratch(&s1, B) > nn_conv_scratch(&s2, B) ? nn_conv_scratch(&s1, B) : nn_conv_scratch(&s2, B);
	/* Both layers' outputs are a multiple of NN_GEMM_ROWS wide, so their
	 * forward passes read the patches in place and keep none, as in a
	 * model. */
	float *k1 = NULL, *k2 = NULL;
	uint32_t *a1 = malloc(B * 12 * 12 * 20 * 4), *a2 = malloc(B * 4 * 4 * 40 * 4);
	struct nn_team *team = nn_team_create(threads, sc, nn_conv_shared(&s2), NULL);
	double t[STEPS], total = 0;

	for (int i = 0; i < STEPS; i++)
		t[i] = 1e300;
	for (int pass = 0; pass < PASSES; pass++) {
	double u[STEPS] = { 0 };
	for (size_t k = 0; k < n; k += B) {
		double t0 = now();
		nn_conv_forward(o1, in, w1, b1, k1, team, &s1, B);
		double t1 = now();
		nn_pool_forward(p1, a1, o1, 24, 24, 20, 2, B);
		double t2 = now();
		nn_conv_forward(o2, p1, w2, b2, k2, team, &s2, B);
		double t3 = now();
		nn_pool_forward(p2, a2, o2, 8, 8, 40, 2, B);
		double t4 = now();
		memset(dp1, 0, B * 12 * 12 * 20 * 4);
		nn_conv_backward(g2, gb2, dp1, d2, p1, k2, w2, team, &s2, B);
		double t5 = now();
		memset(do1, 0, B * 24 * 24 * 20 * 4);
		nn_pool_backward(do1, dp1, a1, 24, 24, 20, 2, B);
		double t6 = now();
		nn_conv_backward(g1, gb1, NULL, do1, in, k1, w1, team, &s1, B);
		double t7 = now();
		double d[STEPS] = { t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6 };
		for (int i = 0; i < STEPS; i++)
			u[i] += d[i];
	}
	for (int i = 0; i < STEPS; i++)
		t[i] = u[i] < t[i] ? u[i] : t[i];
	}
	printf("%zu thread%s:\n", threads, threads > 1 ? "s" : "");
	for (int i = 0; i < STEPS; i++) {
		total += t[i];
		printf("  %-28s %6.2f s per 50,000", names[i], t[i] * 50000 / n);
		if (flops[i] > 0)
			printf("  %6.1f GFLOP/s", flops[i] * n / t[i] / 1e9);
		printf("\n");
	}
	printf("  %-28s %6.2f s per 50,000\n", "two conv-pool layers", total * 50000 / n);
	nn_team_destroy(team);
	free(in); free(w1); free(b1); free(w2); free(b2); free(o1); free(p1); free(o2); free(p2);
	free(d2); free(dp1); free(do1); free(g1); free(gb1); free(g2); free(gb2);
	free(a1); free(a2); free(k1); free(k2);
}

int main(void)
{
	run(1);
	if (nn_team_cores() > 1)
		run(nn_team_cores());
	return 0;
}
