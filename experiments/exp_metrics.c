#include "exp_metrics.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exp_fs.h"

static const char *const grad_names[] = {
	"grad_norm_hidden1", "grad_norm_hidden2", "grad_norm_hidden3", "grad_norm_hidden4",
	"grad_norm_hidden5", "grad_norm_hidden6", "grad_norm_hidden7", "grad_norm_hidden8",
	"grad_norm_hidden9", "grad_norm_hidden10", "grad_norm_hidden11", "grad_norm_hidden12",
	"grad_norm_hidden13", "grad_norm_hidden14", "grad_norm_hidden15", "grad_norm_hidden16",
	"grad_norm_hidden17", "grad_norm_hidden18", "grad_norm_hidden19", "grad_norm_hidden20",
	"grad_norm_hidden21", "grad_norm_hidden22", "grad_norm_hidden23", "grad_norm_hidden24",
	"grad_norm_hidden25", "grad_norm_hidden26", "grad_norm_hidden27", "grad_norm_hidden28",
	"grad_norm_hidden29", "grad_norm_hidden30", "grad_norm_hidden31",
};

size_t exp_metrics_hidden(const struct exp_config *cfg)
{
	size_t weighted = 0;

	/* The layers with parameters (fc, conv) but the output layer. */
	for (size_t i = 0; i < cfg->model.nitems; i++)
		weighted += cfg->model.items[i].kind == NN_FC || cfg->model.items[i].kind == NN_CONV;
	return weighted > 1 ? weighted - 1 : 0;
}

size_t exp_metrics_columns(const struct exp_config *cfg, const char **names, int *filled)
{
	/* The validation split gets columns of its own when it is not the
	 * evaluated one. */
	int validation = cfg->data.validation_size > 0 && cfg->data.eval == EXP_SPLIT_TEST;
	const struct {
		const char *name;
		int present, filled;
	} cols[] = {
		{ "epoch", 1, 1 },
		{ "train_cost", 1, cfg->monitor.train_cost },
		{ "train_accuracy", 1, cfg->monitor.train_accuracy },
		{ "eval_correct", 1, cfg->monitor.eval_accuracy },
		{ "eval_total", 1, cfg->monitor.eval_accuracy },
		{ "eval_accuracy", 1, cfg->monitor.eval_accuracy },
		{ "eval_cost", 1, cfg->monitor.eval_cost },
		{ "validation_correct", validation, 1 },
		{ "validation_total", validation, 1 },
		{ "validation_accuracy", validation, 1 },
		{ "validation_cost", validation, 1 },
		{ "eta", 1, 1 },
		{ "train_seconds", 1, 1 },
		{ "eval_seconds", 1, 1 },
		{ "seconds", 1, 1 },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		if (!cols[i].present)
			continue;
		names[n] = cols[i].name;
		if (filled)
			filled[n] = cols[i].filled;
		n++;
	}
	/* Learning speed: one column per hidden layer, after the rest. */
	for (size_t l = 0; cfg->monitor.gradient_norms && l < exp_metrics_hidden(cfg); l++) {
		names[n] = grad_names[l];
		if (filled)
			filled[n] = 1;
		n++;
	}
	return n;
}

void exp_metrics_header(struct exp_text *t, const struct exp_config *cfg)
{
	const char *names[EXP_METRICS_MAX_COLUMNS];
	size_t n = exp_metrics_columns(cfg, names, NULL);

	for (size_t i = 0; i < n; i++)
		exp_text_printf(t, "%s%s", names[i], i + 1 < n ? "," : "\n");
}

