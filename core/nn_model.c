#include "nn_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_dense.h"

static void *alloc_floats(size_t n)
{
	/* 64-byte alignment for the vector loops; size rounded up to match. */
	size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
	void *p = aligned_alloc(64, bytes ? bytes : 64);

	if (p)
		memset(p, 0, bytes ? bytes : 64);
	return p;
}

double nn_model_memory(const size_t *sizes, size_t nsizes, size_t max_batch, int dropout)
{
	double params = 0, units = 0;

	for (size_t l = 0; l < nsizes; l++) {
		units += (double)sizes[l];
		if (l + 1 < nsizes)
			params += (double)sizes[l + 1] * ((double)sizes[l] + 1);
	}
	/* params, grads, velocity; acts, deltas (and masks, undropped). */
	return sizeof(float) * (3 * params + (dropout ? 4 : 2) * units * (double)max_batch) +
	       (double)max_batch * (sizeof(uint32_t) + sizeof(int32_t));
}

struct nn_model *nn_model_create(const size_t *sizes, size_t nsizes, size_t max_batch,
				 struct nn_err *err)
{
	struct nn_model *m;
	size_t nacts = 0;

	if (nsizes < 2 || nsizes > NN_MAX_LAYERS + 1) {
		nn_errorf(err, NN_EINVAL, "a network needs 2 to %d layer sizes, got %zu",
			  NN_MAX_LAYERS + 1, nsizes);
		return NULL;
	}
	if (max_batch == 0) {
		nn_errorf(err, NN_EINVAL, "batch size must be positive");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		nn_errorf(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	m->nlayers = nsizes - 1;
	m->max_batch = max_batch;
	m->hidden_act = NN_SIGMOID;
	m->output_act = NN_SIGMOID;
	m->cost = NN_QUADRATIC;
	for (size_t l = 0; l < nsizes; l++) {
		if (sizes[l] == 0 || sizes[l] > (1u << 24)) {
			nn_errorf(err, NN_EINVAL, "layer %zu has %zu neurons, expected 1 to %u",
				  l, sizes[l], 1u << 24);
			goto fail;
		}
		m->sizes[l] = sizes[l];
		nacts += sizes[l];
	}
	for (size_t l = 0; l < m->nlayers; l++)
		m->nparams += sizes[l + 1] * sizes[l] + sizes[l + 1];

	m->params = alloc_floats(m->nparams);
	m->grads = alloc_floats(m->nparams);
	m->velocity = alloc_floats(m->nparams);
	m->acts = alloc_floats(nacts * max_batch);
	m->deltas = alloc_floats(nacts * max_batch);
	m->rows = calloc(max_batch, sizeof(*m->rows));
	m->labels = calloc(max_batch, sizeof(*m->labels));
	if (!m->params || !m->grads || !m->velocity || !m->acts || !m->deltas || !m->rows ||
	    !m->labels) {
		nn_errorf(err, NN_ENOMEM, "out of memory for a model of %zu parameters",
			  m->nparams);
		goto fail;
	}

	size_t off = 0;
	for (size_t l = 0; l < m->nlayers; l++) {
		m->w[l] = m->params + off;
		m->gw[l] = m->grads + off;
		off += sizes[l + 1] * sizes[l];
		m->b[l] = m->params + off;
		m->gb[l] = m->grads + off;
		off += sizes[l + 1];
	}
	off = 0;
	for (size_t l = 0; l < nsizes; l++) {
		m->a[l] = m->acts + off;
		m->d[l] = m->deltas + off;
		off += sizes[l] * max_batch;
	}
	return m;
fail:
	nn_model_destroy(m);
	return NULL;
}

void nn_model_destroy(struct nn_model *m)
{
	if (!m)
		return;
	free(m->params);
	free(m->grads);
	free(m->velocity);
	free(m->masks);
	free(m->undropped);
	free(m->acts);
	free(m->deltas);
	free(m->rows);
	free(m->labels);
	free(m);
}

void nn_model_init_large(struct nn_model *m, struct nn_rng *rng)
{
	for (size_t i = 0; i < m->nparams; i++)
		m->params[i] = (float)nn_rng_normal(rng);
}

void nn_model_init_scaled(struct nn_model *m, struct nn_rng *rng)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		size_t in = m->sizes[l], out = m->sizes[l + 1];
		double scale = 1.0 / sqrt((double)in);

		for (size_t i = 0; i < out * in; i++)
			m->w[l][i] = (float)(nn_rng_normal(rng) * scale);
		for (size_t j = 0; j < out; j++)
			m->b[l][j] = (float)nn_rng_normal(rng);
	}
}

int nn_model_set_dropout(struct nn_model *m, float p, struct nn_err *err)
{
	if (!(p >= 0.0f && p < 1.0f))
		return nn_errorf(err, NN_EINVAL, "dropout must be at least 0 and below 1, got %g",
				 (double)p);
	m->dropout = p;
	if (p == 0.0f || m->masks)
		return 0;
	size_t hidden = 0;
	for (size_t l = 1; l < m->nlayers; l++)
		hidden += m->sizes[l];
	m->masks = alloc_floats(hidden * m->max_batch);
	m->undropped = alloc_floats(hidden * m->max_batch);
	if (!m->masks || !m->undropped) {
		free(m->masks);
		free(m->undropped);
		m->masks = m->undropped = NULL;
		m->dropout = 0.0f;
		return nn_errorf(err, NN_ENOMEM, "out of memory for dropout masks");
	}
	size_t off = 0;
	for (size_t l = 1; l < m->nlayers; l++) {
		m->m[l] = m->masks + off;
		m->h[l] = m->undropped + off;
		off += m->sizes[l] * m->max_batch;
	}
	return 0;
}

