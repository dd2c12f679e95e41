/* The csv plugin through real dlopen. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "exp_plugin.h"
#include "helpers.h"

static char dir[4096];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
}

TestSuite(ds_csv, .init = setup);

/* Writes text to dir/name and returns the path (static storage). */
static const char *file(const char *name, const char *text)
{
	static char path[2][4300];
	static int k;
	char *p = path[k++ % 2];

	snprintf(p, 4300, "%s/%s", dir, name);
	th_write_str(p, text);
	return p;
}

/* The memory limit the host passes; 0 for none. */
static double max_bytes;

/* Loads the plugin with name=value options (NULL-terminated pairs) over
 * its defaults. Returns load's result; err receives any message. */
static int load(struct exp_plugin *p, struct ds_dataset *ds, struct nn_err *err,
		const char *const *opts)
{
	cr_assert_eq(exp_plugin_open(p, NNLAB_BUILD_DIR "/plugins/ds_csv.so", err), 0, "%s", err->msg);
	cr_assert_eq(exp_plugin_set_options(p, NULL, err), NN_EINVAL); /* 'train' is required */
	p->nopts = 0;
	for (const struct ds_option *o = p->desc->options; o->name; o++) {
		p->opt_names[p->nopts] = o->name;
		p->opt_values[p->nopts] = o->default_value ? o->default_value : "";
		for (const char *const *kv = opts; *kv; kv += 2)
			if (!strcmp(kv[0], o->name))
				p->opt_values[p->nopts] = kv[1];
		p->nopts++;
	}
	p->max_bytes = max_bytes;
	return exp_plugin_load(p, ds, err);
}

static float feature(const struct ds_dataset *ds, const struct ds_split *s, size_t row, size_t j)
{
	return ((const float *)s->features)[row * ds->input_size + j];
}

Test(ds_csv, reads_quotes_crlf_bom_and_a_header)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	const char *train = file("train.csv",
		"\xef\xbb\xbf" "x,\"the label\",\"y, with comma\"\r\n"
		"1.5,\"b\"\"q\",2\r\n"
		"-3,a,4e1\r\n"
		"\"5\",c,\"6\"\r\n"
		"0,a,0");                      /* no newline at the end */
	const char *test = file("test.csv", "x,the label,\"y, with comma\"\n7,c,8\n\n");
	const char *opts[] = { "train", train, "test", test, "label", "the label", NULL };

	cr_assert_eq(load(&p, &ds, &err, opts), 0, "%s", err.msg);
	cr_assert_eq(ds.input_size, 2);
	cr_assert_eq(ds.feature_type, DS_FEATURE_F32);
	cr_assert_eq(ds.train.count, 4);
	cr_assert_eq(ds.test.count, 1);
	/* String labels become classes in byte order: a, b"q, c. */
	cr_assert_eq(ds.class_count, 3);
	cr_assert_str_eq(ds.class_names[0], "a");
	cr_assert_str_eq(ds.class_names[1], "b\"q");
	cr_assert_str_eq(ds.class_names[2], "c");
	int32_t want_y[4] = { 1, 0, 2, 0 };
	float want_x[4][2] = { { 1.5f, 2 }, { -3, 40 }, { 5, 6 }, { 0, 0 } };
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(ds.train.labels[i], want_y[i]);
		cr_assert_eq(feature(&ds, &ds.train, i, 0), want_x[i][0]);
		cr_assert_eq(feature(&ds, &ds.train, i, 1), want_x[i][1]);
	}
	cr_assert_eq(ds.test.labels[0], 2);
	cr_assert_eq(feature(&ds, &ds.test, 0, 1), 8.0f);
	exp_plugin_close(&p, &ds);
}

