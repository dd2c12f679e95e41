#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_plugin.h"
#include "helpers.h"

#define PLUGIN NNLAB_BUILD_DIR "/plugins/ds_mnist.so"

static char dir[4096];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
}

/* Opens the plugin through dlopen and loads dir; returns the load result. */
static int load_dir(struct exp_plugin *p, struct ds_dataset *ds, struct nn_err *err)
{
	int rc = exp_plugin_open(p, PLUGIN, err);

	cr_assert_eq(rc, 0, "%s", err->msg);
	p->nopts = 3;
	p->opt_names[0] = "dir";
	p->opt_values[0] = dir;
	p->opt_names[1] = "train_prefix";
	p->opt_values[1] = "train";
	p->opt_names[2] = "test_prefix";
	p->opt_values[2] = "t10k";
	return exp_plugin_load(p, ds, err);
}

static void write_file(const char *name, const unsigned char *data, size_t len, int gz)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	th_write_maybe_gz(path, data, len, gz);
}

static void check_good(int gz)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };

	th_write_mnist(dir, 30, 12, 5, 7, gz, 11);
	cr_assert_eq(load_dir(&p, &ds, &err), 0, "%s", err.msg);
	cr_assert_str_eq(p.desc->name, "mnist");
	/* 5 rows of 7 columns: a width read from the rows would show. */
	cr_assert_eq(ds.input_size, 35);
	cr_assert_eq(ds.class_count, 10);
	cr_assert_eq(ds.image_width, 7);
	cr_assert_eq(ds.image_height, 5);
	cr_assert_eq(ds.feature_type, DS_FEATURE_U8);
	cr_assert_float_eq(ds.feature_scale, 1.0f / 255.0f, 1e-9);
	cr_assert_eq(ds.train.count, 30);
	cr_assert_eq(ds.test.count, 12);
	/* The helper lights row (label mod 5) of each image fully: 7 pixels. */
	const uint8_t *px = ds.train.features;
	for (size_t i = 0; i < ds.train.count; i++) {
		int32_t label = ds.train.labels[i];

		cr_assert(label >= 0 && label < 10);
		for (size_t c = 0; c < 7; c++)
			cr_assert_geq(px[i * 35 + (size_t)(label % 5) * 7 + c], 200);
	}
	exp_plugin_close(&p, &ds);
}

TestSuite(ds_mnist, .init = setup);

Test(ds_mnist, loads_raw_files)
{
	check_good(0);
}

Test(ds_mnist, loads_gzip_files)
{
	check_good(1);
}

/* Writes good files, then replaces one with the given bytes, and expects
 * load to fail with a message containing want. */
static void expect_failure(const char *name, const unsigned char *data, size_t len, int gz,
			   const char *want)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	char path[4200];

	th_write_mnist(dir, 20, 10, 4, 3, 0, 5);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	remove(path);
	write_file(gz ? strcat(strcpy(path, name), ".gz") : name, data, len, gz);
	cr_assert_lt(load_dir(&p, &ds, &err), 0, "load succeeded on bad '%s'", name);
	cr_assert(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
	cr_assert(strstr(err.msg, dir), "message '%s' does not name the file", err.msg);
	exp_plugin_close(&p, &ds);
}

static unsigned char *labels_file(uint32_t n, const uint8_t *labels, size_t *len)
{
	uint32_t dims[1] = { n };

	return th_idx(0x08, 1, dims, labels, n, len);
}

Test(ds_mnist, rejects_wrong_magic)
{
	uint8_t l[10] = { 0 };
	size_t len;
	unsigned char *f = labels_file(10, l, &len);

	f[0] = 0x1f;
	expect_failure("t10k-labels-idx1-ubyte", f, len, 0, "bad magic 0x1f000801");
	free(f);
}

Test(ds_mnist, rejects_wrong_type_code)
{
	uint8_t l[10] = { 0 };
	size_t len;
	unsigned char *f = labels_file(10, l, &len);

	f[2] = 0x0d; /* float */
	expect_failure("t10k-labels-idx1-ubyte", f, len, 0, "type code 0x0d, expected 0x08");
	free(f);
}

Test(ds_mnist, rejects_truncated_file)
{
	uint8_t px[10 * 16] = { 0 };
	uint32_t dims[3] = { 10, 4, 4 };
	size_t len;
	unsigned char *f = th_idx(0x08, 3, dims, px, sizeof(px), &len);

	expect_failure("t10k-images-idx3-ubyte", f, len - 7, 0,
		       "is truncated: its header promises 160 bytes of data");
	free(f);
}

Test(ds_mnist, rejects_truncated_header)
{
	uint8_t px[1] = { 0 };
	uint32_t dims[3] = { 10, 4, 4 };
	size_t len;
	unsigned char *f = th_idx(0x08, 3, dims, px, 0, &len);

	expect_failure("t10k-images-idx3-ubyte", f, 9, 0, "is truncated: the header has");
	free(f);
}

