#include "exp_data.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exp_fs.h"
#include "exp_env.h"

static int check_split(const struct ds_dataset *ds, const struct ds_split *s,
		       const char *which, const char *plugin, struct nn_err *err)
{
	if (s->count > 0 && (!s->features || !s->labels))
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned a %s split without data",
				 plugin, which);
	if (s->count > UINT32_MAX)
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned %zu %s examples, at most %u are supported",
				 plugin, s->count, which, UINT32_MAX);
	for (size_t i = 0; i < s->count; i++)
		if (s->labels[i] < 0 || (size_t)s->labels[i] >= ds->class_count)
			return nn_errorf(err, NN_EFORMAT,
					 "plugin '%s': %s example %zu has label %d, outside 0-%zu",
					 plugin, which, i + 1, s->labels[i], ds->class_count - 1);
	return 0;
}

static int check_dataset(const struct ds_dataset *ds, const char *plugin, struct nn_err *err)
{
	int rc;

	if (ds->input_size == 0 || ds->class_count == 0)
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned %zu features and %zu classes",
				 plugin, ds->input_size, ds->class_count);
	if (ds->feature_type != DS_FEATURE_U8 && ds->feature_type != DS_FEATURE_F32)
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned unknown feature type %d",
				 plugin, ds->feature_type);
	if (!isfinite(ds->feature_scale))
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned a non-finite feature scale",
				 plugin);
	if (ds->train.count == 0)
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' returned no training examples", plugin);
	if ((rc = check_split(ds, &ds->train, "training", plugin, err)) < 0 ||
	    (rc = check_split(ds, &ds->test, "test", plugin, err)) < 0)
		return rc;
	return 0;
}

static struct nn_data view(const struct ds_dataset *ds, const struct ds_split *s)
{
	struct nn_data d = {
		.x = s->features,
		.type = ds->feature_type == DS_FEATURE_U8 ? NN_U8 : NN_F32,
		.scale = ds->feature_scale,
		.labels = s->labels,
		.n = s->count,
		.dim = ds->input_size,
	};
	return d;
}

/* The book's expand_mnist: each image, then copies shifted one pixel down,
 * up, right and left, the pixels shifted in set to 0; then, as
 * expand_mnist.py does, the whole set is shuffled once (by the run's
 * seed), so a run with train.shuffle false (network3.py's way) does not
 * meet an image and its four shifts in a row. */
#define EXPAND_STREAM 0x657870616e64ull  /* "expand": its own stream of the seed */

static int expand(struct exp_data *d, const struct exp_config *cfg, struct nn_err *err)
{
	size_t w = d->ds.image_width, h = d->ds.image_height, dim = d->train.dim;
	size_t n = d->train.n;
	char loc[512];

	if (d->train.type != NN_U8 || w * h != dim || w < 2 || h < 2)
		return nn_errorf(err, NN_EINVAL, "%s: 'expand' needs images of bytes, but plugin '%s' gives %zu features (%zux%zu)",
				 exp_config_where(cfg, "data", "expand", loc, sizeof(loc)),
				 cfg->data.plugin, dim, w, h);
	if (n > UINT32_MAX / 5)
		return nn_errorf(err, NN_EINVAL, "%s: 'expand' of %zu examples is too many",
				 exp_config_where(cfg, "data", "expand", loc, sizeof(loc)), n);
	d->expanded = malloc(n * 5 * dim);
	d->expanded_labels = malloc(n * 5 * sizeof(int32_t));
	if (!d->expanded || !d->expanded_labels)
		return nn_errorf(err, NN_ENOMEM, "out of memory expanding %zu training images", n);
	const uint8_t *src = d->train.x;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *img = src + i * dim;
		uint8_t *out = d->expanded + i * 5 * dim;

		memcpy(out, img, dim);
		memset(out + dim, 0, 4 * dim);
		for (size_t y = 0; y < h; y++) {
			for (size_t x = 0; x < w; x++) {
				uint8_t p = img[y * w + x];

				if (y + 1 < h)
					out[1 * dim + (y + 1) * w + x] = p;  /* down */
				if (y > 0)
					out[2 * dim + (y - 1) * w + x] = p;  /* up */
				if (x + 1 < w)
					out[3 * dim + y * w + x + 1] = p;    /* right */
				if (x > 0)
					out[4 * dim + y * w + x - 1] = p;    /* left */
			}
		}
		for (int k = 0; k < 5; k++)
			d->expanded_labels[i * 5 + (size_t)k] = d->train.labels[i];
	}
	/* Fisher-Yates over whole rows, in place. */
	struct nn_rng rng;
	uint8_t *row = malloc(dim);
	if (!row)
		return nn_errorf(err, NN_ENOMEM, "out of memory expanding %zu training images", n);
	nn_rng_init(&rng, cfg->seed ^ EXPAND_STREAM);
	for (size_t j = n * 5; j-- > 1;) {
		size_t k = (size_t)nn_rng_below(&rng, j + 1);
		int32_t label = d->expanded_labels[j];

		memcpy(row, d->expanded + j * dim, dim);
		memcpy(d->expanded + j * dim, d->expanded + k * dim, dim);
		memcpy(d->expanded + k * dim, row, dim);
		d->expanded_labels[j] = d->expanded_labels[k];
		d->expanded_labels[k] = label;
	}
	free(row);
	d->train.x = d->expanded;
	d->train.labels = d->expanded_labels;
	d->train.n = n * 5;
	return 0;
}

