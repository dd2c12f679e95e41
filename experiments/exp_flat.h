/* A config flattened to "dotted.key=TEXT" lines, for comparing runs: the
 * keys whose values differ make legends, tables and heatmap axes. */
#ifndef EXP_FLAT_H
#define EXP_FLAT_H

#include <stddef.h>

#include "exp_yaml.h"

/* Every value under the map n as "dotted.key=TEXT\n" lines, in order,
 * values as exp_node_text writes them. Returns a new string or NULL. */
char *exp_flat_node(const struct exp_node *n);

/* The value of key in flattened text (flat may be NULL), copied into out,
 * cut to len - 1 bytes: for showing; "" when absent. */
const char *exp_flat_get(const char *flat, const char *key, char *out, size_t len);

/* The keys (other than "name") whose values differ among the n flattened
 * configs (a NULL one has no keys), whole values compared, a key absent
 * from some differing from one present: up to max of them into keys, in
 * order of first appearance. Returns how many differ in all. */
size_t exp_flat_differing(char *const *flats, size_t n, char (*keys)[256], size_t max);

#endif
