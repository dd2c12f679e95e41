#include "exp_yaml.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "exp_text.h"

#define MAX_DEPTH 64

/* Reading a file: its bytes are counted, and a file past the limit (or
 * one that never ends, as /dev/zero) stops the parser. */
struct input {
	FILE *f;
	size_t bytes;
	int too_big;
	int failed;          /* errno of a failed read, or 0 */
};

struct loader {
	yaml_parser_t parser;
	const char *origin;
	struct nn_err *err;
	struct input *in;     /* when reading a file */
};

static struct exp_node *node_new(enum exp_node_kind kind, const char *origin,
				 const yaml_mark_t *mark)
{
	struct exp_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->origin = origin;
	if (mark) {
		n->line = mark->line + 1;
		n->col = mark->column + 1;
	}
	return n;
}

void exp_node_free(struct exp_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->count; i++) {
		exp_node_free(n->items[i]);
		if (n->keys)
			exp_node_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->value);
	free(n);
}

const char *exp_node_where(const struct exp_node *n, char *buf, size_t len)
{
	char q[NN_QUOTE_MAX + 1];

	if (n->line)
		snprintf(buf, len, "%s:%zu:%zu", n->origin, n->line, n->col);
	else
		snprintf(buf, len, "--set '%s'", nn_quote(n->origin, q));
	return buf;
}

static int parse_error(struct loader *ld)
{
	yaml_parser_t *p = &ld->parser;

	if (p->error == YAML_MEMORY_ERROR)
		return nn_errorf(ld->err, NN_ENOMEM, "out of memory reading '%s'", ld->origin);
	if (ld->in && ld->in->too_big)
		return nn_errorf(ld->err, NN_EFORMAT, "'%s' is larger than %d bytes, the most a config may hold",
				 ld->origin, EXP_YAML_MAX_BYTES);
	if (ld->in && ld->in->failed)
		return nn_errorf(ld->err, NN_EIO, "cannot read '%s': %s", ld->origin, strerror(ld->in->failed));
	if (p->error == YAML_READER_ERROR)
		return nn_errorf(ld->err, NN_EFORMAT, "%s: %s at byte %zu", ld->origin,
				 p->problem ? p->problem : "cannot read", p->problem_offset);
	if (p->context)
		return nn_errorf(ld->err, NN_EFORMAT, "%s:%zu:%zu: %s %s", ld->origin,
				 p->problem_mark.line + 1, p->problem_mark.column + 1,
				 p->problem ? p->problem : "syntax error", p->context);
	return nn_errorf(ld->err, NN_EFORMAT, "%s:%zu:%zu: %s", ld->origin,
			 p->problem_mark.line + 1, p->problem_mark.column + 1,
			 p->problem ? p->problem : "syntax error");
}

static int next_event(struct loader *ld, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ld->parser, ev))
		return parse_error(ld);
	return 0;
}

static int node_push(struct exp_node *n, struct exp_node *key, struct exp_node *item,
		     size_t *cap)
{
	if (n->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct exp_node **items = realloc(n->items, ncap * sizeof(*items));

		if (!items)
			return -1;
		n->items = items;
		if (n->kind == EXP_MAP) {
			struct exp_node **keys = realloc(n->keys, ncap * sizeof(*keys));

			if (!keys)
				return -1;
			n->keys = keys;
		}
		*cap = ncap;
	}
	if (n->kind == EXP_MAP)
		n->keys[n->count] = key;
	n->items[n->count++] = item;
	return 0;
}

static int load_node(struct loader *ld, yaml_event_t *ev, struct exp_node **out, int depth);

/* The keys of a map being loaded, hashed, so finding a duplicate takes
 * constant time however many keys the map has: slots hold index + 1 into
 * the map's keys, 0 when free. */
struct keyset {
	size_t *slots;
	size_t cap;   /* a power of two, at least twice the keys */
};

