#include "exp_data.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exp_fs.h"

const char *exp_config_where(const struct exp_config *cfg, const char *section,
			     const char *key, char *buf, size_t len)
{
	const struct exp_node *n = exp_node_get(exp_node_get(cfg->tree, section), key);

	if (n)
		return exp_node_where(n, buf, len);
	snprintf(buf, len, "%s: default %s.%s", cfg->path, section, key);
	return buf;
}

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
				 cfg->plugin, dim, w, h);
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
	if (cfg->plugin_file) {
		snprintf(path, sizeof(path), "%s", cfg->plugin_file);
	} else if ((rc = exp_plugin_find(cfg->plugin, path, sizeof(path), err)) < 0) {
		char msg[NN_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		return nn_errorf(err, NN_EINVAL, "%s: %s",
				 exp_config_where(cfg, "data", "plugin", loc, sizeof(loc)), msg);
	}
	if ((rc = exp_plugin_open(&d->plugin, path, err)) < 0)
		return rc;
	if ((rc = exp_memory_limit(&d->plugin.max_bytes, err)) < 0 ||
	    (rc = exp_plugin_set_options(&d->plugin, cfg->options, err)) < 0 ||
	    (rc = exp_plugin_load(&d->plugin, &d->ds, err)) < 0 ||
	    (rc = check_dataset(&d->ds, cfg->plugin, err)) < 0)
		goto fail;

	size_t total = d->ds.train.count;
	if (cfg->validation_size >= total) {
		rc = nn_errorf(err, NN_EINVAL, "%s: 'validation_size' is %zu but the training split has only %zu examples",
			       exp_config_where(cfg, "data", "validation_size", loc, sizeof(loc)),
			       cfg->validation_size, total);
		goto fail;
	}
	size_t train_n = total - cfg->validation_size;
	if (cfg->train_size >= 0) {
		if ((size_t)cfg->train_size > train_n) {
			rc = nn_errorf(err, NN_EINVAL, "%s: 'train_size' is %ld but only %zu examples remain after %zu held out for validation",
				       exp_config_where(cfg, "data", "train_size", loc, sizeof(loc)),
				       cfg->train_size, train_n, cfg->validation_size);
			goto fail;
		}
		train_n = (size_t)cfg->train_size;
	}
	struct nn_data all = view(&d->ds, &d->ds.train);
	d->train = nn_data_slice(&all, 0, train_n);
	d->validation = nn_data_slice(&all, total - cfg->validation_size, cfg->validation_size);
	d->test = view(&d->ds, &d->ds.test);
	if (exp_data_eval(d, cfg)->n == 0) {
		rc = nn_errorf(err, NN_EINVAL, "%s: the %s split of plugin '%s' is empty",
			       exp_config_where(cfg, "data", "eval", loc, sizeof(loc)),
			       exp_split_name(cfg->eval), cfg->plugin);
		goto fail;
	}
	if (cfg->expand && (rc = expand(d, cfg, err)) < 0)
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
	return cfg->eval == EXP_SPLIT_TEST ? &d->test : &d->validation;
}

int exp_memory_limit(double *bytes, struct nn_err *err)
{
	const char *v = getenv("NNLAB_MAX_MEMORY"), *unit;
	double x;

	*bytes = EXP_DEFAULT_MAX_MEMORY;
	if (!v || !*v)
		return 0;
	/* Digits, a point and one unit letter only: strtod alone would also
	 * take hex, exponents and "inf". */
	unit = v + strspn(v, "0123456789.");
	if (unit == v || (*unit && (!strchr("kKmMgGtT", *unit) || unit[1])))
		goto bad;
	x = strtod(v, NULL);
	switch (*unit) {
	case 'k': case 'K': x *= 1024; break;
	case 'm': case 'M': x *= 1024.0 * 1024; break;
	case 'g': case 'G': x *= 1024.0 * 1024 * 1024; break;
	case 't': case 'T': x *= 1024.0 * 1024 * 1024 * 1024; break;
	}
	/* A size_t counts the bytes: 2^64 and more would overflow. */
	if (!isfinite(x) || x < 1024 * 1024 || x >= 18446744073709551616.0)
		goto bad;
	*bytes = x;
	return 0;
bad:
	return nn_errorf(err, NN_EINVAL, "NNLAB_MAX_MEMORY is '%s': expected a size from 1M to below 16777216T (2^64 bytes), such as 16G", v);
}

/* The input of the config's model: the shape its layers name, else the
 * plugin's images (height x width, one channel), else a vector. */
static struct nn_shape data_input(const struct exp_config *cfg, const struct exp_data *d)
{
	size_t w = d->ds.image_width, h = d->ds.image_height;

