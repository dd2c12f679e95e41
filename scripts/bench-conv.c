/* A benchmark of the convolution and pooling kernels (make bench-conv):
 * the book's two conv-pool layers (20 maps of 5 x 5 on 28 x 28, pool 2,
 * 40 maps of 5 x 5, pool 2), forward and backward in mini-batches of 10,
 * timed over 5,000 random images and scaled to a 50,000-image epoch. The
 * fully connected layers of the net are not included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nn_conv.h"
#include "nn_pool.h"
static double now(void)
{ struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(void)
{
	struct nn_conv_shape s1 = { 28, 28, 1, 5, 20 }, s2 = { 12, 12, 20, 5, 40 };
	size_t B = 10, n = 5000;
	float *in = calloc(B * 28 * 28, 4), *w1 = calloc(20 * 25, 4), *b1 = calloc(20, 4), *o1 = calloc(B * 24 * 24 * 20, 4);
	float *p1 = calloc(B * 12 * 12 * 20, 4), *w2 = calloc(40 * 25 * 20, 4), *b2 = calloc(40, 4), *o2 = calloc(B * 8 * 8 * 40, 4);
	float *cols = calloc(nn_conv_cols(&s2) > nn_conv_cols(&s1) ? nn_conv_cols(&s2) : nn_conv_cols(&s1), 4);
	float *dcols = calloc(nn_conv_cols(&s2) > nn_conv_cols(&s1) ? nn_conv_cols(&s2) : nn_conv_cols(&s1), 4);
	float *g1 = calloc(20 * 25, 4), *gb1 = calloc(20, 4), *g2 = calloc(40 * 500, 4), *gb2 = calloc(40, 4);
	float *dp1 = calloc(B * 12 * 12 * 20, 4), *do1 = calloc(B * 24 * 24 * 20, 4);
	uint32_t *a1 = calloc(B * 12 * 12 * 20, 4);
	for (size_t i = 0; i < B * 784; i++) in[i] = (float)rand() / RAND_MAX;
	for (size_t i = 0; i < 40 * 500; i++) w2[i] = (float)rand() / RAND_MAX - 0.5f;
	for (size_t i = 0; i < 500; i++) w1[i] = (float)rand() / RAND_MAX - 0.5f;
	double t0 = now();
	for (size_t k = 0; k < n; k += B) {
		nn_conv_forward(o1, in, w1, b1, cols, &s1, B);
		nn_pool_forward(p1, a1, o1, 24, 24, 20, 2, B);
		nn_conv_forward(o2, p1, w2, b2, cols, &s2, B);
		nn_conv_backward(g2, gb2, dp1, o2, p1, w2, cols, dcols, &s2, B);
		memset(do1, 0, B * 24 * 24 * 20 * 4);
		nn_pool_backward(do1, dp1, a1, 24, 24, 20, 2, B);
		nn_conv_backward(g1, gb1, NULL, do1, in, w1, cols, dcols, &s1, B);
	}
	double t = now() - t0;
	printf("two conv-pool layers, fwd+bwd: %.3f s per %zu images -> %.1f s per 50,000\n", t, n, t * 50000 / n);
	return 0;
}
