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
