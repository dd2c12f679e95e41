#include "exp_plugin.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exp_config.h"

/* The smallest descriptor this host can use: through the release member. */
#define MIN_DESC_SIZE (offsetof(struct ds_plugin, release) + sizeof(ds_release_fn))

const char *exp_plugin_search_path(char *buf, size_t len)
{
	const char *env = getenv("NNLAB_PLUGIN_PATH");
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	/* Beside the program: DIR/plugins in a build tree, and
	 * PREFIX/lib/nnlab/plugins for PREFIX/bin/nnlab once installed. */
	if (n > 0 && (exe[n] = '\0', slash = strrchr(exe, '/'))) {
		*slash = '\0';
		snprintf(buf, len, "%s/plugins:%s/../lib/nnlab/plugins", exe, exe);
	} else {
		snprintf(buf, len, "plugins");
	}
	if (env && *env)
		snprintf(buf + strlen(buf), len - strlen(buf), ":%s", env);
	return buf;
}

static int valid_name(const char *name)
{
	if (!*name || strlen(name) > 64)
		return 0;
	for (const char *s = name; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '_' && *s != '-')
			return 0;
	return 1;
}

int exp_plugin_find(const char *name, char *path, size_t len, struct nn_err *err)
{
	char search[8192];
	const char *dir;

	if (!valid_name(name))
		return nn_errorf(err, NN_EINVAL,
				 "'%s' is not a plugin name (letters, digits, '_' and '-' only)", name);
	exp_plugin_search_path(search, sizeof(search));
	dir = search;
	while (*dir) {
		size_t n = strcspn(dir, ":");

		if (n > 0) {
			snprintf(path, len, "%.*s/ds_%s.so", (int)n, dir, name);
			if (access(path, F_OK) == 0)
				return 0;
		}
		dir += n;
		if (*dir == ':')
			dir++;
	}
	/* Name the plugins there are, so a typo shows. */
	char have[512] = "";
	size_t used = 0;
	for (dir = search; *dir;) {
		size_t n = strcspn(dir, ":");
		char d[4096];
		DIR *dp;
		struct dirent *e;

		snprintf(d, sizeof(d), "%.*s", (int)n, dir);
		if (n && (dp = opendir(d))) {
			while ((e = readdir(dp))) {
				size_t nl = strlen(e->d_name);

				if (nl > 6 && !strncmp(e->d_name, "ds_", 3) && !strcmp(e->d_name + nl - 3, ".so") &&
				    used < sizeof(have))
					used += (size_t)snprintf(have + used, sizeof(have) - used, "%s%.*s",
								 used ? ", " : "", (int)(nl - 6), e->d_name + 3);
			}
			closedir(dp);
		}
		dir += n;
		if (*dir == ':')
			dir++;
	}
	return nn_errorf(err, NN_EINVAL, "no plugin '%s': ds_%s.so is not in %s (set NNLAB_PLUGIN_PATH); plugins there: %s",
			 name, name, search, used ? have : "none");
}

int exp_plugin_open(struct exp_plugin *p, const char *path, struct nn_err *err)
{
	const struct ds_plugin *d;

	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->handle)
		return nn_errorf(err, NN_EIO, "cannot load plugin '%s': %s", path, dlerror());
	d = dlsym(p->handle, DS_PLUGIN_SYMBOL);
	if (!d) {
		nn_errorf(err, NN_EFORMAT, "'%s' is not an nnlab dataset plugin: no symbol '%s'",
			  path, DS_PLUGIN_SYMBOL);
		goto fail;
	}
	if (d->abi_version != DS_ABI_VERSION) {
		nn_errorf(err, NN_EFORMAT, "plugin '%s' was built for ABI version %u, this nnlab uses version %u",
			  path, d->abi_version, DS_ABI_VERSION);
		goto fail;
	}
	if (d->size < MIN_DESC_SIZE) {
		nn_errorf(err, NN_EFORMAT, "plugin '%s' has a descriptor of %u bytes, expected at least %zu",
			  path, d->size, MIN_DESC_SIZE);
		goto fail;
	}
	if (!d->name || !d->load || !d->release) {
		nn_errorf(err, NN_EFORMAT, "plugin '%s' lacks a name, load or release function", path);
		goto fail;
	}
	p->desc = d;
	return 0;
fail:
	dlclose(p->handle);
	p->handle = NULL;
	return err ? err->code : NN_EFORMAT;
}

static int check_type(const struct ds_option *o, const struct exp_node *v, struct nn_err *err)
{
	const char *s = v->value;
	char *end;

	switch (o->type) {
	case DS_OPT_INT:
		errno = 0;
		(void)strtoll(s, &end, 10);
		if (!*s || *end || errno)
			return exp_config_errorf(err, v, "option '%s' must be a whole number, got '%s'",
						 o->name, s);
		break;
	case DS_OPT_FLOAT: {
		double x = strtod(s, &end);

		if (!*s || *end || !isfinite(x))
			return exp_config_errorf(err, v, "option '%s' must be a number, got '%s'",
						 o->name, s);
		break;
	}
	case DS_OPT_BOOL:
		if (strcmp(s, "true") && strcmp(s, "false"))
			return exp_config_errorf(err, v, "option '%s' must be true or false, got '%s'",
						 o->name, s);
		break;
	default:
		break;
	}
	return 0;
}

int exp_plugin_set_options(struct exp_plugin *p, const struct exp_node *options,
			   struct nn_err *err)
{
	const struct ds_option *decl = p->desc->options;
	size_t ndecl = 0;

