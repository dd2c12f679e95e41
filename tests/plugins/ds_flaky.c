/* A test plugin for a data source that goes away: it counts its loads in
 * a file and fails every load after the first 'works' ones, so a sweep's
 * check before the trials loads it and the trials' own runs fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_plugin.h"

static const float x[4 * 2] = { 0, 1, 1, 0, 1, 1, 0, 0 };
static const int32_t y[4] = { 0, 1, 2, 0 };

static const struct ds_option options[] = {
	{ "counter", DS_OPT_STRING, NULL, "a file counting the loads so far" },
	{ "works", DS_OPT_INT, "1", "loads that succeed" },
	{ NULL, 0, NULL, NULL },
};

static int load(struct ds_dataset *out, const char *const *names, const char *const *values,
		size_t count, char *err)
{
	const char *path = ds_option("counter", names, values, count);
	long works = atol(ds_option("works", names, values, count)), n = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = 0;
		fclose(f);
	}
	if (!(f = fopen(path, "w")))
		return ds_errorf(err, "cannot write '%s'", path);
	fprintf(f, "%ld\n", n + 1);
	fclose(f);
	if (n >= works)
		return ds_errorf(err, "the source went away after %ld loads", works);
	memset(out, 0, sizeof(*out));
	out->input_size = 2;
	out->class_count = 3;
	out->feature_type = DS_FEATURE_F32;
	out->feature_scale = 1.0f;
	out->train = (struct ds_split){ x, y, 4 };
	out->test = (struct ds_split){ x, y, 4 };
	return 0;
}

static void release(struct ds_dataset *ds)
{
	(void)ds;
}

DS_EXPORT const struct ds_plugin ds_plugin = {
	.abi_version = DS_ABI_VERSION,
	.size = sizeof(struct ds_plugin),
	.name = "flaky",
	.description = "test plugin: loads 'works' times, then fails",
	.options = options,
	.load = load,
	.release = release,
};
