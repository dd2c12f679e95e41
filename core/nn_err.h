/* Error reporting for nnlab: a code plus a fixed message buffer, filled by
 * the function that failed and read by whoever reports it. */
#ifndef NN_ERR_H
#define NN_ERR_H

#include <stddef.h>

#define NN_ERR_MAX 8192  /* room for a few whole paths and the reason */
#define NN_QUOTE_MAX 120 /* the most of a user's value a message quotes */

enum {
	NN_OK = 0,
	NN_EINVAL = -1,   /* a bad argument or value */
	NN_ENOMEM = -2,   /* out of memory */
	NN_EIO = -3,      /* a file could not be read or written */
	NN_EFORMAT = -4,  /* a file's contents are malformed */
	NN_EDIVERGED = -5, /* training produced NaN or Inf */
	NN_EINTR = -6      /* stopped on request */
};

struct nn_err {
	int code;
	char msg[NN_ERR_MAX];
};

/* Formats a message into err (which may be NULL) and returns code. */
int nn_errorf(struct nn_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* s as a message quotes it: s itself when it has at most NN_QUOTE_MAX
 * bytes, else its start and its end around "...", cut at UTF-8 character
 * boundaries, in buf. A message then always has room for its reason. */
const char *nn_quote(const char *s, char buf[NN_QUOTE_MAX + 1]);

#endif