int exp_data_open(struct exp_data *d, const struct exp_config *cfg, struct nn_err *err)
{
	char path[4200], loc[512];
	int rc;

	memset(d, 0, sizeof(*d));
	if (cfg->data.plugin_file) {
		snprintf(path, sizeof(path), "%s", cfg->data.plugin_file);
	} else if ((rc = exp_plugin_find(cfg->data.plugin, path, sizeof(path), err)) < 0) {
		char msg[NN_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		return nn_errorf(err, NN_EINVAL, "%s: %s",
				 exp_config_where(cfg, "data", "plugin", loc, sizeof(loc)), msg);
	}
	if ((rc = exp_plugin_open(&d->plugin, path, err)) < 0)
		return rc;
	if ((rc = exp_env_memory_limit(&d->plugin.max_bytes, err)) < 0 ||
	    (rc = exp_plugin_set_options(&d->plugin, cfg->data.options, err)) < 0 ||
	    (rc = exp_plugin_load(&d->plugin, &d->ds, err)) < 0 ||
	    (rc = check_dataset(&d->ds, cfg->data.plugin, err)) < 0)
		goto fail;

	size_t total = d->ds.train.count;
	if (cfg->data.validation_size >= total) {
		rc = nn_errorf(err, NN_EINVAL, "%s: 'validation_size' is %zu but the training split has only %zu examples",
			       exp_config_where(cfg, "data", "validation_size", loc, sizeof(loc)),
			       cfg->data.validation_size, total);
		goto fail;
	}
	size_t train_n = total - cfg->data.validation_size;
	if (cfg->data.train_size >= 0) {
		if ((size_t)cfg->data.train_size > train_n) {
			rc = nn_errorf(err, NN_EINVAL, "%s: 'train_size' is %ld but only %zu examples remain after %zu held out for validation",
				       exp_config_where(cfg, "data", "train_size", loc, sizeof(loc)),
				       cfg->data.train_size, train_n, cfg->data.validation_size);
			goto fail;
		}
		train_n = (size_t)cfg->data.train_size;
	}
	struct nn_data all = view(&d->ds, &d->ds.train);
	d->train = nn_data_slice(&all, 0, train_n);
	d->validation = nn_data_slice(&all, total - cfg->data.validation_size, cfg->data.validation_size);
	d->test = view(&d->ds, &d->ds.test);
	if (exp_data_eval(d, cfg)->n == 0) {
		rc = nn_errorf(err, NN_EINVAL, "%s: the %s split of plugin '%s' is empty",
			       exp_config_where(cfg, "data", "eval", loc, sizeof(loc)),
			       exp_config_split_name(cfg->data.eval), cfg->data.plugin);
		goto fail;
	}
	if (cfg->data.expand && (rc = expand(d, cfg, err)) < 0)
		goto fail;
	return 0;
fail:
	exp_data_close(d);
	return rc;
}

void exp_data_close(struct exp_data *d)
{
	if (!d)
		return;
	free(d->expanded);
	free(d->expanded_labels);
	d->expanded = NULL;
	d->expanded_labels = NULL;
	exp_plugin_close(&d->plugin, &d->ds);
}

const struct nn_data *exp_data_eval(const struct exp_data *d, const struct exp_config *cfg)
{
	return cfg->data.eval == EXP_SPLIT_TEST ? &d->test : &d->validation;
}