float *nn_model_input(struct nn_model *m)
{
	return m->a[0];
}

static const float *forward(struct nn_model *m, size_t batch, struct nn_rng *rng)
{
	float keep = 1.0f - m->dropout;

	m->dropped = rng && m->dropout > 0.0f;
	for (size_t l = 0; l < m->nlayers; l++) {
		size_t in = m->sizes[l], out = m->sizes[l + 1];
		int top = l + 1 == m->nlayers;
		float *a = m->a[l + 1];

		nn_dense_forward(a, m->a[l], m->w[l], m->b[l], batch, in, out);
		nn_act_forward(a, batch, out, top ? m->output_act : m->hidden_act);
		if (m->dropped && !top) {
			float *h = m->h[l + 1], *mask = m->m[l + 1];

			memcpy(h, a, batch * out * sizeof(float));
			for (size_t i = 0; i < batch * out; i++) {
				mask[i] = nn_rng_uniform(rng) < m->dropout ? 0.0f : 1.0f / keep;
				a[i] *= mask[i];
			}
		}
	}
	return m->a[m->nlayers];
}

const float *nn_model_forward(struct nn_model *m, size_t batch)
{
	return forward(m, batch, NULL);
}

const float *nn_model_forward_train(struct nn_model *m, size_t batch, struct nn_rng *rng)
{
	return forward(m, batch, rng);
}

void nn_model_backward(struct nn_model *m, const int32_t *labels, size_t batch)
{
	size_t top = m->nlayers;

	nn_cost_delta(m->d[top], m->a[top], labels, batch, m->sizes[top], m->cost,
		      m->output_act);
	for (size_t l = top; l >= 1; l--) {
		size_t in = m->sizes[l - 1], out = m->sizes[l];
		float *din = l > 1 ? m->d[l - 1] : NULL;

		if (din)
			memset(din, 0, batch * in * sizeof(float));
		nn_dense_backward(m->gw[l - 1], m->gb[l - 1], din, m->d[l], m->a[l - 1],
				  m->w[l - 1], batch, in, out);
		if (!din)
			continue;
		if (m->dropped) {
			/* Through the mask, then the activation at its undropped value. */
			for (size_t i = 0; i < batch * in; i++)
				din[i] *= m->m[l - 1][i];
			nn_act_backward(din, m->h[l - 1], batch, in, m->hidden_act);
		} else {
			nn_act_backward(din, m->a[l - 1], batch, in, m->hidden_act);
		}
	}
}

/* w -= u, or with momentum v = mu v - u, w += v; then g = 0. Each case
 * is its own loop so that each vectorizes. */
static void update(float *restrict w, float *restrict g, float *restrict v, size_t n,
		   float lr, float l2, float l1, float mu)
{
	if (mu == 0.0f && l2 == 0.0f && l1 == 0.0f) {
#pragma omp simd
		for (size_t i = 0; i < n; i++) {
			w[i] -= lr * g[i];
			g[i] = 0.0f;
		}
	} else if (mu == 0.0f) {
#pragma omp simd
		for (size_t i = 0; i < n; i++) {
			float sign = (float)(w[i] > 0.0f) - (float)(w[i] < 0.0f);

			w[i] -= lr * g[i] + l2 * w[i] + l1 * sign;
			g[i] = 0.0f;
		}
	} else {
#pragma omp simd
		for (size_t i = 0; i < n; i++) {
			float sign = (float)(w[i] > 0.0f) - (float)(w[i] < 0.0f);

			v[i] = mu * v[i] - (lr * g[i] + l2 * w[i] + l1 * sign);
			w[i] += v[i];
			g[i] = 0.0f;
		}
	}
}

void nn_model_step(struct nn_model *m, const struct nn_step *s)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		size_t in = m->sizes[l], out = m->sizes[l + 1];
		size_t off = (size_t)(m->w[l] - m->params);

		update(m->w[l], m->gw[l], m->velocity + off, out * in, s->lr, s->l2, s->l1,
		       s->momentum);
		update(m->b[l], m->gb[l], m->velocity + off + out * in, out, s->lr, 0.0f, 0.0f,
		       s->momentum);
	}
}

int nn_model_nonfinite(const struct nn_model *m, char *what, size_t len)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		size_t in = m->sizes[l], out = m->sizes[l + 1];

		for (size_t i = 0; i < in * out; i++)
			if (!isfinite(m->w[l][i])) {
				snprintf(what, len, "weights[%zu][%zu][%zu] is %g", l, i / in, i % in,
					 (double)m->w[l][i]);
				return 1;
			}
		for (size_t j = 0; j < out; j++)
			if (!isfinite(m->b[l][j])) {
				snprintf(what, len, "biases[%zu][%zu] is %g", l, j, (double)m->b[l][j]);
				return 1;
			}
	}
	return 0;
}

void nn_model_weight_norms(const struct nn_model *m, double *sum_sq, double *sum_abs)
{
	double sq = 0.0, ab = 0.0;

	for (size_t l = 0; l < m->nlayers; l++) {
		size_t count = m->sizes[l] * m->sizes[l + 1];

		for (size_t i = 0; i < count; i++) {
			sq += (double)m->w[l][i] * m->w[l][i];
			ab += fabs((double)m->w[l][i]);
		}
	}
	*sum_sq = sq;
	*sum_abs = ab;
}