static uint64_t hash_key(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

/* The index of key in map n (through set), or -1. */
static long keyset_find(const struct keyset *set, const struct exp_node *n, const char *key)
{
	if (!set->cap)
		return -1;
	for (size_t i = hash_key(key) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		if (!set->slots[i])
			return -1;
		if (!strcmp(n->keys[set->slots[i] - 1]->value, key))
			return (long)(set->slots[i] - 1);
	}
}

/* Adds key index k of map n (all keys before k are in the set). */
static int keyset_add(struct keyset *set, const struct exp_node *n, size_t k)
{
	if (2 * (k + 1) > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		size_t *slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return -1;
		free(set->slots);
		set->slots = slots;
		set->cap = cap;
		for (size_t j = 0; j < k; j++) {
			size_t i = hash_key(n->keys[j]->value) & (cap - 1);

			while (slots[i])
				i = (i + 1) & (cap - 1);
			slots[i] = j + 1;
		}
	}
	size_t i = hash_key(n->keys[k]->value) & (set->cap - 1);

	while (set->slots[i])
		i = (i + 1) & (set->cap - 1);
	set->slots[i] = k + 1;
	return 0;
}

static int load_items(struct loader *ld, struct exp_node *n, int depth, struct keyset *set);

/* Loads the items of a sequence or mapping whose start event was consumed. */
static int load_children(struct loader *ld, struct exp_node *n, int depth)
{
	struct keyset set = { NULL, 0 };
	int rc = load_items(ld, n, depth, &set);

	free(set.slots);
	return rc;
}

static int load_items(struct loader *ld, struct exp_node *n, int depth, struct keyset *set)
{
	yaml_event_type_t end = n->kind == EXP_MAP ? YAML_MAPPING_END_EVENT
						   : YAML_SEQUENCE_END_EVENT;
	size_t cap = 0;

	for (;;) {
		yaml_event_t ev;
		struct exp_node *key = NULL, *item = NULL;
		int rc;

		if ((rc = next_event(ld, &ev)) < 0)
			return rc;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (n->kind == EXP_MAP) {
			char a[512], b[512];

			if (ev.type != YAML_SCALAR_EVENT) {
				rc = nn_errorf(ld->err, NN_EFORMAT, "%s:%zu:%zu: a key must be a plain word",
					       ld->origin, ev.start_mark.line + 1, ev.start_mark.column + 1);
				yaml_event_delete(&ev);
				return rc;
			}
			if ((rc = load_node(ld, &ev, &key, depth + 1)) < 0)
				return rc;
			long dup = keyset_find(set, n, key->value);
			if (dup >= 0) {
				rc = nn_errorf(ld->err, NN_EFORMAT, "%s: duplicate key '%s' (first at %s)",
					       exp_node_where(key, a, sizeof(a)), key->value,
					       exp_node_where(n->keys[dup], b, sizeof(b)));
				exp_node_free(key);
				return rc;
			}
			if ((rc = next_event(ld, &ev)) < 0) {
				exp_node_free(key);
				return rc;
			}
		}
		if ((rc = load_node(ld, &ev, &item, depth + 1)) < 0) {
			exp_node_free(key);
			return rc;
		}
		if (node_push(n, key, item, &cap) < 0) {
			exp_node_free(key);
			exp_node_free(item);
			return nn_errorf(ld->err, NN_ENOMEM, "out of memory reading '%s'", ld->origin);
		}
		if (n->kind == EXP_MAP && keyset_add(set, n, n->count - 1) < 0)
			return nn_errorf(ld->err, NN_ENOMEM, "out of memory reading '%s'", ld->origin);
	}
}

/* Builds the node that starts with event ev (consumed here). */
static int load_node(struct loader *ld, yaml_event_t *ev, struct exp_node **out, int depth)
{
	struct exp_node *n = NULL;
	int rc = 0;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(EXP_SCALAR, ld->origin, &ev->start_mark);
		if (n) {
			n->value = malloc(ev->data.scalar.length + 1);
			n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			if (n->value) {
				memcpy(n->value, ev->data.scalar.value, ev->data.scalar.length);
				n->value[ev->data.scalar.length] = '\0';
				if (strlen(n->value) != ev->data.scalar.length)
					rc = nn_errorf(ld->err, NN_EFORMAT, "%s:%zu:%zu: NUL byte in a value",
						       ld->origin, n->line, n->col);
			}
		}
		if (!n || !n->value)
			rc = nn_errorf(ld->err, NN_ENOMEM, "out of memory reading '%s'", ld->origin);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (depth > MAX_DEPTH) {
			rc = nn_errorf(ld->err, NN_EFORMAT, "%s:%zu:%zu: nested too deeply",
				       ld->origin, ev->start_mark.line + 1, ev->start_mark.column + 1);
			break;
		}
		n = node_new(ev->type == YAML_MAPPING_START_EVENT ? EXP_MAP : EXP_SEQ,
			     ld->origin, &ev->start_mark);
		if (!n)
			rc = nn_errorf(ld->err, NN_ENOMEM, "out of memory reading '%s'", ld->origin);
		else
			rc = load_children(ld, n, depth);
		break;
	case YAML_ALIAS_EVENT:
		rc = nn_errorf(ld->err, NN_EFORMAT, "%s:%zu:%zu: aliases (*name) are not supported",
			       ld->origin, ev->start_mark.line + 1, ev->start_mark.column + 1);
		break;
	default:
		rc = nn_errorf(ld->err, NN_EFORMAT, "%s:%zu:%zu: unexpected YAML event",
			       ld->origin, ev->start_mark.line + 1, ev->start_mark.column + 1);
		break;
	}
	yaml_event_delete(ev);
	if (rc < 0) {
		exp_node_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

/* Reads stream start, one document, stream end. */
static struct exp_node *load_stream(struct loader *ld)
{
	struct exp_node *root = NULL;
	yaml_event_t ev;

	if (next_event(ld, &ev) < 0)
		return NULL;
	yaml_event_delete(&ev); /* stream start */
	if (next_event(ld, &ev) < 0)
		return NULL;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		root = node_new(EXP_MAP, ld->origin, NULL);
		if (!root)
			nn_errorf(ld->err, NN_ENOMEM, "out of memory");
		else
			root->line = root->col = 1;
		return root;
	}
	yaml_event_delete(&ev); /* document start */
	if (next_event(ld, &ev) < 0 || load_node(ld, &ev, &root, 0) < 0)
		return NULL;
	if (next_event(ld, &ev) < 0)
		goto fail;
	yaml_event_delete(&ev); /* document end */
	if (next_event(ld, &ev) < 0)
		goto fail;
	if (ev.type != YAML_STREAM_END_EVENT) {
		nn_errorf(ld->err, NN_EFORMAT, "%s:%zu:%zu: more than one YAML document",
			  ld->origin, ev.start_mark.line + 1, ev.start_mark.column + 1);
		yaml_event_delete(&ev);
		goto fail;
	}
	yaml_event_delete(&ev);
	/* A document of only comments or "~" is an empty config. */
	if (root->kind == EXP_SCALAR && root->plain &&
	    (!root->value[0] || !strcmp(root->value, "~") || !strcmp(root->value, "null"))) {
		exp_node_free(root);
		root = node_new(EXP_MAP, ld->origin, NULL);
		if (root)
			root->line = root->col = 1;
	}
	return root;
fail:
	exp_node_free(root);
	return NULL;
}

static int read_input(void *data, unsigned char *buf, size_t size, size_t *got)
{
	struct input *in = data;
	size_t n = fread(buf, 1, size, in->f);

	*got = n;
	in->bytes += n;
	if (in->bytes > EXP_YAML_MAX_BYTES) {
		in->too_big = 1;
		return 0;
	}
	if (n == 0 && ferror(in->f)) {
		in->failed = errno ? errno : EIO;
		return 0;
	}
	return 1;
}

struct exp_node *exp_yaml_load_file(const char *path, const char *origin, struct nn_err *err)
{
	struct input in = { 0 };
	struct loader ld = { .origin = origin, .err = err, .in = &in };
	struct exp_node *root;
	struct stat st;

	in.f = fopen(path, "rb");
	if (!in.f) {
		nn_errorf(err, NN_EIO, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(in.f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(in.f);
		nn_errorf(err, NN_EIO, "'%s' is a directory, not a config file", path);
		return NULL;
	}
	/* Compressed files are no YAML: say what they are. */
	unsigned char magic[4] = { 0 };
	size_t got = fread(magic, 1, sizeof(magic), in.f);
	if ((got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) ||
	    (got >= 4 && !memcmp(magic, "PK\3\4", 4))) {
		fclose(in.f);
		nn_errorf(err, NN_EFORMAT, "'%s' is a %s file, not a YAML config", path,
			  magic[0] == 0x1f ? "gzip" : "zip");
		return NULL;
	}
	rewind(in.f);
	if (!yaml_parser_initialize(&ld.parser)) {
		fclose(in.f);
		nn_errorf(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	yaml_parser_set_input(&ld.parser, read_input, &in);
	root = load_stream(&ld);
	yaml_parser_delete(&ld.parser);
	fclose(in.f);
	return root;
}

struct exp_node *exp_yaml_load_string(const char *text, const char *origin,
				      struct nn_err *err)
{
	struct loader ld = { .origin = origin, .err = err };
	struct exp_node *root;

	if (!yaml_parser_initialize(&ld.parser)) {
		nn_errorf(err, NN_ENOMEM, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&ld.parser, (const unsigned char *)text, strlen(text));
	root = load_stream(&ld);
	yaml_parser_delete(&ld.parser);
	return root;
}

long exp_node_find(const struct exp_node *n, const char *key)
{
	if (!n || n->kind != EXP_MAP)
		return -1;
	for (size_t i = 0; i < n->count; i++)
		if (strcmp(n->keys[i]->value, key) == 0)
			return (long)i;
	return -1;
}

struct exp_node *exp_node_get(const struct exp_node *n, const char *key)
{
	long i = exp_node_find(n, key);

	return i < 0 ? NULL : n->items[i];
}

/* Marks every node of a tree parsed from a --set value as coming from arg. */
static void set_origin(struct exp_node *n, const char *arg)
{
	n->origin = arg;
	n->line = n->col = 0;
	for (size_t i = 0; i < n->count; i++) {
		set_origin(n->items[i], arg);
		if (n->keys)
			set_origin(n->keys[i], arg);
	}
}

static struct exp_node *scalar_new(const char *text, size_t len, const char *origin)
{
	struct exp_node *n = node_new(EXP_SCALAR, origin, NULL);

	if (!n)
		return NULL;
	n->plain = 1;
	n->value = malloc(len + 1);
	if (!n->value) {
		free(n);
		return NULL;
	}
	memcpy(n->value, text, len);
	n->value[len] = '\0';
	return n;
}

/* Sets map[key] = value, replacing (and freeing) any earlier value. */
static int map_put(struct exp_node *map, struct exp_node *key, struct exp_node *value)
{
	long i = exp_node_find(map, key->value);
	size_t cap = map->count;

	if (i >= 0) {
		exp_node_free(map->items[i]);
		exp_node_free(key);
		map->items[i] = value;
		return 0;
	}
	return node_push(map, key, value, &cap);
}

/* The index a key segment names in list n: decimal digits below its
 * length; -1 otherwise. */
static long list_index(const struct exp_node *n, const char *seg, size_t len)
{
	size_t i = 0;

	if (len == 0 || len > 9 || strspn(seg, "0123456789") < len)
		return -1;
	for (size_t k = 0; k < len; k++)
		i = i * 10 + (size_t)(seg[k] - '0');
	return i < n->count ? (long)i : -1;
}

/* A --set segment into a list ("model.layers.1=64": the second item):
 * the item replaced by value at the end of the path, else the item to go
 * on in. Returns 0, or an error naming the list's length. */
static int set_in_list(struct exp_node *list, const char *seg, size_t len, int last, struct exp_node **value,
		       struct exp_node **next, const char *arg, struct nn_err *err)
{
	long i = list_index(list, seg, len);
	char q[NN_QUOTE_MAX + 1];

	if (i < 0)
		return nn_errorf(err, NN_EINVAL, "--set '%s': '%.*s' is not an index of a list of %zu (0 to %zu)",
				 nn_quote(arg, q), (int)len, seg, list->count, list->count ? list->count - 1 : 0);
	if (last) {
		exp_node_free(list->items[i]);
		list->items[i] = *value;
		*value = NULL;
	} else {
		*next = list->items[i];
	}
	return 0;
}

int exp_yaml_set(struct exp_node *root, const char *arg, struct nn_err *err)
{
	const char *eq = strchr(arg, '=');
	struct exp_node *map = root, *value;
	const char *seg = arg;
	struct nn_err perr = { NN_ENOMEM, "out of memory" };
	char q[NN_QUOTE_MAX + 1];

	if (!eq || eq == arg)
		return nn_errorf(err, NN_EINVAL, "--set '%s': expected KEY=VALUE", nn_quote(arg, q));
	if (eq[1] == '\0') /* an empty value is the empty string */
		value = scalar_new("", 0, arg);
	else if (!strcmp(eq + 1, "null") || !strcmp(eq + 1, "~")) /* unsets, as in a file */
		value = scalar_new(eq + 1, strlen(eq + 1), arg);
	else
		value = exp_yaml_load_string(eq + 1, arg, &perr);
	if (!value) {
		/* Drop the "ARG:line:col: " the parser put first: ARG is said once. */
		const char *msg = perr.msg;
		size_t n = strlen(arg);

		if (!strncmp(msg, arg, n) && msg[n] == ':') {
			msg += n + 1;
			msg += strspn(msg, "0123456789:");
			msg += strspn(msg, " ");
		}
		return nn_errorf(err, NN_EINVAL, "--set '%s': bad value: %s", nn_quote(arg, q), msg);
	}
	set_origin(value, arg);
	for (;;) {
		const char *dot = memchr(seg, '.', (size_t)(eq - seg));
		const char *end = dot ? dot : eq;
		struct exp_node *key;

		if (end == seg) {
			exp_node_free(value);
			return nn_errorf(err, NN_EINVAL, "--set '%s': empty key segment", nn_quote(arg, q));
		}
		if (map->kind == EXP_SEQ) {
			struct exp_node *in = NULL;
			int rc = set_in_list(map, seg, (size_t)(end - seg), !dot, &value, &in, arg, err);

			if (rc < 0 || !dot || (in->kind != EXP_MAP && in->kind != EXP_SEQ)) {
				if (rc == 0 && dot)
					rc = nn_errorf(err, NN_EINVAL, "--set '%s': item %.*s is not a section or a list",
						       nn_quote(arg, q), (int)(end - seg), seg);
				exp_node_free(value);
				return rc;
			}
			map = in;
			seg = dot + 1;
			continue;
		}
		key = scalar_new(seg, (size_t)(end - seg), arg);
		if (!key) {
			exp_node_free(value);
			return nn_errorf(err, NN_ENOMEM, "out of memory");
		}
		if (!dot) {
			if (map_put(map, key, value) < 0) {
				exp_node_free(key);
				exp_node_free(value);
				return nn_errorf(err, NN_ENOMEM, "out of memory");
			}
			return 0;
		}
		struct exp_node *next = exp_node_get(map, key->value);
		if (next && next->kind != EXP_MAP && next->kind != EXP_SEQ) {
			int rc = nn_errorf(err, NN_EINVAL, "--set '%s': '%s' is not a section",
					   nn_quote(arg, q), key->value);

			exp_node_free(key);
			exp_node_free(value);
			return rc;
		}
		if (!next) {
			next = node_new(EXP_MAP, arg, NULL);
			if (!next || map_put(map, key, next) < 0) {
				exp_node_free(next);
				exp_node_free(key);
				exp_node_free(value);
				return nn_errorf(err, NN_ENOMEM, "out of memory");
			}
		} else {
			exp_node_free(key);
		}
		map = next;
		seg = dot + 1;
	}
}

size_t exp_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];

	if (la >= 64 || lb >= 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void node_text(const struct exp_node *n, struct exp_text *t)
{
	if (n->kind == EXP_SCALAR) {
		int control = 0;

		for (const char *p = n->value; *p; p++)
			control |= (unsigned char)*p < 0x20 || *p == 0x7f;
		if (n->plain && !control && !strpbrk(n->value, ",[]{}#:\"'")) {
			exp_text_puts(t, n->value);
			return;
		}
		/* Double-quoted, with YAML escapes for what the quotes would
		 * otherwise fold or drop (a newline reads back as a space). */
		exp_text_put(t, "\"", 1);
		for (const char *p = n->value; *p; p++) {
			unsigned char c = (unsigned char)*p;
			char esc[8];

			if (c == '"' || c == '\\') {
				exp_text_put(t, "\\", 1);
				exp_text_put(t, p, 1);
			} else if (c == '\n' || c == '\t') {
				exp_text_puts(t, c == '\n' ? "\\n" : "\\t");
			} else if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\x%02x", c);
				exp_text_puts(t, esc);
			} else {
				exp_text_put(t, p, 1);
			}
		}
		exp_text_put(t, "\"", 1);
		return;
	}
	exp_text_puts(t, n->kind == EXP_SEQ ? "[" : "{");
	for (size_t i = 0; i < n->count; i++) {
		if (i)
			exp_text_puts(t, ", ");
		if (n->kind == EXP_MAP) {
			exp_text_puts(t, n->keys[i]->value);
			exp_text_puts(t, ": ");
		}
		node_text(n->items[i], t);
	}
	exp_text_puts(t, n->kind == EXP_SEQ ? "]" : "}");
}

char *exp_node_text(const struct exp_node *n)
{
	struct exp_text t = { 0 };

	node_text(n, &t);
	return exp_text_take(&t);
}
