#include "exp_overlay.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_flat.h"
#include "exp_fs.h"
#include "exp_metrics.h"
#include "exp_plot.h"
#include "exp_text.h"
#include "exp_yaml.h"

#define SIZE "900,560"

#define LEGEND_MAX 48   /* characters of a legend entry */
#define KEY_MAX 24      /* runs with a legend; more are told apart in the report */

struct overlay {
	const char *const *runs;   /* absolute paths, in colour order */
	size_t nruns;
	const struct exp_overlay_options *opt;
	const char *base;
	char (*legend)[256];
	/* The columns drawn (families expanded), the same for every run. */
	const char *cols[EXP_METRICS_MAX_COLUMNS];
	char colnames[EXP_METRICS_MAX_COLUMNS][128];  /* what cols point into */
	size_t ncols;
	size_t max_epoch;
	char **flats;              /* the runs' configs, flattened (for --x) */
	char split[16];            /* the split the first run's eval columns score */
};

#define MARKERS_MAX 50  /* points on a line drawn with a marker at each */


static int is_accuracy(const char *col)
{
	return strstr(col, "accuracy") != NULL;
}

/* The y label: the column in words, or what the columns have in common. */
static void y_label(const struct overlay *o, char *out, size_t len)
{
	int costs = 1, accuracies = 1, norms = 1;

	if (o->ncols == 1) {
		exp_metrics_words(o->cols[0], o->split, out, len);
		return;
	}
	for (size_t c = 0; c < o->ncols; c++) {
		accuracies &= is_accuracy(o->cols[c]);
		costs &= strstr(o->cols[c], "cost") != NULL;
		norms &= !strncmp(o->cols[c], "grad_norm_hidden", 16);
	}
	snprintf(out, len, "%s", accuracies ? "accuracy (%)" : costs ? "cost" :
		 norms ? "gradient norm of each hidden layer's biases" : "value");
}

/* Column c's name in words. */
static void words(const struct overlay *o, size_t c, char *out, size_t len)
{
	exp_metrics_words(o->cols[c], o->split, out, len);
}

static void head(FILE *f, const struct overlay *o, const char *what)
{
	const char *slash = strrchr(o->base, '/');
	char ylabel[300];

	exp_gnuplot_head(f, slash ? slash + 1 : o->base, o->opt->title ? o->opt->title : what,
			 o->opt->title ? "" : "one line per run and column");
	y_label(o, ylabel, sizeof(ylabel));
	fputs("set encoding utf8\nset datafile separator ','\nset datafile columnheaders\nset grid\nset ylabel ", f);
	exp_gnuplot_quote(f, ylabel, 0);
	fputs(" noenhanced\n", f);
	if (o->opt->logy)
		fputs("set logscale y\nset format y '%g'\n", f);
	if (o->opt->ylo < o->opt->yhi)
		fprintf(f, "set yrange [%.9g:%.9g]\n", o->opt->ylo, o->opt->yhi);
	if (o->opt->logx)
		fputs("set logscale x\n", f);
	/* The legend beside the plot, never over the curves; none for one line. */
	if (o->nruns * o->ncols > 1 && o->nruns * o->ncols <= KEY_MAX)
		fputs("set key outside right top vertical Left reverse noenhanced font ',9'\n", f);
	else
		fputs("unset key\n", f);
}

