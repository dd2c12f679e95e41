#include "exp_fs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int exp_read_file(const char *path, char **text, size_t *len, struct nn_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return nn_errorf(err, NN_EIO, "cannot open '%s': %s", path, strerror(errno));
	for (;;) {
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
		size_t got = fread(buf + n, 1, cap - n, f);

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
	fclose(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

int exp_mkdirs(const char *dir, struct nn_err *err)
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

int exp_write_atomic(const char *path, exp_write_fn write, void *ctx, struct nn_err *err)
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
	if (rc == 0 && (fflush(f) != 0 || ferror(f)))
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
	return 0;
fail:
	unlink(tmp);
	return rc;
}
