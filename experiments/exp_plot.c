#include "exp_plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exp_fs.h"
#include "exp_gnuplot.h"
#include "exp_metrics.h"
#include "exp_tiles.h"
#include "nn_train.h"

#define SIZE "900,560"
#define GRID_MAX 36        /* misclassified examples shown */
#define TILES_MAX 100      /* first-layer units shown */
#define KERNELS_MAX 2000   /* conv kernels shown, a row per map */

const char *const exp_plot_run_charts[] = { "accuracy", "cost", "confusion", "misclassified",
					    "weights", "filters1", "filters2", "filters3", "filters4",
					    "learning-speed", "initial-gradients", NULL };

static void put_quoted(FILE *f, const char *s)
{
	exp_gnuplot_quote(f, s, 0);
}

struct run_info {
	const struct exp_config *cfg;
	const struct exp_data *data;
	struct nn_model *model;
	char title[512];
	const char *which;    /* which model: "epoch 21's model (best.json, ...)" */
	const char *split;    /* the evaluated split: "test" or "validation" */
	int has_validation;
	/* confusion matrix and misclassified examples of the evaluated split */
	size_t *confusion;
	uint32_t wrong[GRID_MAX];
	int32_t wrong_pred[GRID_MAX];
	size_t nwrong;
};

/* The epoch axis and the lines of a run's per-epoch chart: whole epochs
 * as ticks when there are few, a marker at each scored epoch while they
 * can be told apart (at most 50), a legend only for more than one line. */
static const char *epoch_axis(FILE *f, const struct run_info *r, size_t lines)
{
	size_t every = r->cfg->monitor.every ? r->cfg->monitor.every : 1, epochs = r->cfg->train.epochs;

	fputs("set xlabel 'epoch'\nset grid\n", f);
	if (epochs <= 10)
		fputs("set xtics 1\nset format x '%.0f'\n", f);
	if (lines < 2)
		fputs("unset key\n", f);
	return epochs / every > 50 ? "lines lw 2" : "linespoints lw 1.5 pt 7 ps 0.6";
}

/* One chart of a run's accuracies (percent) or costs per epoch: the
 * evaluated split's, the validation split's and the training data's
 * when they were scored. */
static void per_epoch(FILE *f, const struct run_info *r, const char *what, int accuracy)
{
	const char *eval = exp_config_split_name(r->cfg->data.eval), *with;
	int train = accuracy ? r->cfg->monitor.train_accuracy : r->cfg->monitor.train_cost;
	const char *scale = accuracy ? "100*" : "";

	fputs("set datafile separator ','\nset datafile columnheaders\n", f);
	if (accuracy)
		fputs("set ylabel 'accuracy (%)'\nset key bottom right\n", f);
	else
		fprintf(f, "set ylabel 'mean cost (%s)'\nset key top right\n", nn_cost_name(r->cfg->train.cost));
	with = epoch_axis(f, r, 1 + (size_t)r->has_validation + (size_t)(train != 0));
	fprintf(f, "draw = \"plot 'metrics.csv' using 'epoch':(%scolumn('eval_%s')) with %s title 'on the %s data'",
		scale, what, with, eval);
	if (r->has_validation)
		fprintf(f, ", 'metrics.csv' using 'epoch':(%scolumn('validation_%s')) with %s title 'on the validation data'",
			scale, what, with);
	if (train)
		fprintf(f, ", 'metrics.csv' using 'epoch':(%scolumn('train_%s')) with %s title 'on the training data'",
			scale, what, with);
	fputs("\"\n", f);
}

static int write_accuracy(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_info *r = ctx;

	(void)err;
	exp_gnuplot_head(f, "accuracy", "accuracy per epoch", r->title);
	per_epoch(f, r, "accuracy", 1);
	exp_gnuplot_tail(f, SIZE);
	return 0;
}

/* The learning speed of each hidden layer per epoch (log scale). */
static int write_speed(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_info *r = ctx;
	size_t hidden = nn_model_hidden_count(r->model);

	(void)err;
	exp_gnuplot_head(f, "learning-speed", "speed of learning: the norm of each hidden layer's average bias gradient",
			 r->title);
	fputs("set datafile separator ','\nset datafile columnheaders\nset xlabel 'epoch'\n"
	      "set ylabel 'gradient norm'\nset logscale y\nset format y '%g'\nset key top right\nset grid\n", f);
	fputs("draw = \"plot ", f);
	for (size_t l = 1; l <= hidden; l++) {
		char colour[8];

		exp_gnuplot_colour(l - 1, hidden, colour);
		fprintf(f, "%s'metrics.csv' using 'epoch':'grad_norm_hidden%zu' with lines lw 2 lc rgb '%s' title 'hidden layer %zu'",
			l > 1 ? ", " : "", l, colour, l);
	}
	fputs("\"\n", f);
	exp_gnuplot_tail(f, SIZE);
	return 0;
}

