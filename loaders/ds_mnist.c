/* The mnist dataset plugin: MNIST-format idx files (MNIST, Fashion-MNIST),
 * raw or gzip-compressed, for the train and test splits of a directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ds_plugin.h"

#define IDX_UBYTE 0x08
#define MAX_BYTES ((uint64_t)1 << 34) /* 16 GiB: no sane idx file is larger */
#define CLASS_COUNT 10

struct mnist {
	uint8_t *pixels[2];  /* train, test */
	int32_t *labels[2];
};


/* Opens DIR/BASE.gz, else DIR/BASE; the name opened goes to path. */
static gzFile open_idx(const char *dir, const char *base, char *path, size_t pathlen,
		       char *err)
{
	gzFile gz;

	snprintf(path, pathlen, "%s/%s.gz", dir, base);
	gz = gzopen(path, "rb");
	if (gz)
		return gz;
	snprintf(path, pathlen, "%s/%s", dir, base);
	gz = gzopen(path, "rb");
	if (!gz) {
		int e = errno;
		struct stat st;

		/* No such directory, or none of the files: say how MNIST gets there. */
		ds_errorf(err, "cannot open '%s/%s.gz' or '%s': %s%s%s", dir, base, path,
			  e ? strerror(e) : "out of memory", e != ENOENT ? "" :
			  stat(dir, &st) != 0 ? " (there is no such directory: " : " (",
			  e != ENOENT ? "" : "'make data' fetches MNIST into data/mnist, 'sh scripts/fetch-mnist.sh DIR' anywhere)");
	}
	return gz;
}

/* zlib's error text for gz, without the "path: " it puts first. */
static const char *gz_message(gzFile gz, const char *path)
{
	int zerr;
	const char *msg = gzerror(gz, &zerr);
	size_t n = strlen(path);

	if (zerr == Z_ERRNO)
		return strerror(errno);
	if (!strncmp(msg, path, n) && !strncmp(msg + n, ": ", 2))
		msg += n + 2;
	if (zerr == Z_DATA_ERROR) {
		static _Thread_local char buf[256];

		snprintf(buf, sizeof(buf), "corrupt gzip data (%s)", msg);
		return buf;
	}
	return msg;
}

