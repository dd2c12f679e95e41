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

#endif