Test(ds_mnist, rejects_extra_bytes)
{
	uint8_t l[11] = { 0 };
	size_t len;
	uint32_t dims[1] = { 10 };
	unsigned char *f = th_idx(0x08, 1, dims, l, 11, &len);

	expect_failure("t10k-labels-idx1-ubyte", f, len, 0, "has data past the 10 bytes");
	free(f);
}

Test(ds_mnist, rejects_count_mismatch)
{
	uint8_t l[9] = { 0 };
	size_t len;
	unsigned char *f = labels_file(9, l, &len);

	expect_failure("t10k-labels-idx1-ubyte", f, len, 0, "holds 10 images but");
	free(f);
}

Test(ds_mnist, rejects_overflowing_dimensions)
{
	uint32_t dims[3] = { 0xffffffffu, 0xffffffffu, 0xffffffffu };
	size_t len;
	unsigned char *f = th_idx(0x08, 3, dims, "", 0, &len);

	expect_failure("t10k-images-idx3-ubyte", f, len, 0, "implausible dimensions");
	free(f);
	/* An absurd item count is blamed as such, not the 28 x 28. */
	uint32_t absurd[3] = { 100000000u, 28, 28 };
	f = th_idx(0x08, 3, absurd, "", 0, &len);
	expect_failure("t10k-images-idx3-ubyte", f, len, 0,
		       "has implausible dimensions in its header: 100000000 items of 28 x 28 bytes make 78400000000 bytes, more than the 17179869184 an idx file may hold");
	free(f);
	uint32_t zero[3] = { 10, 0, 28 };
	f = th_idx(0x08, 3, zero, "", 0, &len);
	expect_failure("t10k-images-idx3-ubyte", f, len, 0, "has a zero dimension in its header (dimension 2 of 3)");
	free(f);
}

Test(ds_mnist, rejects_label_out_of_range)
{
	uint8_t l[10] = { 0, 1, 2, 3, 4, 5, 6, 10, 8, 9 };
	size_t len;
	unsigned char *f = labels_file(10, l, &len);

	expect_failure("t10k-labels-idx1-ubyte", f, len, 0, "label 10 of item 8 is out of range 0-9");
	free(f);
}

/* Replaces the test images with a .gz that is damaged (every third byte of
 * the deflate stream flipped) or cut in half, and expects load to fail
 * with want. */
static void expect_gzip_failure(int truncate, const char *want)
{
	uint8_t px[10 * 16];
	uint32_t dims[3] = { 10, 4, 4 };
	size_t len, glen;
	char path[4200];
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };

	for (size_t i = 0; i < sizeof(px); i++)
		px[i] = (uint8_t)(i * 37);
	unsigned char *f = th_idx(0x08, 3, dims, px, sizeof(px), &len);
	th_write_mnist(dir, 20, 10, 4, 3, 0, 5);
	snprintf(path, sizeof(path), "%s/t10k-images-idx3-ubyte", dir);
	remove(path);
	strcat(path, ".gz");
	th_write_maybe_gz(path, f, len, 1);
	char *g = th_read(path, &glen);
	if (!truncate)
		for (size_t i = 12; i < glen - 8; i += 3)
			g[i] ^= 0x5a;
	th_write(path, g, truncate ? glen / 2 : glen);
	cr_assert_lt(load_dir(&p, &ds, &err), 0);
	cr_assert(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
	exp_plugin_close(&p, &ds);
	free(f);
	free(g);
}

Test(ds_mnist, rejects_corrupt_gzip)
{
	expect_gzip_failure(0, "t10k-images-idx3-ubyte.gz': corrupt gzip data (");
}

Test(ds_mnist, rejects_truncated_gzip)
{
	expect_gzip_failure(1, "t10k-images-idx3-ubyte.gz' is truncated");
}

Test(ds_mnist, reports_missing_files)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	char want[8400];

	cr_assert_lt(load_dir(&p, &ds, &err), 0);
	snprintf(want, sizeof(want), "cannot open '%s/train-images-idx3-ubyte.gz' or '%s/train-images-idx3-ubyte': No such file or directory "
		 "('make data' fetches MNIST into data/mnist, 'sh scripts/fetch-mnist.sh DIR' anywhere)", dir, dir);
	cr_assert_str_eq(err.msg, want);
	exp_plugin_close(&p, &ds);
	/* A directory that is not there: said so. */
	size_t len = strlen(dir);
	cr_assert_lt(len + 9, sizeof(dir));
	memcpy(dir + len, "/nowhere", 9);
	cr_assert_lt(load_dir(&p, &ds, &err), 0);
	dir[len] = '\0';
	cr_assert(strstr(err.msg, "No such file or directory (there is no such directory: 'make data' fetches MNIST"), "%s",
		  err.msg);
	exp_plugin_close(&p, &ds);
}