	if (nn_shape_size(cfg->input))
		return cfg->input;
	if (w && h && w * h == d->ds.input_size)
		return (struct nn_shape){ h, w, 1 };
	return (struct nn_shape){ 1, 1, d->ds.input_size };
}

/* The layers to run a saved model with: its own, with model.dropout's
 * layers after its hidden fc layers. */
static size_t file_specs(const struct exp_config *cfg, const struct nn_model *file,
			 struct nn_spec *specs, struct nn_err *err)
{
	size_t n = 0, count = nn_model_layer_count(file);

	for (size_t i = 0; i < count; i++) {
		const struct nn_spec *s = &nn_model_layer(file, i)->spec;

		if (n == NN_MAX_LAYERS)
			break;
		specs[n++] = *s;
		if (cfg->dropout > 0 && s->kind == NN_FC && i + 1 < count && n < NN_MAX_LAYERS)
			specs[n++] = (struct nn_spec){ .kind = NN_DROPOUT, .p = (float)cfg->dropout };
	}
	if (n == NN_MAX_LAYERS && count + 1 < NN_MAX_LAYERS) {
		nn_errorf(err, NN_EINVAL, "'%s' with 'dropout' makes more than %d layers", cfg->from,
			  NN_MAX_LAYERS);
		return 0;
	}
	return n;
}

/* Whether the config's layers (dropout aside) are the file's: the same
 * kinds and sizes; the activations the caller checks. */
static int same_layers(const struct nn_spec *a, size_t na, const struct nn_model *file)
{
	size_t j = 0, nb = nn_model_layer_count(file);

	for (size_t i = 0; i < na; i++) {
		const struct nn_spec *b;

		if (a[i].kind == NN_DROPOUT)
			continue;
		while (j < nb && nn_model_layer(file, j)->spec.kind == NN_DROPOUT)
			j++;
		if (j == nb)
			return 0;
		b = &nn_model_layer(file, j++)->spec;
		if (a[i].kind != b->kind || a[i].size != b->size || a[i].kernel != b->kernel)
			return 0;
	}
	while (j < nb && nn_model_layer(file, j)->spec.kind == NN_DROPOUT)
		j++;
	return j == nb;
}

/* Refuses a config that names activations other than those a saved model
 * was trained with (a ReLU net scored as a sigmoid one gives a wrong
 * number without a word); a file that names none (network2.py's) takes
 * the config's. */
static int check_acts(const struct exp_config *cfg, const struct nn_model *file,
		      struct nn_spec *specs, size_t n, struct nn_err *err)
{
	const struct exp_node *model_sec = exp_node_get(cfg->tree, "model");
	const struct exp_node *set_act = exp_node_get(model_sec, "activation");
	const struct exp_node *set_out = exp_node_get(model_sec, "output");
	size_t count = nn_model_layer_count(file), j = 0;
	enum nn_act hidden = NN_SIGMOID;
	char loc[512];

	if (!nn_model_acts_recorded(file)) {
		for (size_t i = 0; i < n; i++)
			if (nn_layer_kind_of(specs[i].kind)->activates)
				specs[i].act = i + 1 == n ? cfg->output : cfg->activation;
		return 0;
	}
	for (size_t i = 0; i + 1 < count; i++)
		if (nn_model_layer(file, i)->kind->activates) {
			hidden = nn_model_layer(file, i)->spec.act;
			if (set_act && cfg->activation != hidden)
				return nn_errorf(err, NN_EINVAL, "%s: 'activation' is '%s' but '%s' was trained with '%s'",
						 exp_node_where(set_act, loc, sizeof(loc)), nn_act_name(cfg->activation),
						 cfg->from, nn_act_name(hidden));
		}
	if (set_out && cfg->output != nn_model_output_act(file))
		return nn_errorf(err, NN_EINVAL, "%s: 'output' is '%s' but '%s' was trained with '%s'",
				 exp_node_where(set_out, loc, sizeof(loc)), nn_act_name(cfg->output), cfg->from,
				 nn_act_name(nn_model_output_act(file)));
	/* The run uses the file's activations. */
	for (size_t i = 0; i < n; i++) {
		if (specs[i].kind == NN_DROPOUT)
			continue;
		while (j < count && nn_model_layer(file, j)->spec.kind == NN_DROPOUT)
			j++;
		specs[i].act = nn_model_layer(file, j++)->spec.act;
	}
	return 0;
}

struct model_file {
	FILE *f;
	const char *path;
};

static long read_model_bytes(void *ctx, char *buf, size_t cap, struct nn_err *err)
{
	struct model_file *mf = ctx;
	size_t n = fread(buf, 1, cap, mf->f);

	if (n == 0 && ferror(mf->f))
		return nn_errorf(err, NN_EIO, "cannot read '%s': %s", mf->path, strerror(errno));
	return (long)n;
}