/* One line per run and column, against the epoch. */
static int write_overlay(FILE *f, void *ctx, struct nn_err *err)
{
	const struct overlay *o = ctx;
	const struct exp_overlay_options *opt = o->opt;
	size_t from = opt->from > 0 ? (size_t)opt->from : 0, to = o->max_epoch, n = o->nruns * o->ncols;
	char what[400];

	(void)err;
	if (opt->to >= 0 && (size_t)opt->to < to)
		to = (size_t)opt->to;
	char w[200] = "metrics";

	if (o->ncols == 1)
		words(o, 0, w, sizeof(w));
	snprintf(what, sizeof(what), "%s per epoch", w);
	head(f, o, what);
	fputs("set xlabel 'epoch'\n", f);
	/* Whole epochs on the axis; a one-epoch run is a point, not nothing. */
	if (to <= from)
		fprintf(f, "set xrange [%g:%g]\nset xtics (%zu)\n", (double)from - 0.5, (double)from + 0.5, from);
	else
		fprintf(f, "set xrange [%zu:%zu]\nset xtics %zu\nset format x '%%.0f'\n", from, to,
			to - from > 10 ? (to - from + 9) / 10 : 1);
	/* --panels: one panel per column, side by side, the runs in each. */
	if (opt->panels && o->ncols > 1)
		fprintf(f, "draw = \"set multiplot layout 1,%zu; set key inside top right; %s", o->ncols,
			to - from > 5 ? "set xtics autofreq; " : "");
	else
		fputs("draw = \"", f);
	for (size_t c = 0, k = 0; c < (opt->panels ? o->ncols : 1); c++) {
		if (opt->panels && o->ncols > 1) {
			words(o, c, w, sizeof(w));
			fputs("set title ", f);
			exp_gnuplot_quote(f, w, 1);
			fputs(" noenhanced; set ylabel ", f);
			exp_gnuplot_quote(f, w, 1);
			fputs(" noenhanced; ", f);
		}
		fputs("plot ", f);
		for (size_t i = 0; i < o->nruns; i++)
			for (size_t cc = opt->panels ? c : 0; cc < (opt->panels ? c + 1 : o->ncols); cc++, k++) {
				char path[4200], colour[8], title[600];

				snprintf(path, sizeof(path), "%s/metrics.csv", o->runs[i]);
				exp_gnuplot_colour(opt->panels ? i : k, opt->panels ? o->nruns : n, colour);
				if (o->ncols == 1 || opt->panels)
					snprintf(title, sizeof(title), "%s", o->legend[i]);
				else if ((words(o, cc, w, sizeof(w)), o->nruns == 1))
					snprintf(title, sizeof(title), "%s", w);
				else
					snprintf(title, sizeof(title), "%s: %s", o->legend[i], w);
				fputs(i || (!opt->panels && cc) ? ", " : "", f);
				exp_gnuplot_quote(f, path, 1);
				/* A marker at each point while they can be told apart. */
				fprintf(f, " using 'epoch':(%scolumn('%s')) with %s lc rgb '%s' title ",
					is_accuracy(o->cols[cc]) ? "100*" : "", o->cols[cc],
					to - from > MARKERS_MAX ? "lines lw 2" : "linespoints lw 2 pt 7 ps 0.5", colour);
				exp_gnuplot_quote(f, title, 1);
			}
		fputs(opt->panels && o->ncols > 1 ? "; " : "", f);
	}
	fputs(opt->panels && o->ncols > 1 ? "unset multiplot\"\n" : "\"\n", f);
	if (opt->panels && o->ncols > 1) {
		char size[32];

		snprintf(size, sizeof(size), "%zu,480", o->ncols * 520);
		exp_gnuplot_tail(f, size);
	} else {
		exp_gnuplot_tail(f, n <= KEY_MAX ? "1100,560" : SIZE);
	}
	return 0;
}

/* --x KEY: each column's best (or final) value of every run against the
 * run's value of the config key KEY; the data, one line per run sorted by
 * that value, then the script. */
struct across {
	double x;
	double y[EXP_METRICS_MAX_COLUMNS];
};

static int by_x(const void *a, const void *b)
{
	const struct across *p = a, *q = b;

	return (p->x > q->x) - (p->x < q->x);
}

static int write_across_data(FILE *f, void *ctx, struct nn_err *err)
{
	const struct overlay *o = ctx;
	struct across *rows = calloc(o->nruns, sizeof(*rows));

	if (!rows)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < o->nruns; i++) {
		char v[256], path[4200];
		struct exp_metrics m;

		rows[i].x = atof(exp_flat_get(o->flats[i], o->opt->x_key, v, sizeof(v)));
		snprintf(path, sizeof(path), "%s/metrics.csv", o->runs[i]);
		if (exp_metrics_read(&m, path, NULL) < 0) {
			exp_metrics_fini(&m);
			continue;
		}
		for (size_t c = 0; c < o->ncols; c++) {
			long col = exp_metrics_column(&m, o->cols[c]);
			double best = NAN;

			if (o->opt->final)
				best = col >= 0 && m.nrows ? m.values[(m.nrows - 1) * m.ncols + (size_t)col] : NAN;
			else if (exp_metrics_best(&m, col, !strstr(o->cols[c], "cost"), EXP_TIES_FIRST, &best) < 0)
				best = NAN;
			rows[i].y[c] = is_accuracy(o->cols[c]) ? 100 * best : best;
		}
		exp_metrics_fini(&m);
	}
	qsort(rows, o->nruns, sizeof(*rows), by_x);
	fprintf(f, "# %s", o->opt->x_key);
	for (size_t c = 0; c < o->ncols; c++)
		fprintf(f, " %s_%s", o->opt->final ? "final" : "best", o->cols[c]);
	fputc('\n', f);
	for (size_t i = 0; i < o->nruns; i++) {
		fprintf(f, "%.9g", rows[i].x);
		for (size_t c = 0; c < o->ncols; c++)
			fprintf(f, " %.6g", rows[i].y[c]);
		fputc('\n', f);
	}
	free(rows);
	return 0;
}

