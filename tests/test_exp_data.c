#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exp_data.h"
#include "helpers.h"
#include "exp_env.h"

static char dir[4096];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
	/* This test program is not beside the plugins, as nnlab is. */
	setenv("NNLAB_PLUGIN_PATH", NNLAB_BUILD_DIR "/plugins", 1);
}

TestSuite(exp_data, .init = setup);

static void load(struct exp_config *cfg, struct exp_data *d, const char *extra)
{
	char path[4300], text[8192];
	struct nn_err err = { 0, "" };

	th_write_mnist(dir, 30, 10, 5, 6, 0, 3);
	snprintf(text, sizeof(text),
		 "data:\n  options:\n    dir: %s\n  validation_size: 10\n%s"
		 "model:\n  layers: [30, 10]\n", dir, extra);
	snprintf(path, sizeof(path), "%s/c.yaml", dir);
	th_write_str(path, text);
	cr_assert_eq(exp_config_load(cfg, path, NULL, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(exp_data_open(d, cfg, &err), 0, "%s", err.msg);
}

Test(exp_data, splits_hold_out_validation_from_the_end)
{
	struct exp_config cfg;
	struct exp_data d;

	load(&cfg, &d, "  train_size: 15\n");
	cr_assert_eq(d.train.n, 15);
	cr_assert_eq(d.validation.n, 10);
	cr_assert_eq(d.test.n, 10);
	/* Validation is examples 20-29 of the 30, training 0-14. */
	cr_assert_eq(d.validation.labels, d.ds.train.labels + 20);
	cr_assert_eq(d.train.labels, d.ds.train.labels);
	exp_data_close(&d);
	exp_config_fini(&cfg);
}

Test(exp_data, expand_adds_four_one_pixel_shifts)
{
	struct exp_config cfg;
	struct exp_data d;

	load(&cfg, &d, "  expand: true\n");
	cr_assert_eq(d.train.n, 20 * 5);
	cr_assert_eq(d.validation.n, 10);
	const uint8_t *orig = d.ds.train.features;
	const uint8_t *x = d.train.x;
	/* Images of H 5 rows and W 6 columns: a shift along the wrong side
	 * of a square image would look right. */
	enum { H = 5, W = 6, N = H * W };
	uint8_t want[5 * N];
	int found[100] = { 0 }, in_order = 1;
	/* Each image and its four shifts, found once each in the shuffled set. */
	for (size_t i = 0; i < 20; i++) {
		const uint8_t *src = orig + i * N;

		memcpy(want, src, N);
		for (size_t y = 0; y < H; y++) {
			for (size_t c = 0; c < W; c++) {
				want[N + y * W + c] = y ? src[(y - 1) * W + c] : 0;               /* down */
				want[2 * N + y * W + c] = y < H - 1 ? src[(y + 1) * W + c] : 0;   /* up */
				want[3 * N + y * W + c] = c ? src[y * W + c - 1] : 0;             /* right */
				want[4 * N + y * W + c] = c < W - 1 ? src[y * W + c + 1] : 0;     /* left */
			}
		}
		for (size_t k = 0; k < 5; k++) {
			size_t hits = 0, at = 0;

			for (size_t j = 0; j < 100; j++)
				if (!found[j] && !memcmp(x + j * N, want + k * N, N) &&
				    d.train.labels[j] == d.ds.train.labels[i]) {
					hits++;
					at = j;
				}
			cr_assert_geq(hits, 1, "image %zu shift %zu is missing", i, k);
			found[at] = 1;
			in_order &= at == i * 5 + k;
		}
	}
	cr_assert_not(in_order, "the expanded set is shuffled once, as expand_mnist.py does");
	/* The same seed gives the same order. */
	struct exp_config cfg2;
	struct exp_data d2;
	load(&cfg2, &d2, "  expand: true\n");
	cr_assert_eq(memcmp(d2.train.x, d.train.x, 100 * N), 0);
	exp_data_close(&d2);
	exp_config_fini(&cfg2);
	exp_data_close(&d);
	exp_config_fini(&cfg);
}

static double limit_of(const char *v, struct nn_err *err)
{
	double bytes = -1;

	setenv("NNLAB_MAX_MEMORY", v, 1);
	if (exp_env_memory_limit(&bytes, err) < 0)
		bytes = -1;
	unsetenv("NNLAB_MAX_MEMORY");
	return bytes;
}

Test(exp_data, memory_limit_sizes_and_the_ones_refused)
{
	struct nn_err err = { 0, "" };

	cr_assert_eq(limit_of("1M", &err), 1048576.0);
	cr_assert_eq(limit_of("16G", &err), 16.0 * 1073741824.0);
	cr_assert_eq(limit_of("1.5g", &err), 1.5 * 1073741824.0);
	cr_assert_eq(limit_of("2048k", &err), 2097152.0);
	cr_assert_eq(limit_of("3000000", &err), 3000000.0);
	cr_assert_eq(limit_of("16777215T", &err), 16777215.0 * 1099511627776.0);
	/* Values that overflow a size, hex, exponents and words. */
	const char *bad[] = { "99999999999999999999T", "16777216T", "1e30", "0x100000", "inf", "nan",
			      "1MB", "-5G", "lots", "M", "1 G" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(limit_of(bad[i], &err), -1.0, "%s accepted", bad[i]);
		char want[200];
		snprintf(want, sizeof(want), "NNLAB_MAX_MEMORY is '%s': expected a size from 1M to below 16777216T (2^64 bytes), such as 16G", bad[i]);
		cr_assert_str_eq(err.msg, want);
	}
	cr_assert_eq(limit_of("1023K", &err), -1.0, "below 1M");
	cr_assert_eq(limit_of("", &err), EXP_DEFAULT_MAX_MEMORY);
}
