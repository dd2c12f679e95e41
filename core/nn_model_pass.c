/* The model's passes over a mini-batch: forward (a stack of conv and
 * pooling layers as one job of the team, the other layers one by one),
 * backward from the cost's gradient, and the SGD step, folded into the
 * backward pass of the large fully connected layers. How the work is
 * shared among the threads, and why the bits do not depend on how many
 * there are, is in docs/speed.md. */
#include "nn_model.h"

#include <string.h>

/* Activations of a layer's batch, split among the team by examples when
 * there are enough of them to pay for the hand-off (elementwise or per
 * row: the same bits on any thread count). */
#define ACT_SPLIT (1u << 14)

struct act_job {
	struct nn_layer *l;
	size_t batch;
	int backward;
};

static void act_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	(void)thread;
	const struct act_job *j = ctx;
	const struct nn_layer *l = j->l;
	size_t n = nn_shape_size(l->out), e0 = j->batch * part / parts, e1 = j->batch * (part + 1) / parts;

	if (j->backward)
		nn_act_backward(l->d + e0 * n, l->a + e0 * n, e1 - e0, n, l->act);
	else
		nn_act_forward(l->a + e0 * n, e1 - e0, n, l->act);
}

static void activate(struct nn_team *team, struct nn_layer *l, size_t batch, int backward)
{
	struct act_job j = { l, batch, backward };

	if (batch * nn_shape_size(l->out) >= ACT_SPLIT)
		nn_team_run(team, act_part, &j, nn_team_parts(team));
	else
		nn_team_run_awake(team, act_part, &j, nn_team_parts(team), batch * nn_shape_size(l->out));
}

/* Examples a thread takes through a stack of layers at a time: few
 * enough that a conv layer's output (46 KB an example for the book's
 * first) waits in its cache for the pooling after it. */
#define STACK_EXAMPLES 8

/* Layers [first, end) forward, each thread its part of the batch. */
struct stack_job {
	struct nn_model *m;
	size_t first, end, batch;
};

static void stack_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	const struct stack_job *j = ctx;
	struct nn_model *m = j->m;
	size_t e1 = j->batch * (part + 1) / parts;

	for (size_t e0 = j->batch * part / parts; e0 < e1; e0 += STACK_EXAMPLES) {
		size_t n = e1 - e0 < STACK_EXAMPLES ? e1 - e0 : STACK_EXAMPLES;
		const float *in = j->first ? m->layers[j->first - 1].a : m->x;

		for (size_t i = j->first; i < j->end; i++) {
			struct nn_layer *l = &m->layers[i];
			size_t out_n = nn_shape_size(l->out);

			l->kind->forward_examples(l, in, e0, e0 + n, m->team, thread);
			if (l->activates)
				nn_act_forward(l->a + e0 * out_n, n, out_n, l->act);
			in = l->a;
		}
	}
}

static const float *forward(struct nn_model *m, size_t batch, struct nn_rng *rng)
{
	struct nn_work x = { m->team };

	for (size_t i = 0; i < m->nlayers;) {
		struct nn_layer *l = &m->layers[i];
		struct stack_job j = { m, i, i, batch };

		/* A stack of layers that go example by example: one job. */
		for (; j.end < m->nlayers && m->layers[j.end].kind->forward_examples; j.end++)
			m->layers[j.end].kind->forward_begin(&m->layers[j.end], rng);
		if (j.end > i) {
			nn_team_run(m->team, stack_part, &j, nn_team_parts(m->team));
			i = j.end;
			continue;
		}
		l->kind->forward(l, i ? m->layers[i - 1].a : m->x, &x, rng, batch);
		if (l->activates)
			activate(m->team, l, batch, 0);
		i++;
	}
	return m->layers[m->nlayers - 1].a;
}

const float *nn_model_forward(struct nn_model *m, size_t batch)
{
	return forward(m, batch, NULL);
}

const float *nn_model_forward_train(struct nn_model *m, size_t batch, struct nn_rng *rng)
{
	return forward(m, batch, rng);
}

