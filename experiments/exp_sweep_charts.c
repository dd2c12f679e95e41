#include "exp_sweep_charts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exp_fs.h"
#include "exp_metrics.h"
#include "exp_gnuplot.h"
#include "exp_plot.h"

#define KEY_MAX 24   /* legend entries of the objective chart */

/* objective.dat: per point (a gnuplot index), per epoch: the mean of its
 * trials' objective, and the lowest and the highest of them. */
static int write_curves(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_sweep_view *pg = ctx;

	(void)err;
	fprintf(f, "# per point: epoch, mean %s, lowest, highest (over its trials)\n", pg->r->metric);
	for (size_t q = 0; q < pg->sp.npoints; q++) {
		const struct exp_point *p = &pg->sp.points[q];
		struct exp_metrics m[64];
		size_t nm = p->n < 64 ? p->n : 64, epochs = 0;

		for (size_t k = 0; k < nm; k++) {
			char tdir[4400], path[4500];

			exp_sweep_trial_dir(pg, p->rows[k], tdir, sizeof(tdir));
			snprintf(path, sizeof(path), "%s/metrics.csv", tdir);
			if (exp_metrics_read(&m[k], path, NULL) < 0)
				exp_metrics_fini(&m[k]);
			if (m[k].nrows > epochs)
				epochs = m[k].nrows;
		}
		fprintf(f, "# point %zu\n", q);
		for (size_t e = 0; e < epochs; e++) {
			double sum = 0, lo = INFINITY, hi = -INFINITY;
			size_t n = 0;

			for (size_t k = 0; k < nm; k++) {
				long col = exp_metrics_column(&m[k], pg->r->metric);
				double v = col >= 0 && e < m[k].nrows ? m[k].values[e * m[k].ncols + (size_t)col] : NAN;

				if (!isnan(v)) {
					sum += v;
					lo = v < lo ? v : lo;
					hi = v > hi ? v : hi;
					n++;
				}
			}
			if (n)
				fprintf(f, "%zu %.6g %.6g %.6g\n", e, exp_sweep_shown(pg, sum / (double)n), exp_sweep_shown(pg, lo), exp_sweep_shown(pg, hi));
		}
		fputs("\n\n", f);
		for (size_t k = 0; k < nm; k++)
			exp_metrics_fini(&m[k]);
	}
	return 0;
}

/* Point q's legend: every swept value ("train.eta=0.5 model.layers=[...]"),
 * or the trial's ID when nothing is swept. */
static void point_label(const struct exp_sweep_view *pg, size_t q, char *out, size_t len)
{
	const struct exp_results_row *w = &pg->r->rows[pg->sp.points[q].rows[0]];
	size_t used = 0;

	if (!pg->r->nparams) {
		snprintf(out, len, "trial %s", w->id);
		return;
	}
	out[0] = '\0';
	for (size_t k = 0; k < pg->r->nparams && used < len; k++)
		used += (size_t)snprintf(out + used, len - used, "%s%s=%s", k ? " " : "", pg->r->keys[k],
					 w->values[k]);
}

static int write_curves_script(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_sweep_view *pg = ctx;
	size_t groups = pg->sp.npoints;
	char title[300];

	(void)err;
	fputs("# nnlab chart: the objective per epoch of every point. Edit it and run 'gnuplot objective.gp' here.\n", f);
	exp_gnuplot_outputs(f, "objective");
	fputs("set encoding utf8\nset title ", f);
	snprintf(title, sizeof(title), "%s per epoch%s", pg->words,
		 pg->sp.repeats ? ": the mean of each point's seeds, the band from their lowest to their highest" : "");
	exp_gnuplot_quote(f, title, 0);
	fputs(" noenhanced\nset xlabel 'epoch'\nset ylabel ", f);
	exp_gnuplot_quote(f, pg->words, 0);
	fputs(" noenhanced\nset grid\nset format x '%.0f'\nset xtics 1\nset xrange [0:*]\n", f);
	if (groups <= KEY_MAX)
		fputs("set key outside right top vertical Left reverse noenhanced font ',9'\n", f);
	else
		fputs("unset key\n", f);
	fputs("draw = \"plot ", f);
	/* A colour and a legend entry per point, naming every swept value. */
	for (size_t q = 0; q < pg->sp.npoints; q++) {
		char colour[8], label[400];

		exp_gnuplot_colour(q, pg->sp.npoints, colour);
		point_label(pg, q, label, sizeof(label));
		fputs(q ? ", " : "", f);
		if (pg->sp.repeats)
			fprintf(f, "'objective.dat' index %zu using 1:3:4 with filledcurves fillstyle transparent solid 0.15 noborder lc rgb '%s' notitle, ",
				q, colour);
		fprintf(f, "'objective.dat' index %zu using 1:2 with linespoints lw 2 pt 7 ps 0.4 lc rgb '%s' ", q, colour);
		fputs("title ", f);
		exp_gnuplot_quote(f, label, 1);
	}
	fputs("\"\n", f);
	exp_gnuplot_tail_mouse(f, "1100,560");
	return 0;
}

