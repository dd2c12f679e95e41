#include "exp_plot.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exp_fs.h"
#include "exp_metrics.h"
#include "nn_train.h"

#define SIZE "900,560"
#define GRID_MAX 36        /* misclassified examples shown */
#define TILES_MAX 100      /* first-layer units shown */

int exp_plot_have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char file[4200];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(file, sizeof(file), "%.*s/gnuplot", (int)(n ? n : 1), n ? path : ".");
		if (access(file, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

static void unlink_in(const char *dir, const char *name)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* True when dir/name exists and is not empty. */
static int nonempty(const char *dir, const char *name)
{
	char path[4400];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && st.st_size > 0;
}

static int move_in(const char *dir, const char *from, const char *to)
{
	char a[4400], b[4400];

	snprintf(a, sizeof(a), "%s/%s", dir, from);
	snprintf(b, sizeof(b), "%s/%s", dir, to);
	return rename(a, b);
}

const char *const exp_plot_run_charts[] = { "accuracy", "cost", "confusion", "misclassified",
					    "weights", "learning-speed", "initial-gradients", NULL };

#define GNUPLOT_INTERRUPTED (-2)

/* Runs gnuplot in dir with argv[1..]; its errors (and its output, unless
 * out_fd >= 0 takes that) go to a temporary file whose text, on one line,
 * ends up in msg. Returns its exit status, -1 when it could not run, or
 * GNUPLOT_INTERRUPTED when a signal (a stop request) interrupted the wait:
 * gnuplot is then ended and waited for, never left behind. */
static int run_gnuplot(const char *dir, const char *const *args, int out_fd, char *msg,
		       size_t len)
{
	char log[] = "/tmp/nnlab-gnuplot.XXXXXX";
	int fd = mkstemp(log), status;
	pid_t pid;

	msg[0] = '\0';
	if (fd < 0) {
		snprintf(msg, len, "cannot create '%s': %s", log, strerror(errno));
		return -1;
	}
	unlink(log);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(out_fd >= 0 ? out_fd : fd, 1);
		dup2(fd, 2);
		if (chdir(dir) < 0)
			_exit(126);
		execvp("gnuplot", (char *const *)args);
		_exit(127);
	}
	if (pid < 0) {
		snprintf(msg, len, "cannot run gnuplot: %s", strerror(errno));
		close(fd);
		return -1;
	}
	int interrupted = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(msg, len, "cannot wait for gnuplot: %s", strerror(errno));
			close(fd);
			return -1;
		}
		if (!interrupted)
			kill(pid, SIGTERM);
		interrupted = 1;
	}
	if (interrupted) {
		snprintf(msg, len, "interrupted");
		close(fd);
		return GNUPLOT_INTERRUPTED;
	}
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fd);
	/* One line is enough in a message. */
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Renders dir/name.gp into name.png and, when with_svg, name.svg. */
static int render(const char *dir, const char *name, int with_svg, struct nn_err *err)
{
	char script[300], png[300], svg[300], png_part[320], svg_part[320], defs[800], msg[1024];
	int rc;

	snprintf(script, sizeof(script), "%s.gp", name);
	snprintf(png, sizeof(png), "%s.png", name);
	snprintf(svg, sizeof(svg), "%s.svg", name);
	snprintf(png_part, sizeof(png_part), ".%s.png.part", name);
	snprintf(svg_part, sizeof(svg_part), ".%s.svg.part", name);
	snprintf(defs, sizeof(defs), "out_png='%s'; out_svg='%s'", png_part, svg_part);
	const char *args[] = { "gnuplot", "-e", defs, script, NULL };
	rc = run_gnuplot(dir, args, -1, msg, sizeof(msg));
	if (rc == 0 && nonempty(dir, png_part) && (!with_svg || nonempty(dir, svg_part))) {
		if (move_in(dir, png_part, png) == 0 && (!with_svg || move_in(dir, svg_part, svg) == 0))
			return 0;
		snprintf(msg, sizeof(msg), "cannot rename the images into place: %s", strerror(errno));
		rc = -1;
	} else if (rc == 0) {
		/* gnuplot says nothing when its output cannot be written. */
		snprintf(msg, sizeof(msg), "no image came out (is the disk full?)");
		rc = -1;
	}
	unlink_in(dir, png_part);
	unlink_in(dir, svg_part);
	if (rc == GNUPLOT_INTERRUPTED)
		return nn_errorf(err, NN_EINTR, "drawing '%s/%s' was interrupted", dir, script);
	if (rc == 127)
		return nn_errorf(err, NN_EIO, "cannot run gnuplot for '%s/%s' (is it installed?)", dir,
				 script);
	if (rc == -1)
		return nn_errorf(err, NN_EIO, "chart '%s/%s': %s", dir, script, msg);
	return nn_errorf(err, NN_EIO, "gnuplot failed on '%s/%s' (exit status %d)%s%s", dir, script,
			 rc, msg[0] ? ": " : "", msg);
}

