/* metrics.csv, a run's table of one row per epoch: this module owns its
 * columns (which a config's run writes, and which hold values), writes
 * its header, and reads it back for sweeps, plots and reports. */
#ifndef EXP_METRICS_H
#define EXP_METRICS_H

#include <stddef.h>

#include "exp_config.h"
#include "exp_text.h"
#include "nn_err.h"

#define EXP_METRICS_MAX_COLUMNS 48

/* The hidden layers of a run of cfg: its fc and conv layers but the
 * output layer (0 when the layers come from model.from and are not
 * known yet). */
size_t exp_metrics_hidden(const struct exp_config *cfg);

/* The columns a run of cfg writes, in order: names[i] (static strings),
 * and filled[i] (may be NULL) whether column i gets a value each epoch
 * (train_cost stays empty unless monitored, for one). Returns the count. */
size_t exp_metrics_columns(const struct exp_config *cfg, const char **names, int *filled);

/* One epoch's numbers as a run of cfg writes them (the columns the
 * config leaves empty are not read). */
struct exp_metrics_row {
	size_t epoch;
	double train_cost;
	size_t train_correct, train_total;
	size_t eval_correct, eval_total;
	double eval_cost;
	size_t validation_correct, validation_total;  /* when there are columns for it */
	double validation_cost;
	double eta, train_seconds, eval_seconds;
	double grad_norms[NN_MAX_LAYERS];  /* with monitor.gradient_norms: per hidden layer */
};

/* Appends the header row of a run of cfg, and one epoch's row. */
void exp_metrics_header(struct exp_text *t, const struct exp_config *cfg);
void exp_metrics_row(struct exp_text *t, const struct exp_config *cfg, const struct exp_metrics_row *r);

/* Whether a run of cfg fills column name each epoch; when not, writes a
 * reason into why ("'val_accuracy' is not a metrics.csv column (did you
 * mean 'validation_accuracy'?); a run of this config writes epoch, ...").
 * Returns 1 or 0. */
int exp_metrics_fills(const struct exp_config *cfg, const char *name, char *why, size_t len);

/* Column name in words for a chart's axis or legend ("accuracy on the
 * test data (%)", "cost on the training data", "gradient norm of hidden
 * layer 2's biases"); eval_split names the split the eval columns score
 * ("test" or "validation"). Unknown names are copied as they are. */
void exp_metrics_words(const char *name, const char *eval_split, char *out, size_t len);

/* A metrics.csv read back: values[row * ncols + col], NAN where empty. */
struct exp_metrics {
	size_t ncols, nrows;
	char *names[EXP_METRICS_MAX_COLUMNS];
	double *values;
};

/* Reads path. Returns 0, NN_EIO (cannot read) or NN_EFORMAT (with
 * "path:line:"); m needs exp_metrics_fini either way. */
int exp_metrics_read(struct exp_metrics *m, const char *path, struct nn_err *err);
void exp_metrics_fini(struct exp_metrics *m);

/* The index of column name, or -1. */
long exp_metrics_column(const struct exp_metrics *m, const char *name);

/* The one rule that picks a run's best epoch, for best.json, the console,
 * the sweep, the reports and the ensemble: whether a score replaces the
 * best so far. A higher score does; an equal one when ties is
 * EXP_TIES_LAST. */
static inline int exp_metrics_replaces(enum exp_ties ties, double score, double best)
{
	return score > best || (ties == EXP_TIES_LAST && score == best);
}

/* The best value of column col over the rows (the highest when maximize,
 * else the lowest; of tied rows the first, or the last under
 * EXP_TIES_LAST), skipping empty cells. Returns the row, or -1 when the
 * column holds no value. */
long exp_metrics_best(const struct exp_metrics *m, long col, int maximize, enum exp_ties ties,
		      double *value);

/* The row whose model best.json holds: the best validation accuracy when
 * the run has that column (it held out a validation split), else the
 * best evaluated accuracy, tied rows as ties says; its selection
 * accuracy into *value. Returns the row, or -1. */
long exp_metrics_kept(const struct exp_metrics *m, enum exp_ties ties, double *value);

#endif
