#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn_json.h"
#include "helpers.h"
#include "nn_model.h"

/* A [3, 2, 2] model as network2.py's save() writes it. */
static const char book_json[] =
	"{\"sizes\": [3, 2, 2], "
	"\"weights\": [[[0.5, -1.0, 0.25], [1.5, 0.0, -0.5]], [[1.0, -2.0], [-1.0, 0.5]]], "
	"\"biases\": [[[0.1], [-0.2]], [[0.3], [0.0]]], "
	"\"cost\": \"CrossEntropyCost\"}";

static double sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

Test(nn_model_io, book_model_loads_and_computes)
{
	struct nn_err err = { 0, "" };
	struct nn_model *m = nn_model_read_json(book_json, strlen(book_json), "book.json", 1, 1e9, &err);
	const float x[3] = { 1.0f, 0.5f, 2.0f };

	cr_assert_not_null(m, "%s", err.msg);
	cr_assert_eq(m->nlayers, 2);
	cr_assert_eq(nn_model_inputs(m), 3);
	cr_assert_eq(nn_model_outputs(m), 2);
	cr_assert_eq(m->cost, NN_CROSS_ENTROPY);
	memcpy(nn_model_input(m), x, sizeof(x));
	const float *a = nn_model_forward(m, 1);
	double h0 = sigmoid(0.5 * 1 - 1.0 * 0.5 + 0.25 * 2 + 0.1);
	double h1 = sigmoid(1.5 * 1 + 0.0 * 0.5 - 0.5 * 2 - 0.2);
	cr_assert_float_eq(a[0], sigmoid(1.0 * h0 - 2.0 * h1 + 0.3), 1e-6);
	cr_assert_float_eq(a[1], sigmoid(-1.0 * h0 + 0.5 * h1 + 0.0), 1e-6);
	nn_model_destroy(m);
}

Test(nn_model_io, written_model_reads_back_identically)
{
	const size_t sizes[] = { 7, 5, 3 };
	struct nn_rng rng;
	struct nn_model *m = nn_model_create_dense(sizes, 3, 1, NULL), *back;
	struct nn_err err = { 0, "" };
	char *text, *again;
	size_t len, len2;
	FILE *f;

	nn_rng_init(&rng, 8);
	nn_model_init_scaled(m, &rng);
	m->cost = NN_CROSS_ENTROPY;
	nn_model_set_acts(m, NN_RELU, NN_SOFTMAX);
	f = open_memstream(&text, &len);
	cr_assert_eq(nn_model_write_json(m, f, "mem", &err), 0);
	fclose(f);
	/* relu units and a softmax: no net network2.py computes. */
	cr_assert_eq(strncmp(text, "{\"format\": \"nnlab-layers-1\", \"input\": [7, 1, 1], \"layers\": [\"fc 5 relu\", \"fc 3 softmax\"], \"weights\": [[[", 103), 0, "%s", text);
	cr_assert(strstr(text, "], \"cost\": \"CrossEntropyCost\"}\n"), "%s", text);
	back = nn_model_read_json(text, len, "mem", 1, 1e9, &err);
	cr_assert_not_null(back, "%s", err.msg);
	cr_assert_eq(back->nparams, m->nparams);
	cr_assert_eq(memcmp(back->params, m->params, m->nparams * sizeof(float)), 0);
	cr_assert_eq(back->cost, NN_CROSS_ENTROPY);
	cr_assert_eq(back->layers[0].spec.act, NN_RELU);
	cr_assert_eq(back->layers[1].spec.act, NN_SOFTMAX);
	cr_assert(back->acts_recorded);
	f = open_memstream(&again, &len2);
	nn_model_write_json(back, f, "mem", &err);
	fclose(f);
	cr_assert_str_eq(again, text);
	free(text);
	free(again);
	nn_model_destroy(m);
	nn_model_destroy(back);
}

static void expect_error(const char *json, const char *msg)
{
	struct nn_err err = { 0, "" };
	struct nn_model *m = nn_model_read_json(json, strlen(json), "m.json", 1, 1e9, &err);

	cr_assert_null(m, "loaded: %s", json);
	cr_assert_str_eq(err.msg, msg);
}

