/* Asynchronous successive halving (sweep.prune: asha) as a sweep runs it:
 * each trial's decisions at its rungs, written to trials/ID/rungs
 * ("rung K epochs E value V continue|stop|passed", atomically) before
 * anything acts on them, so a resumed sweep keeps every decision made. */
#ifndef EXP_ASHA_H
#define EXP_ASHA_H

#include <stddef.h>

#include "exp_prune.h"
#include "exp_sweep.h"
#include "nn_err.h"

/* A trial's rung decisions, read from its file once (zeroed: not yet). */
struct exp_asha_rungs {
	int read;
	unsigned char decided[EXP_ASHA_MAX_RUNGS], go[EXP_ASHA_MAX_RUNGS];
	double value[EXP_ASHA_MAX_RUNGS];
};

/* Running trial i (all: every trial's rungs): decides each rung it has
 * reached that is not decided yet, by the trials that reached the rung
 * before it. Returns 1 with *epoch the rung's last epoch when the trial
 * stops there, 0 when it goes on, or a negative code when a decision
 * cannot be written. */
int exp_asha_decide(const struct exp_sweep *s, const char *dir, size_t i, struct exp_asha_rungs *all, size_t *epoch,
		    struct nn_err *err);

/* Trial i ended done: the rungs it ran past before anyone looked are
 * recorded as passed, so they count for the trials after it. */
int exp_asha_ended(const struct exp_sweep *s, const char *dir, size_t i, struct exp_asha_rungs *all, struct nn_err *err);

#endif
