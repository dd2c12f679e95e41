#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "nn_model.h"
#include "nn_team.h"
#include "nn_train.h"

/* Every part of every job runs exactly once, on a valid thread, whatever
 * the parts count (fewer, as many and more parts than threads), the
 * threads the parts are for, and however the threads come and go between
 * jobs. */
struct count_job {
	atomic_uint runs[64];
	atomic_uint bad_thread;
	size_t threads;
};

static void count_part(void *ctx, size_t part, size_t parts, size_t thread)
{
	struct count_job *j = ctx;

	if (thread >= j->threads || parts > 64)
		atomic_fetch_add(&j->bad_thread, 1);
	else
		atomic_fetch_add(&j->runs[part], 1);
}

Test(nn_team, every_part_runs_once)
{
	for (size_t threads = 1; threads <= 4; threads++) {
		struct nn_team *t = nn_team_create(threads, 16, 16, NULL);

		cr_assert_not_null(t);
		for (size_t round = 0; round < 3000; round++) {
			size_t parts = 1 + round % 17;
			struct count_job j = { .threads = threads };

			size_t home[17];

			/* Every other round with homes given: all on one thread,
			 * or in reverse, or past the last thread. */
			for (size_t p = 0; p < parts; p++)
				home[p] = round % 6 == 1 ? threads - 1 : round % 6 == 3 ? parts - 1 - p : p + 7;
			if (round % 500 == 0)
				nn_team_tick(t);
			if (round % 2)
				nn_team_run_homed(t, count_part, &j, parts, home);
			else
				nn_team_run(t, count_part, &j, parts);
			cr_assert_eq(atomic_load(&j.bad_thread), 0);
			for (size_t p = 0; p < 64; p++)
				cr_assert_eq(atomic_load(&j.runs[p]), p < parts ? 1u : 0u,
					     "threads %zu round %zu: part %zu of %zu ran %u times", threads, round,
					     p, parts, atomic_load(&j.runs[p]));
		}
		nn_team_destroy(t);
	}
}

/* The pace counts the ticks of rounds that shared a job, and with one
 * thread spreads nothing. */
static void nothing(void *ctx, size_t part, size_t parts, size_t thread)
{
	(void)ctx, (void)part, (void)parts, (void)thread;
}

/* A small job (nn_team_run_awake) runs whole on the caller while the
 * workers sleep, as they do from the team's start, and below 4,096
 * values always; once a job for all threads has woken them, it is split
 * (the worker spins for 200 us between jobs: of 20 tries right after a
 * shared job, one at least finds it awake however loaded the machine). */
struct parts_seen {
	atomic_uint max_parts;
};

static void note_parts(void *ctx, size_t part, size_t parts, size_t thread)
{
	struct parts_seen *j = ctx;

	(void)part, (void)thread;
	if (parts > atomic_load(&j->max_parts))
		atomic_store(&j->max_parts, (unsigned)parts);
}

/* Both parts wait for each other: both threads ran a part. */
static void meet(void *ctx, size_t part, size_t parts, size_t thread)
{
	atomic_uint *arrived = ctx;

	(void)part, (void)thread;
	atomic_fetch_add(arrived, 1);
	while (atomic_load(arrived) < parts)
		;
}

Test(nn_team, small_jobs_wait_for_awake_threads)
{
	struct nn_team *t = nn_team_create(2, 16, 16, NULL);
	struct parts_seen before = { 0 }, tiny = { 0 }, after = { 0 };

	cr_assert_not_null(t);
	for (int i = 0; i < 100; i++)
		nn_team_run_awake(t, note_parts, &before, nn_team_parts(t), 1u << 20);
	cr_assert_eq(atomic_load(&before.max_parts), 1, "split before any shared job: %u parts",
		     atomic_load(&before.max_parts));
	for (int i = 0; i < 20; i++) {
		atomic_uint arrived = 0;

		nn_team_run(t, meet, &arrived, 2);
		nn_team_run_awake(t, note_parts, &tiny, nn_team_parts(t), 100);
		nn_team_run_awake(t, note_parts, &after, nn_team_parts(t), 1u << 20);
	}
	cr_assert_eq(atomic_load(&tiny.max_parts), 1, "a job of 100 values split");
	cr_assert_eq(atomic_load(&after.max_parts), 2, "never split after shared jobs");
	nn_team_destroy(t);
}

Test(nn_team, pace_counts_ticks)
{
	struct nn_team *one = nn_team_create(1, 16, 0, NULL), *two = nn_team_create(2, 16, 0, NULL);
	unsigned long long ticks, spread;

	for (int i = 0; i < 10; i++) {
		nn_team_run(one, nothing, NULL, 2);
		nn_team_run(two, nothing, NULL, 2);
		nn_team_tick(one);
		nn_team_tick(two);
		/* A round without a shared job is not counted. */
		nn_team_run(two, nothing, NULL, 1);
		nn_team_tick(two);
	}
	nn_team_pace(one, &ticks, &spread);
	cr_assert_eq(ticks, 0);
	nn_team_pace(two, &ticks, &spread);
	cr_assert_eq(ticks, 10);
	cr_assert_eq(spread, 10, "a new team starts spread: %llu of 10", spread);
	nn_team_destroy(one);
	nn_team_destroy(two);
}

