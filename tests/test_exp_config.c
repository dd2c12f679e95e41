#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_config.h"
#include "helpers.h"

static char dir[4096], path[4200];

static void setup(void)
{
	th_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/exp.yaml", dir);
}

TestSuite(exp_config, .init = setup);

static const char base[] =
	"name: t\n"
	"data:\n"
	"  plugin: mnist\n"
	"model:\n"
	"  layers: [784, 30, 10]\n"
	"train:\n"
	"  eta: 3.0\n"
	"  batch_size: 10\n";

/* Loads text (with overrides) and expects failure with exactly msg, where
 * "@" in msg stands for the config's path. */
static void expect_error(const char *text, const char *const *sets, size_t nsets,
			 const char *msg)
{
	struct exp_config cfg;
	struct nn_err err = { 0, "" };
	char want[8400] = "";

	th_write_str(path, text);
	for (const char *s = msg; *s; s++) {
		if (*s == '@')
			strcat(want, path);
		else
			strncat(want, s, 1);
	}
	cr_assert_eq(exp_config_load(&cfg, path, sets, nsets, &err), NN_EINVAL, "loaded: %s", text);
	cr_assert_str_eq(err.msg, want);
	exp_config_fini(&cfg);
}

Test(exp_config, defaults_are_the_books_chapter_1)
{
	struct exp_config cfg;
	struct nn_err err = { 0, "" };

	th_write_str(path, "model:\n  layers: [784, 30, 10]\n");
	cr_assert_eq(exp_config_load(&cfg, path, NULL, 0, &err), 0, "%s", err.msg);
	cr_assert_str_eq(cfg.name, "exp");
	cr_assert_str_eq(cfg.data.plugin, "mnist");
	cr_assert_eq(cfg.seed, 1);
	cr_assert_eq(cfg.data.train_size, -1);
	cr_assert_eq(cfg.data.validation_size, 0);
	cr_assert_eq(cfg.data.eval, EXP_SPLIT_TEST);
	cr_assert_eq(cfg.model.nlayers, 3);
	cr_assert_eq(cfg.model.layers[1], 30);
	cr_assert_eq(cfg.train.epochs, 30);
	cr_assert_eq(cfg.train.batch_size, 10);
	cr_assert_float_eq(cfg.train.eta, 3.0, 1e-12);
	cr_assert_eq(cfg.train.cost, NN_QUADRATIC);
	cr_assert_eq(cfg.train.shuffle, 1);
	exp_config_fini(&cfg);
}

Test(exp_config, overrides_replace_and_add_values)
{
	struct exp_config cfg;
	struct nn_err err = { 0, "" };
	const char *sets[] = { "train.eta=0.5", "model.layers=[784, 100, 10]",
			       "data.options.dir=/x/y", "seed=99", "train.shuffle=false" };

	th_write_str(path, base);
	cr_assert_eq(exp_config_load(&cfg, path, sets, 5, &err), 0, "%s", err.msg);
	cr_assert_float_eq(cfg.train.eta, 0.5, 1e-12);
	cr_assert_eq(cfg.model.nlayers, 3);
	cr_assert_eq(cfg.model.layers[1], 100);
	cr_assert_eq(cfg.seed, 99);
	cr_assert_eq(cfg.train.shuffle, 0);
	cr_assert_not_null(cfg.data.options);
	cr_assert_str_eq(exp_node_get(cfg.data.options, "dir")->value, "/x/y");
	exp_config_fini(&cfg);
}

Test(exp_config, unknown_key_names_place_and_suggests)
{
	expect_error("train:\n  epochs: 3\n  lerning_rate: 0.1\n  eta: 1\n", NULL, 0,
		     "@:3:3: unknown key 'lerning_rate' in 'train'");
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  etta: 1\n", NULL, 0,
		     "@:4:3: unknown key 'etta' in 'train' (did you mean 'eta'?)");
	expect_error("modle:\n  layers: [2, 2]\n", NULL, 0,
		     "@:1:1: unknown key 'modle' (did you mean 'model'?)");
}

Test(exp_config, duplicate_key_names_both_places)
{
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  eta: 1\n  epochs: 2\n  eta: 2\n", NULL, 0,
		     "@:6:3: duplicate key 'eta' (first at @:4:3)");
}