/* trials.dat: one line per trial with a best objective: the coordinate of
 * each swept value, then the objective. */
static int write_trials(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_sweep_view *pg = ctx;

	(void)err;
	fputs("#", f);
	for (size_t k = 0; k < pg->r->nparams; k++)
		fprintf(f, " %s", pg->r->keys[k]);
	fprintf(f, " best_%s\n", pg->r->metric);
	for (size_t i = 0; i < pg->r->nrows; i++) {
		const struct exp_results_row *w = &pg->r->rows[i];

		if (isnan(w->best))
			continue;
		for (size_t k = 0; k < pg->r->nparams; k++)
			fprintf(f, "%.9g ", exp_axis_coord(&pg->sp.axes[k], w->values[k]));
		fprintf(f, "%.6g\n", exp_sweep_shown(pg, w->best));
	}
	return 0;
}

/* Tic labels of an axis of categories (numbers label themselves). */
static void category_tics(FILE *f, const struct exp_axis *ax)
{
	fputs("(", f);
	for (size_t j = 0; j < ax->n; j++) {
		fputs(j ? ", " : "", f);
		exp_gnuplot_quote(f, ax->values[j], 0);
		fprintf(f, " %zu", j);
	}
	fputs(")", f);
}

/* Tics of a log axis drawn as log10 of its values: each decade from the
 * lowest value's to the highest's, labelled with the value itself, and
 * the range the values span. */
