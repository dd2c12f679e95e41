/* A test plugin that hands back a label outside its class count, so the
 * host's check of returned data can be tested. */
#include <string.h>

#include "ds_plugin.h"

static const float x[3 * 2] = { 0, 1, 1, 0, 1, 1 };
static const int32_t y[3] = { 0, 1, 2 };

static int load(struct ds_dataset *out, const char *const *names, const char *const *values,
		size_t count, char *err)
{
	(void)names;
	(void)values;
	(void)count;
	(void)err;
	memset(out, 0, sizeof(*out));
	out->input_size = 2;
	out->class_count = 2;
	out->feature_type = DS_FEATURE_F32;
	out->feature_scale = 1.0f;
	out->train = (struct ds_split){ x, y, 3 };
	out->test = (struct ds_split){ x, y, 2 };
	return 0;
}

static void release(struct ds_dataset *ds)
{
	(void)ds;
}

DS_EXPORT const struct ds_plugin ds_plugin = {
	.abi_version = DS_ABI_VERSION,
	.size = sizeof(struct ds_plugin),
	.name = "badlabels",
	.description = "test plugin: a label out of range",
	.options = NULL,
	.load = load,
	.release = release,
};