Test(exp_config, wrong_types_name_place)
{
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  eta: fast\n", NULL, 0,
		     "@:4:8: 'eta' must be a number, got 'fast'");
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  epochs: [1, 2]\n", NULL, 0,
		     "@:4:11: 'epochs' must be a whole number, got a list");
	expect_error("model:\n  layers: 784\n", NULL, 0,
		     "@:2:11: 'layers' must be a list of 2 to 33 layer sizes, such as [784, 30, 10], or of layers, such as [conv 20x5x5, pool 2, fc 100, softmax 10]");
	expect_error("model:\n  layers: [784, x, 10]\n", NULL, 0,
		     "@:2:17: model.layers[1] 'x': expected 'fc N [ACT]', 'softmax N', 'conv MxKxK [ACT]', 'pool P' or 'dropout P'");
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  shuffle: maybe\n", NULL, 0,
		     "@:4:12: 'shuffle' must be true or false");
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  cost: hinge\n", NULL, 0,
		     "@:4:9: 'cost' is 'hinge', expected 'quadratic', 'cross_entropy' or 'log_likelihood'");
	expect_error("model: [2, 2]\n", NULL, 0, "@:1:8: 'model' must be a section of keys");
	expect_error("- 1\n- 2\n", NULL, 0,
		     "@:1:1: a config must be a section of keys (name, data, model, train)");
}

Test(exp_config, out_of_range_values_name_place)
{
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  batch_size: 0\n", NULL, 0,
		     "@:4:15: 'batch_size' is 0, must be between 1 and 1000000");
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  eta: -1\n", NULL, 0,
		     "@:4:8: 'eta' is -1, must be greater than 0 and at most 1e+06");
	expect_error("model:\n  layers: [784, 0, 10]\n", NULL, 0,
		     "@:2:17: 'layers' is 0, must be between 1 and 16777216");
	expect_error("model:\n  layers: [2, 2]\ndata:\n  eval: validation\n", NULL, 0,
		     "@:4:9: 'eval' is 'validation' but 'validation_size' is 0");
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  epochs: 0\n", NULL, 0,
		     "@:4:11: 'epochs' is 0, which only makes sense with 'model.from' (to score a saved model)");
	expect_error("train:\n  eta: 1\n", NULL, 0,
		     "@:1:1: 'model.layers' is required (or 'model.from', a saved model)");
}

Test(exp_config, yaml_syntax_errors_name_place)
{
	expect_error("model:\n  layers: [2, 2\ntrain:\n", NULL, 0,
		     "@:3:6: did not find expected ',' or ']' while parsing a flow sequence");
	expect_error("a: &x 1\nb: *x\n", NULL, 0, "@:2:4: aliases (*name) are not supported");
	expect_error("model:\n  layers: [2, 2]\n---\nname: b\n", NULL, 0,
		     "@:3:1: more than one YAML document");
}

Test(exp_config, overrides_are_validated_like_the_file)
{
	const char *bad_eta[] = { "train.eta=abc" };
	const char *unknown[] = { "train.lerning=1" };
	const char *no_eq[] = { "train.eta" };
	const char *not_section[] = { "seed.x=1" };
	const char *bad_yaml[] = { "model.layers=[1, 2" };

	expect_error(base, bad_eta, 1, "--set 'train.eta=abc': 'eta' must be a number, got 'abc'");
	expect_error(base, unknown, 1, "--set 'train.lerning=1': unknown key 'lerning' in 'train'");
	expect_error(base, no_eq, 1, "--set 'train.eta': expected KEY=VALUE");
	expect_error("seed: 3\nmodel:\n  layers: [2, 2]\n", not_section, 1,
		     "--set 'seed.x=1': 'seed' is not a section");
	expect_error(base, bad_yaml, 1,
		     "--set 'model.layers=[1, 2': bad value: did not find expected ',' or ']' while parsing a flow sequence");
}

Test(exp_config, missing_file_is_reported)
{
	struct exp_config cfg;
	struct nn_err err = { 0, "" };
	char want[8400];

	snprintf(want, sizeof(want), "cannot open '%s/none.yaml': No such file or directory", dir);
	snprintf(path, sizeof(path), "%s/none.yaml", dir);
	cr_assert_eq(exp_config_load(&cfg, path, NULL, 0, &err), NN_EIO);
	cr_assert_str_eq(err.msg, want);
	exp_config_fini(&cfg);
}

