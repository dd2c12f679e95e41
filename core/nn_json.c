#include "nn_json.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_NUMBER 511 /* characters of one number */

struct parser {
	nn_json_read_fn read;
	void *ctx;
	char buf[65536];
	size_t pos, len;
	int at_end;        /* read returned 0 or failed */
	int read_failed;   /* err holds the read's message */
	size_t line, col;  /* of the byte at pos, 1-based */
	const char *name;
	struct nn_err *err;
	double used, max;  /* bytes read and allocated, and the limit */
};

static int fail_at(struct parser *ps, size_t line, size_t col, const char *what)
{
	if (ps->read_failed)
		return ps->err ? ps->err->code : NN_EIO;
	return nn_errorf(ps->err, NN_EFORMAT, "%s:%zu:%zu: %s", ps->name, line, col, what);
}

static int fail(struct parser *ps, const char *what)
{
	return fail_at(ps, ps->line, ps->col, what);
}

/* Counts bytes against the limit. */
static int charge(struct parser *ps, double bytes)
{
	ps->used += bytes;
	if (ps->used <= ps->max)
		return 0;
	return nn_errorf(ps->err, NN_EFORMAT,
			 "%s:%zu:%zu: reading stopped here: the file takes more than %.1f MiB to read, the limit (half of the memory limit)",
			 ps->name, ps->line, ps->col, ps->max / (1 << 20));
}

/* The next byte (0..255) without taking it, or -1 at the end. */
static int peek(struct parser *ps)
{
	if (ps->pos == ps->len && !ps->at_end) {
		long n = ps->read(ps->ctx, ps->buf, sizeof(ps->buf), ps->err);

		ps->pos = 0;
		ps->len = n > 0 ? (size_t)n : 0;
		if (n <= 0) {
			ps->at_end = 1;
			ps->read_failed = n < 0;
		} else if (charge(ps, (double)n) < 0) {
			ps->at_end = 1;
			ps->read_failed = 1;
			ps->len = 0;
		}
	}
	return ps->pos < ps->len ? (unsigned char)ps->buf[ps->pos] : -1;
}

static void take(struct parser *ps)
{
	if (ps->buf[ps->pos++] == '\n') {
		ps->line++;
		ps->col = 1;
	} else {
		ps->col++;
	}
}

static void skip_space(struct parser *ps)
{
	for (int c; (c = peek(ps)) == ' ' || c == '\t' || c == '\r' || c == '\n';)
		take(ps);
}

