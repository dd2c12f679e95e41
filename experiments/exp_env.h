/* The settings nnlab takes from the environment: NNLAB_MAX_MEMORY (the
 * most a model, and the data a plugin reads, may take) and NNLAB_THREADS
 * (a run's threads when its config does not say). */
#ifndef EXP_ENV_H
#define EXP_ENV_H

#include <stddef.h>

#include "exp_config.h"
#include "nn_err.h"

/* NNLAB_MAX_MEMORY from the environment (bytes, or with a K, M, G or T
 * suffix), else this default. Returns 0, or NN_EINVAL for a value that is
 * no size. */
#define EXP_DEFAULT_MAX_MEMORY (8.0 * 1024 * 1024 * 1024)
int exp_env_memory_limit(double *bytes, struct nn_err *err);

/* The threads a run uses: train.threads, else NNLAB_THREADS (1 to
 * NN_TEAM_MAX), else every core this process may use. */
int exp_env_threads(const struct exp_config *cfg, size_t *threads, struct nn_err *err);

#endif
