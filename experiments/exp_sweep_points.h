/* A sweep's trials as the sweep page compares them: points (the trials
 * that differ only in their seed) with the mean and deviation of their
 * best objectives, ranked, and the distinct values of each swept key. */
#ifndef EXP_SWEEP_POINTS_H
#define EXP_SWEEP_POINTS_H

#include <stddef.h>

#include "exp_results.h"
#include "nn_err.h"

/* A point of the sweep: the trials that differ only in their seed. */
struct exp_point {
	size_t *rows;        /* indices into the results' rows, ascending */
	size_t n;
	double mean, sd;     /* of the trials' best objectives (NAN: none yet) */
	size_t count;        /* trials with a best objective */
};

/* The distinct values of one swept key, in the order the sweep lists
 * them; numeric when every one is a number. */
struct exp_axis {
	const char **values; /* borrowed from the results */
	size_t n;
	int numeric;
};

struct exp_sweep_points {
	const struct exp_results *r;
	struct exp_point *points;  /* in the sweep's order (of their first trials) */
	size_t npoints;
	int repeats;               /* some point has several trials */
	size_t *rank;              /* points, best mean objective first, those without
				      one last, ties in the sweep's order */
	struct exp_axis axes[EXP_SWEEP_MAX_PARAMS];  /* one per swept key */
};

/* Groups r's trials into points and ranks them (r must outlive sp).
 * Returns 0 or NN_ENOMEM; sp needs exp_sweep_points_fini either way. */
int exp_sweep_points(struct exp_sweep_points *sp, const struct exp_results *r, struct nn_err *err);
void exp_sweep_points_fini(struct exp_sweep_points *sp);

/* The index of v among the axis's values (n when absent). */
size_t exp_axis_index(const struct exp_axis *ax, const char *v);

/* A value's place on its axis: the number itself, or its category. */
double exp_axis_coord(const struct exp_axis *ax, const char *v);

/* Whether a numeric axis is drawn on a log scale: its values positive,
 * spanning a decade or more, and (with three or more) more evenly spread
 * on a log scale than on a linear one (0.025, 0.25, 2.5 or log-uniform
 * draws, not 1, 5, 10, 15, 20). */
int exp_axis_log(const struct exp_axis *ax);

/* How much of the trials' best objectives swept key k explains alone:
 * the trials (with a best) grouped by the key's value, or, for a number
 * with more than 5 values, into 5 bins of as many trials by rank; the
 * share of the objective's variance between the groups (the correlation
 * ratio eta^2, 0 to 1; each key alone, so the shares need not add up to
 * 1). NAN with fewer than 3 trials or no variance. */
double exp_sweep_importance(const struct exp_sweep_points *sp, size_t k);

#endif