Test(nn_model_io, malformed_models_name_the_place)
{
	expect_error("{\"sizes\": [2, 1], \"weights\": [[[1, 2]]], \"biases\": [[[0]]]",
		     "m.json:1:59: expected ',' or '}'");
	expect_error("{\"sizes\": [2, 1],\n \"weights\": [[[1, 2, 3]]], \"biases\": [[[0]]]}",
		     "m.json:2:15: weights[0][0]: expected 2 items, got 3");
	expect_error("{\"sizes\": [2, 1], \"weights\": [[[1, \"x\"]]], \"biases\": [[[0]]]}",
		     "m.json:1:36: expected a number");
	expect_error("{\"sizes\": [2, 0], \"weights\": [], \"biases\": []}",
		     "m.json:1:11: sizes[1]: expected a positive integer");
	expect_error("{\"weights\": []}", "m.json:1:1: missing key \"sizes\" (network2.py's format) or \"layers\" (nnlab's)");
	expect_error("{\"sizes\": [2, 1], \"weights\": [[[1, 2]]], \"biases\": [[[0]]], \"cost\": \"Hinge\"}",
		     "m.json:1:69: unknown cost (expected \"QuadraticCost\", \"CrossEntropyCost\" or \"LogLikelihoodCost\")");
	expect_error("[1e999]", "m.json:1:1: expected an object with \"sizes\", \"weights\", \"biases\"");
	expect_error("{\"sizes\": [2, 1], \"weights\": [[[1, 2]]], \"biases\": [[[0]]], \"activation\": \"softmax\"}",
		     "m.json:1:75: unknown hidden activation (expected \"sigmoid\", \"tanh\" or \"relu\")");
	expect_error("{\"sizes\": [2, 1], \"weights\": [[[1, 2]]], \"biases\": [[[0]]], \"output\": \"relu\"}",
		     "m.json:1:71: unknown output (expected \"sigmoid\" or \"softmax\")");
	expect_error("", "m.json:1:1: unexpected end of file");
	expect_error("\xef\xbb\xbf{\"sizes\": [2, 1]}",
		     "m.json:1:1: a UTF-8 byte order mark, which JSON does not allow: save the file without it");
	expect_error("{\"sizes\": [2, 1], \"weights\": [[[1, 0.0000000000000000000000000000000000000000000000000000000000000000001]]]}",
		     "m.json:1:1: missing key \"biases\"");
	expect_error("{\"sizes\": [2, 1], \"weights\": [[[1, 1e39]]], \"biases\": [[[0]]]}",
		     "m.json:1:32: item 1 of this array: number out of range for float");
	expect_error("{\"sizes\": [2, 1], \"weights\": [[[1, 2]]], \"biases\": [[[-1e39]]]}",
		     "m.json:1:54: item 0 of this array: number out of range for float");
	char longnum[700];
	snprintf(longnum, sizeof(longnum), "[1, 0.%0520d1]", 0);
	expect_error(longnum, "m.json:1:5: a number longer than 511 characters");
}

Test(nn_model_io, writer_refuses_nan_and_infinity)
{
	const size_t sizes[] = { 3, 2, 2 };
	struct nn_model *m = nn_model_create_dense(sizes, 3, 1, NULL);
	struct nn_err err = { 0, "" };
	char *buf = NULL, what[96];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(nn_model_nonfinite(m, what, sizeof(what)), 0);
	nn_model_weighted(m, 1)->w[1 * 2 + 0] = NAN;
	cr_assert_eq(nn_model_write_json(m, f, "m.json", &err), NN_EFORMAT);
	cr_assert_str_eq(err.msg, "refusing to write 'm.json': weights[1][1][0] is nan");
	nn_model_weighted(m, 1)->w[2] = 0;
	nn_model_weighted(m, 0)->b[1] = -INFINITY;
	cr_assert_eq(nn_model_write_json(m, f, "m.json", &err), NN_EFORMAT);
	cr_assert_str_eq(err.msg, "refusing to write 'm.json': biases[0][1] is -inf");
	fclose(f);
	cr_assert_eq(len, 0, "nothing written: %s", buf);
	free(buf);
	nn_model_destroy(m);
}

Test(nn_model_io, nul_byte_in_place_of_a_number_is_an_error)
{
	char text[sizeof(book_json)];
	struct nn_err err = { 0, "" };
	const char *p = strstr(book_json, "0.25");

	memcpy(text, book_json, sizeof(book_json));
	text[p - book_json] = '\0';
	text[p - book_json + 1] = '\0';
	text[p - book_json + 2] = '\0';
	text[p - book_json + 3] = '\0';
	cr_assert_null(nn_model_read_json(text, sizeof(book_json) - 1, "nul.json", 1, 1e9, &err));
	cr_assert_str_eq(err.msg, "nul.json:1:47: a NUL byte where a value belongs");
}