/* The hidden layers' gradient norms before training, as bars. */
static int write_initial(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_info *r = ctx;

	(void)err;
	exp_gnuplot_head(f, "initial-gradients", "the gradient norm of each hidden layer before training", r->title);
	fputs("set datafile separator ','\nset datafile columnheaders\nset ylabel 'gradient norm'\n"
	      "set style fill solid 0.8 noborder\nset boxwidth 0.6\nset yrange [0:*]\nunset key\nset grid y\n"
	      "draw = \"plot 'initial_gradient_norms.csv' using 0:2:xtic(1) with boxes lc rgb '#1f77b4', "
	      "'' using 0:2:(sprintf('%.4g', $2)) with labels offset 0,1\"\n", f);
	exp_gnuplot_tail(f, "700,480");
	return 0;
}

static int write_cost(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_info *r = ctx;

	(void)err;
	exp_gnuplot_head(f, "cost", "cost per epoch", r->title);
	per_epoch(f, r, "cost", 0);
	exp_gnuplot_tail(f, SIZE);
	return 0;
}

static const char *class_name(const struct exp_data *d, size_t k, char *buf, size_t len)
{
	if (d->ds.class_names && d->ds.class_names[k])
		snprintf(buf, len, "%s", d->ds.class_names[k]);
	else
		snprintf(buf, len, "%zu", k);
	return buf;
}

static int write_confusion_data(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_info *r = ctx;
	size_t k = r->data->ds.class_count;

	(void)err;
	fputs("# confusion matrix: row = true class, column = predicted class\n", f);
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < k; j++)
			fprintf(f, "%zu%c", r->confusion[i * k + j], j + 1 < k ? ' ' : '\n');
	return 0;
}

static int write_confusion(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_info *r = ctx;
	size_t k = r->data->ds.class_count;
	char name[128];

	(void)err;
	char what[400];

	snprintf(what, sizeof(what), "confusion matrix on the %s split, %s", r->split, r->which);
	exp_gnuplot_head(f, "confusion", what, r->title);
	fputs("set xlabel 'predicted'\nset ylabel 'true'\n"
	      "set palette defined (0 'white', 1 '#4a7ab7')\nset cbrange [0:*]\nunset key\nset tics nomirror\n",
	      f);
	fprintf(f, "set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n", k - 1, k - 1);
	fputs("set xtics (", f);
	for (size_t i = 0; i < k && k <= 40; i++) {
		fputs(i ? ", " : "", f);
		put_quoted(f, class_name(r->data, i, name, sizeof(name)));
		fprintf(f, " %zu", i);
	}
	fputs(")\nset ytics (", f);
	for (size_t i = 0; i < k && k <= 40; i++) {
		fputs(i ? ", " : "", f);
		put_quoted(f, class_name(r->data, i, name, sizeof(name)));
		fprintf(f, " %zu", i);
	}
	fputs(")\n", f);
	fprintf(f, "draw = \"plot 'confusion.dat' matrix with image pixels, '' matrix using 1:2:(sprintf('%%d', $3)) with labels font ',%d'\"\n",
		k <= 12 ? 9 : 6);
	exp_gnuplot_tail(f, "700,640");
	return 0;
}

static void make_title(struct run_info *r)
{
	const struct exp_config *cfg = r->cfg;
	struct nn_model *m = r->model;
	size_t sizes[NN_MAX_LAYERS + 1];
	enum nn_act hidden;
	char desc[256];

	/* The book's nets name their one hidden activation; others' layers name theirs. */
	nn_model_describe(m, desc, sizeof(desc));
	if (nn_model_dense_sizes(m, sizes, NN_MAX_LAYERS + 1, &hidden))
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), ", %s", nn_act_name(hidden));
	snprintf(r->title, sizeof(r->title), "%s: %s, eta %g, batch %zu, %s cost%s", cfg->name, desc,
		 cfg->train.eta, cfg->train.batch_size, nn_cost_name(nn_model_cost(m)), cfg->train.l2 > 0 ? ", L2" : "");
}

