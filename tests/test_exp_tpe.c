#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exp_tpe.h"
#include "nn_rng.h"

/* A search problem shaped like a learning-rate sweep, its optimum known:
 * 0 at eta 0.3 (log-uniform over 1e-3 .. 10), width 120 (int 10 .. 200),
 * dropout 0.2 (uniform 0 .. 0.5) and the third of four choices. */
static const struct exp_tpe_param space[] = {
	{ EXP_TPE_LOG_UNIFORM, 1e-3, 10, 0 },
	{ EXP_TPE_INT, 10, 200, 0 },
	{ EXP_TPE_UNIFORM, 0, 0.5, 0 },
	{ EXP_TPE_CHOICE, 0, 0, 4 },
};

static double objective(const double *x)
{
	double a = log10(x[0] / 0.3), b = (x[1] - 120) / 60, c = (x[2] - 0.2) / 0.25;

	return -(a * a + b * b + c * c) - (x[3] == 2 ? 0 : 0.5);
}

static void uniform_draw(struct nn_rng *rng, double *x)
{
	x[0] = exp(log(1e-3) + (log(10) - log(1e-3)) * nn_rng_uniform(rng));
	x[1] = (double)(10 + nn_rng_below(rng, 191));
	x[2] = 0.5 * nn_rng_uniform(rng);
	x[3] = (double)nn_rng_below(rng, 4);
}

/* The best objective after n trials: the first startup drawn uniformly,
 * the rest proposed by TPE (or drawn too when tpe is 0). */
static double search(int tpe, uint64_t seed, size_t n, size_t startup)
{
	double x[64 * 4], y[64], best = -INFINITY;
	struct nn_rng rng;

	nn_rng_init(&rng, seed);
	for (size_t i = 0; i < n; i++) {
		if (!tpe || i < startup) {
			uniform_draw(&rng, &x[i * 4]);
		} else {
			struct exp_tpe_history h = { x, y, i, 1 };

			exp_tpe_propose(space, 4, &h, seed * 1000 + i, &x[i * 4]);
		}
		y[i] = objective(&x[i * 4]);
		if (y[i] > best)
			best = y[i];
	}
	return best;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Over 15 seeds of 40 trials (10 random first), TPE's median best is
 * closer to the optimum than random search's, by a wide margin. */
Test(exp_tpe, finds_a_known_optimum_in_fewer_trials_than_random)
{
	double t[15], r[15];

	for (uint64_t s = 0; s < 15; s++) {
		t[s] = search(1, s + 1, 40, 10);
		r[s] = search(0, s + 1, 40, 10);
	}
	qsort(t, 15, sizeof(double), by_value);
	qsort(r, 15, sizeof(double), by_value);
	cr_assert(t[7] > r[7], "median best: tpe %.4f, random %.4f", t[7], r[7]);
	cr_assert(-t[7] < 0.5 * -r[7], "median regret: tpe %.4f, random %.4f", -t[7], -r[7]);
}

/* Every proposal lies in its range (a whole number for int, an index for
 * choice); the same history and seed give the same proposal; running
 * trials (NAN) and a history with no objective yet are taken. */
Test(exp_tpe, proposals_stay_in_range_and_repeat)
{
	double x[30 * 4], y[30], a[4], b[4];
	struct nn_rng rng;

	nn_rng_init(&rng, 9);
	for (size_t i = 0; i < 30; i++) {
		uniform_draw(&rng, &x[i * 4]);
		y[i] = i % 7 == 3 ? NAN : objective(&x[i * 4]);
	}
	for (size_t n = 0; n <= 30; n++) {
		struct exp_tpe_history h = { x, y, n, n % 2 };

		exp_tpe_propose(space, 4, &h, n, a);
		exp_tpe_propose(space, 4, &h, n, b);
		cr_assert(!memcmp(a, b, sizeof(a)), "history of %zu: not the same twice", n);
		cr_assert(a[0] >= 1e-3 && a[0] <= 10, "eta %g", a[0]);
		cr_assert(a[1] >= 10 && a[1] <= 200 && a[1] == floor(a[1]), "width %g", a[1]);
		cr_assert(a[2] >= 0 && a[2] <= 0.5, "dropout %g", a[2]);
		cr_assert(a[3] >= 0 && a[3] <= 3 && a[3] == floor(a[3]), "choice %g", a[3]);
	}
	struct exp_tpe_history all_running = { x, (double[30]){ NAN }, 1, 1 };
	exp_tpe_propose(space, 4, &all_running, 1, a);
	cr_assert(a[0] >= 1e-3 && a[0] <= 10);
}
