/* Config values read from their YAML nodes and checked, each error naming
 * the file, line and column and what was expected. */
#include "exp_config_value.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_config.h"

int exp_config_is_null(const struct exp_node *n)
{
	return n->kind == EXP_SCALAR && n->plain &&
	       (!n->value[0] || !strcmp(n->value, "~") || !strcmp(n->value, "null"));
}

int exp_config_get_section(const struct exp_node *parent, const char *key, struct exp_node **out,
			   struct nn_err *err)
{
	struct exp_node *n = exp_node_get(parent, key);

	*out = NULL;
	if (!n || exp_config_is_null(n))
		return 0;
	if (n->kind != EXP_MAP)
		return exp_config_errorf(err, n, "'%s' must be a section of keys", key);
	*out = n;
	return 0;
}

int exp_config_get_uint(const struct exp_node *n, const char *key, uint64_t min, uint64_t max, uint64_t *out,
			struct nn_err *err)
{
	char *end, q[NN_QUOTE_MAX + 1];
	unsigned long long v;

	if (n->kind != EXP_SCALAR || !n->value[0] || !strchr("0123456789", n->value[0]))
		goto bad;
	errno = 0;
	v = strtoull(n->value, &end, 10);
	if (*end || errno == ERANGE)
		goto bad;
	if (v < min || v > max)
		return exp_config_errorf(err, n, "'%s' is %llu, must be between %llu and %llu",
					 key, v, (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
bad:
	return exp_config_errorf(err, n, "'%s' must be a whole number, got %s%s%s", key,
				 n->kind == EXP_SCALAR ? "'" : "a ",
				 n->kind == EXP_SCALAR ? nn_quote(n->value, q) : n->kind == EXP_MAP ? "section" : "list",
				 n->kind == EXP_SCALAR ? "'" : "");
}

int exp_config_get_size(const struct exp_node *n, const char *key, uint64_t min, uint64_t max, size_t *out,
			struct nn_err *err)
{
	uint64_t v = 0;
	int rc = exp_config_get_uint(n, key, min, max, &v, err);

	if (rc == 0)
		*out = (size_t)v;
	return rc;
}

int exp_config_get_number(const struct exp_node *n, const char *key, double lo, int lo_open, double hi,
			  int hi_open, double *out, struct nn_err *err)
{
	char *end, q[NN_QUOTE_MAX + 1];
	double v;

	if (n->kind != EXP_SCALAR || !n->value[0])
		return exp_config_errorf(err, n, "'%s' must be a number", key);
	v = strtod(n->value, &end);
	if (*end || end == n->value)
		return exp_config_errorf(err, n, "'%s' must be a number, got '%s'", key, nn_quote(n->value, q));
	if (!isfinite(v) || (lo_open ? v <= lo : v < lo) || (hi_open ? v >= hi : v > hi))
		return exp_config_errorf(err, n, "'%s' is %s, must be %s %g and %s %g", key, nn_quote(n->value, q),
					 lo_open ? "greater than" : "at least", lo,
					 hi_open ? "below" : "at most", hi);
	/* Training runs in single precision: a value that would become 0 or
	 * lose its precision there is not the value asked for. */
	if (v != 0 && fabs(v) < FLT_MIN)
		return exp_config_errorf(err, n, "'%s' is %s, too small for single precision (nonzero values must be at least %g)",
					 key, nn_quote(n->value, q), (double)FLT_MIN);
	*out = v;
	return 0;
}

int exp_config_get_bool(const struct exp_node *n, const char *key, int *out, struct nn_err *err)
{
	static const char *const yes[] = { "true", "yes", "on", "True", "TRUE", "Yes", "On", NULL };
	static const char *const no[] = { "false", "no", "off", "False", "FALSE", "No", "Off", NULL };

	if (n->kind == EXP_SCALAR && n->plain) {
		for (int i = 0; yes[i]; i++) {
			if (!strcmp(n->value, yes[i])) {
				*out = 1;
				return 0;
			}
			if (!strcmp(n->value, no[i])) {
				*out = 0;
				return 0;
			}
		}
	}
	return exp_config_errorf(err, n, "'%s' must be true or false", key);
}

int exp_config_get_string(const struct exp_node *n, const char *key, const char **out, struct nn_err *err)
{
	if (n->kind != EXP_SCALAR)
		return exp_config_errorf(err, n, "'%s' must be a single value, not a %s", key,
					 n->kind == EXP_MAP ? "section" : "list");
	*out = exp_config_is_null(n) ? NULL : n->value;
	return 0;
}

int exp_config_get_choice(const struct exp_node *n, const char *key, const char *const *choices, int *out,
			  struct nn_err *err)
{
	char list[256] = "";
	const char *s;
	int rc = exp_config_get_string(n, key, &s, err);

	if (rc < 0)
		return rc;
	for (int i = 0; choices[i]; i++) {
		if (s && !strcmp(s, choices[i])) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s'%s'",
			 i ? (choices[i + 1] ? ", " : " or ") : "", choices[i]);
	}
	char q[NN_QUOTE_MAX + 1];

	return exp_config_errorf(err, n, "'%s' is '%s', expected %s", key, s ? nn_quote(s, q) : "null", list);
}
