#include "exp_sweep_page.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exp_fs.h"
#include "exp_metrics.h"
#include "exp_html.h"
#include "exp_plot.h"
#include "exp_report.h"
#include "exp_results.h"
#include "exp_sweep_points.h"
#include "exp_text.h"
#include "exp_yaml.h"

#define KEY_MAX 24   /* legend entries of the objective chart */

struct page {
	const char *dir;
	struct exp_sweep_points sp;    /* the trials as points, ranked, and the axes */
	const struct exp_results *r;   /* sp's results */
	int percent;               /* the objective is an accuracy */
	int have[5];               /* charts drawn: objective, heatmap, parallel, params, progress */
	char words[200];           /* the objective in words, for axes ("accuracy on the test data (%)") */
};
/* The objective as the page shows it: accuracies in percent. */
static double shown(const struct page *pg, double v)
{
	return pg->percent ? 100 * v : v;
}

/* The objective in words; the eval columns score the test split unless
 * the sweep's config says validation. */
static void objective_words(struct page *pg)
{
	char path[4400], *def = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/definition.txt", pg->dir);
	exp_fs_read_file(path, &def, &len, NULL);
	exp_metrics_words(pg->r->metric, def && strstr(def, "\nconfig data.eval=validation\n") ? "validation" : "test",
			  pg->words, sizeof(pg->words));
	free(def);
}

/* --- charts ------------------------------------------------------------- */

static void trial_dir(const struct page *pg, size_t row, char *out, size_t len)
{
	snprintf(out, len, "%s/trials/%s", pg->dir, pg->r->rows[row].id);
}

/* objective.dat: per point (a gnuplot index), per epoch: the mean of its
 * trials' objective, and the lowest and the highest of them. */
static int write_curves(FILE *f, void *ctx, struct nn_err *err)
{
	const struct page *pg = ctx;

	(void)err;
	fprintf(f, "# per point: epoch, mean %s, lowest, highest (over its trials)\n", pg->r->metric);
	for (size_t q = 0; q < pg->sp.npoints; q++) {
		const struct exp_point *p = &pg->sp.points[q];
		struct exp_metrics m[64];
		size_t nm = p->n < 64 ? p->n : 64, epochs = 0;

		for (size_t k = 0; k < nm; k++) {
			char tdir[4400], path[4500];

			trial_dir(pg, p->rows[k], tdir, sizeof(tdir));
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
				fprintf(f, "%zu %.6g %.6g %.6g\n", e, shown(pg, sum / (double)n), shown(pg, lo), shown(pg, hi));
		}
		fputs("\n\n", f);
		for (size_t k = 0; k < nm; k++)
			exp_metrics_fini(&m[k]);
	}
	return 0;
}

/* Point q's legend: every swept value ("train.eta=0.5 model.layers=[...]"),
 * or the trial's ID when nothing is swept. */
static void point_label(const struct page *pg, size_t q, char *out, size_t len)
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
	const struct page *pg = ctx;
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
	const struct page *pg = ctx;

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
		fprintf(f, "%.6g\n", shown(pg, w->best));
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
	const struct page *pg = ctx;
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
	const struct page *pg = ctx;
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
	const struct page *pg = ctx;
	double best = NAN;

	(void)err;
	fputs("# trial best best_so_far pruned\n", f);
	for (size_t i = 0; i < pg->r->nrows; i++) {
		const struct exp_results_row *w = &pg->r->rows[i];

		if (isnan(w->best))
			continue;
		if (isnan(best) || (pg->r->maximize ? w->best > best : w->best < best))
			best = w->best;
		fprintf(f, "%zu %.6g %.6g %d\n", i + 1, shown(pg, w->best), shown(pg, best), !strcmp(w->status, "pruned"));
	}
	return 0;
}

