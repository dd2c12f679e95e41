#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "test helper: %s '%s'\n", what, arg);
	abort();
}

void th_tmpdir(char *out, size_t len)
{
	const char *base = getenv("TMPDIR");

	snprintf(out, len, "%s/nnlab-test.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(out))
		die("cannot create a temporary directory like", out);
}

void th_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die("cannot write", path);
}

void th_write_str(const char *path, const char *s)
{
	th_write(path, s, strlen(s));
}

char *th_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("cannot read", path);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

unsigned char *th_idx(uint8_t type, uint8_t ndims, const uint32_t *dims,
		      const void *payload, size_t payload_len, size_t *len)
{
	size_t head = 4 + 4 * (size_t)ndims;
	unsigned char *b = malloc(head + payload_len);

	b[0] = 0;
	b[1] = 0;
	b[2] = type;
	b[3] = ndims;
	for (int i = 0; i < ndims; i++) {
		b[4 + 4 * i] = (unsigned char)(dims[i] >> 24);
		b[5 + 4 * i] = (unsigned char)(dims[i] >> 16);
		b[6 + 4 * i] = (unsigned char)(dims[i] >> 8);
		b[7 + 4 * i] = (unsigned char)dims[i];
	}
	memcpy(b + head, payload, payload_len);
	*len = head + payload_len;
	return b;
}

void th_write_maybe_gz(const char *path, const void *data, size_t len, int gz)
{
	gzFile g;

	if (!gz) {
		th_write(path, data, len);
		return;
	}
	g = gzopen(path, "wb");
	if (!g || (len && gzwrite(g, data, (unsigned)len) != (int)len) || gzclose(g) != Z_OK)
		die("cannot write", path);
}

static void write_split(const char *dir, const char *prefix, size_t n, size_t rows, size_t cols,
			int gz, uint32_t *state)
{
	size_t dim = rows * cols, len;
	unsigned char *px = calloc(n, dim), *lb = malloc(n), *file;
	uint32_t idims[3] = { (uint32_t)n, (uint32_t)rows, (uint32_t)cols };
	uint32_t ldims[1] = { (uint32_t)n };
	char path[4096];

	for (size_t i = 0; i < n; i++) {
		*state = *state * 1664525u + 1013904223u;
		lb[i] = (unsigned char)((*state >> 16) % 10);
		for (size_t p = 0; p < dim; p++) {
			*state = *state * 1664525u + 1013904223u;
			px[i * dim + p] = (unsigned char)((*state >> 24) & 0x3f);
		}
		/* The label's row (mod rows) is bright. */
		for (size_t c = 0; c < cols; c++)
			px[i * dim + (lb[i] % rows) * cols + c] = 255;
		if (lb[i] >= rows) /* labels past the rows also light a column */
			for (size_t r = 0; r < rows; r++)
				px[i * dim + r * cols + (lb[i] - rows) % cols] = 200;
	}
	file = th_idx(0x08, 3, idims, px, n * dim, &len);
	snprintf(path, sizeof(path), "%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
	th_write_maybe_gz(path, file, len, gz);
	free(file);
	file = th_idx(0x08, 1, ldims, lb, n, &len);
	snprintf(path, sizeof(path), "%s/%s-labels-idx1-ubyte%s", dir, prefix, gz ? ".gz" : "");
	th_write_maybe_gz(path, file, len, gz);
	free(file);
	free(px);
	free(lb);
}

void th_write_mnist(const char *dir, size_t n_train, size_t n_test, size_t rows, size_t cols,
		    int gz, uint32_t seed)
{
	uint32_t state = seed;

	write_split(dir, "train", n_train, rows, cols, gz, &state);
	write_split(dir, "t10k", n_test, rows, cols, gz, &state);
}

static char *slurp_fd(int fd)
{
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t r;

	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)r;
		if (cap - n < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	buf[n] = '\0';
	return buf;
}

int th_nnlab(char **out, char **err, const char *const *argv)
{
	return th_nnlab_ex(out, err, argv, NULL, 0, 0);
}

static const char *child_path;

int th_nnlab_path(char **out, char **err, const char *const *argv, const char *path)
{
	int rc;

	child_path = path;
	rc = th_nnlab_ex(out, err, argv, NULL, 0, 0);
	child_path = NULL;
	return rc;
}

/* The children started and the watchdog of each. */
static struct {
	pid_t child, watchdog;
} started[16];

/* A watchdog for the process group pg: when this test process ends, by
 * any means (a Criterion timeout kills it with SIGKILL), the kernel sends
 * the watchdog SIGTERM and it ends the whole group, grandchildren too. */
static pid_t watch_group(pid_t pg)
{
	pid_t parent = getpid(), w = fork();

	if (w == 0) {
		sigset_t set;
		int sig;

		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == parent)
			sigwait(&set, &sig);
		killpg(pg, SIGKILL);
		_exit(0);
	}
	return w;
}

