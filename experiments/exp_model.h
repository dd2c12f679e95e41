/* The model a config asks for, checked against its data: planned (shapes
 * and memory, nothing allocated) for nnlab check and a sweep's trials,
 * then made for a run: created and initialised, or read from model.from. */
#ifndef EXP_MODEL_H
#define EXP_MODEL_H

#include <stddef.h>

#include "exp_config.h"
#include "exp_data.h"
#include "nn_err.h"
#include "nn_model.h"
#include "nn_rng.h"

/* The examples a run's model holds at once: a mini-batch, or an
 * evaluation batch when that is larger. Run and check use it alike. */
#define EXP_EVAL_BATCH 256
size_t exp_model_batch(const struct exp_config *cfg);

/* The config's model for d, planned but not allocated: its layers with
 * their shapes, the bytes it would take for max_batch examples, and the
 * model of model.from (read for one example). */
struct exp_model_plan {
	struct nn_spec specs[NN_MAX_LAYERS];
	struct nn_layer layers[NN_MAX_LAYERS];  /* shapes and counts, no storage */
	size_t n, max_batch, params;
	struct nn_shape input;
	double bytes;                            /* as nn_model_plan counts them */
	enum nn_cost cost;
	struct nn_model *file;                   /* owned, or NULL */
};

/* Plans cfg's model as exp_model_make would build it, refusing what it
 * would refuse (the layers against the data, the memory limit) without
 * allocating the model. Returns 0 (free with exp_model_plan_fini) or a
 * negative code with err filled, p then needing no fini. */
int exp_model_plan(struct exp_model_plan *p, const struct exp_config *cfg,
		   const struct exp_data *d, size_t max_batch, struct nn_err *err);
void exp_model_plan_fini(struct exp_model_plan *p);

/* Builds the config's model for d: loaded from model.from, or created and
 * initialised from rng, with the config's activations, cost and dropout
 * (a loaded model keeps its file's cost unless the config sets train.cost).
 * Returns NULL and fills err (code NN_EINVAL for a mismatch with the
 * config or the data). */
struct nn_model *exp_model_make(const struct exp_config *cfg, const struct exp_data *d,
				size_t max_batch, struct nn_rng *rng, struct nn_err *err);

/* Sets cfg's model keys (layers, input, activations, cost) to those of
 * m, which exp_model_make built from cfg: the resolved config a run
 * writes, which builds the same net again. */
void exp_model_resolve(struct exp_config *cfg, const struct nn_model *m);

/* The regularisation term a reported cost includes: lambda/(2n) sum w^2
 * + lambda_1/n sum |w| with the config's lambdas, n the size of the data
 * scored (network2.py's total_cost). */
double exp_model_reg_cost(const struct nn_model *m, const struct exp_config *cfg, size_t n);

#endif