static int write_progress_script(FILE *f, void *ctx, struct nn_err *err)
{
	const struct page *pg = ctx;
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

static int chart(struct page *pg, const char *name, exp_fs_write_fn data, exp_fs_write_fn script,
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
static int any_epoch(const struct page *pg)
{
	for (size_t i = 0; i < pg->r->nrows; i++) {
		char tdir[4400], path[4500];
		struct exp_metrics m;
		int scored;

		trial_dir(pg, i, tdir, sizeof(tdir));
		snprintf(path, sizeof(path), "%s/metrics.csv", tdir);
		scored = exp_metrics_read(&m, path, NULL) == 0 && m.nrows > 0;
		exp_metrics_fini(&m);
		if (scored)
			return 1;
	}
	return 0;
}

static void draw_charts(struct page *pg, FILE *log)
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

				cells[r * x->n + c] = isnan(p->mean) ? NAN : shown(pg, p->mean);
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

/* --- the page ----------------------------------------------------------- */

static void put_objective(FILE *f, const struct page *pg, double v)
{
	if (isnan(v))
		fputs("<td></td>", f);
	else
		fprintf(f, "<td data-v=\"%.9g\">%.*f</td>", v, pg->percent ? 2 : 4, shown(pg, v));
}

/* A trial's ID, linked to its run page when it has one. */
static void put_trial(FILE *f, const struct page *pg, size_t row)
{
	char page[4500];
	const char *id = pg->r->rows[row].id;

	snprintf(page, sizeof(page), "%s/trials/%s/report.html", pg->dir, id);
	if (access(page, R_OK) == 0)
		fprintf(f, "<a href=\"trials/%s/report.html\">%s</a>", id, id);
	else
		fputs(id, f);
}

static const char sort_script[] =
	"<script>\n"
	"/* Sorts a table by the column whose header is clicked (again: the other way). */\n"
	"document.querySelectorAll('table.sortable').forEach(function (table) {\n"
	"  table.querySelectorAll('thead th').forEach(function (th, col) {\n"
	"    th.addEventListener('click', function () {\n"
	"      var body = table.tBodies[0], rows = Array.from(body.rows);\n"
	"      var up = th.getAttribute('data-order') !== 'up';\n"
	"      var key = function (row) {\n"
	"        var cell = row.cells[col], v = cell.getAttribute('data-v');\n"
	"        return v !== null ? parseFloat(v) : cell.textContent;\n"
	"      };\n"
	"      rows.sort(function (a, b) {\n"
	"        var x = key(a), y = key(b);\n"
	"        var c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));\n"
	"        return up ? c : -c;\n"
	"      });\n"
	"      rows.forEach(function (row) { body.appendChild(row); });\n"
	"      th.setAttribute('data-order', up ? 'up' : 'down');\n"
	"    });\n"
	"  });\n"
	"});\n"
	"/* Shows the rows of the trials' table whose text holds what is typed; a\n"
	" * click on a row marks it. */\n"
	"(function () {\n"
	"  var input = document.getElementById('filter'), table = document.getElementById('trials');\n"
	"  if (!input || !table) return;\n"
	"  var rows = Array.from(table.tBodies[0].rows), shown = document.getElementById('shown');\n"
	"  input.addEventListener('input', function () {\n"
	"    var want = input.value.trim().toLowerCase(), n = 0;\n"
	"    rows.forEach(function (row) {\n"
	"      var keep = !want || row.textContent.toLowerCase().indexOf(want) >= 0;\n"
	"      row.style.display = keep ? '' : 'none';\n"
	"      n += keep;\n"
	"    });\n"
	"    shown.textContent = want ? n + ' of ' + rows.length + ' rows' : '';\n"
	"  });\n"
	"  rows.forEach(function (row) {\n"
	"    row.addEventListener('click', function () { row.classList.toggle('marked'); });\n"
	"  });\n"
	"})();\n"
	"</script>\n";

/* The page's head: the counts by status and how the table ranks. */
/* The trials running now, each with its epochs so far of its total, and
 * the time left at the pace of the trials ended so far (their mean wall
 * time, as many at once as run now). */
static void running_now(FILE *f, const struct page *pg, size_t running, size_t pending)
{
	double sum = 0;
	size_t ended = 0;

	for (size_t i = 0; i < pg->r->nrows; i++)
		if (!isnan(pg->r->rows[i].seconds)) {
			sum += pg->r->rows[i].seconds;
			ended++;
		}
	fputs("</p>\n<h2>Running now</h2>\n", f);
	if (running)
		fputs("<ul class=\"running\">\n", f);
	for (size_t i = 0; i < pg->r->nrows; i++) {
		const struct exp_results_row *w = &pg->r->rows[i];
		char tdir[4400], path[4500];
		struct exp_metrics m;
		struct nn_err err;
		struct exp_node *tree;
		const struct exp_node *ep;

		if (strcmp(w->status, "running"))
			continue;
		trial_dir(pg, i, tdir, sizeof(tdir));
		snprintf(path, sizeof(path), "%s/metrics.csv", tdir);
		size_t done = exp_metrics_read(&m, path, NULL) == 0 ? m.nrows : 0;
		exp_metrics_fini(&m);
		snprintf(path, sizeof(path), "%s/config.yaml", tdir);
		tree = exp_yaml_load_file(path, path, &err);
		ep = exp_node_get(exp_node_get(tree, "train"), "epochs");
		fprintf(f, "<li><a href=\"trials/%s/report.html\">%s</a>", w->id, w->id);
		for (size_t k = 0; k < pg->r->nparams; k++) {
			fputc(' ', f);
			exp_html_escape(f, pg->r->keys[k]);
			fputc('=', f);
			exp_html_escape(f, w->values[k]);
		}
		fprintf(f, " seed=%llu: %zu epoch%s done", w->seed, done, done == 1 ? "" : "s");
		if (ep && ep->kind == EXP_SCALAR) {
			fputs(" of ", f);
			exp_html_escape(f, ep->value);
		}
		fputs("</li>\n", f);
		exp_node_free(tree);
	}
	fputs(running ? "</ul>\n<p>" : "<p>Between trials. ", f);
	if (ended)
		fprintf(f, "%zu trial%s ended, %zu to go; about %.0f s left at their pace (%.1f s a trial, %zu at once).",
			ended, ended == 1 ? "" : "s", pending + running,
			sum / (double)ended * ((double)pending + 0.5 * (double)running) / (double)(running ? running : 1),
			sum / (double)ended, running ? running : 1);
	else
		fputs("No trial has ended yet: the time left shows once one has.", f);
}

static void page_head(FILE *f, const struct page *pg)
{
	static const char *const states[] = { "done", "running", "pending", "failed", "diverged", "pruned" };
	size_t counts[6] = { 0 };
	char title[4500];

	for (size_t i = 0; i < pg->r->nrows; i++)
		for (int s = 0; s < 6; s++)
			counts[s] += !strcmp(pg->r->rows[i].status, states[s]);
	snprintf(title, sizeof(title), "sweep %s", pg->dir);
	/* A sweep still going (its process holds the directory) reloads. */
	if ((counts[1] || counts[2]) && exp_fs_dir_busy(pg->dir))
		exp_html_head_live(f, title);
	else
		exp_html_head(f, title);
	fprintf(f, "<p class=\"counts\">%zu trial%s:", pg->r->nrows, pg->r->nrows == 1 ? "" : "s");
	for (int s = 0; s < 6; s++)
		fprintf(f, " <span class=\"%s\">%zu %s</span>", states[s], counts[s], states[s]);
	if ((counts[1] || counts[2]) && exp_fs_dir_busy(pg->dir))
		running_now(f, pg, counts[1], counts[2]);
	fprintf(f, "</p>\n<p>Ranked by the best %s over a trial's epochs (%s is better)%s; the marked row is "
		"the best. Click a column's header to sort by it.</p>\n",
		pg->r->metric, pg->r->maximize ? "higher" : "lower",
		pg->sp.repeats ? ", for each point its mean over the seeds, with their standard deviation and count" : "");
}

static void table_head(FILE *f, const struct page *pg)
{
	fputs("<p><label>Show the rows that hold: <input id=\"filter\" size=\"30\" "
	      "placeholder=\"a value, a status, a trial ID\"></label> <span id=\"shown\"></span></p>\n", f);
	fputs("<div class=\"scroll\"><table class=\"sortable\" id=\"trials\">\n<thead><tr><th>rank</th>", f);
	fputs(pg->sp.repeats ? "<th class=\"text\">trials</th>" : "<th class=\"text\">trial</th>", f);
	for (size_t k = 0; k < pg->r->nparams; k++) {
		fputs("<th class=\"text\">", f);
		exp_html_escape(f, pg->r->keys[k]);
		fputs("</th>", f);
	}
	if (pg->sp.repeats)
		fprintf(f, "<th>seeds</th><th class=\"text\">status</th><th>mean best %s%s</th><th>sd</th><th>n</th>",
			pg->r->metric, pg->percent ? " %" : "");
	else
		fprintf(f, "<th>seed</th><th class=\"text\">status</th><th>best %s%s</th><th>best epoch</th><th>epochs</th><th>seconds</th>",
			pg->r->metric, pg->percent ? " %" : "");
	fputs("</tr></thead>\n<tbody>\n", f);
}

/* The row of the point ranked k. */
static void table_row(FILE *f, const struct page *pg, size_t k)
{
	const struct exp_point *p = &pg->sp.points[pg->sp.rank[k]];
	const struct exp_results_row *w = &pg->r->rows[p->rows[0]];

	fprintf(f, "<tr%s><td data-v=\"%zu\">%zu</td><td class=\"text\">",
		k == 0 && !isnan(p->mean) ? " class=\"best\"" : "", k + 1, k + 1);
	for (size_t j = 0; j < p->n; j++) {
		fputs(j ? " " : "", f);
		put_trial(f, pg, p->rows[j]);
	}
	fputs("</td>", f);
	for (size_t j = 0; j < pg->r->nparams; j++) {
		fprintf(f, "<td class=\"text\" data-v=\"%.9g\">", exp_axis_coord(&pg->sp.axes[j], w->values[j]));
		exp_html_escape(f, w->values[j]);
		fputs("</td>", f);
	}
	if (pg->sp.repeats) {
		size_t done = 0;

		for (size_t j = 0; j < p->n; j++)
			done += !strcmp(pg->r->rows[p->rows[j]].status, "done");
		fprintf(f, "<td>%zu</td><td class=\"text\">%zu of %zu done</td>", p->n, done, p->n);
		put_objective(f, pg, p->mean);
		if (isnan(p->mean))
			fputs("<td></td>", f);
		else
			fprintf(f, "<td data-v=\"%.9g\">%.*f</td>", p->sd, pg->percent ? 2 : 4, shown(pg, p->sd));
		fprintf(f, "<td>%zu</td></tr>\n", p->count);
		return;
	}
	fprintf(f, "<td>%llu</td><td class=\"text\">", w->seed);
	exp_html_escape(f, w->status);
	fputs("</td>", f);
	put_objective(f, pg, w->best);
	if (w->best_epoch >= 0)
		fprintf(f, "<td>%ld</td>", w->best_epoch);
	else
		fputs("<td></td>", f);
	fprintf(f, "<td>%zu</td>", w->epochs);
	if (isnan(w->seconds))
		fputs("<td></td></tr>\n", f);
	else
		fprintf(f, "<td>%.1f</td></tr>\n", w->seconds);
}

/* Which swept values explain the objective: each key's share of the
 * variance of the trials' best objectives (exp_sweep_importance), largest
 * first, as a table with a bar. */
static void importance(FILE *f, const struct page *pg)
{
	double share[EXP_SWEEP_MAX_PARAMS];
	size_t order[EXP_SWEEP_MAX_PARAMS], n = pg->r->nparams, shown_any = 0;

	for (size_t k = 0; k < n; k++) {
		share[k] = exp_sweep_importance(&pg->sp, k);
		order[k] = k;
		shown_any += !isnan(share[k]);
	}
	if (!shown_any)
		return;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && !(share[order[j - 1]] >= share[order[j]]); j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	fprintf(f, "<h2>What the objective depends on</h2>\n<p>For each swept value, the share of the variance of the "
		"trials' best %s that it explains alone: the trials grouped by its value (a number with more than 5 "
		"values into 5 bins of as many trials), the variance between the groups over the whole (the "
		"correlation ratio; each value alone, so the shares need not add up to 1).</p>\n"
		"<table id=\"importance\"><thead><tr><th class=\"text\">swept value</th><th>share</th><th></th></tr></thead><tbody>\n",
		pg->r->metric);
	for (size_t i = 0; i < n; i++) {
		size_t k = order[i];

		fputs("<tr><td class=\"text\">", f);
		exp_html_escape(f, pg->r->keys[k]);
		if (isnan(share[k]))
			fputs("</td><td></td><td></td></tr>\n", f);
		else
			fprintf(f, "</td><td>%.2f</td><td><span style=\"display:inline-block;height:0.8em;width:%.0fpx;"
				"background:#3b528b\"></span></td></tr>\n", share[k], 300 * share[k]);
	}
	fputs("</tbody></table>\n", f);
}

static int write_page(FILE *f, void *ctx, struct nn_err *err)
{
	const struct page *pg = ctx;

	(void)err;
	page_head(f, pg);
	table_head(f, pg);
	for (size_t k = 0; k < pg->sp.npoints; k++)
		table_row(f, pg, k);
	fputs("</tbody></table></div>\n", f);
	importance(f, pg);
	fputs("<h2>Charts</h2>\n", f);
	if (pg->have[4])
		exp_html_image(f, pg->dir, "progress.png",
			       "each trial's best objective by its number, pruned trials marked, and the best so far");
	if (pg->have[0]) {
		const char *alt = pg->sp.repeats ? "the objective per epoch: each point's mean over its seeds, with a band from the lowest to the highest"
						 : "the objective per epoch of every trial";

		if (!exp_html_svg(f, pg->dir, "objective.svg", alt))
			exp_html_image(f, pg->dir, "objective.png", alt);
	}
	if (pg->have[1])
		exp_html_image(f, pg->dir, "heatmap.png", "the best objective over the two swept values");
	if (pg->have[2])
		exp_html_image(f, pg->dir, "parallel.png", "every swept value against the objective, a line per trial");
	if (pg->have[3])
		exp_html_image(f, pg->dir, "params.png", "the objective against each swept value, a point per trial");
	fputs(sort_script, f);
	fputs("</body>\n</html>\n", f);
	return 0;
}

/* The run page of every trial that has epochs and no page, or is still
 * going (its page changes). */
/* Whether a file the trial's page shows (its metrics, charts and outcome)
 * is newer than the page: a page made while the trial ran lacks the
 * charts its run draws at the end. */
static int page_stale(const char *tdir)
{
	char path[4800];
	struct stat page, st;
	struct dirent *e;
	DIR *d;
	int stale = 0;

	snprintf(path, sizeof(path), "%s/report.html", tdir);
	if (stat(path, &page) != 0 || !(d = opendir(tdir)))
		return 1;
	while (!stale && (e = readdir(d))) {
		const char *dot = strrchr(e->d_name, '.');

		if (strcmp(e->d_name, "metrics.csv") && strcmp(e->d_name, "result") &&
		    (!dot || (strcmp(dot, ".png") && strcmp(dot, ".svg"))))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tdir, e->d_name);
		stale = stat(path, &st) == 0 &&
			(st.st_mtim.tv_sec > page.st_mtim.tv_sec ||
			 (st.st_mtim.tv_sec == page.st_mtim.tv_sec && st.st_mtim.tv_nsec > page.st_mtim.tv_nsec));
	}
	closedir(d);
	return stale;
}

static void trial_pages(const struct page *pg)
{
	for (size_t i = 0; i < pg->r->nrows; i++) {
		char tdir[4400], path[4500];
		struct nn_err err;

		trial_dir(pg, i, tdir, sizeof(tdir));
		snprintf(path, sizeof(path), "%s/metrics.csv", tdir);
		if (access(path, R_OK) != 0)
			continue;
		if (strcmp(pg->r->rows[i].status, "running") && !page_stale(tdir))
			continue;
		exp_report(tdir, NULL, &err);
	}
}

int exp_sweep_page(const char *dir, FILE *log, struct nn_err *err)
{
	struct exp_results r;
	struct page pg = { .dir = dir, .r = &r };
	char path[4400];
	int rc;

	if ((rc = exp_results_read(&r, dir, err)) < 0) {
		exp_results_fini(&r);
		return rc;
	}
	pg.percent = strstr(r.metric, "accuracy") != NULL;
	objective_words(&pg);
	if ((rc = exp_sweep_points(&pg.sp, &r, err)) < 0)
		goto done;
	trial_pages(&pg);
	draw_charts(&pg, log);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	if ((rc = exp_fs_write_atomic(path, write_page, &pg, err)) == 0 && log)
		fprintf(log, "wrote %s\n", path);
done:
	exp_sweep_points_fini(&pg.sp);
	exp_results_fini(&r);
	return rc;
}
