/* A test plugin built for an ABI version this nnlab does not speak. */
#include "ds_plugin.h"

DS_EXPORT const struct ds_plugin ds_plugin = {
	.abi_version = DS_ABI_VERSION + 98,
	.size = sizeof(struct ds_plugin),
	.name = "wrongabi",
};
