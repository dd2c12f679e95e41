/* Reading a config's values: each reader takes the YAML node of key, checks
 * its kind and range, and on a bad value returns NN_EINVAL with an error
 * (exp_config_errorf) naming the file, line and column, the key, what it
 * got and what it expected. */
#ifndef EXP_CONFIG_VALUE_H
#define EXP_CONFIG_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "exp_yaml.h"
#include "nn_err.h"

/* Whether n is YAML's null: an empty plain scalar, '~' or 'null'. */
int exp_config_is_null(const struct exp_node *n);

/* The map under key in parent, NULL when absent or null; an error when
 * not a map. */
int exp_config_get_section(const struct exp_node *parent, const char *key, struct exp_node **out,
			   struct nn_err *err);

/* A whole number in [min, max]. */
int exp_config_get_uint(const struct exp_node *n, const char *key, uint64_t min, uint64_t max, uint64_t *out,
			struct nn_err *err);
int exp_config_get_size(const struct exp_node *n, const char *key, uint64_t min, uint64_t max, size_t *out,
			struct nn_err *err);

/* A finite number in [lo, hi], or (lo, hi] when lo_open, or [lo, hi) when
 * hi_open; a nonzero one too small for single precision is refused. */
int exp_config_get_number(const struct exp_node *n, const char *key, double lo, int lo_open, double hi,
			  int hi_open, double *out, struct nn_err *err);

/* true/false (yes/no, on/off, in YAML 1.1's spellings). */
int exp_config_get_bool(const struct exp_node *n, const char *key, int *out, struct nn_err *err);

/* A single value; *out NULL for an explicit null. */
int exp_config_get_string(const struct exp_node *n, const char *key, const char **out, struct nn_err *err);

/* One of choices (a NULL-terminated list): its index in *out. */
int exp_config_get_choice(const struct exp_node *n, const char *key, const char *const *choices, int *out,
			  struct nn_err *err);

#endif