/* The nets of make bench and the book's chapter-6 kinds (sigmoid and
 * relu conv, dropout before fully connected layers, fully connected
 * layers large enough to be split among threads) give the same
 * parameters, bit for bit, on 1, 2 and 3 threads: two shuffled epochs of
 * 57 examples in mini-batches of 10 (the last of 7) from the same seed,
 * with L2 and momentum. */
static void train(const char *const *layers, size_t nlayers, struct nn_shape in, enum nn_act act,
		  enum nn_cost cost, size_t threads, float **params, size_t *nparams)
{
	enum { N = 57, BATCH = 10 };
	static uint8_t x[N * 784];
	static int32_t y[N];
	struct nn_spec specs[NN_MAX_LAYERS];
	struct nn_err err = { 0 };
	struct nn_rng rng;
	uint32_t order[N];

	for (size_t i = 0; i < nlayers; i++)
		cr_assert_eq(nn_spec_parse(layers[i], act, &specs[i], NULL, &err), 0, "%s", err.msg);
	struct nn_model *m = nn_model_create(specs, nlayers, in, BATCH, &err);
	cr_assert_not_null(m, "%s", err.msg);
	cr_assert_eq(nn_model_set_threads(m, threads, &err), 0, "%s", err.msg);
	nn_model_set_cost(m, cost);
	nn_rng_init(&rng, 7);
	nn_model_init_network3(m, &rng);
	for (size_t i = 0; i < N * 784; i++)
		x[i] = (uint8_t)(nn_rng_u64(&rng) >> 56);
	for (size_t i = 0; i < N; i++) {
		y[i] = (int32_t)(i % 10);
		order[i] = (uint32_t)i;
	}
	struct nn_data d = { x, NN_U8, 1.0f / 255.0f, y, N, nn_shape_size(in) };
	struct nn_sgd sgd = { .batch_size = BATCH, .eta = 0.05f, .shuffle = 1, .l2 = 1.0f, .momentum = 0.5f };

	for (int epoch = 0; epoch < 2; epoch++)
		cr_assert_eq(nn_train_epoch(m, &d, &sgd, order, &rng, NULL, NULL), 0);
	*nparams = nn_model_param_count(m);
	*params = malloc(*nparams * sizeof(float));
	for (size_t k = 0, off = 0; off < *nparams; k++) {
		struct nn_layer *l = nn_model_weighted(m, k);

		memcpy(*params + off, l->w, l->nw * sizeof(float));
		memcpy(*params + off + l->nw, l->b, l->nb * sizeof(float));
		off += l->nw + l->nb;
	}
	nn_model_destroy(m);
}

static void same_on_any_threads(const char *const *layers, size_t n, struct nn_shape in, enum nn_act act,
				 enum nn_cost cost)
{
	float *one, *other;
	size_t n1, nt;

	train(layers, n, in, act, cost, 1, &one, &n1);
	for (size_t threads = 2; threads <= 3; threads++) {
		train(layers, n, in, act, cost, threads, &other, &nt);
		cr_assert_eq(nt, n1);
		for (size_t i = 0; i < n1; i++)
			cr_assert(memcmp(&one[i], &other[i], sizeof(float)) == 0,
				  "%s ...: parameter %zu is %.9g on 1 thread, %.9g on %zu", layers[0], i,
				  (double)one[i], (double)other[i], threads);
		free(other);
	}
	free(one);
}

Test(nn_team, same_bits_on_any_thread_count, .timeout = 120)
{
	const struct nn_shape flat = { 1, 1, 784 }, image = { 28, 28, 1 };
	const char *ch1[] = { "fc 30", "fc 10" };
	const char *ce100[] = { "fc 100", "fc 10" };
	const char *wide[] = { "fc 400", "dropout 0.5", "fc 400", "softmax 10" };
	const char *conv[] = { "conv 20x5x5", "pool 2", "conv 40x5x5", "pool 2", "fc 100", "softmax 10" };
	const char *dropout[] = { "conv 20x5x5", "pool 2", "conv 40x5x5", "pool 2", "dropout 0.5",
				  "fc 1000", "dropout 0.5", "fc 1000", "dropout 0.5", "softmax 10" };

	same_on_any_threads(ch1, 2, flat, NN_SIGMOID, NN_QUADRATIC);
	same_on_any_threads(ce100, 2, flat, NN_SIGMOID, NN_CROSS_ENTROPY);
	same_on_any_threads(wide, 4, flat, NN_RELU, NN_LOG_LIKELIHOOD);
	same_on_any_threads(conv, 6, image, NN_SIGMOID, NN_LOG_LIKELIHOOD);
	same_on_any_threads(conv, 6, image, NN_RELU, NN_LOG_LIKELIHOOD);
	same_on_any_threads(dropout, 10, image, NN_RELU, NN_LOG_LIKELIHOOD);
}
