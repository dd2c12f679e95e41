/* Running a sweep's trials: the coordinator that starts pending trials in
 * free slots, reaps them, prunes and keeps the results current, over an
 * executor (local child processes, or MPI ranks in exp_sweep_mpi.c). */
#ifndef EXP_SCHED_H
#define EXP_SCHED_H

#include <stdio.h>
#include <sys/types.h>

#include "exp_sweep.h"
#include "nn_err.h"

struct exp_sched_slot {
	pid_t pid;          /* the trial's process (local), or nonzero while busy (MPI) */
	size_t trial;
	int pruned;
	size_t pruned_epoch;
};

/* Where trials run: child processes here, or MPI ranks. */
struct exp_sched_executor {
	int nslots;
	/* Starts trial i (attempt) in free slot k; returns 0 or a code. */
	int (*start)(struct exp_sched_executor *x, const struct exp_sweep *s, const char *dir, int k,
		     size_t i, int attempt, struct nn_err *err);
	/* A slot whose trial ended: returns its index and wait status, or -1. */
	int (*reap)(struct exp_sched_executor *x, struct exp_sched_slot *slots, int *status);
	/* Asks slot k's trial to stop cleanly. */
	void (*stop)(struct exp_sched_executor *x, const struct exp_sweep *s, const char *dir, struct exp_sched_slot *sl);
	/* Ends the workers. */
	void (*close)(struct exp_sched_executor *x);
	/* Waits up to ms milliseconds, less when a trial ends; NULL: sleeps. */
	void (*wait)(struct exp_sched_executor *x, int ms);
};

/* Runs the sweep's trials on x until every one has ended (0), it is
 * stopped (NN_EINTR) or its bookkeeping fails. */
int exp_sched_coordinate(struct exp_sweep *s, const struct exp_sweep_opts *opts, char *dir,
			 struct exp_sched_executor *x, struct exp_sched_slot *slots, struct nn_err *err);

/* Runs the sweep on an executor like kind (its slots are allocated here),
 * then writes its page (unless charts are off); returns as
 * exp_sched_coordinate, or an error when a trial failed, so the exit
 * status says whether every trial finished. */
int exp_sched_run_on(struct exp_sweep *s, const struct exp_sweep_opts *opts, char *dir,
		     const struct exp_sched_executor *kind, struct nn_err *err);

/* Runs (or resumes) the sweep in opts->dir. Returns 0 when every trial
 * has ended (done, failed, diverged or pruned), NN_EINTR when stopped,
 * NN_EINVAL when the directory holds another definition, or another
 * negative code. */
int exp_sched_run(struct exp_sweep *s, const struct exp_sweep_opts *opts, struct nn_err *err);

#endif
