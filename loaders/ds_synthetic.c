/* The synthetic dataset plugin: seeded generated data sets that need no
 * download. Gaussian blobs, interleaved spirals, XOR, a checkerboard, and
 * "digits": 28x28 seven-segment digit images drawn with random shifts,
 * rotation, slant, stroke width and pixel noise, in MNIST's shape. The same
 * options and seed give the same bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_plugin.h"

#define SIDE 28
#define PI 3.14159265358979323846

struct rng {
	uint64_t s;
};

/* splitmix64: small, and good enough for drawing data. */
static uint64_t next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static double uniform(struct rng *r) /* [0, 1) */
{
	return (double)(next(r) >> 11) * 0x1.0p-53;
}

static double normal(struct rng *r)
{
	double u = uniform(r), v = uniform(r);

	return sqrt(-2.0 * log(u > 0 ? u : 0x1.0p-53)) * cos(2 * PI * v);
}

struct synth {
	void *x[2];      /* train, test features */
	int32_t *y[2];
};

struct params {
	const char *kind;
	size_t count[2];   /* train, test */
	size_t classes, dims, cells;
	double noise;
	uint64_t seed;
};


/* --- point sets ---------------------------------------------------------- */

/* Gaussian blobs around well separated centers: evenly around the unit
 * circle in the first two dimensions (evenly on [-1, 1] in one), and
 * uniform in [-1, 1] in any further ones. */
static void blob_centers(const struct params *p, struct rng *r, double *centers)
{
	for (size_t c = 0; c < p->classes; c++) {
		double *m = centers + c * p->dims;
		double a = 2 * PI * (double)c / (double)p->classes;

		if (p->dims == 1) {
			m[0] = p->classes > 1 ? -1 + 2.0 * (double)c / (double)(p->classes - 1) : 0;
			continue;
		}
		m[0] = cos(a);
		m[1] = sin(a);
		for (size_t j = 2; j < p->dims; j++)
			m[j] = 2 * uniform(r) - 1;
	}
}

static void blobs(const struct params *p, struct rng *r, const double *centers, float *x,
		  int32_t *y, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t c = (size_t)(next(r) % p->classes);

		y[i] = (int32_t)c;
		for (size_t j = 0; j < p->dims; j++)
			x[i * p->dims + j] = (float)(centers[c * p->dims + j] + p->noise * normal(r));
	}
}

/* Spirals: class c winds out from the middle to radius 1, rotated by
 * c/classes of a turn; one turn in all. */
static void spirals(const struct params *p, struct rng *r, float *x, int32_t *y, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t c = (size_t)(next(r) % p->classes);
		double t = uniform(r);
		double angle = 2.0 * PI * t + 2.0 * PI * (double)c / (double)p->classes;

		y[i] = (int32_t)c;
		x[i * 2] = (float)(t * cos(angle) + p->noise * normal(r));
		x[i * 2 + 1] = (float)(t * sin(angle) + p->noise * normal(r));
	}
}

/* XOR (cells = 2) and checkerboards: points uniform in [-1, 1]^2, the
 * class the parity of their cell, then jittered by the noise. */
static void board(const struct params *p, struct rng *r, size_t cells, float *x, int32_t *y,
		  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double u = uniform(r), v = uniform(r);
		size_t cu = (size_t)(u * (double)cells), cv = (size_t)(v * (double)cells);

		y[i] = (int32_t)((cu + cv) % 2);
		x[i * 2] = (float)(2.0 * u - 1.0 + p->noise * normal(r));
		x[i * 2 + 1] = (float)(2.0 * v - 1.0 + p->noise * normal(r));
	}
}

/* --- digits ------------------------------------------------------------ */

/* Seven segments a-g as bits 0-6: a top, b upper right, c lower right,
 * d bottom, e lower left, f upper left, g middle. */
static const unsigned char segments_of[10] = {
	0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f
};

/* Segment ends on a box of corners (0, 0)-(1, 2): x right, y down. */
static const double seg_ends[7][4] = {
	{ 0, 0, 1, 0 }, { 1, 0, 1, 1 }, { 1, 1, 1, 2 }, { 0, 2, 1, 2 },
	{ 0, 1, 0, 2 }, { 0, 0, 0, 1 }, { 0, 1, 1, 1 },
};

static double segment_distance(double px, double py, const double *s)
{
	double dx = s[2] - s[0], dy = s[3] - s[1];
	double len2 = dx * dx + dy * dy;
	double t = len2 > 0 ? ((px - s[0]) * dx + (py - s[1]) * dy) / len2 : 0;

	t = t < 0 ? 0 : t > 1 ? 1 : t;
	dx = px - (s[0] + t * dx);
	dy = py - (s[1] + t * dy);
	return sqrt(dx * dx + dy * dy);
}