Test(ds_csv, integer_labels_without_header_and_other_delimiters)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	/* Column 0 is the row number, column 1 the label (each 3 times). */
	const int32_t label_of[9] = { 2, 0, 4, 2, 0, 4, 2, 0, 4 };
	const char *train = file("t.tsv", "0\t2\t9\n1\t0\t8\n2\t4\t7\n3\t2\t6\n4\t0\t5\n"
					  "5\t4\t4\n6\t2\t3\n7\t0\t2\n8\t4\t1\n");
	const char *opts[] = { "train", train, "label", "1", "delimiter", "tab", "test_fraction", "0.2",
			       "split_seed", "3", NULL };

	cr_assert_eq(load(&p, &ds, &err, opts), 0, "%s", err.msg);
	cr_assert_eq(ds.class_count, 5); /* labels 0, 2, 4: classes 0..4 */
	cr_assert_eq(ds.train.count, 7);
	cr_assert_eq(ds.test.count, 2);
	/* Every row is in exactly one split, with its own label. */
	int seen[9] = { 0 };
	for (int s = 0; s < 2; s++) {
		const struct ds_split *sp = s ? &ds.test : &ds.train;

		for (size_t i = 0; i < sp->count; i++) {
			int row = (int)feature(&ds, sp, i, 0);

			cr_assert_eq(sp->labels[i], label_of[row], "row %d", row);
			cr_assert_eq(feature(&ds, sp, i, 1), (float)(9 - row));
			seen[row]++;
		}
	}
	for (int i = 0; i < 9; i++)
		cr_assert_eq(seen[i], 1, "row %d seen %d times", i, seen[i]);
	/* The same seed picks the same rows again; another seed other rows. */
	float first = feature(&ds, &ds.test, 0, 0);
	exp_plugin_close(&p, &ds);
	cr_assert_eq(load(&p, &ds, &err, opts), 0);
	cr_assert_eq(feature(&ds, &ds.test, 0, 0), first);
	exp_plugin_close(&p, &ds);
	const char *other[] = { "train", train, "label", "1", "delimiter", "tab", "test_fraction", "0.2",
				"split_seed", "4", NULL };
	cr_assert_eq(load(&p, &ds, &err, other), 0);
	int differs = feature(&ds, &ds.test, 0, 0) != first ||
		      feature(&ds, &ds.test, 1, 0) != feature(&ds, &ds.train, 0, 0);
	cr_assert(differs);
	exp_plugin_close(&p, &ds);

	const char *semi = file("s.csv", "y;a;b\n1;2;3\n0;4;5\n");
	const char *opts2[] = { "train", semi, "test", semi, "delimiter", ";", "label", "y", NULL };
	cr_assert_eq(load(&p, &ds, &err, opts2), 0, "%s", err.msg);
	cr_assert_eq(ds.class_count, 2);
	cr_assert_eq(feature(&ds, &ds.train, 1, 1), 5.0f);
	exp_plugin_close(&p, &ds);
}

Test(ds_csv, numeric_rows_equal_to_the_label_position_are_data)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	/* The first row's label is 0 and a pixel is 0: still data, not a header. */
	const char *train = file("n.csv", "0,0,7\n1,5,0\n0,3,3\n");
	const char *opts[] = { "train", train, "test", train, NULL };

	cr_assert_eq(load(&p, &ds, &err, opts), 0, "%s", err.msg);
	cr_assert_eq(ds.train.count, 3);
	cr_assert_eq(ds.class_count, 2);
	cr_assert_eq(ds.train.labels[1], 1);
	cr_assert_eq(feature(&ds, &ds.train, 0, 1), 7.0f);
	exp_plugin_close(&p, &ds);
}

Test(ds_csv, scaling_uses_training_statistics)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	const char *train = file("a.csv", "l,v\n0,2\n1,4\n0,6\n");
	const char *test = file("b.csv", "l,v\n1,8\n");

	const char *mm[] = { "train", train, "test", test, "scale", "minmax", NULL };
	cr_assert_eq(load(&p, &ds, &err, mm), 0, "%s", err.msg);
	cr_assert_float_eq(feature(&ds, &ds.train, 0, 0), 0.0f, 1e-6);
	cr_assert_float_eq(feature(&ds, &ds.train, 1, 0), 0.5f, 1e-6);
	cr_assert_float_eq(feature(&ds, &ds.test, 0, 0), 1.5f, 1e-6); /* beyond the training range */
	exp_plugin_close(&p, &ds);

	const char *st[] = { "train", train, "test", test, "scale", "standardize", NULL };
	cr_assert_eq(load(&p, &ds, &err, st), 0, "%s", err.msg);
	double sd = sqrt(8.0 / 3.0);
	cr_assert_float_eq(feature(&ds, &ds.train, 0, 0), -2 / sd, 1e-5);
	cr_assert_float_eq(feature(&ds, &ds.test, 0, 0), 4 / sd, 1e-5);
	exp_plugin_close(&p, &ds);

	const char *dv[] = { "train", train, "test", test, "scale", "divide", "divisor", "4", NULL };
	cr_assert_eq(load(&p, &ds, &err, dv), 0, "%s", err.msg);
	cr_assert_float_eq(feature(&ds, &ds.test, 0, 0), 2.0f, 1e-6);
	exp_plugin_close(&p, &ds);
}

