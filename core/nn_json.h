/* A small JSON reader for model files: parses a document into a tree of
 * values that remember their 1-based line and column. It reads its input
 * as it parses, so input that cannot be JSON fails at its first wrong
 * byte, not after the whole of it is in memory. Strict where readers of
 * model files differ: numbers exactly as JSON writes them, \u escapes
 * decoded, and a key given twice in one object refused (Python keeps the
 * last, other readers the first). */
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
	char *string;             /* STRING, NUL-terminated (UTF-8) */
	size_t count;             /* ARRAY and OBJECT: number of items */
	struct nn_json *items;    /* OBJECT, and ARRAY unless numbers holds it */
	double *numbers;          /* an ARRAY of numbers only: its values, 8 bytes
				   * each where a node takes 88; items is NULL */
	char **keys;              /* OBJECT: the keys, parallel to items */
	size_t line, col;         /* where the value starts */
	size_t key_line, key_col; /* an object's item: where its key starts */
};

/* The most keys one object may hold (a duplicate check stays cheap). */
#define NN_JSON_MAX_KEYS 4096

/* Fills buf with up to cap bytes of input; returns the count, 0 at the
 * end of the input, or -1 with err filled. */
typedef long (*nn_json_read_fn)(void *ctx, char *buf, size_t cap, struct nn_err *err);

/* Parses the document read pulls. name (a file name) prefixes error
 * locations ("model.json:3:14: ..."). Refuses (NN_EFORMAT) input whose
 * text and tree would take more than max_bytes. Returns a tree to free
 * with nn_json_free, or NULL with err filled. */
struct nn_json *nn_json_parse_stream(nn_json_read_fn read, void *ctx, const char *name,
				     double max_bytes, struct nn_err *err);

/* The same for len bytes of text in memory, with no memory limit. */
struct nn_json *nn_json_parse(const char *text, size_t len, const char *name,
			      struct nn_err *err);
void nn_json_free(struct nn_json *v);

/* Item i (< v->count) of an array or object: &v->items[i], or for an
 * array of numbers tmp filled as a number placed where the array starts. */
const struct nn_json *nn_json_item(const struct nn_json *v, size_t i, struct nn_json *tmp);

/* The value of key in an object, or NULL. */
const struct nn_json *nn_json_get(const struct nn_json *obj, const char *key);

#endif
