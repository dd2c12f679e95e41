/* Files for runs: whole-file reads, directories, and atomic writes (a
 * temporary file renamed over the target, so a killed run never leaves a
 * torn file). */
#ifndef EXP_FS_H
#define EXP_FS_H

#include <stddef.h>
#include <stdio.h>

#include "nn_err.h"

/* Reads the whole file into a new NUL-terminated buffer (free it). */
int exp_read_file(const char *path, char **text, size_t *len, struct nn_err *err);

/* Creates dir and its parents as needed. */
int exp_mkdirs(const char *dir, struct nn_err *err);

/* Writes path atomically: write(f, ctx) fills a temporary file in the
 * same directory, which then replaces path. write returns 0 or a negative
 * code with err filled. On failure path is untouched. */
typedef int (*exp_write_fn)(FILE *f, void *ctx, struct nn_err *err);
int exp_write_atomic(const char *path, exp_write_fn write, void *ctx, struct nn_err *err);

#endif
