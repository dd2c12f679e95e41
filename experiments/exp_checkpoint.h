/* A run's checkpoint, DIR/checkpoint: all a run needs to go on after its
 * last scored epoch exactly as if it had not stopped (the model's
 * parameters and momentum, the random generator, the order of the
 * training examples, the schedule's and early stopping's state, the best
 * epoch so far, metrics.csv so far). Rewritten atomically after every
 * scored epoch; `nnlab run --resume` and a sweep's restarted trials read
 * it. Parameters are stored as raw floats: a checkpoint is for the machine
 * (byte order) that wrote it. */
#ifndef EXP_CHECKPOINT_H
#define EXP_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "exp_config.h"
#include "nn_err.h"
#include "nn_model.h"
#include "nn_rng.h"

struct exp_checkpoint {
	uint64_t config;          /* exp_checkpoint_config_hash of the run's config */
	size_t next_epoch;        /* the first epoch still to run */
	double eta;               /* the learning rate the schedule has reached */
	size_t best_select, since_best, since_change, scored;
	size_t peak_epoch, peak_correct;
	size_t best_epoch, best_correct, best_selection, selection_total;
	double seconds;           /* the run's time so far */
	int stopped;              /* the run ended by a rule: 1 early stopping, 2 eta's floor, 3 chance */
	size_t at_chance;         /* scored epochs in a row at one class (absent in older checkpoints: 0) */
	struct nn_rng rng;
	char *metrics;            /* metrics.csv's text so far (read: allocated) */
	size_t metrics_len;
};

/* A hash of the resolved config as config.yaml writes it, with
 * train.epochs left out (a run may go on for more epochs than it first
 * had) and train.threads (a sweep resumed with another -j gives its
 * trials other thread counts; a conv net's sums then differ in the last
 * bits from a run never stopped). */
uint64_t exp_checkpoint_config_hash(const struct exp_config *resolved, const char *const *names,
				    const char *const *values, size_t nopts);

/* Writes dir/checkpoint atomically: c, order[0 .. n) and m's state. */
int exp_checkpoint_write(const char *dir, const struct exp_checkpoint *c, const struct nn_model *m,
			 const uint32_t *order, size_t n, struct nn_err *err);

/* Reads dir/checkpoint into c, order[0 .. n) and m's state. Returns 0, 1
 * when there is no checkpoint, or NN_EINVAL naming the file when it is
 * malformed or does not fit (another model or training set); c->metrics
 * is then freed. */
int exp_checkpoint_read(const char *dir, struct exp_checkpoint *c, struct nn_model *m, uint32_t *order,
			size_t n, struct nn_err *err);

#endif
