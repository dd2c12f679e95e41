/* A run's charts: drawn when the run ends, from its best model, or later
 * from its directory, for the trials whose charts a sweep leaves until
 * someone asks (sweep.trial_charts). */
#ifndef EXP_CHARTS_H
#define EXP_CHARTS_H

#include <stddef.h>
#include <stdio.h>

#include "exp_config.h"
#include "exp_data.h"
#include "nn_err.h"

/* Draws the charts of the run of cfg in dir from its best.json (the
 * model of best_epoch) on data; failures are warnings on log. */
void exp_charts_draw(const struct exp_config *cfg, const struct exp_data *data, const char *dir,
		     size_t best_epoch, FILE *log);

/* 1 when the run in dir has a model and its config asks for charts but
 * none were drawn (a sweep's trial left for later), else 0. */
int exp_charts_pending(const char *dir);

/* Draws the pending charts of the run in dir: its config.yaml, its data
 * (plugin_file: the plugin a sweep or run was given with --plugin, or
 * NULL), its best.json and the best epoch its metrics.csv says. Returns
 * 0 (also when nothing is pending) or a code naming the file. */
int exp_charts_draw_pending(const char *dir, const char *plugin_file, FILE *log, struct nn_err *err);

#endif