/* The first misclassified examples of eval, in order, as a grid chart
 * NAME of images labelled true>predicted. */
static void mistakes(const char *dir, struct run_info *r, const struct nn_data *eval, const int32_t *pred,
		     const char *name, const char *what, int *draw, FILE *log, int *failed)
{
	const struct exp_data *data = r->data;
	size_t w = data->ds.image_width, h = data->ds.image_height;
	float *x = malloc(w * h * sizeof(float));
	char (*labels)[64] = calloc(GRID_MAX, sizeof(*labels));
	struct exp_tiles g;

	r->nwrong = 0;
	for (size_t i = 0; i < eval->n && r->nwrong < GRID_MAX; i++)
		if (pred[i] != eval->labels[i]) {
			r->wrong[r->nwrong] = (uint32_t)i;
			r->wrong_pred[r->nwrong++] = pred[i];
		}
	if (x && labels && r->nwrong && exp_tiles_init(&g, r->nwrong, w, h, 0.35f) == 0) {
		for (size_t t = 0; t < r->nwrong; t++) {
			char a[32], b[32];

			nn_data_gather(x, eval, &r->wrong[t], 1);
			for (size_t y = 0; y < h; y++)
				memcpy(exp_tiles_row(&g, t, y), x + y * w, w * sizeof(float));
			snprintf(labels[t], sizeof(labels[t]), "%s>%s",
				 class_name(data, (size_t)eval->labels[r->wrong[t]], a, sizeof(a)),
				 class_name(data, (size_t)r->wrong_pred[t], b, sizeof(b)));
		}
		struct exp_tiles_chart c = { name, what, r->title, "gray negative", "[0:1]", labels, NULL };
		exp_tiles_draw(dir, &g, &c, draw, log, failed);
		exp_tiles_fini(&g);
	}
	free(labels);
	free(x);
}

int exp_plot_mistakes(const char *dir, const char *name, const char *title, const char *what,
		      const struct exp_config *cfg, const struct exp_data *data, const int32_t *pred,
		      FILE *log)
{
	struct run_info r = { .cfg = cfg, .data = data, .split = exp_config_split_name(cfg->data.eval) };
	int draw = exp_gnuplot_have(), failed = 0;
	size_t w = data->ds.image_width, h = data->ds.image_height;

	if (!w || !h || w * h != data->ds.input_size)
		return 0;
	snprintf(r.title, sizeof(r.title), "%s", title);
	mistakes(dir, &r, exp_data_eval(data, cfg), pred, name, what, &draw, log, &failed);
	return failed;
}

/* The weights as images: a first fully connected layer's, one tile per
 * unit (weights.png); or each convolution's kernels, one tile per map
 * and input channel (filters1.png, filters2.png, ...). Each tile is
 * scaled to its largest magnitude. */
