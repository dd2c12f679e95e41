/* Model files. A net network2.py computes (fully connected sigmoid
 * layers, dropout aside, with the quadratic or cross-entropy cost) is
 * written in the JSON format of network2.py, with the keys network2.py
 * ignores ("activation", "output"); any other net (relu or tanh units, a
 * softmax output, the log-likelihood cost, conv and pooling layers) in
 * nnlab's superset, which has no "sizes" key, so that network2.py refuses
 * it rather than computing another net from it:
 *   {"format": "nnlab-layers-1", "input": [C, H, W],
 *    "layers": ["conv 20x5x5 sigmoid", "pool 2", "fc 100 sigmoid", "fc 10 softmax"],
 *    "weights": [...], "biases": [...], "cost": "LogLikelihoodCost"}
 * with one weights and one biases entry per layer with parameters: conv
 * kernels nested (maps, channels, k, k), fc weights as rows (out, in) with
 * the inputs of an image stack in (channel, row, column) order, biases as
 * flat lists. */
#include "nn_model.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "nn_fmt.h"
#include "nn_json.h"

#define FORMAT "nnlab-layers-1"

/* Text for a file gathered in a buffer: a model's millions of numbers
 * cost one fwrite per 16 KB, not one fprintf each. */
struct out {
	FILE *f;
	size_t len;
	char buf[16384];
};

static void out_flush(struct out *o)
{
	fwrite(o->buf, 1, o->len, o->f);
	o->len = 0;
}

/* Appends s (a few bytes). */
static void out_text(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n > sizeof(o->buf))
		out_flush(o);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void out_float(struct out *o, float v)
{
	if (o->len + NN_FMT_FLOAT_LEN > sizeof(o->buf))
		out_flush(o);
	o->len += nn_fmt_float(o->buf + o->len, v);
}

/* Writes the weights of l nested by its file dimensions, in file order. */
static void write_nested(struct out *o, const struct nn_layer *l, const size_t *dims, size_t nd,
			 size_t *fi)
{
	out_text(o, "[");
	for (size_t i = 0; i < dims[0]; i++) {
		if (i)
			out_text(o, ", ");
		if (nd > 1) {
			write_nested(o, l, dims + 1, nd - 1, fi);
		} else {
			out_float(o, l->w[l->kind->file_index(l, *fi)]);
			(*fi)++;
		}
	}
	out_text(o, "]");
}

static void write_params(FILE *f, const struct nn_model *m, int column_biases)
{
	struct out o = { .f = f };
	size_t k = 0;

	out_text(&o, "\"weights\": [");
	for (size_t i = 0; i < m->nlayers; i++) {
		const struct nn_layer *l = &m->layers[i];
		size_t dims[4], nd, fi = 0;

		if (!l->nw)
			continue;
		nd = l->kind->file_dims(l, dims);
		out_text(&o, k++ ? ", " : "");
		write_nested(&o, l, dims, nd, &fi);
	}
	out_text(&o, "], \"biases\": [");
	k = 0;
	for (size_t i = 0; i < m->nlayers; i++) {
		const struct nn_layer *l = &m->layers[i];

		if (!l->nw)
			continue;
		out_text(&o, k++ ? ", [" : "[");
		/* network2.py keeps each bias as a one-element column row. */
		for (size_t j = 0; j < l->nb; j++) {
			out_text(&o, j ? ", " : "");
			out_text(&o, column_biases ? "[" : "");
			out_float(&o, l->b[j]);
			out_text(&o, column_biases ? "]" : "");
		}
		out_text(&o, "]");
	}
	out_text(&o, "]");
	out_flush(&o);
}

int nn_model_write_json(const struct nn_model *m, FILE *f, const char *name,
			struct nn_err *err)
{
	size_t sizes[NN_MAX_LAYERS + 1], n;
	enum nn_act hidden;
	char what[96];

