#include "exp_tpe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_rng.h"

#define CANDIDATES 24
#define PRIOR_WEIGHT 1.0
#define FULL_WEIGHT 25   /* the newest trials of a group weighted 1 */

/* The good group's size among n trials: ceil(n / 10), at most 25. */
static size_t good_count(size_t n)
{
	size_t g = (n + 9) / 10;

	return g < 25 ? g : 25;
}

/* The weight of the k-th oldest of a group of n: 1 for the newest 25,
 * older ones ramped from 1/n up. */
static double age_weight(size_t k, size_t n)
{
	size_t ramp = n > FULL_WEIGHT ? n - FULL_WEIGHT : 0;

	if (k >= ramp)
		return 1.0;
	return ramp == 1 ? 1.0 / (double)n : 1.0 / (double)n + (1.0 - 1.0 / (double)n) * (double)k / (double)(ramp - 1);
}

/* A mixture of Gaussians truncated to [lo, hi] (the parameter's range in
 * the space it is searched in), or of category weights. */
struct estimator {
	size_t k;
	double *mu, *sigma, *w;   /* numeric: k components (the last the prior) */
	double lo, hi;
	double *p;                /* categorical: k probabilities */
};

static double phi_cdf(double z)
{
	return 0.5 * erfc(-z / sqrt(2.0));
}