/* A config key in words for an axis ("training-set size (data.train_size)"). */
static void key_words(const char *key, char *out, size_t len)
{
	static const char *const known[][2] = {
		{ "data.train_size", "training-set size" }, { "train.eta", "learning rate eta" },
		{ "train.l2", "L2 regularization lambda" }, { "train.l1", "L1 regularization lambda" },
		{ "train.batch_size", "mini-batch size" }, { "train.epochs", "epochs" },
		{ "train.momentum", "momentum coefficient" }, { "model.dropout", "dropout rate" },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(key, known[i][0])) {
			snprintf(out, len, "%s (%s)", known[i][1], key);
			return;
		}
	snprintf(out, len, "%s", key);
}

static int write_across(FILE *f, void *ctx, struct nn_err *err)
{
	const struct overlay *o = ctx;
	const char *slash = strrchr(o->base, '/');
	char what[800];

	(void)err;
	char xlabel[300], w[200] = "metrics";

	if (o->ncols == 1)
		words(o, 0, w, sizeof(w));
	key_words(o->opt->x_key, xlabel, sizeof(xlabel));
	snprintf(what, sizeof(what), "%s %s against the %s", o->opt->final ? "final" : "best", w, xlabel);
	head(f, o, what);
	/* nnlab's own data file: no header row to skip; the x axis ends
	 * where the data do. */
	fputs("set datafile separator whitespace\nset datafile nocolumnheaders\nset autoscale xfix\nset xlabel ", f);
	exp_gnuplot_quote(f, xlabel, 0);
	fputs(" noenhanced\ndraw = \"plot ", f);
	for (size_t c = 0; c < o->ncols; c++) {
		char colour[8], data[4300];

		exp_gnuplot_colour(c, o->ncols, colour);
		snprintf(data, sizeof(data), "%s.dat", slash ? slash + 1 : o->base);
		fputs(c ? ", " : "", f);
		exp_gnuplot_quote(f, data, 1);
		fprintf(f, " using 1:%zu with linespoints lw 2 pt 7 ps 0.8 lc rgb '%s' title ", c + 2, colour);
		words(o, c, w, sizeof(w));
		exp_gnuplot_quote(f, w, 1);
	}
	fputs("\"\n", f);
	exp_gnuplot_tail(f, "1100,560");
	return 0;
}

/* A legend entry from the differing keys: each by its last part
 * ("eta=0.5"), cut at a space with "..." when too long. */