static void weight_charts(const char *dir, struct run_info *r, size_t w, size_t h, int *draw,
			  FILE *log, int *failed)
{
	const char *palette = "defined (-1 '#2166ac', 0 'white', 1 '#b2182b')";
	const struct nn_layer *l0 = nn_model_layer(r->model, 0);
	size_t count = nn_model_layer_count(r->model), nconv = 0;
	size_t units = l0->spec.size < TILES_MAX ? l0->spec.size : TILES_MAX;
	char what[400], name[32];
	struct exp_tiles g;

	if (l0->spec.kind == NN_FC && count > 1 && exp_tiles_init(&g, units, w, h, 0.0f) == 0) {
		for (size_t u = 0; u < units; u++)
			for (size_t y = 0; y < h; y++)
				for (size_t x = 0; x < w; x++)
					exp_tiles_row(&g, u, y)[x] = nn_layer_file_weight(l0, (u * h + y) * w + x);
		exp_tiles_normalise(&g);
		snprintf(what, sizeof(what), "first-layer weights, one tile per hidden unit, %s", r->which);
		struct exp_tiles_chart c = { "weights", what, r->title, palette, "[-1:1]", NULL,
					     "weight / the tile's largest |weight|" };
		exp_tiles_draw(dir, &g, &c, draw, log, failed);
		exp_tiles_fini(&g);
	}
	for (size_t i = 0; i < count; i++) {
		const struct nn_layer *l = nn_model_layer(r->model, i);
		size_t k = l->spec.kernel, c = l->in.c, tiles;

		if (l->spec.kind != NN_CONV)
			continue;
		nconv++;
		/* Every kernel, a row per map and a column per input channel, up
		 * to KERNELS_MAX (then the first maps, said in the title). */
		size_t maps = l->spec.size * c <= KERNELS_MAX ? l->spec.size : KERNELS_MAX / c ? KERNELS_MAX / c : 1;
		tiles = maps * c;
		if ((c > 1 ? exp_tiles_init_cols(&g, tiles, c, k, k, 0.0f) : exp_tiles_init(&g, tiles, k, k, 0.0f)) < 0)
			continue;
		/* Tile t is map t / c, channel t % c: the file's (M, C, K, K). */
		for (size_t t = 0; t < tiles; t++)
			for (size_t y = 0; y < k; y++)
				for (size_t x = 0; x < k; x++)
					exp_tiles_row(&g, t, y)[x] = nn_layer_file_weight(l, (t * k + y) * k + x);
		exp_tiles_normalise(&g);
		snprintf(name, sizeof(name), "filters%zu", nconv);
		char first[64] = "";
		if (maps < l->spec.size)
			snprintf(first, sizeof(first), " (the first %zu maps)", maps);
		snprintf(what, sizeof(what), "convolution %zu: %zu maps of %zux%zu%s%s, %s", nconv, l->spec.size,
			 k, k, c > 1 ? ", a row per map, a column per input channel" : "", first, r->which);
		struct exp_tiles_chart tc = { name, what, r->title, palette, "[-1:1]", NULL,
					      "weight / the kernel's largest |weight|" };
		exp_tiles_draw(dir, &g, &tc, draw, log, failed);
		exp_tiles_fini(&g);
	}
}

int exp_plot_run(const char *dir, const struct exp_config *cfg, const struct exp_data *data,
		 struct nn_model *model, const char *which, FILE *log)
{
	struct run_info r = { .cfg = cfg, .data = data, .model = model, .which = which,
			      .split = exp_config_split_name(cfg->data.eval) };
	char what[400];
	int have = exp_gnuplot_have(), draw = have, failed = 0;
	const struct nn_data *eval = exp_data_eval(data, cfg);
	size_t w = data->ds.image_width, h = data->ds.image_height, k = data->ds.class_count;
	int images = w && h && w * h == data->ds.input_size && nn_model_inputs(model) == w * h;

	r.has_validation = data->validation.n > 0 && cfg->data.eval == EXP_SPLIT_TEST;
	make_title(&r);
	exp_gnuplot_chart(dir, "accuracy", write_accuracy, &r, &draw, 1, log, &failed);
	exp_gnuplot_chart(dir, "cost", write_cost, &r, &draw, 1, log, &failed);
	if (cfg->monitor.gradient_norms && nn_model_hidden_count(model) > 0) {
		exp_gnuplot_chart(dir, "learning-speed", write_speed, &r, &draw, 1, log, &failed);
		exp_gnuplot_chart(dir, "initial-gradients", write_initial, &r, &draw, 1, log, &failed);
	}

	/* The best model on the evaluated split: confusion and mistakes. */
	r.confusion = calloc(k * k, sizeof(size_t));
	if (!r.confusion) {
		if (log)
			fprintf(log, "nnlab: warning: out of memory for the confusion chart\n");
		return failed + 1;
	}
	struct nn_eval ev;
	nn_evaluate_confusion(model, eval, &ev, r.confusion);
	char datafile[] = "confusion.dat";
	struct nn_err err = { 0, "" };
	if (exp_gnuplot_write_in(dir, datafile, write_confusion_data, &r, &err) < 0) {
		if (log)
			fprintf(log, "nnlab: warning: chart 'confusion' failed: %s\n", err.msg);
		failed++;
	} else {
		exp_gnuplot_chart(dir, "confusion", write_confusion, &r, &draw, 1, log, &failed);
	}
	if (images) {
		int32_t *pred = malloc((eval->n ? eval->n : 1) * sizeof(*pred));

		if (pred) {
			nn_predict(model, eval, pred);
			snprintf(what, sizeof(what), "misclassified %s examples (true>predicted), %s", r.split, which);
			mistakes(dir, &r, eval, pred, "misclassified", what, &draw, log, &failed);
		}
		free(pred);
		weight_charts(dir, &r, w, h, &draw, log, &failed);
	}
	free(r.confusion);
	if (!have && log)
		fprintf(log, "nnlab: note: gnuplot is not installed, so the charts are only scripts and data in %s "
			"(install gnuplot-nox, then run 'gnuplot NAME.gp' there)\n", dir);
	return failed;
}

