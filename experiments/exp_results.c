/* A sweep's results.csv and summary.md, from its trials' status files and
 * metrics. */
#include "exp_results.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_fs.h"
#include "exp_metrics.h"
#include "exp_text.h"
#include "exp_run.h"
#include "exp_trial.h"

struct row {
	int maximize;
	size_t trial;
	struct exp_trial_status st;
	double best, final;
	size_t best_epoch, epochs;
	double seconds;        /* the trial's wall time, from its run's result; NAN before it ends */
	double epoch_seconds;  /* its epochs' training and scoring, summed */
};

/* Best objective first, trials without one last, ties in trial order:
 * the ranking of summary.md and the sweep page. */
static int by_best(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int m = x->maximize, c;

	if (isnan(x->best) != isnan(y->best))
		return isnan(x->best) ? 1 : -1;
	c = m ? (x->best < y->best) - (x->best > y->best) : (x->best > y->best) - (x->best < y->best);
	return c ? c : (x->trial > y->trial) - (x->trial < y->trial);
}

struct results {
	const struct exp_sweep *s;
	struct row *rows;
	int sorted;
};

static int write_results_csv(FILE *f, void *ctx, struct nn_err *err)
{
	const struct results *r = ctx;
	const struct exp_sweep *s = r->s;
	const struct exp_trial *t0 = &s->trials[0];

	(void)err;
	fputs("trial", f);
	for (size_t k = 0; k < t0->nparams; k++) {
		fputc(',', f);
		exp_fs_put_csv_field(f, t0->keys[k]);
	}
	fprintf(f, ",seed,status,best_%s,best_epoch,final_%s,epochs,seconds,epoch_seconds,note\n", s->metric,
		s->metric);
	for (size_t i = 0; i < s->ntrials; i++) {
		const struct row *w = &r->rows[i];
		const struct exp_trial *t = &s->trials[w->trial];

		fputs(t->id, f);
		for (size_t k = 0; k < t->nparams; k++) {
			fputc(',', f);
			exp_fs_put_csv_field(f, t->values[k]);
		}
		fprintf(f, ",%llu,%s,", t->seed, exp_trial_state_names[w->st.state]);
		if (w->epochs)
			fprintf(f, "%.6g,%zu,%.6g,%zu,", w->best, w->best_epoch, w->final, w->epochs);
		else
			fputs(",,,0,", f);
		if (!isnan(w->seconds))
			fprintf(f, "%.3f", w->seconds);
		fputc(',', f);
		if (w->epochs)
			fprintf(f, "%.3f", w->epoch_seconds);
		fputc(',', f);
		exp_fs_put_csv_field(f, w->st.note);
		fputc('\n', f);
	}
	return 0;
}

static int write_summary(FILE *f, void *ctx, struct nn_err *err)
{
	const struct results *r = ctx;
	const struct exp_sweep *s = r->s;
	const struct exp_trial *t0 = &s->trials[0];
	size_t count[6] = { 0 };

	(void)err;
	for (size_t i = 0; i < s->ntrials; i++)
		count[r->rows[i].st.state]++;
	fprintf(f, "# Sweep of %s\n\n%zu trials: %zu done, %zu running, %zu pending, %zu failed, %zu diverged, %zu pruned. "
		"Sorted by the best %s over epochs (%s is better).\n\n",
		s->cfg->path, s->ntrials, count[EXP_TRIAL_DONE], count[EXP_TRIAL_RUNNING], count[EXP_TRIAL_PENDING], count[EXP_TRIAL_FAILED],
		count[EXP_TRIAL_DIVERGED], count[EXP_TRIAL_PRUNED], s->metric, s->maximize ? "higher" : "lower");
	fputs("| trial |", f);
	for (size_t k = 0; k < t0->nparams; k++)
		fprintf(f, " %s |", t0->keys[k]);
	fprintf(f, " seed | status | best %s | epoch | epochs | seconds |\n|---|", s->metric);
	for (size_t k = 0; k < t0->nparams; k++)
		fputs("---|", f);
	fputs("---|---|---:|---:|---:|---:|\n", f);
	for (size_t i = 0; i < s->ntrials; i++) {
		const struct row *w = &r->rows[i];
		const struct exp_trial *t = &s->trials[w->trial];

		fprintf(f, "| %s |", t->id);
		for (size_t k = 0; k < t->nparams; k++)
			fprintf(f, " %s |", t->values[k]);
		fprintf(f, " %llu | %s |", t->seed, exp_trial_state_names[w->st.state]);
		if (w->epochs)
			fprintf(f, " %.6g | %zu | %zu |", w->best, w->best_epoch, w->epochs);
		else
			fputs(" | | |", f);
		if (!isnan(w->seconds))
			fprintf(f, " %.1f |\n", w->seconds);
		else
			fputs(" |\n", f);
	}
	return 0;
}