/* Reads exactly n bytes; returns 0, or -1 with a message. */
static int read_exact(gzFile gz, void *buf, size_t n, const char *path, const char *what,
		      char *err)
{
	size_t got = 0;

	while (got < n) {
		unsigned chunk = n - got > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
		int r = gzread(gz, (char *)buf + got, chunk);

		if (r < 0)
			return ds_errorf(err, "cannot read %s of '%s': %s", what, path,
				      gz_message(gz, path));
		if (r == 0) {
			int zerr;

			gzerror(gz, &zerr);
			if (zerr != Z_OK && zerr != Z_BUF_ERROR)
				return ds_errorf(err, "cannot read %s of '%s': %s", what, path,
					      gz_message(gz, path));
			return ds_errorf(err, "'%s' is truncated: %s has %zu of %zu bytes",
				      path, what, got, n);
		}
		got += (size_t)r;
	}
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads an idx file of unsigned bytes with ndims dimensions into a new
 * buffer; dims receives the dimensions. Returns the buffer or NULL. */
/* The header: magic, type, dimensions; the bytes of data it promises in
 * *bytes, checked against MAX_BYTES and what is left of the host's limit
 * (a label is kept as a byte and as an int32). */
static int read_header(gzFile gz, int ndims, uint32_t *dims, double *left, const char *path,
		       uint64_t *bytes_out, char *err)
{
	unsigned char head[4 + 4 * 3];
	double bytes = 1;

	if (read_exact(gz, head, 4 + 4 * (size_t)ndims, path, "the header", err) < 0)
		return -1;
	if (head[0] != 0 || head[1] != 0)
		return ds_errorf(err, "bad magic 0x%08x in '%s', expected 0x%08x", be32(head), path,
				 (unsigned)(IDX_UBYTE << 8 | ndims));
	if (head[2] != IDX_UBYTE)
		return ds_errorf(err, "'%s' has type code 0x%02x, expected 0x%02x (unsigned bytes)",
				 path, head[2], IDX_UBYTE);
	if (head[3] != ndims)
		return ds_errorf(err, "'%s' has %d dimensions, expected %d", path, head[3], ndims);
	for (int i = 0; i < ndims; i++) {
		dims[i] = be32(head + 4 + 4 * i);
		bytes *= dims[i];
		if (dims[i] == 0)
			return ds_errorf(err, "'%s' has a zero dimension in its header (dimension %d of %d)",
					 path, i + 1, ndims);
	}
	/* Blame the product, not whichever dimension happened to cross it. */
	if (bytes > (double)MAX_BYTES) {
		if (ndims == 3)
			return ds_errorf(err, "'%s' has implausible dimensions in its header: %u items of %u x %u bytes make %.0f bytes, more than the %llu an idx file may hold",
					 path, dims[0], dims[1], dims[2], bytes, (unsigned long long)MAX_BYTES);
		return ds_errorf(err, "'%s' has implausible dimensions in its header: %u items make %.0f bytes, more than the %llu an idx file may hold",
				 path, dims[0], bytes, (unsigned long long)MAX_BYTES);
	}
	*bytes_out = (uint64_t)bytes;
	if (ndims == 1)
		bytes *= 5;
	if (bytes > *left)
		return ds_errorf(err, "'%s': its header promises data of %.1f MiB, more than the %.1f MiB left of the memory limit (NNLAB_MAX_MEMORY)",
				 path, bytes / (1 << 20), *left / (1 << 20));
	*left -= bytes;
	return 0;
}

/* The data, total bytes, growing the buffer as data arrives, so a lying
 * header cannot make us allocate far more than the file holds; then the
 * end of the file. Returns the data, or NULL with err filled. */
static uint8_t *read_data(gzFile gz, uint64_t total, const char *path, char *err)
{
	uint8_t *data = NULL;
	size_t have = 0, cap = 0;
	unsigned char extra;
	int r;

	while (have < total) {
		size_t want = total - have, step = cap ? cap : (size_t)1 << 20;

		if (want > step)
			want = step;
		if (have + want > cap) {
			uint8_t *p = realloc(data, have + want);

			if (!p) {
				ds_errorf(err, "out of memory reading '%s'", path);
				goto fail;
			}
			data = p;
			cap = have + want;
		}
		if (read_exact(gz, data + have, want, path, "the data", err) < 0) {
			if (strstr(err, "is truncated"))
				ds_errorf(err, "'%s' is truncated: its header promises %llu bytes of data",
					  path, (unsigned long long)total);
			goto fail;
		}
		have += want;
	}
	if ((r = gzread(gz, &extra, 1)) > 0) {
		ds_errorf(err, "'%s' has data past the %llu bytes its header promises", path,
			  (unsigned long long)total);
		goto fail;
	}
	if (r < 0) {
		ds_errorf(err, "cannot read '%s': %s", path, gz_message(gz, path));
		goto fail;
	}
	return data;
fail:
	free(data);
	return NULL;
}

/* --- the decoded cache ------------------------------------------------------
 * Decompressing MNIST takes most of a short run's start (0.2 s of 0.3), and
 * a sweep's trials each load the same files. With NNLAB_DATA_CACHE naming
 * a directory (a sweep sets it to its own .data-cache for its trials), a
 * gzip file's decoded bytes are kept there as a raw idx file, named by the
 * source's path, size and modification time (a changed source gets a new
 * name), written under a temporary name and renamed, so a reader finds the
 * whole file or none; a cached file goes through every check the source
 * would, and one that fails them is read from the source again. */

/* The cache's name for the gzip file path, or 0 when there is none. */
static int cache_path(const char *path, char *out, size_t len)
{
	const char *dir = getenv("NNLAB_DATA_CACHE");
	struct stat st;
	char key[4400];
	uint64_t h = 1469598103934665603ull;
	size_t n = strlen(path);

	if (!dir || !*dir || n < 3 || strcmp(path + n - 3, ".gz") || stat(path, &st) != 0)
		return 0;
	snprintf(key, sizeof(key), "%s\n%lld\n%lld.%09ld", path, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec);
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	snprintf(out, len, "%s/idx-%016llx", dir, (unsigned long long)h);
	return 1;
}

/* Keeps data (its header from dims) as the cache file, whole or not at
 * all; a failure only costs the next run the decompression. */
static void cache_write(const char *cache, int ndims, const uint32_t *dims, const uint8_t *data, uint64_t total)
{
	char tmp[4500];
	unsigned char head[4 + 4 * 3] = { 0, 0, IDX_UBYTE, (unsigned char)ndims };
	FILE *f;

	for (int i = 0; i < ndims; i++)
		for (int b = 0; b < 4; b++)
			head[4 + 4 * i + b] = (unsigned char)(dims[i] >> (24 - 8 * b));
	mkdir(getenv("NNLAB_DATA_CACHE"), 0755);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", cache, (long)getpid());
	if (!(f = fopen(tmp, "wb")))
		return;
	int ok = fwrite(head, 1, 4 + 4 * (size_t)ndims, f) == 4 + 4 * (size_t)ndims &&
		 fwrite(data, 1, (size_t)total, f) == total;
	if (fclose(f) != 0 || !ok || rename(tmp, cache) != 0)
		unlink(tmp);
}

/* Reads an idx file through gz: header and data. */
static uint8_t *read_open(gzFile gz, int ndims, uint32_t *dims, double *left, const char *path, uint64_t *total,
			  char *err)
{
	uint8_t *data = NULL;

	if (read_header(gz, ndims, dims, left, path, total, err) == 0)
		data = read_data(gz, *total, path, err);
	gzclose(gz);
	return data;
}

static uint8_t *read_idx(const char *dir, const char *base, int ndims, uint32_t *dims,
			 double *left, char *path, size_t pathlen, char *err)
{
	uint64_t total = 0;
	uint8_t *data;
	char cache[4400];
	gzFile gz = open_idx(dir, base, path, pathlen, err), cached;
	int have_cache = gz && cache_path(path, cache, sizeof(cache));

	if (!gz)
		return NULL;
	if (have_cache && (cached = gzopen(cache, "rb"))) {
		double before = *left;

		if ((data = read_open(cached, ndims, dims, left, cache, &total, err))) {
			gzclose(gz);
			return data;
		}
		*left = before;   /* a bad cache file: the source decides */
	}
	data = read_open(gz, ndims, dims, left, path, &total, err);
	if (data && have_cache)
		cache_write(cache, ndims, dims, data, total);
	return data;
}

static void release(struct ds_dataset *ds)
{
	struct mnist *mn = ds ? ds->priv : NULL;

	if (!mn)
		return;
	for (int s = 0; s < 2; s++) {
		free(mn->pixels[s]);
		free(mn->labels[s]);
	}
	free(mn);
	ds->priv = NULL;
}

/* Loads one split (prefix "train" or "t10k") into mn slot s. */
static int load_split(struct mnist *mn, int s, const char *dir, const char *prefix,
		      struct ds_split *split, uint32_t *rows, uint32_t *cols, double *left, char *err)
{
	char base[256], ipath[4096], lpath[4096];
	uint32_t idims[3], ldims[1];
	uint8_t *labels;

	snprintf(base, sizeof(base), "%s-images-idx3-ubyte", prefix);
	mn->pixels[s] = read_idx(dir, base, 3, idims, left, ipath, sizeof(ipath), err);
	if (!mn->pixels[s])
		return -1;
	snprintf(base, sizeof(base), "%s-labels-idx1-ubyte", prefix);
	labels = read_idx(dir, base, 1, ldims, left, lpath, sizeof(lpath), err);
	if (!labels)
		return -1;
	if (idims[0] != ldims[0]) {
		free(labels);
		return ds_errorf(err, "'%s' holds %u images but '%s' holds %u labels",
			      ipath, idims[0], lpath, ldims[0]);
	}
	mn->labels[s] = malloc(ldims[0] * sizeof(int32_t));
	if (!mn->labels[s]) {
		free(labels);
		return ds_errorf(err, "out of memory reading '%s'", lpath);
	}
	for (uint32_t i = 0; i < ldims[0]; i++) {
		if (labels[i] >= CLASS_COUNT) {
			ds_errorf(err, "'%s': label %u of item %u is out of range 0-%d",
			       lpath, labels[i], i + 1, CLASS_COUNT - 1);
			free(labels);
			return -1;
		}
		mn->labels[s][i] = labels[i];
	}
	free(labels);
	split->features = mn->pixels[s];
	split->labels = mn->labels[s];
	split->count = idims[0];
	*rows = idims[1];
	*cols = idims[2];
	return 0;
}

static int load(struct ds_dataset *out, const char *const *names, const char *const *values,
		size_t count, char *err)
{
	const char *dir = ds_option("dir", names, values, count);
	const char *train = ds_option("train_prefix", names, values, count);
	const char *test = ds_option("test_prefix", names, values, count);
	uint32_t rows[2], cols[2];
	double left = ds_max_bytes(names, values, count);
	struct mnist *mn;

	if (!*dir || !*train || !*test)
		return ds_errorf(err, "missing option 'dir', 'train_prefix' or 'test_prefix'");
	mn = calloc(1, sizeof(*mn));
	if (!mn)
		return ds_errorf(err, "out of memory");
	memset(out, 0, sizeof(*out));
	out->priv = mn;
	if (load_split(mn, 0, dir, train, &out->train, &rows[0], &cols[0], &left, err) < 0 ||
	    load_split(mn, 1, dir, test, &out->test, &rows[1], &cols[1], &left, err) < 0)
		goto fail;
	if (rows[0] != rows[1] || cols[0] != cols[1]) {
		ds_errorf(err, "images in '%s' are %ux%u for '%s' but %ux%u for '%s'",
		       dir, rows[0], cols[0], train, rows[1], cols[1], test);
		goto fail;
	}
	out->input_size = (size_t)rows[0] * cols[0];
	out->class_count = CLASS_COUNT;
	out->feature_type = DS_FEATURE_U8;
	out->feature_scale = 1.0f / 255.0f;
	out->image_width = cols[0];
	out->image_height = rows[0];
	return 0;
fail:
	release(out);
	return -1;
}

static const struct ds_option options[] = {
	{ "dir", DS_OPT_STRING, "data/mnist", "directory holding the idx files (raw or .gz)" },
	{ "train_prefix", DS_OPT_STRING, "train", "training files are PREFIX-images-idx3-ubyte, PREFIX-labels-idx1-ubyte" },
	{ "test_prefix", DS_OPT_STRING, "t10k", "test files, named as the training ones" },
	{ NULL, 0, NULL, NULL }
};

DS_EXPORT const struct ds_plugin ds_plugin = {
	.abi_version = DS_ABI_VERSION,
	.size = sizeof(struct ds_plugin),
	.name = "mnist",
	.description = "MNIST-format idx files (MNIST, Fashion-MNIST), raw or .gz",
	.options = options,
	.load = load,
	.release = release,
};
