#include "nn_model.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *alloc_floats(size_t n)
{
	/* 64-byte alignment for the vector loops; size rounded up to match. */
	size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
	void *p = aligned_alloc(64, bytes ? bytes : 64);

	if (p)
		memset(p, 0, bytes ? bytes : 64);
	return p;
}

size_t nn_specs_dense(struct nn_spec *out, size_t cap, const size_t *sizes, size_t nsizes,
		      enum nn_act hidden, enum nn_act output, float dropout)
{
	size_t n = 0;

	for (size_t l = 1; l < nsizes; l++) {
		int top = l + 1 == nsizes;

		if (n == cap)
			return 0;
		out[n++] = (struct nn_spec){ .kind = NN_FC, .size = sizes[l], .act = top ? output : hidden };
		if (!top && dropout > 0.0f) {
			if (n == cap)
				return 0;
			out[n++] = (struct nn_spec){ .kind = NN_DROPOUT, .p = dropout };
		}
	}
	return n;
}

/* The per-example sizes of every layer, and the totals a model needs. */
struct plan {
	size_t params, acts, masks, idx, scratch, shared;
};

static int plan_layers(struct nn_layer *layers, const struct nn_spec *specs, size_t n,
		       struct nn_shape input, size_t max_batch, struct plan *p, size_t *bad,
		       struct nn_err *err)
{
	struct nn_shape in = input;

	memset(p, 0, sizeof(*p));
	if (n == 0 || n > NN_MAX_LAYERS) {
		*bad = 0;
		return nn_errorf(err, NN_EINVAL, "a network needs 1 to %d layers, got %zu", NN_MAX_LAYERS, n);
	}
	if (!nn_shape_fits(input, 1u << 24)) {
		*bad = 0;
		return nn_errorf(err, NN_EINVAL, "the input has %zux%zux%zu values, expected 1 to %u",
				 input.c, input.h, input.w, 1u << 24);
	}
	for (size_t i = 0; i < n; i++) {
		struct nn_layer *l = &layers[i];
		int rc;

		memset(l, 0, sizeof(*l));
		l->spec = specs[i];
		l->kind = nn_layer_kind_of(specs[i].kind);
		l->in = in;
		l->max_batch = max_batch;
		*bad = i;
		if (!l->kind)
			return nn_errorf(err, NN_EINVAL, "unknown kind of layer");
		if ((rc = l->kind->plan(l, err)) < 0)
			return rc;
		if (l->kind->activates && l->spec.act == NN_SOFTMAX && i + 1 < n)
			return nn_errorf(err, NN_EINVAL, "softmax belongs to the output layer only");
		if (i + 1 == n && !l->kind->output)
			return nn_errorf(err, NN_EINVAL, "the output layer must be fully connected");
		/* Scores, charts and model files read outputs as sigmoid or
		 * softmax units; a run never writes what nnlab cannot read. */
		if (i + 1 == n && specs[i].act != NN_SIGMOID && specs[i].act != NN_SOFTMAX)
			return nn_errorf(err, NN_EINVAL, "an output layer of %s units: the output is sigmoid ('fc N sigmoid') or softmax ('softmax N')",
					 nn_act_name(specs[i].act));
		p->params += l->nw + l->nb;
		p->acts += nn_shape_size(l->out);
		p->masks += l->nmask;
		p->idx += l->nidx;
		if (l->scratch > p->scratch)
			p->scratch = l->scratch;
		if (l->shared > p->shared)
			p->shared = l->shared;
		in = l->out;
	}
	return 0;
}

double nn_model_plan(const struct nn_spec *specs, size_t n, struct nn_shape input,
		     size_t max_batch, struct nn_layer *layers, size_t *bad, struct nn_err *err)
{
	struct nn_layer own[NN_MAX_LAYERS];
	struct plan p;
	double b = (double)max_batch;

	if (plan_layers(layers ? layers : own, specs, n, input, max_batch, &p, bad, err) < 0)
		return -1;
	/* params, grads, velocity; input; acts and deltas; masks; one
	 * thread's scratch and the shared block. */
	return sizeof(float) * (3.0 * (double)p.params + b * (double)nn_shape_size(input) +
				2.0 * b * (double)p.acts + b * (double)p.masks + (double)p.scratch +
				(double)p.shared) +
	       sizeof(uint32_t) * b * (double)p.idx + b * (sizeof(uint32_t) + sizeof(int32_t));
}

/* Where each activation is applied (see struct nn_layer). */
static void place_acts(struct nn_model *m)
{
	for (size_t i = 0; i < m->nlayers; i++) {
		struct nn_layer *l = &m->layers[i];

		l->activates = l->kind->activates;
		l->act = l->spec.act;
		if (i > 0 && l->kind->takes_activation && m->layers[i - 1].kind->activates) {
			m->layers[i - 1].activates = 0;
			l->activates = 1;
			l->act = m->layers[i - 1].spec.act;
		}
	}
}

