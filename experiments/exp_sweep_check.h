/* A sweep's trials checked before any runs: each trial's model planned
 * against its data. */
#ifndef EXP_SWEEP_CHECK_H
#define EXP_SWEEP_CHECK_H

#include "exp_sweep.h"
#include "nn_err.h"

/* Plans every trial's model against its data (exp_model_plan), as its
 * run will: returns 0, or the first refusal ("trial ID: ...") with its
 * code, NN_EINVAL for a config error. */
int exp_sweep_check_models(const struct exp_sweep *s, struct nn_err *err);

#endif
