#include <criterion/criterion.h>
#include <string.h>

#include "nn_layer.h"

static struct nn_spec parse(const char *text, int *named)
{
	struct nn_spec s;
	struct nn_err err = { 0, "" };

	cr_assert_eq(nn_spec_parse(text, NN_TANH, &s, named, &err), 0, "%s: %s", text, err.msg);
	return s;
}

static void expect_error(const char *text, const char *msg)
{
	struct nn_spec s;
	struct nn_err err = { 0, "" };

	cr_assert_eq(nn_spec_parse(text, NN_SIGMOID, &s, NULL, &err), NN_EINVAL, "parsed '%s'", text);
	cr_assert_str_eq(err.msg, msg);
}

Test(nn_layer, specs_parse_as_configs_write_them)
{
	int named;
	struct nn_spec s = parse("conv 20x5x5 relu", &named);
	char buf[64];

	cr_assert_eq(s.kind, NN_CONV);
	cr_assert_eq(s.size, 20);
	cr_assert_eq(s.kernel, 5);
	cr_assert_eq(s.act, NN_RELU);
	cr_assert(named);
	s = parse("conv 40x3", &named);
	cr_assert_eq(s.kernel, 3);
	cr_assert_eq(s.act, NN_TANH, "the default");
	cr_assert_not(named);
	s = parse("pool 2x2", NULL);
	cr_assert_eq(s.kind, NN_POOL);
	cr_assert_eq(s.size, 2);
	s = parse("fc 100", NULL);
	cr_assert_eq(s.kind, NN_FC);
	cr_assert_eq(s.size, 100);
	s = parse("softmax 10", &named);
	cr_assert_eq(s.kind, NN_FC);
	cr_assert_eq(s.act, NN_SOFTMAX);
	cr_assert(named);
	s = parse("30", NULL);
	cr_assert_eq(s.kind, NN_FC);
	cr_assert_eq(s.size, 30);
	s = parse("dropout 0.5", NULL);
	cr_assert_eq(s.kind, NN_DROPOUT);
	cr_assert_float_eq(s.p, 0.5f, 0);
	/* The written form parses back to the same spec. */
	const char *all[] = { "conv 20x5x5 relu", "pool 3", "fc 7 sigmoid", "fc 10 softmax", "dropout 0.25" };
	for (size_t i = 0; i < 5; i++) {
		s = parse(all[i], NULL);
		cr_assert_str_eq(nn_spec_format(&s, buf, sizeof(buf)), all[i]);
	}
}

Test(nn_layer, bad_specs_say_what_is_wrong)
{
	expect_error("conv 20x5x3", "'conv 20x5x3': kernels are square (conv MxKxK)");
	expect_error("conv 20", "'conv 20': expected 'conv MxKxK': M maps of K x K");
	expect_error("fc 0", "'fc 0': expected a count of 1 to 16777216 after 'fc'");
	expect_error("fc 100 swish", "'fc 100 swish': unknown activation 'swish' (expected sigmoid, tanh, relu or softmax)");
	expect_error("fc 100 relu relu", "'fc 100 relu relu': expected one activation after the sizes");
	expect_error("dropout 1", "'dropout 1': a dropout probability is at least 0 and below 1");
	expect_error("pool 2x3", "'pool 2x3': pooling windows are square (pool P or pool PxP)");
	expect_error("lstm 3", "'lstm 3': unknown layer 'lstm'; expected 'fc N [ACT]', 'softmax N', 'conv MxKxK [ACT]', 'pool P' or 'dropout P'");
	expect_error("softmax 10 relu", "'softmax 10 relu': unexpected 'relu' after 'softmax 10'");
	expect_error("12x", "'12x': a layer of units needs a count of 1 to 16777216");
	expect_error("", "'': expected 'fc N [ACT]', 'softmax N', 'conv MxKxK [ACT]', 'pool P' or 'dropout P'");
}

/* Every kind in the registry parses what it formats. */
Test(nn_layer, every_kind_parses_what_it_formats)
{
	const struct nn_spec specs[] = {
		{ .kind = NN_FC, .size = 100, .act = NN_RELU },
		{ .kind = NN_FC, .size = 10, .act = NN_SOFTMAX },
		{ .kind = NN_CONV, .size = 20, .kernel = 5, .act = NN_TANH },
		{ .kind = NN_POOL, .size = 2 },
		{ .kind = NN_DROPOUT, .p = 0.25f },
	};
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct nn_layer_kind *k = nn_layer_kind_of(specs[i].kind);
		struct nn_err err = { 0, "" };
		struct nn_spec back;
		char text[64];
		int named;

		cr_assert_not_null(k, "spec %zu has no kind", i);
		cr_assert_eq(k->kind, specs[i].kind);
		nn_spec_format(&specs[i], text, sizeof(text));
		cr_assert(!strncmp(text, k->name, strlen(k->name)), "%s", text);
		cr_assert_eq(nn_spec_parse(text, NN_SIGMOID, &back, &named, &err), 0, "%s: %s", text, err.msg);
		cr_assert_eq(back.kind, specs[i].kind, "%s", text);
		cr_assert_eq(back.size, specs[i].size, "%s", text);
		cr_assert_eq(back.kernel, specs[i].kernel, "%s", text);
		cr_assert_eq(back.p, specs[i].p, "%s", text);
		if (k->activates) {
			cr_assert_eq(back.act, specs[i].act, "%s", text);
			cr_assert(named, "%s", text);
		}
	}
	cr_assert_null(nn_layer_kind_of((enum nn_kind)99));
}
