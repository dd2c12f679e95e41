#include "nn_train.h"

#include <assert.h>
#include <math.h>
#include <string.h>

struct nn_data nn_data_slice(const struct nn_data *d, size_t first, size_t count)
{
	struct nn_data s = *d;
	size_t elem = d->type == NN_U8 ? sizeof(uint8_t) : sizeof(float);

	assert(first + count <= d->n);
	s.x = (const char *)d->x + first * d->dim * elem;
	s.labels = d->labels + first;
	s.n = count;
	return s;
}

void nn_data_gather(float *out, const struct nn_data *d, const uint32_t *idx, size_t batch)
{
	size_t dim = d->dim;
	float scale = d->scale;

	for (size_t r = 0; r < batch; r++) {
		float *restrict o = out + r * dim;

		if (d->type == NN_U8) {
			const uint8_t *restrict x = (const uint8_t *)d->x + (size_t)idx[r] * dim;

			for (size_t i = 0; i < dim; i++)
				o[i] = (float)x[i] * scale;
		} else {
			const float *restrict x = (const float *)d->x + (size_t)idx[r] * dim;

			for (size_t i = 0; i < dim; i++)
				o[i] = x[i] * scale;
		}
	}
}

/* Asks the cache for the next mini-batch's examples, which a shuffled
 * order scatters over the whole dataset. */
static void prefetch_rows(const struct nn_data *d, const uint32_t *idx, size_t count)
{
#if defined(__GNUC__)
	size_t bytes = d->dim * (d->type == NN_U8 ? sizeof(uint8_t) : sizeof(float));

	for (size_t r = 0; r < count; r++) {
		const char *row = (const char *)d->x + (size_t)idx[r] * bytes;

		for (size_t off = 0; off < bytes; off += 64)
			__builtin_prefetch(row + off);
	}
#else
	(void)d;
	(void)idx;
	(void)count;
#endif
}

int nn_train_epoch(struct nn_model *m, const struct nn_data *d, const struct nn_sgd *opt,
		    uint32_t *order, struct nn_rng *rng,
		    nn_progress_fn progress, void *ctx)
{
	int32_t *labels = m->labels;
	struct nn_step step = {
		.l2 = opt->eta * opt->l2 / (float)d->n,
		.l1 = opt->eta * opt->l1 / (float)d->n,
		.momentum = opt->momentum,
	};

	assert(opt->batch_size > 0 && opt->batch_size <= m->max_batch);
	if (opt->shuffle)
		nn_rng_shuffle(rng, order, d->n);
	nn_team_pace_begin(m->team);
	for (size_t k = 0; k < d->n; k += opt->batch_size) {
		size_t batch = d->n - k < opt->batch_size ? d->n - k : opt->batch_size;

		size_t left = d->n - k - batch;

		prefetch_rows(d, order + k + batch, left < opt->batch_size ? left : opt->batch_size);
		nn_data_gather(nn_model_input(m), d, order + k, batch);
		for (size_t r = 0; r < batch; r++)
			labels[r] = d->labels[order[k + r]];
		nn_model_forward_train(m, batch, rng);
		step.lr = opt->eta / (float)batch;
		nn_model_backward_step(m, labels, batch, &step);
		nn_team_tick(m->team);
		if (progress && progress(ctx, k + batch, d->n))
			return 1;
	}
	return 0;
}

/* The outputs for examples k .. k + batch - 1 of d, in order. */
static const float *forward_rows(struct nn_model *m, const struct nn_data *d, size_t k, size_t batch)
{
	for (size_t r = 0; r < batch; r++)
		m->rows[r] = (uint32_t)(k + r);
	nn_data_gather(nn_model_input(m), d, m->rows, batch);
	return nn_model_forward(m, batch);
}

/* The predicted class: the first of the largest outputs. */
static size_t argmax(const float *y, size_t n)
{
	size_t best = 0;

	for (size_t j = 1; j < n; j++)
		if (y[j] > y[best])
			best = j;
	return best;
}

static void evaluate(struct nn_model *m, const struct nn_data *d, struct nn_eval *out,
		     size_t *confusion)
{
	size_t nout = nn_model_outputs(m);
	double cost = 0.0;

	out->correct = 0;
	out->total = d->n;
	for (size_t k = 0; k < d->n; k += m->max_batch) {
		size_t batch = d->n - k < m->max_batch ? d->n - k : m->max_batch;
		const float *a = forward_rows(m, d, k, batch);

		cost += nn_cost_sum(a, d->labels + k, batch, nout, m->cost);
		for (size_t r = 0; r < batch; r++) {
			size_t best = argmax(a + r * nout, nout), label = (size_t)d->labels[k + r];

			out->correct += best == label;
			if (confusion)
				confusion[label * nout + best]++;
		}
	}
	out->cost = d->n ? cost / (double)d->n : 0.0;
}

void nn_evaluate(struct nn_model *m, const struct nn_data *d, struct nn_eval *out)
{
	evaluate(m, d, out, NULL);
}

void nn_evaluate_confusion(struct nn_model *m, const struct nn_data *d, struct nn_eval *out,
			   size_t *confusion)
{
	evaluate(m, d, out, confusion);
}

void nn_bias_gradient_norms(struct nn_model *m, const struct nn_data *d, double *norms)
{
	memset(m->grads, 0, m->nparams * sizeof(*m->grads));
	for (size_t k = 0; k < d->n; k += m->max_batch) {
		size_t batch = d->n - k < m->max_batch ? d->n - k : m->max_batch;

		forward_rows(m, d, k, batch);
		nn_model_backward(m, d->labels + k, batch);
	}
	/* gb sums over the examples: the average is gb / n. */
	for (size_t i = 0, k = 0; i < m->nlayers && k < nn_model_hidden_count(m); i++) {
		const struct nn_layer *l = &m->layers[i];
		double sq = 0;

		if (!l->nw && !l->nb)
			continue;
		for (size_t j = 0; j < l->nb; j++) {
			double g = (double)l->gb[j] / (double)d->n;

			sq += g * g;
		}
		norms[k++] = sqrt(sq);
	}
	memset(m->grads, 0, m->nparams * sizeof(*m->grads));
}

void nn_predict(struct nn_model *m, const struct nn_data *d, int32_t *pred)
{
	size_t nout = nn_model_outputs(m);

	for (size_t k = 0; k < d->n; k += m->max_batch) {
		size_t batch = d->n - k < m->max_batch ? d->n - k : m->max_batch;
		const float *a = forward_rows(m, d, k, batch);

		for (size_t r = 0; r < batch; r++)
			pred[k + r] = (int32_t)argmax(a + r * nout, nout);
	}
}

void nn_vote(int32_t *out, const int32_t *preds, size_t nmodels, size_t n, size_t classes)
{
	for (size_t i = 0; i < n; i++) {
		size_t best_votes = 0;
		int32_t best = preds[i];

		/* Models in order: a class takes the lead only with more votes,
		 * so of tied classes the one named first stays. */
		for (size_t k = 0; k < nmodels; k++) {
			int32_t c = preds[k * n + i];
			size_t votes = 0;

			if (c < 0 || (size_t)c >= classes)
				continue;
			for (size_t j = 0; j < nmodels; j++)
				votes += preds[j * n + i] == c;
			if (votes > best_votes) {
				best_votes = votes;
				best = c;
			}
		}
		out[i] = best;
	}
}
