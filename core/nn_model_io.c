/* Model files in the JSON format of the book's network2.py. */
#include "nn_model.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "nn_json.h"

int nn_model_write_json(const struct nn_model *m, FILE *f, const char *name,
			struct nn_err *err)
{
	char what[96];

	if (nn_model_nonfinite(m, what, sizeof(what)))
		return nn_errorf(err, NN_EFORMAT, "refusing to write '%s': %s", name, what);
	fputs("{\"sizes\": [", f);
	for (size_t l = 0; l <= m->nlayers; l++)
		fprintf(f, "%s%zu", l ? ", " : "", m->sizes[l]);
	fputs("], \"weights\": [", f);
	for (size_t l = 0; l < m->nlayers; l++) {
		size_t in = m->sizes[l], out = m->sizes[l + 1];

		fputs(l ? ", [" : "[", f);
		for (size_t j = 0; j < out; j++) {
			fputs(j ? ", [" : "[", f);
			for (size_t i = 0; i < in; i++)
				fprintf(f, "%s%.9g", i ? ", " : "", (double)m->w[l][j * in + i]);
			fputc(']', f);
		}
		fputc(']', f);
	}
	fputs("], \"biases\": [", f);
	for (size_t l = 0; l < m->nlayers; l++) {
		fputs(l ? ", [" : "[", f);
		for (size_t j = 0; j < m->sizes[l + 1]; j++)
			fprintf(f, "%s[%.9g]", j ? ", " : "", (double)m->b[l][j]);
		fputc(']', f);
	}
	/* Extra keys, which network2.py ignores: how to run the net. */
	fprintf(f, "], \"cost\": \"%s\", \"activation\": \"%s\", \"output\": \"%s\"}\n",
		nn_cost_class_name(m->cost), nn_act_name(m->hidden_act), nn_act_name(m->output_act));
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

static int get_float(const struct nn_json *v, float *out, const char *name,
		     struct nn_err *err)
{
	if (v->type != NN_JSON_NUMBER)
		return bad(err, name, v, "expected a number");
	if (!isfinite(v->number) || fabs(v->number) > 3.4e38)
		return bad(err, name, v, "number out of range for float");
	*out = (float)v->number;
	return 0;
}

/* Fills m from root, whose shapes check_shapes has checked. */
static int read_params(struct nn_model *m, const struct nn_json *root, const char *name,
		       struct nn_err *err)
{
	const struct nn_json *ws = nn_json_get(root, "weights");
	const struct nn_json *bs = nn_json_get(root, "biases");
	const struct nn_json *cost = nn_json_get(root, "cost");
	char what[64];
	int rc;

	for (size_t l = 0; l < m->nlayers; l++) {
		size_t in = m->sizes[l], out = m->sizes[l + 1];

		for (size_t j = 0; j < out; j++) {
			const struct nn_json *row = &ws->items[l].items[j];

			for (size_t i = 0; i < in; i++)
				if ((rc = get_float(&row->items[i], &m->w[l][j * in + i], name, err)) < 0)
					return rc;
		}
		for (size_t j = 0; j < out; j++) {
			const struct nn_json *cell = &bs->items[l].items[j];

			/* network2.py stores each bias as a one-element column row. */
			if (cell->type == NN_JSON_ARRAY) {
				snprintf(what, sizeof(what), "biases[%zu][%zu]", l, j);
				if ((rc = expect_array(cell, 1, name, what, err)) < 0)
					return rc;
				cell = &cell->items[0];
			}
			if ((rc = get_float(cell, &m->b[l][j], name, err)) < 0)
				return rc;
		}
	}
	if (cost) {
		if (cost->type != NN_JSON_STRING || nn_cost_parse(cost->string, &m->cost) < 0)
			return bad(err, name, cost, "unknown cost (expected \"QuadraticCost\", \"CrossEntropyCost\" or \"LogLikelihoodCost\")");
	}
	/* The activations nnlab records; network2.py's files have none and
	 * mean sigmoid throughout. */
	const struct nn_json *act = nn_json_get(root, "activation"), *out = nn_json_get(root, "output");
	m->acts_recorded = act || out;
	if (act && (act->type != NN_JSON_STRING || nn_act_parse(act->string, &m->hidden_act) < 0 ||
		    m->hidden_act == NN_SOFTMAX))
		return bad(err, name, act, "unknown hidden activation (expected \"sigmoid\", \"tanh\" or \"relu\")");
	if (out && (out->type != NN_JSON_STRING || nn_act_parse(out->string, &m->output_act) < 0 ||
		    (m->output_act != NN_SIGMOID && m->output_act != NN_SOFTMAX)))
		return bad(err, name, out, "unknown output (expected \"sigmoid\" or \"softmax\")");
	return 0;
}

/* Checks that the weights and biases have the shapes sizes gives, before
 * a model of those sizes is allocated: a short file cannot claim a huge
 * model. */
static int check_shapes(const struct nn_json *root, const size_t *sz, size_t n, const char *name,
			struct nn_err *err)
{
	const struct nn_json *ws = nn_json_get(root, "weights");
	const struct nn_json *bs = nn_json_get(root, "biases");
	char what[64];
	int rc;