int exp_results_write(const struct exp_sweep *s, const char *dir, struct nn_err *err)
{
	struct results r = { s, calloc(s->ntrials ? s->ntrials : 1, sizeof(struct row)), 0 };
	char path[4800];
	int rc;

	if (!r.rows)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->ntrials; i++) {
		struct row *w = &r.rows[i];
		char tdir[4400];
		struct exp_metrics m;

		w->trial = i;
		w->maximize = s->maximize;
		exp_trial_dir(dir, &s->trials[i], tdir, sizeof(tdir));
		exp_trial_read_status(tdir, &w->st);
		exp_trial_metrics(tdir, &m);
		long col = exp_metrics_column(&m, s->metric), sec = exp_metrics_column(&m, "seconds");
		long best = exp_metrics_best(&m, col, s->maximize, s->cfg->monitor.ties, &w->best);
		w->epochs = m.nrows;
		w->best_epoch = best < 0 ? 0 : (size_t)best;
		if (best < 0)
			w->best = NAN;
		w->final = col >= 0 && m.nrows ? m.values[(m.nrows - 1) * m.ncols + (size_t)col] : NAN;
		for (size_t e = 0; sec >= 0 && e < m.nrows; e++) {
			double v = m.values[e * m.ncols + (size_t)sec];

			w->epoch_seconds += isnan(v) ? 0 : v;
		}
		exp_metrics_fini(&m);
		/* The wall time of a trial that has ended, as its run counted it. */
		char result[4500], msg[64];
		snprintf(result, sizeof(result), "%s/result", tdir);
		w->seconds = NAN;
		if (w->st.state != EXP_TRIAL_RUNNING && w->st.state != EXP_TRIAL_PENDING)
			exp_run_result_read(result, msg, sizeof(msg), &w->seconds);
	}
	snprintf(path, sizeof(path), "%s/results.csv", dir);
	rc = exp_fs_write_atomic(path, write_results_csv, &r, err);
	qsort(r.rows, s->ntrials, sizeof(struct row), by_best);
	snprintf(path, sizeof(path), "%s/summary.md", dir);
	if (rc == 0)
		rc = exp_fs_write_atomic(path, write_summary, &r, err);
	free(r.rows);
	return rc;
}

/* --- reading results.csv back ------------------------------------------- */

/* One RFC 4180 field of the line at *p into a new string; *p moves past
 * it and its comma. Returns NULL at the end of the line. */
static char *next_field(const char **p, int *more)
{
	const char *s = *p;
	struct exp_text t = { 0 };

	if (!*more)
		return NULL;
	if (*s == '"') {
		for (s++; *s; s++) {
			if (*s == '"' && s[1] == '"')
				exp_text_put(&t, s++, 1);
			else if (*s == '"')
				break;
			else
				exp_text_put(&t, s, 1);
		}
		if (*s == '"')
			s++;
	} else {
		size_t n = strcspn(s, ",\n");

		exp_text_put(&t, s, n);
		s += n;
	}
	*more = *s == ',';
	*p = *s == ',' ? s + 1 : s;
	return exp_text_take(&t);
}

static double number_or_nan(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	return *s && !*end ? v : NAN;
}

void exp_results_fini(struct exp_results *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		for (size_t k = 0; k < r->nparams; k++)
			free(r->rows[i].values[k]);
		free(r->rows[i].note);
	}
	for (size_t k = 0; k < r->nparams; k++)
		free(r->keys[k]);
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

/* results.csv's header at *p: the swept keys and the metric. */
static void read_header(struct exp_results *r, const char **p)
{
	int more = 1;
	char *f;

	/* trial, the parameters, seed, status, best_METRIC, ... */
	free(next_field(p, &more));
	while ((f = next_field(p, &more)) && strcmp(f, "seed")) {
		if (r->nparams == EXP_SWEEP_MAX_PARAMS) {
			free(f);
			break;
		}
		r->keys[r->nparams++] = f;
	}
	free(f);
	if ((f = next_field(p, &more)))
		free(f);       /* status */
	if ((f = next_field(p, &more))) {
		snprintf(r->metric, sizeof(r->metric), "%s", strncmp(f, "best_", 5) ? f : f + 5);
		free(f);
	}
}

/* One row at *p (line number line of path) into a new row of r. */
static int read_row(struct exp_results *r, const char **p, const char *path, size_t line,
		    struct nn_err *err)
{
	struct exp_results_row *rows = realloc(r->rows, (r->nrows + 1) * sizeof(*rows)), *row;
	char *fields[EXP_SWEEP_MAX_PARAMS + 10];
	size_t n = 0;
	int more = 1;

