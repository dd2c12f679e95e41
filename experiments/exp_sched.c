#include "exp_sched.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exp_asha.h"
#include "exp_charts.h"
#include "exp_claim.h"
#include "exp_clock.h"
#include "exp_fs.h"
#include "exp_metrics.h"
#include "exp_prune.h"
#include "exp_results.h"
#include "exp_trial.h"
#include "nn_team.h"

#define REPORT_SECONDS 3.0  /* opts->report runs at most this often while the sweep runs */
#define POLL_MS 50           /* the coordinator looks at the running trials this often */


/* The objectives of the finished (done) trials, read once each: they do
 * not change any more. */
struct finished {
	double *vals;
	size_t n;
	int read;
};

/* Median pruning: stops a running trial whose objective at its latest
 * epoch is worse than the median of the done trials at that epoch.
 * ended[i] is 1 + the state of trial i once it has ended, else 0. */
static void prune(const struct exp_sweep *s, const char *dir, struct exp_sched_slot *slots, int nslots,
		  struct exp_sched_executor *x, const unsigned char *ended, struct finished *done)
{
	double *theirs = malloc((s->ntrials + 1) * sizeof(double));
	const struct exp_prune_rule rule = { s->prune_warmup, s->prune_min_trials, s->maximize };

	if (!theirs)
		return;
	for (int k = 0; k < nslots; k++) {
		char tdir[4400];
		size_t epochs, m = 0;
		double *mine;

		if (!slots[k].pid || slots[k].pruned)
			continue;
		exp_trial_dir(dir, &s->trials[slots[k].trial], tdir, sizeof(tdir));
		mine = exp_trial_objective(s, tdir, &epochs);
		if (!epochs) {
			free(mine);
			continue;
		}
		size_t e = epochs - 1;
		for (size_t i = 0; i < s->ntrials; i++) {
			if (ended[i] != 1 + EXP_TRIAL_DONE)
				continue;
			if (!done[i].read) {
				char odir[4400];

				exp_trial_dir(dir, &s->trials[i], odir, sizeof(odir));
				done[i].vals = exp_trial_objective(s, odir, &done[i].n);
				done[i].read = 1;
			}
			if (done[i].n > e && !isnan(done[i].vals[e]))
				theirs[m++] = done[i].vals[e];
		}
		if (exp_prune_stops(&rule, epochs, mine[e], theirs, m)) {
			slots[k].pruned = 1;
			slots[k].pruned_epoch = e;
			x->stop(x, s, dir, &slots[k]);
		}
		free(mine);
	}
	free(theirs);
}

/* --- the local executor: child processes ------------------------------------ */

static int local_start(struct exp_sched_executor *x, const struct exp_sweep *s, const char *dir, int k,
		       size_t i, int attempt, struct nn_err *err)
{
	struct exp_sched_slot *slots = (struct exp_sched_slot *)(x + 1);
	pid_t pid = exp_trial_launch(s, dir, i, attempt, err);

	if (pid < 0)
		return err ? err->code : NN_EIO;
	slots[k] = (struct exp_sched_slot){ pid, i, 0, 0 };
	return 0;
}

static int local_reap(struct exp_sched_executor *x, struct exp_sched_slot *slots, int *status)
{
	for (int k = 0; k < x->nslots; k++)
		if (slots[k].pid && waitpid(slots[k].pid, status, WNOHANG) == slots[k].pid)
			return k;
	return -1;
}

static void local_stop(struct exp_sched_executor *x, const struct exp_sweep *s, const char *dir,
		       struct exp_sched_slot *sl)
{
	(void)x;
	(void)s;
	(void)dir;
	kill(sl->pid, SIGTERM);
}

static void local_close(struct exp_sched_executor *x)
{
	(void)x;
}

/* SIGCHLD is blocked while the sweep runs (exp_sched_run), so a trial's
 * end wakes the coordinator at once instead of at its next poll; a stop
 * signal (handled) wakes it too. */
