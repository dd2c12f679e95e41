#include "exp_report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_charts.h"
#include "exp_config.h"
#include "exp_flat.h"
#include "exp_fs.h"
#include "exp_html.h"
#include "exp_metrics.h"
#include "exp_overlay.h"
#include "exp_plot.h"
#include "exp_results.h"
#include "exp_text.h"
#include "exp_try.h"
#include "exp_yaml.h"

/* A run's accuracies of the evaluated split, in percent: its peak, its
 * final, and at the epoch whose model best.json keeps (the first epoch of
 * the best validation accuracy, or of the evaluated split's without a
 * validation split, as nnlab run chooses). */
struct summary {
	double best, final;
	long best_epoch;
	size_t epochs;
	int by_validation;     /* best.json was chosen on the validation split */
	long kept_epoch;       /* best.json's epoch */
	double kept_select;    /* the accuracy that chose it */
	double kept;           /* the evaluated split's accuracy then */
};

/* The value at row r of column col (NAN when absent or empty). */
static double cell(const struct exp_metrics *m, size_t r, long col)
{
	return col < 0 ? NAN : m->values[r * m->ncols + (size_t)col];
}

static void summarize(const struct exp_metrics *m, enum exp_ties ties, struct summary *s)
{
	long acc = exp_metrics_column(m, "eval_accuracy"), ep = exp_metrics_column(m, "epoch");
	long val = exp_metrics_column(m, "validation_accuracy");
	double best = NAN;
	long r;

	memset(s, 0, sizeof(*s));
	/* The epochs run: the last row's epoch + 1 (monitor.every scores
	 * every Nth epoch only, so rows are fewer). */
	double last = m->nrows ? cell(m, m->nrows - 1, ep) : NAN;
	s->epochs = isfinite(last) && last >= 0 ? (size_t)last + 1 : m->nrows;
	s->by_validation = val >= 0;
	/* Peak: the first of the best epochs, as nnlab run says "best:". */
	r = exp_metrics_best(m, acc, 1, EXP_TIES_FIRST, &best);
	s->best = r < 0 ? -1 : 100 * best;
	s->best_epoch = r < 0 ? -1 : (long)cell(m, (size_t)r, ep);
	/* best.json: chosen by validation accuracy when there is one, of
	 * tied epochs as the run's monitor.ties says. */
	r = exp_metrics_kept(m, ties, &best);
	s->kept_epoch = r < 0 ? -1 : (long)cell(m, (size_t)r, ep);
	s->kept_select = r < 0 ? -1 : 100 * best;
	s->kept = r < 0 ? -1 : 100 * cell(m, (size_t)r, acc);
	s->final = m->nrows ? 100 * cell(m, m->nrows - 1, acc) : -1;
}

/* --- one run -------------------------------------------------------------- */

/* The metrics table: columns that hold a value only, accuracies in
 * percent, the row of best.json's epoch marked, scrolling sideways in a
 * narrow window rather than running off the page. */