int exp_plot_render(const char *dir, const char *name, struct nn_err *err)
{
	return render(dir, name, 1, err);
}

int exp_plot_render_as(const char *dir, const char *name, int with_svg, struct nn_err *err)
{
	return render(dir, name, with_svg, err);
}

/* --- writing scripts and data ------------------------------------------- */

void exp_plot_quote(FILE *f, const char *s, int in_macro)
{
	fputc('\'', f);
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			continue;
		if (*s == '\'')
			fputc('\'', f);   /* '' inside single quotes */
		else if (in_macro && (*s == '"' || *s == '\\'))
			fputc('\\', f);  /* \" and \\ inside the macro's double quotes */
		fputc(*s, f);
	}
	fputc('\'', f);
}

static void put_quoted(FILE *f, const char *s)
{
	exp_plot_quote(f, s, 0);
}

/* The opening every script shares: outputs overridable, as nnlab does to
 * render into temporary files. */
static void script_head(FILE *f, const char *name, const char *what, const char *title)
{
	char full[1024];

	fprintf(f, "# nnlab chart: %s. Edit it and run 'gnuplot %s.gp' in this directory.\n", what,
		name);
	fprintf(f, "if (!exists(\"out_png\")) out_png = '%s.png'\n", name);
	fprintf(f, "if (!exists(\"out_svg\")) out_svg = '%s.svg'\n", name);
	/* Two lines: what the chart shows, then what was run. */
	snprintf(full, sizeof(full), "%s\n%s", what, title);
	fputs("set title \"", f);
	for (const char *s = full; *s; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
	fputs(" noenhanced\n", f);
}

/* Renders with both terminals: the plot command is in the script as the
 * macro 'draw'. */
static void script_tail(FILE *f, const char *size)
{
	fprintf(f, "set terminal pngcairo size %s noenhanced font 'sans,10'\n", size);
	fputs("set output out_png\n@draw\n", f);
	fprintf(f, "set terminal svg size %s noenhanced font 'sans,10'\n", size);
	fputs("set output out_svg\n@draw\nunset output\n", f);
}

/* For the tiled image charts: PNG only. Their SVG would embed a small
 * bitmap that browsers blur, or hold tens of thousands of rectangles. */
static void script_tail_png(FILE *f, const char *size)
{
	fprintf(f, "set terminal pngcairo size %s noenhanced font 'sans,10'\n", size);
	fputs("set output out_png\n@draw\nunset output\n", f);
}

static int write_in(const char *dir, const char *file, exp_write_fn write, void *ctx,
		    struct nn_err *err)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return exp_write_atomic(path, write, ctx, err);
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

static int write_accuracy(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_info *r = ctx;
	const char *eval = r->cfg->eval == EXP_SPLIT_TEST ? "test" : "validation";

	(void)err;
	script_head(f, "accuracy", "accuracy per epoch", r->title);
	fputs("set datafile separator ','\nset datafile columnheaders\n"
	      "set xlabel 'epoch'\nset ylabel 'accuracy (%)'\nset key bottom right\nset grid\n", f);
	fputs("draw = \"plot ", f);
	fprintf(f, "'metrics.csv' using 'epoch':(100*column('eval_accuracy')) with linespoints pt 7 ps 0.6 title '%s'", eval);
	if (r->has_validation)
		fputs(", 'metrics.csv' using 'epoch':(100*column('validation_accuracy')) with linespoints pt 7 ps 0.6 title 'validation'", f);
	if (r->cfg->monitor_train_accuracy)
		fputs(", 'metrics.csv' using 'epoch':(100*column('train_accuracy')) with linespoints pt 7 ps 0.6 title 'training'", f);
	fputs("\"\n", f);
	script_tail(f, SIZE);
	return 0;
}

/* The learning speed of each hidden layer per epoch (log scale). */
static int write_speed(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_info *r = ctx;
	size_t hidden = r->model->nlayers - 1;

	(void)err;
	script_head(f, "learning-speed", "speed of learning: the norm of each hidden layer's average bias gradient",
		    r->title);
	fputs("set datafile separator ','\nset datafile columnheaders\nset xlabel 'epoch'\n"
	      "set ylabel 'gradient norm'\nset logscale y\nset format y '%g'\nset key top right\nset grid\n", f);
	fputs("draw = \"plot ", f);
	for (size_t l = 1; l <= hidden; l++) {
		char colour[8];

		exp_plot_colour(l - 1, hidden, colour);
		fprintf(f, "%s'metrics.csv' using 'epoch':'grad_norm_hidden%zu' with lines lw 2 lc rgb '%s' title 'hidden layer %zu'",
			l > 1 ? ", " : "", l, colour, l);
	}
	fputs("\"\n", f);
	script_tail(f, SIZE);
	return 0;
}

/* The hidden layers' gradient norms before training, as bars. */
static int write_initial(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_info *r = ctx;

	(void)err;
	script_head(f, "initial-gradients", "the gradient norm of each hidden layer before training", r->title);
	fputs("set datafile separator ','\nset datafile columnheaders\nset ylabel 'gradient norm'\n"
	      "set style fill solid 0.8 noborder\nset boxwidth 0.6\nset yrange [0:*]\nunset key\nset grid y\n"
	      "draw = \"plot 'initial_gradient_norms.csv' using 0:2:xtic(1) with boxes lc rgb '#1f77b4', "
	      "'' using 0:2:(sprintf('%.4g', $2)) with labels offset 0,1\"\n", f);
	script_tail(f, "700,480");
	return 0;
}

static int write_cost(FILE *f, void *ctx, struct nn_err *err)
{
	const struct run_info *r = ctx;
	const char *eval = r->cfg->eval == EXP_SPLIT_TEST ? "test" : "validation";

	(void)err;
	script_head(f, "cost", "cost per epoch", r->title);
	fprintf(f, "set datafile separator ','\nset datafile columnheaders\n"
		"set xlabel 'epoch'\nset ylabel 'mean cost (%s)'\nset key top right\nset grid\n",
		nn_cost_name(r->cfg->cost));
	fprintf(f, "draw = \"plot 'metrics.csv' using 'epoch':'eval_cost' with linespoints pt 7 ps 0.6 title '%s'", eval);
	if (r->has_validation)
		fputs(", 'metrics.csv' using 'epoch':'validation_cost' with linespoints pt 7 ps 0.6 title 'validation'", f);
	if (r->cfg->monitor_train_cost)
		fputs(", 'metrics.csv' using 'epoch':'train_cost' with linespoints pt 7 ps 0.6 title 'training'", f);
	fputs("\"\n", f);
	script_tail(f, SIZE);
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
	script_head(f, "confusion", what, r->title);
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
	script_tail(f, "700,640");
	return 0;
}

/* A grid of image tiles as one matrix, tiles separated by a border. */
struct grid {
	size_t n, cols, rows, w, h;
	float *cells;  /* (rows * (h + 1) + 1, cols * (w + 1) + 1) */
	size_t width, height;
};

static int grid_init(struct grid *g, size_t n, size_t w, size_t h, float border)
{
	g->n = n;
	g->cols = (size_t)ceil(sqrt((double)n));
	g->rows = (n + g->cols - 1) / g->cols;
	g->w = w;
	g->h = h;
	g->width = g->cols * (w + 1) + 1;
	g->height = g->rows * (h + 1) + 1;
	g->cells = malloc(g->width * g->height * sizeof(float));
	if (!g->cells)
		return -1;
	for (size_t i = 0; i < g->width * g->height; i++)
		g->cells[i] = border;
	return 0;
}

static float *grid_tile(struct grid *g, size_t t, size_t y)
{
	size_t row = t / g->cols, col = t % g->cols;

	return g->cells + (row * (g->h + 1) + 1 + y) * g->width + col * (g->w + 1) + 1;
}

static int write_grid_data(FILE *f, void *ctx, struct nn_err *err)
{
	const struct grid *g = ctx;

	(void)err;
	for (size_t y = 0; y < g->height; y++)
		for (size_t x = 0; x < g->width; x++)
			fprintf(f, "%.4g%c", (double)g->cells[y * g->width + x], x + 1 < g->width ? ' ' : '\n');
	return 0;
}

struct grid_chart {
	const struct run_info *run;
	const struct grid *grid;
	const char *name, *what, *palette, *cbrange;
	char (*labels)[64];   /* per tile, or NULL */
};

static int write_grid_script(FILE *f, void *ctx, struct nn_err *err)
{
	const struct grid_chart *c = ctx;
	const struct grid *g = c->grid;
	int px = (int)(g->width * 6 > 900 ? 900 : g->width * 6);

	(void)err;
	script_head(f, c->name, c->what, c->run->title);
	fprintf(f, "set palette %s\nset cbrange %s\nunset colorbox\nunset key\nunset tics\nunset border\n"
		"set size ratio -1\nset xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n",
		c->palette, c->cbrange, g->width - 1, g->height - 1);
	for (size_t t = 0; c->labels && t < g->n; t++) {
		size_t row = t / g->cols, col = t % g->cols;

		fputs("set label ", f);
		put_quoted(f, c->labels[t]);
		fprintf(f, " at %zu,%zu front textcolor rgb '#d01010' font ',8'\n",
			col * (g->w + 1) + 2, row * (g->h + 1) + 3);
	}
	fprintf(f, "draw = \"plot '%s.dat' matrix with image\"\n", c->name);
	char size[32];
	snprintf(size, sizeof(size), "%d,%d", px < 300 ? 300 : px,
		 (int)((px < 300 ? 300 : px) * (double)g->height / (double)g->width) + 40);
	script_tail_png(f, size);
	return 0;
}

/* Writes a chart's script and renders it when *render; an interrupted
 * rendering clears *render, so the rest get their scripts only. */
static int chart(const char *dir, const char *name, exp_write_fn script, void *ctx,
		 int *draw, int with_svg, FILE *log, int *failed)
{
	char file[300];
	struct nn_err err = { 0, "" };

	snprintf(file, sizeof(file), "%s.gp", name);
	if (write_in(dir, file, script, ctx, &err) < 0 || (*draw && render(dir, name, with_svg, &err) < 0)) {
		if (err.code == NN_EINTR)
			*draw = 0;
		if (log)
			fprintf(log, "nnlab: warning: chart '%s' failed: %s\n", name, err.msg);
		++*failed;
		return -1;
	}
	return 0;
}

static int grid_chart(const char *dir, struct grid_chart *c, int *draw, FILE *log, int *failed)
{
	char file[300];
	struct nn_err err = { 0, "" };

	snprintf(file, sizeof(file), "%s.dat", c->name);
	if (write_in(dir, file, write_grid_data, (void *)c->grid, &err) < 0) {
		if (log)
			fprintf(log, "nnlab: warning: chart '%s' failed: %s\n", c->name, err.msg);
		++*failed;
		return -1;
	}
	return chart(dir, c->name, write_grid_script, c, draw, 0, log, failed);
}

static void make_title(struct run_info *r)
{
	const struct exp_config *cfg = r->cfg;
	struct nn_model *m = r->model;
	size_t n = 0;

	n += (size_t)snprintf(r->title + n, sizeof(r->title) - n, "%s: [", cfg->name);
	for (size_t l = 0; l <= m->nlayers && n < sizeof(r->title); l++)
		n += (size_t)snprintf(r->title + n, sizeof(r->title) - n, "%s%zu", l ? ", " : "", m->sizes[l]);
	if (n < sizeof(r->title))
		snprintf(r->title + n, sizeof(r->title) - n, "], %s, eta %g, batch %zu, %s cost%s",
			 nn_act_name(m->hidden_act), cfg->eta, cfg->batch_size, nn_cost_name(m->cost),
			 cfg->l2 > 0 ? ", L2" : "");
}

int exp_plot_run(const char *dir, const struct exp_config *cfg, const struct exp_data *data,
		 struct nn_model *model, const char *which, FILE *log)
{
	struct run_info r = { .cfg = cfg, .data = data, .model = model, .which = which,
			      .split = cfg->eval == EXP_SPLIT_TEST ? "test" : "validation" };
	char what[400];
	int have = exp_plot_have_gnuplot(), draw = have, failed = 0;
	const struct nn_data *eval = exp_data_eval(data, cfg);
	size_t w = data->ds.image_width, h = data->ds.image_height, k = data->ds.class_count;
	int images = w && h && w * h == data->ds.input_size && model->sizes[0] == w * h;

	r.has_validation = data->validation.n > 0 && cfg->eval == EXP_SPLIT_TEST;
	make_title(&r);
	chart(dir, "accuracy", write_accuracy, &r, &draw, 1, log, &failed);
	chart(dir, "cost", write_cost, &r, &draw, 1, log, &failed);
	if (cfg->monitor_gradient_norms && model->nlayers > 1) {
		chart(dir, "learning-speed", write_speed, &r, &draw, 1, log, &failed);
		chart(dir, "initial-gradients", write_initial, &r, &draw, 1, log, &failed);
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
	if (write_in(dir, datafile, write_confusion_data, &r, &err) < 0) {
		if (log)
			fprintf(log, "nnlab: warning: chart 'confusion' failed: %s\n", err.msg);
		failed++;
	} else {
		chart(dir, "confusion", write_confusion, &r, &draw, 1, log, &failed);
	}
	if (images) {
		/* The first misclassified examples, in order. */
		size_t nout = model->sizes[model->nlayers];
		float *x = malloc(w * h * sizeof(float));

		for (size_t i = 0; x && i < eval->n && r.nwrong < GRID_MAX; i += model->max_batch) {
			size_t b = eval->n - i < model->max_batch ? eval->n - i : model->max_batch;
			const float *a;

			for (size_t j = 0; j < b; j++)
				model->rows[j] = (uint32_t)(i + j);
			nn_data_gather(nn_model_input(model), eval, model->rows, b);
			a = nn_model_forward(model, b);
			for (size_t j = 0; j < b && r.nwrong < GRID_MAX; j++) {
				size_t best = 0;

				for (size_t o = 1; o < nout; o++)
					if (a[j * nout + o] > a[j * nout + best])
						best = o;
				if ((int32_t)best != eval->labels[i + j]) {
					r.wrong[r.nwrong] = (uint32_t)(i + j);
					r.wrong_pred[r.nwrong++] = (int32_t)best;
				}
			}
		}
		struct grid g;
		char (*labels)[64] = calloc(GRID_MAX, sizeof(*labels));
		if (x && labels && r.nwrong && grid_init(&g, r.nwrong, w, h, 0.35f) == 0) {
			for (size_t t = 0; t < r.nwrong; t++) {
				char a[32], b[32];

				nn_data_gather(x, eval, &r.wrong[t], 1);
				for (size_t y = 0; y < h; y++)
					memcpy(grid_tile(&g, t, y), x + y * w, w * sizeof(float));
				snprintf(labels[t], sizeof(labels[t]), "%s>%s",
					 class_name(data, (size_t)eval->labels[r.wrong[t]], a, sizeof(a)),
					 class_name(data, (size_t)r.wrong_pred[t], b, sizeof(b)));
			}
			snprintf(what, sizeof(what), "misclassified %s examples (true>predicted), %s", r.split, which);
			struct grid_chart c = { &r, &g, "misclassified", what, "gray negative", "[0:1]", labels };
			grid_chart(dir, &c, &draw, log, &failed);
			free(g.cells);
		}
		free(labels);
		free(x);

		/* First-layer weights, one tile per hidden unit, each scaled to
		 * its largest magnitude. */
		size_t units = model->sizes[1] < TILES_MAX ? model->sizes[1] : TILES_MAX;
		if (model->nlayers > 1 && grid_init(&g, units, w, h, 0.0f) == 0) {
			for (size_t u = 0; u < units; u++) {
				const float *wu = model->w[0] + u * w * h;
				float max = 1e-12f;

				for (size_t i = 0; i < w * h; i++)
					max = fabsf(wu[i]) > max ? fabsf(wu[i]) : max;
				for (size_t y = 0; y < h; y++)
					for (size_t xx = 0; xx < w; xx++)
						grid_tile(&g, u, y)[xx] = wu[y * w + xx] / max;
			}
			snprintf(what, sizeof(what), "first-layer weights, one tile per hidden unit, %s", which);
			struct grid_chart c = { &r, &g, "weights", what,
						"defined (-1 '#2166ac', 0 'white', 1 '#b2182b')", "[-1:1]", NULL };
			grid_chart(dir, &c, &draw, log, &failed);
			free(g.cells);
		}
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

	if (!exp_plot_have_gnuplot())
		return nn_errorf(err, NN_EIO, "gnuplot is not installed (install gnuplot-nox)");
	fflush(out);
	rc = run_gnuplot(dir, args, fileno(out), msg, sizeof(msg));
	if (rc != 0)
		return nn_errorf(err, NN_EIO, "gnuplot failed drawing '%s/metrics.csv': %.300s", dir, msg);
	return 0;
}

/* --- overlays --------------------------------------------------------- */

#define LEGEND_MAX 48   /* characters of a legend entry */
#define KEY_MAX 24      /* runs with a legend; more are told apart in the report */

struct overlay {
	const char *const *runs;   /* absolute paths, in colour order */
	size_t nruns;
	const struct exp_plot_options *opt;
	const char *base;
	char (*legend)[256];
	/* The columns drawn (families expanded), the same for every run. */
	const char *cols[EXP_METRICS_MAX_COLUMNS];
	size_t ncols;
	size_t max_epoch;
	char **flats;              /* the runs' configs, flattened (for --x) */
};

void exp_plot_colour(size_t i, size_t n, char out[8])
{
	static const char *const ten[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
					   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

	if (n <= 10) {
		snprintf(out, 8, "%s", ten[i]);
		return;
	}
	/* HSV to RGB, hue i/n of the wheel. */
	double h = 6.0 * (double)i / (double)n, s = 0.7, v = 0.85, c = v * s;
	double x = c * (1 - fabs(fmod(h, 2) - 1)), m = v - c, r = 0, g = 0, b = 0;

	switch ((int)h) {
	case 0: r = c; g = x; break;
	case 1: r = x; g = c; break;
	case 2: g = c; b = x; break;
	case 3: g = x; b = c; break;
	case 4: r = x; b = c; break;
	default: r = c; b = x; break;
	}
	snprintf(out, 8, "#%02x%02x%02x", (int)((r + m) * 255), (int)((g + m) * 255), (int)((b + m) * 255));
}

static int is_accuracy(const char *col)
{
	return strstr(col, "accuracy") != NULL;
}

/* The y label: the metric, or what the columns have in common. */
static void y_label(const struct overlay *o, char *out, size_t len)
{
	if (o->ncols == 1 || o->opt->nmetrics == 1)
		snprintf(out, len, "%s%s", o->opt->metrics[0], is_accuracy(o->cols[0]) ? " (%)" : "");
	else
		snprintf(out, len, "%s", is_accuracy(o->cols[0]) ? "accuracy (%)" : "value");
}

static void head(FILE *f, const struct overlay *o, const char *what)
{
	const char *slash = strrchr(o->base, '/');
	char ylabel[300];

	script_head(f, slash ? slash + 1 : o->base, o->opt->title ? o->opt->title : what,
		    o->opt->title ? "" : "one line per run and column");
	y_label(o, ylabel, sizeof(ylabel));
	fputs("set encoding utf8\nset datafile separator ','\nset datafile columnheaders\nset grid\nset ylabel ", f);
	exp_plot_quote(f, ylabel, 0);
	fputs(" noenhanced\n", f);
	if (o->opt->logy)
		fputs("set logscale y\nset format y '%g'\n", f);
	if (o->opt->ylo < o->opt->yhi)
		fprintf(f, "set yrange [%.9g:%.9g]\n", o->opt->ylo, o->opt->yhi);
	if (o->opt->logx)
		fputs("set logscale x\n", f);
	/* The legend beside the plot, never over the curves. */
	if (o->nruns * o->ncols <= KEY_MAX)
		fputs("set key outside right top vertical Left reverse noenhanced font ',9'\n", f);
	else
		fputs("unset key\n", f);
}

/* One line per run and column, against the epoch. */
static int write_overlay(FILE *f, void *ctx, struct nn_err *err)
{
	const struct overlay *o = ctx;
	const struct exp_plot_options *opt = o->opt;
	size_t from = opt->from > 0 ? (size_t)opt->from : 0, to = o->max_epoch, n = o->nruns * o->ncols;
	char what[400];

	(void)err;
	if (opt->to >= 0 && (size_t)opt->to < to)
		to = (size_t)opt->to;
	snprintf(what, sizeof(what), "%s per epoch", opt->nmetrics == 1 ? opt->metrics[0] : "metrics");
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
			fputs("set title ", f);
			exp_plot_quote(f, o->cols[c], 1);
			fputs(" noenhanced; set ylabel ", f);
			exp_plot_quote(f, o->cols[c], 1);
			fputs(" noenhanced; ", f);
		}
		fputs("plot ", f);
		for (size_t i = 0; i < o->nruns; i++)
			for (size_t cc = opt->panels ? c : 0; cc < (opt->panels ? c + 1 : o->ncols); cc++, k++) {
				char path[4200], colour[8], title[600];

				snprintf(path, sizeof(path), "%s/metrics.csv", o->runs[i]);
				exp_plot_colour(opt->panels ? i : k, opt->panels ? o->nruns : n, colour);
				if (o->ncols == 1 || opt->panels)
					snprintf(title, sizeof(title), "%s", o->legend[i]);
				else if (o->nruns == 1)
					snprintf(title, sizeof(title), "%s", o->cols[cc]);
				else
					snprintf(title, sizeof(title), "%s: %s", o->legend[i], o->cols[cc]);
				fputs(i || (!opt->panels && cc) ? ", " : "", f);
				exp_plot_quote(f, path, 1);
				fprintf(f, " using 'epoch':(%scolumn('%s')) with linespoints lw 2 pt 7 ps 0.5 lc rgb '%s' title ",
					is_accuracy(o->cols[cc]) ? "100*" : "", o->cols[cc], colour);
				exp_plot_quote(f, title, 1);
			}
		fputs(opt->panels && o->ncols > 1 ? "; " : "", f);
	}
	fputs(opt->panels && o->ncols > 1 ? "unset multiplot\"\n" : "\"\n", f);
	if (opt->panels && o->ncols > 1) {
		char size[32];

		snprintf(size, sizeof(size), "%zu,480", o->ncols * 520);
		script_tail(f, size);
	} else {
		script_tail(f, n <= KEY_MAX ? "1100,560" : SIZE);
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
			else if (exp_metrics_best(&m, col, !strstr(o->cols[c], "cost"), &best) < 0)
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

static int write_across(FILE *f, void *ctx, struct nn_err *err)
{
	const struct overlay *o = ctx;
	const char *slash = strrchr(o->base, '/');
	char what[400];

	(void)err;
	snprintf(what, sizeof(what), "%s %s against %s", o->opt->final ? "final" : "best",
		 o->opt->nmetrics == 1 ? o->opt->metrics[0] : "metrics", o->opt->x_key);
	head(f, o, what);
	/* nnlab's own data file: no header row to skip. */
	fputs("set datafile separator whitespace\nset datafile nocolumnheaders\nset xlabel ", f);
	exp_plot_quote(f, o->opt->x_key, 0);
	fputs(" noenhanced\ndraw = \"plot ", f);
	for (size_t c = 0; c < o->ncols; c++) {
		char colour[8], data[4300];

		exp_plot_colour(c, o->ncols, colour);
		snprintf(data, sizeof(data), "%s.dat", slash ? slash + 1 : o->base);
		fputs(c ? ", " : "", f);
		exp_plot_quote(f, data, 1);
		fprintf(f, " using 1:%zu with linespoints lw 2 pt 7 ps 0.8 lc rgb '%s' title ", c + 2, colour);
		exp_plot_quote(f, o->cols[c], 1);
	}
	fputs("\"\n", f);
	script_tail(f, "1100,560");
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

int exp_plot_overlay(const char *const *given, size_t nruns, const struct exp_plot_options *opt,
		     const char *out_base, FILE *log, struct nn_err *err)
{
	char **runs = calloc(nruns, sizeof(*runs)), **flats = calloc(nruns, sizeof(*flats));
	char (*legend)[256] = calloc(nruns, sizeof(*legend));
	char keys[16][256], colnames[EXP_METRICS_MAX_COLUMNS][128];
	struct overlay o = { 0 };
	int rc = 0;

	if (!runs || !flats || !legend) {
		rc = nn_errorf(err, NN_ENOMEM, "out of memory");
		goto done;
	}
	/* One order, by path, for the colours: a run has the same colour in
	 * every overlay and report of its directory. */
	for (size_t i = 0; i < nruns; i++)
		if (!(runs[i] = realpath(given[i], NULL))) {
			rc = nn_errorf(err, NN_EIO, "cannot resolve '%s': %s", given[i], strerror(errno));
			goto done;
		}
	qsort(runs, nruns, sizeof(*runs), by_path);
	for (size_t i = 0; i < nruns; i++) {
		char path[4200], metrics[4200];
		struct exp_node *tree;
		struct exp_metrics m;

		snprintf(metrics, sizeof(metrics), "%s/metrics.csv", runs[i]);
		if (access(metrics, R_OK) != 0) {
			rc = nn_errorf(err, NN_EIO, "'%s' is not a run directory: cannot read '%s'", runs[i],
				       metrics);
			goto done;
		}
		if ((rc = exp_metrics_read(&m, metrics, err)) < 0) {
			exp_metrics_fini(&m);
			goto done;
		}
		/* The columns: from the first run, every family expanded. */
		if (i == 0) {
			for (size_t k = 0; k < opt->nmetrics; k++) {
				const char *found[EXP_METRICS_MAX_COLUMNS];
				size_t nf = expand_metric(&m, opt->metrics[k], found, EXP_METRICS_MAX_COLUMNS - o.ncols);

				for (size_t j = 0; j < nf; j++) {
					snprintf(colnames[o.ncols], sizeof(colnames[0]), "%s", found[j]);
					o.cols[o.ncols] = colnames[o.ncols];
					o.ncols++;
				}
				if (!nf) {
					rc = nn_errorf(err, NN_EINVAL, "'%s' has no column matching '%s'", metrics,
						       opt->metrics[k]);
					exp_metrics_fini(&m);
					goto done;
				}
			}
		}
		/* Every column must hold values in every run, or gnuplot would
		 * fail with its own words (or draw nothing). */
		for (size_t c = 0; c < o.ncols; c++) {
			long col = exp_metrics_column(&m, o.cols[c]);
			double any;

			if (exp_metrics_best(&m, col, 1, &any) >= 0)
				continue;
			char have[1024] = "";
			for (size_t k = 0, len = 0; k < m.ncols && len < sizeof(have); k++)
				if (exp_metrics_best(&m, (long)k, 1, &any) >= 0)
					len += (size_t)snprintf(have + len, sizeof(have) - len, "%s%s",
								len ? ", " : "", m.names[k]);
			rc = nn_errorf(err, NN_EINVAL, "'%s' %s column '%s'; its columns with values: %s",
				       metrics, col < 0 ? "has no" : "has no values in its", o.cols[c], have);
			exp_metrics_fini(&m);
			goto done;
		}
		if (m.nrows && m.nrows - 1 > o.max_epoch)
			o.max_epoch = m.nrows - 1;
		exp_metrics_fini(&m);
		snprintf(path, sizeof(path), "%s/config.yaml", runs[i]);
		tree = exp_yaml_load_file(path, path, err);
		if (!tree) {
			rc = err ? err->code : NN_EIO;
			goto done;
		}
		flats[i] = exp_node_flatten(tree);
		const struct exp_node *nm = exp_node_get(tree, "name");
		/* The name as written, not as YAML text. */
		snprintf(legend[i], sizeof(legend[i]), "%s", nm && nm->kind == EXP_SCALAR ? nm->value : "");
		exp_node_free(tree);
		if (!flats[i]) {
			rc = nn_errorf(err, NN_ENOMEM, "out of memory");
			goto done;
		}
		if (opt->x_key) {
			char v[256], *end;

			exp_flat_get(flats[i], opt->x_key, v, sizeof(v));
			strtod(v, &end);
			if (!v[0] || *end) {
				rc = nn_errorf(err, NN_EINVAL, "'%s' has no number at '%s' (got '%s')", path,
					       opt->x_key, v);
				goto done;
			}
		}
	}
	/* The legend: the runs' names when they differ (a name given by hand
	 * says what a run is), else the config values that differ. */
	int names_differ = 0;
	for (size_t i = 1; i < nruns; i++)
		names_differ |= strcmp(legend[0], legend[i]) != 0;
	size_t nkeys = exp_flat_differing(flats, nruns, keys, 16);
	for (size_t i = 0; i < nruns; i++) {
		if (!names_differ)
			make_legend(legend[i], sizeof(legend[i]), flats[i], keys, nkeys < 16 ? nkeys : 16);
		if (!legend[i][0]) {
			const char *base = strrchr(runs[i], '/');

			snprintf(legend[i], sizeof(legend[i]), "%s", base ? base + 1 : runs[i]);
		}
	}
	char dir[4200], name[4200], file[4300];
	const char *slash = strrchr(out_base, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - out_base) : 1, slash ? out_base : ".");
	snprintf(name, sizeof(name), "%s", slash ? slash + 1 : out_base);
	o.runs = (const char *const *)runs;
	o.nruns = nruns;
	o.opt = opt;
	o.base = out_base;
	o.legend = legend;
	o.flats = flats;
	if (opt->x_key) {
		snprintf(file, sizeof(file), "%s.dat", out_base);
		if ((rc = exp_write_atomic(file, write_across_data, &o, err)) < 0)
			goto done;
	}
	snprintf(file, sizeof(file), "%s.gp", out_base);
	if ((rc = exp_write_atomic(file, opt->x_key ? write_across : write_overlay, &o, err)) < 0)
		goto done;
	if (!exp_plot_have_gnuplot()) {
		if (log)
			fprintf(log, "nnlab: note: gnuplot is not installed; wrote '%s' (install gnuplot-nox and run gnuplot on it)\n",
				file);
	} else {
		rc = exp_plot_render(dir, name, err);
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
	return rc;
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
	fputs("# nnlab chart: a heatmap over two config values. Edit it and run 'gnuplot heatmap.gp' here.\n"
	      "if (!exists(\"out_png\")) out_png = 'heatmap.png'\n"
	      "if (!exists(\"out_svg\")) out_svg = 'heatmap.svg'\n", f);
	fputs("set encoding utf8\nset title ", f);
	exp_plot_quote(f, h->title, 0);
	fputs(" noenhanced\nset xlabel ", f);
	exp_plot_quote(f, h->xlabel, 0);
	fputs(" noenhanced\nset ylabel ", f);
	exp_plot_quote(f, h->ylabel, 0);
	/* One filled rectangle per cell (vector in the SVG), the cells
	 * filling the frame, labelled with the values in their order. */
	fprintf(f, " noenhanced\nset xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5]\nset xtics (", h->nx - 1,
		h->ny - 1);
	for (size_t c = 0; c < h->nx; c++) {
		fputs(c ? ", " : "", f);
		exp_plot_quote(f, h->xs[c], 0);
		fprintf(f, " %zu", c);
	}
	fputs(")\nset ytics (", f);
	for (size_t r = 0; r < h->ny; r++) {
		fputs(r ? ", " : "", f);
		exp_plot_quote(f, h->ys[r], 0);
		fprintf(f, " %zu", r);
	}
	fputs(")\nset palette defined (0 '#f7fbff', 1 '#2b6cb0')\nunset key\nset tics nomirror out\n"
	      "draw = \"plot 'heatmap.dat' using 1:2:(0.5):(0.5):3 with boxxyerror fillstyle solid 1.0 noborder fillcolor palette, "
	      "'' using 1:2:(sprintf('%.2f', $3)) with labels\"\n", f);
	script_tail(f, "700,560");
	return 0;
}

int exp_plot_heatmap(const char *dir, const struct exp_plot_heatmap *h, struct nn_err *err)
{
	char path[4400];
	int rc;

	snprintf(path, sizeof(path), "%s/heatmap.dat", dir);
	if ((rc = exp_write_atomic(path, write_heatmap_data, (void *)h, err)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/heatmap.gp", dir);
	if ((rc = exp_write_atomic(path, write_heatmap_script, (void *)h, err)) < 0)
		return rc;
	return exp_plot_have_gnuplot() ? render(dir, "heatmap", 1, err) : 0;
}
