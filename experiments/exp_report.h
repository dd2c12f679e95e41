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

/* HTML for pages (this one and a sweep's): text escaped for HTML; dir/file
 * (a PNG) embedded as an <img> with a data URI, nothing when it is
 * missing; the page's head (styles included) and its <h1>. */
void exp_html_escape(FILE *f, const char *s);
void exp_html_image(FILE *f, const char *dir, const char *file, const char *alt);
void exp_html_head(FILE *f, const char *title);

#endif
