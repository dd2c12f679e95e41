/* A team of threads for one model: the caller's thread and nthreads - 1
 * workers, each thread with its own scratch, and one block the threads
 * share. A job is split into parts, which the threads claim one at a
 * time, each its own first, then whatever is left: a thread the machine
 * has taken away (another process holds its core) leaves its parts to
 * the others instead of holding them all up, and the caller waits only
 * for the parts a descheduled thread had already claimed. Waiting threads
 * spin for a few hundred microseconds, longer than the serial work
 * between the jobs of a mini-batch, then sleep in the kernel, which gives
 * their core away. */
#ifndef NN_TEAM_H
#define NN_TEAM_H

#include <stddef.h>

#include "nn_err.h"

struct nn_team;

/* Runs part 'part' of 'parts' on thread 'thread' (0 .. nn_team_size - 1,
 * for nn_team_scratch). Which thread runs a part is up to the machine: a
 * part's result must not depend on it. */
typedef void (*nn_team_fn)(void *ctx, size_t part, size_t parts, size_t thread);

/* A team of nthreads (1 .. NN_TEAM_MAX) with scratch floats each and
 * shared floats for them all. Returns NULL and fills err on failure. */
#define NN_TEAM_MAX 64
struct nn_team *nn_team_create(size_t nthreads, size_t scratch, size_t shared, struct nn_err *err);
void nn_team_destroy(struct nn_team *t);

size_t nn_team_size(const struct nn_team *t);
/* Thread thread's scratch (64-byte aligned). */
float *nn_team_scratch(struct nn_team *t, size_t thread);
/* The shared block (64-byte aligned). */
float *nn_team_shared(struct nn_team *t);

/* The parts to split a job into when its result does not depend on the
 * split: 1 on one thread, else a few per thread, so that a thread that
 * stalls leaves work for the others. */
size_t nn_team_parts(const struct nn_team *t);

/* Runs fn(ctx, part, parts, thread) once for every part < parts, on the
 * calling thread and the workers, and returns when every part has
 * returned. Each thread first runs the parts that are its own, part p
 * of parts being thread p * threads / parts's (so job after job a thread
 * takes the same ranges, which stay in its cache), then any another
 * thread has not claimed yet. Jobs do not nest. */
void nn_team_run(struct nn_team *t, nn_team_fn fn, void *ctx, size_t parts);
/* As nn_team_run with home[p] the thread part p is for (NULL:
 * nn_team_run's), for a job whose parts cover other jobs' parts' data
 * otherwise (a conv layer's weight gradients, summed in slices of the
 * examples that each thread computed forward). */
void nn_team_run_homed(struct nn_team *t, nn_team_fn fn, void *ctx, size_t parts, const size_t *home);
/* As nn_team_run for a job of 'size' values too small to pay for waking
 * a sleeping thread: split only while no worker sleeps (they spin
 * between the jobs of a mini-batch) and the job is not tiny, else run
 * whole on the caller. Only for jobs whose result does not depend on
 * the split. */
void nn_team_run_awake(struct nn_team *t, nn_team_fn fn, void *ctx, size_t parts, size_t size);

/* The pace: a caller that runs the same work over and over (a mini-batch)
 * ticks once per round, and the team times windows of rounds run both
 * ways, its jobs spread over the threads or run on the caller alone, and
 * keeps the faster, trying the other way again now and then. On a quiet
 * machine the threads win; when other processes hold the cores the
 * threads would wait for, the caller alone does. Either way gives the
 * same results. nn_team_pace_begin starts a window afresh (after other
 * work, such as scoring, between rounds); nn_team_pace counts the ticks
 * and those run spread (a round with no job of more than one part is
 * not counted). */
void nn_team_pace_begin(struct nn_team *t);
void nn_team_tick(struct nn_team *t);
void nn_team_pace(const struct nn_team *t, unsigned long long *ticks, unsigned long long *spread);
/* Whether jobs are spread over the threads now (0 on one thread). */
int nn_team_spreading(const struct nn_team *t);

/* The cores this process may use (sched_getaffinity), at least 1. */
size_t nn_team_cores(void);

#endif