	if (nn_model_nonfinite(m, what, sizeof(what)))
		return nn_errorf(err, NN_EFORMAT, "refusing to write '%s': %s", name, what);
	/* network2.py's format for exactly the nets network2.py computes;
	 * any other in the superset, which network2.py refuses. */
	n = nn_model_dense_sizes(m, sizes, NN_MAX_LAYERS + 1, &hidden);
	if (n && hidden == NN_SIGMOID && nn_model_output_act(m) == NN_SIGMOID &&
	    (m->cost == NN_QUADRATIC || m->cost == NN_CROSS_ENTROPY)) {
		fputs("{\"sizes\": [", f);
		for (size_t l = 0; l < n; l++)
			fprintf(f, "%s%zu", l ? ", " : "", sizes[l]);
		fputs("], ", f);
		write_params(f, m, 1);
		/* Extra keys, which network2.py ignores: how to run the net. */
		fprintf(f, ", \"cost\": \"%s\", \"activation\": \"%s\", \"output\": \"%s\"}\n",
			nn_cost_class_name(m->cost), nn_act_name(hidden),
			nn_act_name(nn_model_output_act(m)));
	} else {
		fprintf(f, "{\"format\": \"%s\", \"input\": [%zu, %zu, %zu], \"layers\": [", FORMAT,
			m->input.c, m->input.h, m->input.w);
		for (size_t i = 0; i < m->nlayers; i++)
			fprintf(f, "%s\"%s\"", i ? ", " : "",
				nn_spec_format(&m->layers[i].spec, what, sizeof(what)));
		fputs("], ", f);
		write_params(f, m, 0);
		fprintf(f, ", \"cost\": \"%s\"}\n", nn_cost_class_name(m->cost));
	}
	if (ferror(f))
		return nn_errorf(err, NN_EIO, "cannot write '%s': %s", name, strerror(errno));
	return 0;
}

static int bad(struct nn_err *err, const char *name, const struct nn_json *v,
	       const char *what)
{
	return nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: %s", name, v->line, v->col, what);
}

/* Checks that v is an array of count items. */
static int expect_array(const struct nn_json *v, size_t count, const char *name,
			const char *what, struct nn_err *err)
{
	if (v->type != NN_JSON_ARRAY)
		return nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: %s: expected an array",
				 name, v->line, v->col, what);
	if (v->count != count)
		return nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: %s: expected %zu items, got %zu",
				 name, v->line, v->col, what, count, v->count);
	return 0;
}

/* Item i of array a as a float. A number in an array of numbers has no
 * place of its own: the message names the array's and the item. */
static int get_float(const struct nn_json *a, size_t i, float *out, const char *name,
		     struct nn_err *err)
{
	struct nn_json tmp;
	const struct nn_json *v = nn_json_item(a, i, &tmp);

	if (v->type != NN_JSON_NUMBER)
		return bad(err, name, v, "expected a number");
	if (!isfinite(v->number) || fabs(v->number) > 3.4e38) {
		if (a->numbers)
			return nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: item %zu of this array: number out of range for float",
					 name, a->line, a->col, i);
		return bad(err, name, v, "number out of range for float");
	}
	*out = (float)v->number;
	return 0;
}

/* Item i of array a (what names it: "sizes"), a positive integer of at
 * most 2^24. */
static int get_count(const struct nn_json *a, size_t i, size_t *out, const char *name,
		     const char *what, struct nn_err *err)
{
	struct nn_json tmp;
	const struct nn_json *v = nn_json_item(a, i, &tmp);

	if (v->type != NN_JSON_NUMBER || v->number < 1 || v->number > (1 << 24) ||
	    v->number != floor(v->number))
		return nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: %s[%zu]: expected a positive integer",
				 name, v->line, v->col, what, i);
	*out = (size_t)v->number;
	return 0;
}

/* Checks that v nests arrays of dims (what names it: "weights[1]"). */
static int check_nested(const struct nn_json *v, const size_t *dims, size_t nd, char *what,
			size_t len, const char *name, struct nn_err *err)
{
	size_t n = strlen(what);
	int rc;

	if ((rc = expect_array(v, dims[0], name, what, err)) < 0)
		return rc;
	for (size_t i = 0; nd > 1 && i < dims[0]; i++) {
		snprintf(what + n, len - n, "[%zu]", i);
		struct nn_json tmp;

		if ((rc = check_nested(nn_json_item(v, i, &tmp), dims + 1, nd - 1, what, len, name, err)) < 0)
			return rc;
	}
	what[n] = 0;
	return 0;
}

