/* Charts drawn by gnuplot. Each chart is a script NAME.gp and its data
 * file beside it in a directory, so a user can restyle it and run gnuplot
 * there by hand; nnlab runs gnuplot as a program (never through a shell)
 * to render NAME.png and NAME.svg, and a failed chart leaves no image. */
#ifndef EXP_GNUPLOT_H
#define EXP_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

#include "exp_fs.h"
#include "nn_err.h"

/* exp_gnuplot_run's status when a signal (a stop request) interrupted it. */
#define EXP_GNUPLOT_INTERRUPTED (-2)

/* Runs gnuplot in dir with args (args[0] "gnuplot"); its errors (and its
 * output, unless out_fd >= 0 takes that) go to a temporary file whose
 * text, on one line, ends up in msg. Returns its exit status, -1 when it
 * could not run, or EXP_GNUPLOT_INTERRUPTED: gnuplot is then ended and
 * waited for, never left behind. */
int exp_gnuplot_run(const char *dir, const char *const *args, int out_fd, char *msg, size_t len);

/* The opening every script shares (outputs overridable, as nnlab does to
 * render into temporary files; a title of what is shown and of the run)
 * and the closing that draws the macro 'draw' into PNG and SVG of size
 * "W,H". */
void exp_gnuplot_head(FILE *f, const char *name, const char *what, const char *title);
/* Its first lines alone: the outputs NAME.png, .svg and .pdf, overridable. */
void exp_gnuplot_outputs(FILE *f, const char *name);
void exp_gnuplot_tail(FILE *f, const char *size);
/* The same with an SVG that shows the pointer's coordinates and toggles
 * lines from its legend (gnuplot's script inside it; a page inlines it). */
void exp_gnuplot_tail_mouse(FILE *f, const char *size);
/* The closing of a chart drawn into PNG only. */
void exp_gnuplot_tail_png(FILE *f, const char *size);

/* Writes dir/file atomically with write (exp_fs_write_atomic). */
int exp_gnuplot_write_in(const char *dir, const char *file, exp_fs_write_fn write, void *ctx,
			 struct nn_err *err);

/* Writes the script NAME.gp into dir with script and, when *draw, renders
 * it (into PNG, and SVG when with_svg); an interrupted rendering clears
 * *draw, so the charts after it get their scripts only. A failure is
 * reported on log and counted in *failed; returns 0 or -1. */
int exp_gnuplot_chart(const char *dir, const char *name, exp_fs_write_fn script, void *ctx, int *draw,
		      int with_svg, FILE *log, int *failed);

/* Writes s as a gnuplot single-quoted string (a quote doubled), control
 * characters dropped. in_macro: the string sits inside a double-quoted
 * string (the scripts' draw macro), so '"' and '\\' are escaped for that
 * too. Every text from a config or a path reaches a script this way. */
void exp_gnuplot_quote(FILE *f, const char *s, int in_macro);

/* Whether a gnuplot program is on PATH. */
int exp_gnuplot_have(void);

/* Renders dir/name.gp into dir/name.png, dir/name.svg and dir/name.pdf
 * (with NNLAB_CHART_STYLE, a gnuplot file, loaded after each terminal is
 * set: the script's variable style): gnuplot writes
 * temporary files that are renamed into place only when it succeeds.
 * Returns 0, or NN_EIO with gnuplot's complaint in err. */
int exp_gnuplot_render(const char *dir, const char *name, struct nn_err *err);

/* The colour ('#rrggbb') of item i of n: ten well-separated colours, or for
 * more items as many hues around the wheel, so no two share one. */
void exp_gnuplot_colour(size_t i, size_t n, char out[8]);

/* Renders dir/name.gp (a script nnlab wrote) into name.png and, when
 * with_svg, name.svg, as exp_gnuplot_render. */
int exp_gnuplot_render_as(const char *dir, const char *name, int with_svg, struct nn_err *err);

#endif