void exp_metrics_row(struct exp_text *t, const struct exp_config *cfg, const struct exp_metrics_row *r)
{
	exp_text_printf(t, "%zu,", r->epoch);
	if (cfg->monitor.train_cost)
		exp_text_printf(t, "%.6f", r->train_cost);
	exp_text_puts(t, ",");
	if (cfg->monitor.train_accuracy)
		exp_text_printf(t, "%.4f", (double)r->train_correct / (double)r->train_total);
	if (cfg->monitor.eval_accuracy)
		exp_text_printf(t, ",%zu,%zu,%.4f,", r->eval_correct, r->eval_total,
				(double)r->eval_correct / (double)r->eval_total);
	else
		exp_text_puts(t, ",,,,");
	if (cfg->monitor.eval_cost)
		exp_text_printf(t, "%.6f", r->eval_cost);
	exp_text_puts(t, ",");
	if (cfg->data.validation_size > 0 && cfg->data.eval == EXP_SPLIT_TEST)
		exp_text_printf(t, "%zu,%zu,%.4f,%.6f,", r->validation_correct, r->validation_total,
				(double)r->validation_correct / (double)r->validation_total, r->validation_cost);
	exp_text_printf(t, "%.15g,%.3f,%.3f,%.3f", r->eta, r->train_seconds, r->eval_seconds,
			r->train_seconds + r->eval_seconds);
	for (size_t l = 0; cfg->monitor.gradient_norms && l < exp_metrics_hidden(cfg); l++)
		exp_text_printf(t, ",%.6g", r->grad_norms[l]);
	exp_text_puts(t, "\n");
}

/* Whether a abbreviates b's first word and matches the rest:
 * val_accuracy and validation_accuracy. */
static int abbreviates(const char *a, const char *b)
{
	const char *ua = strchr(a, '_'), *ub = strchr(b, '_');

	return ua && ub && ua > a && ua - a < ub - b && !strncmp(a, b, (size_t)(ua - a)) &&
	       !strcmp(ua, ub);
}

int exp_metrics_fills(const struct exp_config *cfg, const char *name, char *why, size_t len)
{
	const char *names[EXP_METRICS_MAX_COLUMNS], *best = NULL;
	int filled[EXP_METRICS_MAX_COLUMNS];
	size_t n = exp_metrics_columns(cfg, names, filled), best_d = 4, used = 0;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], name)) {
			if (filled[i])
				return 1;
			snprintf(why, len, "'%s' stays empty in this config's runs (monitor.%s is off)", name,
				 !strncmp(name, "eval_", 5) && strstr(name, "cost") ? "eval_cost" :
				 !strncmp(name, "eval_", 5) ? "eval_accuracy" : name);
			return 0;
		}
	}
	/* The nearest filled column: one the name abbreviates, else the
	 * nearest by edits. */
	for (size_t i = 0; i < n && best_d; i++) {
		size_t d = abbreviates(name, names[i]) ? 0 : exp_edit_distance(name, names[i]);

		if (filled[i] && d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	used = (size_t)snprintf(why, len, "'%s' is not a metrics.csv column of this config's runs", name);
	if (best && used < len)
		used += (size_t)snprintf(why + used, len - used, " (did you mean '%s'?)", best);
	for (size_t i = 0, k = 0; i < n && used < len; i++) {
		if (!filled[i])
			continue;
		used += (size_t)snprintf(why + used, len - used, "%s%s", k++ ? ", " : "; they fill ", names[i]);
	}
	if (!strncmp(name, "val", 3) && cfg->data.validation_size == 0 && used < len)
		snprintf(why + used, len - used, "; validation columns need data.validation_size > 0");
	return 0;
}

void exp_metrics_fini(struct exp_metrics *m)
{
	for (size_t i = 0; i < m->ncols; i++)
		free(m->names[i]);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

int exp_metrics_read(struct exp_metrics *m, const char *path, struct nn_err *err)
{
	char *text, *line;
	size_t len, cap = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = exp_fs_read_file(path, &text, &len, err)) < 0)
		return rc;
	line = text;
	for (size_t row = 0; *line; row++) {
		char *end = strchr(line, '\n'), *field = line;

		if (end)
			*end = '\0';
		if (row > 0 && m->nrows == cap) {
			double *p = realloc(m->values, (cap = cap ? cap * 2 : 64) * m->ncols * sizeof(double));

			if (!p) {
				rc = nn_errorf(err, NN_ENOMEM, "out of memory reading '%s'", path);
				goto done;
			}
			m->values = p;
		}
		for (size_t col = 0;; col++) {
			char *comma = strchr(field, ',');

			if (comma)
				*comma = '\0';
			if (row == 0) {
				if (col == EXP_METRICS_MAX_COLUMNS || !(m->names[col] = strdup(field))) {
					rc = nn_errorf(err, NN_EFORMAT, "%s:1: more than %d columns", path,
						       EXP_METRICS_MAX_COLUMNS);
					goto done;
				}
				m->ncols++;
			} else if (col < m->ncols) {
				char *stop;
				double v = strtod(field, &stop);

				m->values[m->nrows * m->ncols + col] = *field && !*stop ? v : NAN;
			}
			if (!comma) {
				if (row > 0 && col + 1 != m->ncols) {
					rc = nn_errorf(err, NN_EFORMAT, "%s:%zu: expected %zu fields, got %zu",
						       path, row + 1, m->ncols, col + 1);
					goto done;
				}
				break;
			}
			field = comma + 1;
		}
		if (row > 0)
			m->nrows++;
		if (!end)
			break;
		line = end + 1;
	}
	rc = 0;
done:
	free(text);
	return rc;
}