/* 2 channels of 5 x 4: conv 3x2x2 relu (4x3x3), pool 2 (2x1x3: a row
 * dropped), fc 4 softmax on 6 inputs. */
static const struct nn_spec conv_specs[] = {
	{ .kind = NN_CONV, .size = 3, .kernel = 2, .act = NN_RELU },
	{ .kind = NN_POOL, .size = 2 },
	{ .kind = NN_FC, .size = 4, .act = NN_SOFTMAX },
};

static char *write_text(const struct nn_model *m)
{
	struct nn_err err = { 0, "" };
	char *text;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	cr_assert_eq(nn_model_write_json(m, f, "mem", &err), 0, "%s", err.msg);
	fclose(f);
	return text;
}

Test(nn_model_io, conv_model_round_trips_in_the_books_tensor_order)
{
	struct nn_err err = { 0, "" };
	struct nn_model *m = nn_model_create(conv_specs, 3, (struct nn_shape){ 5, 4, 2 }, 2, &err), *back;
	struct nn_json *root;
	char *text, *again;

	cr_assert_not_null(m, "%s", err.msg);
	for (size_t i = 0; i < m->nparams; i++)
		m->params[i] = (float)i;
	m->cost = NN_LOG_LIKELIHOOD;
	text = write_text(m);
	cr_assert_eq(strncmp(text, "{\"format\": \"nnlab-layers-1\", \"input\": [2, 5, 4], "
			     "\"layers\": [\"conv 3x2x2 relu\", \"pool 2\", \"fc 4 softmax\"], \"weights\": [", 118), 0, "%s", text);
	cr_assert_null(strstr(text, "\"sizes\""), "network2.py must refuse it, not misread it");
	root = nn_json_parse(text, strlen(text), "mem", &err);
	cr_assert_not_null(root, "%s", err.msg);
	const struct nn_json *w = nn_json_get(root, "weights"), *b = nn_json_get(root, "biases");
	/* weights[0][m][c][ky][kx] is the model's w[((m * K + ky) * K + kx) * C + c]. */
	for (size_t mm = 0; mm < 3; mm++)
		for (size_t c = 0; c < 2; c++)
			for (size_t ky = 0; ky < 2; ky++)
				for (size_t kx = 0; kx < 2; kx++)
					cr_assert_eq(w->items[0].items[mm].items[c].items[ky].numbers[kx],
						     (double)(((mm * 2 + ky) * 2 + kx) * 2 + c));
	/* weights[1][j][(c * H + y) * W + x] is the model's w[j * 6 + (y * W + x) * C + c]
	 * for the pooled 2 x 1 x 3 (H 2, W 1, C 3). */
	size_t fc = 3 * 8 + 3;
	for (size_t j = 0; j < 4; j++)
		for (size_t c = 0; c < 3; c++)
			for (size_t y = 0; y < 2; y++)
				cr_assert_eq(w->items[1].items[j].numbers[c * 2 + y], (double)(fc + j * 6 + y * 3 + c));
	cr_assert_eq(b->items[0].count, 3);
	cr_assert_eq(b->items[0].numbers[2], 3 * 8 + 2);
	nn_json_free(root);

	back = nn_model_read_json(text, strlen(text), "mem", 2, 1e9, &err);
	cr_assert_not_null(back, "%s", err.msg);
	cr_assert_eq(back->nparams, m->nparams);
	cr_assert_eq(memcmp(back->params, m->params, m->nparams * sizeof(float)), 0);
	cr_assert_eq(back->cost, NN_LOG_LIKELIHOOD);
	cr_assert_eq(back->layers[0].spec.act, NN_RELU);
	cr_assert_eq(nn_shape_size(back->input), 40);
	again = write_text(back);
	cr_assert_str_eq(again, text);
	free(again);
	free(text);
	nn_model_destroy(back);
	nn_model_destroy(m);
}