static int read_nested(struct nn_layer *l, const struct nn_json *v, size_t nd, size_t *fi,
		       const char *name, struct nn_err *err)
{
	int rc;

	for (size_t i = 0; i < v->count; i++) {
		if (nd > 1) {
			rc = read_nested(l, &v->items[i], nd - 1, fi, name, err);  /* checked: nodes */
		} else {
			rc = get_float(v, i, &l->w[l->kind->file_index(l, *fi)], name, err);
			(*fi)++;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Checks the shapes of "weights" and "biases" against the planned layers,
 * before the model is allocated: a short file cannot claim a huge model. */
static int check_shapes(const struct nn_json *root, const struct nn_layer *layers, size_t n,
			const char *name, struct nn_err *err)
{
	const struct nn_json *ws = nn_json_get(root, "weights");
	const struct nn_json *bs = nn_json_get(root, "biases");
	size_t weighted = 0, k = 0;
	struct nn_json tmp;
	char what[128];
	int rc;

	if (!ws || !bs)
		return bad(err, name, root, ws ? "missing key \"biases\"" : "missing key \"weights\"");
	for (size_t i = 0; i < n; i++)
		weighted += layers[i].nw > 0;
	if ((rc = expect_array(ws, weighted, name, "weights", err)) < 0 ||
	    (rc = expect_array(bs, weighted, name, "biases", err)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		size_t dims[4], nd;

		if (!layers[i].nw)
			continue;
		nd = layers[i].kind->file_dims(&layers[i], dims);
		snprintf(what, sizeof(what), "weights[%zu]", k);
		if ((rc = check_nested(nn_json_item(ws, k, &tmp), dims, nd, what, sizeof(what), name, err)) < 0)
			return rc;
		snprintf(what, sizeof(what), "biases[%zu]", k);
		if ((rc = expect_array(nn_json_item(bs, k, &tmp), layers[i].nb, name, what, err)) < 0)
			return rc;
		k++;
	}
	return 0;
}

/* Fills m's parameters and cost from root, whose shapes check_shapes has
 * checked. */
static int read_params(struct nn_model *m, const struct nn_json *root, const char *name,
		       struct nn_err *err)
{
	const struct nn_json *ws = nn_json_get(root, "weights");
	const struct nn_json *bs = nn_json_get(root, "biases");
	const struct nn_json *cost = nn_json_get(root, "cost");
	struct nn_json tmp;
	size_t k = 0;
	char what[64];
	int rc;

	for (size_t i = 0; i < m->nlayers; i++) {
		struct nn_layer *l = &m->layers[i];
		size_t dims[4], fi = 0;

		if (!l->nw)
			continue;
		if ((rc = read_nested(l, &ws->items[k], l->kind->file_dims(l, dims), &fi, name, err)) < 0)
			return rc;
		for (size_t j = 0; j < l->nb; j++) {
			const struct nn_json *row = &bs->items[k];
			const struct nn_json *cell = nn_json_item(row, j, &tmp);

			/* network2.py stores each bias as a one-element column row. */
			if (cell->type == NN_JSON_ARRAY) {
				snprintf(what, sizeof(what), "biases[%zu][%zu]", k, j);
				if ((rc = expect_array(cell, 1, name, what, err)) < 0 ||
				    (rc = get_float(cell, 0, &l->b[j], name, err)) < 0)
					return rc;
			} else if ((rc = get_float(row, j, &l->b[j], name, err)) < 0) {
				return rc;
			}
		}
		k++;
	}
	if (cost) {
		if (cost->type != NN_JSON_STRING || nn_cost_parse(cost->string, &m->cost) < 0)
			return bad(err, name, cost, "unknown cost (expected \"QuadraticCost\", \"CrossEntropyCost\" or \"LogLikelihoodCost\")");
	}
	return 0;
}

/* network2.py's "sizes" and the activations nnlab records beside them
 * (a file without them means sigmoid throughout). */
static int dense_specs(const struct nn_json *root, const struct nn_json *sizes,
		       struct nn_spec *specs, size_t *n, struct nn_shape *input, int *recorded,
		       const char *name, struct nn_err *err)
{
	const struct nn_json *act = nn_json_get(root, "activation"), *out = nn_json_get(root, "output");
	enum nn_act hidden = NN_SIGMOID, output = NN_SIGMOID;
	size_t sz[NN_MAX_LAYERS + 1];
	int rc;

	if (sizes->type != NN_JSON_ARRAY || sizes->count < 2 || sizes->count > NN_MAX_LAYERS + 1)
		return nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: sizes: expected an array of 2 to %d layer sizes",
				 name, sizes->line, sizes->col, NN_MAX_LAYERS + 1);
	for (size_t l = 0; l < sizes->count; l++)
		if ((rc = get_count(sizes, l, &sz[l], name, "sizes", err)) < 0)
			return rc;
	*recorded = act || out;
	if (act && (act->type != NN_JSON_STRING || nn_act_parse(act->string, &hidden) < 0 ||
		    hidden == NN_SOFTMAX))
		return bad(err, name, act, "unknown hidden activation (expected \"sigmoid\", \"tanh\" or \"relu\")");
	if (out && (out->type != NN_JSON_STRING || nn_act_parse(out->string, &output) < 0 ||
		    (output != NN_SIGMOID && output != NN_SOFTMAX)))
		return bad(err, name, out, "unknown output (expected \"sigmoid\" or \"softmax\")");
	*n = nn_specs_dense(specs, NN_MAX_LAYERS, sz, sizes->count, hidden, output, 0.0f);
	*input = (struct nn_shape){ 1, 1, sz[0] };
	return 0;
}

/* The superset's "input" and "layers". */
static int layer_specs(const struct nn_json *root, const struct nn_json *layers,
		       struct nn_spec *specs, size_t *n, struct nn_shape *input,
		       const char *name, struct nn_err *err)
{
	const struct nn_json *in = nn_json_get(root, "input"), *format = nn_json_get(root, "format");
	struct nn_json tmp;
	int rc;

	if (!format || format->type != NN_JSON_STRING || strcmp(format->string, FORMAT))
		return bad(err, name, format ? format : root, "expected \"format\": \"" FORMAT "\"");
	if (!in)
		return bad(err, name, root, "missing key \"input\"");
	if ((rc = expect_array(in, 3, name, "input [channels, height, width]", err)) < 0 ||
	    (rc = get_count(in, 0, &input->c, name, "input", err)) < 0 ||
	    (rc = get_count(in, 1, &input->h, name, "input", err)) < 0 ||
	    (rc = get_count(in, 2, &input->w, name, "input", err)) < 0)
		return rc;
	if (layers->type != NN_JSON_ARRAY || layers->count < 1 || layers->count > NN_MAX_LAYERS)
		return nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: layers: expected an array of 1 to %d layers",
				 name, layers->line, layers->col, NN_MAX_LAYERS);
	for (size_t i = 0; i < layers->count; i++) {
		const struct nn_json *v = nn_json_item(layers, i, &tmp);
		struct nn_err e;
		int named;

		if (v->type != NN_JSON_STRING)
			return bad(err, name, v, "layers: expected a string such as \"conv 20x5x5 relu\"");
		if (nn_spec_parse(v->string, NN_SIGMOID, &specs[i], &named, &e) < 0)
			return nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: layers[%zu] %s", name, v->line,
					 v->col, i, e.msg);
		if (!named && nn_layer_kind_of(specs[i].kind)->activates)
			return nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: layers[%zu] '%s': the file must name the activation",
					 name, v->line, v->col, i, v->string);
	}
	*n = layers->count;
	return 0;
}

