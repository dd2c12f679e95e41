/* libFuzzer target: the mnist plugin's idx reader, raw and gzip (make
 * fuzz). The plugin's source is compiled in; the first input byte picks
 * which of the four files gets the rest of the input (and, by its next
 * bit, whether under its .gz name); the other three are valid. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ds_plugin.h"

extern const struct ds_plugin ds_plugin;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const bases[] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
				     "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" };

static void put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

/* Two 3x3 images, or two labels, as valid idx files. */
static void put_valid(const char *dir, int which)
{
	static const uint8_t images[] = { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3,
					  1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	static const uint8_t labels[] = { 0, 0, 8, 1, 0, 0, 0, 2, 3, 7 };

	if (which % 2 == 0)
		put(dir, bases[which], images, sizeof(images));
	else
		put(dir, bases[which], labels, sizeof(labels));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	const char *names[] = { "dir", "train_prefix", "test_prefix" };
	const char *values[] = { dir, "train", "t10k" };
	struct ds_dataset ds;
	char err[DS_ERR_MAX], path[256];

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/nnlab-fuzz-idx-%d", (int)getpid());
		mkdir(dir, 0777);
	}
	if (size < 1)
		return 0;
	int target = data[0] & 3, gz = (data[0] >> 2) & 1;
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s.gz", dir, bases[i]);
		unlink(path);
		if (i != target)
			put_valid(dir, i);
	}
	snprintf(path, sizeof(path), "%s%s", bases[target], gz ? ".gz" : "");
	put(dir, path, data + 1, size - 1);
	if (!gz) {
		snprintf(path, sizeof(path), "%s/%s.gz", dir, bases[target]);
		unlink(path);
	}
	if (ds_plugin.load(&ds, names, values, 3, err) == 0)
		ds_plugin.release(&ds);
	return 0;
}
