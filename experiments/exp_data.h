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

#endif
