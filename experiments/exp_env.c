#include "exp_env.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_team.h"

int exp_env_memory_limit(double *bytes, struct nn_err *err)
{
	const char *v = getenv("NNLAB_MAX_MEMORY"), *unit;
	double x;

	*bytes = EXP_DEFAULT_MAX_MEMORY;
	if (!v || !*v)
		return 0;
	/* Digits, a point and one unit letter only: strtod alone would also
	 * take hex, exponents and "inf". */
	unit = v + strspn(v, "0123456789.");
	if (unit == v || (*unit && (!strchr("kKmMgGtT", *unit) || unit[1])))
		goto bad;
	x = strtod(v, NULL);
	switch (*unit) {
	case 'k': case 'K': x *= 1024; break;
	case 'm': case 'M': x *= 1024.0 * 1024; break;
	case 'g': case 'G': x *= 1024.0 * 1024 * 1024; break;
	case 't': case 'T': x *= 1024.0 * 1024 * 1024 * 1024; break;
	}
	/* A size_t counts the bytes: 2^64 and more would overflow. */
	if (!isfinite(x) || x < 1024 * 1024 || x >= 18446744073709551616.0)
		goto bad;
	*bytes = x;
	return 0;
bad:
	return nn_errorf(err, NN_EINVAL, "NNLAB_MAX_MEMORY is '%s': expected a size from 1M to below 16777216T (2^64 bytes), such as 16G", v);
}

int exp_env_threads(const struct exp_config *cfg, size_t *threads, struct nn_err *err)
{
	const char *v = getenv("NNLAB_THREADS");
	size_t cores = nn_team_cores();

	if (cfg->train.threads) {
		*threads = cfg->train.threads;
		return 0;
	}
	if (v && *v) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno || *end || end == v || n < 1 || n > NN_TEAM_MAX)
			return nn_errorf(err, NN_EINVAL, "NNLAB_THREADS is '%s': expected 1 to %d", v, NN_TEAM_MAX);
		*threads = n;
		return 0;
	}
	*threads = cores < NN_TEAM_MAX ? cores : NN_TEAM_MAX;
	return 0;
}