static void make_legend(char *out, size_t len, const char *flat, char (*keys)[256], size_t nkeys)
{
	size_t n = 0, shown = 0;

	out[0] = '\0';
	for (size_t k = 0; k < nkeys; k++) {
		char v[256], item[600];
		const char *dot = strrchr(keys[k], '.');

		snprintf(item, sizeof(item), "%s%s=%s", n ? " " : "", dot ? dot + 1 : keys[k],
			 exp_flat_get(flat, keys[k], v, sizeof(v)));
		if (n + strlen(item) > LEGEND_MAX) {
			if (!n) {
				/* One long value: cut it at a word. */
				size_t cut = LEGEND_MAX - 3;

				while (cut > LEGEND_MAX / 2 && item[cut] != ' ')
					cut--;
				snprintf(out, len, "%.*s...", (int)cut, item);
				n = strlen(out);
				shown++;
			}
			break;
		}
		n += (size_t)snprintf(out + n, len - n, "%s", item);
		shown++;
	}
	if (shown < nkeys && n < len)
		snprintf(out + n, len - n, " (+%zu more)", nkeys - shown);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The columns of metrics m that spec names: a column, or a family
 * "prefix*" (grad_norm_hidden*), into cols (names borrowed from spec or
 * static strings of the first run's file, copied). */
static size_t expand_metric(const struct exp_metrics *m, const char *spec, const char **cols, size_t max)
{
	size_t n = 0, len = strlen(spec);

	if (len && spec[len - 1] == '*') {
		for (size_t c = 0; c < m->ncols && n < max; c++)
			if (!strncmp(m->names[c], spec, len - 1))
				cols[n++] = m->names[c];
		return n;
	}
	if (max)
		cols[n++] = spec;
	return n;
}

/* The columns to draw, from the first run's metrics m: each asked-for
 * metric, families expanded. */
static int pick_columns(struct overlay *o, const struct exp_metrics *m, const char *metrics,
			struct nn_err *err)
{
	const struct exp_overlay_options *opt = o->opt;

	for (size_t k = 0; k < opt->nmetrics; k++) {
		const char *found[EXP_METRICS_MAX_COLUMNS];
		size_t nf = expand_metric(m, opt->metrics[k], found, EXP_METRICS_MAX_COLUMNS - o->ncols);

		for (size_t j = 0; j < nf; j++) {
			snprintf(o->colnames[o->ncols], sizeof(o->colnames[0]), "%s", found[j]);
			o->cols[o->ncols] = o->colnames[o->ncols];
			o->ncols++;
		}
		if (!nf)
			return nn_errorf(err, NN_EINVAL, "'%s' has no column matching '%s'", metrics,
					 opt->metrics[k]);
	}
	return 0;
}

/* Every column must hold values in every run, or gnuplot would fail with
 * its own words (or draw nothing). */
static int check_columns(const struct overlay *o, const struct exp_metrics *m, const char *metrics,
			 struct nn_err *err)
{
	for (size_t c = 0; c < o->ncols; c++) {
		long col = exp_metrics_column(m, o->cols[c]);
		char have[1024] = "";
		double any;

		if (exp_metrics_best(m, col, 1, EXP_TIES_FIRST, &any) >= 0)
			continue;
		for (size_t k = 0, len = 0; k < m->ncols && len < sizeof(have); k++)
			if (exp_metrics_best(m, (long)k, 1, EXP_TIES_FIRST, &any) >= 0)
				len += (size_t)snprintf(have + len, sizeof(have) - len, "%s%s",
							len ? ", " : "", m->names[k]);
		return nn_errorf(err, NN_EINVAL, "'%s' %s column '%s'; its columns with values: %s",
				 metrics, col < 0 ? "has no" : "has no values in its", o->cols[c], have);
	}
	return 0;
}

/* Run i (o->runs[i]): its metrics (the columns picked from the first),
 * its flattened config and its name for the legend. */
static int read_run(struct overlay *o, size_t i, struct nn_err *err)
{
	const char *run = o->runs[i];
	char path[4200], metrics[4200];
	struct exp_node *tree;
	struct exp_metrics m;
	int rc;

	snprintf(metrics, sizeof(metrics), "%s/metrics.csv", run);
	if (access(metrics, R_OK) != 0)
		return nn_errorf(err, NN_EIO, "'%s' is not a run directory: cannot read '%s'", run, metrics);
	if ((rc = exp_metrics_read(&m, metrics, err)) == 0 &&
	    (i > 0 || (rc = pick_columns(o, &m, metrics, err)) == 0) &&
	    (rc = check_columns(o, &m, metrics, err)) == 0 && m.nrows && m.nrows - 1 > o->max_epoch)
		o->max_epoch = m.nrows - 1;
	exp_metrics_fini(&m);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/config.yaml", run);
	if (!(tree = exp_yaml_load_file(path, path, err)))
		return err ? err->code : NN_EIO;
	o->flats[i] = exp_flat_node(tree);
	const struct exp_node *nm = exp_node_get(tree, "name");
	const struct exp_node *ev = exp_node_get(exp_node_get(tree, "data"), "eval");
	if (i == 0)
		snprintf(o->split, sizeof(o->split), "%s",
			 ev && ev->kind == EXP_SCALAR && !strcmp(ev->value, "validation") ? "validation" : "test");
	/* The name as written, not as YAML text. */
	snprintf(o->legend[i], sizeof(o->legend[i]), "%s", nm && nm->kind == EXP_SCALAR ? nm->value : "");
	exp_node_free(tree);
	if (!o->flats[i])
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	if (o->opt->x_key) {
		char v[256], *end;

		exp_flat_get(o->flats[i], o->opt->x_key, v, sizeof(v));
		strtod(v, &end);
		if (!v[0] || *end)
			return nn_errorf(err, NN_EINVAL, "'%s' has no number at '%s' (got '%s')", path,
					 o->opt->x_key, v);
	}
	return 0;
}

/* The legend: the runs' names when they differ (a name given by hand
 * says what a run is), else the config values that differ, else the
 * directory's name. */
static void make_legends(struct overlay *o)
{
	char keys[16][256];
	int names_differ = 0;
	size_t nkeys;

	for (size_t i = 1; i < o->nruns; i++)
		names_differ |= strcmp(o->legend[0], o->legend[i]) != 0;
	nkeys = exp_flat_differing(o->flats, o->nruns, keys, 16);
	for (size_t i = 0; i < o->nruns; i++) {
		if (!names_differ)
			make_legend(o->legend[i], sizeof(o->legend[i]), o->flats[i], keys, nkeys < 16 ? nkeys : 16);
		if (!o->legend[i][0]) {
			const char *base = strrchr(o->runs[i], '/');

			snprintf(o->legend[i], sizeof(o->legend[i]), "%s", base ? base + 1 : o->runs[i]);
		}
	}
}

/* The runs in the natural order of their legends (eta 0.025, 0.25, 2.5;
 * [784, 30, 10] before [784, 100, 10]), ties by path, so the colours
 * and the legend follow the varied value. */
static void order_by_legend(struct overlay *o, char **runs, char **flats)
{
	for (size_t i = 1; i < o->nruns; i++)
		for (size_t j = i; j > 0; j--) {
			int c = exp_text_natural_cmp(o->legend[j - 1], o->legend[j]);

			if (c < 0 || (c == 0 && strcmp(runs[j - 1], runs[j]) <= 0))
				break;
			char legend[256], *t;

			memcpy(legend, o->legend[j], sizeof(legend));
			memcpy(o->legend[j], o->legend[j - 1], sizeof(legend));
			memcpy(o->legend[j - 1], legend, sizeof(legend));
			t = runs[j], runs[j] = runs[j - 1], runs[j - 1] = t;
			t = flats[j], flats[j] = flats[j - 1], flats[j - 1] = t;
		}
}

/* OUT.gp (and OUT.dat for --x), then the chart when gnuplot is there. */
static int render(struct overlay *o, const char *out_base, FILE *log, struct nn_err *err)
{
	char dir[4200], name[4200], file[4300];
	const char *slash = strrchr(out_base, '/');
	int rc;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - out_base) : 1, slash ? out_base : ".");
	snprintf(name, sizeof(name), "%s", slash ? slash + 1 : out_base);
	if (o->opt->x_key) {
		snprintf(file, sizeof(file), "%s.dat", out_base);
		if ((rc = exp_fs_write_atomic(file, write_across_data, o, err)) < 0)
			return rc;
	}
	snprintf(file, sizeof(file), "%s.gp", out_base);
	if ((rc = exp_fs_write_atomic(file, o->opt->x_key ? write_across : write_overlay, o, err)) < 0)
		return rc;
	if (exp_gnuplot_have())
		return exp_gnuplot_render(dir, name, err);
	if (log)
		fprintf(log, "nnlab: note: gnuplot is not installed; wrote '%s' (install gnuplot-nox and run gnuplot on it)\n",
			file);
	return 0;
}