/* Loading train (and test, when given) fails with a message containing want. */
static void expect_error(const char *train_text, const char *test_text, const char *want,
			 const char *const *extra)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	const char *train = file("bad.csv", train_text);
	const char *test = test_text ? file("badtest.csv", test_text) : "";
	const char *opts[16] = { "train", train, "test", test };
	int n = 4;

	for (; extra && *extra; extra++)
		opts[n++] = *extra;
	opts[n] = NULL;
	cr_assert_lt(load(&p, &ds, &err, opts), 0, "loaded: %s", train_text);
	cr_assert(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
	exp_plugin_close(&p, &ds);
}

Test(ds_csv, bad_files_name_the_line_and_field)
{
	expect_error("y,a,b\n1,2,3\n0,4\n", NULL, "bad.csv:3: expected 3 fields, got 2", NULL);
	expect_error("y,a,b\n1,2,3\n0,x,5\n", NULL, "bad.csv:3: field 2 ('a'): 'x' is not a finite number", NULL);
	expect_error("y,a,b\n1,2,3\n0,nan,5\n", NULL, "bad.csv:3: field 2 ('a'): 'nan' is not a finite number", NULL);
	expect_error("1,2,3\n0,4,inf\n", NULL, "bad.csv:2: field 3: 'inf' is not a finite number", NULL);
	expect_error("", NULL, "bad.csv' is empty", NULL);
	expect_error("y,a\n", NULL, "bad.csv' has no data rows", NULL);
	expect_error("y,a\n1,2\n", "y,a\n7,3\n", "badtest.csv': label '7' of data row 1 does not occur in the training data", NULL);
	expect_error("y,a\ncat,2\n", "y,a\ndog,3\n", "label 'dog' of data row 1 does not occur", NULL);
	expect_error("y,a\n1,\"2\n", NULL, "bad.csv:2: a quoted field is not closed before the end of the file", NULL);
	expect_error("y,a\n1,2\n", "z,a\n1,2\n", "badtest.csv:1: the header differs from the training file's (column 1 is 'z', expected 'y')", NULL);
	const char *lab[] = { "label", "colour", NULL };
	expect_error("y,a\n1,2\n", NULL, "bad.csv:1: no label column 'colour' (a column name of the header, or a position 0-1)", lab);
	const char *del[] = { "delimiter", ";;", NULL };
	expect_error("y,a\n1,2\n", NULL, "option 'delimiter' must be one character (or 'tab'), got ';;'", del);

	/* A line longer than any sane limit. */
	size_t big = (1u << 20) + 100;
	char *text = malloc(big + 16);
	memcpy(text, "y,a\n1,", 6);
	memset(text + 6, '7', big);
	strcpy(text + 6 + big, "\n");
	expect_error(text, NULL, "bad.csv:2: the record is longer than 1048576 bytes", NULL);
	free(text);
}

Test(ds_csv, a_nul_byte_is_an_error_not_a_delimiter)
{
	/* "1,2\0 3,4,5" once parsed as five fields. */
	static const char text[] = "1,2,3,4,5\n1,2\0 3,4,5\n";
	char path[4300];
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };

	snprintf(path, sizeof(path), "%s/nul.csv", dir);
	th_write(path, text, sizeof(text) - 1);
	const char *opts[] = { "train", path, "test", "", NULL };
	cr_assert_lt(load(&p, &ds, &err, opts), 0);
	cr_assert(strstr(err.msg, "nul.csv:2: a NUL byte in field 2 (is this a text file?)"), "%s", err.msg);
	exp_plugin_close(&p, &ds);
}

Test(ds_csv, messages_show_a_quoted_newline_on_one_line_and_a_bad_divisor_by_name)
{
	expect_error("y,a\n1,\"2\n3\"\n", NULL, "bad.csv:2: field 2 ('a'): '2\\n3' is not a finite number", NULL);
	const char *tiny[] = { "scale", "divide", "divisor", "1e-300", NULL };
	expect_error("y,a\n1,2\n0,5\n", "y,a\n1,3\n",
		     "option 'divisor' is 1e-300: feature 1 of training row 1 becomes 2e+300, beyond single precision", tiny);
}

/* The iris layout of sklearn's files: a metadata row, then data. */
static const char iris[] =
	"6,4,setosa,versicolor,virginica\n"
	"5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4,0.2,0\n7.0,3.2,4.7,1.4,1\n"
	"6.4,3.2,4.5,1.5,1\n6.3,3.3,6.0,2.5,2\n5.8,2.7,5.1,1.9,2\n";

