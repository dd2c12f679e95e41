/* A run's charts (accuracy, cost, confusion, mistakes, weights), and
 * heatmaps; drawn with exp_gnuplot. */
#ifndef EXP_PLOT_H
#define EXP_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "exp_config.h"
#include "exp_data.h"
#include "exp_fs.h"
#include "exp_gnuplot.h"
#include "nn_err.h"
#include "nn_model.h"

/* The charts exp_plot_run may write, NULL-terminated; each is NAME.gp,
 * NAME.png and NAME.svg, and for some NAME.dat. */
extern const char *const exp_plot_run_charts[];

/* The first misclassified examples of the evaluated split of data (up to
 * 36, labelled true>predicted by pred, one class per example) as NAME.gp,
 * .png and .svg in dir, titled title and what. For image data only (else
 * nothing). Returns the number of charts that failed (0 or 1), reported
 * on log. */
int exp_plot_mistakes(const char *dir, const char *name, const char *title, const char *what,
		      const struct exp_config *cfg, const struct exp_data *data, const int32_t *pred,
		      FILE *log);

/* Writes a run's charts into its directory: accuracy and cost per epoch
 * (from metrics.csv); for image data, the confusion matrix, the
 * misclassified examples and the weights (a first fc layer's, or each
 * conv layer's kernels) of model, scored on the evaluated split; which
 * names that model in their titles ("epoch 21's model (best.json: the
 * best validation accuracy)"). Renders them when gnuplot is there; when it
 * is not, says once on log how to get the images. Chart failures are
 * reported on log and do not fail the run: returns the number of charts
 * that failed. */
int exp_plot_run(const char *dir, const struct exp_config *cfg, const struct exp_data *data,
		 struct nn_model *model, const char *which, FILE *log);

/* A heatmap of one value over a grid of two config values. */
struct exp_plot_heatmap {
	const char *title;               /* "final accuracy (%) by ..." */
	const char *xlabel, *ylabel;     /* the two keys */
	const char *const *xs, *const *ys; /* the values along each axis, in order */
	size_t nx, ny;
	const double *cells;             /* (ny, nx): cells[r * nx + c], NAN when empty */
	const size_t *counts;            /* (ny, nx): runs averaged in each cell, or NULL */
};

/* Writes dir/heatmap.dat (one line per filled cell in grid order: column,
 * row, value, runs) and dir/heatmap.gp (one rectangle per cell, labelled
 * with its value, the cells filling the frame), and renders them when
 * gnuplot is there. Returns 0 or a code. */
int exp_plot_heatmap(const char *dir, const struct exp_plot_heatmap *h, struct nn_err *err);

/* Draws the run's accuracy curve as text (gnuplot's dumb terminal) to out. */
int exp_plot_terminal(const char *dir, FILE *out, struct nn_err *err);

#endif
