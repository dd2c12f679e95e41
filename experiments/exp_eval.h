/* nnlab check and nnlab eval: a config's plugin, data and model checked
 * without training, and saved models scored (one, or the vote of several). */
#ifndef EXP_EVAL_H
#define EXP_EVAL_H

#include <stddef.h>
#include <stdio.h>

#include "exp_config.h"
#include "nn_err.h"

/* Checks everything a run would use without training: the plugin, its
 * options, the data and the model. Prints a summary to log (may be NULL).
 * Returns as exp_run. */
int exp_eval_check(const struct exp_config *cfg, FILE *log, struct nn_err *err);

/* Scores the model in cfg->from on the config's evaluated split and
 * prints "C / T", the mean cost and the confusion matrix to log. With
 * nmore more models (files), prints each model's count and then the
 * plurality vote's of all of them (ties to the earliest model's class)
 * with its confusion matrix. When chart_dir is not NULL, the misclassified
 * examples (of the vote, for several models) are drawn there as
 * misclassified.png. Returns as exp_run. */
int exp_eval(const struct exp_config *cfg, const char *const *more, size_t nmore,
	     const char *chart_dir, FILE *log, struct nn_err *err);

#endif
