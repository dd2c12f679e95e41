#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_yaml.h"

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

Test(exp_yaml, node_text_of_any_string_reads_back_unchanged)
{
	/* Newlines, tabs and other control characters must not fold into
	 * spaces on the way through --set (a sweep's grid values go that way). */
	const char *values[] = { "blobs\n", "a\tb", "quote \" and \\ back", "x\x01y", "caf\xc3\xa9 @&_",
				 "line one\nline two\n", "", "with: colon", "#hash", NULL };
	struct nn_err err = { 0, "" };

	for (int i = 0; values[i]; i++) {
		struct exp_node *root = exp_yaml_load_string("a: 1\n", "doc", &err);
		struct exp_node *n = exp_node_get(root, "a");

		cr_assert_not_null(root);
		free(n->value);
		n->value = strdup(values[i]);
		n->plain = 0;
		char *t = exp_node_text(n);
		cr_assert_not_null(t);
		cr_assert_null(strchr(t, '\n'), "'%s' holds a raw newline", t);
		char arg[256];
		snprintf(arg, sizeof(arg), "a=%s", t);
		cr_assert_eq(exp_yaml_set(root, arg, &err), 0, "%s", err.msg);
		cr_assert_str_eq(exp_node_get(root, "a")->value, values[i], "value %d through '%s'", i, t);
		free(t);
		exp_node_free(root);
	}
}

/* A number after a list names its item: set at the end of the path, gone
 * into on the way; an index past the list or not a number is refused
 * with the list's length. */
Test(exp_yaml, set_reaches_into_lists_by_index)
{
	struct nn_err err = { 0, "" };
	struct exp_node *root = exp_yaml_load_string("model:\n  layers: [784, 30, 10]\nd: [{a: 1}, {a: 2}]\n", "doc", &err);

	cr_assert_not_null(root, "%s", err.msg);
	cr_assert_eq(exp_yaml_set(root, "model.layers.1=100", &err), 0, "%s", err.msg);
	char *t = exp_node_text(exp_node_get(exp_node_get(root, "model"), "layers"));
	cr_assert_str_eq(t, "[784, 100, 10]");
	free(t);
	cr_assert_eq(exp_yaml_set(root, "d.1.a=5", &err), 0, "%s", err.msg);
	t = exp_node_text(exp_node_get(root, "d"));
	cr_assert_str_eq(t, "[{a: 1}, {a: 5}]");
	free(t);
	cr_assert_eq(exp_yaml_set(root, "model.layers.3=1", &err), NN_EINVAL);
	cr_assert(strstr(err.msg, "'3' is not an index of a list of 3 (0 to 2)"), "%s", err.msg);
	cr_assert_eq(exp_yaml_set(root, "model.layers.-1=1", &err), NN_EINVAL);
	cr_assert_eq(exp_yaml_set(root, "model.layers.1.x=1", &err), NN_EINVAL);
	cr_assert(strstr(err.msg, "item 1 is not a section or a list"), "%s", err.msg);
	exp_node_free(root);
}
