/* "Try the net" on a run's page: a canvas where the reader draws a digit
 * with the mouse or a finger, and a few dozen lines of self-contained
 * script that score it with the run's best model (embedded in the page:
 * no server, no network) and show the output of each class as a bar. */
#ifndef EXP_TRY_H
#define EXP_TRY_H

#include <stdio.h>

/* The largest best.json embedded in a page. */
#define EXP_TRY_MAX_BYTES (8u << 20)

/* Writes the section for the run in dir when its best.json takes 28x28
 * one-channel images (MNIST's shape); for another shape, or a model too
 * large to embed, a line saying why there is none. Returns 1 when the
 * section was written, else 0. */
int exp_try_section(FILE *f, const char *dir);

#endif
