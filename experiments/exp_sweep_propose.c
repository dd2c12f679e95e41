/* A TPE sweep's proposals: after each finished trial, the next point from
 * the objectives so far (exp_tpe.c), and the proposals kept in the sweep's
 * proposals.txt so that a resumed sweep proposes the same points. */
#include "exp_sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_fs.h"
#include "exp_sweep_point.h"
#include "exp_tpe.h"

/* Trial t's value of searched key j as TPE sees it: the number, or a
 * choice's index (the middle of the range if the trial lacks it). */
static double trial_coord(const struct exp_sweep *s, const struct exp_trial *t, size_t j)
{
	const struct exp_tpe_param *p = &s->search[j];

	for (size_t k = 0; k < t->nparams; k++) {
		if (strcmp(t->keys[k], s->search_keys[j]) != 0)
			continue;
		if (p->kind != EXP_TPE_CHOICE)
			return strtod(t->values[k], NULL);
		for (size_t c = 0; c < p->n; c++) {
			char *text = exp_node_text(s->search_args[j]->items[c]);
			int same = text && !strcmp(text, t->values[k]);

			free(text);
			if (same)
				return (double)c;
		}
	}
	return p->kind == EXP_TPE_CHOICE ? 0 : 0.5 * (p->lo + p->hi);
}

/* A proposed value of searched key j as a trial's text, as a random draw
 * writes it. */
static char *value_text(const struct exp_sweep *s, size_t j, double v)
{
	char buf[64];

	if (s->search[j].kind == EXP_TPE_CHOICE)
		return exp_node_text(s->search_args[j]->items[(size_t)v]);
	if (s->search[j].kind == EXP_TPE_INT)
		snprintf(buf, sizeof(buf), "%lld", (long long)v);
	else
		snprintf(buf, sizeof(buf), "%.6g", v);
	return strdup(buf);
}

/* Appends a point's trials (its repeats). */
static int add_point(struct exp_sweep *s, struct exp_sweep_point *p, struct nn_err *err)
{
	int rc = 0;

	for (size_t r = 0; rc == 0 && r < s->repeats; r++)
		rc = exp_sweep_add_trial(s, p, s->cfg->seed + r, err);
	if (rc == 0)
		s->npoints++;
	return rc;
}

int exp_sweep_propose(struct exp_sweep *s, const double *objective, struct nn_err *err)
{
	size_t np = s->nsearch, n = s->ntrials;
	double out[EXP_SWEEP_MAX_PARAMS], *x;
	struct exp_sweep_point p = { 0 };
	int rc = 0;

	if (!s->tpe || s->npoints >= s->budget)
		return 0;
	if (!(x = malloc((n + 1) * np * sizeof(double))))
		return nn_errorf(err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < np; j++)
			x[i * np + j] = trial_coord(s, &s->trials[i], j);
	struct exp_tpe_history h = { x, objective, n, s->maximize };
	exp_tpe_propose(s->search, np, &h, s->search_seed * 1000003u + s->npoints, out);
	free(x);
	for (size_t j = 0; j < np && rc == 0; j++) {
		char *text = value_text(s, j, out[j]);

		rc = text ? exp_sweep_point_add(&p, s->search_keys[j], text, s->search_args[j], err) :
			    nn_errorf(err, NN_ENOMEM, "out of memory");
		free(text);
	}
	if (rc == 0)
		rc = add_point(s, &p, err);
	exp_sweep_point_free(&p);
	return rc < 0 ? rc : (int)s->repeats;
}

static int write_proposals(FILE *f, void *ctx, struct nn_err *err)
{
	const struct exp_sweep *s = ctx;

	(void)err;
	for (size_t k = s->startup; k < s->npoints; k++) {
		const struct exp_trial *t = &s->trials[k * s->repeats];

		for (size_t j = 0; j < t->nparams; j++)
			fprintf(f, "%s%s=%s", j ? "\t" : "", t->keys[j], t->values[j]);
		fputc('\n', f);
	}
	return 0;
}

int exp_sweep_write_proposals(const struct exp_sweep *s, const char *dir, struct nn_err *err)
{
	char path[4200];

	if (!s->tpe)
		return 0;
	snprintf(path, sizeof(path), "%s/proposals.txt", dir);
	return exp_fs_write_atomic(path, write_proposals, (void *)s, err);
}

/* One line of proposals.txt into p: the searched keys in order. */
static int read_point(const struct exp_sweep *s, char *line, struct exp_sweep_point *p, const char *path,
		      size_t no, struct nn_err *err)
{
	for (size_t j = 0; j < s->nsearch; j++) {
		char *tab = strchr(line, '\t'), *eq = strchr(line, '=');
		size_t klen = strlen(s->search_keys[j]);

		if (tab)
			*tab = '\0';
		if (!eq || (size_t)(eq - line) != klen || strncmp(line, s->search_keys[j], klen) != 0 ||
		    (!tab) != (j + 1 == s->nsearch))
			return nn_errorf(err, NN_EFORMAT, "%s:%zu: expected the sweep's searched keys in order (%s=... first); the file is not this sweep's",
					 path, no, s->search_keys[j]);
		int rc = exp_sweep_point_add(p, s->search_keys[j], eq + 1, s->search_args[j], err);
		if (rc < 0)
			return rc;
		line = tab ? tab + 1 : line + strlen(line);
	}
	return 0;
}

int exp_sweep_read_proposals(struct exp_sweep *s, const char *dir, struct nn_err *err)
{
	char path[4200], *text, *line;
	size_t len, no = 0;
	int rc = 0;

	if (!s->tpe)
		return 0;
	snprintf(path, sizeof(path), "%s/proposals.txt", dir);
	if (access(path, F_OK) != 0)
		return 0;
	if ((rc = exp_fs_read_file(path, &text, &len, err)) < 0)
		return rc;
	for (line = text; rc == 0 && *line;) {
		char *end = strchr(line, '\n');
		struct exp_sweep_point p = { 0 };

		if (!end) {
			rc = nn_errorf(err, NN_EFORMAT, "%s:%zu: a line cut short", path, no + 1);
			break;
		}
		*end = '\0';
		no++;
		/* Points this sweep has already are skipped. */
		if (s->startup + no > s->npoints && s->npoints < s->budget) {
			rc = read_point(s, line, &p, path, no, err);
			if (rc == 0)
				rc = add_point(s, &p, err);
		}
		exp_sweep_point_free(&p);
		line = end + 1;
	}
	free(text);
	return rc;
}
