/* Median pruning, the rule alone: whether a running trial stops, given
 * its objective at its latest epoch and the finished trials' objectives
 * at that epoch. The scheduler reads the files and asks. */
#ifndef EXP_PRUNE_H
#define EXP_PRUNE_H

#include <stddef.h>

struct exp_prune_rule {
	size_t warmup;      /* epochs a trial runs before it can be stopped */
	size_t min_trials;  /* finished trials needed for a median */
	int maximize;       /* the objective's goal */
};

/* The median of vals[0 .. n), n > 0 (sorted in place): the middle value,
 * or the mean of the two middle ones for an even n. */
double exp_prune_median(double *vals, size_t n);

/* Whether a trial that has scored epochs epochs, mine at the last of them,
 * stops: after rule->warmup epochs (so from epoch number warmup + 1),
 * when at least min_trials finished trials scored that epoch (theirs[0 ..
 * m), sorted in place), and mine is worse than their median. A NaN mine
 * (no score) never stops a trial. */
int exp_prune_stops(const struct exp_prune_rule *rule, size_t epochs, double mine, double *theirs,
		    size_t m);

/* Asynchronous successive halving (ASHA, Li et al. 2018): rungs at
 * min_epochs, min_epochs * reduction, min_epochs * reduction^2, ...
 * epochs, below max_epochs. A trial that reaches a rung goes on only if
 * its objective there ranks in the top 1/reduction of the trials that
 * reached the rung, itself included; decided once, when it gets there,
 * so no trial waits for others. */
#define EXP_ASHA_MAX_RUNGS 32

struct exp_asha {
	size_t min_epochs;  /* the first rung */
	size_t reduction;   /* eta: the share that goes on is 1/reduction */
	size_t max_epochs;  /* the trials' epochs: no rung at or past it */
	int maximize;
};

/* The epochs of rung k, or 0 when there is no rung k. */
size_t exp_asha_rung(const struct exp_asha *a, size_t k);

/* Whether a trial with mine at a rung goes on, theirs[0 .. m) the
 * objectives there of the trials that reached it before: when fewer than max(1, (m + 1) / reduction) of them are better
 * than mine. A NaN mine (no score) stops. */
int exp_asha_continues(const struct exp_asha *a, double mine, double *theirs, size_t m);

#endif