Test(exp_config, resolved_config_loads_back_the_same)
{
	struct exp_config a, b;
	struct nn_err err = { 0, "" };
	char out[4300];
	const char *names[] = { "dir" }, *values[] = { "d \"q\"" };
	FILE *f;

	th_write_str(path, base);
	cr_assert_eq(exp_config_load(&a, path, NULL, 0, &err), 0, "%s", err.msg);
	snprintf(out, sizeof(out), "%s/resolved.yaml", dir);
	f = fopen(out, "w");
	exp_config_write(&a, f, names, values, 1);
	fclose(f);
	cr_assert_eq(exp_config_load(&b, out, NULL, 0, &err), 0, "%s", err.msg);
	cr_assert_str_eq(b.name, "t");
	cr_assert_eq(b.model.nlayers, 3);
	cr_assert_eq(b.model.layers[2], 10);
	cr_assert_float_eq(b.train.eta, 3.0, 1e-12);
	cr_assert_str_eq(exp_node_get(b.data.options, "dir")->value, "d \"q\"");
	exp_config_fini(&a);
	exp_config_fini(&b);
}

Test(exp_config, values_that_single_precision_loses_are_refused)
{
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  eta: 1e-320\n", NULL, 0,
		     "@:4:8: 'eta' is 1e-320, too small for single precision (nonzero values must be at least 1.17549e-38)");
	expect_error("model:\n  layers: [2, 2]\ntrain:\n  l2: 1e-40\n", NULL, 0,
		     "@:4:7: 'l2' is 1e-40, too small for single precision (nonzero values must be at least 1.17549e-38)");
	expect_error("model:\n  layers: [2, 2]\nseed: 1e300\n", NULL, 0,
		     "@:3:7: 'seed' must be a whole number, got '1e300'");
	expect_error("model:\n  layers: [2, 2]\nseed: 18446744073709551616\n", NULL, 0,
		     "@:3:7: 'seed' must be a whole number, got '18446744073709551616'");
}

Test(exp_config, many_keys_are_checked_for_duplicates_in_linear_time, .timeout = 20)
{
	/* 200,000 keys once took over 100 s (a quadratic search). */
	enum { KEYS = 200000 };
	size_t cap = (size_t)KEYS * 24 + 256, len = 0;
	char *text = malloc(cap);
	struct exp_config cfg;
	struct nn_err err = { 0, "" };

	len += (size_t)snprintf(text + len, cap - len, "model:\n  layers: [2, 2]\ndata:\n  options:\n");
	for (int i = 0; i < KEYS; i++)
		len += (size_t)snprintf(text + len, cap - len, "    k%d: %d\n", i, i);
	len += (size_t)snprintf(text + len, cap - len, "    k123456: again\n");
	th_write_str(path, text);
	free(text);
	cr_assert_eq(exp_config_load(&cfg, path, NULL, 0, &err), NN_EINVAL);
	char want[8800];
	snprintf(want, sizeof(want), "%s:%d:5: duplicate key 'k123456' (first at %s:%d:5)", path, KEYS + 5, path,
		 123456 + 5);
	cr_assert_str_eq(err.msg, want);
	exp_config_fini(&cfg);
}

Test(exp_config, oversized_endless_and_directory_configs_are_refused)
{
	struct exp_config cfg;
	struct nn_err err = { 0, "" };
	char want[8400];
	size_t big = 5u << 20;
	char *text = malloc(big + 1);

	memset(text, '#', big);
	text[big] = '\0';
	th_write_str(path, text);
	free(text);
	cr_assert_eq(exp_config_load(&cfg, path, NULL, 0, &err), NN_EINVAL);
	snprintf(want, sizeof(want), "'%s' is larger than 4194304 bytes, the most a config may hold", path);
	cr_assert_str_eq(err.msg, want);
	exp_config_fini(&cfg);

	/* An endless file ends in an error, not in a hang. */
	cr_assert_eq(exp_config_load(&cfg, "/dev/zero", NULL, 0, &err), NN_EINVAL);
	cr_assert_str_eq(err.msg, "/dev/zero: control characters are not allowed at byte 0");
	exp_config_fini(&cfg);

	/* A compressed config says what it is. */
	char gz[4200];
	snprintf(gz, sizeof(gz), "%s/c.yaml.gz", dir);
	th_write_maybe_gz(gz, "name: x\n", 8, 1);
	cr_assert_neq(exp_config_load(&cfg, gz, NULL, 0, &err), 0);
	snprintf(want, sizeof(want), "'%s' is a gzip file, not a YAML config", gz);
	cr_assert_str_eq(err.msg, want);
	exp_config_fini(&cfg);

	cr_assert_eq(exp_config_load(&cfg, dir, NULL, 0, &err), NN_EIO);
	snprintf(want, sizeof(want), "'%s' is a directory, not a config file", dir);
	cr_assert_str_eq(err.msg, want);
	exp_config_fini(&cfg);
}

