#include "nn_json.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct parser {
	const char *p, *end, *line_start;
	size_t line;
	const char *name;
	struct nn_err *err;
};

static int fail(struct parser *ps, const char *what)
{
	return nn_errorf(ps->err, NN_EFORMAT, "%s:%zu:%zu: %s", ps->name, ps->line,
			 (size_t)(ps->p - ps->line_start) + 1, what);
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == '\n') {
			ps->line++;
			ps->line_start = ps->p + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		ps->p++;
	}
}

static void free_value(struct nn_json *v)
{
	for (size_t i = 0; i < v->count; i++) {
		free_value(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->string);
}

static int parse_value(struct parser *ps, struct nn_json *v, int depth);

static int parse_string(struct parser *ps, char **out)
{
	const char *start = ++ps->p; /* past the opening quote */
	char *s, *o;

	while (ps->p < ps->end && *ps->p != '"') {
		if ((unsigned char)*ps->p < 0x20)
			return fail(ps, "control character in string");
		if (*ps->p == '\\' && ps->p + 1 < ps->end)
			ps->p++;
		ps->p++;
	}
	if (ps->p >= ps->end)
		return fail(ps, "unterminated string");
	s = o = malloc((size_t)(ps->p - start) + 1);
	if (!s)
		return nn_errorf(ps->err, NN_ENOMEM, "out of memory");
	for (const char *q = start; q < ps->p; q++) {
		if (*q != '\\') {
			*o++ = *q;
			continue;
		}
		switch (*++q) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u': *o++ = '?'; q += (ps->p - q > 4) ? 4 : 0; break; /* not needed here */
		default: *o++ = *q; break;
		}
	}
	*o = '\0';
	ps->p++; /* closing quote */
	*out = s;
	return 0;
}

static int parse_number(struct parser *ps, struct nn_json *v)
{
	char buf[64];
	size_t n = 0;
	char *endp;

	/* strchr would find a NUL byte: it matches the string's end. */
	while (ps->p + n < ps->end && ps->p[n] && strchr("+-0123456789.eE", ps->p[n]))
		n++;
	if (n == 0 && ps->p < ps->end && !*ps->p)
		return fail(ps, "a NUL byte where a value belongs");
	if (n >= sizeof(buf))
		return fail(ps, "a number longer than 63 characters");
	memcpy(buf, ps->p, n);
	buf[n] = '\0';
	v->type = NN_JSON_NUMBER;
	v->number = strtod(buf, &endp);
	if (n == 0 || *endp != '\0')
		return fail(ps, "malformed number");
	ps->p += n;
	return 0;
}

static int grow(struct parser *ps, struct nn_json *v, size_t *cap, int with_keys)
{
	if (v->count < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 8;
	struct nn_json *items = realloc(v->items, ncap * sizeof(*items));

	if (!items)
		return nn_errorf(ps->err, NN_ENOMEM, "out of memory");
	v->items = items;
	if (with_keys) {
		char **keys = realloc(v->keys, ncap * sizeof(*keys));

		if (!keys)
			return nn_errorf(ps->err, NN_ENOMEM, "out of memory");
		v->keys = keys;
	}
	*cap = ncap;
	return 0;
}

static int parse_container(struct parser *ps, struct nn_json *v, int depth)
{
	int is_object = *ps->p == '{';
	char close = is_object ? '}' : ']';
	size_t cap = 0;
	int rc;

	v->type = is_object ? NN_JSON_OBJECT : NN_JSON_ARRAY;
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;

		skip_space(ps);
		if (is_object) {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "expected a string key");
			if ((rc = parse_string(ps, &key)) < 0)
				return rc;
			skip_space(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return fail(ps, "expected ':'");
			}
			ps->p++;
		}
		if ((rc = grow(ps, v, &cap, is_object)) < 0) {
			free(key);
			return rc;
		}
		memset(&v->items[v->count], 0, sizeof(v->items[0]));
		if (is_object)
			v->keys[v->count] = key;
		v->count++;
		if ((rc = parse_value(ps, &v->items[v->count - 1], depth + 1)) < 0)
			return rc;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return 0;
		}
		return fail(ps, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int parse_value(struct parser *ps, struct nn_json *v, int depth)
{
	skip_space(ps);
	v->line = ps->line;
	v->col = (size_t)(ps->p - ps->line_start) + 1;
	if (depth > MAX_DEPTH)
		return fail(ps, "nested too deeply");
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end of file");
	switch (*ps->p) {
	case '{':
	case '[':
		return parse_container(ps, v, depth);
	case '"':
		v->type = NN_JSON_STRING;
		return parse_string(ps, &v->string);
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = { "true", "false", "null" };

		for (int i = 0; i < 3; i++) {
			size_t n = strlen(words[i]);

			if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[i], n) == 0) {
				v->type = i == 2 ? NN_JSON_NULL : NN_JSON_BOOL;
				v->number = i == 0;
				ps->p += n;
				return 0;
			}
		}
		return fail(ps, "unexpected word");
	}
	default:
		return parse_number(ps, v);
	}
}

struct nn_json *nn_json_parse(const char *text, size_t len, const char *name,
			      struct nn_err *err)
{
	struct parser ps = { text, text + len, text, 1, name, err };
	struct nn_json *root = calloc(1, sizeof(*root));

	if (!root) {
		nn_errorf(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		fail(&ps, "a UTF-8 byte order mark, which JSON does not allow: save the file without it");
		goto fail;
	}
	if (parse_value(&ps, root, 0) < 0)
		goto fail;
	skip_space(&ps);
	if (ps.p != ps.end) {
		fail(&ps, "trailing characters after the document");
		goto fail;
	}
	return root;
fail:
	nn_json_free(root);
	return NULL;
}

void nn_json_free(struct nn_json *v)
{
	if (!v)
		return;
	free_value(v);
	free(v);
}

const struct nn_json *nn_json_get(const struct nn_json *obj, const char *key)
{
	if (obj->type != NN_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->count; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}