static void draw_digit(const struct params *p, struct rng *r, int digit, uint8_t *img)
{
	double seg[7][4];
	int nseg = 0;
	/* The glyph's box is about 10 x 18 pixels, centred, then jittered. */
	double scale = 9.0 * (0.85 + 0.3 * uniform(r));
	double angle = 0.15 * (2 * uniform(r) - 1), slant = 0.25 * (2 * uniform(r) - 1);
	double cx = 14 + 2.0 * (2 * uniform(r) - 1), cy = 14 + 2.0 * (2 * uniform(r) - 1);
	double width = 1.1 + 1.0 * uniform(r);
	double ca = cos(angle), sa = sin(angle);

	for (int k = 0; k < 7; k++) {
		if (!(segments_of[digit] >> k & 1))
			continue;
		for (int e = 0; e < 2; e++) {
			/* box coordinates centred on (0.5, 1), wobbled, slanted, rotated */
			double bx = seg_ends[k][2 * e] - 0.5 + 0.06 * normal(r);
			double by = seg_ends[k][2 * e + 1] - 1.0 + 0.06 * normal(r);
			double sx = (bx - slant * by) * scale, sy = by * scale;

			seg[nseg][2 * e] = cx + ca * sx - sa * sy;
			seg[nseg][2 * e + 1] = cy + sa * sx + ca * sy;
		}
		nseg++;
	}
	for (int yy = 0; yy < SIDE; yy++) {
		for (int xx = 0; xx < SIDE; xx++) {
			double d = 1e9, v;

			for (int k = 0; k < nseg; k++) {
				double dk = segment_distance(xx + 0.5, yy + 0.5, seg[k]);

				d = dk < d ? dk : d;
			}
			/* ink inside the stroke, an antialiased edge one pixel wide */
			v = d <= width / 2 ? 1.0 : d >= width / 2 + 1 ? 0.0 : width / 2 + 1 - d;
			v += p->noise * normal(r);
			v = v < 0 ? 0 : v > 1 ? 1 : v;
			img[yy * SIDE + xx] = (uint8_t)lround(v * 255);
		}
	}
}

/* --- the plugin ---------------------------------------------------------- */


static void release(struct ds_dataset *ds)
{
	struct synth *s = ds ? ds->priv : NULL;

	if (!s)
		return;
	for (int k = 0; k < 2; k++) {
		free(s->x[k]);
		free(s->y[k]);
	}
	free(s);
	ds->priv = NULL;
}

static long get_count(const char *text, const char *name, long lo, long hi, char *err)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (*end || v < lo || v > hi)
		return ds_errorf(err, "option '%s' is %s, must be between %ld and %ld", name, text, lo, hi);
	return v;
}

/* The options into p; 0, or -1 with err filled. */
static int read_params(struct params *p, const char *const *names, const char *const *values,
		       size_t count, char *err)
{
	static const struct {
		const char *name;
		long lo, hi;
	} counts[] = { { "train_size", 1, 10000000 }, { "test_size", 0, 10000000 }, { "classes", 2, 1000 },
		       { "dims", 1, 100000 }, { "cells", 2, 1000 } };
	size_t *to[] = { &p->count[0], &p->count[1], &p->classes, &p->dims, &p->cells };

	p->kind = ds_option("kind", names, values, count);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		long v = get_count(ds_option(counts[i].name, names, values, count), counts[i].name,
				   counts[i].lo, counts[i].hi, err);

		if (v < 0)
			return -1;
		*to[i] = (size_t)v;
	}
	p->noise = atof(ds_option("noise", names, values, count));
	if (!(p->noise >= 0 && p->noise <= 100))
		return ds_errorf(err, "option 'noise' must be between 0 and 100");
	p->seed = strtoull(ds_option("seed", names, values, count), NULL, 10);
	return 0;
}

/* The shape of kind's data in out; 0, or -1 for an unknown kind. */
static int shape(const struct params *p, struct ds_dataset *out, char *err)
{
	memset(out, 0, sizeof(*out));
	if (!strcmp(p->kind, "blobs")) {
		out->input_size = p->dims;
		out->class_count = p->classes;
	} else if (!strcmp(p->kind, "spirals")) {
		out->input_size = 2;
		out->class_count = p->classes;
	} else if (!strcmp(p->kind, "xor") || !strcmp(p->kind, "checkerboard")) {
		out->input_size = 2;
		out->class_count = 2;
	} else if (!strcmp(p->kind, "digits")) {
		out->input_size = SIDE * SIDE;
		out->class_count = 10;
		out->image_width = out->image_height = SIDE;
	} else {
		return ds_errorf(err, "option 'kind' is '%s', expected blobs, spirals, xor, checkerboard or digits",
				 p->kind);
	}
	return 0;
}

