#include <criterion/criterion.h>
#include <string.h>

#include "exp_policy.h"

static struct exp_config config(void)
{
	struct exp_config c;

	memset(&c, 0, sizeof(c));
	c.train.eta = 1.0;
	c.train.schedule = EXP_SCHEDULE_NONE;
	c.train.step_every = 10;
	c.train.step_factor = 0.5;
	c.train.patience = 10;
	c.train.stop_factor = 1024;
	return c;
}

/* The first scored epoch is the best; later only a higher count; of tied
 * epochs the first stays (the rule best.json follows). */
Test(exp_policy, the_best_epoch_is_the_first_of_the_highest)
{
	struct exp_config c = config();
	struct exp_policy p;
	const size_t counts[] = { 50, 40, 60, 60, 59, 61 };
	const int best[] = { 1, 0, 1, 0, 0, 1 };
	const size_t since[] = { 0, 1, 0, 1, 2, 0 };

	exp_policy_init(&p, &c);
	cr_assert_eq(p.eta, 1.0);
	for (size_t e = 0; e < 6; e++) {
		cr_assert_eq(exp_policy_score(&p, counts[e]), best[e], "epoch %zu", e);
		cr_assert_eq(p.since_best, since[e], "epoch %zu", e);
	}
	cr_assert_eq(p.best_select, 61);
	cr_assert_eq(p.scored, 6);
	/* A first epoch of 0 correct is still the best so far. */
	exp_policy_init(&p, &c);
	cr_assert(exp_policy_score(&p, 0));
}

/* Under monitor.ties: last (network3.py's rule) a tie moves the best
 * epoch on, but is no improvement: early stopping still counts from the
 * last higher count. The sweep's and the reports' reading of a
 * metrics.csv picks the same epochs. */
Test(exp_policy, the_best_epoch_is_the_last_of_the_highest_under_ties_last)
{
	struct exp_config c = config();
	struct exp_policy p;
	const size_t counts[] = { 50, 40, 60, 60, 59, 60, 61, 61 };
	const int best[] = { 1, 0, 1, 1, 0, 1, 1, 1 };
	const size_t since[] = { 0, 1, 0, 1, 2, 3, 0, 1 };
	struct exp_metrics m = { .ncols = 1, .nrows = 8 };
	double values[8], v;

	c.monitor.ties = EXP_TIES_LAST;
	exp_policy_init(&p, &c);
	for (size_t e = 0; e < 8; e++) {
		cr_assert_eq(exp_policy_score(&p, counts[e]), best[e], "epoch %zu", e);
		cr_assert_eq(p.since_best, since[e], "epoch %zu", e);
		values[e] = (double)counts[e];
	}
	m.values = values;
	cr_assert_eq(exp_metrics_best(&m, 0, 1, EXP_TIES_LAST, &v), 7);
	cr_assert_eq(v, 61);
	cr_assert_eq(exp_metrics_best(&m, 0, 1, EXP_TIES_FIRST, &v), 6);
	/* Lowest is best: the last of the tied 40s, or the first. */
	cr_assert_eq(exp_metrics_best(&m, 0, 0, EXP_TIES_LAST, &v), 1);
	values[4] = 40;
	cr_assert_eq(exp_metrics_best(&m, 0, 0, EXP_TIES_LAST, &v), 4);
	cr_assert_eq(exp_metrics_best(&m, 0, 0, EXP_TIES_FIRST, &v), 1);
}

Test(exp_policy, early_stopping_after_that_many_scored_epochs_without_a_better_one)
{
	struct exp_config c = config();
	struct exp_policy p;

	c.train.early_stop = 2;
	exp_policy_init(&p, &c);
	exp_policy_score(&p, 10);
	cr_assert_eq(exp_policy_end_epoch(&p, &c, 0, 1, NULL), EXP_POLICY_GOING);
	exp_policy_score(&p, 10);   /* a tie is no improvement */
	cr_assert_eq(exp_policy_end_epoch(&p, &c, 1, 1, NULL), EXP_POLICY_GOING);
	exp_policy_score(&p, 9);
	cr_assert_eq(exp_policy_end_epoch(&p, &c, 2, 1, NULL), EXP_POLICY_EARLY_STOP);
	cr_assert_str_eq(exp_policy_reason(p.ended), "no improvement for train.early_stop epochs");
	cr_assert_null(exp_policy_reason(EXP_POLICY_GOING));
}