/* Reads a model file, parsing it as it comes in: a device or a file that
 * is no model is refused at its first wrong byte. */
static struct nn_model *read_model(const char *path, size_t max_batch, struct nn_err *err)
{
	struct model_file mf = { NULL, path };
	struct nn_model *m;
	struct stat st;
	double limit;

	if (exp_memory_limit(&limit, err) < 0)
		return NULL;
	if (!(mf.f = fopen(path, "rb"))) {
		nn_errorf(err, NN_EIO, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(mf.f), &st) == 0 && S_ISDIR(st.st_mode)) {
		nn_errorf(err, NN_EINVAL, "'%s' is a directory, not a model file (such as DIR/best.json)", path);
		fclose(mf.f);
		return NULL;
	}
	m = nn_model_read_json_stream(read_model_bytes, &mf, path, max_batch, limit, err);
	fclose(mf.f);
	return m;
}

int exp_threads(const struct exp_config *cfg, size_t *threads, struct nn_err *err)
{
	const char *v = getenv("NNLAB_THREADS");
	size_t cores = nn_team_cores();

	if (cfg->threads) {
		*threads = cfg->threads;
		return 0;
	}
	if (v && *v) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno || *end || end == v || n < 1 || n > NN_TEAM_MAX)
			return nn_errorf(err, NN_EINVAL, "NNLAB_THREADS is '%s': expected 1 to %d", v, NN_TEAM_MAX);
		*threads = n;
		return 0;
	}
	*threads = cores < NN_TEAM_MAX ? cores : NN_TEAM_MAX;
	return 0;
}

size_t exp_model_batch(const struct exp_config *cfg)
{
	return cfg->batch_size > EXP_EVAL_BATCH ? cfg->batch_size : EXP_EVAL_BATCH;
}

void exp_model_plan_fini(struct exp_model_plan *p)
{
	nn_model_destroy(p->file);
	p->file = NULL;
}

/* bytes in MiB below a GiB, else in GiB. */
static const char *size_text(double bytes, char *buf, size_t len)
{
	if (bytes < 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.2f MiB", bytes / (1 << 20));
	else
		snprintf(buf, len, "%.1f GiB", bytes / (1 << 30));
	return buf;
}

/* Refuses a plan's model for the memory limit: "where: the model needs". */
static int check_memory(const struct exp_model_plan *p, const char *where, struct nn_err *err)
{
	char need[32], most[32];
	double limit;

	if (exp_memory_limit(&limit, err) < 0)
		return NN_EINVAL;
	if (p->bytes > limit)
		return nn_errorf(err, NN_EINVAL,
				 "%s: the model needs %s (parameters, gradients, momentum and buffers for batches of %zu), more than the limit of %s; set NNLAB_MAX_MEMORY (such as NNLAB_MAX_MEMORY=64G) to raise it",
				 where, size_text(p->bytes, need, sizeof(need)), p->max_batch,
				 size_text(limit, most, sizeof(most)));
	return 0;
}

int exp_model_plan(struct exp_model_plan *p, const struct exp_config *cfg,
		   const struct exp_data *d, size_t max_batch, struct nn_err *err)
{
	size_t map[NN_MAX_LAYERS], bad;
	char loc[512], what[64];
	const char *where;
	int rc = NN_EINVAL;

	memset(p, 0, sizeof(*p));
	p->max_batch = max_batch;
	exp_config_where(cfg, "model", "layers", loc, sizeof(loc));
	if (cfg->from) {
		/* Read for one example: only its layers and parameters count. */
		if (!(p->file = read_model(cfg->from, 1, err)))
			return err ? err->code : NN_EFORMAT;
		if (cfg->nitems && !same_layers(cfg->items, cfg->nitems, p->file)) {
			nn_errorf(err, NN_EINVAL, "%s: 'layers' disagrees with the layers in '%s'", loc, cfg->from);
			goto fail;
		}
	}
	if (cfg->nitems) {
		if (!(p->n = exp_config_specs(cfg, p->specs, map, err)))
			goto fail;
		p->input = p->file ? nn_model_input_shape(p->file) : data_input(cfg, d);
	} else {
		if (!(p->n = file_specs(cfg, p->file, p->specs, err)))
			goto fail;
		p->input = nn_model_input_shape(p->file);
	}
	if (p->file && check_acts(cfg, p->file, p->specs, p->n, err) < 0)
		goto fail;
	where = cfg->from ? cfg->from : loc;
	if (nn_shape_size(p->input) != d->ds.input_size || p->specs[p->n - 1].size != d->ds.class_count) {
		nn_errorf(err, NN_EINVAL,
			  "%s: the model maps %zu inputs to %zu outputs, but plugin '%s' gives %zu features and %zu classes",
			  where, nn_shape_size(p->input), p->specs[p->n - 1].size, cfg->plugin,
			  d->ds.input_size, d->ds.class_count);
		goto fail;
	}
	/* Shapes and memory: nothing is allocated for a model that cannot
	 * run. */
	if ((p->bytes = nn_model_plan(p->specs, p->n, p->input, max_batch, p->layers, &bad, err)) < 0) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		if (cfg->nitems) {
			const struct exp_node *l = exp_node_get(exp_node_get(cfg->tree, "model"), "layers");
			const struct exp_node *item = l && l->kind == EXP_SEQ && map[bad] < l->count ? l->items[map[bad]] : l;

			nn_errorf(err, NN_EINVAL, "%s: model.layers[%zu] '%s': %s",
				  item ? exp_node_where(item, loc, sizeof(loc)) : loc, map[bad],
				  nn_spec_format(&p->specs[bad], what, sizeof(what)), msg);
		} else {
			nn_errorf(err, NN_EINVAL, "%s: layer %zu: %s", where, bad, msg);
		}
		goto fail;
	}
	if ((rc = check_memory(p, where, err)) < 0)
		goto fail;
	for (size_t i = 0; i < p->n; i++)
		p->params += p->layers[i].nw + p->layers[i].nb;
	/* A saved model keeps the cost it names unless the config sets one. */
	p->cost = cfg->cost;
	if (p->file && !exp_node_get(exp_node_get(cfg->tree, "train"), "cost"))
		p->cost = nn_model_cost(p->file);
	return 0;
fail:
	exp_model_plan_fini(p);
	return rc;
}

