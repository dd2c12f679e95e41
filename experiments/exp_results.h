/* A sweep's results: results.csv (one row per trial, in the definition's
 * order) and summary.md (the same ranked by the objective), written from
 * the trials' status files and metrics, and read back for the sweep page. */
#ifndef EXP_RESULTS_H
#define EXP_RESULTS_H

#include <stddef.h>

#include "exp_sweep.h"
#include "nn_err.h"

/* Writes results.csv and summary.md of the sweep in dir. */
int exp_results_write(const struct exp_sweep *s, const char *dir, struct nn_err *err);

struct exp_results_row {
	char id[17];
	char *values[EXP_SWEEP_MAX_PARAMS];  /* as the definition writes them */
	unsigned long long seed;
	char status[16];                     /* "done", "failed", ... */
	double best, final;                  /* NAN when there is none */
	double seconds;                      /* the trial's wall time; NAN before it ends */
	long best_epoch;                     /* -1 when there is none */
	size_t epochs;
	char *note;
};

struct exp_results {
	size_t nparams;
	char *keys[EXP_SWEEP_MAX_PARAMS];    /* the swept keys (the seed is not one) */
	char metric[64];                     /* the objective */
	int maximize;
	struct exp_results_row *rows;        /* in the definition's order */
	size_t nrows;
};

/* Reads dir/results.csv and the objective's goal from dir/definition.txt.
 * Returns 0 or a code; r needs exp_results_fini either way. */
int exp_results_read(struct exp_results *r, const char *dir, struct nn_err *err);
void exp_results_fini(struct exp_results *r);

/* The models a sweep directory holds: the best.json of each trial that
 * ended done, best objective first (ties in the sweep's order), at most
 * top (0: all), appended to models[*n ..] (each allocated; the caller
 * frees them) up to cap. Returns 0 or a code (NN_EINVAL: no trial done,
 * or more than cap models). */
int exp_results_models(const char *dir, size_t top, char **models, size_t *n, size_t cap,
		       struct nn_err *err);

#endif
