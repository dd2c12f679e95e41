/* Finding, loading and checking dataset plugins (see loaders/ds_plugin.h). */
#ifndef EXP_PLUGIN_H
#define EXP_PLUGIN_H

#include <stddef.h>
#include <stdio.h>

#include "ds_plugin.h"
#include "exp_yaml.h"
#include "nn_err.h"

#define EXP_PLUGIN_MAX_OPTIONS 64 /* options a plugin may declare */

struct exp_plugin {
	void *handle;                  /* from dlopen */
	const struct ds_plugin *desc;  /* the plugin's descriptor */
	char path[4096];
	int loaded;                    /* load() succeeded; release() is owed */
	/* Options after validation, defaults filled in; load() also gets
	 * DS_MAX_BYTES after them. */
	size_t nopts;
	const char *opt_names[EXP_PLUGIN_MAX_OPTIONS + 1];
	const char *opt_values[EXP_PLUGIN_MAX_OPTIONS + 1];
	const struct exp_node *options; /* the config's data.options, borrowed, or NULL */
	double max_bytes;               /* the most the data may take; 0: no limit */
};

/* The directories searched, in order: "plugins" beside the running program
 * (the build tree), "../lib/nnlab/plugins" beside it (an installed nnlab),
 * then each entry of $NNLAB_PLUGIN_PATH (colon-separated). Writes them,
 * colon-separated, into buf. */
const char *exp_plugin_search_path(char *buf, size_t len);

/* Finds ds_NAME.so on the search path and writes its path. name must be
 * letters, digits, '_' or '-'. Returns 0, or NN_EINVAL with a message
 * that lists where it looked. */
int exp_plugin_find(const char *name, char *path, size_t len, struct nn_err *err);

/* Loads the plugin at path and checks its descriptor (symbol, ABI
 * version, size, members). Returns 0 or NN_EIO/NN_EFORMAT; every message
 * names the file. */
int exp_plugin_open(struct exp_plugin *p, const char *path, struct nn_err *err);

/* Validates options (a YAML map, or NULL) against the plugin's declared
 * options and fills p->opt_* with every option, defaults included. The
 * strings are borrowed from options and the descriptor. Returns 0 or
 * NN_EINVAL with "file:line:col:". */
int exp_plugin_set_options(struct exp_plugin *p, const struct exp_node *options,
			   struct nn_err *err);

/* Writes a description of the plugin (name, ABI, file, options) to f. */
void exp_plugin_describe(const struct exp_plugin *p, FILE *f);

/* Lists every ds_*.so on the search path to f, describing each; a file
 * that does not load is reported to errf. Returns the number that failed. */
int exp_plugin_list(FILE *f, FILE *errf);

/* Calls the plugin's load with p's options, and with DS_MAX_BYTES when
 * p->max_bytes is set. */
int exp_plugin_load(struct exp_plugin *p, struct ds_dataset *ds, struct nn_err *err);

/* Releases ds (when loaded) and closes the plugin. Accepts a closed p. */
void exp_plugin_close(struct exp_plugin *p, struct ds_dataset *ds);

#endif
