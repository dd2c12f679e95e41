/* The MPI executor of sweeps (built only with MPI): rank 0 coordinates
 * and hands trials one at a time to the other ranks, which run them as
 * local 'nnlab run' processes. */
#include "exp_sweep_mpi.h"

#include <fcntl.h>
#include <mpi.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exp_claim.h"
#include "exp_fs.h"
#include "exp_sched.h"
#include "exp_trial.h"

/* --- the MPI executor: rank 0 coordinates, the other ranks run trials ----- */

enum { TAG_WORK = 1, TAG_RESULT, TAG_STOP };

static int mpi_start(struct exp_sched_executor *x, const struct exp_sweep *s, const char *dir, int k,
		     size_t i, int attempt, struct nn_err *err)
{
	struct exp_sched_slot *slots = (struct exp_sched_slot *)(x + 1);
	int work[2] = { (int)i, attempt };

	(void)s;
	(void)dir;
	(void)err;
	MPI_Send(work, 2, MPI_INT, k + 1, TAG_WORK, MPI_COMM_WORLD);
	slots[k] = (struct exp_sched_slot){ (pid_t)(k + 1), i, 0, 0 };
	return 0;
}

static int mpi_reap(struct exp_sched_executor *x, struct exp_sched_slot *slots, int *status)
{
	int flag, res[2];
	MPI_Status st;

	(void)x;
	MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &st);
	if (!flag)
		return -1;
	MPI_Recv(res, 2, MPI_INT, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &st);
	*status = res[1];
	(void)slots;
	return st.MPI_SOURCE - 1;
}

/* The trial runs on another host: ask through a file its rank watches. */
static void mpi_stop(struct exp_sched_executor *x, const struct exp_sweep *s, const char *dir,
		     struct exp_sched_slot *sl)
{
	char tdir[4400], path[4800];
	int fd;

	(void)x;
	exp_trial_dir(dir, &s->trials[sl->trial], tdir, sizeof(tdir));
	snprintf(path, sizeof(path), "%s/stop-request", tdir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
}

static void mpi_close(struct exp_sched_executor *x)
{
	for (int k = 0; k < x->nslots; k++)
		MPI_Send(NULL, 0, MPI_INT, k + 1, TAG_STOP, MPI_COMM_WORLD);
}

/* A worker rank: runs the trials rank 0 sends until told to stop. */
static void mpi_worker(struct exp_sweep *s, const char *dir, volatile sig_atomic_t *stop)
{
	for (;;) {
		int work[2], res[2], status = 0, asked = 0;
		MPI_Status st;
		struct nn_err err = { 0, "" };
		char tdir[4400], req[4800];

		MPI_Recv(work, 2, MPI_INT, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
		if (st.MPI_TAG == TAG_STOP)
			return;
		/* A point tpe proposed after this rank loaded the sweep: rank 0
		 * recorded it before sending it. */
		if ((size_t)work[0] >= s->ntrials && (exp_sweep_read_proposals(s, dir, &err) < 0 ||
						      (size_t)work[0] >= s->ntrials)) {
			res[0] = work[0];
			res[1] = 1 << 8;
			MPI_Send(res, 2, MPI_INT, 0, TAG_RESULT, MPI_COMM_WORLD);
			continue;
		}
		exp_trial_dir(dir, &s->trials[work[0]], tdir, sizeof(tdir));
		snprintf(req, sizeof(req), "%s/stop-request", tdir);
		pid_t pid = exp_trial_launch(s, dir, (size_t)work[0], work[1], &err);
		if (pid < 0) {
			status = 1 << 8;  /* as an exit status of 1 */
		} else {
			while (waitpid(pid, &status, WNOHANG) != pid) {
				if (!asked && ((stop && *stop) || access(req, F_OK) == 0)) {
					kill(pid, SIGTERM);
					asked = 1;
				}
				struct timespec ts = { 0, 50 * 1000 * 1000 };
				nanosleep(&ts, NULL);
			}
		}
		unlink(req);
		res[0] = work[0];
		res[1] = status;
		MPI_Send(res, 2, MPI_INT, 0, TAG_RESULT, MPI_COMM_WORLD);
	}
}

int exp_sweep_mpi_run(struct exp_sweep *s, const struct exp_sweep_opts *opts, struct nn_err *err)
{
	char dir[4096];
	int rank, size, rc = 0, ok, lock = -1;

	MPI_Init(NULL, NULL);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	snprintf(dir, sizeof(dir), "%s", opts->dir);
	if (size < 2) {
		MPI_Finalize();
		return nn_errorf(err, NN_EINVAL, "--mpi needs at least 2 ranks (mpirun -np N, N >= 2): rank 0 coordinates, the others run trials");
	}
	/* Rank 0 claims the directory; the others learn where it is. */
	if (rank == 0) {
		lock = exp_claim_checked(s, opts, dir, sizeof(dir), err);
		rc = lock < 0 ? lock : 0;
	}
	ok = rc == 0;
	MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
	MPI_Bcast(dir, sizeof(dir), MPI_CHAR, 0, MPI_COMM_WORLD);
	if (!ok) {
		MPI_Finalize();
		return rank == 0 ? rc : nn_errorf(err, NN_EINVAL, "rank 0 could not start the sweep");
	}
	if (rank == 0) {
		struct exp_sched_executor x = { size - 1, mpi_start, mpi_reap, mpi_stop, mpi_close, NULL };

		rc = exp_sched_run_on(s, opts, dir, &x, err);
		exp_fs_unlock_dir(lock);
	} else {
		mpi_worker(s, dir, opts->stop);
	}
	MPI_Finalize();
	/* Workers report nothing; rank 0 speaks for the sweep. */
	return rank == 0 ? rc : 0;
}
