/* One experiment run: load the data through its plugin, build or load the
 * model, train epoch by epoch, and keep the run directory up to date. */
#ifndef EXP_RUN_H
#define EXP_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "exp_config.h"
#include "nn_err.h"

struct exp_run_opts {
	const char *out_dir;  /* NULL: runs/NAME, or runs/NAME-2, -3... if taken */
	FILE *log;            /* per-epoch lines and the summary; NULL for none */
	int progress;         /* draw a progress bar on stderr */
	/* When not NULL, checked after every mini-batch: once it is nonzero
	 * the run stops (a signal handler sets it). */
	volatile sig_atomic_t *stop;
	/* When not NULL, called once just before the run directory is first
	 * written: main installs the handlers that set *stop there, so a stop
	 * while the data or model loads ends the process at once (nothing is
	 * written yet) instead of after the loading. */
	void (*before_writing)(void);
	int plot_terminal;    /* draw the accuracy curve as text at the end */
	const char *heartbeat; /* a file rewritten every few seconds while running, or NULL */
	/* Go on from the run directory's checkpoint (out_dir, else exactly
	 * runs/NAME) when there is one: the same config but for train.epochs,
	 * the same results as a run never stopped. Without one, a new run. */
	int resume;
	/* Leave the charts for later (a sweep's trial: the sweep draws those
	 * of its best trials, `nnlab report DIR` any other's). */
	int charts_later;
	/* When not NULL, rewrites the run's page (live while the run goes,
	 * then once more at its end), called only when DIR/report.html
	 * exists: someone asked for it (nnlab report DIR, a sweep). */
	int (*page)(const char *dir, int live, FILE *log, struct nn_err *err);
};

struct exp_run_result {
	char dir[4096];          /* the run directory */
	size_t epochs_run;
	size_t best_epoch;       /* 0-based, as printed: best by validation, else eval */
	size_t best_correct;     /* the evaluated split's count at the best epoch */
	size_t eval_total;
	size_t best_selection;   /* the count that chose it (validation, else eval) */
	size_t selection_total;
	size_t peak_epoch;       /* the epoch with the most correct in the evaluated split */
	size_t peak_correct;
	double seconds;          /* whole run */
};

/* Runs cfg. Returns 0; NN_EINVAL when the config does not fit the data or
 * plugin (a usage error); another negative code for a runtime failure
 * (unreadable data, a broken plugin, a diverging run, a full disk, a stop
 * request: NN_EINTR). Files written before a failure stay whole. */
int exp_run(const struct exp_config *cfg, const struct exp_run_opts *opts,
	    struct exp_run_result *res, struct nn_err *err);

/* The outcome file of a run (nnlab run --result FILE), so a program that
 * ran it (a sweep) learns what happened from a file with a format, not
 * from the run's log: "outcome: NAME\nmessage: TEXT\n". */
enum exp_outcome {
	EXP_OUTCOME_DONE,
	EXP_OUTCOME_DIVERGED,  /* stopped on NaN or infinity (NN_EDIVERGED) */
	EXP_OUTCOME_STOPPED,   /* asked to stop (NN_EINTR) */
	EXP_OUTCOME_CONFIG,    /* a usage or config error (NN_EINVAL) */
	EXP_OUTCOME_FAILED     /* any other failure */
};

/* The outcome of a run that returned rc (0 or a negative NN_E* code). */
enum exp_outcome exp_run_outcome_of(int rc);
const char *exp_run_outcome_name(enum exp_outcome o);

/* Writes path atomically: rc's outcome, its message (one line) and,
 * when seconds > 0, the run's wall time ("seconds: 6.021": from its start
 * to its end, data loading included, the attempts of a resumed run
 * added up). */
int exp_run_result_write(const char *path, int rc, const char *message, double seconds,
			 struct nn_err *err);

/* Reads an outcome file: returns the outcome and copies its message into
 * message, and its wall time into *seconds (when not NULL; NAN when the
 * file has none), or returns -1 when the file is missing or malformed. */
int exp_run_result_read(const char *path, char *message, size_t len, double *seconds);

#endif
