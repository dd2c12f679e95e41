#include "exp_sweep_points.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exp_text.h"

static int same_point(const struct exp_results *r, size_t a, size_t b)
{
	for (size_t k = 0; k < r->nparams; k++)
		if (strcmp(r->rows[a].values[k], r->rows[b].values[k]))
			return 0;
	return 1;
}

/* A trial and its values joined into one key, for sorting. */
struct keyed {
	char *key;
	size_t row;
};

static int by_key(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->row > y->row) - (x->row < y->row);
}

static int by_first_row(const void *a, const void *b)
{
	const struct exp_point *x = a, *y = b;

	return (x->rows[0] > y->rows[0]) - (x->rows[0] < y->rows[0]);
}

/* Groups the trials into points (sorting by their values, so a sweep of
 * many trials costs n log n), in the order the sweep lists them. */
static int make_points(struct exp_sweep_points *pg, struct nn_err *err)
{
	const struct exp_results *r = pg->r;
	struct keyed *idx = calloc(r->nrows + 1, sizeof(*idx));
	int rc = 0;

	pg->points = calloc(r->nrows + 1, sizeof(*pg->points));
	if (!idx || !pg->points) {
		free(idx);
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	}
	/* The values joined by a byte no value holds (YAML text escapes
	 * control characters). */
	for (size_t i = 0; i < r->nrows; i++) {
		struct exp_text t = { 0 };

		for (size_t k = 0; k < r->nparams; k++) {
			exp_text_puts(&t, r->rows[i].values[k]);
			exp_text_put(&t, "\x1f", 1);
		}
		idx[i].row = i;
		if (!(idx[i].key = exp_text_take(&t))) {
			rc = nn_errorf(err, NN_ENOMEM, "out of memory");
			goto done;
		}
	}
	qsort(idx, r->nrows, sizeof(*idx), by_key);
	for (size_t i = 0; i < r->nrows;) {
		size_t j = i;

		while (j < r->nrows && same_point(r, idx[i].row, idx[j].row))
			j++;
		struct exp_point *p = &pg->points[pg->npoints++];
		p->rows = malloc((j - i) * sizeof(*p->rows));
		if (!p->rows) {
			rc = nn_errorf(err, NN_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t k = i; k < j; k++)
			p->rows[k - i] = idx[k].row;
		p->n = j - i;
		pg->repeats |= p->n > 1;
		i = j;
	}
done:
	for (size_t i = 0; i < r->nrows; i++)
		free(idx[i].key);
	free(idx);
	if (rc < 0)
		return rc;
	qsort(pg->points, pg->npoints, sizeof(*pg->points), by_first_row);
	/* Each point's objective: the mean and deviation of its trials'. */
	for (size_t q = 0; q < pg->npoints; q++) {
		struct exp_point *p = &pg->points[q];
		double sum = 0, sq = 0;

		for (size_t k = 0; k < p->n; k++) {
			double b = r->rows[p->rows[k]].best;

			if (!isnan(b)) {
				sum += b;
				p->count++;
			}
		}
		p->mean = p->count ? sum / (double)p->count : NAN;
		for (size_t k = 0; k < p->n; k++) {
			double b = r->rows[p->rows[k]].best;

			if (!isnan(b))
				sq += (b - p->mean) * (b - p->mean);
		}
		p->sd = p->count > 1 ? sqrt(sq / (double)(p->count - 1)) : 0;
	}
	return 0;
}

/* A point as the ranking sorts it. */
struct ranked {
	double mean;
	size_t first;    /* its first trial: ties in the sweep's order */
	size_t point;
	int maximize;
};

/* Best mean objective first, points without one last, ties in the
 * sweep's order: without repeats the order of summary.md. */
static int by_objective(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c;

	if (isnan(x->mean) != isnan(y->mean))
		return isnan(x->mean) ? 1 : -1;
	c = x->maximize ? (x->mean < y->mean) - (x->mean > y->mean) : (x->mean > y->mean) - (x->mean < y->mean);
	return c ? c : (x->first > y->first) - (x->first < y->first);
}

static int make_axes(struct exp_sweep_points *pg, struct nn_err *err)
{
	for (size_t k = 0; k < pg->r->nparams; k++) {
		struct exp_axis *ax = &pg->axes[k];

		ax->values = malloc((pg->npoints + 1) * sizeof(*ax->values));
		if (!ax->values)
			return nn_errorf(err, NN_ENOMEM, "out of memory");
		ax->numeric = 1;
		for (size_t q = 0; q < pg->npoints; q++) {
			const char *v = pg->r->rows[pg->points[q].rows[0]].values[k];
			size_t j = 0;
			char *end;

			while (j < ax->n && strcmp(ax->values[j], v))
				j++;
			if (j < ax->n)
				continue;
			ax->values[ax->n++] = v;
			strtod(v, &end);
			ax->numeric &= *v && !*end;
		}
	}
	return 0;
}

size_t exp_axis_index(const struct exp_axis *ax, const char *v)
{
	size_t j = 0;

	while (j < ax->n && strcmp(ax->values[j], v))
		j++;
	return j;
}

double exp_axis_coord(const struct exp_axis *ax, const char *v)
{
	return ax->numeric ? atof(v) : (double)exp_axis_index(ax, v);
}

/* The spread of the gaps between sorted values v[0..n) (n >= 3), each
 * mapped by log when take_log: their standard deviation over their mean. */
static double gap_spread(const double *v, size_t n, int take_log)
{
	double sum = 0, sq = 0;

	for (size_t i = 1; i < n; i++) {
		double g = take_log ? log(v[i]) - log(v[i - 1]) : v[i] - v[i - 1];

		sum += g;
		sq += g * g;
	}
	double mean = sum / (double)(n - 1), var = sq / (double)(n - 1) - mean * mean;
	return sqrt(var > 0 ? var : 0) / mean;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int exp_axis_log(const struct exp_axis *ax)
{
	double *v;
	int log_scale;

	if (!ax->numeric || ax->n < 2 || !(v = malloc(ax->n * sizeof(*v))))
		return 0;
	for (size_t j = 0; j < ax->n; j++)
		v[j] = atof(ax->values[j]);
	qsort(v, ax->n, sizeof(*v), by_value);
	log_scale = v[0] > 0 && v[ax->n - 1] / v[0] >= 10 &&
		    (ax->n < 3 || gap_spread(v, ax->n, 1) < gap_spread(v, ax->n, 0));
	free(v);
	return log_scale;
}

int exp_sweep_points(struct exp_sweep_points *sp, const struct exp_results *r, struct nn_err *err)
{
	struct ranked *ranked;
	int rc;

	memset(sp, 0, sizeof(*sp));
	sp->r = r;
	if ((rc = make_points(sp, err)) < 0 || (rc = make_axes(sp, err)) < 0)
		return rc;
	sp->rank = malloc((sp->npoints + 1) * sizeof(*sp->rank));
	ranked = calloc(sp->npoints + 1, sizeof(*ranked));
	if (!sp->rank || !ranked) {
		free(ranked);
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	}
	for (size_t q = 0; q < sp->npoints; q++)
		ranked[q] = (struct ranked){ sp->points[q].mean, sp->points[q].rows[0], q, r->maximize };
	qsort(ranked, sp->npoints, sizeof(*ranked), by_objective);
	for (size_t q = 0; q < sp->npoints; q++)
		sp->rank[q] = ranked[q].point;
	free(ranked);
	return 0;
}

void exp_sweep_points_fini(struct exp_sweep_points *sp)
{
	for (size_t q = 0; q < sp->npoints; q++)
		free(sp->points[q].rows);
	free(sp->points);
	for (size_t k = 0; sp->r && k < sp->r->nparams; k++)
		free(sp->axes[k].values);
	free(sp->rank);
	memset(sp, 0, sizeof(*sp));
}

/* The trials with a best, by key k's coordinate, for binning by rank. */
struct coord {
	double x, y;
};

static int by_x(const void *a, const void *b)
{
	double p = ((const struct coord *)a)->x, q = ((const struct coord *)b)->x;

	return (p > q) - (p < q);
}

double exp_sweep_importance(const struct exp_sweep_points *sp, size_t k)
{
	const struct exp_results *r = sp->r;
	const struct exp_axis *ax = &sp->axes[k];
	struct coord *c = malloc((r->nrows + 1) * sizeof(*c));
	size_t n = 0, groups = ax->numeric && ax->n > 5 ? 5 : ax->n;
	double mean = 0, total = 0, between = 0;

	if (!c)
		return NAN;
	for (size_t i = 0; i < r->nrows; i++)
		if (!isnan(r->rows[i].best))
			c[n++] = (struct coord){ exp_axis_coord(ax, r->rows[i].values[k]), r->rows[i].best };
	if (n < 3 || groups < 1) {
		free(c);
		return NAN;
	}
	qsort(c, n, sizeof(*c), by_x);
	for (size_t i = 0; i < n; i++)
		mean += c[i].y / (double)n;
	for (size_t i = 0; i < n; i++)
		total += (c[i].y - mean) * (c[i].y - mean);
	/* A group: the same value, or (binned) the next n / 5 by rank, a
	 * value never split between two bins. */
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		if (groups == 5 && ax->numeric && ax->n > 5)
			j = i + (n + 4) / 5 < n ? i + (n + 4) / 5 : n;
		while (j < n && c[j].x == c[j - 1].x)
			j++;
		double m = 0;
		for (size_t q = i; q < j; q++)
			m += c[q].y / (double)(j - i);
		between += (double)(j - i) * (m - mean) * (m - mean);
		i = j;
	}
	free(c);
	return total > 0 ? between / total : NAN;
}
