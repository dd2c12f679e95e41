/* A sweep's directory taken for its definition: new, or resumed when it
 * holds the same one, or (--force) the next free DIR-N; locked against
 * other sweeps; its trials checked against their data before any runs. */
#ifndef EXP_CLAIM_H
#define EXP_CLAIM_H

#include <stddef.h>

#include "exp_sweep.h"
#include "nn_err.h"

/* Claims dir (the name written back when --force picks DIR-N), then runs
 * opts->check with the data cached in dir/.data-cache (unless
 * NNLAB_DATA_CACHE says where; set for the rest of the process); a
 * failed check removes what the claim made and returns its code.
 * Returns the lock (for exp_fs_unlock_dir) or a negative code. */
int exp_claim_checked(const struct exp_sweep *s, const struct exp_sweep_opts *opts, char *dir, size_t len,
		      struct nn_err *err);

#endif
