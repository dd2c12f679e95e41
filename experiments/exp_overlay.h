/* Overlays: columns of several runs' metrics.csv in one chart (against
 * the epoch, or a run's best value against a config value), drawn by
 * gnuplot with the runs told apart by name or by what differs. */
#ifndef EXP_OVERLAY_H
#define EXP_OVERLAY_H

#include <stddef.h>
#include <stdio.h>

#include "nn_err.h"

/* What an overlay draws. */
struct exp_overlay_options {
	const char *metrics[16];  /* metrics.csv columns, or families "prefix*" */
	size_t nmetrics;
	long from, to;            /* the epochs shown; -1: from the first, to the last */
	int logy, logx;           /* log scales */
	const char *x_key;        /* set: each column's best value (or final) of every run
				   * against the run's value of this config key */
	int final;                /* with x_key: the last epoch's value, not the best */
	int panels;               /* one panel per column, side by side */
	double ylo, yhi;          /* the y range when ylo < yhi, else automatic */
	const char *title;        /* NULL: what the chart shows */
};

/* Overlays columns of several runs in one chart: writes out_base.gp (and
 * for x_key out_base.dat) and renders out_base.png and .svg (out_base
 * without extension). A line per run and column, against the epoch, or
 * with x_key against a config value; the legend names the runs (their
 * names when these differ, else the config values that differ) and the
 * columns. */
int exp_overlay_write(const char *const *runs, size_t nruns, const struct exp_overlay_options *opt,
		     const char *out_base, FILE *log, struct nn_err *err);

#endif
