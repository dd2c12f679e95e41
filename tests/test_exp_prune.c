#include <criterion/criterion.h>
#include <math.h>

#include "exp_prune.h"

Test(exp_prune, median_of_odd_and_even_counts)
{
	double one[] = { 7 }, odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 10 }, two[] = { 2, 6 };

	cr_assert_eq(exp_prune_median(one, 1), 7.0);
	cr_assert_eq(exp_prune_median(odd, 3), 3.0);
	/* Even: the mean of the middle two, not the upper or lower one. */
	cr_assert_eq(exp_prune_median(even, 4), 3.5);
	cr_assert_eq(exp_prune_median(two, 2), 4.0);
	cr_assert_eq(even[0], 1.0, "sorted in place");
	cr_assert_eq(even[3], 10.0);
}

Test(exp_prune, warmup_epochs_are_never_stopped)
{
	const struct exp_prune_rule rule = { .warmup = 3, .min_trials = 1, .maximize = 1 };
	double theirs[] = { 0.9 };

	/* epochs 1..3 are the warmup; the 4th is the first that can stop. */
	for (size_t epochs = 1; epochs <= 3; epochs++) {
		theirs[0] = 0.9;
		cr_assert_not(exp_prune_stops(&rule, epochs, 0.1, theirs, 1), "stopped after %zu epochs", epochs);
	}
	theirs[0] = 0.9;
	cr_assert(exp_prune_stops(&rule, 4, 0.1, theirs, 1));
	/* No warmup: the first epoch can stop. */
	const struct exp_prune_rule none = { .warmup = 0, .min_trials = 1, .maximize = 1 };
	cr_assert(exp_prune_stops(&none, 1, 0.1, theirs, 1));
}

Test(exp_prune, needs_min_trials_and_a_worse_score)
{
	const struct exp_prune_rule max = { .warmup = 0, .min_trials = 3, .maximize = 1 };
	const struct exp_prune_rule min = { .warmup = 0, .min_trials = 3, .maximize = 0 };
	double two[] = { 0.5, 0.7 }, four[4];

	cr_assert_not(exp_prune_stops(&max, 5, 0.1, two, 2), "two finished trials are fewer than 3");
	/* Four finished: median 0.6 (the mean of 0.5 and 0.7). */
	const double vals[] = { 0.9, 0.5, 0.2, 0.7 };
	struct {
		const struct exp_prune_rule *rule;
		double mine;
		int stops;
	} cases[] = {
		{ &max, 0.59, 1 }, { &max, 0.6, 0 }, { &max, 0.61, 0 },
		{ &min, 0.61, 1 }, { &min, 0.6, 0 }, { &min, 0.59, 0 },
		{ &max, NAN, 0 },  { &min, NAN, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t k = 0; k < 4; k++)
			four[k] = vals[k];
		cr_assert_eq(exp_prune_stops(cases[i].rule, 5, cases[i].mine, four, 4), cases[i].stops,
			     "case %zu", i);
	}
	/* Three finished (odd): the middle one, 0.7 of 0.5, 0.7, 0.9. */
	double three[] = { 0.9, 0.5, 0.7 };
	cr_assert(exp_prune_stops(&max, 5, 0.69, three, 3));
	double again[] = { 0.9, 0.5, 0.7 };
	cr_assert_not(exp_prune_stops(&max, 5, 0.7, again, 3));
}

/* Rungs at min_epochs * reduction^k below max_epochs; a trial goes on
 * when fewer than max(1, (m + 1) / reduction) of the m that reached the
 * rung before did better, for either goal; a NaN stops. */
Test(exp_prune, asha_rungs_and_the_top_share_go_on)
{
	struct exp_asha a = { 1, 3, 27, 1 };
	double theirs[8];

	cr_assert_eq(exp_asha_rung(&a, 0), 1);
	cr_assert_eq(exp_asha_rung(&a, 1), 3);
	cr_assert_eq(exp_asha_rung(&a, 2), 9);
	cr_assert_eq(exp_asha_rung(&a, 3), 0, "27 is the trials' end, not a rung");
	a.max_epochs = 28;
	cr_assert_eq(exp_asha_rung(&a, 3), 27);
	a = (struct exp_asha){ 2, 2, 10, 1 };
	cr_assert_eq(exp_asha_rung(&a, 2), 8);
	cr_assert_eq(exp_asha_rung(&a, 3), 0);
	/* The first to reach a rung goes on; with 2 before it (3 in all, keep 1 of 3) only the best. */
	a = (struct exp_asha){ 1, 3, 27, 1 };
	cr_assert(exp_asha_continues(&a, 0.5, theirs, 0));
	theirs[0] = 0.6, theirs[1] = 0.4;
	cr_assert(!exp_asha_continues(&a, 0.5, theirs, 2));
	cr_assert(exp_asha_continues(&a, 0.7, theirs, 2));
	cr_assert(exp_asha_continues(&a, 0.6, theirs, 2), "a tie goes on");
	/* 6 before it, 7 in all: keep 2; one better goes on, two better stop. */
	double six[6] = { 0.9, 0.1, 0.2, 0.3, 0.4, 0.5 };
	cr_assert(exp_asha_continues(&a, 0.8, six, 6));
	six[1] = 0.85;
	cr_assert(!exp_asha_continues(&a, 0.8, six, 6));
	/* Minimized: lower is better. */
	a.maximize = 0;
	cr_assert(exp_asha_continues(&a, 0.05, six, 6));
	cr_assert(!exp_asha_continues(&a, 0.5, six, 6));
	cr_assert(!exp_asha_continues(&a, NAN, six, 0));
}