Test(nn_model_io, a_dense_net_stays_in_network2s_format)
{
	/* fc sigmoid layers with dropout between them are what network2.py
	 * computes (inverted dropout leaves inference unchanged). */
	const struct nn_spec specs[] = {
		{ .kind = NN_FC, .size = 3, .act = NN_SIGMOID },
		{ .kind = NN_DROPOUT, .p = 0.5f },
		{ .kind = NN_FC, .size = 2, .act = NN_SIGMOID },
	};
	struct nn_model *m = nn_model_create(specs, 3, (struct nn_shape){ 1, 1, 4 }, 1, NULL);
	char *text = write_text(m);

	cr_assert_eq(strncmp(text, "{\"sizes\": [4, 3, 2], \"weights\": [[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], [[0, 0, 0], [0, 0, 0]]], "
			     "\"biases\": [[[0], [0], [0]], [[0], [0]]], \"cost\": \"QuadraticCost\", \"activation\": \"sigmoid\", \"output\": \"sigmoid\"}\n",
			     strlen(text)), 0, "%s", text);
	free(text);
	m->cost = NN_CROSS_ENTROPY;
	text = write_text(m);
	cr_assert(strstr(text, "{\"sizes\": [4, 3, 2], ") == text, "%s", text);
	cr_assert(strstr(text, "\"cost\": \"CrossEntropyCost\""), "%s", text);
	free(text);
	nn_model_destroy(m);
}

/* network2.py runs every unit as a sigmoid and knows the quadratic and
 * cross-entropy costs: a "sizes" file of any other net would be read as
 * another net (relu or tanh units scored as sigmoids) or not at all (no
 * LogLikelihoodCost in network2.py). Those nets are written without
 * "sizes", which network2.py's load() refuses. */
Test(nn_model_io, only_nets_network2_computes_get_its_format)
{
	struct net {
		enum nn_act hidden, output;
		enum nn_cost cost;
		int network2;
	} nets[] = {
		{ NN_SIGMOID, NN_SIGMOID, NN_QUADRATIC, 1 },
		{ NN_SIGMOID, NN_SIGMOID, NN_CROSS_ENTROPY, 1 },
		{ NN_SIGMOID, NN_SIGMOID, NN_LOG_LIKELIHOOD, 0 },
		{ NN_RELU, NN_SIGMOID, NN_QUADRATIC, 0 },
		{ NN_TANH, NN_SIGMOID, NN_CROSS_ENTROPY, 0 },
		{ NN_SIGMOID, NN_SOFTMAX, NN_LOG_LIKELIHOOD, 0 },
		{ NN_SIGMOID, NN_SOFTMAX, NN_CROSS_ENTROPY, 0 },
		{ NN_RELU, NN_SOFTMAX, NN_LOG_LIKELIHOOD, 0 },
	};
	const size_t sizes[] = { 4, 3, 3, 2 };

	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		struct nn_model *m = nn_model_create_dense(sizes, 4, 1, NULL), *back;
		struct nn_err err = { 0, "" };
		struct nn_rng rng;
		char *text;

		nn_rng_init(&rng, i + 1);
		nn_model_init_scaled(m, &rng);
		nn_model_set_acts(m, nets[i].hidden, nets[i].output);
		m->cost = nets[i].cost;
		text = write_text(m);
		cr_assert_eq(strstr(text, "\"sizes\"") != NULL, nets[i].network2, "net %zu: %s", i, text);
		cr_assert_eq(strstr(text, "\"format\": \"nnlab-layers-1\"") != NULL, !nets[i].network2,
			     "net %zu: %s", i, text);
		/* Either way nnlab reads back the same net. */
		back = nn_model_read_json(text, strlen(text), "mem", 1, 1e9, &err);
		cr_assert_not_null(back, "net %zu: %s", i, err.msg);
		cr_assert_eq(memcmp(back->params, m->params, m->nparams * sizeof(float)), 0);
		cr_assert_eq(back->cost, m->cost);
		for (size_t l = 0; l < m->nlayers; l++)
			cr_assert_eq(back->layers[l].spec.act, m->layers[l].spec.act, "net %zu layer %zu", i, l);
		free(text);
		nn_model_destroy(back);
		nn_model_destroy(m);
	}
}