int exp_plot_terminal(const char *dir, FILE *out, struct nn_err *err)
{
	char msg[8192];
	const char *args[] = {
		"gnuplot", "-e",
		"set terminal dumb size 79,24 noenhanced; set datafile separator ','; "
		"set datafile columnheaders; set key bottom right; set title 'accuracy (%)'; "
		"plot 'metrics.csv' using 'epoch':(100*column('eval_accuracy')) with lines title 'evaluated'",
		NULL
	};
	int rc;

	if (!exp_gnuplot_have())
		return nn_errorf(err, NN_EIO, "gnuplot is not installed (install gnuplot-nox)");
	fflush(out);
	rc = exp_gnuplot_run(dir, args, fileno(out), msg, sizeof(msg));
	if (rc != 0)
		return nn_errorf(err, NN_EIO, "gnuplot failed drawing '%s/metrics.csv': %.300s", dir, msg);
	return 0;
}

/* --- heatmaps --------------------------------------------------------- */

static int write_heatmap_data(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_plot_heatmap *h = ctx;

	(void)err;
	fprintf(f, "# column (%s), row (%s), value, runs averaged\n", h->xlabel, h->ylabel);
	for (size_t r = 0; r < h->ny; r++)
		for (size_t c = 0; c < h->nx; c++)
			if (!isnan(h->cells[r * h->nx + c]))
				fprintf(f, "%zu %zu %.2f %zu\n", c, r, h->cells[r * h->nx + c],
					h->counts ? h->counts[r * h->nx + c] : 1);
	return 0;
}

static int write_heatmap_script(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_plot_heatmap *h = ctx;

	(void)err;
	fputs("# nnlab chart: a heatmap over two config values. Edit it and run 'gnuplot heatmap.gp' here.\n", f);
	exp_gnuplot_outputs(f, "heatmap");
	fputs("set encoding utf8\nset title ", f);
	exp_gnuplot_quote(f, h->title, 0);
	fputs(" noenhanced\nset xlabel ", f);
	exp_gnuplot_quote(f, h->xlabel, 0);
	fputs(" noenhanced\nset ylabel ", f);
	exp_gnuplot_quote(f, h->ylabel, 0);
	/* One filled rectangle per cell (vector in the SVG), the cells
	 * filling the frame, labelled with the values in their order. */
	fprintf(f, " noenhanced\nset xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5]\nset xtics (", h->nx - 1,
		h->ny - 1);
	for (size_t c = 0; c < h->nx; c++) {
		fputs(c ? ", " : "", f);
		exp_gnuplot_quote(f, h->xs[c], 0);
		fprintf(f, " %zu", c);
	}
	fputs(")\nset ytics (", f);
	for (size_t r = 0; r < h->ny; r++) {
		fputs(r ? ", " : "", f);
		exp_gnuplot_quote(f, h->ys[r], 0);
		fprintf(f, " %zu", r);
	}
	fputs(")\nset palette defined (0 '#f7fbff', 1 '#2b6cb0')\nunset key\nset tics nomirror out\n"
	      "draw = \"plot 'heatmap.dat' using 1:2:(0.5):(0.5):3 with boxxyerror fillstyle solid 1.0 noborder fillcolor palette, "
	      "'' using 1:2:(sprintf('%.2f', $3)) with labels\"\n", f);
	exp_gnuplot_tail(f, "700,560");
	return 0;
}

int exp_plot_heatmap(const char *dir, const struct exp_plot_heatmap *h, struct nn_err *err)
{
	char path[4400];
	int rc;

	snprintf(path, sizeof(path), "%s/heatmap.dat", dir);
	if ((rc = exp_fs_write_atomic(path, write_heatmap_data, (void *)h, err)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/heatmap.gp", dir);
	if ((rc = exp_fs_write_atomic(path, write_heatmap_script, (void *)h, err)) < 0)
		return rc;
	return exp_gnuplot_have() ? exp_gnuplot_render(dir, "heatmap", err) : 0;
}
