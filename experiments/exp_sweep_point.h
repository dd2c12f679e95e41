/* A sweep's points and trials as its definition (exp_sweep.c) and TPE's
 * proposals (exp_sweep_propose.c) both make them; for those two files. */
#ifndef EXP_SWEEP_POINT_H
#define EXP_SWEEP_POINT_H

#include "exp_sweep.h"

/* One drawn, listed or proposed parameter set, before repeats. */
struct exp_sweep_point {
	size_t n;
	const char *keys[EXP_SWEEP_MAX_PARAMS];
	char *values[EXP_SWEEP_MAX_PARAMS];
};

/* Adds key=value (a copy of value; key borrowed) to p; a swept seed must
 * be a whole number. where is the config node errors name. */
int exp_sweep_point_add(struct exp_sweep_point *p, const char *key, const char *value,
			const struct exp_node *where, struct nn_err *err);
void exp_sweep_point_free(struct exp_sweep_point *p);

/* Appends the trial of point p with seed (a swept seed overrides it),
 * its id the hash of its values. */
int exp_sweep_add_trial(struct exp_sweep *s, const struct exp_sweep_point *p, unsigned long long seed,
			struct nn_err *err);

#endif
