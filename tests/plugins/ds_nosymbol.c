/* A test plugin that exports no descriptor. */
#include "ds_plugin.h"

DS_EXPORT int ds_not_a_plugin = 1;