static void local_wait(struct exp_sched_executor *x, int ms)
{
	sigset_t chld;
	struct timespec ts = { 0, (long)ms * 1000 * 1000 };

	(void)x;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigtimedwait(&chld, NULL, &ts);
}

/* After a sweep has ended: an error when a trial failed (an error or a
 * crash, not a divergence or pruning, which are results), so the exit
 * status says whether every trial finished. */
static int check_failed(const struct exp_sweep *s, const char *dir, struct nn_err *err)
{
	size_t failed = 0;
	const char *first = NULL;

	for (size_t i = 0; i < s->ntrials; i++) {
		char tdir[4400];
		struct exp_trial_status st;

		exp_trial_dir(dir, &s->trials[i], tdir, sizeof(tdir));
		exp_trial_read_status(tdir, &st);
		if (st.state == EXP_TRIAL_FAILED) {
			failed++;
			first = first ? first : s->trials[i].id;
		}
	}
	if (failed)
		return nn_errorf(err, NN_EIO, "%zu of %zu trials failed (the first: trial %s); see '%s/results.csv'",
				 failed, s->ntrials, first, dir);
	return 0;
}

/* The coordinator: starts pending trials in free slots, reaps them,
 * prunes, and keeps results.csv current, until every trial has ended. */
/* The coordinator's state while a sweep runs. */
struct coordinator {
	struct exp_sweep *s;
	const struct exp_sweep_opts *opts;
	const char *dir;
	struct exp_sched_executor *x;
	struct exp_sched_slot *slots;
	int jobs, rc, stopping;
	double report_time;
	int report_due;                  /* a trial ended since the last report */
	double start;          /* when this process began coordinating */
	size_t finished;       /* trials this process saw end */
	long ended_count;      /* trials ended for good (counted once, then kept), or -1 */
	/* ended[i]: 1 + the state of a trial known to have ended (its status
	 * is not read again), else 0. */
	unsigned char *ended;
	struct finished *done;
	int orphan;            /* a trial of a killed sweep is still stopping */
	double *best;          /* tpe: an ended trial's best objective, once read (else NAN) */
	struct exp_asha_rungs *rungs; /* asha: each trial's rung decisions, read once */
};

static void stop_all(struct coordinator *c)
{
	c->stopping = 1;
	for (int k = 0; k < c->jobs; k++)
		if (c->slots[k].pid)
			c->x->stop(c->x, c->s, c->dir, &c->slots[k]);
}

static int ended_for_good(const struct coordinator *c, size_t i)
{
	char tdir[4400];
	struct exp_trial_status st;

	exp_trial_dir(c->dir, &c->s->trials[i], tdir, sizeof(tdir));
	exp_trial_read_status(tdir, &st);
	return st.state == EXP_TRIAL_DONE || st.state == EXP_TRIAL_FAILED ||
	       st.state == EXP_TRIAL_DIVERGED || st.state == EXP_TRIAL_PRUNED;
}

/* The sweep's progress after trial i ends: how many have ended, and the
 * time left at the pace of this process's trials so far. The statuses
 * are counted once; after that each ended trial adds its own. */
static void say_progress(struct coordinator *c, size_t i)
{
	/* A tpe sweep will have more trials than it has proposed so far. */
	size_t n = c->s->ntrials;

	if (c->ended_count < 0) {
		c->ended_count = 0;
		for (size_t j = 0; j < n; j++)
			c->ended_count += ended_for_good(c, j);
	} else {
		c->ended_count += ended_for_good(c, i);
	}
	if (c->s->tpe && c->s->budget * c->s->repeats > n)
		n = c->s->budget * c->s->repeats;
	double elapsed = exp_clock_now() - c->start;
	fprintf(c->opts->log, "sweep: %ld of %zu trials ended", c->ended_count, n);
	if ((size_t)c->ended_count < n && c->finished)
		fprintf(c->opts->log, ", about %.0f s left",
			elapsed / (double)c->finished * (double)(n - (size_t)c->ended_count));
	fputc('\n', c->opts->log);
}