Test(nn_model_io, conv_files_with_wrong_shapes_are_refused)
{
	const char *head = "{\"format\": \"nnlab-layers-1\", \"input\": [1, 4, 4], ";

	char buf[1024];
	snprintf(buf, sizeof(buf), "%s\"layers\": [\"conv 2x3x3 sigmoid\", \"fc 2 softmax\"], "
		 "\"weights\": [[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [[[1, 2, 3], [4, 5, 6], [7, 8]]]], [[1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8]]], "
		 "\"biases\": [[0, 0], [0, 0]]}", head);
	expect_error(buf, "m.json:1:174: weights[0][1][0][2]: expected 3 items, got 2");
	snprintf(buf, sizeof(buf), "%s\"layers\": [\"conv 2x5x5 sigmoid\", \"fc 2 softmax\"], \"weights\": [], \"biases\": []}", head);
	expect_error(buf, "m.json:1:61: layers[0] 'conv 2x5x5 sigmoid': input is 1x4x4, smaller than the 5x5 kernel");
	snprintf(buf, sizeof(buf), "%s\"layers\": [\"conv 2x3x3\", \"fc 2 softmax\"], \"weights\": [], \"biases\": []}", head);
	expect_error(buf, "m.json:1:61: layers[0] 'conv 2x3x3': the file must name the activation");
	snprintf(buf, sizeof(buf), "%s\"layers\": [\"conv 2x3x3 sigmoid\", \"fc 2 softmax\"], \"weights\": [[], []], \"biases\": [[], []]}", head);
	expect_error(buf, "m.json:1:112: weights[0]: expected 2 items, got 0");
	expect_error("{\"format\": \"nnlab-layers-2\", \"layers\": []}", "m.json:1:12: expected \"format\": \"nnlab-layers-1\"");
	snprintf(buf, sizeof(buf), "%s\"layers\": [\"conv 2x3x3 sigmoid\", \"bogus 3\"], \"weights\": [], \"biases\": []}", head);
	expect_error(buf, "m.json:1:83: layers[1] 'bogus 3': unknown layer 'bogus'; expected 'fc N [ACT]', 'softmax N', 'conv MxKxK [ACT]', 'pool P' or 'dropout P'");
}

/* The manual's numpy snippet (docs/model-files.md, the python block after
 * "<!-- numpy snippet -->"),
 * run on a conv model nnlab wrote, predicts what nnlab predicts. Skipped
 * when python3 with numpy is not installed. */
