#include "exp_text.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and the NUL; 0, or -1 after a failure. */
static int reserve(struct exp_text *t, size_t n)
{
	if (t->failed)
		return -1;
	if (t->len + n + 1 <= t->cap)
		return 0;
	size_t cap = (t->len + n + 1) * 2;
	char *p = realloc(t->s, cap);

	if (!p) {
		t->failed = 1;
		return -1;
	}
	t->s = p;
	t->cap = cap;
	return 0;
}

void exp_text_put(struct exp_text *t, const char *s, size_t n)
{
	if (reserve(t, n) < 0)
		return;
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

void exp_text_puts(struct exp_text *t, const char *s)
{
	exp_text_put(t, s, strlen(s));
}

void exp_text_printf(struct exp_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = 1;
		return;
	}
	if (reserve(t, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

char *exp_text_take(struct exp_text *t)
{
	char *s = t->s;

	if (t->failed) {
		free(s);
		s = NULL;
	} else if (!s) {
		s = calloc(1, 1);
	}
	memset(t, 0, sizeof(*t));
	return s;
}

void exp_text_fini(struct exp_text *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

uint64_t exp_text_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211u;
	}
	return h;
}

int exp_text_natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			double x = strtod(a, &ea), y = strtod(b, &eb);

			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}
