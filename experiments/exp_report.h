/* Static HTML reports: one self-contained page (images embedded) for a run
 * directory, or for a directory of runs. */
#ifndef EXP_REPORT_H
#define EXP_REPORT_H

#include <stdio.h>

#include "nn_err.h"

/* Writes DIR/report.html. For a run (DIR/metrics.csv exists): its config,
 * best and final numbers, every chart, and the metrics table. For a
 * directory of runs: a table sorted by best evaluated accuracy, an overlay
 * of their accuracy curves, and a heatmap of the final accuracy when the
 * runs differ in exactly two config values. Notes go to log. */
int exp_report(const char *dir, FILE *log, struct nn_err *err);

#endif
