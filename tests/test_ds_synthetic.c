/* The synthetic plugin through real dlopen, and that its data are learnable. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_plugin.h"
#include "helpers.h"

static int load(struct exp_plugin *p, struct ds_dataset *ds, const char *kind, const char *seed,
		struct nn_err *err)
{
	char dir[4096], path[4200], text[256];
	struct exp_node *opts;
	int rc;

	cr_assert_eq(exp_plugin_open(p, NNLAB_BUILD_DIR "/plugins/ds_synthetic.so", err), 0, "%s", err->msg);
	th_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/o.yaml", dir);
	snprintf(text, sizeof(text), "kind: %s\nseed: %s\ntrain_size: 300\ntest_size: 50\n", kind, seed);
	th_write_str(path, text);
	opts = exp_yaml_load_file(path, path, err);
	cr_assert_eq(exp_plugin_set_options(p, opts, err), 0, "%s", err->msg);
	rc = exp_plugin_load(p, ds, err);
	exp_node_free(opts);
	return rc;
}

static size_t bytes(const struct ds_dataset *ds, const struct ds_split *s)
{
	return s->count * ds->input_size * (ds->feature_type == DS_FEATURE_U8 ? 1 : sizeof(float));
}

Test(ds_synthetic, same_seed_same_bytes_other_seed_other_bytes)
{
	const char *kinds[] = { "blobs", "spirals", "xor", "checkerboard", "digits" };
	const size_t dims[] = { 2, 2, 2, 2, 784 };
	const size_t classes[] = { 3, 3, 2, 2, 10 };

	for (int k = 0; k < 5; k++) {
		struct exp_plugin p1, p2, p3;
		struct ds_dataset a, b, c;
		struct nn_err err = { 0, "" };

		cr_assert_eq(load(&p1, &a, kinds[k], "7", &err), 0, "%s", err.msg);
		cr_assert_eq(load(&p2, &b, kinds[k], "7", &err), 0, "%s", err.msg);
		cr_assert_eq(load(&p3, &c, kinds[k], "8", &err), 0, "%s", err.msg);
		cr_assert_eq(a.input_size, dims[k], "%s", kinds[k]);
		cr_assert_eq(a.class_count, classes[k], "%s", kinds[k]);
		cr_assert_eq(a.train.count, 300);
		cr_assert_eq(a.test.count, 50);
		cr_assert_eq(memcmp(a.train.features, b.train.features, bytes(&a, &a.train)), 0, "%s", kinds[k]);
		cr_assert_eq(memcmp(a.test.labels, b.test.labels, 50 * sizeof(int32_t)), 0, "%s", kinds[k]);
		cr_assert_neq(memcmp(a.train.features, c.train.features, bytes(&a, &a.train)), 0, "%s", kinds[k]);
		/* Every class occurs. */
		int seen[10] = { 0 };
		for (size_t i = 0; i < a.train.count; i++)
			seen[a.train.labels[i]]++;
		for (size_t j = 0; j < classes[k]; j++)
			cr_assert_gt(seen[j], 0, "%s: class %zu never drawn", kinds[k], j);
		exp_plugin_close(&p1, &a);
		exp_plugin_close(&p2, &b);
		exp_plugin_close(&p3, &c);
	}
}

Test(ds_synthetic, digits_are_images_with_ink)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };

	cr_assert_eq(load(&p, &ds, "digits", "1", &err), 0, "%s", err.msg);
	cr_assert_eq(ds.image_width, 28);
	cr_assert_eq(ds.image_height, 28);
	cr_assert_eq(ds.feature_type, DS_FEATURE_U8);
	const uint8_t *px = ds.train.features;
	for (size_t i = 0; i < 20; i++) {
		size_t ink = 0;

		for (size_t j = 0; j < 784; j++)
			ink += px[i * 784 + j] > 200;
		/* A 1 has two strokes, an 8 seven: from ~25 to ~150 dark pixels. */
		cr_assert(ink > 15 && ink < 250, "image %zu (a %d) has %zu inked pixels", i,
			  ds.train.labels[i], ink);
	}
	exp_plugin_close(&p, &ds);
}

/* A small net learns blobs and spirals to high accuracy in a few seconds. */
static size_t learn(const char *kind, const char *layers)
{
	char dir[4096], cfg[4200], out[4200], text[1024], f[64];
	char *csv;

	th_tmpdir(dir, sizeof(dir));
	snprintf(cfg, sizeof(cfg), "%s/c.yaml", dir);
	snprintf(out, sizeof(out), "%s/r", dir);
	snprintf(text, sizeof(text),
		 "data:\n  plugin: synthetic\n  options:\n    kind: %s\n    train_size: 5000\n    test_size: 1000\n"
		 "model:\n  layers: %s\n  activation: relu\n  output: softmax\n  init: scaled\n"
		 "train:\n  epochs: 20\n  eta: 0.1\n  cost: log_likelihood\n", kind, layers);
	th_write_str(cfg, text);
	const char *argv[] = { "run", cfg, "--out", out, "--quiet", NULL };
	cr_assert_eq(th_nnlab(NULL, NULL, argv), 0);
	snprintf(out, sizeof(out), "%s/r/metrics.csv", dir);
	csv = th_read(out, NULL);
	size_t correct = strtoul(th_csv(csv, th_csv_rows(csv) - 1, "eval_correct", f, sizeof(f)), NULL, 10);
	free(csv);
	return correct;
}

Test(ds_synthetic, blobs_and_spirals_are_learnable, .timeout = 60)
{
	cr_assert_geq(learn("blobs", "[2, 16, 3]"), 980);
	cr_assert_geq(learn("spirals", "[2, 64, 3]"), 880);
}

/* The host's memory limit bounds what the options ask for. */
Test(ds_synthetic, sizes_past_the_memory_limit_are_refused)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	char dir[4096], path[4200];
	struct exp_node *opts;

	cr_assert_eq(exp_plugin_open(&p, NNLAB_BUILD_DIR "/plugins/ds_synthetic.so", &err), 0, "%s", err.msg);
	th_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/o.yaml", dir);
	th_write_str(path, "kind: blobs\ndims: 1000\ntrain_size: 1000\ntest_size: 48\n");
	opts = exp_yaml_load_file(path, path, &err);
	cr_assert_eq(exp_plugin_set_options(&p, opts, &err), 0, "%s", err.msg);
	/* 1,048 examples of 1,000 floats and a label: 4.0 MiB. */
	p.max_bytes = 4e6;
	cr_assert_lt(exp_plugin_load(&p, &ds, &err), 0);
	cr_assert_str_eq(err.msg, "1000 training and 48 test examples of 1000 features take 4.0 MiB, more than the memory limit of 3.8 MiB (NNLAB_MAX_MEMORY)");
	p.max_bytes = 5e6;
	cr_assert_eq(exp_plugin_load(&p, &ds, &err), 0, "%s", err.msg);
	exp_plugin_close(&p, &ds);
	exp_node_free(opts);
}
