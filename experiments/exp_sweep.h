/* Hyperparameter sweeps: a config's `sweep:` section expands into trials
 * (grid points, random samples, repeated seeds); each trial runs as its
 * own `nnlab run` process in its own directory, with a status file that
 * survives crashes, so a sweep can be stopped, killed and resumed. */
#ifndef EXP_SWEEP_H
#define EXP_SWEEP_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "exp_config.h"
#include "exp_tpe.h"
#include "nn_err.h"

#define EXP_SWEEP_MAX_PARAMS 16

struct exp_trial {
	char id[17];                              /* stable: hash of params and seed */
	size_t nparams;
	const char *keys[EXP_SWEEP_MAX_PARAMS];   /* dotted keys, borrowed */
	char *values[EXP_SWEEP_MAX_PARAMS];       /* YAML text, owned */
	unsigned long long seed;
};

#define EXP_SWEEP_ALL_CHARTS ((size_t)-1)
#define EXP_SWEEP_TRIAL_CHARTS 5  /* trial_charts unless the config says */

struct exp_sweep {
	const struct exp_config *cfg;
	struct exp_trial *trials;
	size_t ntrials;
	char metric[64];         /* objective: a metrics.csv column */
	int maximize;
	int prune;               /* median pruning on */
	int asha;                /* prune: {asha: ...}: successive halving instead */
	size_t asha_min_epochs, asha_reduction;
	size_t prune_warmup;     /* epochs before a trial can be pruned */
	size_t prune_min_trials; /* finished trials needed for a median */
	char *definition;        /* canonical text of the expanded sweep */
	/* With charts on: the charts of the best trial_charts trials are drawn
	 * when the sweep ends, the others' on request; or each trial draws its
	 * own (EXP_SWEEP_ALL_CHARTS). Not part of the definition. */
	size_t trial_charts;

	/* random.search: tpe. The first 'startup' points are drawn at random
	 * when the sweep loads; the others are proposed (exp_sweep_propose)
	 * as slots free up, each point 'repeats' trials appended to trials. */
	int tpe;
	size_t budget;           /* points in all (random.trials) */
	size_t startup;
	size_t repeats;
	size_t npoints;          /* points so far */
	uint64_t search_seed;    /* random.seed */
	size_t nsearch;          /* the searched keys (random.params) */
	const char *search_keys[EXP_SWEEP_MAX_PARAMS];
	const struct exp_node *search_args[EXP_SWEEP_MAX_PARAMS];  /* a distribution's list */
	struct exp_tpe_param search[EXP_SWEEP_MAX_PARAMS];
};

/* Expands cfg's sweep section. Returns 0, or NN_EINVAL with
 * "file:line:col:" in err. */
int exp_sweep_load(struct exp_sweep *s, const struct exp_config *cfg, struct nn_err *err);
void exp_sweep_fini(struct exp_sweep *s);

/* tpe: proposes the next point from the trials so far (objective[i]:
 * trial i's best objective, NAN while it runs or when it failed, which
 * counts as the worst) and appends its trials. The point's draws are
 * seeded by random.seed and the point's number alone, so the same
 * results give the same proposal. Returns the trials added, 0 once the
 * budget is spent, or a negative code. */
int exp_sweep_propose(struct exp_sweep *s, const double *objective, struct nn_err *err);

/* tpe: the points proposed so far (after the startup ones), one line
 * each, written to DIR/proposals.txt atomically before their trials
 * start; and read back by a resumed sweep (or an MPI worker), which
 * appends the points it does not have yet. A missing file holds none. */
int exp_sweep_write_proposals(const struct exp_sweep *s, const char *dir, struct nn_err *err);
int exp_sweep_read_proposals(struct exp_sweep *s, const char *dir, struct nn_err *err);

/* The --set arguments that run trial i, in the order they apply: the
 * sweep's own --set values, sweep=null (a trial runs the base config
 * once), the trial's parameters, then its seed. The same list checks the
 * trial when the sweep loads and runs it, so what was checked is what
 * runs. Returns a NULL-terminated array of new strings (free with
 * exp_sweep_free_sets) and its length in *n, or NULL. */
char **exp_sweep_trial_sets(const struct exp_sweep *s, size_t i, size_t *n);
void exp_sweep_free_sets(char **sets);

struct exp_sweep_opts {
	const char *dir;            /* the sweep directory */
	int jobs;                   /* trials at once */
	int force;                  /* a changed definition starts DIR-2, ... */
	int retry_failed;           /* failed trials run again, in place */
	/* When not NULL, called as trials end (at most every few seconds,
	 * log NULL) and once when the sweep has ended (with log): the
	 * caller's report of the sweep directory, such as its page. A
	 * failure is a warning on log, never the sweep's. */
	int (*report)(const char *dir, FILE *log, struct nn_err *err);
	/* When not NULL, called once the directory is claimed, before any
	 * trial starts: every trial checked against its data (decoded into
	 * the directory's .data-cache, where the trials then read it). A
	 * failure ends the sweep, removing the directory if this sweep made
	 * it. */
	int (*check)(const struct exp_sweep *s, struct nn_err *err);
	FILE *log;
	volatile sig_atomic_t *stop;
};

#endif
