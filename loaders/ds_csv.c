/* The csv dataset plugin: one example per row, the label in one column,
 * every other column a numeric feature. RFC 4180 quoting; a header row
 * detected or declared; one file per split, or a seeded held-out fraction
 * of one file; feature scaling with statistics of the training split. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_record.h"
#include "ds_plugin.h"

#define MAX_CLASSES 1000

struct table {
	float *x;            /* (n, dim) */
	char **labels;       /* (n) label text, until mapped */
	int32_t *y;          /* (n) */
	size_t n, cap, dim;
};

struct csv {
	struct table train, test;
	char **class_names;  /* (class_count) */
	size_t class_count;
	int int_labels;      /* labels are class numbers, not names */
};


/* --- numbers and tables -------------------------------------------------- */

static int parse_number(const char *s, float *out)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end || end == s || !isfinite(v) || fabs(v) > 3.4e38)
		return -1;
	*out = (float)v;
	return 0;
}

static int is_blank(const struct csv_reader *r)
{
	return r->nfields == 1 && r->fields[0][strspn(r->fields[0], " \t")] == '\0';
}

/* What the tables of one load keep, against the host's limit. */
struct budget {
	double used, max;
};

/* Counts bytes a table is about to keep; refuses past the limit, naming
 * the file and the record that reached it. */
static int charge(struct budget *b, double bytes, const char *path, size_t line, char *err)
{
	b->used += bytes;
	if (b->used <= b->max)
		return 0;
	return ds_errorf(err, "%s:%zu: reading stopped here: the data read so far takes more than %.1f MiB, the memory limit (NNLAB_MAX_MEMORY)",
			 path, line, b->max / (1 << 20));
}

static int table_push(struct table *t, const float *row, const char *label, struct budget *b,
		      const char *path, size_t line, char *err)
{
	size_t llen = strlen(label) + 1;

	/* A label string costs its bytes and an allocation's overhead (a
	 * malloc chunk holds at least 32 bytes). */
	if (charge(b, (double)(llen > 24 ? llen + 8 : 32), path, line, err) < 0)
		return -1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		float *x;
		char **l;

		if (charge(b, (double)(cap - t->cap) * (double)(t->dim * sizeof(float) + sizeof(char *)),
			   path, line, err) < 0)
			return -1;
		if (!(x = realloc(t->x, cap * t->dim * sizeof(float))))
			return ds_errorf(err, "out of memory");
		t->x = x;
		l = realloc(t->labels, cap * sizeof(*l));
		if (!l)
			return ds_errorf(err, "out of memory");
		t->labels = l;
		t->cap = cap;
	}
	memcpy(t->x + t->n * t->dim, row, t->dim * sizeof(float));
	if (!(t->labels[t->n] = malloc(llen)))
		return ds_errorf(err, "out of memory");
	memcpy(t->labels[t->n], label, llen);
	t->n++;
	return 0;
}

static void table_free(struct table *t)
{
	if (t->labels)
		for (size_t i = 0; i < t->n; i++)
			free(t->labels[i]);
	free(t->labels);
	free(t->x);
	free(t->y);
	memset(t, 0, sizeof(*t));
}

struct layout {
	int header;           /* the files have a header row */
	size_t label_col;
	size_t ncols;
	char **names;         /* (ncols) column names when there is a header */
};

/* The label option: "name:TEXT" (a header name), "position:N" (0-based),
 * or plain text that is either (see resolve_label). */
struct label {
	const char *name;    /* a header name to look for, or NULL */
	unsigned long pos;   /* a position, or (unsigned long)-1 */
};

static struct label parse_label(const char *opt)
{
	struct label l = { opt, (unsigned long)-1 };
	char *end;

