#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exp_sweep_points.h"

/* Trials of two swept keys, some repeated with other seeds: the points
 * group them in the sweep's order, with the mean and sample deviation of
 * their best objectives (a trial without one left out), and the ranking
 * puts the best mean first, ties in the sweep's order, points without a
 * value last. */
Test(exp_sweep_points, groups_averages_and_ranks)
{
	static char *v[][2] = {
		{ "0.5", "30" }, { "3", "30" }, { "0.5", "30" }, { "3", "100" },
		{ "0.5", "100" }, { "3", "30" }, { "10", "100" }, { "0.5", "100" },
	};
	const double best[] = { 0.90, 0.95, 0.92, 0.93, 0.93, NAN, NAN, NAN };
	struct exp_results_row rows[8];
	struct exp_results r = { .nparams = 2, .keys = { "train.eta", "model.hidden" },
				 .metric = "validation_accuracy", .maximize = 1, .rows = rows, .nrows = 8 };
	struct exp_sweep_points sp;
	struct nn_err err = { 0, "" };

	memset(rows, 0, sizeof(rows));
	for (size_t i = 0; i < 8; i++) {
		rows[i].values[0] = v[i][0];
		rows[i].values[1] = v[i][1];
		rows[i].best = best[i];
	}
	cr_assert_eq(exp_sweep_points(&sp, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(sp.npoints, 5);
	cr_assert(sp.repeats);
	/* In the sweep's order: (0.5,30) (3,30) (3,100) (0.5,100) (10,100). */
	const size_t first[] = { 0, 1, 3, 4, 6 }, n[] = { 2, 2, 1, 2, 1 }, count[] = { 2, 1, 1, 1, 0 };
	for (size_t q = 0; q < 5; q++) {
		cr_assert_eq(sp.points[q].rows[0], first[q], "point %zu", q);
		cr_assert_eq(sp.points[q].n, n[q], "point %zu", q);
		cr_assert_eq(sp.points[q].count, count[q], "point %zu", q);
	}
	cr_assert_eq(sp.points[0].rows[1], 2);
	cr_assert_float_eq(sp.points[0].mean, 0.91, 1e-12);
	cr_assert_float_eq(sp.points[0].sd, sqrt(2 * 0.01 * 0.01), 1e-12);
	cr_assert_float_eq(sp.points[1].mean, 0.95, 1e-12);
	cr_assert_eq(sp.points[1].sd, 0);
	cr_assert(isnan(sp.points[4].mean));
	/* 0.95, then the two 0.93 in the sweep's order, 0.91, none. */
	const size_t rank[] = { 1, 2, 3, 0, 4 };
	for (size_t q = 0; q < 5; q++)
		cr_assert_eq(sp.rank[q], rank[q], "rank %zu: point %zu", q, sp.rank[q]);
	/* Each key's values in the order the sweep lists them. */
	cr_assert_eq(sp.axes[0].n, 3);
	cr_assert_str_eq(sp.axes[0].values[2], "10");
	cr_assert(sp.axes[0].numeric);
	cr_assert_eq(exp_axis_index(&sp.axes[0], "3"), 1);
	cr_assert_eq(exp_axis_index(&sp.axes[0], "7"), 3);
	cr_assert_float_eq(exp_axis_coord(&sp.axes[0], "0.5"), 0.5, 1e-12);
	cr_assert(exp_axis_log(&sp.axes[0]));   /* 0.5, 3, 10: gaps 2.5 and 7, ratios 6 and 3.3 */
	cr_assert_eq(sp.axes[1].n, 2);
	exp_sweep_points_fini(&sp);

	/* Minimizing (a cost) turns the ranking round, points without a value
	 * still last. */
	r.maximize = 0;
	r.metric[0] = 'c';
	cr_assert_eq(exp_sweep_points(&sp, &r, &err), 0, "%s", err.msg);
	const size_t low[] = { 0, 2, 3, 1, 4 };
	for (size_t q = 0; q < 5; q++)
		cr_assert_eq(sp.rank[q], low[q], "rank %zu: point %zu", q, sp.rank[q]);
	exp_sweep_points_fini(&sp);
}

/* Values that are not all numbers make a category axis; a positive
 * numeric one over two decades is drawn on a log scale. */
Test(exp_sweep_points, axes_of_categories_and_decades)
{
	static char *v[][2] = { { "0.001", "sigmoid" }, { "0.1", "relu" }, { "0.01", "sigmoid" } };
	struct exp_results_row rows[3];
	struct exp_results r = { .nparams = 2, .keys = { "train.l2", "model.activation" },
				 .metric = "eval_accuracy", .maximize = 1, .rows = rows, .nrows = 3 };
	struct exp_sweep_points sp;
	struct nn_err err = { 0, "" };

	memset(rows, 0, sizeof(rows));
	for (size_t i = 0; i < 3; i++) {
		rows[i].values[0] = v[i][0];
		rows[i].values[1] = v[i][1];
		rows[i].best = NAN;
	}
	cr_assert_eq(exp_sweep_points(&sp, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(sp.npoints, 3);
	cr_assert_not(sp.repeats);
	cr_assert(sp.axes[0].numeric);
	cr_assert(exp_axis_log(&sp.axes[0]));
	cr_assert_not(sp.axes[1].numeric);
	cr_assert_eq(sp.axes[1].n, 2);
	cr_assert_float_eq(exp_axis_coord(&sp.axes[1], "relu"), 1.0, 1e-12);
	/* No values yet: the sweep's order. */
	for (size_t q = 0; q < 3; q++)
		cr_assert_eq(sp.rank[q], q);
	exp_sweep_points_fini(&sp);
}

/* The mean and the sample deviation (n - 1) on odd and even counts, a
 * trial without a result left out of both. */
Test(exp_sweep_points, mean_and_deviation_on_odd_and_even_counts)
{
	char *v[] = { "1", "1", "1", "2", "2", "2", "2", "2" };
	const double best[] = { 0.90, 0.93, 0.99, 0.10, 0.20, NAN, 0.40, 0.50 };
	struct exp_results_row rows[8];
	struct exp_results r = { .nparams = 1, .keys = { "train.eta" }, .metric = "eval_accuracy",
				 .maximize = 1, .rows = rows, .nrows = 8 };
	struct exp_sweep_points sp;
	struct nn_err err = { 0, "" };

	memset(rows, 0, sizeof(rows));
	for (size_t i = 0; i < 8; i++) {
		rows[i].values[0] = v[i];
		rows[i].best = best[i];
	}
	cr_assert_eq(exp_sweep_points(&sp, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(sp.npoints, 2);
	/* Three: mean 0.94, deviations -0.04, -0.01, 0.05. */
	cr_assert_eq(sp.points[0].count, 3);
	cr_assert_float_eq(sp.points[0].mean, 0.94, 1e-12);
	cr_assert_float_eq(sp.points[0].sd, sqrt((0.0016 + 0.0001 + 0.0025) / 2), 1e-12);
	/* Four of five (one has none): mean 0.3, deviations -0.2, -0.1, 0.1, 0.2. */
	cr_assert_eq(sp.points[1].n, 5);
	cr_assert_eq(sp.points[1].count, 4);
	cr_assert_float_eq(sp.points[1].mean, 0.3, 1e-12);
	cr_assert_float_eq(sp.points[1].sd, sqrt((0.04 + 0.01 + 0.01 + 0.04) / 3), 1e-12);
	exp_sweep_points_fini(&sp);
}

/* A key that sets the objective explains all of its variance and one
 * that does not explains none; numbers with more than 5 values are
 * binned by rank into 5; too few trials give NAN. */
Test(exp_sweep_points, importance_is_the_variance_a_key_explains)
{
	static char *v[10][2];
	static char text[10][2][16];
	double best[10];
	struct exp_results_row rows[10];
	struct exp_results r = { .nparams = 2, .keys = { "train.eta", "model.init" }, .metric = "eval_accuracy",
				 .maximize = 1, .rows = rows, .nrows = 10 };
	struct exp_sweep_points sp;
	struct nn_err err = { 0, "" };

	memset(rows, 0, sizeof(rows));
	for (size_t i = 0; i < 10; i++) {
		/* eta i + 1 (10 values: 5 bins of 2); init alternates and does nothing. */
		snprintf(text[i][0], 16, "%zu", i + 1);
		snprintf(text[i][1], 16, "%s", i % 2 ? "large" : "scaled");
		v[i][0] = text[i][0];
		v[i][1] = text[i][1];
		rows[i].values[0] = v[i][0];
		rows[i].values[1] = v[i][1];
		/* The objective: one level per bin of eta, the same in both inits. */
		best[i] = 0.5 + 0.1 * (double)(i / 2);
		rows[i].best = best[i];
	}
	cr_assert_eq(exp_sweep_points(&sp, &r, &err), 0, "%s", err.msg);
	cr_assert_float_eq(exp_sweep_importance(&sp, 0), 1.0, 1e-12);
	/* init: both groups hold 0.5 .. 0.9 alike but for the order: means 0.7 and 0.7. */
	cr_assert_float_eq(exp_sweep_importance(&sp, 1), 0.0, 1e-12);
	exp_sweep_points_fini(&sp);
	/* Within a bin the objective varies: the share falls below 1. */
	rows[1].best = 0.9;
	cr_assert_eq(exp_sweep_points(&sp, &r, &err), 0, "%s", err.msg);
	double s = exp_sweep_importance(&sp, 0);
	cr_assert(s > 0.3 && s < 0.95, "%g", s);
	exp_sweep_points_fini(&sp);
	r.nrows = 2;
	cr_assert_eq(exp_sweep_points(&sp, &r, &err), 0, "%s", err.msg);
	cr_assert(isnan(exp_sweep_importance(&sp, 0)));
	exp_sweep_points_fini(&sp);
}

/* A log scale for values spread evenly in ratio, a linear one for values
 * spread evenly in difference or within a decade. */
Test(exp_sweep_points, log_axes_for_values_spread_by_ratio)
{
	static const char *geometric[] = { "0.1", "0.5", "2.5" }, *even[] = { "1", "5", "10", "15", "20" },
			  *two_wide[] = { "0.5", "10" }, *two_near[] = { "1", "5" }, *negative[] = { "-1", "1", "100" },
			  *drawn[] = { "0.013", "0.21", "0.05", "3.7", "0.9", "0.0021" };
	struct {
		const char **values;
		size_t n;
		int log;
	} cases[] = { { geometric, 3, 1 }, { even, 5, 0 }, { two_wide, 2, 1 }, { two_near, 2, 0 },
		      { negative, 3, 0 }, { drawn, 6, 1 } };

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct exp_axis ax = { cases[c].values, cases[c].n, 1 };

		cr_assert_eq(exp_axis_log(&ax), cases[c].log, "case %zu", c);
	}
}