	if (!rows)
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	r->rows = rows;
	while (n < EXP_SWEEP_MAX_PARAMS + 10 && (fields[n] = next_field(p, &more)))
		n++;
	/* Earlier builds wrote no epoch_seconds column: one field fewer. */
	if (n != r->nparams + 10 && n != r->nparams + 9) {
		for (size_t k = 0; k < n; k++)
			free(fields[k]);
		return nn_errorf(err, NN_EFORMAT, "%s:%zu: expected %zu fields, got %zu", path, line,
				 r->nparams + 10, n);
	}
	row = &r->rows[r->nrows++];
	memset(row, 0, sizeof(*row));
	snprintf(row->id, sizeof(row->id), "%s", fields[0]);
	for (size_t k = 0; k < r->nparams; k++)
		row->values[k] = fields[1 + k];
	const char *const *rest = (const char *const *)fields + 1 + r->nparams;
	row->seed = strtoull(rest[0], NULL, 10);
	snprintf(row->status, sizeof(row->status), "%s", rest[1]);
	row->best = number_or_nan(rest[2]);
	row->best_epoch = *rest[3] ? atol(rest[3]) : -1;
	row->final = number_or_nan(rest[4]);
	row->epochs = (size_t)atol(rest[5]);
	row->seconds = number_or_nan(rest[6]);
	row->note = fields[n - 1];
	for (size_t k = 0; k + 2 < n - r->nparams; k++)
		free(fields[1 + r->nparams + k]);
	free(fields[0]);
	return 0;
}

int exp_results_read(struct exp_results *r, const char *dir, struct nn_err *err)
{
	char path[4400], *text = NULL, *def = NULL;
	size_t len;
	int rc;

	memset(r, 0, sizeof(*r));
	r->maximize = 1;
	snprintf(path, sizeof(path), "%s/definition.txt", dir);
	if ((rc = exp_fs_read_file(path, &def, &len, err)) < 0)
		return rc;
	/* The goal: the definition's "objective METRIC max|min" line. */
	const char *obj = strstr(def, "\nobjective ");
	if (obj) {
		r->maximize = !strstr(obj, " min\n");
		sscanf(obj, "\nobjective %63s", r->metric);
	}
	free(def);
	snprintf(path, sizeof(path), "%s/results.csv", dir);
	/* Until the sweep writes it (as it starts, and as each trial ends):
	 * no rows yet, not an error. */
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if ((rc = exp_fs_read_file(path, &text, &len, err)) < 0)
		return rc;
	const char *p = text;
	read_header(r, &p);
	p = strchr(p, '\n');
	for (size_t line = 2; rc == 0 && p && p[1]; line++) {
		p++;
		if ((rc = read_row(r, &p, path, line, err)) == 0)
			p = strchr(p, '\n');
	}
	free(text);
	return rc;
}

int exp_results_models(const char *dir, size_t top, char **models, size_t *n, size_t cap,
		       struct nn_err *err)
{
	struct exp_results r;
	size_t *order = NULL, k = 0;
	int rc = exp_results_read(&r, dir, err);

	if (rc < 0)
		goto done;
	if (!(order = malloc((r.nrows ? r.nrows : 1) * sizeof(*order)))) {
		rc = nn_errorf(err, NN_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < r.nrows; i++)
		if (!strcmp(r.rows[i].status, "done") && !isnan(r.rows[i].best))
			order[k++] = i;
	/* Insertion sort, stable: the sweep's order among equals. */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0; j--) {
			double a = r.rows[order[j - 1]].best, b = r.rows[order[j]].best;

			if (!(r.maximize ? b > a : b < a))
				break;
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	if (top > 0 && k > top)
		k = top;
	if (k == 0) {
		rc = nn_errorf(err, NN_EINVAL, "sweep '%s' has no trial that ended done", dir);
		goto done;
	}
	for (size_t i = 0; i < k; i++) {
		size_t len = strlen(dir) + sizeof("/trials//best.json") + sizeof(r.rows[0].id);

		if (*n == cap) {
			rc = nn_errorf(err, NN_EINVAL, "more than %zu models", cap);
			goto done;
		}
		if (!(models[*n] = malloc(len))) {
			rc = nn_errorf(err, NN_ENOMEM, "out of memory");
			goto done;
		}
		snprintf(models[(*n)++], len, "%s/trials/%s/best.json", dir, r.rows[order[i]].id);
	}
done:
	free(order);
	exp_results_fini(&r);
	return rc;
}
