#include "exp_tiles.h"

#include <math.h>
#include <stdlib.h>

#include "exp_gnuplot.h"

int exp_tiles_init(struct exp_tiles *g, size_t n, size_t w, size_t h, float border)
{
	return exp_tiles_init_cols(g, n, (size_t)ceil(sqrt((double)n)), w, h, border);
}

int exp_tiles_init_cols(struct exp_tiles *g, size_t n, size_t cols, size_t w, size_t h, float border)
{
	g->n = n;
	g->cols = cols ? cols : 1;
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

void exp_tiles_fini(struct exp_tiles *g)
{
	free(g->cells);
	g->cells = NULL;
}

float *exp_tiles_row(struct exp_tiles *g, size_t t, size_t y)
{
	size_t row = t / g->cols, col = t % g->cols;

	return g->cells + (row * (g->h + 1) + 1 + y) * g->width + col * (g->w + 1) + 1;
}

void exp_tiles_normalise(struct exp_tiles *g)
{
	for (size_t t = 0; t < g->n; t++) {
		float max = 1e-12f;

		for (size_t y = 0; y < g->h; y++)
			for (size_t x = 0; x < g->w; x++)
				max = fabsf(exp_tiles_row(g, t, y)[x]) > max ? fabsf(exp_tiles_row(g, t, y)[x]) : max;
		for (size_t y = 0; y < g->h; y++)
			for (size_t x = 0; x < g->w; x++)
				exp_tiles_row(g, t, y)[x] /= max;
	}
}

static int write_data(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_tiles *g = ctx;

	(void)err;
	for (size_t y = 0; y < g->height; y++)
		for (size_t x = 0; x < g->width; x++)
			fprintf(f, "%.4g%c", (double)g->cells[y * g->width + x], x + 1 < g->width ? ' ' : '\n');
	return 0;
}

struct script {
	const struct exp_tiles *g;
	const struct exp_tiles_chart *c;
};

static int write_script(FILE *f, void *ctx, struct nn_err *err)
{
	const struct script *s = ctx;
	const struct exp_tiles *g = s->g;
	const struct exp_tiles_chart *c = s->c;
	/* At least 600 pixels wide (the title fits, a 5x5 kernel is seen),
	 * at most 1000; the image's height follows, with room for the title
	 * and the colour scale. */
	double cell = g->width * 6 > 1000 ? 1000.0 / (double)g->width : g->width * 6 < 600 ? 600.0 / (double)g->width : 6;
	int px = (int)(cell * (double)g->width) + (c->cblabel ? 140 : 0);
	char size[32];

	(void)err;
	exp_gnuplot_head(f, c->name, c->what, c->title);
	fprintf(f, "set palette %s\nset cbrange %s\nunset key\nunset tics\nunset border\n"
		"set size ratio -1\nset xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n",
		c->palette, c->cbrange, g->width - 1, g->height - 1);
	if (c->cblabel) {
		fputs("set colorbox vertical\nset cbtics\nset cblabel ", f);
		exp_gnuplot_quote(f, c->cblabel, 0);
		fputs(" noenhanced\n", f);
	} else {
		fputs("unset colorbox\n", f);
	}
	for (size_t t = 0; c->labels && t < g->n; t++) {
		size_t row = t / g->cols, col = t % g->cols;

		fputs("set label ", f);
		exp_gnuplot_quote(f, c->labels[t], 0);
		fprintf(f, " at %zu,%zu front textcolor rgb '#d01010' font ',8'\n",
			col * (g->w + 1) + 2, row * (g->h + 1) + 3);
	}
	fprintf(f, "draw = \"plot '%s.dat' matrix with image\"\n", c->name);
	snprintf(size, sizeof(size), "%d,%d", px, (int)(cell * (double)g->height) + 110);
	exp_gnuplot_tail_png(f, size);
	return 0;
}

void exp_tiles_draw(const char *dir, const struct exp_tiles *g, const struct exp_tiles_chart *c,
		    int *draw, FILE *log, int *failed)
{
	char file[300];
	struct nn_err err = { 0, "" };
	struct script s = { g, c };

	snprintf(file, sizeof(file), "%s.dat", c->name);
	if (exp_gnuplot_write_in(dir, file, write_data, (void *)g, &err) < 0) {
		if (log)
			fprintf(log, "nnlab: warning: chart '%s' failed: %s\n", c->name, err.msg);
		++*failed;
		return;
	}
	exp_gnuplot_chart(dir, c->name, write_script, &s, draw, 0, log, failed);
}
