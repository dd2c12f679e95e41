/* Tiled image charts: many small images (misclassified digits, a first
 * layer's weights, a conv layer's kernels) as one matrix, drawn by gnuplot
 * into NAME.png (no SVG: it would embed a bitmap that browsers blur, or
 * hold tens of thousands of rectangles). */
#ifndef EXP_TILES_H
#define EXP_TILES_H

#include <stddef.h>
#include <stdio.h>

/* n tiles of w x h in a near-square grid, a one-cell border around each. */
struct exp_tiles {
	size_t n, cols, rows, w, h;
	float *cells;            /* (height, width) */
	size_t width, height;
};

/* Allocates the grid with every cell border. Returns 0 or -1 (no memory). */
int exp_tiles_init(struct exp_tiles *g, size_t n, size_t w, size_t h, float border);
/* The same with cols tiles a row (a conv layer's kernels: a row per map,
 * a column per input channel). */
int exp_tiles_init_cols(struct exp_tiles *g, size_t n, size_t cols, size_t w, size_t h, float border);
void exp_tiles_fini(struct exp_tiles *g);

/* Row y of tile t (w floats). */
float *exp_tiles_row(struct exp_tiles *g, size_t t, size_t y);

/* Scales each tile to its largest magnitude, into [-1, 1]. */
void exp_tiles_normalise(struct exp_tiles *g);

struct exp_tiles_chart {
	const char *name, *what, *title;
	const char *palette, *cbrange;   /* gnuplot's "set palette" and "set cbrange" */
	char (*labels)[64];              /* one per tile, or NULL */
	const char *cblabel;             /* the colour scale's label, or NULL for none */
};

/* Writes NAME.dat and NAME.gp into dir and, when *draw, renders NAME.png
 * (exp_gnuplot_chart). A failure is reported on log and counted in *failed. */
void exp_tiles_draw(const char *dir, const struct exp_tiles *g, const struct exp_tiles_chart *c,
		    int *draw, FILE *log, int *failed);

#endif