struct nn_model *exp_model_make(const struct exp_config *cfg, const struct exp_data *d,
				size_t max_batch, struct nn_rng *rng, struct nn_err *err)
{
	struct exp_model_plan p;
	struct nn_model *m = NULL;
	size_t threads;

	if (exp_model_plan(&p, cfg, d, max_batch, err) < 0)
		return NULL;
	if (exp_threads(cfg, &threads, err) < 0 ||
	    !(m = nn_model_create(p.specs, p.n, p.input, max_batch, err)) ||
	    nn_model_set_threads(m, threads, err) < 0)
		goto fail;
	if (p.file) {
		if (nn_model_copy_params(m, p.file, err) < 0)
			goto fail;
	} else if (cfg->init == EXP_INIT_SCALED) {
		nn_model_init_scaled(m, rng);
	} else if (cfg->init == EXP_INIT_NETWORK3) {
		nn_model_init_network3(m, rng);
	} else {
		nn_model_init_large(m, rng);
	}
	nn_model_set_cost(m, p.cost);
	exp_model_plan_fini(&p);
	return m;
fail:
	exp_model_plan_fini(&p);
	nn_model_destroy(m);
	return NULL;
}

void exp_model_resolve(struct exp_config *cfg, const struct nn_model *m)
{
	size_t count = nn_model_layer_count(m);
	enum nn_act hidden;

	cfg->cost = nn_model_cost(m);
	cfg->threads = nn_model_threads(m);
	cfg->output = nn_model_output_act(m);
	cfg->input = nn_model_input_shape(m);
	cfg->nlayers = nn_model_dense_sizes(m, cfg->layers, NN_MAX_LAYERS + 1, &hidden);
	cfg->dense = cfg->nlayers > 0 && (cfg->dense || !cfg->nitems);
	if (cfg->nlayers)
		cfg->activation = hidden;
	cfg->nitems = 0;
	for (size_t i = 0; i < count; i++) {
		const struct nn_layer *l = nn_model_layer(m, i);

		/* model.dropout's layers, which the config adds again. */
		if (cfg->dropout > 0 && l->spec.kind == NN_DROPOUT && i > 0 &&
		    nn_model_layer(m, i - 1)->spec.kind == NN_FC)
			continue;
		cfg->item_index[cfg->nitems] = cfg->nitems;
		cfg->items[cfg->nitems++] = l->spec;
	}
}

/* The regularisation term the book's network2.py adds to a reported cost
 * (total_cost): lambda/(2n) sum w^2 (+ lambda_1/n sum |w|), n the size of
 * the data being scored, so the test cost of a figure is the book's. (The
 * update uses the training-set size: see nn_train_epoch.) */
double exp_reg_cost(const struct nn_model *m, const struct exp_config *cfg, size_t n)
{
	double sq, ab;

	if (cfg->l2 == 0.0 && cfg->l1 == 0.0)
		return 0.0;
	nn_model_weight_norms(m, &sq, &ab);
	return cfg->l2 / (2.0 * (double)n) * sq + cfg->l1 / (double)n * ab;
}
