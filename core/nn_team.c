#define _GNU_SOURCE /* sched_getaffinity, syscall */
#include "nn_team.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A waiting thread spins this long before it sleeps: longer than the
 * serial work between most jobs of a mini-batch, far shorter than the
 * few milliseconds a competing process holds a core. */
#define SPIN_NS 200000
/* Below this many values even a spinning thread's hand-off costs more
 * than it saves (nn_team_run_awake). */
#define AWAKE_MIN 4096
/* The most parts a job is spread in (more run on the caller alone). */
#define MAX_PARTS 256
/* Parts per thread of a job whose split does not matter. */
#define PARTS_PER_THREAD 1
/* The pace (nn_team_tick): ticks are timed in windows of WINDOW_NS, and
 * every PROBE_EVERY windows one window tries the other way, which takes
 * over when it is faster by MARGIN than the recent windows' average.
 * Each probe that loses doubles the wait for the next, up to PROBE_MAX
 * windows (4 s): a probe costs a slow window, which beside a busy
 * process made threads 5% slower than one at a probe every 25. */
#define WINDOW_NS 20000000LL
#define PROBE_EVERY 25
#define PROBE_MAX 200
#define MARGIN 0.05

struct worker {
	struct nn_team *team;
	size_t thread;
	pthread_t handle;
	int started;
};

struct nn_team {
	size_t n;
	float *scratch[NN_TEAM_MAX];
	float *shared;
	struct worker workers[NN_TEAM_MAX];

	/* The current job, written by the caller before it is announced. */
	_Atomic(nn_team_fn) fn;
	_Atomic(void *) ctx;
	atomic_size_t parts;
	/* The job's number (from 1), announced after the above. */
	_Atomic uint64_t current;
	/* A slot per part: 2 x the job's number while the part is free for
	 * that job, 1 more once a thread has claimed it. A claim is a
	 * compare-and-swap from the free value, so a late thread that still
	 * thinks an earlier job current never claims a part of a later one. */
	_Atomic uint64_t slot[MAX_PARTS];
	/* The thread each part is for. */
	atomic_ushort home[MAX_PARTS];
	/* Futex words: the job's number (its low bits), which sleeping
	 * workers wait on, and the parts finished, which the caller sleeps
	 * on. */
	atomic_uint job;
	atomic_uint finished;
	atomic_int sleepers;       /* workers asleep on job */
	atomic_int caller_asleep;  /* the caller asleep on finished */
	atomic_int quit;
	uint64_t jobs;             /* the caller's count of jobs */

	/* The pace: whether jobs are spread over the threads or run on the
	 * caller alone, whichever the last windows timed faster. */
	int spread;
	int probing;                   /* this window tries the other way */
	unsigned window_ticks, windows;
	unsigned probe_every;          /* windows between probes: PROBE_EVERY, doubled by each lost probe */
	long long window_start;        /* 0: the next tick starts a window */
	double ns_per_tick[2];         /* recent windows' average, alone and spread; 0: none yet */
	unsigned long long ticks, spread_ticks;
	unsigned long long split_jobs; /* jobs of more than one part so far */
	unsigned long long split_seen; /* ... at the last tick */
};

static void futex_wait(atomic_uint *word, unsigned seen)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