/* A model from a parsed document. */
static struct nn_model *model_from_json(const struct nn_json *root, const char *name,
					size_t max_batch, double max_bytes, struct nn_err *err)
{
	struct nn_model *m = NULL;
	const struct nn_json *sizes, *layers;
	struct nn_spec specs[NN_MAX_LAYERS];
	struct nn_layer planned[NN_MAX_LAYERS];
	struct nn_shape input;
	size_t n = 0, at;
	int recorded = 1;

	if (root->type != NN_JSON_OBJECT) {
		bad(err, name, root, "expected an object with \"sizes\", \"weights\", \"biases\"");
		goto done;
	}
	sizes = nn_json_get(root, "sizes");
	layers = nn_json_get(root, "layers");
	if (!sizes && !layers) {
		bad(err, name, root, "missing key \"sizes\" (network2.py's format) or \"layers\" (nnlab's)");
		goto done;
	}
	if (sizes ? dense_specs(root, sizes, specs, &n, &input, &recorded, name, err) < 0
		  : layer_specs(root, layers, specs, &n, &input, name, err) < 0)
		goto done;
	double need = nn_model_plan(specs, n, input, max_batch, planned, &at, err);
	if (need < 0) {
		char what[64], msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		struct nn_json tmp;
	const struct nn_json *v = sizes ? sizes : nn_json_item(layers, at, &tmp);

		nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: layers[%zu] '%s': %s", name, v->line, v->col, at,
			  nn_spec_format(&specs[at], what, sizeof(what)), msg);
		goto done;
	}
	/* A short file can name layers whose activations need terabytes. */
	if (need > max_bytes) {
		nn_errorf(err, NN_EFORMAT, "%s: the model needs %.1f GiB for batches of %zu, more than the limit of %.1f GiB",
			  name, need / (1 << 30), max_batch, max_bytes / (1 << 30));
		goto done;
	}
	/* The file's weights against the planned shapes, before anything is
	 * allocated. */
	if (check_shapes(root, planned, n, name, err) < 0)
		goto done;
	m = nn_model_create(specs, n, input, max_batch, err);
	if (m) {
		m->acts_recorded = recorded;
		if (read_params(m, root, name, err) < 0) {
			nn_model_destroy(m);
			m = NULL;
		}
	}
