#include "nn_model.h"

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
	m->acts = alloc_floats(nacts * max_batch);
	m->deltas = alloc_floats(nacts * max_batch);
	m->rows = calloc(max_batch, sizeof(*m->rows));
	m->labels = calloc(max_batch, sizeof(*m->labels));
	if (!m->params || !m->grads || !m->acts || !m->deltas || !m->rows || !m->labels) {
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

float *nn_model_input(struct nn_model *m)
{
	return m->a[0];
}

const float *nn_model_forward(struct nn_model *m, size_t batch)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		size_t in = m->sizes[l], out = m->sizes[l + 1];
		enum nn_act act = l + 1 == m->nlayers ? m->output_act : m->hidden_act;

		nn_dense_forward(m->a[l + 1], m->a[l], m->w[l], m->b[l], batch, in, out);
		nn_act_forward(m->a[l + 1], batch * out, act);
	}
	return m->a[m->nlayers];
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
		if (din)
			nn_act_backward(din, m->a[l - 1], batch * in, m->hidden_act);
	}
}

void nn_model_step(struct nn_model *m, float lr)
{
	float *restrict p = m->params;
	float *restrict g = m->grads;

	/* One pass: update, and zero the gradient for the next batch. */
#pragma omp simd
	for (size_t i = 0; i < m->nparams; i++) {
		p[i] -= lr * g[i];
		g[i] = 0.0f;
	}
}
