#define _GNU_SOURCE /* sched_getaffinity */
#include "nn_team.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* A waiting thread spins (pause) for SPINS rounds, about 10 microseconds,
 * longer than the serial work between most jobs of a mini-batch; then
 * yields the core on each round, so that when more threads than cores
 * run (two runs side by side) the one it waits for gets the core; and a
 * worker that has waited YIELDS rounds sleeps until the next job. */
#define SPINS 2000
#define YIELDS 2000

struct worker {
	struct nn_team *team;
	size_t part;
	pthread_t thread;
	int started;
};

struct nn_team {
	size_t n;
	float *scratch[NN_TEAM_MAX];
	struct worker workers[NN_TEAM_MAX];

	/* The current job: a new generation starts it; done counts the
	 * workers that finished it. */
	nn_team_fn fn;
	void *ctx;
	atomic_ulong generation;
	atomic_size_t done;
	atomic_int quit;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	atomic_int sleepers;
};

static inline void pause_cpu(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct nn_team *t = w->team;
	unsigned long seen = 0;

	for (;;) {
		unsigned long g;
		int spins = 0;

		while ((g = atomic_load_explicit(&t->generation, memory_order_acquire)) == seen &&
		       !atomic_load(&t->quit)) {
			if (++spins < SPINS) {
				pause_cpu();
				continue;
			}
			if (spins < SPINS + YIELDS) {
				sched_yield();
				continue;
			}
			pthread_mutex_lock(&t->lock);
			atomic_fetch_add(&t->sleepers, 1);
			while (atomic_load(&t->generation) == seen && !atomic_load(&t->quit))
				pthread_cond_wait(&t->wake, &t->lock);
			atomic_fetch_sub(&t->sleepers, 1);
			pthread_mutex_unlock(&t->lock);
		}
		if (atomic_load(&t->quit))
			return NULL;
		seen = g;
		t->fn(t->ctx, w->part, t->n);
		atomic_fetch_add_explicit(&t->done, 1, memory_order_release);
	}
}

struct nn_team *nn_team_create(size_t nthreads, size_t scratch, struct nn_err *err)
{
	struct nn_team *t;

	if (nthreads < 1 || nthreads > NN_TEAM_MAX) {
		nn_errorf(err, NN_EINVAL, "threads must be 1 to %d, got %zu", NN_TEAM_MAX, nthreads);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		nn_errorf(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	t->n = nthreads;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	for (size_t i = 0; i < nthreads; i++) {
		size_t bytes = (scratch * sizeof(float) + 63) / 64 * 64;

		t->scratch[i] = aligned_alloc(64, bytes ? bytes : 64);
		if (!t->scratch[i]) {
			nn_errorf(err, NN_ENOMEM, "out of memory for %zu threads' scratch", nthreads);
			goto fail;
		}
	}
	for (size_t i = 1; i < nthreads; i++) {
		struct worker *w = &t->workers[i];

		w->team = t;
		w->part = i;
		if (pthread_create(&w->thread, NULL, work, w) != 0) {
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
	pthread_mutex_lock(&t->lock);
	atomic_store(&t->quit, 1);
	pthread_cond_broadcast(&t->wake);
	pthread_mutex_unlock(&t->lock);
	for (size_t i = 1; i < t->n; i++)
		if (t->workers[i].started)
			pthread_join(t->workers[i].thread, NULL);
	for (size_t i = 0; i < t->n; i++)
		free(t->scratch[i]);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->wake);
	free(t);
}

size_t nn_team_size(const struct nn_team *t)
{
	return t->n;
}

float *nn_team_scratch(struct nn_team *t, size_t part)
{
	return t->scratch[part];
}

void nn_team_run(struct nn_team *t, nn_team_fn fn, void *ctx)
{
	if (t->n == 1) {
		fn(ctx, 0, 1);
		return;
	}
	t->fn = fn;
	t->ctx = ctx;
	atomic_store_explicit(&t->done, 0, memory_order_relaxed);
	atomic_fetch_add(&t->generation, 1);  /* seq_cst: against the sleepers count */
	if (atomic_load(&t->sleepers)) {
		pthread_mutex_lock(&t->lock);
		pthread_cond_broadcast(&t->wake);
		pthread_mutex_unlock(&t->lock);
	}
	fn(ctx, 0, t->n);
	for (int spins = 0; atomic_load_explicit(&t->done, memory_order_acquire) < t->n - 1; spins++) {
		if (spins < SPINS)
			pause_cpu();
		else
			sched_yield();
	}
}

size_t nn_team_cores(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (size_t)CPU_COUNT(&set);
	return 1;
}
