/* The MPI executor of sweeps (built only with MPI). */
#ifndef EXP_SWEEP_MPI_H
#define EXP_SWEEP_MPI_H

#include "exp_sweep.h"
#include "nn_err.h"

/* As exp_sched_run, under MPI (built with NNLAB_MPI): rank 0 coordinates
 * and hands out trials one at a time to the other ranks, which run them as
 * local processes; the sweep directory must be on a file system every rank
 * sees. Every rank calls it; it initialises and finalises MPI. */
int exp_sweep_mpi_run(struct exp_sweep *s, const struct exp_sweep_opts *opts, struct nn_err *err);

#endif