/* Records the trials that have ended, and the results after each; the
 * first failure of the bookkeeping stops the others and is the one
 * reported. */
static void reap_ended(struct coordinator *c, struct nn_err *err)
{
	int k, status;

	while ((k = c->x->reap(c->x, c->slots, &status)) >= 0) {
		struct nn_err *e = c->rc < 0 ? NULL : err;
		int frc = exp_trial_finish(c->s, c->dir, c->slots[k].trial, c->slots[k].pruned,
					   c->slots[k].pruned_epoch, status, c->stopping, c->opts->log, e);

		c->slots[k].pid = 0;
		c->finished++;
		if (frc == 0 && c->s->asha && !c->slots[k].pruned && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			frc = exp_asha_ended(c->s, c->dir, c->slots[k].trial, c->rungs, e);
		if (frc == 0 && c->opts->log && !c->stopping)
			say_progress(c, c->slots[k].trial);
		if (frc == 0)
			frc = exp_results_write(c->s, c->dir, e);
		c->report_due |= frc == 0;
		if (frc < 0 && c->rc == 0) {
			c->rc = frc;
			stop_all(c);
		}
	}
}

/* Starts trials that are pending, or were left running by a dead
 * process, in the free slots; counts in *waiting the trials alive in
 * another process. Returns the slots busy. */
static int start_pending(struct coordinator *c, int busy, int *waiting, struct nn_err *err)
{
	c->orphan = 0;
	for (size_t i = 0; !c->stopping && busy < c->jobs && i < c->s->ntrials; i++) {
		char tdir[4400], label[1024];
		struct exp_trial_status st;
		int mine = 0, k;

		if (c->ended[i])
			continue;
		for (k = 0; k < c->jobs; k++)
			mine |= c->slots[k].pid && c->slots[k].trial == i;
		if (mine)
			continue;
		exp_trial_dir(c->dir, &c->s->trials[i], tdir, sizeof(tdir));
		exp_trial_read_status(tdir, &st);
		if (st.state == EXP_TRIAL_DONE || st.state == EXP_TRIAL_FAILED ||
		    st.state == EXP_TRIAL_DIVERGED || st.state == EXP_TRIAL_PRUNED) {
			c->ended[i] = (unsigned char)(1 + st.state);
			continue;
		}
		if (st.state == EXP_TRIAL_RUNNING && !exp_trial_is_stale(tdir, &st)) {
			++*waiting;  /* alive elsewhere: wait for it to end or die */
			/* A trial of a killed sweep, still stopping: start
			 * nothing after it until it is gone and runs again at its
			 * turn, so a resumed sweep runs its trials in the order
			 * the uninterrupted one did (TPE's proposals and ASHA's
			 * rungs depend on it). */
			if ((c->orphan = exp_trial_is_orphan(&st)))
				break;
			continue;
		}
		for (k = 0; c->slots[k].pid; k++)
			;
		if ((c->rc = c->x->start(c->x, c->s, c->dir, k, i, st.attempt + 1, err)) < 0) {
			c->stopping = 1;
			break;
		}
		if (c->opts->log)
			fprintf(c->opts->log, "%s: started%s\n", exp_trial_label(c->s, i, label, sizeof(label)),
				st.state == EXP_TRIAL_RUNNING ? " again (its process died)" : "");
		busy++;
	}
	return busy;
}

/* tpe: an ended trial's best objective (done or pruned; NAN for one that
 * failed or diverged, the worst), read once; NAN for trials still to
 * end. */
static double objective_of(struct coordinator *c, size_t i)
{
	int state = c->ended[i] - 1;

	if (!c->ended[i] || (state != EXP_TRIAL_DONE && state != EXP_TRIAL_PRUNED))
		return NAN;
	if (isnan(c->best[i])) {
		char tdir[4400];
		struct exp_metrics m;
		double v;

		exp_trial_dir(c->dir, &c->s->trials[i], tdir, sizeof(tdir));
		exp_trial_metrics(tdir, &m);
		if (exp_metrics_best(&m, exp_metrics_column(&m, c->s->metric), c->s->maximize, EXP_TIES_FIRST, &v) >= 0)
			c->best[i] = v;
		exp_metrics_fini(&m);
	}
	return c->best[i];
}

/* Grows the coordinator's per-trial arrays to s->ntrials (+1). */
static int grow(struct coordinator *c, size_t old, struct nn_err *err)
{
	size_t n = c->s->ntrials + 1;
	unsigned char *e = realloc(c->ended, n);
	struct finished *d = e ? realloc(c->done, n * sizeof(*d)) : NULL;
	double *b = d ? realloc(c->best, n * sizeof(*b)) : NULL;
	struct exp_asha_rungs *r = b ? realloc(c->rungs, n * sizeof(*r)) : NULL;

	if (e)
		c->ended = e;
	if (d)
		c->done = d;
	if (b)
		c->best = b;
	if (!r)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	c->rungs = r;
	for (size_t i = old; i < n; i++) {
		c->ended[i] = 0;
		c->done[i] = (struct finished){ 0 };
		c->best[i] = NAN;
		c->rungs[i] = (struct exp_asha_rungs){ 0 };
	}
	return 0;
}

/* tpe, with a slot free and no trial pending: the next point from the
 * trials' objectives so far (those running count as the worst), its
 * trials appended and recorded in proposals.txt before any starts.
 * Returns the trials added (0: the budget is spent) or a code. */
static int propose(struct coordinator *c, struct nn_err *err)
{
	struct exp_sweep *s = c->s;
	size_t old = s->ntrials;
	double *y = malloc((old + 1) * sizeof(double));
	int added;

	if (!y)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < old; i++)
		y[i] = objective_of(c, i);
	added = exp_sweep_propose(s, y, err);
	free(y);
	if (added <= 0)
		return added;
	int rc = grow(c, old, err);
	if (rc == 0)
		rc = exp_sweep_write_proposals(s, c->dir, err);
	if (rc == 0)
		rc = exp_results_write(s, c->dir, err);
	if (rc < 0)
		return rc;
	if (c->opts->log) {
		const struct exp_trial *t = &s->trials[old];

		fprintf(c->opts->log, "tpe: point %zu of %zu:", s->npoints, s->budget);
		for (size_t k = 0; k < t->nparams; k++)
			fprintf(c->opts->log, " %s=%s", t->keys[k], t->values[k]);
		fputc('\n', c->opts->log);
	}
	return added;
}

