/* Decimal text of a float, exactly as printf's "%.9g" writes it (nine
 * significant digits: enough to read back the same float), in about a
 * fifth of printf's time. Model files hold millions of such numbers and
 * are rewritten after every epoch. */
#ifndef NN_FMT_H
#define NN_FMT_H

#include <stddef.h>

/* Room for the longest text and its NUL ("-1.23456789e-45"). */
#define NN_FMT_FLOAT_LEN 24

/* Writes x as snprintf(buf, NN_FMT_FLOAT_LEN, "%.9g", (double)x) would
 * and returns its length. */
size_t nn_fmt_float(char *buf, float x);

#endif