static void free_value(struct nn_json *v)
{
	for (size_t i = 0; v->items && i < v->count; i++) {
		free_value(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->numbers);
	free(v->keys);
	free(v->string);
}

static int parse_value(struct parser *ps, struct nn_json *v, int depth);

struct strbuf {
	char *s;
	size_t n, cap;
};

static int put(struct parser *ps, struct strbuf *b, char c)
{
	if (b->n + 1 >= b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 32;
		char *s;

		if (charge(ps, (double)(ncap - b->cap)) < 0)
			return NN_EFORMAT;
		if (!(s = realloc(b->s, ncap)))
			return nn_errorf(ps->err, NN_ENOMEM, "out of memory");
		b->s = s;
		b->cap = ncap;
	}
	b->s[b->n++] = c;
	return 0;
}

static int put_utf8(struct parser *ps, struct strbuf *b, unsigned long u)
{
	int rc = 0;

	if (u < 0x80)
		return put(ps, b, (char)u);
	if (u < 0x800)
		return (rc = put(ps, b, (char)(0xc0 | u >> 6))) < 0 ? rc : put(ps, b, (char)(0x80 | (u & 0x3f)));
	if (u < 0x10000) {
		if ((rc = put(ps, b, (char)(0xe0 | u >> 12))) < 0 ||
		    (rc = put(ps, b, (char)(0x80 | ((u >> 6) & 0x3f)))) < 0)
			return rc;
		return put(ps, b, (char)(0x80 | (u & 0x3f)));
	}
	if ((rc = put(ps, b, (char)(0xf0 | u >> 18))) < 0 ||
	    (rc = put(ps, b, (char)(0x80 | ((u >> 12) & 0x3f)))) < 0 ||
	    (rc = put(ps, b, (char)(0x80 | ((u >> 6) & 0x3f)))) < 0)
		return rc;
	return put(ps, b, (char)(0x80 | (u & 0x3f)));
}

/* Four hex digits after "\u". */
static int hex4(struct parser *ps, unsigned long *u)
{
	*u = 0;
	for (int i = 0; i < 4; i++) {
		int c = peek(ps);
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return fail(ps, "expected four hex digits after \\u");
		*u = *u << 4 | (unsigned long)d;
		take(ps);
	}
	return 0;
}

/* A \u escape, with its low surrogate when it is a high one. */
static int unicode_escape(struct parser *ps, struct strbuf *b)
{
	unsigned long u, lo;
	int rc;

	if ((rc = hex4(ps, &u)) < 0)
		return rc;
	if (u == 0)
		return fail(ps, "a \\u0000 in a string, which nnlab cannot hold");
	if (u >= 0xdc00 && u <= 0xdfff)
		return fail(ps, "a lone low surrogate in a \\u escape");
	if (u >= 0xd800 && u <= 0xdbff) {
		if (peek(ps) != '\\')
			return fail(ps, "a high surrogate \\u escape without its low surrogate");
		take(ps);
		if (peek(ps) != 'u')
			return fail(ps, "a high surrogate \\u escape without its low surrogate");
		take(ps);
		if ((rc = hex4(ps, &lo)) < 0)
			return rc;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(ps, "a high surrogate \\u escape without its low surrogate");
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	return put_utf8(ps, b, u);
}

static int parse_string(struct parser *ps, char **out)
{
	struct strbuf b = { 0 };
	int rc = 0, c;

	take(ps); /* the opening quote */
	for (;;) {
		c = peek(ps);
		if (c < 0) {
			rc = fail(ps, "unterminated string");
			break;
		}
		if (c == '"') {
			take(ps);
			break;
		}
		if (c < 0x20) {
			rc = fail(ps, c ? "control character in string" : "a NUL byte in a string");
			break;
		}
		take(ps);
		if (c != '\\') {
			if ((rc = put(ps, &b, (char)c)) < 0)
				break;
			continue;
		}
		c = peek(ps);
		const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
		const char *at = c > 0 ? strchr(from, c) : NULL;

		if (c == 'u') {
			take(ps);
			rc = unicode_escape(ps, &b);
		} else if (at) {
			take(ps);
			rc = put(ps, &b, to[at - from]);
		} else {
			rc = fail(ps, "unknown escape in string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
		}
		if (rc < 0)
			break;
	}
	if (rc == 0 && (rc = put(ps, &b, '\0')) == 0) {
		*out = b.s;
		return 0;
	}
	free(b.s);
	return rc;
}

/* Takes digits into buf; returns how many. */
static size_t digits(struct parser *ps, char *buf, size_t *n)
{
	size_t k = 0;

	for (int c; (c = peek(ps)) >= '0' && c <= '9'; k++) {
		if (*n < MAX_NUMBER)
			buf[*n] = (char)c;
		(*n)++;
		take(ps);
	}
	return k;
}

/* A number as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(struct parser *ps, struct nn_json *v)
{
	char buf[MAX_NUMBER + 1];
	size_t n = 0, line = ps->line, col = ps->col;
	int c = peek(ps);

	if (c == '-') {
		buf[n++] = '-';
		take(ps);
		c = peek(ps);
	}
	if (c == '0') {
		buf[n++] = '0';
		take(ps);
		if ((c = peek(ps)) >= '0' && c <= '9')
			return fail(ps, "malformed number: a leading zero");
	} else if (!digits(ps, buf, &n)) {
		return fail(ps, "malformed number: expected a digit");
	}
	if (peek(ps) == '.') {
		if (n < MAX_NUMBER)
			buf[n] = '.';
		n++;
		take(ps);
		if (!digits(ps, buf, &n))
			return fail(ps, "malformed number: expected a digit after '.'");
	}
	if ((c = peek(ps)) == 'e' || c == 'E') {
		if (n < MAX_NUMBER)
			buf[n] = 'e';
		n++;
		take(ps);
		if ((c = peek(ps)) == '+' || c == '-') {
			if (n < MAX_NUMBER)
				buf[n] = (char)c;
			n++;
			take(ps);
		}
		if (!digits(ps, buf, &n))
			return fail(ps, "malformed number: expected a digit in the exponent");
	}
	if (n > MAX_NUMBER)
		return fail_at(ps, line, col, "a number longer than 511 characters");
	buf[n] = '\0';
	v->type = NN_JSON_NUMBER;
	v->number = strtod(buf, NULL);
	return 0;
}

static int grow(struct parser *ps, struct nn_json *v, size_t *cap, int with_keys)
{
	if (v->count < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 8;
	struct nn_json *items;

	if (charge(ps, (double)(ncap - *cap) * (double)(sizeof(*items) + (with_keys ? sizeof(char *) : 0))) < 0)
		return NN_EFORMAT;
	if (!(items = realloc(v->items, ncap * sizeof(*items))))
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

/* An object's key, refused when the object has it already. */
static int parse_key(struct parser *ps, const struct nn_json *obj, char **key)
{
	size_t line = ps->line, col = ps->col;
	int rc;

	if (peek(ps) != '"')
		return fail(ps, "expected a string key");
	if ((rc = parse_string(ps, key)) < 0)
		return rc;
	for (size_t i = 0; i < obj->count; i++)
		if (strcmp(obj->keys[i], *key) == 0) {
			char q[NN_QUOTE_MAX + 1];

			rc = nn_errorf(ps->err, NN_EFORMAT,
				       "%s:%zu:%zu: duplicate key \"%s\" (first at line %zu, column %zu): readers disagree on which one counts",
				       ps->name, line, col, nn_quote(*key, q), obj->items[i].key_line,
				       obj->items[i].key_col);
			free(*key);
			return rc;
		}
	if (obj->count >= NN_JSON_MAX_KEYS) {
		free(*key);
		return fail_at(ps, line, col, "more than 4096 keys in one object");
	}
	return 0;
}

/* An array's items as nodes, once an item that is no number follows
 * numbers: each number placed where the array starts. */
static int unpack(struct parser *ps, struct nn_json *v, size_t *cap)
{
	size_t ncap = *cap ? *cap : 8;
	struct nn_json *items;

	if (charge(ps, (double)ncap * sizeof(*items)) < 0)
		return NN_EFORMAT;
	if (!(items = calloc(ncap, sizeof(*items))))
		return nn_errorf(ps->err, NN_ENOMEM, "out of memory");
	for (size_t i = 0; i < v->count; i++) {
		items[i].type = NN_JSON_NUMBER;
		items[i].number = v->numbers[i];
		items[i].line = v->line;
		items[i].col = v->col;
	}
	free(v->numbers);
	v->numbers = NULL;
	v->items = items;
	*cap = ncap;
	return 0;
}

/* Appends x to an array of numbers. */
static int push_number(struct parser *ps, struct nn_json *v, size_t *cap, double x)
{
	if (v->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		double *n;

		if (charge(ps, (double)(ncap - *cap) * sizeof(double)) < 0)
			return NN_EFORMAT;
		if (!(n = realloc(v->numbers, ncap * sizeof(double))))
			return nn_errorf(ps->err, NN_ENOMEM, "out of memory");
		v->numbers = n;
		*cap = ncap;
	}
	v->numbers[v->count++] = x;
	return 0;
}

static int parse_container(struct parser *ps, struct nn_json *v, int depth)
{
	int is_object = peek(ps) == '{';
	int close = is_object ? '}' : ']';
	size_t cap = 0;
	int rc;

	v->type = is_object ? NN_JSON_OBJECT : NN_JSON_ARRAY;
	take(ps);
	skip_space(ps);
	if (peek(ps) == close) {
		take(ps);
		return 0;
	}
	for (;;) {
		char *key = NULL;
		size_t kline = 0, kcol = 0;

		skip_space(ps);
		if (is_object) {
			kline = ps->line;
			kcol = ps->col;
			if ((rc = parse_key(ps, v, &key)) < 0)
				return rc;
			skip_space(ps);
			if (peek(ps) != ':') {
				free(key);
				return fail(ps, "expected ':'");
			}
			take(ps);
		}
		/* An array of numbers keeps them packed while they last. */
		if (!is_object && (v->numbers || v->count == 0)) {
			int c = peek(ps);

			if (c == '-' || (c >= '0' && c <= '9')) {
				struct nn_json num = { 0 };

				if (depth + 1 > MAX_DEPTH)
					return fail(ps, "nested too deeply");
				if ((rc = parse_number(ps, &num)) < 0 ||
				    (rc = push_number(ps, v, &cap, num.number)) < 0)
					return rc;
				goto next;
			}
			if (v->numbers && (rc = unpack(ps, v, &cap)) < 0)
				return rc;
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
		v->items[v->count - 1].key_line = kline;
		v->items[v->count - 1].key_col = kcol;
next:
		skip_space(ps);
		if (peek(ps) == ',') {
			take(ps);
			continue;
		}
		if (peek(ps) == close) {
			take(ps);
			return 0;
		}
		return fail(ps, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int parse_value(struct parser *ps, struct nn_json *v, int depth)
{
	int c;

	skip_space(ps);
	v->line = ps->line;
	v->col = ps->col;
	if (depth > MAX_DEPTH)
		return fail(ps, "nested too deeply");
	switch ((c = peek(ps))) {
	case -1:
		return fail(ps, "unexpected end of file");
	case '{':
	case '[':
		return parse_container(ps, v, depth);
	case '"':
		v->type = NN_JSON_STRING;
		return parse_string(ps, &v->string);
	case 't':
	case 'f':
	case 'n': {
		const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";

		for (const char *w = word; *w; w++) {
			if (peek(ps) != *w)
				return fail(ps, "unexpected word (JSON has true, false and null)");
			take(ps);
		}
		v->type = c == 'n' ? NN_JSON_NULL : NN_JSON_BOOL;
		v->number = c == 't';
		return 0;
	}
	case 0:
		return fail(ps, "a NUL byte where a value belongs");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return parse_number(ps, v);
		return fail(ps, "expected a value (an object, array, string, number, true, false or null)");
	}
}

struct nn_json *nn_json_parse_stream(nn_json_read_fn read, void *ctx, const char *name,
				     double max_bytes, struct nn_err *err)
{
	struct parser *ps = calloc(1, sizeof(*ps));
	struct nn_json *root = calloc(1, sizeof(*root));

	if (!ps || !root) {
		nn_errorf(err, NN_ENOMEM, "out of memory");
		goto fail;
	}
	ps->read = read;
	ps->ctx = ctx;
	ps->line = ps->col = 1;
	ps->name = name;
	ps->err = err;
	ps->max = max_bytes;
	if (peek(ps) == 0xef) {
		fail(ps, "a UTF-8 byte order mark, which JSON does not allow: save the file without it");
		goto fail;
	}
	if (parse_value(ps, root, 0) < 0)
		goto fail;
	skip_space(ps);
	if (peek(ps) != -1) {
		fail(ps, "trailing characters after the document");
		goto fail;
	}
	if (ps->read_failed) {
		fail(ps, "");
		goto fail;
	}
	free(ps);
	return root;
fail:
	free(ps);
	nn_json_free(root);
	return NULL;
}

struct memory {
	const char *p;
	size_t left;
};

static long read_memory(void *ctx, char *buf, size_t cap, struct nn_err *err)
{
	struct memory *m = ctx;
	size_t n = m->left < cap ? m->left : cap;

	(void)err;
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (long)n;
}

struct nn_json *nn_json_parse(const char *text, size_t len, const char *name,
			      struct nn_err *err)
{
	struct memory m = { text, len };

	return nn_json_parse_stream(read_memory, &m, name, 1e300, err);
}

void nn_json_free(struct nn_json *v)
{
	if (!v)
		return;
	free_value(v);
	free(v);
}

const struct nn_json *nn_json_item(const struct nn_json *v, size_t i, struct nn_json *tmp)
{
	if (!v->numbers)
		return &v->items[i];
	memset(tmp, 0, sizeof(*tmp));
	tmp->type = NN_JSON_NUMBER;
	tmp->number = v->numbers[i];
	tmp->line = v->line;
	tmp->col = v->col;
	return tmp;
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
