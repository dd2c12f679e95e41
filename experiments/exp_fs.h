/* Files for runs: whole-file reads, directories, and atomic writes (a
 * temporary file renamed over the target, so a killed run never leaves a
 * torn file). */
#ifndef EXP_FS_H
#define EXP_FS_H

#include <stddef.h>
#include <stdio.h>

#include "nn_err.h"

/* Reads the whole file into a new NUL-terminated buffer (free it). */
int exp_fs_read_file(const char *path, char **text, size_t *len, struct nn_err *err);

/* As exp_fs_read_file, refusing (NN_EFORMAT) a file of more than max bytes,
 * whatever it is (a device like /dev/zero never ends); what names the
 * kind of file in the message. */
int exp_fs_read_file_max(const char *path, size_t max, const char *what, char **text, size_t *len,
		      struct nn_err *err);

/* Creates dir and its parents as needed. */
int exp_fs_mkdirs(const char *dir, struct nn_err *err);

/* Takes the exclusive lock of dir (flock on dir/.lock, which records the
 * holder's pid and what it is: "run", "sweep"), so two nnlab processes
 * never write one directory. Returns the lock's descriptor (release it
 * with exp_fs_unlock_dir, or by exiting), or NN_EIO when another process
 * holds it, naming that process and its kind. */
int exp_fs_lock_dir(const char *dir, const char *what, struct nn_err *err);
void exp_fs_unlock_dir(int fd);

/* Whether a process (this one included) holds dir's lock: a run or
 * sweep in it is still going. */
int exp_fs_dir_busy(const char *dir);

/* Removes the temporary files (NAME.tmp.XXXXXX) that a killed writer left
 * in dir; call it holding dir's lock. Returns how many were removed. */
int exp_fs_remove_temps(const char *dir);

/* Writes path atomically: write(f, ctx) fills a temporary file in the
 * same directory, which is flushed to the disk (fsync) and then replaces
 * path, and the directory is synced after the rename. write returns 0 or
 * a negative code with err filled. On failure path is untouched. */
typedef int (*exp_fs_write_fn)(FILE *f, void *ctx, struct nn_err *err);
int exp_fs_write_atomic(const char *path, exp_fs_write_fn write, void *ctx, struct nn_err *err);

/* Writes v as one CSV field: quoted (a quote doubled) when it holds a
 * comma, a quote or a line break. */
void exp_fs_put_csv_field(FILE *f, const char *v);

#endif
