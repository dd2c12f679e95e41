/* A results table over rows of runs, in Markdown: `nnlab report --table
 * DIR`, which writes the chapter-6 report's table. DIR holds one
 * directory per row; a row's runs are the run directories under it (a
 * run, a sweep's trials, or sweeps of one trial each, as
 * `make reproduce-ch6` makes them). Each run is scored by the evaluated
 * split's accuracy at its best epoch, chosen as best.json is (the
 * validation split when the run has one, else the evaluated one; ties as
 * its monitor.ties says). */
#ifndef EXP_TABLE_H
#define EXP_TABLE_H

#include <stdio.h>

#include "nn_err.h"

/* A row's number to compare with (the book's): "ROW=VALUE". A row's vote
 * (ROW/vote/eval.csv, written by `nnlab eval ... --out ROW/vote`) is
 * named "ROW/vote". */
struct exp_table_ref {
	const char *row;
	double value;
};

/* Writes the table of dir's rows to out: per row its reference, the best
 * and mean score of the runs that ended done, the best minus the
 * reference (marked **below** when under it by more than 0.3 points),
 * the runs done, their epochs and the mean of their epochs' seconds; a
 * row with a vote its vote's line; rows named only by a reference are
 * "not yet run". Then "## Runs": every run with its outcome, score, best
 * epoch, epochs, epochs' seconds and threads. Returns 0, or NN_EIO when
 * dir cannot be read. */
int exp_table_write(const char *dir, const struct exp_table_ref *refs, size_t nrefs, FILE *out,
		    struct nn_err *err);

#endif
