/* A small JSON reader: parses a whole document into a tree of values that
 * remember their 1-based line and column, for model files. */
#ifndef NN_JSON_H
#define NN_JSON_H

#include <stddef.h>

#include "nn_err.h"

enum nn_json_type {
	NN_JSON_NULL,
	NN_JSON_BOOL,
	NN_JSON_NUMBER,
	NN_JSON_STRING,
	NN_JSON_ARRAY,
	NN_JSON_OBJECT
};

struct nn_json {
	enum nn_json_type type;
	double number;            /* NUMBER, and BOOL as 0 or 1 */
	char *string;             /* STRING, NUL-terminated */
	size_t count;             /* ARRAY and OBJECT: number of items */
	struct nn_json *items;    /* ARRAY and OBJECT: the values */
	char **keys;              /* OBJECT: the keys, parallel to items */
	size_t line, col;
};

/* Parses len bytes of text. name (a file name) prefixes error locations
 * ("model.json:3:14: ..."). Returns a tree to free with nn_json_free, or
 * NULL with err filled. */
struct nn_json *nn_json_parse(const char *text, size_t len, const char *name,
			      struct nn_err *err);
void nn_json_free(struct nn_json *v);

/* The value of key in an object, or NULL. */
const struct nn_json *nn_json_get(const struct nn_json *obj, const char *key);

#endif
