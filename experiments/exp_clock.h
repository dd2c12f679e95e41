/* Seconds on the monotonic clock, for timing epochs and pacing a sweep. */
#ifndef EXP_CLOCK_H
#define EXP_CLOCK_H

#include <time.h>

static inline double exp_clock_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#endif
