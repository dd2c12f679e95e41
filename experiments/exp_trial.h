/* One trial of a sweep, in its own directory: the status file that
 * survives crashes, the heartbeat, its launch as an 'nnlab run' process,
 * and the record of how it ended. */
#ifndef EXP_TRIAL_H
#define EXP_TRIAL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "exp_metrics.h"
#include "exp_sweep.h"
#include "nn_err.h"

#define EXP_TRIAL_STALE_SECONDS 120  /* a running trial silent this long is dead */
#define EXP_TRIAL_MAX_ATTEMPTS 3     /* runs of a trial killed by a signal */
/* Exit status of a trial process that could not write its own status
 * file or log: the sweep's bookkeeping, not the trial, failed. */
#define EXP_TRIAL_EXIT_BOOKKEEPING 125

enum exp_trial_state {
	EXP_TRIAL_PENDING,
	EXP_TRIAL_RUNNING,
	EXP_TRIAL_DONE,
	EXP_TRIAL_FAILED,
	EXP_TRIAL_DIVERGED,
	EXP_TRIAL_PRUNED
};
#define EXP_TRIAL_NSTATES 6

/* "pending", "running", ...: as the status file and results.csv write them. */
extern const char *const exp_trial_state_names[EXP_TRIAL_NSTATES];

/* A trial's status file. */
struct exp_trial_status {
	enum exp_trial_state state;
	long pid;
	char host[128];
	double heartbeat;       /* seconds since the epoch */
	int attempt;
	char note[512];
};

/* The directory of trial t of the sweep in dir: dir/trials/ID. */
void exp_trial_dir(const char *dir, const struct exp_trial *t, char *out, size_t len);

/* Trial i as the console names it: "trial 3/9 (ID) train.eta=0.5 seed=1". */
const char *exp_trial_label(const struct exp_sweep *s, size_t i, char *buf, size_t len);

/* Writes tdir/status atomically. */
int exp_trial_write_status(const char *tdir, const struct exp_trial_status *st, struct nn_err *err);

/* Reads tdir/status; a missing or unreadable one is pending. */
void exp_trial_read_status(const char *tdir, struct exp_trial_status *st);

/* A trial marked running whose process is gone (on this host) or silent
 * for EXP_TRIAL_STALE_SECONDS. */
int exp_trial_is_stale(const char *tdir, const struct exp_trial_status *st);

/* Whether a trial marked running is a process of this host whose sweep
 * has died (its parent is no longer an nnlab process): it is stopping, as
 * its sweep's death told it to, and will be gone in a moment. */
int exp_trial_is_orphan(const struct exp_trial_status *st);

/* A trial's objective (s->metric) per scored epoch: a new array (NAN
 * where empty) and its length in *n; NULL with *n = 0 when there is none
 * yet. */
double *exp_trial_objective(const struct exp_sweep *s, const char *tdir, size_t *n);

/* The trial's metrics.csv (no rows when there is none yet); m needs
 * exp_metrics_fini. */
void exp_trial_metrics(const char *tdir, struct exp_metrics *m);

/* Starts trial i of the sweep in dir (a fresh trial directory) as an
 * 'nnlab run' child process, marked running by the child itself. Returns
 * its pid, or a negative code. */
pid_t exp_trial_launch(const struct exp_sweep *s, const char *dir, size_t i, int attempt,
		       struct nn_err *err);

/* Records how trial i ended from its wait status and its outcome file
 * (pruned: the sweep stopped it after pruned_epoch; stopping: the sweep is
 * stopping, so the trial is pending again), and says so on log. Returns
 * 0, or a code when the trial's bookkeeping cannot be written (a full
 * disk): the sweep must stop then, or it would run the trial forever. */
int exp_trial_finish(const struct exp_sweep *s, const char *dir, size_t i, int pruned,
		     size_t pruned_epoch, int status, int stopping, FILE *log, struct nn_err *err);

#endif