Test(exp_config, layer_items_resolve_activations_and_input)
{
	struct exp_config cfg;
	struct nn_err err = { 0, "" };
	struct nn_spec specs[NN_MAX_LAYERS];
	size_t map[NN_MAX_LAYERS];

	th_write_str(path, "model:\n  layers: [input 1x28x28, conv 20x5x5, pool 2, fc 100 relu, softmax 10]\n"
			   "  activation: tanh\n  dropout: 0.5\n");
	cr_assert_eq(exp_config_load(&cfg, path, NULL, 0, &err), 0, "%s", err.msg);
	cr_assert_not(cfg.model.dense);
	cr_assert_eq(cfg.model.nitems, 4);
	cr_assert_eq(cfg.model.input.h, 28);
	cr_assert_eq(cfg.model.input.c, 1);
	cr_assert_eq(cfg.model.items[0].act, NN_TANH, "model.activation is the default");
	cr_assert_eq(cfg.model.items[2].act, NN_RELU);
	cr_assert_eq(cfg.model.items[3].act, NN_SOFTMAX);
	/* model.dropout follows each hidden fc layer. */
	size_t n = exp_config_specs(&cfg, specs, map, &err);
	cr_assert_eq(n, 5);
	cr_assert_eq(specs[3].kind, NN_DROPOUT);
	cr_assert_eq(map[3], 3);
	cr_assert_eq(map[4], 4);
	exp_config_fini(&cfg);

	/* A whole list by --set, without an input: the plugin gives it. */
	const char *sets[] = { "model.layers=[conv 4x3x3 relu, pool 2, fc 10 softmax]" };
	th_write_str(path, base);
	cr_assert_eq(exp_config_load(&cfg, path, sets, 1, &err), 0, "%s", err.msg);
	cr_assert_eq(cfg.model.nitems, 3);
	cr_assert_eq(nn_shape_size(cfg.model.input), 0);
	char *text;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	exp_config_write(&cfg, f, NULL, NULL, 0);
	fclose(f);
	cr_assert(strstr(text, "  layers: [conv 4x3x3 relu, pool 2, fc 10 softmax]\n"), "%s", text);
	free(text);
	exp_config_fini(&cfg);
}

Test(exp_config, bad_layer_items_name_the_place)
{
	expect_error("model:\n  layers: [conv 20x5x5, pool 2x3, 10]\n", NULL, 0,
		     "@:2:25: model.layers[1] 'pool 2x3': pooling windows are square (pool P or pool PxP)");
	expect_error("model:\n  layers:\n    - conv 20x5x5\n    - fc 10\n    - pool 2\n", NULL, 0,
		     "@:5:7: model.layers[2] 'pool 2': the output layer must be 'fc N' or 'softmax N'");
	expect_error("model:\n  layers: [softmax 10, fc 10]\n", NULL, 0,
		     "@:2:12: model.layers[0] 'softmax 10': softmax belongs to the output layer only");
	expect_error("model:\n  layers: [input 28x, fc 10]\n", NULL, 0,
		     "@:2:12: 'layers' item 'input 28x': expected 'input CxHxW' (channels, height, width), 'input HxW' or a size");
	/* Shapes whose product wraps modulo 2^64 (2^64 itself, and a product
	 * that wrapped to a small number) were dropped or crashed. */
	expect_error("model:\n  layers: [input 16777216x16777216x65536, fc 10]\n", NULL, 0,
		     "@:2:12: 'layers' item 'input 16777216x16777216x65536': an input of 1 to 16777216 values (channels x height x width)");
	expect_error("model:\n  layers: [input 1575593x13512196x15596324, fc 10]\n", NULL, 0,
		     "@:2:12: 'layers' item 'input 1575593x13512196x15596324': an input of 1 to 16777216 values (channels x height x width)");
	expect_error("model:\n  layers: [input 4097x4096, fc 10]\n", NULL, 0,
		     "@:2:12: 'layers' item 'input 4097x4096': an input of 1 to 16777216 values (channels x height x width)");
	expect_error("model:\n  layers: [input 2x0x3, fc 10]\n", NULL, 0,
		     "@:2:12: 'layers' item 'input 2x0x3': an input of 1 to 16777216 values (channels x height x width)");
	expect_error("model:\n  layers: [conv 20x5x5, [pool, 2], 10]\n", NULL, 0,
		     "@:2:25: 'layers' item 1: expected a layer such as 'conv 20x5x5 relu', 'pool 2', 'fc 100' or 'softmax 10'");
}

