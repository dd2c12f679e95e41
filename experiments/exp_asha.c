/* Asynchronous successive halving in a sweep: each trial's rung
 * decisions, kept in its rungs file, and the decision when a running trial
 * reaches a rung (the rule is exp_prune's exp_asha_continues). */
#include "exp_asha.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_fs.h"
#include "exp_trial.h"

/* A trial's rung decisions, as trials/ID/rungs holds them: per rung
 * reached, its objective there and whether it went on ("continue",
 * "stop", or "passed": it ran past the rung before the coordinator
 * looked, and ended done). */
enum { RUNG_STOP, RUNG_CONTINUE, RUNG_PASSED };

static void read_rungs(const char *tdir, struct exp_asha_rungs *r)
{
	char path[4500], word[16];
	FILE *f;
	size_t k, epochs;
	double v;

	r->read = 1;
	snprintf(path, sizeof(path), "%s/rungs", tdir);
	if (!(f = fopen(path, "r")))
		return;
	while (fscanf(f, "rung %zu epochs %zu value %lf %15s\n", &k, &epochs, &v, word) == 4)
		if (k < EXP_ASHA_MAX_RUNGS) {
			r->decided[k] = 1;
			r->value[k] = v;
			r->go[k] = !strcmp(word, "continue") ? RUNG_CONTINUE : !strcmp(word, "passed") ? RUNG_PASSED : RUNG_STOP;
		}
	fclose(f);
}

struct exp_asha_rungs_file {
	const struct exp_asha_rungs *r;
	const struct exp_asha *a;
};

static int write_rungs(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_asha_rungs_file *w = ctx;

	(void)err;
	for (size_t k = 0; k < EXP_ASHA_MAX_RUNGS; k++)
		if (w->r->decided[k])
			fprintf(f, "rung %zu epochs %zu value %.17g %s\n", k, exp_asha_rung(w->a, k), w->r->value[k],
				w->r->go[k] == RUNG_CONTINUE ? "continue" : w->r->go[k] == RUNG_PASSED ? "passed" : "stop");
	return 0;
}

/* Records trial i's objective at rung k and whether it goes on, in its
 * rungs file (atomically) before anything acts on it. */
static int decide(const struct exp_sweep *s, const char *dir, size_t i, struct exp_asha_rungs *r, const struct exp_asha *a,
		  size_t k, double value, int go, struct nn_err *err)
{
	char tdir[4400], path[4500];
	struct exp_asha_rungs_file w = { r, a };

	r->decided[k] = 1;
	r->value[k] = value;
	r->go[k] = (unsigned char)go;
	exp_trial_dir(dir, &s->trials[i], tdir, sizeof(tdir));
	snprintf(path, sizeof(path), "%s/rungs", tdir);
	return exp_fs_write_atomic(path, write_rungs, &w, err);
}

static struct exp_asha asha_of(const struct exp_sweep *s)
{
	return (struct exp_asha){ s->asha_min_epochs, s->asha_reduction, s->cfg->train.epochs, s->maximize };
}

/* Trial i's rungs, read once. */
static struct exp_asha_rungs *rungs_of(const struct exp_sweep *s, const char *dir, struct exp_asha_rungs *all, size_t i)
{
	if (!all[i].read) {
		char tdir[4400];

		exp_trial_dir(dir, &s->trials[i], tdir, sizeof(tdir));
		read_rungs(tdir, &all[i]);
	}
	return &all[i];
}

/* Trial i at rung k, its objective there mine: whether it goes on, by the
 * objectives there of the trials that reached the rung before it. */
static int asha_goes_on(const struct exp_sweep *s, const char *dir, struct exp_asha_rungs *all, size_t i, size_t k,
			double mine, double *theirs)
{
	const struct exp_asha a = asha_of(s);
	size_t m = 0;

	for (size_t j = 0; j < s->ntrials; j++) {
		const struct exp_asha_rungs *o = j == i ? NULL : rungs_of(s, dir, all, j);

		if (o && o->decided[k])
			theirs[m++] = o->value[k];
	}
	return exp_asha_continues(&a, mine, theirs, m);
}

int exp_asha_decide(const struct exp_sweep *s, const char *dir, size_t i, struct exp_asha_rungs *all, size_t *epoch,
		    struct nn_err *err)
{
	const struct exp_asha a = asha_of(s);
	double *theirs = malloc((s->ntrials + 1) * sizeof(double)), *mine;
	char tdir[4400];
	size_t epochs, r;
	int rc = 0;

	if (!theirs)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	exp_trial_dir(dir, &s->trials[i], tdir, sizeof(tdir));
	mine = exp_trial_objective(s, tdir, &epochs);
	struct exp_asha_rungs *own = rungs_of(s, dir, all, i);
	for (size_t rk = 0; rc == 0 && (r = exp_asha_rung(&a, rk)) && r <= epochs; rk++) {
		int go = own->decided[rk] ? own->go[rk] : asha_goes_on(s, dir, all, i, rk, mine[r - 1], theirs);

		if (!own->decided[rk])
			rc = decide(s, dir, i, own, &a, rk, mine[r - 1], go, err);
		if (rc == 0 && !go) {
			*epoch = r - 1;
			rc = 1;
		}
	}
	free(mine);
	free(theirs);
	return rc;
}

/* A trial that ended done: the rungs it passed and no one decided (it
 * ran past them between two looks) are recorded as gone on, so they
 * count for the trials after it. */
int exp_asha_ended(const struct exp_sweep *s, const char *dir, size_t i, struct exp_asha_rungs *all, struct nn_err *err)
{
	const struct exp_asha a = asha_of(s);
	char tdir[4400];
	size_t epochs, r;
	int rc = 0;

	exp_trial_dir(dir, &s->trials[i], tdir, sizeof(tdir));
	double *mine = exp_trial_objective(s, tdir, &epochs);
	struct exp_asha_rungs *own = rungs_of(s, dir, all, i);
	for (size_t rk = 0; rc == 0 && (r = exp_asha_rung(&a, rk)) && r <= epochs; rk++)
		if (!own->decided[rk])
			rc = decide(s, dir, i, own, &a, rk, mine[r - 1], RUNG_PASSED, err);
	free(mine);
	return rc;
}

