/* A growing string for building text (definitions, metrics, YAML): on an
 * allocation failure it stops growing and remembers it, so a caller
 * checks once, at the end. */
#ifndef EXP_TEXT_H
#define EXP_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct exp_text {
	char *s;        /* NUL-terminated once anything is added, else NULL */
	size_t len, cap;
	int failed;     /* an allocation failed: the text is incomplete */
};

/* Appends n bytes of s; a string; printf-formatted text. */
void exp_text_put(struct exp_text *t, const char *s, size_t n);
void exp_text_puts(struct exp_text *t, const char *s);
void exp_text_printf(struct exp_text *t, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Hands the text to the caller (free it), "" when nothing was added, or
 * NULL (and frees it) after a failure; t is left empty either way. */
char *exp_text_take(struct exp_text *t);

/* Frees the text. Accepts an empty t. */
void exp_text_fini(struct exp_text *t);

/* Compares two values as a person orders them: runs of digits by their
 * number, so "[784, 30, 10]" comes before "[784, 100, 10]" and "2" before
 * "10"; the rest byte by byte. */
int exp_text_natural_cmp(const char *a, const char *b);

/* FNV-1a of len bytes of s: the stable hash of a text (a trial's ID, a
 * checkpoint's config). */
uint64_t exp_text_hash(const char *s, size_t len);

#endif