	if (!strncmp(opt, "name:", 5)) {
		l.name = opt + 5;
		return l;
	}
	if (!strncmp(opt, "position:", 9)) {
		l.name = NULL;
		opt += 9;
	}
	errno = 0;
	if (*opt >= '0' && *opt <= '9') {
		unsigned long v = strtoul(opt, &end, 10);

		if (!*end && !errno)
			l.pos = v;
	}
	return l;
}

/* The header decision for the first record: "true", "false", or "auto":
 * a header when a field equals the label option (when that is a column
 * name, not a position), or when a field outside the label column is not a
 * number. */
static void decide_header(const struct csv_reader *r, const char *mode, const char *label_opt,
			  int *header)
{
	struct label lab = parse_label(label_opt);
	const char *label = lab.name ? lab.name : "";
	unsigned long idx = lab.pos;
	float v;

	if (strcmp(mode, "auto") != 0) {
		*header = !strcmp(mode, "true");
		return;
	}
	*header = 0;
	for (size_t i = 0; i < r->nfields; i++) {
		/* A field naming the label column says header, unless the label
		 * option is a position (a number), which data may equal. */
		if (idx == (unsigned long)-1 && !strcmp(r->fields[i], label))
			*header = 1;
		else if (i != idx && parse_number(r->fields[i], &v) < 0)
			*header = 1;
	}
}

/* Reads a whole file into t. The first file read fixes the layout. */
/* The first file's layout from its first record (r holds it): the
 * header (declared or detected), the columns and the label's column. */
static int read_layout(const struct csv_reader *r, size_t start, struct layout *lay,
		       const char *header_mode, const char *label, char *err)
{
	struct label lab = parse_label(label);
	const char *path = r->path;
	size_t named = (size_t)-1;

	decide_header(r, header_mode, label, &lay->header);
	lay->ncols = r->nfields;
	if (lay->ncols < 2)
		return ds_errorf(err, "%s:%zu: expected a label and at least one feature, got %zu field%s (is 'delimiter' right?)",
				 path, start, lay->ncols, lay->ncols == 1 ? "" : "s");
	lay->label_col = (size_t)-1;
	if (lay->header) {
		if (!(lay->names = calloc(lay->ncols, sizeof(char *))))
			return ds_errorf(err, "out of memory");
		for (size_t i = 0; i < lay->ncols; i++) {
			if (!(lay->names[i] = strdup(r->fields[i])))
				return ds_errorf(err, "out of memory");
			if (named == (size_t)-1 && lab.name && !strcmp(r->fields[i], lab.name))
				named = i;
		}
	}
	/* A plain number that names one column and is the position of
	 * another is ambiguous: say so rather than guess. */
	if (named != (size_t)-1 && lab.pos < lay->ncols && lab.pos != named)
		return ds_errorf(err, "option 'label' is '%s': in '%s' that is the header name of column %zu and the position of column %lu; write 'name:%s' or 'position:%s' to choose",
				 label, path, named, lab.pos, label, label);
	lay->label_col = named != (size_t)-1 ? named : lab.pos < lay->ncols ? (size_t)lab.pos : (size_t)-1;
	if (lay->label_col == (size_t)-1)
		return ds_errorf(err, "%s:%zu: no label column '%s' (a column name%s, or a position 0-%zu)",
				 path, start, label, lay->header ? " of the header" : " needs a header",
				 lay->ncols - 1);
	return 0;
}

/* Another file's header (r holds it) must be the training file's. */
static int check_header(const struct csv_reader *r, size_t start, const struct layout *lay, char *err)
{
	for (size_t i = 0; i < r->nfields && i < lay->ncols; i++) {
		if (strcmp(r->fields[i], lay->names[i]) != 0 || r->nfields != lay->ncols) {
			char a[80], b[80];

			return ds_errorf(err, "%s:%zu: the header differs from the training file's (column %zu is '%s', expected '%s')",
					 r->path, start, i + 1, csv_show(r->fields[i], a, sizeof(a)),
					 csv_show(lay->names[i], b, sizeof(b)));
		}
	}
	return 0;
}