struct nn_model *nn_model_create(const struct nn_spec *specs, size_t n, struct nn_shape input,
				 size_t max_batch, struct nn_err *err)
{
	struct nn_model *m;
	struct plan p;
	size_t bad;

	if (max_batch == 0) {
		nn_errorf(err, NN_EINVAL, "batch size must be positive");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		nn_errorf(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	if (plan_layers(m->layers, specs, n, input, max_batch, &p, &bad, err) < 0) {
		if (n > 0 && n <= NN_MAX_LAYERS) {
			char what[64], msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
			nn_errorf(err, NN_EINVAL, "layer %zu '%s': %s", bad,
				  nn_spec_format(&specs[bad], what, sizeof(what)), msg);
		}
		goto fail;
	}
	/* The sizes below are products that a double bounds before size_t
	 * could wrap (callers check their memory limit with nn_model_plan). */
	double total = (3.0 * (double)p.params + (double)max_batch * ((double)nn_shape_size(input) +
			2.0 * (double)p.acts + (double)p.masks + (double)p.idx) + (double)p.scratch) * sizeof(float);
	if (total > (double)(SIZE_MAX / 4)) {
		nn_errorf(err, NN_ENOMEM, "a model of %.3g bytes", total);
		goto fail;
	}
	m->nlayers = n;
	m->input = input;
	m->max_batch = max_batch;
	m->cost = NN_QUADRATIC;
	m->nparams = p.params;
	m->params = alloc_floats(p.params);
	m->grads = alloc_floats(p.params);
	m->velocity = alloc_floats(p.params);
	m->x = alloc_floats(nn_shape_size(input) * max_batch);
	m->acts = alloc_floats(p.acts * max_batch);
	m->deltas = alloc_floats(p.acts * max_batch);
	m->masks = alloc_floats(p.masks * max_batch);
	m->idx = calloc(p.idx * max_batch + 1, sizeof(*m->idx));
	m->rows = calloc(max_batch, sizeof(*m->rows));
	m->labels = calloc(max_batch, sizeof(*m->labels));
	m->scratch = p.scratch;
	m->shared = p.shared;
	m->team = nn_team_create(1, m->scratch, m->shared, err);
	if (!m->team)
		goto fail;
	if (!m->params || !m->grads || !m->velocity || !m->x || !m->acts || !m->deltas ||
	    !m->masks || !m->idx || !m->rows || !m->labels) {
		nn_errorf(err, NN_ENOMEM, "out of memory for a model of %zu parameters", p.params);
		goto fail;
	}

	size_t off = 0, act = 0, mask = 0, idx = 0;
	for (size_t i = 0; i < n; i++) {
		struct nn_layer *l = &m->layers[i];

		if (l->nw + l->nb) {
			l->w = m->params + off;
			l->gw = m->grads + off;
			off += l->nw;
			l->b = m->params + off;
			l->gb = m->grads + off;
			off += l->nb;
			m->nweighted++;
		}
		l->a = m->acts + act;
		l->d = m->deltas + act;
		act += nn_shape_size(l->out) * max_batch;
		l->mask = l->nmask ? m->masks + mask : NULL;
		mask += l->nmask * max_batch;
		l->idx = l->nidx ? m->idx + idx : NULL;
		idx += l->nidx * max_batch;
	}
	place_acts(m);
	return m;
fail:
	nn_model_destroy(m);
	return NULL;
}

struct nn_model *nn_model_create_dense(const size_t *sizes, size_t nsizes, size_t max_batch,
				       struct nn_err *err)
{
	struct nn_spec specs[NN_MAX_LAYERS];
	size_t n;

	if (nsizes < 2 || nsizes > NN_MAX_LAYERS + 1) {
		nn_errorf(err, NN_EINVAL, "a network needs 2 to %d layer sizes, got %zu",
			  NN_MAX_LAYERS + 1, nsizes);
		return NULL;
	}
	n = nn_specs_dense(specs, NN_MAX_LAYERS, sizes, nsizes, NN_SIGMOID, NN_SIGMOID, 0.0f);
	return nn_model_create(specs, n, (struct nn_shape){ 1, 1, sizes[0] }, max_batch, err);
}

void nn_model_destroy(struct nn_model *m)
{
	if (!m)
		return;
	free(m->params);
	free(m->grads);
	free(m->velocity);
	free(m->x);
	free(m->acts);
	free(m->deltas);
	free(m->masks);
	free(m->idx);
	free(m->rows);
	free(m->labels);
	nn_team_destroy(m->team);
	free(m);
}

int nn_model_set_threads(struct nn_model *m, size_t threads, struct nn_err *err)
{
	struct nn_team *t;

	if (threads == nn_team_size(m->team))
		return 0;
	t = nn_team_create(threads, m->scratch, m->shared, err);
	if (!t)
		return err ? err->code : NN_EINVAL;
	nn_team_destroy(m->team);
	m->team = t;
	return 0;
}

size_t nn_model_threads(const struct nn_model *m)
{
	return nn_team_size(m->team);
}

int nn_model_pace(const struct nn_model *m, unsigned long long *batches, unsigned long long *spread)
{
	nn_team_pace(m->team, batches, spread);
	return nn_team_spreading(m->team);
}

void nn_model_set_acts(struct nn_model *m, enum nn_act hidden, enum nn_act output)
{
	for (size_t i = 0; i < m->nlayers; i++)
		if (m->layers[i].kind->activates)
			m->layers[i].spec.act = i + 1 == m->nlayers ? output : hidden;
	place_acts(m);
}

size_t nn_model_layer_count(const struct nn_model *m)
{
	return m->nlayers;
}

const struct nn_layer *nn_model_layer(const struct nn_model *m, size_t i)
{
	assert(i < m->nlayers);
	return &m->layers[i];
}

struct nn_layer *nn_model_weighted(struct nn_model *m, size_t k)
{
	for (size_t i = 0; i < m->nlayers; i++)
		if ((m->layers[i].nw || m->layers[i].nb) && k-- == 0)
			return &m->layers[i];
	assert(!"no such layer with parameters");
	return NULL;
}

size_t nn_model_inputs(const struct nn_model *m)
{
	return nn_shape_size(m->input);
}

size_t nn_model_outputs(const struct nn_model *m)
{
	return nn_shape_size(m->layers[m->nlayers - 1].out);
}

size_t nn_model_hidden_count(const struct nn_model *m)
{
	return m->nweighted - 1;
}

enum nn_act nn_model_output_act(const struct nn_model *m)
{
	return m->layers[m->nlayers - 1].spec.act;
}

enum nn_cost nn_model_cost(const struct nn_model *m)
{
	return m->cost;
}

void nn_model_set_cost(struct nn_model *m, enum nn_cost cost)
{
	m->cost = cost;
}

int nn_model_acts_recorded(const struct nn_model *m)
{
	return m->acts_recorded;
}

size_t nn_model_param_count(const struct nn_model *m)
{
	return m->nparams;
}

struct nn_shape nn_model_input_shape(const struct nn_model *m)
{
	return m->input;
}

const char *nn_layers_describe(const struct nn_layer *layers, size_t n, struct nn_shape input,
			       char *buf, size_t len)
{
	size_t sizes[NN_MAX_LAYERS + 1], ns, used = 0;
	enum nn_act hidden;
	char what[64];

	if (len == 0)
		return buf;
	buf[0] = 0;
	ns = nn_layers_dense_sizes(layers, n, input, sizes, NN_MAX_LAYERS + 1, &hidden);
	if (ns) {
		for (size_t l = 0; l < ns && used < len; l++)
			used += (size_t)snprintf(buf + used, len - used, "%s%zu", l ? ", " : "[", sizes[l]);
		if (used < len)
			snprintf(buf + used, len - used, "]");
		return buf;
	}
	used = (size_t)snprintf(buf, len, "input %zux%zux%zu", input.c, input.h, input.w);
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, ", %s",
					 nn_spec_format(&layers[i].spec, what, sizeof(what)));
	return buf;
}

const char *nn_model_describe(const struct nn_model *m, char *buf, size_t len)
{
	return nn_layers_describe(m->layers, m->nlayers, m->input, buf, len);
}

size_t nn_layers_dense_sizes(const struct nn_layer *layers, size_t nl, struct nn_shape input,
			     size_t *sizes, size_t cap, enum nn_act *hidden)
{
	size_t n = 0;
	int seen = 0;

	*hidden = NN_SIGMOID;
	if (cap == 0)
		return 0;
	sizes[n++] = nn_shape_size(input);
	for (size_t i = 0; i < nl; i++) {
		const struct nn_layer *l = &layers[i];

		if (l->kind->short_form == NN_SHORT_SKIP)
			continue;
		if (l->kind->short_form != NN_SHORT_SIZE || n == cap)
			return 0;
		if (i + 1 < nl) {
			if (seen && l->spec.act != *hidden)
				return 0;
			*hidden = l->spec.act;
			seen = 1;
		}
		sizes[n++] = l->spec.size;
	}
	return n;
}

size_t nn_model_dense_sizes(const struct nn_model *m, size_t *sizes, size_t cap,
			    enum nn_act *hidden)
{
	return nn_layers_dense_sizes(m->layers, m->nlayers, m->input, sizes, cap, hidden);
}

int nn_model_copy_params(struct nn_model *dst, const struct nn_model *src, struct nn_err *err)
{
	size_t j = 0;

	for (size_t i = 0; i < dst->nlayers; i++) {
		const struct nn_layer *a = &dst->layers[i];

		if (!a->nw && !a->nb)
			continue;
		while (j < src->nlayers && !src->layers[j].nw && !src->layers[j].nb)
			j++;
		if (j == src->nlayers || src->layers[j].spec.kind != a->spec.kind ||
		    src->layers[j].nw != a->nw || src->layers[j].nb != a->nb)
			return nn_errorf(err, NN_EINVAL, "the models' layers differ");
		j++;
	}
	while (j < src->nlayers && !src->layers[j].nw && !src->layers[j].nb)
		j++;
	if (j != src->nlayers || dst->nparams != src->nparams)
		return nn_errorf(err, NN_EINVAL, "the models' layers differ");
	memcpy(dst->params, src->params, src->nparams * sizeof(float));
	return 0;
}

void nn_model_init_large(struct nn_model *m, struct nn_rng *rng)
{
	for (size_t i = 0; i < m->nparams; i++)
		m->params[i] = (float)nn_rng_normal(rng);
}

/* Weights N(0, sd^2), then biases N(0, 1), layer by layer. */
static void init_layer(struct nn_layer *l, double sd, struct nn_rng *rng)
{
	for (size_t i = 0; i < l->nw; i++)
		l->w[i] = (float)(nn_rng_normal(rng) * sd);
	for (size_t j = 0; j < l->nb; j++)
		l->b[j] = (float)nn_rng_normal(rng);
}

void nn_model_init_scaled(struct nn_model *m, struct nn_rng *rng)
{
	for (size_t i = 0; i < m->nlayers; i++)
		if (m->layers[i].nw)
			init_layer(&m->layers[i], 1.0 / sqrt((double)m->layers[i].fan_in), rng);
}

void nn_model_init_network3(struct nn_model *m, struct nn_rng *rng)
{
	for (size_t i = 0; i < m->nlayers; i++) {
		struct nn_layer *l = &m->layers[i];
		double n_out = (double)l->fan_out;

		if (!l->nw)
			continue;
		if (i + 1 == m->nlayers && l->spec.act == NN_SOFTMAX) {
			memset(l->w, 0, (l->nw + l->nb) * sizeof(float));
			continue;
		}
		if (i + 1 < m->nlayers && m->layers[i + 1].kind->fan_out_divisor)
			n_out /= m->layers[i + 1].kind->fan_out_divisor(&m->layers[i + 1]);
		init_layer(l, sqrt(1.0 / n_out), rng);
	}
}

float *nn_model_input(struct nn_model *m)
{
	return m->x;
}

/* "weights[k][i][j]...": the file's name of weight fi (file order) of the
 * k-th layer with parameters. */
static void name_weight(char *buf, size_t len, const struct nn_layer *l, size_t k, size_t fi)
{
	size_t dims[4], nd = l->kind->file_dims(l, dims), n = 0, idx[4];

	for (size_t d = nd; d-- > 0;) {
		idx[d] = fi % dims[d];
		fi /= dims[d];
	}
	n += (size_t)snprintf(buf, len, "weights[%zu]", k);
	for (size_t d = 0; d < nd && n < len; d++)
		n += (size_t)snprintf(buf + n, len - n, "[%zu]", idx[d]);
}

int nn_model_nonfinite(const struct nn_model *m, char *what, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < m->nlayers; i++) {
		const struct nn_layer *l = &m->layers[i];
		int bad = 0;
		char name[64];

		if (!l->nw && !l->nb)
			continue;
		for (size_t q = 0; q < l->nw + l->nb; q++)
			bad |= !isfinite(l->w[q]);
		if (bad) {
			/* The first in the file's order, as a reader of the file would find it. */
			for (size_t fi = 0; fi < l->nw; fi++) {
				float v = l->w[l->kind->file_index(l, fi)];

				if (!isfinite(v)) {
					name_weight(name, sizeof(name), l, k, fi);
					snprintf(what, len, "%s is %g", name, (double)v);
					return 1;
				}
			}
			for (size_t j = 0; j < l->nb; j++)
				if (!isfinite(l->b[j])) {
					snprintf(what, len, "biases[%zu][%zu] is %g", k, j, (double)l->b[j]);
					return 1;
				}
		}
		k++;
	}
	return 0;
}

void nn_model_weight_norms(const struct nn_model *m, double *sum_sq, double *sum_abs)
{
	double sq = 0.0, ab = 0.0;

	for (size_t i = 0; i < m->nlayers; i++) {
		const struct nn_layer *l = &m->layers[i];

		for (size_t q = 0; q < l->nw; q++) {
			sq += (double)l->w[q] * l->w[q];
			ab += fabs((double)l->w[q]);
		}
	}
	*sum_sq = sq;
	*sum_abs = ab;
}
