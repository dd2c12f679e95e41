#include "exp_model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exp_env.h"

/* The input of the config's model: the shape its layers name, else the
 * plugin's images (height x width, one channel), else a vector. */
static struct nn_shape data_input(const struct exp_config *cfg, const struct exp_data *d)
{
	size_t w = d->ds.image_width, h = d->ds.image_height;

	if (nn_shape_size(cfg->model.input))
		return cfg->model.input;
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
		if (cfg->model.dropout > 0 && s->kind == NN_FC && i + 1 < count && n < NN_MAX_LAYERS)
			specs[n++] = (struct nn_spec){ .kind = NN_DROPOUT, .p = (float)cfg->model.dropout };
	}
	if (n == NN_MAX_LAYERS && count + 1 < NN_MAX_LAYERS) {
		nn_errorf(err, NN_EINVAL, "'%s' with 'dropout' makes more than %d layers", cfg->model.from,
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
	int set_act = exp_config_has(cfg, "model", "activation");
	int set_out = exp_config_has(cfg, "model", "output");
	size_t count = nn_model_layer_count(file), j = 0;
	enum nn_act hidden = NN_SIGMOID;
	char loc[512];

	if (!nn_model_acts_recorded(file)) {
		for (size_t i = 0; i < n; i++)
			if (nn_layer_kind_of(specs[i].kind)->activates)
				specs[i].act = i + 1 == n ? cfg->model.output : cfg->model.activation;
		return 0;
	}
	for (size_t i = 0; i + 1 < count; i++)
		if (nn_model_layer(file, i)->kind->activates) {
			hidden = nn_model_layer(file, i)->spec.act;
			if (set_act && cfg->model.activation != hidden)
				return nn_errorf(err, NN_EINVAL, "%s: 'activation' is '%s' but '%s' was trained with '%s'",
						 exp_config_where(cfg, "model", "activation", loc, sizeof(loc)), nn_act_name(cfg->model.activation),
						 cfg->model.from, nn_act_name(hidden));
		}
	if (set_out && cfg->model.output != nn_model_output_act(file))
		return nn_errorf(err, NN_EINVAL, "%s: 'output' is '%s' but '%s' was trained with '%s'",
				 exp_config_where(cfg, "model", "output", loc, sizeof(loc)), nn_act_name(cfg->model.output), cfg->model.from,
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

	if (exp_env_memory_limit(&limit, err) < 0)
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

size_t exp_model_batch(const struct exp_config *cfg)
{
	return cfg->train.batch_size > EXP_EVAL_BATCH ? cfg->train.batch_size : EXP_EVAL_BATCH;
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

	if (exp_env_memory_limit(&limit, err) < 0)
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
	if (cfg->model.from) {
		/* Read for one example: only its layers and parameters count. */
		if (!(p->file = read_model(cfg->model.from, 1, err)))
			return err ? err->code : NN_EFORMAT;
		if (cfg->model.nitems && !same_layers(cfg->model.items, cfg->model.nitems, p->file)) {
			nn_errorf(err, NN_EINVAL, "%s: 'layers' disagrees with the layers in '%s'", loc, cfg->model.from);
			goto fail;
		}
	}
	if (cfg->model.nitems) {
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
	where = cfg->model.from ? cfg->model.from : loc;
	if (nn_shape_size(p->input) != d->ds.input_size || p->specs[p->n - 1].size != d->ds.class_count) {
		nn_errorf(err, NN_EINVAL,
			  "%s: the model maps %zu inputs to %zu outputs, but plugin '%s' gives %zu features and %zu classes",
			  where, nn_shape_size(p->input), p->specs[p->n - 1].size, cfg->data.plugin,
			  d->ds.input_size, d->ds.class_count);
		goto fail;
	}
	/* Shapes and memory: nothing is allocated for a model that cannot
	 * run. */
	if ((p->bytes = nn_model_plan(p->specs, p->n, p->input, max_batch, p->layers, &bad, err)) < 0) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		if (cfg->model.nitems) {
			nn_errorf(err, NN_EINVAL, "%s: model.layers[%zu] '%s': %s",
				  exp_config_item_where(cfg, map[bad], loc, sizeof(loc)), map[bad],
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
	p->cost = cfg->train.cost;
	if (p->file && !exp_config_has(cfg, "train", "cost"))
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
	if (exp_env_threads(cfg, &threads, err) < 0 ||
	    !(m = nn_model_create(p.specs, p.n, p.input, max_batch, err)) ||
	    nn_model_set_threads(m, threads, err) < 0)
		goto fail;
	if (p.file) {
		if (nn_model_copy_params(m, p.file, err) < 0)
			goto fail;
	} else if (cfg->model.init == EXP_INIT_SCALED) {
		nn_model_init_scaled(m, rng);
	} else if (cfg->model.init == EXP_INIT_NETWORK3) {
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

	cfg->train.cost = nn_model_cost(m);
	cfg->train.threads = nn_model_threads(m);
	cfg->model.output = nn_model_output_act(m);
	cfg->model.input = nn_model_input_shape(m);
	cfg->model.nlayers = nn_model_dense_sizes(m, cfg->model.layers, NN_MAX_LAYERS + 1, &hidden);
	cfg->model.dense = cfg->model.nlayers > 0 && (cfg->model.dense || !cfg->model.nitems);
	if (cfg->model.nlayers)
		cfg->model.activation = hidden;
	cfg->model.nitems = 0;
	for (size_t i = 0; i < count; i++) {
		const struct nn_layer *l = nn_model_layer(m, i);

		/* model.dropout's layers, which the config adds again. */
		if (cfg->model.dropout > 0 && l->spec.kind == NN_DROPOUT && i > 0 &&
		    nn_model_layer(m, i - 1)->spec.kind == NN_FC)
			continue;
		cfg->model.item_index[cfg->model.nitems] = cfg->model.nitems;
		cfg->model.items[cfg->model.nitems++] = l->spec;
	}
}

/* The regularisation term the book's network2.py adds to a reported cost
 * (total_cost): lambda/(2n) sum w^2 (+ lambda_1/n sum |w|), n the size of
 * the data being scored, so the test cost of a figure is the book's. (The
 * update uses the training-set size: see nn_train_epoch.) */
double exp_model_reg_cost(const struct nn_model *m, const struct exp_config *cfg, size_t n)
{
	double sq, ab;

	if (cfg->train.l2 == 0.0 && cfg->train.l1 == 0.0)
		return 0.0;
	nn_model_weight_norms(m, &sq, &ab);
	return cfg->train.l2 / (2.0 * (double)n) * sq + cfg->train.l1 / (double)n * ab;
}