/* One data record (r holds it) into the table: its features and label. */
static int read_row(const struct csv_reader *r, size_t start, struct table *t,
		    const struct layout *lay, float *row, struct budget *budget, char *err)
{
	const char *path = r->path, *lab;

	if (r->nfields != lay->ncols)
		return ds_errorf(err, "%s:%zu: expected %zu fields, got %zu", path, start, lay->ncols,
				 r->nfields);
	for (size_t i = 0, k = 0; i < r->nfields; i++) {
		char a[80], b[80];

		if (i == lay->label_col)
			continue;
		if (parse_number(r->fields[i], &row[k++]) == 0)
			continue;
		if (lay->header)
			return ds_errorf(err, "%s:%zu: field %zu ('%s'): '%s' is not a finite number",
					 path, start, i + 1, csv_show(lay->names[i], a, sizeof(a)),
					 csv_show(r->fields[i], b, sizeof(b)));
		return ds_errorf(err, "%s:%zu: field %zu: '%s' is not a finite number",
				 path, start, i + 1, csv_show(r->fields[i], b, sizeof(b)));
	}
	lab = r->fields[lay->label_col];
	lab += strspn(lab, " \t");
	if (!*lab)
		return ds_errorf(err, "%s:%zu: the label (field %zu) is empty", path, start,
				 lay->label_col + 1);
	return table_push(t, row, lab, budget, path, start, err);
}

static int read_table(const char *path, struct table *t, struct layout *lay, int first,
		      const char *header_mode, const char *label, char delim, size_t skip,
		      struct budget *budget, char *err)
{
	struct csv_reader r;
	float *row = NULL;
	size_t start;
	int rc;

	if (csv_reader_open(&r, path, delim, err) < 0)
		return -1;
	/* Records before the header (a metadata row) are skipped unread. */
	rc = 1;
	for (size_t k = 0; k < skip && rc > 0; k++)
		rc = csv_read_record(&r, &start, err);
	if (rc > 0) {
		do
			rc = csv_read_record(&r, &start, err);
		while (rc > 0 && is_blank(&r));
	}
	if (rc == 0)
		rc = ds_errorf(err, "'%s' is empty", path);
	if (rc < 0 || (first ? read_layout(&r, start, lay, header_mode, label, err)
			     : lay->header ? check_header(&r, start, lay, err) : 0) < 0)
		goto fail;
	if (!(row = malloc((lay->ncols - 1) * sizeof(float)))) {
		ds_errorf(err, "out of memory");
		goto fail;
	}
	t->dim = lay->ncols - 1;
	/* Without a header the first record is data. */
	for (rc = lay->header ? csv_read_record(&r, &start, err) : 1; rc > 0;
	     rc = csv_read_record(&r, &start, err))
		if (!is_blank(&r) && read_row(&r, start, t, lay, row, budget, err) < 0)
			goto fail;
	if (rc < 0)
		goto fail;
	if (t->n == 0) {
		ds_errorf(err, "'%s' has no data rows", path);
		goto fail;
	}
	free(row);
	csv_reader_close(&r);
	return 0;
fail:
	free(row);
	csv_reader_close(&r);
	return -1;
}

/* --- labels ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int canonical_int(const char *s, long *v)
{
	char *end;

	if (!*s || (s[0] == '0' && s[1]) || strspn(s, "0123456789") != strlen(s))
		return 0;
	*v = strtol(s, &end, 10);
	return *v >= 0 && *v < MAX_CLASSES;
}

/* Maps the training labels to classes: when all are whole numbers 0-999
 * each is its own class (classes 0..max); otherwise the distinct strings in
 * byte order become classes 0..K-1. */