/* Whether training folds a layer's step into its backward pass: every
 * layer whose kind can. Even the chapter-1 net's layers, whose weights
 * and gradients stay in cache between a backward pass and a step, train
 * faster folded (one pass over the weights, no gradient array): a
 * mini-batch of 10 images drawn from 50,000 through [784, 30, 10] took
 * 17.3-26.9 us folded against 19.7-27.6 us, [784, 100, 10] 48.9 against
 * 53.1 us (the two in turn in one process, best of 10 x 1,000). */
static int folds_step(const struct nn_layer *l)
{
	return l->kind->backward_step != NULL;
}

/* Backward; with s, each layer that folds its step in is stepped there. */
static void backward(struct nn_model *m, const int32_t *labels, size_t batch, const struct nn_step *s)
{
	struct nn_layer *top = &m->layers[m->nlayers - 1];
	struct nn_work x = { m->team };
	size_t first = 0;

	while (!m->layers[first].nw && !m->layers[first].nb)
		first++;
	/* dC/dz of the output layer: the cost and the output activation together. */
	nn_cost_delta(top->d, top->a, labels, batch, nn_shape_size(top->out), m->cost, top->spec.act);
	for (size_t i = m->nlayers; i-- > 0;) {
		struct nn_layer *l = &m->layers[i];
		struct nn_layer *below = i ? &m->layers[i - 1] : NULL;
		float *din = NULL;

		if (l != top && l->activates)
			activate(m->team, l, batch, 1);
		/* The input's gradient is needed only down to the first layer
		 * with parameters. */
		if (below && i > first) {
			din = below->d;
			if (!l->kind->sets_din)
				memset(din, 0, batch * nn_shape_size(below->out) * sizeof(float));
		}
		if (s && folds_step(l))
			l->kind->backward_step(l, din, below ? below->a : m->x, &x, batch, s,
					       m->velocity + (l->w - m->params));
		else
			l->kind->backward(l, din, below ? below->a : m->x, &x, batch);
	}
}

void nn_model_backward(struct nn_model *m, const int32_t *labels, size_t batch)
{
	backward(m, labels, batch, NULL);
}

/* Parameters from which the step is shared among the team's threads,
 * each taking a slice of every layer's weights and biases. Below, waking
 * threads that had nothing else to do costs more than the step saves:
 * split from 2^16, [784, 100, 10] (79,510) took 0.64 s an epoch on two
 * threads against 0.41 s on one. */
#define STEP_SPLIT (1u << 18)

struct step_job {
	struct nn_model *m;
	const struct nn_step *s;
	int folded;      /* skip the layers stepped in their backward pass */
};

static void step_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	(void)thread;
	const struct step_job *j = ctx;
	const struct nn_step *s = j->s;
	struct nn_model *m = j->m;

	for (size_t i = 0; i < m->nlayers; i++) {
		struct nn_layer *l = &m->layers[i];

		if ((!l->nw && !l->nb) || (j->folded && folds_step(l)))
			continue;
		size_t off = (size_t)(l->w - m->params);
		size_t w0 = l->nw * part / parts, w1 = l->nw * (part + 1) / parts;
		size_t b0 = l->nb * part / parts, b1 = l->nb * (part + 1) / parts;

		nn_step_update(l->w + w0, l->gw + w0, m->velocity + off + w0, w1 - w0, s->lr, s->l2, s->l1,
			       s->momentum);
		nn_step_update(l->b + b0, l->gb + b0, m->velocity + off + l->nw + b0, b1 - b0, s->lr, 0.0f,
			       0.0f, s->momentum);
	}
}

static void step(struct nn_model *m, const struct nn_step *s, int folded)
{
	struct step_job j = { m, s, folded };
	size_t n = 0;

	for (size_t i = 0; i < m->nlayers; i++)
		if (!folded || !folds_step(&m->layers[i]))
			n += m->layers[i].nw + m->layers[i].nb;
	/* Elementwise: the same bits however it is split. */
	if (n >= STEP_SPLIT)
		nn_team_run(m->team, step_part, &j, nn_team_parts(m->team));
	else if (n)
		nn_team_run_awake(m->team, step_part, &j, nn_team_parts(m->team), n);
}

void nn_model_step(struct nn_model *m, const struct nn_step *s)
{
	step(m, s, 0);
}

void nn_model_backward_step(struct nn_model *m, const int32_t *labels, size_t batch,
			    const struct nn_step *s)
{
	backward(m, labels, batch, s);
	step(m, s, 1);
}
