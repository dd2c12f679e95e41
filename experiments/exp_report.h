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

/* The page of the run in dir, written as its run goes (live: it reloads
 * itself and says how far the run is; exp_report decides by whether the
 * run holds its directory) or once it has ended (live 0). */
int exp_report_run(const char *dir, int live, FILE *log, struct nn_err *err);

#endif