static int map_classes(struct csv *c, const char *path, char *err)
{
	struct table *t = &c->train;
	char **distinct;
	size_t k = 0;
	long maxv = -1, v;

	distinct = malloc((t->n < MAX_CLASSES ? t->n : MAX_CLASSES) * sizeof(char *));
	if (!distinct)
		return ds_errorf(err, "out of memory");
	c->int_labels = 1;
	for (size_t i = 0; i < t->n; i++) {
		size_t j;

		for (j = 0; j < k && strcmp(distinct[j], t->labels[i]); j++)
			;
		if (j < k)
			continue;
		if (k == MAX_CLASSES) {
			free(distinct);
			return ds_errorf(err, "'%s' has more than %d distinct labels (is 'label' the right column?)",
				      path, MAX_CLASSES);
		}
		distinct[k++] = t->labels[i];
		if (canonical_int(t->labels[i], &v))
			maxv = v > maxv ? v : maxv;
		else
			c->int_labels = 0;
	}
	if (c->int_labels)
		k = (size_t)maxv + 1;
	else
		qsort(distinct, k, sizeof(char *), cmp_str);
	c->class_count = k;
	c->class_names = calloc(k, sizeof(char *));
	for (size_t i = 0; c->class_names && i < k; i++) {
		char buf[24];

		snprintf(buf, sizeof(buf), "%zu", i);
		c->class_names[i] = strdup(c->int_labels ? buf : distinct[i]);
		if (!c->class_names[i])
			break;
	}
	free(distinct);
	for (size_t i = 0; i < k; i++)
		if (!c->class_names || !c->class_names[i])
			return ds_errorf(err, "out of memory");
	return 0;
}

/* Sets t->y from its label texts; a label unseen in training is an error. */
static int apply_classes(struct csv *c, struct table *t, const char *path, char *err)
{
	t->y = malloc((t->n ? t->n : 1) * sizeof(int32_t));
	if (!t->y)
		return ds_errorf(err, "out of memory");
	for (size_t i = 0; i < t->n; i++) {
		long v = -1;
		char **hit = NULL;

		if (c->int_labels) {
			if (!canonical_int(t->labels[i], &v) || (size_t)v >= c->class_count)
				v = -1;
		} else if ((hit = bsearch(&t->labels[i], c->class_names, c->class_count,
					  sizeof(char *), cmp_str))) {
			v = hit - c->class_names;
		}
		if (v < 0) {
			char a[80];

			return ds_errorf(err, "'%s': label '%s' of data row %zu does not occur in the training data",
				      path, csv_show(t->labels[i], a, sizeof(a)), i + 1);
		}
		t->y[i] = (int32_t)v;
	}
	for (size_t i = 0; i < t->n; i++)
		free(t->labels[i]);
	free(t->labels);
	t->labels = NULL;
	return 0;
}

/* --- splitting and scaling --------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Moves a seeded random fraction of train's rows into test. */
static int hold_out(struct csv *c, double fraction, uint64_t seed, char *err)
{
	struct table *t = &c->train, *u = &c->test;
	size_t n = t->n, m = (size_t)llround(fraction * (double)n);
	size_t *idx = malloc((n ? n : 1) * sizeof(size_t));
	char *is_test = calloc(n ? n : 1, 1);

	if (!idx || !is_test) {
		free(idx);
		free(is_test);
		return ds_errorf(err, "out of memory");
	}
	if (m == 0 || m >= n) {
		free(idx);
		free(is_test);
		return ds_errorf(err, "test_fraction %g of %zu rows leaves %zu for testing and %zu for training",
			      fraction, n, m, n - m);
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(splitmix64(&seed) % i), tmp = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = tmp;
	}
	for (size_t i = 0; i < m; i++)
		is_test[idx[i]] = 1;
	free(idx);
	u->dim = t->dim;
	/* Rows move from one table to the other: counted when they were read. */
	struct budget moved = { 0, DBL_MAX };
	/* Keep file order within each split. */
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_test[i]) {
			if (table_push(u, t->x + i * t->dim, t->labels[i], &moved, "", 0, err) < 0) {
				free(is_test);
				return -1;
			}
			free(t->labels[i]);
		} else {
			memmove(t->x + kept * t->dim, t->x + i * t->dim, t->dim * sizeof(float));
			t->labels[kept++] = t->labels[i];
		}
	}
	t->n = kept;
	free(is_test);
	return 0;
}

