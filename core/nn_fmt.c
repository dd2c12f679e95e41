/* "%.9g" of a float without printf's arbitrary-precision arithmetic.
 * The nine digits are the float times a power of ten (exact in a double
 * up to 10^22), rounded: one double multiplication or division, whose
 * error (at most half a unit in the last place of a number below 10^9,
 * 6e-8) decides the rounding only when the product lies that close to a
 * half. Such near-ties, and the magnitudes outside [1e-13, 1e13) that
 * model files hardly hold, are left to snprintf, so the text is always
 * printf's own. */
#include "nn_fmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The margin about a half within which the product's rounding error
 * could tip the digits (ten times the bound above). */
#define NEAR_HALF 1e-6

static size_t slow(char *buf, float x)
{
	return (size_t)snprintf(buf, NN_FMT_FLOAT_LEN, "%.9g", (double)x);
}

/* Drops the trailing zeros of digits d[0 .. n-1] after the first keep. */
static size_t trim(const char *d, size_t n, size_t keep)
{
	while (n > keep && d[n - 1] == '0')
		n--;
	return n;
}

size_t nn_fmt_float(char *buf, float x)
{
	double a = fabs((double)x), y = 0;
	char d[9], *p = buf;
	int e;

	if (x == 0) {
		if (signbit(x))
			*p++ = '-';
		*p++ = '0';
		*p = '\0';
		return (size_t)(p - buf);
	}
	if (!(a >= 1e-13 && a < 1e13))
		return slow(buf, x);
	/* e: the decimal exponent, so that a * 10^(8 - e) is in [10^8, 10^9). */
	e = (int)floor(log10(a));
	for (int tries = 0;; tries++) {
		int k = 8 - e;

		if (tries == 3 || k > 22 || k < -22)
			return slow(buf, x);
		y = k >= 0 ? a * pow10_exact[k] : a / pow10_exact[-k];
		if (y < 1e8)
			e--;
		else if (y >= 1e9)
			e++;
		else
			break;
	}
	uint32_t n = (uint32_t)y;
	double frac = y - (double)n;

	if (fabs(frac - 0.5) < NEAR_HALF)
		return slow(buf, x);
	n += frac > 0.5;
	if (n == 1000000000u) {
		n = 100000000u;
		e++;
	}
	for (int i = 8; i >= 0; i--, n /= 10)
		d[i] = (char)('0' + n % 10);

	if (x < 0)
		*p++ = '-';
	if (e < -4 || e >= 9) {
		/* 1.2345e-05: the first digit, the rest after a point, the
		 * exponent signed and of at least two digits. */
		size_t len = trim(d, 9, 1);
		int ex = e < 0 ? -e : e;

		*p++ = d[0];
		if (len > 1) {
			*p++ = '.';
			for (size_t i = 1; i < len; i++)
				*p++ = d[i];
		}
		*p++ = 'e';
		*p++ = e < 0 ? '-' : '+';
		if (ex >= 10)
			*p++ = (char)('0' + ex / 10);
		else
			*p++ = '0';
		*p++ = (char)('0' + ex % 10);
	} else if (e >= 0) {
		/* 123.45: e + 1 digits before the point. */
		size_t whole = (size_t)e + 1, len = trim(d, 9, whole);

		for (size_t i = 0; i < whole; i++)
			*p++ = d[i];
		if (len > whole) {
			*p++ = '.';
			for (size_t i = whole; i < len; i++)
				*p++ = d[i];
		}
	} else {
		/* 0.00012345: -e - 1 zeros after the point. */
		size_t len = trim(d, 9, 1);

		*p++ = '0';
		*p++ = '.';
		for (int i = 0; i < -e - 1; i++)
			*p++ = '0';
		for (size_t i = 0; i < len; i++)
			*p++ = d[i];
	}
	*p = '\0';
	return (size_t)(p - buf);
}