int exp_overlay_write(const char *const *given, size_t nruns, const struct exp_overlay_options *opt,
		      const char *out_base, FILE *log, struct nn_err *err)
{
	char **runs = calloc(nruns, sizeof(*runs)), **flats = calloc(nruns, sizeof(*flats));
	char (*legend)[256] = calloc(nruns, sizeof(*legend));
	struct overlay *o = calloc(1, sizeof(*o));
	int rc = 0;

	if (!runs || !flats || !legend || !o) {
		rc = nn_errorf(err, NN_ENOMEM, "out of memory");
		goto done;
	}
	/* One order, by legend then path, for the colours: a run has the
	 * same colour in every overlay and report of its directory. */
	for (size_t i = 0; i < nruns; i++)
		if (!(runs[i] = realpath(given[i], NULL))) {
			rc = nn_errorf(err, NN_EIO, "cannot resolve '%s': %s", given[i], strerror(errno));
			goto done;
		}
	qsort(runs, nruns, sizeof(*runs), by_path);
	*o = (struct overlay){ .runs = (const char *const *)runs, .nruns = nruns, .opt = opt,
			       .base = out_base, .legend = legend, .flats = flats };
	for (size_t i = 0; i < nruns && rc == 0; i++)
		rc = read_run(o, i, err);
	if (rc == 0) {
		make_legends(o);
		order_by_legend(o, runs, flats);
		rc = render(o, out_base, log, err);
	}
done:
	for (size_t i = 0; i < nruns; i++) {
		if (runs)
			free(runs[i]);
		if (flats)
			free(flats[i]);
	}
	free(runs);
	free(flats);
	free(legend);
	free(o);
	return rc;
}