/* ASHA over the running trials: a trial that does not go on at a rung
 * it has reached is stopped (pruned after the rung's epoch). */
static int asha(struct coordinator *c, struct nn_err *err)
{
	for (int k = 0; k < c->jobs; k++) {
		size_t epoch;
		int rc;

		if (!c->slots[k].pid || c->slots[k].pruned)
			continue;
		if ((rc = exp_asha_decide(c->s, c->dir, c->slots[k].trial, c->rungs, &epoch, err)) < 0)
			return rc;
		if (rc) {
			c->slots[k].pruned = 1;
			c->slots[k].pruned_epoch = epoch;
			c->x->stop(c->x, c->s, c->dir, &c->slots[k]);
		}
	}
	return 0;
}

int exp_sched_coordinate(struct exp_sweep *s, const struct exp_sweep_opts *opts, char *dir,
			 struct exp_sched_executor *x, struct exp_sched_slot *slots, struct nn_err *err)
{
	struct coordinator c = { .s = s, .opts = opts, .dir = dir, .x = x, .slots = slots, .jobs = x->nslots,
				 .report_time = exp_clock_now(), .start = exp_clock_now(), .ended_count = -1,
				 .ended = calloc(s->ntrials + 1, 1),
				 .done = calloc(s->ntrials + 1, sizeof(struct finished)),
				 .best = malloc((s->ntrials + 1) * sizeof(double)),
				 .rungs = calloc(s->ntrials + 1, sizeof(struct exp_asha_rungs)) };
	int rc;

