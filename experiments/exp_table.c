#include "exp_table.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_config.h"
#include "exp_metrics.h"
#include "exp_run.h"
#include "exp_yaml.h"

#define MAX_DEPTH 4   /* ROW/seed-N/trials/ID */
#define MAX_ROWS 256

/* One run of a row, scored. */
struct scored {
	char path[4096];
	size_t name;          /* where in path the name past the row's directory starts */
	int outcome;          /* enum exp_outcome, or -1: no result file (still going, or killed) */
	double score;         /* percent, NAN when unscored */
	long epoch;           /* the best epoch, or -1 */
	size_t epochs;        /* epochs run */
	double seconds;       /* its epochs' training and scoring, summed */
	char threads[24];
};

struct runs {
	struct scored *run;
	size_t n, cap;
};

static int is_dir(const char *path)
{
	DIR *d = opendir(path);

	if (d)
		closedir(d);
	return d != NULL;
}

/* The run directories under dir, in name order: a directory holding
 * metrics.csv is a run; others are searched to MAX_DEPTH, but a row's
 * vote. */
static int find_runs(const char *dir, size_t row_len, int depth, struct runs *out)
{
	char path[4096];
	struct dirent **names;
	int count;

	snprintf(path, sizeof(path), "%s/metrics.csv", dir);
	if (access(path, R_OK) == 0) {
		if (out->n == out->cap) {
			size_t cap = out->cap ? 2 * out->cap : 16;
			struct scored *r = realloc(out->run, cap * sizeof(*r));

			if (!r)
				return -1;
			out->run = r;
			out->cap = cap;
		}
		struct scored *s = &out->run[out->n++];
		snprintf(s->path, sizeof(s->path), "%s", dir);
		s->name = row_len + (dir[row_len] == '/');
		return 0;
	}
	if (depth == MAX_DEPTH || (count = scandir(dir, &names, NULL, alphasort)) < 0)
		return 0;
	int rc = 0;
	for (int i = 0; i < count; i++) {
		if (rc == 0 && names[i]->d_name[0] != '.' && strcmp(names[i]->d_name, "vote")) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (is_dir(path))
				rc = find_runs(path, row_len, depth + 1, out);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static double cell(const struct exp_metrics *m, size_t r, long col)
{
	return col < 0 ? NAN : m->values[r * m->ncols + (size_t)col];
}

/* Scores a run: its outcome, and from metrics.csv and config.yaml the
 * evaluated split's accuracy at the best epoch by the run's own rule. */
static void score(struct scored *s)
{
	char path[4200], msg[256];
	struct exp_metrics m;
	struct nn_err err;
	double v;

	s->score = NAN;
	s->epoch = -1;
	s->epochs = 0;
	s->seconds = 0;
	snprintf(s->threads, sizeof(s->threads), "?");
	snprintf(path, sizeof(path), "%s/result", s->path);
	s->outcome = exp_run_result_read(path, msg, sizeof(msg), NULL);
	snprintf(path, sizeof(path), "%s/config.yaml", s->path);
	struct exp_node *tree = exp_yaml_load_file(path, path, &err);
	const struct exp_node *thr = exp_node_get(exp_node_get(tree, "train"), "threads");
	enum exp_ties ties = exp_config_tree_ties(tree);

	if (thr && thr->kind == EXP_SCALAR)
		snprintf(s->threads, sizeof(s->threads), "%s", thr->value);
	exp_node_free(tree);
	snprintf(path, sizeof(path), "%s/metrics.csv", s->path);
	if (exp_metrics_read(&m, path, &err) == 0 && m.nrows > 0) {
		long val = exp_metrics_column(&m, "validation_correct"), ev = exp_metrics_column(&m, "eval_correct");
		long tot = exp_metrics_column(&m, "eval_total"), ep = exp_metrics_column(&m, "epoch");
		long sec = exp_metrics_column(&m, "seconds");
		long r = exp_metrics_best(&m, val, 1, ties, &v);

		if (r < 0)
			r = exp_metrics_best(&m, ev, 1, ties, &v);
		if (r >= 0 && cell(&m, (size_t)r, tot) > 0) {
			s->score = 100 * cell(&m, (size_t)r, ev) / cell(&m, (size_t)r, tot);
			s->epoch = (long)cell(&m, (size_t)r, ep);
		}
		double last = cell(&m, m.nrows - 1, ep);
		s->epochs = isfinite(last) && last >= 0 ? (size_t)last + 1 : m.nrows;
		for (size_t i = 0; i < m.nrows; i++)
			s->seconds += isnan(cell(&m, i, sec)) ? 0 : cell(&m, i, sec);
	}
	exp_metrics_fini(&m);
}

static const double *ref_of(const struct exp_table_ref *refs, size_t n, const char *row)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(refs[i].row, row))
			return &refs[i].value;
	return NULL;
}

/* The vote's line, from ROW/vote/eval.csv (its "vote" row: name, models,
 * correct, total), when there is one. */