done:
	return m;
}

/* Builds the model from a parsed document (NULL: the parse failed and
 * said why) and frees the document. */
static struct nn_model *model_from_tree(struct nn_json *root, const char *name, size_t max_batch,
					double max_bytes, struct nn_err *err)
{
	struct nn_model *m;

	if (!root)
		return NULL;
	m = model_from_json(root, name, max_batch, max_bytes, err);
	nn_json_free(root);
	return m;
}

struct nn_model *nn_model_read_json_stream(nn_json_read_fn read, void *ctx, const char *name,
					   size_t max_batch, double max_bytes, struct nn_err *err)
{
	/* The document's text and tree take up to half the limit. */
	struct nn_json *root = nn_json_parse_stream(read, ctx, name, max_bytes / 2, err);

	return model_from_tree(root, name, max_batch, max_bytes, err);
}

struct nn_model *nn_model_read_json(const char *text, size_t len, const char *name,
				    size_t max_batch, double max_bytes, struct nn_err *err)
{
	struct nn_json *root = nn_json_parse(text, len, name, err);

	return model_from_tree(root, name, max_batch, max_bytes, err);
}

/* The training state: "nnlab-state-1 NPARAMS\n", then the parameters and
 * the momentum velocities as raw floats in this machine's byte order. */
int nn_model_write_state(const struct nn_model *m, FILE *f)
{
	fprintf(f, "nnlab-state-1 %zu\n", m->nparams);
	fwrite(m->params, sizeof(float), m->nparams, f);
	fwrite(m->velocity, sizeof(float), m->nparams, f);
	return ferror(f) ? -1 : 0;
}

int nn_model_read_state(struct nn_model *m, FILE *f, const char *name, struct nn_err *err)
{
	size_t n = 0;
	int c;

	if (fscanf(f, "nnlab-state-1 %zu", &n) != 1 || (c = fgetc(f)) != '\n')
		return nn_errorf(err, NN_EINVAL, "'%s': not a model state (no 'nnlab-state-1' line)", name);
	if (n != m->nparams)
		return nn_errorf(err, NN_EINVAL, "'%s' holds %zu parameters, the model has %zu", name, n,
				 m->nparams);
	if (fread(m->params, sizeof(float), n, f) != n || fread(m->velocity, sizeof(float), n, f) != n)
		return nn_errorf(err, NN_EINVAL, "'%s' ends inside its parameters", name);
	memset(m->grads, 0, n * sizeof(float));
	return 0;
}
