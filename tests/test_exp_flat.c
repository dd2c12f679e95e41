#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_flat.h"

static char *flat_of(const char *doc)
{
	struct nn_err err = { 0, "" };
	struct exp_node *n = exp_yaml_load_string(doc, "doc", &err);
	char *flat;

	cr_assert_not_null(n, "%s", err.msg);
	flat = exp_flat_node(n);
	exp_node_free(n);
	cr_assert_not_null(flat);
	return flat;
}

Test(exp_flat, flatten_and_differences)
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
		flats[i] = exp_flat_node(n);
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

/* A key that only later runs have differs too (absent against present),
 * in order of first appearance, each once; a run without a config has no
 * keys. */
Test(exp_flat, keys_missing_from_the_first_run)
{
	char *flats[4] = {
		flat_of("name: a\ntrain: {eta: 0.5}\n"),
		flat_of("name: b\ntrain: {eta: 0.5, l2: 5}\nmodel: {from: m.json}\n"),
		flat_of("name: c\ntrain: {eta: 0.5, l2: 5}\n"),
		NULL,
	};
	char keys[4][256];

	cr_assert_eq(exp_flat_differing(flats, 3, keys, 4), 2);
	cr_assert_str_eq(keys[0], "train.l2");
	cr_assert_str_eq(keys[1], "model.from");
	/* The same value everywhere is no difference. */
	cr_assert_eq(exp_flat_differing(flats + 1, 1, keys, 4), 0);
	/* Without a config, every key of the others is a difference. */
	cr_assert_eq(exp_flat_differing(flats + 2, 2, keys, 4), 2);
	cr_assert_str_eq(keys[0], "train.eta");
	cr_assert_str_eq(keys[1], "train.l2");
	for (int i = 0; i < 3; i++)
		free(flats[i]);
}

/* Values are compared whole, however long (two architectures that differ
 * only in their last layer), though exp_flat_get cuts what it shows. */
Test(exp_flat, long_values_compared_whole)
{
	char doc[2][4096], *flats[2], keys[2][256], v[16];
	size_t len;

	for (int d = 0; d < 2; d++) {
		len = (size_t)snprintf(doc[d], sizeof(doc[d]), "model:\n  layers: [");
		for (int i = 0; i < 300; i++)
			len += (size_t)snprintf(doc[d] + len, sizeof(doc[d]) - len, "fc 100 relu, ");
		snprintf(doc[d] + len, sizeof(doc[d]) - len, "softmax %d]\n", d ? 10 : 12);
		flats[d] = flat_of(doc[d]);
	}
	cr_assert_gt(strlen(flats[0]), 3000);
	cr_assert_eq(exp_flat_differing(flats, 2, keys, 2), 1);
	cr_assert_str_eq(keys[0], "model.layers");
	cr_assert_str_eq(exp_flat_get(flats[0], "model.layers", v, sizeof(v)), "[fc 100 relu, f");
	cr_assert_str_eq(exp_flat_get(NULL, "model.layers", v, sizeof(v)), "");
	free(flats[0]);
	free(flats[1]);
}