/* The most layers a net may have, said the same way whatever the count
 * and form (33 items once said "at most 32", 34 "a list of 2 to 33"). */
Test(exp_config, too_many_layers_are_counted_in_one_way)
{
	for (size_t k = 33; k <= 34; k++) {
		char text[1024], items[900] = "", sizes[900] = "784", msg[200];

		for (size_t i = 0; i < k; i++) {
			strcat(items, i ? ", fc 10" : "fc 10");
			strcat(sizes, ", 10");
		}
		snprintf(text, sizeof(text), "model:\n  layers: [%s]\n", items);
		snprintf(msg, sizeof(msg), "@:2:11: 'layers' has %zu layers, at most 32", k);
		expect_error(text, NULL, 0, msg);
		snprintf(text, sizeof(text), "model:\n  layers: [input 784, %s]\n", items);
		snprintf(msg, sizeof(msg), "@:2:11: 'layers' has %zu layers after the input, at most 32", k);
		expect_error(text, NULL, 0, msg);
		snprintf(text, sizeof(text), "model:\n  layers: [%s]\n", sizes);
		snprintf(msg, sizeof(msg), "@:2:11: 'layers' has %zu sizes: an input and %zu layers, at most 32", k + 1, k);
		expect_error(text, NULL, 0, msg);
	}
}

/* A key in the wrong section, or under another tool's name, is pointed
 * to its place. */
Test(exp_config, keys_elsewhere_or_by_other_names_are_pointed_to)
{
	expect_error("eta: 0.5\n", NULL, 0, "@:1:1: unknown key 'eta' (did you mean 'train.eta'?)");
	expect_error("train:\n  learning_rate: 0.5\n", NULL, 0,
		     "@:2:3: unknown key 'learning_rate' in 'train' (did you mean 'train.eta'?)");
	expect_error("data:\n  epochs: 3\n", NULL, 0, "@:2:3: unknown key 'epochs' in 'data' (did you mean 'train.epochs'?)");
	expect_error("lr: 0.1\n", NULL, 0, "@:1:1: unknown key 'lr' (did you mean 'train.eta'?)");
	/* A near name in the same section still wins over nothing. */
	expect_error("train:\n  etaa: 0.5\n", NULL, 0, "@:2:3: unknown key 'etaa' in 'train' (did you mean 'eta'?)");
}

/* A config's mistakes are said at once, each at its place, in the order
 * they are found; a key taken out for an earlier mistake is not blamed
 * again (a required key it leaves missing is not a new mistake). */
Test(exp_config, every_mistake_is_said_at_once)
{
	expect_error("name: t\nmodel:\n  layers: [784, 30, 10]\n  activation: sigmod\n"
		     "train:\n  eta: fast\n  epocs: 3\n  batch_size: 0\n",
		     NULL, 0,
		     "@:4:15: 'activation' is 'sigmod', expected 'sigmoid', 'tanh' or 'relu'\n"
		     "nnlab: error: @:7:3: unknown key 'epocs' in 'train' (did you mean 'epochs'?)\n"
		     "nnlab: error: @:8:15: 'batch_size' is 0, must be between 1 and 1000000\n"
		     "nnlab: error: @:6:8: 'eta' must be a number, got 'fast'");
	/* One mistake: one line. */
	expect_error("model:\n  layers: [784, 30, 10]\ntrain:\n  eta: fast\n", NULL, 0,
		     "@:4:8: 'eta' must be a number, got 'fast'");
}