/* n examples of split k, drawn from r. */
static void generate(const struct params *p, struct rng *r, const double *centers, struct synth *s,
		     int k, size_t n)
{
	if (centers)
		blobs(p, r, centers, s->x[k], s->y[k], n);
	else if (!strcmp(p->kind, "spirals"))
		spirals(p, r, s->x[k], s->y[k], n);
	else if (!strcmp(p->kind, "xor"))
		board(p, r, 2, s->x[k], s->y[k], n);
	else if (!strcmp(p->kind, "checkerboard"))
		board(p, r, p->cells, s->x[k], s->y[k], n);
	else
		for (size_t i = 0; i < n; i++) {
			s->y[k][i] = (int32_t)(next(r) % 10);
			draw_digit(p, r, s->y[k][i], (uint8_t *)s->x[k] + i * SIDE * SIDE);
		}
}

static int load(struct ds_dataset *out, const char *const *names, const char *const *values,
		size_t count, char *err)
{
	struct params p;
	struct synth *s;
	struct rng r;
	double *centers = NULL;

	if (read_params(&p, names, values, count, err) < 0 || shape(&p, out, err) < 0)
		return -1;
	int digits = out->image_width != 0;
	size_t elem = digits ? 1 : sizeof(float);
	if (out->input_size * p.count[0] > ((size_t)1 << 32) / elem)
		return ds_errorf(err, "%zu examples of %zu features are too many", p.count[0], out->input_size);
	double need = (double)(p.count[0] + p.count[1]) * ((double)(out->input_size * elem) + sizeof(int32_t));
	double most = ds_max_bytes(names, values, count);
	if (need > most)
		return ds_errorf(err, "%zu training and %zu test examples of %zu features take %.1f MiB, more than the memory limit of %.1f MiB (NNLAB_MAX_MEMORY)",
				 p.count[0], p.count[1], out->input_size, need / (1 << 20), most / (1 << 20));
	if (!(s = calloc(1, sizeof(*s))))
		return ds_errorf(err, "out of memory");
	out->priv = s;
	for (int k = 0; k < 2; k++) {
		s->x[k] = malloc((p.count[k] ? p.count[k] : 1) * out->input_size * elem);
		s->y[k] = malloc((p.count[k] ? p.count[k] : 1) * sizeof(int32_t));
		if (!s->x[k] || !s->y[k]) {
			release(out);
			return ds_errorf(err, "out of memory");
		}
	}
	r.s = p.seed;
	if (!strcmp(p.kind, "blobs")) {
		if (!(centers = malloc(p.classes * p.dims * sizeof(double)))) {
			release(out);
			return ds_errorf(err, "out of memory");
		}
		blob_centers(&p, &r, centers);
	}
	for (int k = 0; k < 2; k++)
		generate(&p, &r, centers, s, k, p.count[k]);
	free(centers);
	out->feature_type = digits ? DS_FEATURE_U8 : DS_FEATURE_F32;
	out->feature_scale = digits ? 1.0f / 255.0f : 1.0f;
	out->train = (struct ds_split){ s->x[0], s->y[0], p.count[0] };
	out->test = (struct ds_split){ s->x[1], s->y[1], p.count[1] };
	return 0;
}

static const struct ds_option options[] = {
	{ "kind", DS_OPT_STRING, "blobs", "blobs, spirals, xor, checkerboard or digits (28x28 images)" },
	{ "train_size", DS_OPT_INT, "5000", "training examples" },
	{ "test_size", DS_OPT_INT, "1000", "test examples" },
	{ "classes", DS_OPT_INT, "3", "classes of blobs and spirals" },
	{ "dims", DS_OPT_INT, "2", "dimensions of blobs" },
	{ "cells", DS_OPT_INT, "4", "cells per side of the checkerboard" },
	{ "noise", DS_OPT_FLOAT, "0.05", "standard deviation of the noise: on points, or on pixels in [0, 1]" },
	{ "seed", DS_OPT_INT, "1", "the same seed gives the same bytes" },
	{ NULL, 0, NULL, NULL }
};

DS_EXPORT const struct ds_plugin ds_plugin = {
	.abi_version = DS_ABI_VERSION,
	.size = sizeof(struct ds_plugin),
	.name = "synthetic",
	.description = "generated data: blobs, spirals, xor, checkerboard, 28x28 digits",
	.options = options,
	.load = load,
	.release = release,
};
