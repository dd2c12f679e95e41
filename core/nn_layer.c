#include "nn_layer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct nn_layer_kind *nn_layer_kind_of(enum nn_kind kind)
{
	switch (kind) {
	case NN_FC:
		return &nn_fc_kind;
	case NN_CONV:
		return &nn_conv_kind;
	case NN_POOL:
		return &nn_pool_kind;
	case NN_DROPOUT:
		return &nn_dropout_kind;
	}
	return NULL;
}

const char *nn_spec_format(const struct nn_spec *s, char *buf, size_t len)
{
	switch (s->kind) {
	case NN_FC:
		snprintf(buf, len, "fc %zu %s", s->size, nn_act_name(s->act));
		break;
	case NN_CONV:
		snprintf(buf, len, "conv %zux%zux%zu %s", s->size, s->kernel, s->kernel,
			 nn_act_name(s->act));
		break;
	case NN_POOL:
		snprintf(buf, len, "pool %zu", s->size);
		break;
	case NN_DROPOUT:
		snprintf(buf, len, "dropout %g", (double)s->p);
		break;
	}
	return buf;
}

/* A count at *p (digits only, 1 to 2^24), advancing *p past it. */
static int count(const char **p, size_t *out)
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

#define USAGE "expected 'fc N [ACT]', 'softmax N', 'conv MxKxK [ACT]', 'pool P' or 'dropout P'"

int nn_spec_parse(const char *text, enum nn_act def, struct nn_spec *out, int *named,
		  struct nn_err *err)
{
	const char *p = text;
	char word[16], act[16];
	size_t n = 0, a, b;
	int rest;

	memset(out, 0, sizeof(*out));
	out->act = def;
	if (named)
		*named = 0;
	while (*p == ' ')
		p++;
	if (*p >= '0' && *p <= '9') {
		out->kind = NN_FC;
		if (count(&p, &out->size) < 0 || p[strspn(p, " ")])
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
	if (!strcmp(word, "dropout")) {
		char *end;
		double v;

		out->kind = NN_DROPOUT;
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno || end[strspn(end, " ")] || !(v >= 0.0 && v < 1.0))
			return nn_errorf(err, NN_EINVAL, "'%s': a dropout probability is at least 0 and below 1",
					 text);
		out->p = (float)v;
		return 0;
	}
	if (count(&p, &a) < 0)
		return nn_errorf(err, NN_EINVAL, "'%s': expected a count of 1 to %u after '%s'", text,
				 1u << 24, word);
	if (!strcmp(word, "pool")) {
		out->kind = NN_POOL;
		out->size = a;
		if (*p == 'x' && (p++, count(&p, &b) < 0 || b != a))
			return nn_errorf(err, NN_EINVAL, "'%s': pooling windows are square (pool P or pool PxP)",
					 text);
		if (p[strspn(p, " ")])
			return nn_errorf(err, NN_EINVAL, "'%s': unexpected '%s' after the window", text,
					 p + strspn(p, " "));
		return 0;
	}
	if (!strcmp(word, "conv")) {
		out->kind = NN_CONV;
		out->size = a;
		if (*p != 'x' || (p++, count(&p, &out->kernel) < 0))
			return nn_errorf(err, NN_EINVAL, "'%s': expected 'conv MxKxK': M maps of K x K", text);
		if (*p == 'x' && (p++, count(&p, &b) < 0 || b != out->kernel))
			return nn_errorf(err, NN_EINVAL, "'%s': kernels are square (conv MxKxK)", text);
	} else if (!strcmp(word, "fc") || !strcmp(word, "softmax")) {
		out->kind = NN_FC;
		out->size = a;
		if (!strcmp(word, "softmax")) {
			out->act = NN_SOFTMAX;
			if (named)
				*named = 1;
			if (p[strspn(p, " ")])
				return nn_errorf(err, NN_EINVAL, "'%s': unexpected '%s' after 'softmax %zu'",
						 text, p + strspn(p, " "), a);
			return 0;
		}
	} else {
		return nn_errorf(err, NN_EINVAL, "'%s': unknown layer '%s'; %s", text, word, USAGE);
	}
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
	if (named)
		*named = 1;
	return 0;
}

float nn_layer_file_weight(const struct nn_layer *l, size_t i)
{
	return l->w[l->kind->file_index(l, i)];
}