/* step: eta times the factor after every 'every' epochs, scored or not
 * (monitor.every leaves epochs unscored). */
Test(exp_policy, the_step_schedule_counts_every_epoch)
{
	struct exp_config c = config();
	struct exp_policy p;

	c.train.schedule = EXP_SCHEDULE_STEP;
	c.train.step_every = 3;
	c.train.step_factor = 0.1;
	exp_policy_init(&p, &c);
	const double want[] = { 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01 };
	for (size_t e = 0; e < 7; e++) {
		exp_policy_end_epoch(&p, &c, e, e % 2 == 0, NULL);
		cr_assert_float_eq(p.eta, want[e], 1e-15, "after epoch %zu: %g", e, p.eta);
	}
}

/* plateau: halve eta after 'patience' scored epochs without a better
 * score (counted again from each halving), and end below eta/stop_factor. */
Test(exp_policy, the_plateau_schedule_halves_and_ends_at_its_floor)
{
	struct exp_config c = config();
	struct exp_policy p;
	char *text = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&text, &len);

	c.train.schedule = EXP_SCHEDULE_PLATEAU;
	c.train.patience = 2;
	c.train.stop_factor = 4;
	exp_policy_init(&p, &c);
	exp_policy_score(&p, 10);
	cr_assert_eq(exp_policy_end_epoch(&p, &c, 0, 1, log), EXP_POLICY_GOING);
	exp_policy_score(&p, 9);
	exp_policy_end_epoch(&p, &c, 1, 1, log);
	cr_assert_eq(p.eta, 1.0);
	/* An unscored epoch counts for nothing. */
	exp_policy_end_epoch(&p, &c, 2, 0, log);
	cr_assert_eq(p.eta, 1.0);
	exp_policy_score(&p, 9);
	exp_policy_end_epoch(&p, &c, 3, 1, log);
	cr_assert_eq(p.eta, 0.5);
	cr_assert_eq(p.since_change, 0);
	cr_assert_eq(p.since_best, 2);
	exp_policy_score(&p, 8);
	exp_policy_end_epoch(&p, &c, 4, 1, log);
	cr_assert_eq(p.eta, 0.5);
	exp_policy_score(&p, 8);
	cr_assert_eq(exp_policy_end_epoch(&p, &c, 5, 1, log), EXP_POLICY_GOING);
	cr_assert_eq(p.eta, 0.25);   /* 0.25 is the floor, 1/4: not below it */
	exp_policy_score(&p, 8);
	exp_policy_score(&p, 8);
	cr_assert_eq(exp_policy_end_epoch(&p, &c, 7, 1, log), EXP_POLICY_ETA_FLOOR);
	cr_assert_eq(p.eta, 0.125);
	fclose(log);
	cr_assert_str_eq(text, "eta halved to 0.5\neta halved to 0.25\n");
	free(text);
}

/* train.stop_at_chance: N scored epochs in a row at one class end the
 * run; an epoch off chance starts the count again; 0 never ends it. */
Test(exp_policy, chance_ends_a_run_after_n_epochs_in_a_row)
{
	struct exp_config cfg;
	struct exp_policy p;

	memset(&cfg, 0, sizeof(cfg));
	cfg.train.eta = 1;
	cfg.train.stop_at_chance = 3;
	exp_policy_init(&p, &cfg);
	const int seq[] = { 1, 1, 0, 1, 1 };
	for (size_t i = 0; i < 5; i++)
		cr_assert_eq(exp_policy_chance(&p, &cfg, seq[i]), EXP_POLICY_GOING, "epoch %zu", i);
	cr_assert_eq(exp_policy_chance(&p, &cfg, 1), EXP_POLICY_CHANCE);
	cr_assert_not_null(strstr(exp_policy_reason(p.ended), "has not left chance"));
	cfg.train.stop_at_chance = 0;
	exp_policy_init(&p, &cfg);
	for (size_t i = 0; i < 100; i++)
		cr_assert_eq(exp_policy_chance(&p, &cfg, 1), EXP_POLICY_GOING);
}
