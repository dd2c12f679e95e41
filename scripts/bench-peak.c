/* The machine's single-precision peak (make bench prints it and takes
 * its GFLOP/s fractions from it): a multiply-add loop on 12 independent
 * vectors of 16 floats that never leave the registers, on 1 thread and
 * on every core at once, each the best of 9 passes of about 0.2 s.
 * Prints "PEAK1 PEAKN" in GFLOP/s, or with --verbose a line for each.
 * Built with the project's flags (-march=native), so the vectors are as
 * wide as the machine's: the figure is what its FMA units give, the
 * ceiling for any kernel, and the 1-to-every-core ratio the ceiling for
 * what threads can give. With --traffic FLOATS, instead, the time the
 * memory takes to read FLOATS weights twice and write them once, as a
 * mini-batch of SGD does for a fully connected layer whose step is
 * folded into its backward pass: the floor under such a layer's time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef float v16 __attribute__((vector_size(64)));

enum { CHAINS = 12, PASSES = 9, MAX_THREADS = 256 };  /* CHAINS: x0 .. x11 below */
static const long ITERS = 50000000; /* 30 GFLOP: ~0.2 s a pass at 150 GFLOP/s */

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static volatile float sink;

/* ITERS x CHAINS multiply-adds of 16 lanes; the empty asm keeps every
 * chain in a register and alive, so nothing is folded away (elsewhere
 * than x86-64 the compiler may keep them in registers on its own). */
static void *spin(void *arg)
{
	v16 m, c, x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11;

	(void)arg;
	for (int i = 0; i < 16; i++) {
		m[i] = 0.999999f;
		c[i] = 1e-7f;
		x0[i] = x1[i] = x2[i] = x3[i] = x4[i] = x5[i] = 0.001f * (float)i;
		x6[i] = x7[i] = x8[i] = x9[i] = x10[i] = x11[i] = 0.002f * (float)i;
	}
	for (long it = 0; it < ITERS; it++) {
		x0 = x0 * m + c, x1 = x1 * m + c, x2 = x2 * m + c, x3 = x3 * m + c;
		x4 = x4 * m + c, x5 = x5 * m + c, x6 = x6 * m + c, x7 = x7 * m + c;
		x8 = x8 * m + c, x9 = x9 * m + c, x10 = x10 * m + c, x11 = x11 * m + c;
#if defined(__x86_64__)
		__asm__ volatile("" : "+x"(x0), "+x"(x1), "+x"(x2), "+x"(x3), "+x"(x4), "+x"(x5));
		__asm__ volatile("" : "+x"(x6), "+x"(x7), "+x"(x8), "+x"(x9), "+x"(x10), "+x"(x11));
#endif
	}
	v16 s = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11));
	sink = s[0];
	return NULL;
}

/* The memory traffic of a layer's weights in one mini-batch of SGD with
 * the step folded into the backward pass: read once forward, read and
 * written once backward. Each thread runs TRAFFIC_ROUNDS such rounds
 * over its share of the weights. */
enum { TRAFFIC_ROUNDS = 100 };

struct share {
	float *w;
	size_t n;
};

static void *traffic(void *arg)
{
	const struct share *s = arg;
	float *restrict w = s->w;
	v16 acc = { 0 };

	for (int r = 0; r < TRAFFIC_ROUNDS; r++) {
		for (size_t i = 0; i + 16 <= s->n; i += 16) {
			v16 x;

			memcpy(&x, w + i, sizeof(x));
			acc += x;
		}
		for (size_t i = 0; i < s->n; i++)
			w[i] = w[i] * 0.999999f + 1e-9f;
	}
	sink = acc[0];
	return NULL;
}

/* The best seconds of PASSES passes of one such round over n floats
 * split among threads. */
static double traffic_round(float *w, size_t n, int threads)
{
	pthread_t t[MAX_THREADS];
	struct share s[MAX_THREADS];
	double best = 1e300;

	for (int i = 0; i < threads; i++)
		s[i] = (struct share){ w + n * (size_t)i / (size_t)threads,
				       n * (size_t)(i + 1) / (size_t)threads - n * (size_t)i / (size_t)threads };
	for (int p = 0; p < PASSES; p++) {
		double t0 = now();

		for (int i = 1; i < threads; i++)
			if (pthread_create(&t[i], NULL, traffic, &s[i]) != 0) {
				fprintf(stderr, "bench-peak: cannot start thread %d of %d\n", i + 1, threads);
				exit(1);
			}
		traffic(&s[0]);
		for (int i = 1; i < threads; i++)
			pthread_join(t[i], NULL);
		double dt = (now() - t0) / TRAFFIC_ROUNDS;

		best = dt < best ? dt : best;
	}
	return best;
}

/* The best GFLOP/s of PASSES passes on n threads at once. */
static double peak(int n)
{
	pthread_t t[MAX_THREADS];
	double best = 0;

	for (int p = 0; p < PASSES; p++) {
		double t0 = now();

		for (int i = 1; i < n; i++)
			if (pthread_create(&t[i], NULL, spin, NULL) != 0) {
				fprintf(stderr, "bench-peak: cannot start thread %d of %d\n", i + 1, n);
				exit(1);
			}
		spin(NULL);
		for (int i = 1; i < n; i++)
			pthread_join(t[i], NULL);
		double gflops = 2.0 * 16 * CHAINS * (double)ITERS * n / (now() - t0) * 1e-9;

		if (gflops > best)
			best = gflops;
	}
	return best;
}

int main(int argc, char **argv)
{
	int verbose = argc > 1 && strcmp(argv[1], "--verbose") == 0;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int n = cores < 1 ? 1 : cores > MAX_THREADS ? MAX_THREADS : (int)cores;

	if (argc > 2 && strcmp(argv[1], "--traffic") == 0) {
		char *end;
		unsigned long long floats = strtoull(argv[2], &end, 10);
		float *w;

		if (*end || floats < 16 || floats > (1ull << 32)) {
			fprintf(stderr, "bench-peak: --traffic FLOATS: expected a count of 16 to 2^32, got '%s'\n", argv[2]);
			return 2;
		}
		if (!(w = malloc(floats * sizeof(float)))) {
			fprintf(stderr, "bench-peak: out of memory for %llu floats\n", floats);
			return 1;
		}
		for (size_t i = 0; i < floats; i++)
			w[i] = 0.001f * (float)(i % 1000);
		for (int t = 1; t <= n; t = t < n && t * 2 > n ? n : t * 2) {
			double sec = traffic_round(w, floats, t);

			printf("%llu weights read twice and written once: %.1f us on %d thread%s, %.1f GB/s\n", floats,
			       sec * 1e6, t, t > 1 ? "s" : "", 3.0 * 4 * (double)floats / sec * 1e-9);
			if (t == n)
				break;
		}
		free(w);
		return 0;
	}
	double one = peak(1), all = n > 1 ? peak(n) : one;

	if (verbose)
		printf("multiply-add peak: %.0f GFLOP/s on 1 thread, %.0f on %d (%.2fx)\n", one, all, n,
		       all / one);
	else
		printf("%.0f %.0f\n", one, all);
	return 0;
}
