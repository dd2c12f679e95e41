/* The machine's single-precision peak (make bench prints it and takes
 * its GFLOP/s fractions from it): a multiply-add loop on 12 independent
 * vectors of 16 floats that never leave the registers, on 1 thread and
 * on every core at once, each the best of 9 passes of about 0.2 s.
 * Prints "PEAK1 PEAKN" in GFLOP/s, or with --verbose a line for each.
 * Built with the project's flags (-march=native), so the vectors are as
 * wide as the machine's: the figure is what its FMA units give, the
 * ceiling for any kernel, and the 1-to-every-core ratio the ceiling for
 * what threads can give. */
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
	double one = peak(1), all = n > 1 ? peak(n) : one;

	if (verbose)
		printf("multiply-add peak: %.0f GFLOP/s on 1 thread, %.0f on %d (%.2fx)\n", one, all, n,
		       all / one);
	else
		printf("%.0f %.0f\n", one, all);
	return 0;
}