Test(nn_model_io, the_manuals_numpy_snippet_scores_a_conv_model_as_nnlab_does)
{
	/* Debian's python3-numpy is in /usr/bin/python3, which another
	 * python3 on PATH may hide. */
	const char *py = NULL;
	if (system("python3 -c 'import numpy' >/dev/null 2>&1") == 0)
		py = "python3";
	else if (system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0)
		py = "/usr/bin/python3";
	if (!py)
		cr_skip_test("python3-numpy is not installed");
	char dir[4096], path[4200], readme[4200], cmd[17000];
	size_t len;

	th_tmpdir(dir, sizeof(dir));
	snprintf(readme, sizeof(readme), "%s/docs/model-files.md", NNLAB_SOURCE_DIR);
	char *text = th_read(readme, &len), *start = strstr(text, "<!-- numpy snippet -->");
	cr_assert_not_null(start, "docs/model-files.md has no numpy snippet");
	start = strstr(start, "```python\n");
	cr_assert_not_null(start);
	start += strlen("```python\n");
	char *end = strstr(start, "```\n");
	cr_assert_not_null(end);
	*end = 0;
	snprintf(path, sizeof(path), "%s/score.py", dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "%s\nimport sys\nfor x in json.load(open(sys.argv[2])):\n    print(score(sys.argv[1], x))\n", start);
	fclose(f);
	free(text);

	/* Three input channels are what a second conv layer sees; the fc
	 * layer reads four pooled maps: both orders matter. */
	const struct nn_spec specs[] = {
		{ .kind = NN_CONV, .size = 3, .kernel = 3, .act = NN_RELU },
		{ .kind = NN_POOL, .size = 2 },
		{ .kind = NN_CONV, .size = 4, .kernel = 2, .act = NN_SIGMOID },
		{ .kind = NN_POOL, .size = 2 },
		{ .kind = NN_DROPOUT, .p = 0.5f },
		{ .kind = NN_FC, .size = 6, .act = NN_TANH },
		{ .kind = NN_FC, .size = 10, .act = NN_SOFTMAX },
	};
	enum { N = 40, H = 13, W = 11 };
	struct nn_model *m = nn_model_create(specs, 7, (struct nn_shape){ H, W, 1 }, N, NULL);
	struct nn_rng rng;

	cr_assert_not_null(m);
	nn_rng_init(&rng, 3);
	nn_model_init_large(m, &rng);
	for (size_t i = 0; i < N * H * W; i++)
		nn_model_input(m)[i] = (float)nn_rng_uniform(&rng);
	char mpath[4200], xpath[4200];
	snprintf(mpath, sizeof(mpath), "%s/model.json", dir);
	snprintf(xpath, sizeof(xpath), "%s/x.json", dir);
	f = fopen(mpath, "w");
	cr_assert_eq(nn_model_write_json(m, f, mpath, NULL), 0);
	fclose(f);
	f = fopen(xpath, "w");
	fputc('[', f);
	for (size_t r = 0; r < N; r++) {
		fputs(r ? ", [" : "[", f);
		for (size_t i = 0; i < H * W; i++)
			fprintf(f, "%s%.9g", i ? ", " : "", (double)nn_model_input(m)[r * H * W + i]);
		fputc(']', f);
	}
	fputs("]\n", f);
	fclose(f);
	const float *y = nn_model_forward(m, N);
	char want[N * 4 + 1] = "", *got;
	for (size_t r = 0; r < N; r++) {
		size_t best = 0;

		for (size_t j = 1; j < 10; j++)
			if (y[r * 10 + j] > y[r * 10 + best])
				best = j;
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%zu\n", best);
	}
	snprintf(cmd, sizeof(cmd), "%s %s/score.py %s %s > %s/out.txt", py, dir, mpath, xpath, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	got = th_read(path, NULL);
	cr_assert_str_eq(got, want);
	free(got);
	nn_model_destroy(m);
}

/* A short file that names a conv layer of huge activations is refused
 * before anything is allocated. */
Test(nn_model_io, a_file_claiming_huge_activations_is_refused_before_allocation)
{
	char buf[4096];
	size_t n = 0;
	struct nn_err err = { 0, "" };

	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"format\": \"nnlab-layers-1\", \"input\": [1, 4096, 4096], "
			      "\"layers\": [\"conv 64x1x1 relu\", \"fc 2 softmax\"], \"weights\": [[");
	for (int m = 0; m < 64; m++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s[[[1]]]", m ? ", " : "");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "], []], \"biases\": [[], []]}");
	cr_assert_null(nn_model_read_json(buf, n, "m.json", 1, 1e9, &err));
	cr_assert(!strncmp(err.msg, "m.json: the model needs ", 24), "%s", err.msg);
	cr_assert(strstr(err.msg, " GiB for batches of 1, more than the limit of 0.9 GiB"), "%s", err.msg);
}

/* Python's json keeps a duplicate key's last value, a first-match lookup
 * its first: the same file would score as two different nets. */
Test(nn_model_io, duplicate_keys_are_refused)
{
	expect_error("{\"sizes\": [2, 1], \"weights\": [[[0, 0]]], \"biases\": [[[0]]],\n"
		     " \"weights\": [[[1, 2]]]}",
		     "m.json:2:2: duplicate key \"weights\" (first at line 1, column 19): readers disagree on which one counts");
	expect_error("{\"format\": \"nnlab-layers-1\", \"input\": [1, 1, 2], \"layers\": [\"fc 1 sigmoid\"],"
		     " \"layers\": [\"fc 1 relu\"], \"weights\": [[[1, 2]]], \"biases\": [[0]]}",
		     "m.json:1:78: duplicate key \"layers\" (first at line 1, column 50): readers disagree on which one counts");
}

/* JSON writes an exponent with e or E, with or without a sign. */
Test(nn_model_io, every_exponent_form_reads)
{
	const char *json = "{\"sizes\": [2, 1], \"weights\": [[[1E-05, 2e+1]]], \"biases\": [[[-3.5E2]]]}";
	struct nn_err err = { 0, "" };
	struct nn_model *m = nn_model_read_json(json, strlen(json), "m.json", 1, 1e9, &err);

	cr_assert_not_null(m, "%s", err.msg);
	cr_assert_eq(nn_model_weighted(m, 0)->w[0], 1e-05f);
	cr_assert_eq(nn_model_weighted(m, 0)->w[1], 20.0f);
	cr_assert_eq(nn_model_weighted(m, 0)->b[0], -350.0f);
	nn_model_destroy(m);
}

