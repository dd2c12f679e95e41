#include "nn_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int nn_errorf(struct nn_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *nn_quote(const char *s, char buf[NN_QUOTE_MAX + 1])
{
	size_t n = strlen(s), head = (NN_QUOTE_MAX - 3) / 2, tail = NN_QUOTE_MAX - 3 - head;

	if (n <= NN_QUOTE_MAX)
		return s;
	/* Never split a multi-byte character: back off continuation bytes. */
	while (head > 0 && ((unsigned char)s[head] & 0xc0) == 0x80)
		head--;
	while (tail > 0 && ((unsigned char)s[n - tail] & 0xc0) == 0x80)
		tail--;
	memcpy(buf, s, head);
	memcpy(buf + head, "...", 3);
	memcpy(buf + head + 3, s + n - tail, tail);
	buf[head + 3 + tail] = '\0';
	return buf;
}
