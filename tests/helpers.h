/* Helpers shared by the tests: scratch directories, small files, MNIST-style
 * idx files, and running the nnlab program. */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H

#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

/* A fresh directory under $TMPDIR (or /tmp); the path is static storage
 * per call site's buffer. Aborts the test on failure. */
void th_tmpdir(char *out, size_t len);

/* Writes len bytes to path (or the string s when len is (size_t)-1). */
void th_write(const char *path, const void *data, size_t len);
void th_write_str(const char *path, const char *s);

/* Reads a whole file into a new NUL-terminated buffer, or NULL. */
char *th_read(const char *path, size_t *len);

/* Builds an idx file image: magic bytes (0, 0, type, ndims), big-endian
 * dims, then payload. Returns a malloc'ed buffer of *len bytes. */
unsigned char *th_idx(uint8_t type, uint8_t ndims, const uint32_t *dims,
		      const void *payload, size_t payload_len, size_t *len);

/* Writes data to path, gzip-compressed when gz is true. */
void th_write_maybe_gz(const char *path, const void *data, size_t len, int gz);

/* Writes an MNIST-style data set with n_train and n_test images of rows
 * x cols pixels into dir: images whose brightest row encodes the label,
 * so a small net can learn it. gz selects .gz files. Give images that are
 * not square wherever the test can: a width taken for a height passes
 * every square image. */
void th_write_mnist(const char *dir, size_t n_train, size_t n_test, size_t rows, size_t cols,
		    int gz, uint32_t seed);

/* The field of a CSV text (header row first, no quoting) in data row row
 * (0-based) and the named column, copied into buf; NULL when absent. */
const char *th_csv(const char *csv, size_t row, const char *column, char *buf, size_t len);

/* Data rows of a CSV text (lines after the header). */
size_t th_csv_rows(const char *csv);

/* Runs the nnlab program with argv (NULL-terminated, without argv[0]),
 * capturing stdout and stderr (each into a new buffer, may be NULL).
 * Returns the exit status, or -1 if it did not exit normally. */
int th_nnlab(char **out, char **err, const char *const *argv);

/* Starts nnlab with argv (after the program name) in a process group of
 * its own, stdout and stderr to out_fd and err_fd (-1: /dev/null), in cwd
 * (NULL: here). The group is ended, grandchildren too, by th_nnlab_end or,
 * when this test process is killed first (a timeout), by a watchdog. */
pid_t th_nnlab_start(const char *const *argv, const char *cwd, int out_fd, int err_fd);

/* Sends sig (0: none) to pid, waits for it (unless the caller has), ends
 * its process group and its watchdog; returns the wait status. */
int th_nnlab_end(pid_t pid, int sig);

/* As th_nnlab with PATH set to path in the program's environment. */
int th_nnlab_path(char **out, char **err, const char *const *argv, const char *path);

/* As th_nnlab, run in directory cwd (NULL: the current one); when
 * signal_after > 0, sends sig that many seconds after the start. */
int th_nnlab_ex(char **out, char **err, const char *const *argv, const char *cwd,
		double signal_after, int sig);

#endif