static int scale(struct csv *c, const char *how, double divisor, char *err)
{
	size_t d = c->train.dim;
	struct table *both[2] = { &c->train, &c->test };

	if (!strcmp(how, "none"))
		return 0;
	if (!strcmp(how, "divide")) {
		if (divisor == 0 || !isfinite(divisor))
			return ds_errorf(err, "option 'divisor' must be a non-zero number");
		for (int s = 0; s < 2; s++)
			for (size_t i = 0; i < both[s]->n * d; i++) {
				double v = both[s]->x[i] / divisor;

				/* Features beyond single precision would train as Inf. */
				if (fabs(v) > FLT_MAX)
					return ds_errorf(err, "option 'divisor' is %g: feature %zu of %s row %zu becomes %g, beyond single precision (at most %g)",
							 divisor, i % d + 1, s ? "test" : "training", i / d + 1, v,
							 (double)FLT_MAX);
				both[s]->x[i] = (float)v;
			}
		return 0;
	}
	int minmax = !strcmp(how, "minmax");
	if (!minmax && strcmp(how, "standardize"))
		return ds_errorf(err, "option 'scale' is '%s', expected none, divide, minmax or standardize", how);
	for (size_t j = 0; j < d; j++) {
		double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0, a, b;
		size_t n = c->train.n;

		for (size_t i = 0; i < n; i++) {
			double v = c->train.x[i * d + j];

			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
			sum += v;
		}
		double mean = sum / (double)n;
		for (size_t i = 0; i < n; i++) {
			double e = c->train.x[i * d + j] - mean;

			sq += e * e;
		}
		double sd = sqrt(sq / (double)n);
		/* x' = (x - a) * b, from the training split's statistics. */
		if (minmax) {
			a = lo;
			b = hi > lo ? 1.0 / (hi - lo) : 0.0;
		} else {
			a = mean;
			b = sd > 0 ? 1.0 / sd : 1.0;
		}
		for (int s = 0; s < 2; s++)
			for (size_t i = 0; i < both[s]->n; i++)
				both[s]->x[i * d + j] = (float)((both[s]->x[i * d + j] - a) * b);
	}
	return 0;
}

/* --- the plugin ---------------------------------------------------------- */


static void release(struct ds_dataset *ds)
{
	struct csv *c = ds ? ds->priv : NULL;

	if (!c)
		return;
	table_free(&c->train);
	table_free(&c->test);
	for (size_t i = 0; c->class_names && i < c->class_count; i++)
		free(c->class_names[i]);
	free(c->class_names);
	free(c);
	ds->priv = NULL;
}

