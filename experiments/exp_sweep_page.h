/* A sweep's page, DIR/report.html: its trials ranked by the objective in a
 * table that sorts in the browser, each linked to its own run page, and
 * the charts that compare them, made from results.csv, definition.txt and
 * the trials' metrics (so it can be made at any time, also while the
 * sweep runs). */
#ifndef EXP_SWEEP_PAGE_H
#define EXP_SWEEP_PAGE_H

#include <stdio.h>

#include "nn_err.h"

/* Writes dir/report.html and its charts (objective.png: the objective per
 * epoch of every trial, or with repeats the mean of each point with a band
 * of one standard deviation, coloured by the first swept value;
 * heatmap.png when exactly two values are swept; parallel.png: every
 * swept value against the objective; params.png: the objective against
 * each swept value), and the run page of every trial that lacks one.
 * Charts are drawn when gnuplot is there. Notes go to log. Returns 0, or
 * a code when dir is no sweep or the page cannot be written. */
int exp_sweep_page(const char *dir, FILE *log, struct nn_err *err);

#endif
