/* A run's data: the plugin's dataset cut into training, validation and
 * test views, and its model, checked against each other. */
#ifndef EXP_DATA_H
#define EXP_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "exp_config.h"
#include "exp_plugin.h"
#include "nn_model.h"
#include "nn_rng.h"
#include "nn_train.h"

struct exp_data {
	struct exp_plugin plugin;
	struct ds_dataset ds;
	struct nn_data train;        /* the first train_size examples (expanded when asked) */
	struct nn_data validation;   /* the last validation_size examples; n may be 0 */
	struct nn_data test;
	uint8_t *expanded;           /* owned: the expanded training images, or NULL */
	int32_t *expanded_labels;
};

/* Finds and loads the config's plugin, reads the data and cuts it.
 * Returns 0, NN_EINVAL for a config that does not fit the plugin or the
 * data (with "file:line:col:"), or another negative code for a runtime
 * failure. On failure d needs no exp_data_close. */
int exp_data_open(struct exp_data *d, const struct exp_config *cfg, struct nn_err *err);
void exp_data_close(struct exp_data *d);

/* The split scored each epoch (cfg->eval). */
const struct nn_data *exp_data_eval(const struct exp_data *d, const struct exp_config *cfg);

/* The memory a model may take: NNLAB_MAX_MEMORY from the environment
 * (bytes, or with a K, M, G or T suffix), else this default. */
#define EXP_DEFAULT_MAX_MEMORY (8.0 * 1024 * 1024 * 1024)
int exp_memory_limit(double *bytes, struct nn_err *err);

/* The regularisation term a reported cost includes: lambda/(2n) sum w^2
 * + lambda_1/n sum |w| with the config's lambdas, n the size of the data
 * scored (network2.py's total_cost). */
double exp_reg_cost(const struct nn_model *m, const struct exp_config *cfg, size_t n);

/* The threads a run uses: train.threads, else NNLAB_THREADS (1 to
 * NN_TEAM_MAX), else every core this process may use. */
int exp_threads(const struct exp_config *cfg, size_t *threads, struct nn_err *err);

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

/* "file:line:col" of a config key, or a note that it is a default. */
const char *exp_config_where(const struct exp_config *cfg, const char *section,
			     const char *key, char *buf, size_t len);

#endif