	while (decl && decl[ndecl].name)
		ndecl++;
	if (ndecl > EXP_PLUGIN_MAX_OPTIONS)
		return nn_errorf(err, NN_EFORMAT, "plugin '%s' declares %zu options, at most %d are supported",
				 p->path, ndecl, EXP_PLUGIN_MAX_OPTIONS);
	for (size_t i = 0; options && i < options->count; i++) {
		const char *key = options->keys[i]->value;
		size_t j;

		for (j = 0; j < ndecl; j++)
			if (!strcmp(decl[j].name, key))
				break;
		if (j == ndecl) {
			char names[512] = "";

			for (size_t k = 0; k < ndecl; k++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 k ? ", " : "", decl[k].name);
			return exp_config_errorf(err, options->keys[i],
						 "plugin '%s' has no option '%s' (it has: %s)",
						 p->desc->name, key, ndecl ? names : "none");
		}
	}
	p->options = options;
	p->nopts = 0;
	for (size_t j = 0; j < ndecl; j++) {
		const struct exp_node *v = exp_node_get(options, decl[j].name);
		int rc;

		if (v) {
			if ((rc = check_type(&decl[j], v, err)) < 0)
				return rc;
			p->opt_values[p->nopts] = v->value;
		} else if (decl[j].default_value) {
			p->opt_values[p->nopts] = decl[j].default_value;
		} else {
			return nn_errorf(err, NN_EINVAL, "plugin '%s' needs option 'data.options.%s' (%s)",
					 p->desc->name, decl[j].name, decl[j].help ? decl[j].help : "no help");
		}
		p->opt_names[p->nopts++] = decl[j].name;
	}
	return 0;
}

int exp_plugin_load(struct exp_plugin *p, struct ds_dataset *ds, struct nn_err *err)
{
	char msg[DS_ERR_MAX] = "", limit[32];
	size_t n = p->nopts;

	memset(ds, 0, sizeof(*ds));
	if (p->max_bytes > 0) {
		snprintf(limit, sizeof(limit), "%.0f", p->max_bytes);
		p->opt_names[n] = DS_MAX_BYTES;
		p->opt_values[n++] = limit;
	}
	if (p->desc->load(ds, p->opt_names, p->opt_values, n, msg) < 0) {
		char name[64], where[NN_ERR_MAX];
		const struct exp_node *v;

		memset(ds, 0, sizeof(*ds));
		msg[sizeof(msg) - 1] = '\0';
		/* "option 'NAME' ...": a config error at the value that set it. */
		if (sscanf(msg, "option '%63[^']'", name) == 1 && (v = exp_node_get(p->options, name)))
			return nn_errorf(err, NN_EINVAL, "%s: %s", exp_node_where(v, where, sizeof(where)), msg);
		return nn_errorf(err, NN_EIO, "%s", msg[0] ? msg : "the plugin failed without a message");
	}
	p->loaded = 1;
	return 0;
}

void exp_plugin_close(struct exp_plugin *p, struct ds_dataset *ds)
{
	if (!p || !p->handle)
		return;
	if (ds && p->loaded)
		p->desc->release(ds);
	p->loaded = 0;
	dlclose(p->handle);
	p->handle = NULL;
}

static const char *type_name(int type)
{
	switch (type) {
	case DS_OPT_STRING: return "string";
	case DS_OPT_INT: return "int";
	case DS_OPT_FLOAT: return "float";
	case DS_OPT_BOOL: return "bool";
	default: return "?";
	}
}

void exp_plugin_describe(const struct exp_plugin *p, FILE *f)
{
	const struct ds_plugin *d = p->desc;

	fprintf(f, "%s (ABI %u): %s\n  file: %s\n", d->name, d->abi_version,
		d->description ? d->description : "", p->path);
	if (!d->options || !d->options[0].name) {
		fputs("  options: none\n", f);
		return;
	}
	fputs("  options:\n", f);
	for (const struct ds_option *o = d->options; o->name; o++) {
		fprintf(f, "    %-16s %-6s ", o->name, type_name(o->type));
		if (o->default_value)
			fprintf(f, "default %-14s", o->default_value[0] ? o->default_value : "\"\"");
		else
			fprintf(f, "%-22s", "(required)");
		fprintf(f, " %s\n", o->help ? o->help : "");
	}
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_plugin_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 6 && !strncmp(e->d_name, "ds_", 3) && !strcmp(e->d_name + n - 3, ".so");
}

int exp_plugin_list(FILE *f, FILE *errf)
{
	char search[8192], seen[8192] = ":";
	const char *dir;
	int failed = 0, found = 0;

	exp_plugin_search_path(search, sizeof(search));
	for (dir = search; *dir;) {
		size_t n = strcspn(dir, ":");
		char path[4096];
		struct dirent **names;
		int count;

		snprintf(path, sizeof(path), "%.*s", (int)n, dir);
		dir += n + (dir[n] == ':');
		count = n ? scandir(path, &names, is_plugin_file, by_name) : -1;
		for (int i = 0; i < count; i++) {
			char file[8300], key[300];
			struct exp_plugin p;
			struct nn_err err = { 0, "" };

			snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
			snprintf(key, sizeof(key), ":%s:", names[i]->d_name);
			free(names[i]);
			if (strstr(seen, key)) {
				fprintf(f, "(%s is hidden by the one found first)\n", file);
				continue;
			}
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s", key + 1);
			if (exp_plugin_open(&p, file, &err) < 0) {
				fprintf(errf, "nnlab: error: %s\n", err.msg);
				failed++;
				continue;
			}
			exp_plugin_describe(&p, f);
			exp_plugin_close(&p, NULL);
			found++;
		}
		if (count >= 0)
			free(names);
	}
	if (!found && !failed)
		fprintf(f, "no plugins found in %s\n", search);
	return failed;
}
