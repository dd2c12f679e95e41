#include "exp_prune.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double exp_prune_median(double *vals, size_t n)
{
	qsort(vals, n, sizeof(double), cmp_double);
	return n % 2 ? vals[n / 2] : (vals[n / 2 - 1] + vals[n / 2]) / 2;
}

int exp_prune_stops(const struct exp_prune_rule *rule, size_t epochs, double mine, double *theirs,
		    size_t m)
{
	double median;

	if (epochs <= rule->warmup || isnan(mine) || m == 0 || m < rule->min_trials)
		return 0;
	median = exp_prune_median(theirs, m);
	return rule->maximize ? mine < median : mine > median;
}

size_t exp_asha_rung(const struct exp_asha *a, size_t k)
{
	size_t r = a->min_epochs;

	for (size_t i = 0; i < k; i++) {
		if (r > a->max_epochs / a->reduction)
			return 0;
		r *= a->reduction;
	}
	return r < a->max_epochs && k < EXP_ASHA_MAX_RUNGS ? r : 0;
}

int exp_asha_continues(const struct exp_asha *a, double mine, double *theirs, size_t m)
{
	size_t keep = (m + 1) / a->reduction, better = 0;

	if (isnan(mine))
		return 0;
	if (keep < 1)
		keep = 1;
	for (size_t i = 0; i < m; i++)
		better += !isnan(theirs[i]) && (a->maximize ? theirs[i] > mine : theirs[i] < mine);
	return better < keep;
}
