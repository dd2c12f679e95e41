/* The host side of the plugin ABI, through real dlopen. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_plugin.h"
#include "helpers.h"

#define TEST_PLUGINS NNLAB_BUILD_DIR "/tests/plugins"

/* Opening TEST_PLUGINS/file fails with want, where "@" stands for the path. */
static void expect_open_error(const char *file, const char *want)
{
	struct exp_plugin p;
	struct nn_err err = { 0, "" };
	char path[4096], msg[8192] = "";

	snprintf(path, sizeof(path), "%s/%s", TEST_PLUGINS, file);
	for (const char *s = want; *s; s++) {
		if (*s == '@')
			strcat(msg, path);
		else
			strncat(msg, s, 1);
	}
	cr_assert_lt(exp_plugin_open(&p, path, &err), 0);
	cr_assert_null(p.handle);
	cr_assert_str_eq(err.msg, msg);
}

Test(exp_plugin, rejects_a_wrong_abi_version)
{
	char want[256];

	snprintf(want, sizeof(want), "plugin '@' was built for ABI version %d, this nnlab uses version %d",
		 DS_ABI_VERSION + 98, DS_ABI_VERSION);
	expect_open_error("ds_wrongabi.so", want);
}

Test(exp_plugin, rejects_a_too_small_descriptor)
{
	char want[256];

	snprintf(want, sizeof(want), "plugin '@' has a descriptor of 8 bytes, expected at least %zu",
		 offsetof(struct ds_plugin, release) + sizeof(ds_release_fn));
	expect_open_error("ds_tiny.so", want);
}

Test(exp_plugin, rejects_a_file_without_descriptor)
{
	expect_open_error("ds_nosymbol.so", "'@' is not an nnlab dataset plugin: no symbol 'ds_plugin'");
}

Test(exp_plugin, reports_a_missing_file_with_dlerror)
{
	expect_open_error("ds_none.so", "cannot load plugin '@': @: cannot open shared object file: No such file or directory");
}

Test(exp_plugin, finds_plugins_on_the_path_by_name_only)
{
	struct nn_err err = { 0, "" };
	char path[4096];

	setenv("NNLAB_PLUGIN_PATH", "/nonexistent:" TEST_PLUGINS, 1);
	cr_assert_eq(exp_plugin_find("badlabels", path, sizeof(path), &err), 0, "%s", err.msg);
	cr_assert_str_eq(path, TEST_PLUGINS "/ds_badlabels.so");
	cr_assert_eq(exp_plugin_find("../plugins/ds_tiny", path, sizeof(path), &err), NN_EINVAL);
	cr_assert_str_eq(err.msg, "'../plugins/ds_tiny' is not a plugin name (letters, digits, '_' and '-' only)");
	cr_assert_eq(exp_plugin_find("nosuch", path, sizeof(path), &err), NN_EINVAL);
	cr_assert(strstr(err.msg, "no plugin 'nosuch': ds_nosuch.so is not in "), "%s", err.msg);
	cr_assert(strstr(err.msg, ":/nonexistent:" TEST_PLUGINS " (set NNLAB_PLUGIN_PATH); plugins there: "), "%s", err.msg);
	/* The plugins there are named, so a typo shows. */
	cr_assert(strstr(err.msg, "badlabels") && strstr(err.msg, "flaky"), "%s", err.msg);
}

Test(exp_plugin, validates_options_against_the_declaration)
{
	struct exp_plugin p;
	struct nn_err err = { 0, "" };
	char dir[4096], cfg[4200];
	struct exp_node *root;

	cr_assert_eq(exp_plugin_open(&p, NNLAB_BUILD_DIR "/plugins/ds_synthetic.so", &err), 0, "%s", err.msg);
	th_tmpdir(dir, sizeof(dir));
	snprintf(cfg, sizeof(cfg), "%s/o.yaml", dir);
	th_write_str(cfg, "kind: spirals\nclasses: many\n");
	root = exp_yaml_load_file(cfg, cfg, &err);
	cr_assert_not_null(root);
	cr_assert_eq(exp_plugin_set_options(&p, root, &err), NN_EINVAL);
	char want[8400];
	snprintf(want, sizeof(want), "%s:2:10: option 'classes' must be a whole number, got 'many'", cfg);
	cr_assert_str_eq(err.msg, want);
	exp_node_free(root);

	th_write_str(cfg, "kind: spirals\nnoise: 0.2\n");
	root = exp_yaml_load_file(cfg, cfg, &err);
	cr_assert_eq(exp_plugin_set_options(&p, root, &err), 0, "%s", err.msg);
	/* Every declared option, the given ones and the defaults. */
	cr_assert_eq(p.nopts, 8);
	cr_assert_str_eq(p.opt_names[0], "kind");
	cr_assert_str_eq(p.opt_values[0], "spirals");
	cr_assert_str_eq(p.opt_names[6], "noise");
	cr_assert_str_eq(p.opt_values[6], "0.2");
	cr_assert_str_eq(p.opt_values[1], "5000");
	exp_node_free(root);
	exp_plugin_close(&p, NULL);
}

Test(exp_plugin, nnlab_plugins_lists_every_plugin)
{
	char *out, *err;
	const char *argv[] = { "plugins", NULL };

	setenv("NNLAB_PLUGIN_PATH", NNLAB_BUILD_DIR "/tests/plugins", 1);
	cr_assert_eq(th_nnlab(&out, &err, argv), 1); /* the broken test plugins fail */
	cr_assert(strstr(out, "mnist (ABI 1): MNIST-format idx files"), "%s", out);
	cr_assert(strstr(out, "csv (ABI 1): "), "%s", out);
	cr_assert(strstr(out, "synthetic (ABI 1): "), "%s", out);
	cr_assert(strstr(out, "badlabels (ABI 1): test plugin: a label out of range\n  file: "), "%s", out);
	cr_assert(strstr(out, "    train            string (required)"), "%s", out);
	cr_assert(strstr(out, "    kind             string default blobs "), "%s", out);
	cr_assert(strstr(err, "ds_wrongabi.so' was built for ABI version"), "%s", err);
	cr_assert(strstr(err, "ds_tiny.so' has a descriptor of 8 bytes"), "%s", err);
	free(out);
	free(err);
	unsetenv("NNLAB_PLUGIN_PATH");
	cr_assert_eq(th_nnlab(&out, &err, argv), 0, "%s", err);
	free(out);
	free(err);
}

Test(exp_plugin, returned_data_is_checked)
{
	char *out, *err, dir[4096], cfg[4200];
	const char *argv[] = { "run", cfg, "--plugin", TEST_PLUGINS "/ds_badlabels.so", NULL };

	th_tmpdir(dir, sizeof(dir));
	snprintf(cfg, sizeof(cfg), "%s/c.yaml", dir);
	th_write_str(cfg, "data:\n  plugin: badlabels\nmodel:\n  layers: [2, 2]\n");
	cr_assert_eq(th_nnlab(&out, &err, argv), 1);
	cr_assert(strstr(err, "nnlab: using the plugin file '" TEST_PLUGINS "/ds_badlabels.so' given with --plugin"),
		  "%s", err);
	cr_assert(strstr(err, "nnlab: error: plugin 'badlabels': training example 3 has label 2, outside 0-1\n"),
		  "%s", err);
	free(out);
	free(err);
}
