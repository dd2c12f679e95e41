#include <criterion/criterion.h>
#include <stdlib.h>

#include "exp_yaml.h"

Test(exp_yaml, flatten_and_differences)
{
	struct nn_err err = { 0, "" };
	const char *docs[] = {
		"name: a\ntrain:\n  eta: 0.5\n  cost: quadratic\nmodel:\n  layers: [784, 30, 10]\ndata:\n  options: {dir: 'a b'}\n",
		"name: b\ntrain:\n  eta: 3\n  cost: quadratic\nmodel:\n  layers: [784, 100, 10]\ndata:\n  options: {dir: 'a b'}\n",
	};
	char *flats[2], keys[4][256], v[64];

	for (int i = 0; i < 2; i++) {
		struct exp_node *n = exp_yaml_load_string(docs[i], "doc", &err);

		cr_assert_not_null(n, "%s", err.msg);
		flats[i] = exp_node_flatten(n);
		exp_node_free(n);
	}
	cr_assert_str_eq(flats[0], "name=a\ntrain.eta=0.5\ntrain.cost=quadratic\n"
				   "model.layers=[784, 30, 10]\ndata.options.dir=\"a b\"\n");
	cr_assert_str_eq(exp_flat_get(flats[1], "model.layers", v, sizeof(v)), "[784, 100, 10]");
	cr_assert_str_eq(exp_flat_get(flats[1], "train.l2", v, sizeof(v)), "");
	/* name differs too, but names a run, not a setting. */
	cr_assert_eq(exp_flat_differing(flats, 2, keys, 4), 2);
	cr_assert_str_eq(keys[0], "train.eta");
	cr_assert_str_eq(keys[1], "model.layers");
	free(flats[0]);
	free(flats[1]);
}

Test(exp_yaml, node_text_reads_back_through_set)
{
	struct nn_err err = { 0, "" };
	struct exp_node *n = exp_yaml_load_string("a: {kind: \"x, y\", n: [1, 2]}\n", "doc", &err);
	char *t = exp_node_text(exp_node_get(n, "a"));

	cr_assert_str_eq(t, "{kind: \"x, y\", n: [1, 2]}");
	struct exp_node *back = exp_yaml_load_string(t, "t", &err);
	cr_assert_not_null(back, "%s", err.msg);
	cr_assert_str_eq(exp_node_get(back, "kind")->value, "x, y");
	exp_node_free(back);
	exp_node_free(n);
	free(t);
}