static void write_metrics_table(FILE *f, const struct exp_metrics *m, long kept_epoch)
{
	long ep = exp_metrics_column(m, "epoch");
	int show[EXP_METRICS_MAX_COLUMNS];
	double v;

	for (size_t j = 0; j < m->ncols; j++)
		show[j] = exp_metrics_best(m, (long)j, 1, EXP_TIES_FIRST, &v) >= 0;
	fputs("<h2>Metrics</h2>\n<p>One row per epoch; accuracies in percent; the marked row is the epoch "
	      "whose model best.json keeps.</p>\n<div class=\"scroll\"><table id=\"metrics\">\n<tr>", f);
	for (size_t j = 0; j < m->ncols; j++) {
		if (!show[j])
			continue;
		fputs("<th>", f);
		exp_html_escape(f, m->names[j]);
		fputs(strstr(m->names[j], "accuracy") ? " %</th>" : "</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t r = 0; r < m->nrows; r++) {
		int kept = (long)cell(m, r, ep) == kept_epoch;

		fputs(kept ? "<tr class=\"best\">" : "<tr>", f);
		for (size_t j = 0; j < m->ncols; j++) {
			double x = m->values[r * m->ncols + j];

			if (!show[j])
				continue;
			if (isnan(x))
				fputs("<td></td>", f);
			else if (strstr(m->names[j], "accuracy"))
				fprintf(f, "<td>%.2f</td>", 100 * x);
			else
				fprintf(f, "<td>%.6g</td>", x);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table></div>\n", f);
}

/* The page's head. A sweep's trial (DIR = SWEEP/trials/ID) is titled by
 * its swept values and seed, and links back to the sweep's page. */
static void trial_head(FILE *f, const char *dir, int live)
{
	char sweep[4400], title[4600] = "";
	const char *id = strrchr(dir, '/');
	struct exp_results r;
	struct nn_err err;
	size_t n;

	snprintf(sweep, sizeof(sweep), "%s", dir);
	n = id ? (size_t)(id - dir) : 0;
	id = id ? id + 1 : dir;
	sweep[n] = '\0';
	if (n >= 7 && !strcmp(sweep + n - 7, "/trials")) {
		sweep[n - 7] = '\0';
		if (exp_results_read(&r, sweep, &err) == 0)
			for (size_t i = 0; i < r.nrows; i++) {
				if (strcmp(r.rows[i].id, id))
					continue;
				size_t len = (size_t)snprintf(title, sizeof(title), "trial %s:", id);
				for (size_t k = 0; k < r.nparams && len < sizeof(title); k++)
					len += (size_t)snprintf(title + len, sizeof(title) - len, " %s=%s", r.keys[k],
								r.rows[i].values[k]);
				if (len < sizeof(title))
					snprintf(title + len, sizeof(title) - len, " seed=%llu", r.rows[i].seed);
			}
		exp_results_fini(&r);
	}
	/* A run still going (it holds its directory) reloads its page. */
	const char *shown = title[0] ? title : dir;
	if (live)
		exp_html_head_live(f, shown);
	else
		exp_html_head(f, shown);
	if (!title[0])
		return;
	fputs("<p><a href=\"../../report.html\">&larr; the sweep</a> (", f);
	exp_html_escape(f, sweep);
	fputs(")</p>\n", f);
}

struct run_page {
	const char *dir;
	int live;        /* the run is still going */
};

/* How far a run still going is: epochs done of its total, and the time
 * left at the pace of its epochs so far (when each epoch is scored). */
static void how_far(FILE *f, const struct exp_metrics *m, const struct exp_node *tree)
{
	const struct exp_node *ep = exp_node_get(exp_node_get(tree, "train"), "epochs");
	const struct exp_node *every = exp_node_get(exp_node_get(tree, "monitor"), "every");
	long col = exp_metrics_column(m, "epoch"), secs = exp_metrics_column(m, "seconds");
	double done = col >= 0 && m->nrows ? m->values[(m->nrows - 1) * m->ncols + (size_t)col] + 1 : 0;
	double total = ep && ep->kind == EXP_SCALAR ? atof(ep->value) : 0, sum = 0;

	fprintf(f, "<p class=\"live\">Epoch %.0f of %.0f done", done, total);
	if (secs >= 0 && m->nrows && total > done && (!every || !strcmp(every->value, "1"))) {
		for (size_t r = 0; r < m->nrows; r++)
			sum += isnan(m->values[r * m->ncols + (size_t)secs]) ? 0 : m->values[r * m->ncols + (size_t)secs];
		fprintf(f, "; about %.0f s left at the pace so far (%.2f s an epoch)", sum / (double)m->nrows * (total - done),
			sum / (double)m->nrows);
	}
	fputs(".</p>\n", f);
}

static int write_run(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_page *rp = ctx;
	const char *dir = rp->dir;
	char path[4400], *config = NULL;
	size_t len;
	struct exp_metrics m;
	struct summary s;
	static const char *const charts[][2] = {
		{ "accuracy.png", "accuracy per epoch" },
		{ "cost.png", "cost per epoch" },
		{ "confusion.png", "confusion matrix at the best epoch" },
		{ "misclassified.png", "misclassified examples (true>predicted)" },
		{ "weights.png", "first-layer weights, one tile per hidden unit" },
		{ "filters1.png", "the first convolution's kernels" },
		{ "filters2.png", "the second convolution's kernels, one tile per map and input channel" },
		{ "filters3.png", "the third convolution's kernels" },
		{ "filters4.png", "the fourth convolution's kernels" },
	};

	snprintf(path, sizeof(path), "%s/metrics.csv", dir);
	if (exp_metrics_read(&m, path, err) < 0) {
		exp_metrics_fini(&m);
		return err->code;
	}
	/* Which split is evaluated and which of tied epochs best.json
	 * keeps: the config says; validation columns of their own mean the
	 * test split is. */
	const char *split = "test";
	snprintf(path, sizeof(path), "%s/config.yaml", dir);
	struct nn_err yerr;
	struct exp_node *tree = exp_yaml_load_file(path, path, &yerr);
	const struct exp_node *ev = exp_node_get(exp_node_get(tree, "data"), "eval");
	if (ev && ev->kind == EXP_SCALAR && !strcmp(ev->value, "validation"))
		split = "validation";
	summarize(&m, exp_config_tree_ties(tree), &s);
	trial_head(f, dir, rp->live);
	if (rp->live)
		how_far(f, &m, tree);
	fprintf(f, "<p>%zu epoch%s. Peak %s accuracy %.2f%% at epoch %ld; final (epoch %zu) %.2f%%.</p>\n",
		s.epochs, s.epochs == 1 ? "" : "s", split, s.best, s.best_epoch, s.epochs - 1, s.final);
	fprintf(f, "<p>best.json (and the confusion, misclassified, weights and filters charts) holds epoch %ld's model, "
		"chosen by the best %s accuracy (%.2f%%)", s.kept_epoch,
		s.by_validation ? "validation" : split, s.kept_select);
	if (s.by_validation)
		fprintf(f, "; its %s accuracy is %.2f%%", split, s.kept);
	fputs(".</p>\n", f);
	/* Choosing a model by its test score flatters the score: say so. */
	if (!s.by_validation && !strcmp(split, "test"))
		fputs("<p class=\"note\"><strong>Note:</strong> no validation split was held out, so the best epoch "
		      "was chosen on the test split and its test accuracy is an optimistic estimate. Set "
		      "<code>data.validation_size</code> (the book holds out 10,000 of MNIST's training images) to "
		      "choose on data the test never sees.</p>\n", f);
	exp_node_free(tree);
	fputs("<h2>Charts</h2>\n", f);
	if (exp_charts_pending(dir)) {
		fputs("<p class=\"note\">This trial's charts were left for later: a sweep draws those of its best "
		      "trials when it ends (<code>sweep.trial_charts</code>). <code>nnlab report ", f);
		exp_html_escape(f, dir);
		fputs("</code> draws them and rewrites this page.</p>\n", f);
	}
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++)
		exp_html_image(f, dir, charts[i][0], charts[i][1]);
	exp_try_section(f, dir);
	write_metrics_table(f, &m, s.kept_epoch);
	snprintf(path, sizeof(path), "%s/config.yaml", dir);
	if (exp_fs_read_file(path, &config, &len, err) == 0) {
		fputs("<h2>Config</h2>\n<pre>", f);
		exp_html_escape(f, config);
		fputs("</pre>\n", f);
		free(config);
	}
	fputs("</body>\n</html>\n", f);
	exp_metrics_fini(&m);
	return 0;
}

/* --- a directory of runs ------------------------------------------------ */

struct run {
	char name[256], path[4800];
	struct summary s;
	char values[2][256];   /* of the two differing keys, for the heatmap */
	char legend[512];
};

struct runs {
	const char *dir;
	struct run *run;
	size_t n;
	char keys[2][256];
	size_t nkeys;          /* differing config keys (counted up to 3) */
	int heatmap;
};

static int by_best(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return (x->s.best < y->s.best) - (x->s.best > y->s.best);
}

/* The distinct values of key k (0 or 1) over the runs, in natural order. */
struct axis {
	const char *values[64];
	size_t n;
};

static void axis_init(struct axis *ax, const struct runs *rs, int k)
{
	ax->n = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const char *v = rs->run[i].values[k];
		size_t j = 0;

		while (j < ax->n && strcmp(ax->values[j], v))
			j++;
		if (j < ax->n || ax->n == 64)
			continue;
		/* Insert in order. */
		for (j = ax->n; j > 0 && exp_text_natural_cmp(ax->values[j - 1], v) > 0; j--)
			ax->values[j] = ax->values[j - 1];
		ax->values[j] = v;
		ax->n++;
	}
}

static long axis_index(const struct axis *ax, const char *v)
{
	for (size_t j = 0; j < ax->n; j++)
		if (!strcmp(ax->values[j], v))
			return (long)j;
	return -1;
}

/* The heatmap of the runs' final accuracy over their two differing keys,
 * values in natural order, runs at the same point averaged. */
static int heatmap(const struct runs *rs, struct nn_err *err)
{
	struct axis x, y;
	double cells[64 * 64];
	size_t counts[64 * 64] = { 0 };
	char title[600];

	axis_init(&x, rs, 0);
	axis_init(&y, rs, 1);
	for (size_t i = 0; i < 64 * 64; i++)
		cells[i] = 0;
	for (size_t i = 0; i < rs->n; i++) {
		long c = axis_index(&x, rs->run[i].values[0]), r = axis_index(&y, rs->run[i].values[1]);

		if (c < 0 || r < 0)
			continue;
		cells[(size_t)r * x.n + (size_t)c] += rs->run[i].s.final;
		counts[(size_t)r * x.n + (size_t)c]++;
	}
	for (size_t i = 0; i < x.n * y.n; i++)
		cells[i] = counts[i] ? cells[i] / (double)counts[i] : NAN;
	snprintf(title, sizeof(title), "final accuracy (%%) by %s and %s", rs->keys[0], rs->keys[1]);
	struct exp_plot_heatmap h = { title, rs->keys[0], rs->keys[1], x.values, y.values, x.n, y.n, cells, counts };
	return exp_plot_heatmap(rs->dir, &h, err);
}

static int write_index(FILE *f, void *ctx, struct nn_err *err)
{
	const struct runs *rs = ctx;

	(void)err;
	exp_html_head(f, rs->dir);
	fprintf(f, "<p>%zu runs, sorted by their best accuracy of the evaluated split.</p>\n", rs->n);
	fputs("<table id=\"runs\">\n<tr><th class=\"text\">run</th><th class=\"text\">differs in</th>"
	      "<th>best %</th><th>at epoch</th><th>final %</th><th>epochs</th></tr>\n", f);
	for (size_t i = 0; i < rs->n; i++) {
		const struct run *r = &rs->run[i];

		fputs("<tr><td class=\"text\">", f);
		exp_html_escape(f, r->name);
		fputs("</td><td class=\"text\">", f);
		exp_html_escape(f, r->legend);
		fprintf(f, "</td><td>%.2f</td><td>%ld</td><td>%.2f</td><td>%zu</td></tr>\n", r->s.best,
			r->s.best_epoch, r->s.final, r->s.epochs);
	}
	fputs("</table>\n<h2>Charts</h2>\n", f);
	exp_html_image(f, rs->dir, "overlay-accuracy.png", "accuracy of the evaluated split per epoch, every run");
	if (rs->heatmap)
		exp_html_image(f, rs->dir, "heatmap.png", "final accuracy over the two config values the runs vary");
	fputs("</body>\n</html>\n", f);
	return 0;
}

/* The page of the runs under runs_dir, written with its charts into dir. */
/* Each run under runs_dir (a subdirectory with metrics.csv): its summary
 * and its flattened config into flats. Returns the runs read. */
static size_t read_runs(struct runs *rs, const char *runs_dir, char **flats, struct dirent **names,
			int count, FILE *log, struct nn_err *err)
{
	for (int i = 0; i < count; i++) {
		char metrics[4800], path[4700];
		struct exp_metrics m;
		struct exp_node *tree;
		struct run *r = &rs->run[rs->n];

		if (names[i]->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", runs_dir, names[i]->d_name);
		snprintf(metrics, sizeof(metrics), "%s/metrics.csv", path);
		snprintf(r->name, sizeof(r->name), "%s", names[i]->d_name);
		if (access(metrics, R_OK) != 0)
			continue;
		if (exp_metrics_read(&m, metrics, err) < 0 || m.nrows < 1) {
			if (log)
				fprintf(log, "nnlab: warning: skipping '%s': %s\n", path,
					m.ncols && m.nrows < 1 ? "no epochs" : err->msg);
			exp_metrics_fini(&m);
			continue;
		}
		snprintf(r->path, sizeof(r->path), "%s", path);
		snprintf(metrics, sizeof(metrics), "%s/config.yaml", path);
		tree = exp_yaml_load_file(metrics, metrics, err);
		summarize(&m, exp_config_tree_ties(tree), &r->s);
		exp_metrics_fini(&m);
		flats[rs->n] = tree ? exp_flat_node(tree) : NULL;
		exp_node_free(tree);
		rs->n++;
	}
	return rs->n;
}

/* The config keys whose values differ: each run's legend, and the two
 * values of the heatmap. */
static void differences(struct runs *rs, char **flats)
{
	char keys[64][256];

	rs->nkeys = exp_flat_differing(flats, rs->n, keys, 64);
	for (size_t k = 0; k < rs->nkeys && k < 2; k++)
		snprintf(rs->keys[k], sizeof(rs->keys[k]), "%s", keys[k]);
	for (size_t i = 0; i < rs->n; i++) {
		for (size_t k = 0, len = 0; k < rs->nkeys && k < 64; k++) {
			char v[256];

			exp_flat_get(flats[i], keys[k], v, sizeof(v));
			if (len < sizeof(rs->run[i].legend))
				len += (size_t)snprintf(rs->run[i].legend + len, sizeof(rs->run[i].legend) - len,
							"%s%s=%s", len ? " " : "", keys[k], v);
			if (k < 2)
				snprintf(rs->run[i].values[k], sizeof(rs->run[i].values[k]), "%s", v);
		}
	}
}

/* The overlay of every run, and the heatmap when two values vary. */
static void runs_charts(struct runs *rs, FILE *log, struct nn_err *err)
{
	const char **paths = calloc(rs->n, sizeof(char *));
	struct exp_overlay_options opt = { .metrics = { "eval_accuracy" }, .nmetrics = 1, .from = -1, .to = -1 };
	char base[4400];

	for (size_t i = 0; paths && i < rs->n; i++)
		paths[i] = rs->run[i].path;
	snprintf(base, sizeof(base), "%s/overlay-accuracy", rs->dir);
	if (paths && exp_overlay_write(paths, rs->n, &opt, base, log, err) < 0 && log)
		fprintf(log, "nnlab: warning: overlay chart failed: %s\n", err->msg);
	free(paths);
	if (rs->nkeys == 2) {
		rs->heatmap = 1;
		if (heatmap(rs, err) < 0) {
			if (log)
				fprintf(log, "nnlab: warning: heatmap failed: %s\n", err->msg);
			rs->heatmap = 0;
		}
	}
}

static int report_runs(const char *dir, const char *runs_dir, FILE *log, struct nn_err *err)
{
	struct dirent **names;
	int count = scandir(runs_dir, &names, NULL, alphasort);
	struct runs rs = { .dir = dir };
	char **flats, file[4400];
	int rc = 0;

	if (count < 0)
		return nn_errorf(err, NN_EIO, "cannot read directory '%s': %s", runs_dir, strerror(errno));
	rs.run = calloc((size_t)count + 1, sizeof(*rs.run));
	flats = calloc((size_t)count + 1, sizeof(char *));
	if (!rs.run || !flats)
		rc = nn_errorf(err, NN_ENOMEM, "out of memory");
	else if (!read_runs(&rs, runs_dir, flats, names, count, log, err))
		rc = nn_errorf(err, NN_EINVAL, "'%s' holds no runs (no metrics.csv in it or its subdirectories)", runs_dir);
	for (int i = 0; i < count; i++)
		free(names[i]);
	free(names);
	if (rc == 0) {
		differences(&rs, flats);
		qsort(rs.run, rs.n, sizeof(*rs.run), by_best);
		runs_charts(&rs, log, err);
		snprintf(file, sizeof(file), "%s/report.html", dir);
		rc = exp_fs_write_atomic(file, write_index, &rs, err);
		if (rc == 0 && log)
			fprintf(log, "wrote %s\n", file);
	}
	for (size_t i = 0; flats && i <= rs.n; i++)
		free(flats[i]);
	free(flats);
	free(rs.run);
	return rc;
}

int exp_report(const char *dir, FILE *log, struct nn_err *err)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/metrics.csv", dir);
	if (access(path, R_OK) != 0)
		return report_runs(dir, dir, log, err);
	return exp_report_run(dir, exp_fs_dir_busy(dir), log, err);
}

int exp_report_run(const char *dir, int live, FILE *log, struct nn_err *err)
{
	char path[4400];
	struct run_page rp = { dir, live };
	int rc;

	snprintf(path, sizeof(path), "%s/report.html", dir);
	rc = exp_fs_write_atomic(path, write_run, &rp, err);
	if (rc == 0 && log)
		fprintf(log, "wrote %s\n", path);
	return rc;
}
