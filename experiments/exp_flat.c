#include "exp_flat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_text.h"

static void flatten(const struct exp_node *n, struct exp_text *key, struct exp_text *out)
{
	size_t len = key->len;

	if (n->kind != EXP_MAP) {
		char *text = exp_node_text(n);

		if (!text) {
			out->failed = 1;
			return;
		}
		exp_text_put(out, key->s ? key->s : "", key->len);
		exp_text_put(out, "=", 1);
		exp_text_puts(out, text);
		exp_text_put(out, "\n", 1);
		free(text);
		return;
	}
	for (size_t i = 0; i < n->count; i++) {
		if (len)
			exp_text_put(key, ".", 1);
		exp_text_puts(key, n->keys[i]->value);
		flatten(n->items[i], key, out);
		key->len = len;
		if (key->s)
			key->s[len] = '\0';
	}
}

char *exp_flat_node(const struct exp_node *n)
{
	struct exp_text key = { 0 }, out = { 0 };

	flatten(n, &key, &out);
	out.failed |= key.failed;
	exp_text_fini(&key);
	return exp_text_take(&out);
}

/* Where the value of the key (klen bytes) starts in flat, its length in
 * *vlen; NULL when flat has no such key. */
static const char *find(const char *flat, const char *key, size_t klen, size_t *vlen)
{
	for (const char *line = flat; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		if (n > klen && !strncmp(line, key, klen) && line[klen] == '=') {
			*vlen = n - klen - 1;
			return line + klen + 1;
		}
		line += n + (end ? 1 : 0);
	}
	return NULL;
}

const char *exp_flat_get(const char *flat, const char *key, char *out, size_t len)
{
	size_t n;
	const char *v = find(flat, key, strlen(key), &n);

	snprintf(out, len, "%.*s", v ? (int)n : 0, v ? v : "");
	return out;
}

/* Whether the key has the same value in every flat (absent in all counts
 * as the same). */
static int same_everywhere(char *const *flats, size_t n, const char *key, size_t klen)
{
	size_t len0 = 0, len;
	const char *v0 = find(flats[0], key, klen, &len0);

	for (size_t i = 1; i < n; i++) {
		const char *v = find(flats[i], key, klen, &len);

		if (!v != !v0 || (v && (len != len0 || memcmp(v, v0, len))))
			return 0;
	}
	return 1;
}

size_t exp_flat_differing(char *const *flats, size_t n, char (*keys)[256], size_t max)
{
	size_t count = 0, len;

	for (size_t i = 0; i < n; i++)
		for (const char *line = flats[i]; line && *line;) {
			const char *eq = strchr(line, '='), *end = strchr(line, '\n');
			size_t klen = eq ? (size_t)(eq - line) : 0;
			size_t first = 0;

			if (!eq || !end || eq > end)
				break;
			/* Each key once: where it first appears. */
			while (!find(flats[first], line, klen, &len))
				first++;
			if (first == i && find(flats[i], line, klen, &len) == eq + 1 && !(klen == 4 && !strncmp(line, "name", 4)) &&
			    !same_everywhere(flats, n, line, klen)) {
				if (count < max)
					snprintf(keys[count], sizeof(keys[count]), "%.*s", (int)klen, line);
				count++;
			}
			line = end + 1;
		}
	return count;
}
