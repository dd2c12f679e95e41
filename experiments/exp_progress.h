/* A run's progress while it trains: the bar on the terminal (epoch,
 * examples, rate, threads, time left), the heartbeat file a sweep watches
 * for signs of life, and a stop request (Ctrl-C) seen between
 * mini-batches. */
#ifndef EXP_PROGRESS_H
#define EXP_PROGRESS_H

#include <signal.h>
#include <stddef.h>

#include "nn_model.h"

struct exp_progress {
	size_t epoch, epochs;
	double start, epoch_start, last;
	int draw;                       /* draw the bar */
	volatile sig_atomic_t *stop;    /* or NULL */
	const char *heartbeat;          /* or NULL */
	double last_beat;
	double score_s;                 /* the last scoring's seconds; 0 before the first */
	size_t every;                   /* monitor.every: epochs between scorings */
	const struct nn_model *model;   /* for its threads */
};

/* Rewrites the heartbeat file (at most every 5 s): its time tells a
 * sweep the run is alive. t is exp_clock_now(). */
void exp_progress_beat(struct exp_progress *p, double t);

/* nn_train_epoch's progress callback (ctx a struct exp_progress):
 * beats, redraws the bar at most ten times a second, and returns 1 once
 * a stop was requested. */
int exp_progress_batch(void *ctx, size_t done, size_t total);

#endif