static int load(struct ds_dataset *out, const char *const *names, const char *const *values,
		size_t count, char *err)
{
	const char *train = ds_option("train", names, values, count);
	const char *test = ds_option("test", names, values, count);
	const char *label = ds_option("label", names, values, count);
	const char *header = ds_option("header", names, values, count);
	const char *delim = ds_option("delimiter", names, values, count);
	const char *how = ds_option("scale", names, values, count);
	double fraction = atof(ds_option("test_fraction", names, values, count));
	double divisor = atof(ds_option("divisor", names, values, count));
	uint64_t seed = strtoull(ds_option("split_seed", names, values, count), NULL, 10);
	size_t skip = (size_t)strtoull(ds_option("skip_rows", names, values, count), NULL, 10);
	struct layout lay = { 0 };
	struct budget budget = { 0, ds_max_bytes(names, values, count) };
	struct csv *c;
	char d;

	if (!strcmp(delim, "tab") || !strcmp(delim, "\\t"))
		d = '\t';
	else if (strlen(delim) == 1 && delim[0] != '"' && delim[0] != '\n' && delim[0] != '\r')
		d = delim[0];
	else
		return ds_errorf(err, "option 'delimiter' must be one character (or 'tab'), got '%s'", delim);
	if (strcmp(header, "auto") && strcmp(header, "true") && strcmp(header, "false"))
		return ds_errorf(err, "option 'header' is '%s', expected auto, true or false", header);
	if (!*train)
		return ds_errorf(err, "option 'train' must name a CSV file");
	if (ds_option("skip_rows", names, values, count)[0] == '-')
		return ds_errorf(err, "option 'skip_rows' must be 0 or more");
	c = calloc(1, sizeof(*c));
	if (!c)
		return ds_errorf(err, "out of memory");
	memset(out, 0, sizeof(*out));
	out->priv = c;
	if (read_table(train, &c->train, &lay, 1, header, label, d, skip, &budget, err) < 0)
		goto fail;
	if (*test) {
		c->test.dim = c->train.dim;
		if (read_table(test, &c->test, &lay, 0, header, label, d, skip, &budget, err) < 0)
			goto fail;
	} else if (!(fraction > 0 && fraction < 1)) {
		ds_errorf(err, "option 'test_fraction' must be between 0 and 1 (exclusive) when there is no 'test' file, got %g",
		       fraction);
		goto fail;
	} else if (hold_out(c, fraction, seed, err) < 0) {
		goto fail;
	}
	if (map_classes(c, train, err) < 0 ||
	    apply_classes(c, &c->train, train, err) < 0 ||
	    apply_classes(c, &c->test, *test ? test : train, err) < 0 ||
	    scale(c, how, divisor, err) < 0)
		goto fail;
	for (size_t i = 0; lay.names && i < lay.ncols; i++)
		free(lay.names[i]);
	free(lay.names);
	out->input_size = c->train.dim;
	out->class_count = c->class_count;
	out->class_names = (const char *const *)c->class_names;
	out->feature_type = DS_FEATURE_F32;
	out->feature_scale = 1.0f;
	out->train = (struct ds_split){ c->train.x, c->train.y, c->train.n };
	out->test = (struct ds_split){ c->test.x, c->test.y, c->test.n };
	return 0;
fail:
	for (size_t i = 0; lay.names && i < lay.ncols; i++)
		free(lay.names[i]);
	free(lay.names);
	release(out);
	return -1;
}

static const struct ds_option options[] = {
	{ "train", DS_OPT_STRING, NULL, "the training CSV file" },
	{ "test", DS_OPT_STRING, "", "the test CSV file; empty: hold out test_fraction of 'train'" },
	{ "test_fraction", DS_OPT_FLOAT, "0.2", "share of 'train' held out for testing when 'test' is empty" },
	{ "split_seed", DS_OPT_INT, "1", "seed of that held-out selection" },
	{ "label", DS_OPT_STRING, "0", "the label column: its header name, or its 0-based position ('name:X' or 'position:N' when a number is both)" },
	{ "skip_rows", DS_OPT_INT, "0", "records skipped at the top of each file, before the header (a metadata row)" },
	{ "header", DS_OPT_STRING, "auto", "auto, true or false: whether the first row names the columns" },
	{ "delimiter", DS_OPT_STRING, ",", "the field separator: one character, or 'tab'" },
	{ "scale", DS_OPT_STRING, "none", "none, divide, minmax or standardize (training statistics)" },
	{ "divisor", DS_OPT_FLOAT, "255", "what 'divide' divides every feature by" },
	{ NULL, 0, NULL, NULL }
};

DS_EXPORT const struct ds_plugin ds_plugin = {
	.abi_version = DS_ABI_VERSION,
	.size = sizeof(struct ds_plugin),
	.name = "csv",
	.description = "CSV files: one example per row, a label column and numeric features",
	.options = options,
	.load = load,
	.release = release,
};
