/* Tree-structured Parzen estimators (Bergstra et al. 2011), the proposal
 * rule of `sweep.random.search: tpe`: the trials so far are split at the
 * quantile gamma of their objective into the good and the rest; each
 * parameter gets a Parzen estimator (a mixture of truncated Gaussians,
 * or of category weights) over the good values, l(x), and over the rest,
 * g(x), each with a prior over the whole range; candidates are drawn from
 * l and the one with the best l(x) / g(x) is proposed. Parameters are
 * proposed independently (Optuna's default), with Optuna's defaults for
 * the details: gamma(n) = min(ceil(n / 10), 25), 24 candidates, prior
 * weight 1, each Gaussian as wide as the larger gap to its neighbours
 * clipped to [range / min(100, n + 1), range], the newest 25 trials
 * weighted 1 and older ones ramped down. Trials still running count as
 * the worst so far (a constant liar), so parallel workers are not sent
 * to the same place. */
#ifndef EXP_TPE_H
#define EXP_TPE_H

#include <stddef.h>
#include <stdint.h>

enum exp_tpe_kind {
	EXP_TPE_UNIFORM,      /* a real in [lo, hi] */
	EXP_TPE_LOG_UNIFORM,  /* a real in [lo, hi], lo > 0, searched in log space */
	EXP_TPE_INT,          /* a whole number in [lo, hi] */
	EXP_TPE_CHOICE        /* one of n choices: its index */
};

struct exp_tpe_param {
	enum exp_tpe_kind kind;
	double lo, hi;        /* UNIFORM, LOG_UNIFORM, INT */
	size_t n;             /* CHOICE: the number of choices */
};

/* The trials so far, oldest first: x[i * np + p] is trial i's value of
 * parameter p (a choice's index), y[i] its objective, NAN for a trial
 * still running (or one that failed: it counts as the worst). */
struct exp_tpe_history {
	const double *x;
	const double *y;
	size_t n;
	int maximize;
};

/* One proposal into out[p], a value in each parameter's range (a whole
 * number for INT, an index for CHOICE), from the draws of a generator
 * seeded with seed alone: the same history and seed give the same
 * proposal. With no trial that has an objective, a draw from the priors. */
void exp_tpe_propose(const struct exp_tpe_param *params, size_t np, const struct exp_tpe_history *h,
		     uint64_t seed, double *out);

#endif