Test(ds_csv, gzipped_files_read_as_plain_ones)
{
	char plain[4300], gz[4300];
	struct exp_plugin p;
	struct ds_dataset a, b;
	struct nn_err err = { 0, "" };

	snprintf(plain, sizeof(plain), "%s/iris.csv", dir);
	snprintf(gz, sizeof(gz), "%s/iris.csv.gz", dir);
	th_write_maybe_gz(plain, iris, strlen(iris), 0);
	th_write_maybe_gz(gz, iris, strlen(iris), 1);
	const char *o1[] = { "train", plain, "test", plain, "skip_rows", "1", "label", "4", NULL };
	const char *o2[] = { "train", gz, "test", gz, "skip_rows", "1", "label", "4", NULL };
	cr_assert_eq(load(&p, &a, &err, o1), 0, "%s", err.msg);
	struct exp_plugin q;
	cr_assert_eq(load(&q, &b, &err, o2), 0, "%s", err.msg);
	cr_assert_eq(a.train.count, 6);
	cr_assert_eq(b.train.count, 6);
	cr_assert_eq(b.input_size, 4);
	cr_assert_eq(b.class_count, 3);
	cr_assert_eq(memcmp(a.train.features, b.train.features, 6 * 4 * sizeof(float)), 0);
	cr_assert_float_eq(feature(&b, &b.train, 2, 0), 7.0f, 1e-6);
	cr_assert_eq(b.train.labels[4], 2);
	exp_plugin_close(&p, &a);
	exp_plugin_close(&q, &b);

	/* A damaged .gz is an error naming the file. */
	size_t len;
	char *bytes = th_read(gz, &len);
	th_write(gz, bytes, len / 2);
	free(bytes);
	cr_assert_lt(load(&q, &b, &err, o2), 0);
	cr_assert(strstr(err.msg, "cannot read '") && strstr(err.msg, "iris.csv.gz': "), "%s", err.msg);
	exp_plugin_close(&q, &b);
}

Test(ds_csv, a_label_that_is_both_a_name_and_a_position_must_be_chosen)
{
	/* With the metadata row as the header, '4' names column 1 and is
	 * position 4: that once silently took column 1. */
	const char *header[] = { "header", "true", "label", "4", NULL };
	expect_error(iris, iris,
		     "option 'label' is '4': in '", header);
	expect_error(iris, iris,
		     "bad.csv' that is the header name of column 1 and the position of column 4; write 'name:4' or 'position:4' to choose",
		     header);
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	const char *train = file("i.csv", iris);
	const char *pos[] = { "train", train, "test", train, "header", "true", "label", "position:4", NULL };
	cr_assert_eq(load(&p, &ds, &err, pos), 0, "%s", err.msg);
	cr_assert_eq(ds.class_count, 3);
	exp_plugin_close(&p, &ds);
	const char *neg[] = { "skip_rows", "-1", NULL };
	expect_error(iris, iris, "option 'skip_rows' must be 0 or more", neg);
}

/* A small .gz that inflates far past the memory limit (a 1.5 MB file once
 * took nnlab to 3.1 GB) stops at the limit, naming the file and line. */
Test(ds_csv, a_gzip_bomb_stops_at_the_memory_limit)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	char path[4300];

	snprintf(path, sizeof(path), "%s/bomb.csv.gz", dir);
	gzFile g = gzopen(path, "wb9");
	cr_assert_not_null(g);
	gzputs(g, "y,a,b,c,d\n");
	for (int i = 0; i < 400000; i++)
		gzputs(g, "1,0,0,0,0\n");
	cr_assert_eq(gzclose(g), Z_OK);
	max_bytes = 4 << 20;
	const char *opts[] = { "train", path, "label", "y", NULL };
	cr_assert_lt(load(&p, &ds, &err, opts), 0);
	max_bytes = 0;
	/* 4 floats, a row pointer and a label's allocation: 56 bytes a row,
	 * so the limit falls inside the rows (the table doubles at 1024 *
	 * 2^k rows, and its labels count one by one). */
	char want[4400];
	snprintf(want, sizeof(want), "%s:", path);
	cr_assert(strstr(err.msg, want) == err.msg, "%s", err.msg);
	cr_assert(strstr(err.msg, ": reading stopped here: the data read so far takes more than 4.0 MiB, the memory limit (NNLAB_MAX_MEMORY)"),
		  "%s", err.msg);
	size_t line = strtoul(err.msg + strlen(want), NULL, 10);
	cr_assert(line > 10000 && line < 400002, "line %zu", line);
	exp_plugin_close(&p, &ds);
	/* Without a limit it loads. */
	cr_assert_eq(load(&p, &ds, &err, opts), 0, "%s", err.msg);
	cr_assert_eq(ds.train.count + ds.test.count, 400000);
	exp_plugin_close(&p, &ds);
}
