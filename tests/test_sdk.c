/* The plugin SDK as a user meets it: make install into a prefix, build the
 * example plugin outside the tree against the installed header only, and
 * run an experiment with it through the installed nnlab. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#ifdef NNLAB_SANITIZE
#define MAKE_VARIANT "SANITIZE=" NNLAB_SANITIZE
#else
#define MAKE_VARIANT ""
#endif

Test(sdk, install_build_the_example_and_run_it, .timeout = 300)
{
	char dir[4096], prefix[4200], work[4200], cfg[4300], out[4300], f[64];
	char *csv, *text;

	th_tmpdir(dir, sizeof(dir));
	snprintf(prefix, sizeof(prefix), "%s/prefix", dir);
	snprintf(work, sizeof(work), "%s/work", dir);
	char cmd[16384];

	/* The outer make's MAKEFLAGS would leak its variables into this one. */
	snprintf(cmd, sizeof(cmd),
		 "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C '%s' install %s PREFIX='%s' > '%s/install.log' 2>&1",
		 NNLAB_SOURCE_DIR, MAKE_VARIANT, prefix, dir);
	cr_assert_eq(system(cmd), 0, "make install failed: see %s/install.log", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s'/share/nnlab/example-plugin/* '%s'",
		 work, prefix, work);
	cr_assert_eq(system(cmd), 0);
	/* Build it with the installed pkg-config file: no -I into the source tree. */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && PKG_CONFIG_PATH='%s/lib/pkgconfig' make -s > build.log 2>&1", work, prefix);
	cr_assert_eq(system(cmd), 0, "building the example failed: see %s/build.log", work);
	text = th_read(strcat(strcpy(out, work), "/build.log"), NULL);
	cr_assert_not_null(text);
	free(text);

	snprintf(cfg, sizeof(cfg), "%s/rings.yaml", dir);
	th_write_str(cfg, "data:\n  plugin: rings\n  options:\n    classes: 3\n"
		     "model:\n  layers: [2, 32, 3]\n  activation: relu\n  output: softmax\n  init: scaled\n"
		     "train:\n  epochs: 20\n  eta: 0.1\n  cost: log_likelihood\n");
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && NNLAB_PLUGIN_PATH='%s' '%s/bin/nnlab' run rings.yaml --out run --quiet > run.log 2>&1",
		 dir, work, prefix);
	cr_assert_eq(system(cmd), 0, "the run failed: see %s/run.log", dir);
	snprintf(out, sizeof(out), "%s/run/metrics.csv", dir);
	csv = th_read(out, NULL);
	cr_assert_not_null(csv);
	size_t correct = strtoul(th_csv(csv, 19, "eval_correct", f, sizeof(f)), NULL, 10);
	cr_assert_geq(correct, 450, "%zu / 500", correct);
	free(csv);

	/* The installed nnlab finds its manual. */
	snprintf(cmd, sizeof(cmd), "'%s/bin/nnlab' help sweeps > '%s/help.txt' 2>&1", prefix, dir);
	cr_assert_eq(system(cmd), 0, "nnlab help sweeps failed: see %s/help.txt", dir);
	snprintf(out, sizeof(out), "%s/help.txt", dir);
	text = th_read(out, NULL);
	cr_assert(text && !strncmp(text, "# Sweeps\n", 9), "%s", text ? text : "");
	free(text);
	/* The installed nnlab finds its own plugins and the example. */
	snprintf(cmd, sizeof(cmd), "NNLAB_PLUGIN_PATH='%s' '%s/bin/nnlab' plugins > '%s/plugins.txt'",
		 work, prefix, dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(out, sizeof(out), "%s/plugins.txt", dir);
	text = th_read(out, NULL);
	cr_assert(strstr(text, "rings (ABI 1): points on concentric rings"), "%s", text);
	cr_assert(strstr(text, "/bin/../lib/nnlab/plugins/ds_mnist.so"), "%s", text);
	free(text);
}
