/* A team of threads for one model: the caller's thread and nthreads - 1
 * workers, each part of a job run on its own thread, each thread with its
 * own scratch. Workers wait by spinning for a while and then sleeping, so
 * the many small jobs of a mini-batch do not each pay for a wake-up. */
#ifndef NN_TEAM_H
#define NN_TEAM_H

#include <stddef.h>

#include "nn_err.h"

struct nn_team;

typedef void (*nn_team_fn)(void *ctx, size_t part, size_t parts);

/* A team of nthreads (1 .. NN_TEAM_MAX) with scratch floats each.
 * Returns NULL and fills err on failure. */
#define NN_TEAM_MAX 64
struct nn_team *nn_team_create(size_t nthreads, size_t scratch, struct nn_err *err);
void nn_team_destroy(struct nn_team *t);

size_t nn_team_size(const struct nn_team *t);
/* Thread part's scratch (64-byte aligned). */
float *nn_team_scratch(struct nn_team *t, size_t part);

/* Runs fn(ctx, part, parts) for every part < parts = nn_team_size, part 0
 * on the calling thread; returns when every part has returned. Jobs do
 * not nest. */
void nn_team_run(struct nn_team *t, nn_team_fn fn, void *ctx);

/* The cores this process may use (sched_getaffinity), at least 1. */
size_t nn_team_cores(void);

#endif
