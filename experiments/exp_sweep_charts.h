/* The charts of a sweep's page (exp_sweep_page.h): the objective per
 * epoch of every trial or point, the heatmap of two swept values, every
 * swept value against the objective (parallel and params), and the
 * objective over the trials in the order they ran (progress). Each is a
 * gnuplot script and its data in the sweep's directory, drawn when
 * gnuplot is there. */
#ifndef EXP_SWEEP_CHARTS_H
#define EXP_SWEEP_CHARTS_H

#include <stdio.h>

#include "exp_results.h"
#include "exp_sweep_points.h"

/* What a sweep's page and its charts are made from. */
struct exp_sweep_view {
	const char *dir;
	struct exp_sweep_points sp;    /* the trials as points, ranked, and the axes */
	const struct exp_results *r;   /* sp's results */
	int percent;               /* the objective is an accuracy */
	int have[5];               /* charts drawn: objective, heatmap, parallel, params, progress */
	char words[200];           /* the objective in words, for axes ("accuracy on the test data (%)") */
};

/* The objective as the page shows it: accuracies in percent. */
static inline double exp_sweep_shown(const struct exp_sweep_view *pg, double v)
{
	return pg->percent ? 100 * v : v;
}

/* The directory of the trial of results row 'row'. */
static inline void exp_sweep_trial_dir(const struct exp_sweep_view *pg, size_t row, char *out, size_t len)
{
	snprintf(out, len, "%s/trials/%s", pg->dir, pg->r->rows[row].id);
}

/* Writes the charts the trials so far allow, setting pg->have; failures
 * are warnings on log. */
void exp_sweep_charts(struct exp_sweep_view *pg, FILE *log);

#endif