static void log_tics(FILE *f, const struct exp_axis *ax, size_t axis)
{
	double lo = INFINITY, hi = -INFINITY;

	for (size_t j = 0; j < ax->n; j++) {
		double v = log10(atof(ax->values[j]));

		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	fputs("(", f);
	for (int d = (int)floor(lo), first = 1; d <= (int)ceil(hi); d++, first = 0)
		fprintf(f, "%s'%g' %d", first ? "" : ", ", pow(10, d), d);
	fprintf(f, ")\nset paxis %zu range [%d:%d]", axis, (int)floor(lo), (int)ceil(hi));
}

static int write_parallel_script(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_sweep_view *pg = ctx;
	size_t naxes = pg->r->nparams + 1;

	(void)err;
	fputs("# nnlab chart: every swept value against the objective, a line per trial.\n", f);
	exp_gnuplot_outputs(f, "parallel");
	fputs("set encoding utf8\nset title ", f);
	char title[300];
	snprintf(title, sizeof(title), "the swept values and the best %s of each trial (colour: the objective)",
		 pg->words);
	exp_gnuplot_quote(f, title, 0);
	fputs(" noenhanced\nset style data parallelaxes\nunset ytics\nunset key\nset border 0\n"
	      "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')\nset xtics (", f);
	for (size_t k = 0; k < naxes; k++) {
		fputs(k ? ", " : "", f);
		exp_gnuplot_quote(f, k < pg->r->nparams ? pg->r->keys[k] : "objective", 0);
		fprintf(f, " %zu", k + 1);
	}
	/* The axes spread over the width, the colour scale close by. */
	fprintf(f, ") noenhanced\nset xrange [0.85:%zu.15]\nset lmargin 9\nset rmargin 14\n", naxes);
	for (size_t k = 0; k < naxes; k++) {
		fprintf(f, "set paxis %zu tics", k + 1);
		if (k < pg->r->nparams && !pg->sp.axes[k].numeric) {
			fputc(' ', f);
			category_tics(f, &pg->sp.axes[k]);
			/* The labels beside the axis, not on its line. */
			fprintf(f, " right offset -1,0\nset paxis %zu range [-0.5:%zu.5]", k + 1, pg->sp.axes[k].n - 1);
		} else if (k < pg->r->nparams && exp_axis_log(&pg->sp.axes[k])) {
			fputc(' ', f);
			log_tics(f, &pg->sp.axes[k], k + 1);
		}
		fputc('\n', f);
	}
	/* An axis per column; a log axis draws the value's log10. */
	fputs("draw = \"plot ", f);
	for (size_t k = 0; k < naxes; k++) {
		if (k < pg->r->nparams && exp_axis_log(&pg->sp.axes[k]))
			fprintf(f, "%s'trials.dat' using (log10(column(%zu))):%zu lw 2 lc palette", k ? ", " : "", k + 1, naxes);
		else
			fprintf(f, "%s'trials.dat' using %zu:%zu lw 2 lc palette", k ? ", " : "", k + 1, naxes);
	}
	fputs("\"\n", f);
	exp_gnuplot_tail(f, "900,500");
	return 0;
}

static int write_params_script(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_sweep_view *pg = ctx;
	size_t n = pg->r->nparams, cols = n < 3 ? n : 3, rows = (n + cols - 1) / cols;

	(void)err;
	fputs("# nnlab chart: the objective against each swept value, a point per trial.\n", f);
	exp_gnuplot_outputs(f, "params");
	fputs("set encoding utf8\n", f);
	fputs("draw = \"", f);
	fprintf(f, "set multiplot layout %zu,%zu; ", rows, cols);
	for (size_t k = 0; k < n; k++) {
		fputs("set xlabel ", f);
		exp_gnuplot_quote(f, pg->r->keys[k], 1);
		fputs(" noenhanced; set ylabel ", f);
		exp_gnuplot_quote(f, pg->words, 1);
		fputs(" noenhanced; set grid; unset key; ", f);
		if (pg->sp.axes[k].numeric) {
			fputs("set autoscale x; set xtics autofreq; ", f);
			fputs(exp_axis_log(&pg->sp.axes[k]) ? "set logscale x; " : "unset logscale x; ", f);
		} else {
			fprintf(f, "unset logscale x; set xrange [-0.5:%zu.5]; set xtics ", pg->sp.axes[k].n - 1);
			fputs("(", f);
			for (size_t j = 0; j < pg->sp.axes[k].n; j++) {
				fputs(j ? ", " : "", f);
				exp_gnuplot_quote(f, pg->sp.axes[k].values[j], 1);
				fprintf(f, " %zu", j);
			}
			fputs("); ", f);
		}
		fprintf(f, "plot 'trials.dat' using %zu:%zu with points pt 7 ps 0.9 lc rgb '#1f77b4'; ", k + 1, n + 1);
	}
	fputs("unset multiplot\"\n", f);
	char size[64];
	snprintf(size, sizeof(size), "%zu,%zu", cols * 380, rows * 320);
	exp_gnuplot_tail(f, size);
	return 0;
}

/* Each trial's best objective by its number (the order the sweep defined
 * or proposed it in) with the best so far: how a search converges. */
static int write_progress(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_sweep_view *pg = ctx;
	double best = NAN;

	(void)err;
	fputs("# trial best best_so_far pruned\n", f);
	for (size_t i = 0; i < pg->r->nrows; i++) {
		const struct exp_results_row *w = &pg->r->rows[i];

		if (isnan(w->best))
			continue;
		if (isnan(best) || (pg->r->maximize ? w->best > best : w->best < best))
			best = w->best;
		fprintf(f, "%zu %.6g %.6g %d\n", i + 1, exp_sweep_shown(pg, w->best), exp_sweep_shown(pg, best), !strcmp(w->status, "pruned"));
	}
	return 0;
}

static int write_progress_script(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_sweep_view *pg = ctx;
	char label[260];

	(void)err;
	fputs("# nnlab chart: each trial's best objective by its number, and the best so far.\n", f);
	exp_gnuplot_outputs(f, "progress");
	fputs("set encoding utf8\nset title 'the search: the best of each trial, and the best so far' noenhanced\n"
	      "set xlabel 'trial (in the order the sweep defined or proposed it)' noenhanced\nset ylabel ", f);
	snprintf(label, sizeof(label), "best %s", pg->words);
	exp_gnuplot_quote(f, label, 0);
	fprintf(f, " noenhanced\nset grid\nset key outside bottom center horizontal noenhanced\nset xrange [0.5:%zu.5]\n",
		pg->r->nrows);
	fputs("draw = \"plot 'progress.dat' using 1:($4 == 0 ? $2 : 1/0) with points pt 7 ps 0.8 lc rgb '#3b528b' title 'a trial', "
	      "'' using 1:($4 == 1 ? $2 : 1/0) with points pt 9 ps 1 lc rgb '#e66101' title 'a pruned trial (its best before it stopped)', "
	      "'' using 1:3 with steps lw 2 lc rgb '#21918c' title 'the best so far'\"\n", f);
	exp_gnuplot_tail(f, "900,450");
	return 0;
}

static int chart(struct exp_sweep_view *pg, const char *name, exp_fs_write_fn data, exp_fs_write_fn script,
		 FILE *log, int *drawn)
{
	char path[4400];
	struct nn_err err = { 0, "" };
	int rc = 0;

	if (data) {
		snprintf(path, sizeof(path), "%s/%s.dat", pg->dir, name);
		rc = exp_fs_write_atomic(path, data, pg, &err);
	}
	snprintf(path, sizeof(path), "%s/%s.gp", pg->dir, name);
	if (rc == 0)
		rc = exp_fs_write_atomic(path, script, pg, &err);
	if (rc == 0 && exp_gnuplot_have())
		rc = exp_gnuplot_render_as(pg->dir, name, 1, &err);
	if (rc < 0 && log)
		fprintf(log, "nnlab: warning: sweep chart '%s' failed: %s\n", name, err.msg);
	*drawn = rc == 0 && exp_gnuplot_have();
	return rc;
}

/* Whether any trial has scored an epoch yet (a sweep's page is made at
 * any time, from its start). */
static int any_epoch(const struct exp_sweep_view *pg)
{
	for (size_t i = 0; i < pg->r->nrows; i++) {
		char tdir[4400], path[4500];
		struct exp_metrics m;
		int scored;

		exp_sweep_trial_dir(pg, i, tdir, sizeof(tdir));
		snprintf(path, sizeof(path), "%s/metrics.csv", tdir);
		scored = exp_metrics_read(&m, path, NULL) == 0 && m.nrows > 0;
		exp_metrics_fini(&m);
		if (scored)
			return 1;
	}
	return 0;
}

void exp_sweep_charts(struct exp_sweep_view *pg, FILE *log)
{
	size_t with_best = 0;

	for (size_t i = 0; i < pg->r->nrows; i++)
		with_best += !isnan(pg->r->rows[i].best);
	if (any_epoch(pg))
		chart(pg, "objective", write_curves, write_curves_script, log, &pg->have[0]);
	if (pg->r->nparams == 2 && with_best) {
		const struct exp_axis *x = &pg->sp.axes[0], *y = &pg->sp.axes[1];
		double *cells = calloc(x->n * y->n, sizeof(double));
		size_t *counts = calloc(x->n * y->n, sizeof(size_t));
		char title[400];
		struct nn_err err = { 0, "" };

		if (cells && counts) {
			for (size_t c = 0; c < x->n * y->n; c++)
				cells[c] = NAN;
			for (size_t q = 0; q < pg->sp.npoints; q++) {
				const struct exp_point *p = &pg->sp.points[q];
				const struct exp_results_row *w = &pg->r->rows[p->rows[0]];
				size_t c = exp_axis_index(x, w->values[0]), r = exp_axis_index(y, w->values[1]);

				cells[r * x->n + c] = isnan(p->mean) ? NAN : exp_sweep_shown(pg, p->mean);
				counts[r * x->n + c] = p->count;
			}
			snprintf(title, sizeof(title), "best %s by %s and %s%s", pg->words, pg->r->keys[0], pg->r->keys[1],
				 pg->sp.repeats ? " (mean over seeds)" : "");
			struct exp_plot_heatmap h = { title, pg->r->keys[0], pg->r->keys[1],
						      (const char *const *)x->values, (const char *const *)y->values,
						      x->n, y->n, cells, counts };
			if (exp_plot_heatmap(pg->dir, &h, &err) < 0 && log)
				fprintf(log, "nnlab: warning: sweep chart 'heatmap' failed: %s\n", err.msg);
			else
				pg->have[1] = exp_gnuplot_have();
		}
		free(cells);
		free(counts);
	}
	if (pg->r->nparams >= 1 && with_best >= 2) {
		char path[4400];
		struct nn_err err = { 0, "" };

		snprintf(path, sizeof(path), "%s/trials.dat", pg->dir);
		if (exp_fs_write_atomic(path, write_trials, pg, &err) < 0) {
			if (log)
				fprintf(log, "nnlab: warning: sweep charts failed: %s\n", err.msg);
			return;
		}
		chart(pg, "parallel", NULL, write_parallel_script, log, &pg->have[2]);
		chart(pg, "params", NULL, write_params_script, log, &pg->have[3]);
	}
	if (with_best >= 2)
		chart(pg, "progress", write_progress, write_progress_script, log, &pg->have[4]);
}