Test(ds_mnist, loads_fashion_mnist_when_installed)
{
	const char *fashion = "/usr/share/datasets/fashion-mnist";
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };

	if (access("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", R_OK) != 0)
		cr_skip_test("Debian's dataset-fashion-mnist is not installed");
	snprintf(dir, sizeof(dir), "%s", fashion);
	cr_assert_eq(load_dir(&p, &ds, &err), 0, "%s", err.msg);
	cr_assert_eq(ds.train.count, 60000);
	cr_assert_eq(ds.test.count, 10000);
	cr_assert_eq(ds.input_size, 784);
	size_t count[10] = { 0 };
	for (size_t i = 0; i < ds.test.count; i++)
		count[ds.test.labels[i]]++;
	for (int c = 0; c < 10; c++)
		cr_assert_eq(count[c], 1000, "class %d", c); /* Fashion-MNIST's test set is balanced */
	exp_plugin_close(&p, &ds);
}

/* The host's memory limit bounds what the idx headers may promise. */
Test(ds_mnist, headers_promising_more_than_the_memory_limit_are_refused)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };

	/* 2,000 images of 28 x 28: 1.5 MiB; a limit of 1 MiB. */
	th_write_mnist(dir, 2000, 10, 28, 28, 0, 5);
	cr_assert_eq(exp_plugin_open(&p, PLUGIN, &err), 0, "%s", err.msg);
	p.nopts = 3;
	p.opt_names[0] = "dir";
	p.opt_values[0] = dir;
	p.opt_names[1] = "train_prefix";
	p.opt_values[1] = "train";
	p.opt_names[2] = "test_prefix";
	p.opt_values[2] = "t10k";
	p.max_bytes = 1 << 20;
	cr_assert_lt(exp_plugin_load(&p, &ds, &err), 0);
	cr_assert(strstr(err.msg, "train-images-idx3-ubyte': its header promises data of 1.5 MiB, more than the 1.0 MiB left of the memory limit (NNLAB_MAX_MEMORY)"),
		  "%s", err.msg);
	p.max_bytes = 2 << 20;
	cr_assert_eq(exp_plugin_load(&p, &ds, &err), 0, "%s", err.msg);
	exp_plugin_close(&p, &ds);
}

/* With NNLAB_DATA_CACHE, gzip files are decoded once into the cache and
 * read back from it with the same bytes; a cache file cut short is read
 * from the source again (and rewritten); a changed source gets a new
 * cache file; raw files are never cached. */
Test(ds_mnist, the_decoded_cache_gives_the_same_data_and_survives_damage)
{
	struct exp_plugin p;
	struct ds_dataset ds;
	struct nn_err err = { 0, "" };
	char cache[4200], cmd[20000], *listing;
	uint8_t first[30 * 35];

	snprintf(cache, sizeof(cache), "%s/cache", dir);
	setenv("NNLAB_DATA_CACHE", cache, 1);
	th_write_mnist(dir, 30, 12, 5, 7, 1, 11);
	cr_assert_eq(load_dir(&p, &ds, &err), 0, "%s", err.msg);
	memcpy(first, ds.train.features, sizeof(first));
	exp_plugin_close(&p, &ds);
	/* Four files, the images 16 + 30 * 35 bytes. */
	snprintf(cmd, sizeof(cmd), "ls '%s' | wc -l > '%s/n' && find '%s' -size %dc | wc -l >> '%s/n'", cache, dir, cache,
		 16 + 30 * 35, dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/n", dir);
	listing = th_read(cmd, NULL);
	cr_assert_str_eq(listing, "4\n1\n");
	free(listing);
	/* From the cache: the same pixels. Then each cache file cut short. */
	for (int round = 0; round < 2; round++) {
		cr_assert_eq(load_dir(&p, &ds, &err), 0, "%s", err.msg);
		cr_assert_eq(memcmp(first, ds.train.features, sizeof(first)), 0, "round %d", round);
		exp_plugin_close(&p, &ds);
		if (round > 0)
			break;
		snprintf(cmd, sizeof(cmd), "for f in '%s'/idx-*; do truncate -s 9 \"$f\"; done", cache);
		cr_assert_eq(system(cmd), 0);
	}
	/* Rewritten whole after the damaged round. */
	snprintf(cmd, sizeof(cmd), "find '%s' -size %dc | wc -l > '%s/n'", cache, 16 + 30 * 35, dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/n", dir);
	listing = th_read(cmd, NULL);
	cr_assert_str_eq(listing, "1\n");
	free(listing);
	/* New sources (another seed, a later time): new names beside the old. */
	sleep(1);
	th_write_mnist(dir, 30, 12, 5, 7, 1, 12);
	cr_assert_eq(load_dir(&p, &ds, &err), 0, "%s", err.msg);
	cr_assert_neq(memcmp(first, ds.train.features, sizeof(first)), 0);
	exp_plugin_close(&p, &ds);
	snprintf(cmd, sizeof(cmd), "ls '%s' | wc -l > '%s/n'", cache, dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/n", dir);
	listing = th_read(cmd, NULL);
	cr_assert_str_eq(listing, "8\n");
	free(listing);
	unsetenv("NNLAB_DATA_CACHE");
}