pid_t th_nnlab_start(const char *const *argv, const char *cwd, int out_fd, int err_fd)
{
	size_t n = 0;

	while (argv[n])
		n++;
	const char **args = calloc(n + 2, sizeof(*args));
	if (!args)
		die("out of memory for", argv[0]);
	args[0] = NNLAB_BUILD_DIR "/nnlab";
	memcpy(args + 1, argv, n * sizeof(*args));
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		dup2(null, 0);
		dup2(out_fd >= 0 ? out_fd : null, 1);
		dup2(err_fd >= 0 ? err_fd : null, 2);
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		if (child_path)
			setenv("PATH", child_path, 1);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	free(args);
	if (pid < 0)
		die("cannot start", NNLAB_BUILD_DIR "/nnlab");
	setpgid(pid, pid);  /* as the child does: whichever runs first */
	for (size_t i = 0; i < sizeof(started) / sizeof(started[0]); i++)
		if (!started[i].child) {
			started[i].child = pid;
			started[i].watchdog = watch_group(pid);
			break;
		}
	return pid;
}

int th_nnlab_end(pid_t pid, int sig)
{
	int status = 0;

	if (sig)
		kill(pid, sig);
	/* A test that waited for pid itself calls this to end the rest. */
	if (waitpid(pid, &status, 0) < 0 && errno != ECHILD)
		die("cannot wait for", NNLAB_BUILD_DIR "/nnlab");
	/* What it started (a sweep's trials) ends with it. */
	killpg(pid, SIGKILL);
	for (size_t i = 0; i < sizeof(started) / sizeof(started[0]); i++)
		if (started[i].child == pid) {
			kill(started[i].watchdog, SIGKILL);
			waitpid(started[i].watchdog, NULL, 0);
			started[i].child = 0;
		}
	return status;
}

int th_nnlab_ex(char **out, char **err, const char *const *argv, const char *cwd,
		double signal_after, int sig)
{
	char tmpl_out[] = "/tmp/nnlab-out.XXXXXX", tmpl_err[] = "/tmp/nnlab-err.XXXXXX";
	int fo = mkstemp(tmpl_out), fe = mkstemp(tmpl_err), status;
	pid_t pid;

	if (fo < 0 || fe < 0)
		die("cannot create", "/tmp/nnlab-out.*");
	unlink(tmpl_out);
	unlink(tmpl_err);
	pid = th_nnlab_start(argv, cwd, fo, fe);
	if (signal_after > 0) {
		struct timespec ts = { (time_t)signal_after,
				       (long)((signal_after - (double)(time_t)signal_after) * 1e9) };

		nanosleep(&ts, NULL);
		kill(pid, sig);
	}
	status = th_nnlab_end(pid, 0);
	lseek(fo, 0, SEEK_SET);
	lseek(fe, 0, SEEK_SET);
	if (out)
		*out = slurp_fd(fo);
	if (err)
		*err = slurp_fd(fe);
	close(fo);
	close(fe);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Copies field col (0-based) of the line at p into buf, unquoting an
 * RFC 4180 quoted field. */
static int field(const char *p, size_t col, char *buf, size_t len)
{
	size_t n = 0;
	int quoted = 0;

	for (size_t c = 0; c <= col; c++) {
		n = 0;
		quoted = *p == '"';
		if (quoted)
			p++;
		for (;; p++) {
			if (!*p || (!quoted && (*p == ',' || *p == '\n')))
				break;
			if (quoted && *p == '"') {
				if (p[1] == '"') {
					p++;
				} else {
					quoted = 0;
					continue;
				}
			}
			if (c == col && n + 1 < len)
				buf[n++] = *p;
		}
		if (c < col) {
			if (*p != ',')
				return -1;
			p++;
		}
	}
	buf[n] = '\0';
	return 0;
}

const char *th_csv(const char *csv, size_t row, const char *column, char *buf, size_t len)
{
	size_t col;
	char name[128];
	const char *line;

	for (col = 0;; col++) {
		if (field(csv, col, name, sizeof(name)) < 0)
			return NULL;
		if (!strcmp(name, column))
			break;
	}
	line = csv;
	for (size_t r = 0; r <= row; r++) {
		line = strchr(line, '\n');
		if (!line || !line[1])
			return NULL;
		line++;
	}
	return field(line, col, buf, len) < 0 ? NULL : buf;
}

size_t th_csv_rows(const char *csv)
{
	size_t rows = 0;

	for (const char *p = csv; *p; p++)
		rows += *p == '\n';
	return rows ? rows - 1 : 0;
}