	if (!ws || !bs)
		return bad(err, name, root, ws ? "missing key \"biases\"" : "missing key \"weights\"");
	if ((rc = expect_array(ws, n - 1, name, "weights", err)) < 0 ||
	    (rc = expect_array(bs, n - 1, name, "biases", err)) < 0)
		return rc;
	for (size_t l = 0; l + 1 < n; l++) {
		snprintf(what, sizeof(what), "weights[%zu]", l);
		if ((rc = expect_array(&ws->items[l], sz[l + 1], name, what, err)) < 0)
			return rc;
		for (size_t j = 0; j < sz[l + 1]; j++) {
			snprintf(what, sizeof(what), "weights[%zu][%zu]", l, j);
			if ((rc = expect_array(&ws->items[l].items[j], sz[l], name, what, err)) < 0)
				return rc;
		}
		snprintf(what, sizeof(what), "biases[%zu]", l);
		if ((rc = expect_array(&bs->items[l], sz[l + 1], name, what, err)) < 0)
			return rc;
	}
	return 0;
}

struct nn_model *nn_model_read_json(const char *text, size_t len, const char *name,
				    size_t max_batch, struct nn_err *err)
{
	struct nn_json *root = nn_json_parse(text, len, name, err);
	struct nn_model *m = NULL;
	const struct nn_json *sizes;
	size_t sz[NN_MAX_LAYERS + 1];

	if (!root)
		return NULL;
	if (root->type != NN_JSON_OBJECT) {
		bad(err, name, root, "expected an object with \"sizes\", \"weights\", \"biases\"");
		goto done;
	}
	sizes = nn_json_get(root, "sizes");
	if (!sizes) {
		bad(err, name, root, "missing key \"sizes\"");
		goto done;
	}
	if (sizes->type != NN_JSON_ARRAY || sizes->count < 2 ||
	    sizes->count > NN_MAX_LAYERS + 1) {
		nn_errorf(err, NN_EFORMAT, "%s:%zu:%zu: sizes: expected an array of 2 to %d layer sizes",
			  name, sizes->line, sizes->col, NN_MAX_LAYERS + 1);
		goto done;
	}
	for (size_t l = 0; l < sizes->count; l++) {
		const struct nn_json *v = &sizes->items[l];

		if (v->type != NN_JSON_NUMBER || v->number < 1 || v->number > (1 << 24) ||
		    v->number != floor(v->number)) {
			bad(err, name, v, "sizes: expected a positive integer");
			goto done;
		}
		sz[l] = (size_t)v->number;
	}
	if (check_shapes(root, sz, sizes->count, name, err) < 0)
		goto done;
	m = nn_model_create(sz, sizes->count, max_batch, err);
	if (m && read_params(m, root, name, err) < 0) {
		nn_model_destroy(m);
		m = NULL;
	}
done:
	nn_json_free(root);
	return m;
}
