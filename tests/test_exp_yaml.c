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