static void futex_wake(atomic_uint *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static inline void pause_cpu(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spins until *word differs from seen or SPIN_NS pass; returns whether
 * it changed. */
static int spin_while(atomic_uint *word, unsigned seen)
{
	long long start = 0;

	for (unsigned i = 1;; i++) {
		if (atomic_load_explicit(word, memory_order_acquire) != seen)
			return 1;
		pause_cpu();
		if (i % 64 == 0) {
			long long t = now_ns();

			if (!start)
				start = t;
			else if (t - start > SPIN_NS)
				return 0;
		}
	}
}

/* Claims part p of job 'job' and runs it; 0 when it was not free. Only
 * while one of job's parts is unclaimed can the caller not have moved
 * on, so after a claim fn, ctx and parts are job's. */
static int run_part(struct nn_team *t, uint64_t job, size_t p, size_t thread)
{
	uint64_t free_value = 2 * job;

	if (atomic_load_explicit(&t->slot[p], memory_order_relaxed) != free_value ||
	    !atomic_compare_exchange_strong_explicit(&t->slot[p], &free_value, 2 * job + 1,
						     memory_order_acq_rel, memory_order_relaxed))
		return 0;
	nn_team_fn fn = atomic_load_explicit(&t->fn, memory_order_relaxed);
	void *ctx = atomic_load_explicit(&t->ctx, memory_order_relaxed);
	size_t parts = atomic_load_explicit(&t->parts, memory_order_relaxed);

	fn(ctx, p, parts, thread);
	if (atomic_fetch_add(&t->finished, 1) + 1 == parts && atomic_load(&t->caller_asleep))
		futex_wake(&t->finished);
	return 1;
}

/* Runs job's parts that are for this thread, then any left unclaimed
 * (those of a thread that is late: another process holds its core). */
static void run_parts(struct nn_team *t, uint64_t job, size_t thread)
{
	if (atomic_load_explicit(&t->current, memory_order_acquire) != job)
		return;
	size_t parts = atomic_load_explicit(&t->parts, memory_order_relaxed);

	/* A later job's parts and homes, read by a late thread, only make
	 * its claims fail: parts is at most MAX_PARTS whichever job it is of. */
	for (size_t p = 0; p < parts; p++)
		if (atomic_load_explicit(&t->home[p], memory_order_relaxed) == thread)
			run_part(t, job, p, thread);
	for (size_t p = 0; p < parts; p++)
		run_part(t, job, p, thread);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct nn_team *t = w->team;
	unsigned seen = 0;
	/* A worker starts asleep (counted in sleepers by nn_team_create):
	 * only a job for all threads wakes it, not nn_team_run_awake's. */
	int asleep = 1;

	for (;;) {
		if (!asleep && !spin_while(&t->job, seen)) {
			atomic_fetch_add(&t->sleepers, 1);
			asleep = 1;
		}
		if (asleep) {
			while (atomic_load(&t->job) == seen && !atomic_load(&t->quit))
				futex_wait(&t->job, seen);
			atomic_fetch_sub(&t->sleepers, 1);
			asleep = 0;
		}
		if (atomic_load(&t->quit))
			return NULL;
		seen = atomic_load(&t->job);
		run_parts(t, atomic_load_explicit(&t->current, memory_order_acquire), w->thread);
	}
}

static float *alloc_floats(size_t n)
{
	size_t bytes = (n * sizeof(float) + 63) / 64 * 64;

	return aligned_alloc(64, bytes ? bytes : 64);
}

struct nn_team *nn_team_create(size_t nthreads, size_t scratch, size_t shared, struct nn_err *err)
{
	struct nn_team *t;

	if (nthreads < 1 || nthreads > NN_TEAM_MAX) {
		nn_errorf(err, NN_EINVAL, "threads must be 1 to %d, got %zu", NN_TEAM_MAX, nthreads);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t || !(t->shared = alloc_floats(shared))) {
		free(t);
		nn_errorf(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	t->n = nthreads;
	t->spread = 1;
	t->probe_every = PROBE_EVERY;
	atomic_store(&t->sleepers, (int)nthreads - 1);
	for (size_t i = 0; i < nthreads; i++) {
		t->scratch[i] = alloc_floats(scratch);
		if (!t->scratch[i]) {
			nn_errorf(err, NN_ENOMEM, "out of memory for %zu threads' scratch", nthreads);
			goto fail;
		}
	}
	for (size_t i = 1; i < nthreads; i++) {
		struct worker *w = &t->workers[i];

		w->team = t;
		w->thread = i;
		if (pthread_create(&w->handle, NULL, work, w) != 0) {
			nn_errorf(err, NN_ENOMEM, "cannot start a thread (%zu of %zu)", i + 1, nthreads);
			goto fail;
		}
		w->started = 1;
	}
	return t;
fail:
	nn_team_destroy(t);
	return NULL;
}

void nn_team_destroy(struct nn_team *t)
{
	if (!t)
		return;
	atomic_store(&t->quit, 1);
	atomic_fetch_add(&t->job, 1);
	futex_wake(&t->job);
	for (size_t i = 1; i < t->n; i++)
		if (t->workers[i].started)
			pthread_join(t->workers[i].handle, NULL);
	for (size_t i = 0; i < t->n; i++)
		free(t->scratch[i]);
	free(t->shared);
	free(t);
}

size_t nn_team_size(const struct nn_team *t)
{
	return t->n;
}

float *nn_team_scratch(struct nn_team *t, size_t thread)
{
	return t->scratch[thread];
}

float *nn_team_shared(struct nn_team *t)
{
	return t->shared;
}

size_t nn_team_parts(const struct nn_team *t)
{
	return t->n == 1 ? 1 : t->n * PARTS_PER_THREAD;
}

void nn_team_run_homed(struct nn_team *t, nn_team_fn fn, void *ctx, size_t parts, const size_t *home)
{
	if (parts > 1)
		t->split_jobs++;
	if (t->n == 1 || parts <= 1 || parts > MAX_PARTS || !t->spread) {
		for (size_t p = 0; p < parts; p++)
			fn(ctx, p, parts, 0);
		return;
	}
	uint64_t job = ++t->jobs;

	atomic_store_explicit(&t->fn, fn, memory_order_relaxed);
	atomic_store_explicit(&t->ctx, ctx, memory_order_relaxed);
	atomic_store_explicit(&t->parts, parts, memory_order_relaxed);
	atomic_store_explicit(&t->finished, 0, memory_order_relaxed);
	for (size_t p = 0; p < parts; p++) {
		/* Without homes given, part p of parts is thread p * n / parts's:
		 * the parts of most jobs are ranges of examples or elements, which
		 * then stay with the same thread job after job. */
		size_t h = home ? home[p] % t->n : p * t->n / parts;

		atomic_store_explicit(&t->home[p], (unsigned short)h, memory_order_relaxed);
		atomic_store_explicit(&t->slot[p], 2 * job, memory_order_relaxed);
	}
	atomic_store_explicit(&t->current, job, memory_order_release);
	atomic_store(&t->job, (unsigned)job);  /* seq_cst: against the sleepers count */
	if (atomic_load(&t->sleepers))
		futex_wake(&t->job);
	run_parts(t, job, 0);
	/* Only parts other threads claimed and have not finished are left. */
	unsigned done = atomic_load_explicit(&t->finished, memory_order_acquire);
	while (done != parts) {
		if (spin_while(&t->finished, done)) {
			done = atomic_load_explicit(&t->finished, memory_order_acquire);
			continue;
		}
		atomic_store(&t->caller_asleep, 1);
		done = atomic_load(&t->finished);
		if (done != parts)
			futex_wait(&t->finished, done);
		atomic_store(&t->caller_asleep, 0);
		done = atomic_load_explicit(&t->finished, memory_order_acquire);
	}
}

void nn_team_run(struct nn_team *t, nn_team_fn fn, void *ctx, size_t parts)
{
	nn_team_run_homed(t, fn, ctx, parts, NULL);
}

void nn_team_run_awake(struct nn_team *t, nn_team_fn fn, void *ctx, size_t parts, size_t size)
{
	if (size >= AWAKE_MIN && t->n > 1 && atomic_load_explicit(&t->sleepers, memory_order_relaxed) == 0)
		nn_team_run(t, fn, ctx, parts);
	else
		nn_team_run(t, fn, ctx, 1);
}

void nn_team_pace_begin(struct nn_team *t)
{
	t->window_start = 0;
	t->window_ticks = 0;
}

/* After a window: its time per tick for the way it ran. A probe's way
 * takes over when it was clearly faster, else the other way comes back;
 * otherwise the window joins its way's average, and a probe starts when
 * one is due (at once when the other way is untried). */
static void end_window(struct nn_team *t, long long now)
{
	double ns = (double)(now - t->window_start) / t->window_ticks, *avg = t->ns_per_tick;
	int way = t->spread;

	t->window_start = now;
	t->window_ticks = 0;
	if (t->probing) {
		t->probing = 0;
		avg[way] = ns;
		if (ns < avg[!way] * (1 - MARGIN)) {
			t->probe_every = PROBE_EVERY;
		} else {
			t->spread = !way;
			t->probe_every = t->probe_every * 2 < PROBE_MAX ? t->probe_every * 2 : PROBE_MAX;
		}
		return;
	}
	avg[way] = avg[way] > 0 ? 0.7 * avg[way] + 0.3 * ns : ns;
	if (avg[!way] == 0 || ++t->windows >= t->probe_every) {
		t->windows = 0;
		t->probing = 1;
		t->spread = !t->spread;
	}
}

void nn_team_tick(struct nn_team *t)
{
	/* Rounds without a job to share (a net too small to split) are not
	 * the pace's to time. */
	if (t->n == 1 || t->split_jobs == t->split_seen)
		return;
	t->split_seen = t->split_jobs;
	t->ticks++;
	t->spread_ticks += (unsigned long long)t->spread;
	long long now = now_ns();

	if (!t->window_start) {
		t->window_start = now;
		return;
	}
	if (++t->window_ticks && now - t->window_start >= WINDOW_NS)
		end_window(t, now);
}

void nn_team_pace(const struct nn_team *t, unsigned long long *ticks, unsigned long long *spread)
{
	*ticks = t->ticks;
	*spread = t->spread_ticks;
}

int nn_team_spreading(const struct nn_team *t)
{
	return t->n > 1 && t->spread;
}

size_t nn_team_cores(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (size_t)CPU_COUNT(&set);
	return 1;
}
