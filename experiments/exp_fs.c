#include "exp_fs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int exp_fs_read_file(const char *path, char **text, size_t *len, struct nn_err *err)
{
	return exp_fs_read_file_max(path, SIZE_MAX / 4, "file", text, len, err);
}

int exp_fs_read_file_max(const char *path, size_t max, const char *what, char **text, size_t *len,
		      struct nn_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	struct stat st;

	if (!f)
		return nn_errorf(err, NN_EIO, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return nn_errorf(err, NN_EIO, "'%s' is a directory, not a %s", path, what);
	}
	/* Reads at most max + 1 bytes: one more says the file is too big. */
	while (n <= max) {
		if (cap - n < 4096) {
			char *p;

			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap + 1);
			if (!p) {
				free(buf);
				fclose(f);
				return nn_errorf(err, NN_ENOMEM, "out of memory reading '%s'", path);
			}
			buf = p;
		}
		size_t want = cap - n < max + 1 - n ? cap - n : max + 1 - n;
		size_t got = fread(buf + n, 1, want, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		free(buf);
		fclose(f);
		return nn_errorf(err, NN_EIO, "cannot read '%s': %s", path, strerror(e));
	}
	if (n > max) {
		free(buf);
		fclose(f);
		return nn_errorf(err, NN_EFORMAT, "'%s' is larger than %zu bytes, the most a %s may hold",
				 path, max, what);
	}
	fclose(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

int exp_fs_mkdirs(const char *dir, struct nn_err *err)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return nn_errorf(err, NN_EINVAL, "bad directory name '%s'", dir);
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0777) < 0 && errno != EEXIST)
				return nn_errorf(err, NN_EIO, "cannot create directory '%s': %s",
						 path, strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return nn_errorf(err, NN_EIO, "'%s' is not a directory", dir);
	return 0;
}

/* Makes a rename in path's directory durable. */
static void sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) + (slash == path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Whether name is a temporary file of exp_fs_write_atomic: NAME.tmp.XXXXXX. */
static int is_temp_name(const char *name)
{
	const char *t = strstr(name, ".tmp.");

	while (t && strstr(t + 1, ".tmp."))
		t = strstr(t + 1, ".tmp.");
	return t && t != name && strlen(t + 5) == 6 && !strchr(t + 5, '.');
}

int exp_fs_remove_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4600];
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (!is_temp_name(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n += unlink(path) == 0;
	}
	closedir(d);
	return n;
}

int exp_fs_lock_dir(const char *dir, const char *what, struct nn_err *err)
{
	char path[4200], holder[64] = "";
	int fd;

	snprintf(path, sizeof(path), "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return nn_errorf(err, NN_EIO, "cannot open '%s': %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		ssize_t n = e == EWOULDBLOCK ? read(fd, holder, sizeof(holder) - 1) : -1;

		close(fd);
		if (e != EWOULDBLOCK)
			return nn_errorf(err, NN_EIO, "cannot lock '%s': %s", path, strerror(e));
		holder[n > 0 ? n : 0] = '\0';
		holder[strcspn(holder, "\n")] = '\0';
		/* "pid N KIND": the holder's own kind, not the caller's. */
		long pid = 0;
		char kind[16] = "";
		if (sscanf(holder, "pid %ld %15s", &pid, kind) < 1)
			return nn_errorf(err, NN_EIO, "'%s' is in use by another nnlab process (its process id unknown); wait for it to end or use another directory",
					 dir);
		return nn_errorf(err, NN_EIO, "'%s' is in use by another nnlab %s (pid %ld); wait for it to end or use another directory",
				 dir, kind[0] ? kind : "process", pid);
	}
	/* Who holds it, for the message above; the lock holds without it. */
	char me[64];
	int len = snprintf(me, sizeof(me), "pid %ld %s\n", (long)getpid(), what);
	ssize_t wrote = ftruncate(fd, 0) == 0 ? pwrite(fd, me, (size_t)len, 0) : -1;
	(void)wrote;
	return fd;
}

void exp_fs_unlock_dir(int fd)
{
	if (fd >= 0)
		close(fd);
}

int exp_fs_write_atomic(const char *path, exp_fs_write_fn write, void *ctx, struct nn_err *err)
{
	char tmp[4096];
	FILE *f;
	int fd, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
		return nn_errorf(err, NN_EINVAL, "path too long: '%s'", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return nn_errorf(err, NN_EIO, "cannot create '%s': %s", tmp, strerror(errno));
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		rc = nn_errorf(err, NN_EIO, "cannot open '%s': %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	rc = write(f, ctx, err);
	/* On the disk before the rename: after a crash, path holds the old
	 * file or the new one, whole. */
	if (rc == 0 && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0))
		rc = nn_errorf(err, NN_EIO, "cannot write '%s': %s", tmp, strerror(errno));
	if (fclose(f) != 0 && rc == 0)
		rc = nn_errorf(err, NN_EIO, "cannot write '%s': %s", tmp, strerror(errno));
	if (rc < 0)
		goto fail;
	if (rename(tmp, path) < 0) {
		rc = nn_errorf(err, NN_EIO, "cannot rename '%s' to '%s': %s", tmp, path,
			       strerror(errno));
		goto fail;
	}
	sync_dir(path);
	return 0;
fail:
	unlink(tmp);
	return rc;
}

void exp_fs_put_csv_field(FILE *f, const char *v)
{
	if (strpbrk(v, ",\"\n\r")) {
		fputc('"', f);
		for (; *v; v++) {
			if (*v == '"')
				fputc('"', f);
			fputc(*v, f);
		}
		fputc('"', f);
	} else {
		fputs(v, f);
	}
}

int exp_fs_dir_busy(const char *dir)
{
	char path[4200];
	int fd, busy;

	snprintf(path, sizeof(path), "%s/.lock", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	busy = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}