long exp_metrics_column(const struct exp_metrics *m, const char *name)
{
	for (size_t i = 0; i < m->ncols; i++)
		if (!strcmp(m->names[i], name))
			return (long)i;
	return -1;
}

long exp_metrics_best(const struct exp_metrics *m, long col, int maximize, enum exp_ties ties,
		      double *value)
{
	long best = -1;

	if (col < 0)
		return -1;
	for (size_t r = 0; r < m->nrows; r++) {
		double v = m->values[r * m->ncols + (size_t)col];

		if (isnan(v))
			continue;
		if (best < 0 || (maximize ? exp_metrics_replaces(ties, v, *value) :
					    exp_metrics_replaces(ties, -v, -*value))) {
			best = (long)r;
			*value = v;
		}
	}
	return best;
}

long exp_metrics_kept(const struct exp_metrics *m, enum exp_ties ties, double *value)
{
	long val = exp_metrics_column(m, "validation_accuracy");

	return exp_metrics_best(m, val >= 0 ? val : exp_metrics_column(m, "eval_accuracy"), 1, ties, value);
}

void exp_metrics_words(const char *name, const char *eval_split, char *out, size_t len)
{
	static const struct {
		const char *prefix, *split;
	} splits[] = { { "train_", "training" }, { "eval_", NULL }, { "validation_", "validation" } };
	static const struct {
		const char *name, *words;
	} plain[] = { { "eta", "learning rate (eta)" },
		      { "train_seconds", "training time per epoch (s)" },
		      { "eval_seconds", "scoring time per epoch (s)" },
		      { "seconds", "time per epoch (s)" },
		      { "epoch", "epoch" } };
	const char *prefix = "grad_norm_hidden";

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (!strcmp(name, plain[i].name)) {
			snprintf(out, len, "%s", plain[i].words);
			return;
		}
	if (!strncmp(name, prefix, strlen(prefix))) {
		snprintf(out, len, "gradient norm of hidden layer %s's biases", name + strlen(prefix));
		return;
	}
	for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		size_t n = strlen(splits[i].prefix);
		const char *what = name + n, *split = splits[i].split ? splits[i].split : eval_split;

		if (strncmp(name, splits[i].prefix, n))
			continue;
		if (!strcmp(what, "accuracy")) {
			snprintf(out, len, "accuracy on the %s data (%%)", split);
			return;
		}
		if (!strcmp(what, "cost")) {
			snprintf(out, len, "cost on the %s data", split);
			return;
		}
		if (!strcmp(what, "correct") || !strcmp(what, "total")) {
			snprintf(out, len, "%s on the %s data", !strcmp(what, "correct") ? "images classified correctly" :
				 "images", split);
			return;
		}
	}
	snprintf(out, len, "%s", name);
}