static double normal(struct nn_rng *rng)
{
	double u1 = 1.0 - nn_rng_uniform(rng), u2 = nn_rng_uniform(rng);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* The estimator of the m values v (oldest first) with the prior. */
static int fit_numeric(struct estimator *e, const double *v, size_t m, double lo, double hi)
{
	size_t k = m + 1, *order;
	double sum = 0, range = hi - lo, min_sigma;

	e->k = k;
	e->lo = lo;
	e->hi = hi;
	e->mu = malloc(3 * k * sizeof(double));
	order = malloc(k * sizeof(size_t));
	if (!e->mu || !order) {
		free(order);
		return -1;
	}
	e->sigma = e->mu + k;
	e->w = e->sigma + k;
	for (size_t i = 0; i < m; i++) {
		e->mu[i] = v[i];
		e->w[i] = age_weight(i, m);
	}
	e->mu[m] = 0.5 * (lo + hi);
	e->w[m] = PRIOR_WEIGHT;
	for (size_t i = 0; i < k; i++) {
		sum += e->w[i];
		order[i] = i;
	}
	for (size_t i = 0; i < k; i++)
		e->w[i] /= sum;
	/* Each Gaussian as wide as the larger gap to its neighbours in sorted
	 * order (the end ones: their inner gap), clipped. */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && e->mu[order[j - 1]] > e->mu[order[j]]; j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	min_sigma = range / (k + 1.0 < 100.0 ? k + 1.0 : 100.0);
	for (size_t j = 0; j < k; j++) {
		double left = e->mu[order[j]] - (j ? e->mu[order[j - 1]] : lo);
		double right = (j + 1 < k ? e->mu[order[j + 1]] : hi) - e->mu[order[j]];
		double s = left > right ? left : right;

		if (k >= 2 && j == 0)
			s = right;
		else if (k >= 2 && j + 1 == k)
			s = left;
		e->sigma[order[j]] = s < min_sigma ? min_sigma : s > range ? range : s;
	}
	e->sigma[m] = range;
	free(order);
	return 0;
}

static double numeric_log_pdf(const struct estimator *e, double x)
{
	double best = -INFINITY, sum = 0, *lp = malloc(e->k * sizeof(double));

	/* log-sum-exp over the components' truncated densities. */
	if (!lp)
		return -INFINITY;
	for (size_t i = 0; i < e->k; i++) {
		double s = e->sigma[i], z = (x - e->mu[i]) / s;
		double mass = phi_cdf((e->hi - e->mu[i]) / s) - phi_cdf((e->lo - e->mu[i]) / s);

		lp[i] = log(e->w[i]) - 0.5 * z * z - log(s * sqrt(2.0 * M_PI)) - log(mass > 1e-300 ? mass : 1e-300);
		if (lp[i] > best)
			best = lp[i];
	}
	for (size_t i = 0; i < e->k; i++)
		sum += exp(lp[i] - best);
	free(lp);
	return best + log(sum);
}

static double numeric_draw(const struct estimator *e, struct nn_rng *rng)
{
	double u = nn_rng_uniform(rng), acc = 0;
	size_t c = e->k - 1;

	for (size_t i = 0; i < e->k; i++) {
		acc += e->w[i];
		if (u < acc) {
			c = i;
			break;
		}
	}
	for (int tries = 0; tries < 1000; tries++) {
		double x = e->mu[c] + e->sigma[c] * normal(rng);

		if (x >= e->lo && x <= e->hi)
			return x;
	}
	return e->mu[c] < e->lo ? e->lo : e->mu[c] > e->hi ? e->hi : e->mu[c];
}

/* Category weights: the prior's PRIOR_WEIGHT spread evenly, and each of
 * the m observed indices v its age weight. */
static int fit_choice(struct estimator *e, const double *v, size_t m, size_t n)
{
	double sum = 0;

	e->k = n;
	if (!(e->p = malloc(n * sizeof(double))))
		return -1;
	for (size_t c = 0; c < n; c++)
		e->p[c] = PRIOR_WEIGHT / (double)n;
	for (size_t i = 0; i < m; i++)
		if (v[i] >= 0 && (size_t)v[i] < n)
			e->p[(size_t)v[i]] += age_weight(i, m);
	for (size_t c = 0; c < n; c++)
		sum += e->p[c];
	for (size_t c = 0; c < n; c++)
		e->p[c] /= sum;
	return 0;
}

static double choice_draw(const struct estimator *e, struct nn_rng *rng)
{
	double u = nn_rng_uniform(rng), acc = 0;

	for (size_t c = 0; c < e->k; c++) {
		acc += e->p[c];
		if (u < acc)
			return (double)c;
	}
	return (double)(e->k - 1);
}

/* A parameter's value in the space it is searched in, and back. */
static double to_space(const struct exp_tpe_param *p, double v)
{
	return p->kind == EXP_TPE_LOG_UNIFORM ? log(v) : v;
}

static double from_space(const struct exp_tpe_param *p, double x)
{
	if (p->kind == EXP_TPE_LOG_UNIFORM)
		return fmin(fmax(exp(x), p->lo), p->hi);
	if (p->kind == EXP_TPE_INT)
		return fmin(fmax(round(x), ceil(p->lo)), floor(p->hi));
	return x;
}

static void range_of(const struct exp_tpe_param *p, double *lo, double *hi)
{
	*lo = to_space(p, p->lo);
	*hi = to_space(p, p->hi);
	if (p->kind == EXP_TPE_INT) {
		*lo = ceil(p->lo) - 0.5;
		*hi = floor(p->hi) + 0.5;
	}
}

/* Parameter p's proposal from the good trials' values (good[0 .. ng))
 * and the others' (bad[0 .. nb)), in the search space. */
static double propose_one(const struct exp_tpe_param *p, const double *good, size_t ng, const double *bad,
			  size_t nb, struct nn_rng *rng)
{
	struct estimator l = { 0 }, g = { 0 };
	double lo, hi, best = 0, best_score = -INFINITY;

	range_of(p, &lo, &hi);
	if (p->kind == EXP_TPE_CHOICE ? fit_choice(&l, good, ng, p->n) < 0 || fit_choice(&g, bad, nb, p->n) < 0 :
					fit_numeric(&l, good, ng, lo, hi) < 0 || fit_numeric(&g, bad, nb, lo, hi) < 0) {
		free(l.mu), free(g.mu), free(l.p), free(g.p);
		return p->kind == EXP_TPE_CHOICE ? 0 : from_space(p, 0.5 * (lo + hi));
	}
	for (int c = 0; c < CANDIDATES; c++) {
		double x, score;

		if (p->kind == EXP_TPE_CHOICE) {
			x = choice_draw(&l, rng);
			score = log(l.p[(size_t)x]) - log(g.p[(size_t)x]);
		} else {
			x = numeric_draw(&l, rng);
			score = numeric_log_pdf(&l, x) - numeric_log_pdf(&g, x);
		}
		if (score > best_score) {
			best_score = score;
			best = x;
		}
	}
	free(l.mu), free(g.mu), free(l.p), free(g.p);
	return p->kind == EXP_TPE_CHOICE ? best : from_space(p, best);
}

/* Orders trials best first (running and failed ones last), the older
 * first among equals; qsort's comparison reads the history here (the
 * coordinator proposes from one thread). */
static const struct exp_tpe_history *sort_history;

static int by_objective(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double yi = sort_history->y[i], yj = sort_history->y[j];
	int ni = isnan(yi), nj = isnan(yj);

	if (ni != nj)
		return ni - nj;
	if (!ni && yi != yj)
		return (sort_history->maximize ? yi > yj : yi < yj) ? -1 : 1;
	return i < j ? -1 : 1;
}

static int by_index(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	return i < j ? -1 : i > j;
}

void exp_tpe_propose(const struct exp_tpe_param *params, size_t np, const struct exp_tpe_history *h,
		     uint64_t seed, double *out)
{
	struct nn_rng rng;
	size_t scored = 0, ngood, *order = malloc((h->n + 1) * sizeof(size_t));
	double *good = malloc((h->n + 1) * sizeof(double)), *bad = malloc((h->n + 1) * sizeof(double));

	nn_rng_init(&rng, seed);
	for (size_t i = 0; i < h->n; i++)
		scored += !isnan(h->y[i]);
	if (!order || !good || !bad || scored == 0) {
		/* Nothing to learn from: the priors alone. */
		for (size_t p = 0; p < np; p++)
			out[p] = propose_one(&params[p], NULL, 0, NULL, 0, &rng);
		free(order), free(good), free(bad);
		return;
	}
	for (size_t i = 0; i < h->n; i++)
		order[i] = i;
	sort_history = h;
	qsort(order, h->n, sizeof(size_t), by_objective);
	ngood = good_count(h->n);
	if (ngood > scored)
		ngood = scored;
	/* Each group oldest first, for the age weights. */
	qsort(order, ngood, sizeof(size_t), by_index);
	qsort(order + ngood, h->n - ngood, sizeof(size_t), by_index);
	for (size_t p = 0; p < np; p++) {
		for (size_t i = 0; i < h->n; i++) {
			double v = h->x[order[i] * np + p];

			v = params[p].kind == EXP_TPE_CHOICE ? v : to_space(&params[p], v);
			if (i < ngood)
				good[i] = v;
			else
				bad[i - ngood] = v;
		}
		out[p] = propose_one(&params[p], good, ngood, bad, h->n - ngood, &rng);
	}
	free(order), free(good), free(bad);
}
