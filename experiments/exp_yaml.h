/* YAML documents as trees of nodes that remember where they came from, so
 * every config error can name its file, line and column. */
#ifndef EXP_YAML_H
#define EXP_YAML_H

#include <stddef.h>

#include "nn_err.h"

#define EXP_YAML_MAX_BYTES (4 << 20) /* a config file's size limit: 4 MiB */

enum exp_node_kind {
	EXP_SCALAR,
	EXP_SEQ,
	EXP_MAP
};

struct exp_node {
	enum exp_node_kind kind;
	char *value;               /* SCALAR: the text */
	int plain;                 /* SCALAR: unquoted (so "~" and "null" mean null) */
	size_t count;              /* SEQ, MAP: number of items */
	struct exp_node **items;   /* SEQ: items; MAP: values */
	struct exp_node **keys;    /* MAP: keys (scalars), parallel to items */
	const char *origin;        /* file name, or the --set argument; borrowed */
	size_t line, col;          /* 1-based; 0 for a --set value */
};

/* Parses the YAML file at path into a tree. origin must outlive the tree
 * (it is stored in every node). An empty document gives an empty map.
 * Duplicate keys, aliases, non-scalar keys and multiple documents are
 * errors. Returns NULL and fills err (NN_EIO or NN_EFORMAT). */
struct exp_node *exp_yaml_load_file(const char *path, const char *origin, struct nn_err *err);

/* Parses text the same way; origin names it in messages. */
struct exp_node *exp_yaml_load_string(const char *text, const char *origin,
				      struct nn_err *err);

void exp_node_free(struct exp_node *n);

/* The value for key in map n, or NULL (also when n is not a map). */
struct exp_node *exp_node_get(const struct exp_node *n, const char *key);

/* Index of key in map n, or -1. */
long exp_node_find(const struct exp_node *n, const char *key);

/* Writes "file:line:col" (or "--set ARG") for n into buf. */
const char *exp_node_where(const struct exp_node *n, char *buf, size_t len);

/* Applies a --set override: arg is "a.b.c=VALUE", VALUE parsed as YAML
 * (flow style: "[784, 100, 10]"). Maps on the path are created as needed;
 * a number after a list names its item ("model.layers.1=64" sets the
 * second item, an index within the list).
 * arg must outlive root (nodes borrow it as their origin). */
int exp_yaml_set(struct exp_node *root, const char *arg, struct nn_err *err);

/* n as YAML flow text that --set reads back to the same value:
 * "0.5", "[784, 30, 10]", "{kind: blobs}". Returns a new string or NULL. */
char *exp_node_text(const struct exp_node *n);

/* Edit distance between two short strings, for "did you mean" hints. */
size_t exp_edit_distance(const char *a, const char *b);

#endif