static void vote_line(const char *dir, const char *row, const struct exp_table_ref *refs, size_t nrefs,
		      FILE *out)
{
	char path[4200], name[4200], line[512];
	FILE *f;
	int models = 0;

	snprintf(path, sizeof(path), "%s/%s/vote/eval.csv", dir, row);
	snprintf(name, sizeof(name), "%s/vote", row);
	const double *ref = ref_of(refs, nrefs, name);
	if (!(f = fopen(path, "r"))) {
		if (ref)
			fprintf(out, "| %s, vote | %.2f | not yet run | | | | | | |\n", row, *ref);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		double correct, total;

		if (strncmp(line, "vote,", 5) != 0) {
			models += strchr(line, ',') != NULL;
			continue;
		}
		const char *p = strchr(line + 5, ',');
		if (p && sscanf(p + 1, "%lf,%lf", &correct, &total) == 2 && total > 0) {
			double acc = 100 * correct / total;

			fprintf(out, "| %s, vote of %d | ", row, models - 1);
			if (ref)
				fprintf(out, "%.2f | %.2f | | %+.2f | | | | |\n", *ref, acc, acc - *ref);
			else
				fprintf(out, "| %.2f | | | | | | |\n", acc);
		}
	}
	fclose(f);
}

/* A row's line: the runs that ended done. */
static void row_line(const char *row, const struct runs *rs, const double *ref, FILE *out)
{
	double best = NAN, sum = 0, secs = 0;
	size_t done = 0, epochs = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct scored *s = &rs->run[i];

		if (s->outcome != EXP_OUTCOME_DONE || isnan(s->score))
			continue;
		if (!done || s->score > best)
			best = s->score;
		sum += s->score;
		secs += s->seconds;
		epochs = s->epochs;
		done++;
	}
	fprintf(out, "| %s | ", row);
	if (ref)
		fprintf(out, "%.2f", *ref);
	if (!done) {
		fprintf(out, " | not yet run | | | 0 | | | |\n");
		return;
	}
	fprintf(out, " | %.2f | %.2f | ", best, sum / (double)done);
	if (ref)
		fprintf(out, "%+.2f", best - *ref);
	fprintf(out, " | %zu | %zu | %.0f | %s |\n", done, epochs, secs / (double)done,
		ref && best < *ref - 0.3 ? "**below**" : "");
}

static void runs_lines(const char *row, const struct runs *rs, FILE *out)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct scored *s = &rs->run[i];

		fprintf(out, "| %s | %s | %s | ", row, s->path + s->name,
			s->outcome < 0 ? "unfinished" : exp_run_outcome_name((enum exp_outcome)s->outcome));
		if (isnan(s->score))
			fprintf(out, " | | %zu | %.0f | %s |\n", s->epochs, s->seconds, s->threads);
		else
			fprintf(out, "%.2f | %ld | %zu | %.0f | %s |\n", s->score, s->epoch, s->epochs, s->seconds,
				s->threads);
	}
}

/* The rows: dir's subdirectories and the rows the references name, in
 * name order. */
static size_t list_rows(const char *dir, const struct exp_table_ref *refs, size_t nrefs, char **rows)
{
	struct dirent **names;
	int count = scandir(dir, &names, NULL, alphasort);
	size_t n = 0;

	for (int i = 0; i < count; i++) {
		char path[4400];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && is_dir(path) && n < MAX_ROWS)
			rows[n++] = strdup(names[i]->d_name);
		free(names[i]);
	}
	if (count >= 0)
		free(names);
	for (size_t r = 0; r < nrefs; r++) {
		const char *slash = strchr(refs[r].row, '/');
		size_t len = slash ? (size_t)(slash - refs[r].row) : strlen(refs[r].row), k = 0;

		while (k < n && (strlen(rows[k]) != len || strncmp(rows[k], refs[r].row, len)))
			k++;
		if (k == n && n < MAX_ROWS)
			rows[n++] = strndup(refs[r].row, len);
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(rows[j - 1], rows[j]) > 0; j--) {
			char *t = rows[j];

			rows[j] = rows[j - 1];
			rows[j - 1] = t;
		}
	return n;
}

int exp_table_write(const char *dir, const struct exp_table_ref *refs, size_t nrefs, FILE *out,
		    struct nn_err *err)
{
	char *rows[MAX_ROWS];
	struct runs all[MAX_ROWS];
	size_t n;

	if (!is_dir(dir))
		return nn_errorf(err, NN_EIO, "'%s' is not a directory of rows of runs", dir);
	n = list_rows(dir, refs, nrefs, rows);
	fprintf(out, "| row | reference | best | mean | best - reference | runs done | epochs | epochs' s per run | |\n");
	fprintf(out, "|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
	for (size_t i = 0; i < n; i++) {
		char path[4400];

		memset(&all[i], 0, sizeof(all[i]));
		snprintf(path, sizeof(path), "%s/%s", dir, rows[i]);
		if (rows[i] && is_dir(path))
			find_runs(path, strlen(path), 0, &all[i]);
		for (size_t k = 0; k < all[i].n; k++)
			score(&all[i].run[k]);
		row_line(rows[i], &all[i], ref_of(refs, nrefs, rows[i]), out);
		vote_line(dir, rows[i], refs, nrefs, out);
	}
	fprintf(out, "\n## Runs\n\n");
	fprintf(out, "| row | run | outcome | score | at epoch | epochs | epochs' s | threads |\n");
	fprintf(out, "|---|---|---|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < n; i++) {
		runs_lines(rows[i], &all[i], out);
		free(all[i].run);
		free(rows[i]);
	}
	return 0;
}
