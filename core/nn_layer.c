#include "nn_layer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every kind of layer: a new kind is its own file and one line here. */
static const struct nn_layer_kind *const registry[] = {
	&nn_fc_kind, &nn_conv_kind, &nn_pool_kind, &nn_dropout_kind, NULL,
};

const struct nn_layer_kind *nn_layer_kind_of(enum nn_kind kind)
{
	for (const struct nn_layer_kind *const *k = registry; *k; k++)
		if ((*k)->kind == kind)
			return *k;
	return NULL;
}

const char *nn_spec_format(const struct nn_spec *s, char *buf, size_t len)
{
	const struct nn_layer_kind *k = nn_layer_kind_of(s->kind);

	if (k)
		k->format(s, buf, len);
	else if (len)
		buf[0] = '\0';
	return buf;
}

int nn_spec_count(const char **p, size_t *out)
{
	char *end;
	unsigned long long v;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	v = strtoull(*p, &end, 10);
	if (errno || v == 0 || v > (1u << 24))
		return -1;
	*out = (size_t)v;
	*p = end;
	return 0;
}

int nn_spec_act(const char *p, const char *text, struct nn_spec *out, int *named, struct nn_err *err)
{
	char act[16];
	int rest;

	if (*p && *p != ' ')
		return nn_errorf(err, NN_EINVAL, "'%s': unexpected '%s'", text, p);
	p += strspn(p, " ");
	if (!*p)
		return 0;
	rest = (int)strcspn(p, " ");
	if (rest >= (int)sizeof(act) || p[rest + strspn(p + rest, " ")])
		return nn_errorf(err, NN_EINVAL, "'%s': expected one activation after the sizes", text);
	memcpy(act, p, (size_t)rest);
	act[rest] = 0;
	if (nn_act_parse(act, &out->act) < 0)
		return nn_errorf(err, NN_EINVAL, "'%s': unknown activation '%s' (expected sigmoid, tanh, relu or softmax)",
				 text, act);
	*named = 1;
	return 0;
}

#define USAGE "expected 'fc N [ACT]', 'softmax N', 'conv MxKxK [ACT]', 'pool P' or 'dropout P'"

int nn_spec_parse(const char *text, enum nn_act def, struct nn_spec *out, int *named,
		  struct nn_err *err)
{
	const char *p = text;
	char word[16];
	size_t n = 0;
	int dummy;

	memset(out, 0, sizeof(*out));
	out->act = def;
	named = named ? named : &dummy;
	*named = 0;
	while (*p == ' ')
		p++;
	/* The book's short form: a bare size is a fully connected layer. */
	if (*p >= '0' && *p <= '9') {
		out->kind = NN_FC;
		if (nn_spec_count(&p, &out->size) < 0 || p[strspn(p, " ")])
			return nn_errorf(err, NN_EINVAL, "'%s': a layer of units needs a count of 1 to %u",
					 text, 1u << 24);
		return 0;
	}
	while (*p >= 'a' && *p <= 'z' && n + 1 < sizeof(word))
		word[n++] = *p++;
	word[n] = 0;
	if (*p != ' ')
		return nn_errorf(err, NN_EINVAL, "'%s': %s", text, USAGE);
	p += strspn(p, " ");
	/* "softmax N" is "fc N softmax". */
	if (!strcmp(word, "softmax")) {
		out->kind = NN_FC;
		out->act = NN_SOFTMAX;
		*named = 1;
		if (nn_spec_count(&p, &out->size) < 0)
			return nn_errorf(err, NN_EINVAL, "'%s': expected a count of 1 to %u after '%s'", text,
					 1u << 24, word);
		if (p[strspn(p, " ")])
			return nn_errorf(err, NN_EINVAL, "'%s': unexpected '%s' after 'softmax %zu'",
					 text, p + strspn(p, " "), out->size);
		return 0;
	}
	for (const struct nn_layer_kind *const *k = registry; *k; k++)
		if (!strcmp(word, (*k)->name)) {
			out->kind = (*k)->kind;
			return (*k)->parse(p, text, out, named, err);
		}
	return nn_errorf(err, NN_EINVAL, "'%s': unknown layer '%s'; %s", text, word, USAGE);
}

float nn_layer_file_weight(const struct nn_layer *l, size_t i)
{
	return l->w[l->kind->file_index(l, i)];
}
