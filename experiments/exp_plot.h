/* Charts drawn by gnuplot. Each chart is a script NAME.gp and its data
 * file beside it in a directory, so a user can restyle it and run gnuplot
 * there by hand; nnlab runs gnuplot as a program (never through a shell)
 * to render NAME.png and NAME.svg, and a failed chart leaves no image. */
#ifndef EXP_PLOT_H
#define EXP_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "exp_config.h"
#include "exp_data.h"
#include "exp_fs.h"
#include "nn_err.h"
#include "nn_model.h"

/* The charts exp_plot_run may write, NULL-terminated; each is NAME.gp,
 * NAME.png and NAME.svg, and for some NAME.dat. */
extern const char *const exp_plot_run_charts[];

/* The opening every script shares (outputs overridable, as nnlab does to
 * render into temporary files; a title of what is shown and of the run)
 * and the closing that draws the macro 'draw' into PNG and SVG of size
 * "W,H". */
void exp_plot_script_head(FILE *f, const char *name, const char *what, const char *title);
void exp_plot_script_tail(FILE *f, const char *size);
/* The closing of a chart drawn into PNG only. */
void exp_plot_script_tail_png(FILE *f, const char *size);

/* Writes dir/file atomically with write (exp_write_atomic). */
int exp_plot_write_in(const char *dir, const char *file, exp_write_fn write, void *ctx,
		      struct nn_err *err);

/* Writes the script NAME.gp into dir with script and, when *draw, renders
 * it (into PNG, and SVG when with_svg); an interrupted rendering clears
 * *draw, so the charts after it get their scripts only. A failure is
 * reported on log and counted in *failed; returns 0 or -1. */
int exp_plot_chart(const char *dir, const char *name, exp_write_fn script, void *ctx, int *draw,
		   int with_svg, FILE *log, int *failed);

/* Writes s as a gnuplot single-quoted string (a quote doubled), control
 * characters dropped. in_macro: the string sits inside a double-quoted
 * string (the scripts' draw macro), so '"' and '\\' are escaped for that
 * too. Every text from a config or a path reaches a script this way. */
void exp_plot_quote(FILE *f, const char *s, int in_macro);

/* Whether a gnuplot program is on PATH. */
int exp_plot_have_gnuplot(void);

/* Renders dir/name.gp into dir/name.png and dir/name.svg: gnuplot writes
 * temporary files that are renamed into place only when it succeeds.
 * Returns 0, or NN_EIO with gnuplot's complaint in err. */
int exp_plot_render(const char *dir, const char *name, struct nn_err *err);

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

/* The colour ('#rrggbb') of item i of n: ten well-separated colours, or for
 * more items as many hues around the wheel, so no two share one. */
void exp_plot_colour(size_t i, size_t n, char out[8]);

/* Renders dir/name.gp (a script nnlab wrote) into name.png and, when
 * with_svg, name.svg, as exp_plot_render. */
int exp_plot_render_as(const char *dir, const char *name, int with_svg, struct nn_err *err);

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
