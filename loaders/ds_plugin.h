/* nnlab dataset plugin ABI. This header is all a plugin includes.
 *
 * A plugin is a shared object that exports one data symbol,
 * DS_PLUGIN_SYMBOL, a struct ds_plugin. The host checks abi_version and
 * size before it touches anything else, and reads members added in later
 * versions only when size says they are there. New members go at the end.
 *
 * Memory: the plugin allocates what load() hands back and frees it in
 * release(); the host only borrows it in between. Plugins never print,
 * never exit, and never call into the host. */
#ifndef DS_PLUGIN_H
#define DS_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DS_ABI_VERSION 1
#define DS_PLUGIN_SYMBOL "ds_plugin"
#define DS_ERR_MAX 512

#if defined(__GNUC__)
#define DS_EXPORT __attribute__((visibility("default")))
#else
#define DS_EXPORT
#endif

/* Types of plugin options, as written in a config. */
enum ds_option_type {
	DS_OPT_STRING = 1,
	DS_OPT_INT = 2,
	DS_OPT_FLOAT = 3,
	DS_OPT_BOOL = 4
};

/* One option a plugin accepts. The host validates a config's options
 * against these (unknown names, types) before calling load(). */
struct ds_option {
	const char *name;
	int type;                  /* enum ds_option_type */
	const char *default_value; /* as text; NULL: the option is required */
	const char *help;          /* one line */
};

/* Feature storage types. */
enum ds_feature_type {
	DS_FEATURE_U8 = 1,   /* uint8_t, e.g. pixels */
	DS_FEATURE_F32 = 2   /* float */
};

/* One split: count examples of the dataset's input_size features each. */
struct ds_split {
	const void *features;   /* (count, input_size) of feature_type */
	const int32_t *labels;  /* (count), each in [0, class_count) */
	size_t count;
};

/* What load() fills in. */
struct ds_dataset {
	size_t input_size;      /* features per example */
	size_t class_count;
	int feature_type;       /* enum ds_feature_type */
	float feature_scale;    /* the host uses feature * feature_scale */
	size_t image_width;     /* for images: width and height, else 0 */
	size_t image_height;
	const char *const *class_names; /* (class_count) names, or NULL */
	struct ds_split train;
	struct ds_split test;
	void *priv;             /* the plugin's own; the host never reads it */
};

/* load: options is an array of count name/value pairs (values as text,
 * every declared option present, defaults filled in by the host). Fills
 * *out and returns 0, or writes a message naming the file and place into
 * err (DS_ERR_MAX bytes) and returns a negative number; on failure nothing
 * is left to release. A message about one option's value starts with
 * "option 'NAME'": the host then puts the place in the config that set it
 * in front ("exp.yaml:7:14: option 'NAME' ...").
 * release: frees what a successful load() allocated. */
typedef int (*ds_load_fn)(struct ds_dataset *out, const char *const *names,
			  const char *const *values, size_t count, char *err);
typedef void (*ds_release_fn)(struct ds_dataset *ds);

struct ds_plugin {
	uint32_t abi_version;           /* DS_ABI_VERSION the plugin was built with */
	uint32_t size;                  /* sizeof(struct ds_plugin) it was built with */
	const char *name;               /* as configs name it: "mnist" */
	const char *description;        /* one line */
	const struct ds_option *options; /* ends with an entry whose name is NULL */
	ds_load_fn load;
	ds_release_fn release;
};

/* Helpers for plugins, static inline so nothing crosses the ABI. */

/* The value load() was given for option name, or "" (the host passes
 * every declared option, so that happens only for undeclared names). */
static inline const char *ds_option(const char *name, const char *const *names,
				    const char *const *values, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return values[i];
	return "";
}

/* Besides the declared options, the host passes one of its own, named
 * DS_MAX_BYTES: the most memory (in bytes, a decimal integer) the
 * dataset may take, from the user's limit (NNLAB_MAX_MEMORY). A plugin
 * that reads files of unknown size (a small .gz can inflate to
 * gigabytes) stops with a message naming the file once what it keeps
 * would take more. A plugin that never looks it up loads as before. */
#define DS_MAX_BYTES "host.max_bytes"

/* DS_MAX_BYTES as a number, or the largest double when the host gave
 * none. */
static inline double ds_max_bytes(const char *const *names, const char *const *values,
				  size_t count)
{
	const char *v = ds_option(DS_MAX_BYTES, names, values, count);

	return *v ? strtod(v, NULL) : 1.7976931348623157e308;
}

/* Formats a message into load()'s err buffer (DS_ERR_MAX bytes) and
 * returns -1. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline int ds_errorf(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, DS_ERR_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