	if (!c.ended || !c.done || !c.best || !c.rungs) {
		free(c.ended);
		free(c.done);
		free(c.best);
		free(c.rungs);
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i <= s->ntrials; i++)
		c.best[i] = NAN;
	for (;;) {
		int busy = 0, waiting = 0;

		if (opts->stop && *opts->stop && !c.stopping)
			stop_all(&c);
		/* The caller's report follows the sweep, at most every few
		 * seconds, a look after a trial ended: the trials started in its
		 * place have marked themselves running by then. */
		if (c.report_due && opts->report && !c.stopping && exp_clock_now() - c.report_time > REPORT_SECONDS &&
		    exp_results_write(s, dir, NULL) == 0) {
			struct nn_err perr;

			opts->report(dir, NULL, &perr);
			c.report_time = exp_clock_now();
			c.report_due = 0;
		}
		reap_ended(&c, err);
		for (int k = 0; k < c.jobs; k++)
			busy += slots[k].pid != 0;
		if (s->prune && !c.stopping)
			prune(s, dir, slots, c.jobs, x, c.ended, c.done);
		if (s->asha && !c.stopping && c.rc == 0 && (c.rc = asha(&c, err)) < 0)
			stop_all(&c);
		busy = start_pending(&c, busy, &waiting, err);
		if (s->tpe && !c.stopping && !c.orphan && busy < c.jobs) {
			int added = propose(&c, err);

			if (added > 0)
				continue;  /* start it now */
			if (added < 0) {
				c.rc = added;
				stop_all(&c);
			}
		}
		if (!busy && (!waiting || c.stopping))
			break;
		if (x->wait) {
			x->wait(x, POLL_MS);
		} else {
			struct timespec ts = { 0, POLL_MS * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	free(c.ended);
	for (size_t i = 0; i < s->ntrials; i++)
		free(c.done[i].vals);
	free(c.done);
	free(c.best);
	free(c.rungs);
	if (c.rc < 0) {
		exp_results_write(s, dir, NULL);
		return c.rc;
	}
	if ((rc = exp_results_write(s, dir, err)) < 0)
		return rc;
	if (c.stopping)
		return nn_errorf(err, NN_EINTR, "stopped; run the same command again to resume the sweep in '%s'", dir);
	return 0;
}

/* The charts of the best trials, which their runs left for later. */
static void draw_best_charts(const struct exp_sweep *s, const struct exp_sweep_opts *opts, const char *dir)
{
	char *models[64];
	size_t n = 0, top = s->trial_charts < 64 ? s->trial_charts : 64;
	struct nn_err err = { 0, "" };

	if (!s->cfg->charts || s->trial_charts == EXP_SWEEP_ALL_CHARTS || !top ||
	    exp_results_models(dir, top, models, &n, 64, &err) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char *slash = strrchr(models[i], '/');

		if (slash)
			*slash = '\0';  /* the trial's directory */
		if (!(opts->stop && *opts->stop) && exp_charts_pending(models[i])) {
			if (opts->log)
				fprintf(opts->log, "drawing the charts of %s\n", models[i]);
			if (exp_charts_draw_pending(models[i], s->cfg->data.plugin_file, opts->log, &err) < 0 && opts->log)
				fprintf(opts->log, "nnlab: warning: no charts for %s: %s\n", models[i], err.msg);
		}
		free(models[i]);
	}
}

static int finish_sweep(const struct exp_sweep *s, const struct exp_sweep_opts *opts,
			const char *dir, struct nn_err *err)
{
	struct nn_err rerr = { 0, "" };

	draw_best_charts(s, opts, dir);

	if (opts->report && opts->report(dir, opts->log, &rerr) < 0 && opts->log)
		fprintf(opts->log, "nnlab: warning: %s\n", rerr.msg);
	return check_failed(s, dir, err);
}

/* --retry-failed: failed trials become pending again, in place; one with
 * a checkpoint goes on from it (after a full disk, say), others start
 * over. Their earlier attempts stay in their log.txt. */
static int retry_failed(const struct exp_sweep *s, const char *dir, FILE *log, struct nn_err *err)
{
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < s->ntrials; i++) {
		char tdir[4400], label[1024];
		struct exp_trial_status st;

		exp_trial_dir(dir, &s->trials[i], tdir, sizeof(tdir));
		exp_trial_read_status(tdir, &st);
		if (st.state != EXP_TRIAL_FAILED)
			continue;
		st.state = EXP_TRIAL_PENDING;
		st.pid = 0;
		st.attempt = 0;
		snprintf(st.note, sizeof(st.note), "retried after it failed");
		if ((rc = exp_trial_write_status(tdir, &st, err)) < 0)
			return rc;
		if (log)
			fprintf(log, "%s: failed, retried\n", exp_trial_label(s, i, label, sizeof(label)));
		n++;
	}
	if (log)
		fprintf(log, "%zu failed trial%s to retry\n", n, n == 1 ? "" : "s");
	return 0;
}

int exp_sched_run_on(struct exp_sweep *s, const struct exp_sweep_opts *opts, char *dir,
		     const struct exp_sched_executor *kind, struct nn_err *err)
{
	/* The slots live right after the executor. */
	struct exp_sched_executor *x;
	int rc;

	/* A resumed tpe sweep: the points proposed before, in order. */
	if ((rc = exp_sweep_read_proposals(s, dir, err)) < 0)
		return rc;
	if (opts->retry_failed && (rc = retry_failed(s, dir, opts->log, err)) < 0)
		return rc;
	/* results.csv from the start, every trial in it (pending at first). */
	if ((rc = exp_results_write(s, dir, err)) < 0)
		return rc;
	if (!(x = calloc(1, sizeof(*x) + (size_t)kind->nslots * sizeof(struct exp_sched_slot))))
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	*x = *kind;
	rc = exp_sched_coordinate(s, opts, dir, x, (struct exp_sched_slot *)(x + 1), err);
	x->close(x);
	free(x);
	if (rc == 0)
		rc = finish_sweep(s, opts, dir, err);
	return rc;
}

int exp_sched_run(struct exp_sweep *s, const struct exp_sweep_opts *opts, struct nn_err *err)
{
	char dir[4096];
	int jobs = opts->jobs > 0 ? opts->jobs : 1, rc, lock;

	snprintf(dir, sizeof(dir), "%s", opts->dir);
	if ((lock = exp_claim_checked(s, opts, dir, sizeof(dir), err)) < 0)
		return lock;
	/* Trials running side by side share the cores: each runs on its share
	 * of threads unless NNLAB_THREADS or the config's train.threads says. */
	if (!getenv("NNLAB_THREADS")) {
		char v[32];
		size_t cores = nn_team_cores();

		snprintf(v, sizeof(v), "%zu", cores > (size_t)jobs ? cores / (size_t)jobs : 1);
		setenv("NNLAB_THREADS", v, 1);
	}
	struct exp_sched_executor x = { jobs, local_start, local_reap, local_stop, local_close, local_wait };
	sigset_t chld, old;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	rc = exp_sched_run_on(s, opts, dir, &x, err);
	sigprocmask(SIG_SETMASK, &old, NULL);
	exp_fs_unlock_dir(lock);
	return rc;
}
