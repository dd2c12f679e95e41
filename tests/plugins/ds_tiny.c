/* A test plugin whose descriptor says it is smaller than the host needs. */
#include "ds_plugin.h"

DS_EXPORT const struct ds_plugin ds_plugin = {
	.abi_version = DS_ABI_VERSION,
	.size = 8,
	.name = "tiny",
};