/* A relu or tanh output is no model nnlab writes, and none it reads. */
Test(nn_model_io, files_with_a_relu_or_tanh_output_are_refused)
{
	expect_error("{\"format\": \"nnlab-layers-1\", \"input\": [1, 1, 2], \"layers\": [\"fc 1 relu\"],"
		     " \"weights\": [[[1, 2]]], \"biases\": [[0]]}",
		     "m.json:1:61: layers[0] 'fc 1 relu': an output layer of relu units: the output is sigmoid ('fc N sigmoid') or softmax ('softmax N')");
	expect_error("{\"sizes\": [2, 1], \"weights\": [[[1, 2]]], \"biases\": [[[0]]], \"output\": \"tanh\"}",
		     "m.json:1:71: unknown output (expected \"sigmoid\" or \"softmax\")");
}

/* The book's own network2.py reads the files nnlab writes for the nets it
 * computes, scoring what nnlab scores, and refuses the others (a relu
 * net). network2.py is not part of this project: the test runs when
 * NNLAB_NETWORK2_PY names a copy of it (the book's src/network2.py) and
 * python3 has numpy. */
Test(nn_model_io, the_books_network2_reads_what_it_computes_and_refuses_the_rest, .timeout = 120)
{
	const char *n2 = getenv("NNLAB_NETWORK2_PY");
	char dir[4096], data[4200], cfg[4200], text[8192], cmd[32768], *out, *err;

	if (!n2 || !*n2)
		cr_skip_test("NNLAB_NETWORK2_PY does not name the book's network2.py");
	/* Debian's python3-numpy is in /usr/bin/python3, which another
	 * python3 on PATH may hide. */
	const char *py = NULL;
	if (system("python3 -c 'import numpy, lib2to3' >/dev/null 2>&1") == 0)
		py = "python3";
	else if (system("/usr/bin/python3 -c 'import numpy, lib2to3' >/dev/null 2>&1") == 0)
		py = "/usr/bin/python3";
	if (!py)
		cr_skip_test("python3 with numpy and lib2to3 is not installed");
	th_tmpdir(dir, sizeof(dir));
	snprintf(data, sizeof(data), "%s/data", dir);
	mkdir(data, 0777);
	th_write_mnist(data, 400, 100, 5, 6, 1, 7);
	snprintf(cfg, sizeof(cfg), "%s/c.yaml", dir);
	snprintf(text, sizeof(text), "charts: false\ndata:\n  options:\n    dir: %s\nmodel:\n  layers: [30, 12, 10]\n"
		 "train:\n  epochs: 1\n  cost: cross_entropy\n  eta: 0.3\n", data);
	th_write_str(cfg, text);
	char sig[4300], relu[4300];
	snprintf(sig, sizeof(sig), "%s/sig", dir);
	snprintf(relu, sizeof(relu), "%s/relu", dir);
	const char *a[] = { "run", cfg, "--out", sig, "--quiet", NULL };
	cr_assert_eq(th_nnlab(&out, &err, a), 0, "%s", err);
	free(out);
	free(err);
	const char *b[] = { "run", cfg, "--out", relu, "--quiet", "--set", "model.activation=relu", NULL };
	cr_assert_eq(th_nnlab(&out, &err, b), 0, "%s", err);
	free(out);
	free(err);
	/* nnlab's own count on the test split. */
	char model[4400];
	snprintf(model, sizeof(model), "%s/model.json", sig);
	const char *e[] = { "eval", model, cfg, NULL };
	cr_assert_eq(th_nnlab(&out, &err, e), 0, "%s", err);
	size_t correct = 0, total = 0;
	cr_assert_eq(sscanf(out, "%zu / %zu", &correct, &total), 2, "%s", out);
	free(out);
	free(err);
	snprintf(cmd, sizeof(cmd), "%s '%s/tests/network2_check.py' '%s' '%s/n2' '%s' '%s' '%s/model.json' > '%s/n2.txt' 2>&1",
		 py, NNLAB_SOURCE_DIR, n2, dir, data, model, relu, dir);
	cr_assert_eq(system(cmd), 0, "the check failed: see %s/n2.txt", dir);
	char path[4300];
	snprintf(path, sizeof(path), "%s/n2.txt", dir);
	char *got = th_read(path, NULL), want[100];
	snprintf(want, sizeof(want), "accuracy %zu / %zu\n", correct, total);
	cr_assert(strstr(got, want), "network2.py: %s; nnlab: %s", got, want);
	cr_assert(strstr(got, "other refused: KeyError 'sizes'"), "%s", got);
	free(got);
}
