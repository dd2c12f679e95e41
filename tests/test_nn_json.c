#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn_json.h"

static struct nn_json *parse(const char *text, struct nn_err *err)
{
	return nn_json_parse(text, strlen(text), "j.json", err);
}

static void expect_error(const char *text, const char *msg)
{
	struct nn_err err = { 0, "" };
	struct nn_json *v = parse(text, &err);

	cr_assert_null(v, "parsed: %s", text);
	cr_assert_str_eq(err.msg, msg, "for %s", text);
	cr_assert_eq(err.code, NN_EFORMAT);
}

static double number(const char *text)
{
	struct nn_err err = { 0, "" };
	struct nn_json *v = parse(text, &err);
	double x;

	cr_assert_not_null(v, "%s: %s", text, err.msg);
	cr_assert_eq(v->type, NN_JSON_NUMBER, "%s", text);
	x = v->number;
	nn_json_free(v);
	return x;
}

Test(nn_json, every_number_form_json_allows)
{
	cr_assert_eq(number("0"), 0.0);
	cr_assert_eq(number("-0"), 0.0);
	cr_assert(signbit(number("-0")));
	cr_assert_eq(number("7"), 7.0);
	cr_assert_eq(number("-12"), -12.0);
	cr_assert_eq(number("0.5"), 0.5);
	cr_assert_eq(number("-0.125"), -0.125);
	cr_assert_eq(number("1e-05"), 1e-05);
	cr_assert_eq(number("1E-05"), 1e-05);
	cr_assert_eq(number("1e+05"), 1e5);
	cr_assert_eq(number("1E+05"), 1e5);
	cr_assert_eq(number("1e5"), 1e5);
	cr_assert_eq(number("2.5E3"), 2500.0);
	cr_assert_eq(number("-2.5e-3"), -0.0025);
	cr_assert_eq(number("0e0"), 0.0);
	cr_assert_eq(number(" \t\r\n 3 \n"), 3.0);
	/* As Python's json: too large for a double is infinite (the model
	 * reader then refuses it as out of range for a float). */
	cr_assert(isinf(number("1e999")));
}

Test(nn_json, numbers_json_does_not_allow_name_the_place)
{
	expect_error("+1", "j.json:1:1: expected a value (an object, array, string, number, true, false or null)");
	expect_error("01", "j.json:1:2: malformed number: a leading zero");
	expect_error("-01", "j.json:1:3: malformed number: a leading zero");
	expect_error(".5", "j.json:1:1: expected a value (an object, array, string, number, true, false or null)");
	expect_error("1.", "j.json:1:3: malformed number: expected a digit after '.'");
	expect_error("1.e5", "j.json:1:3: malformed number: expected a digit after '.'");
	expect_error("1e", "j.json:1:3: malformed number: expected a digit in the exponent");
	expect_error("1e+", "j.json:1:4: malformed number: expected a digit in the exponent");
	expect_error("-", "j.json:1:2: malformed number: expected a digit");
	expect_error("[1, -x]", "j.json:1:6: malformed number: expected a digit");
	expect_error("0x10", "j.json:1:2: trailing characters after the document");
	expect_error("[1 2]", "j.json:1:4: expected ',' or ']'");
	expect_error("NaN", "j.json:1:1: expected a value (an object, array, string, number, true, false or null)");
	expect_error("[tru]", "j.json:1:5: unexpected word (JSON has true, false and null)");
}

Test(nn_json, strings_decode_escapes)
{
	struct nn_err err = { 0, "" };
	struct nn_json *v = parse("[\"a\\\"b\\\\c\\/d\\n\\t\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"]", &err);

	cr_assert_not_null(v, "%s", err.msg);
	cr_assert_str_eq(v->items[0].string, "a\"b\\c/d\n\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	nn_json_free(v);
	expect_error("\"a\\x\"", "j.json:1:4: unknown escape in string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
	expect_error("\"\\u12g4\"", "j.json:1:6: expected four hex digits after \\u");
	expect_error("\"\\u0000\"", "j.json:1:8: a \\u0000 in a string, which nnlab cannot hold");
	expect_error("\"\\udc00\"", "j.json:1:8: a lone low surrogate in a \\u escape");
	expect_error("\"\\ud800x\"", "j.json:1:8: a high surrogate \\u escape without its low surrogate");
	expect_error("\"a\nb\"", "j.json:1:3: control character in string");
	expect_error("\"ab", "j.json:1:4: unterminated string");
}

Test(nn_json, duplicate_keys_are_refused_naming_both_places)
{
	expect_error("{\"weights\": [0], \"biases\": [],\n  \"weights\": [1]}",
		     "j.json:2:3: duplicate key \"weights\" (first at line 1, column 2): readers disagree on which one counts");
	/* The same key written with an escape is the same key. */
	expect_error("{\"layers\": 1, \"l\\u0061yers\": 2}",
		     "j.json:1:15: duplicate key \"layers\" (first at line 1, column 2): readers disagree on which one counts");
	/* Nested objects too; the same key in two objects is no duplicate. */
	expect_error("[{\"a\": 1}, {\"a\": 1, \"b\": {\"c\": 1, \"c\": 2}}]",
		     "j.json:1:35: duplicate key \"c\" (first at line 1, column 27): readers disagree on which one counts");

	struct nn_err err = { 0, "" };
	struct nn_json *v = parse("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}", &err);

	cr_assert_not_null(v, "%s", err.msg);
	cr_assert_eq(nn_json_get(nn_json_get(v, "b"), "x")->number, 2.0);
	nn_json_free(v);
}

/* An endless input: every read fills the buffer with one byte, or with a
 * repeated pattern; counts what the parser pulled. */
struct endless {
	const char *pattern;
	size_t pulled;
};

static long read_endless(void *ctx, char *buf, size_t cap, struct nn_err *err)
{
	struct endless *e = ctx;
	size_t n = strlen(e->pattern);

	(void)err;
	for (size_t i = 0; i < cap; i++)
		buf[i] = e->pattern[(e->pulled + i) % n];
	e->pulled += cap;
	return (long)cap;
}

Test(nn_json, input_that_is_no_json_fails_at_its_first_bytes)
{
	struct nn_err err = { 0, "" };
	struct endless ctl = { "\x01", 0 }, words = { "xyz", 0 }, opens = { "[", 0 };

	cr_assert_null(nn_json_parse_stream(read_endless, &ctl, "/dev/x", 1e9, &err));
	cr_assert_str_eq(err.msg, "/dev/x:1:1: expected a value (an object, array, string, number, true, false or null)");
	cr_assert_leq(ctl.pulled, 65536);
	cr_assert_null(nn_json_parse_stream(read_endless, &words, "w", 1e9, &err));
	cr_assert_leq(words.pulled, 65536);
	cr_assert_null(nn_json_parse_stream(read_endless, &opens, "o", 1e9, &err));
	cr_assert_str_eq(err.msg, "o:1:66: nested too deeply");
	cr_assert_leq(opens.pulled, 65536);
}

static long read_zeros(void *ctx, char *buf, size_t cap, struct nn_err *err)
{
	(void)err;
	memset(buf, 0, cap);
	*(size_t *)ctx += cap;
	return (long)cap;
}

Test(nn_json, nul_bytes_fail_at_once)
{
	struct nn_err err = { 0, "" };
	size_t pulled = 0;

	cr_assert_null(nn_json_parse_stream(read_zeros, &pulled, "/dev/zero", 1e9, &err));
	cr_assert_str_eq(err.msg, "/dev/zero:1:1: a NUL byte where a value belongs");
	cr_assert_eq(pulled, 65536);
}

Test(nn_json, the_text_counts_against_the_limit)
{
	struct nn_err err = { 0, "" };
	struct endless ones = { "1,", 0 };

	cr_assert_null(nn_json_parse_stream(read_endless, &ones, "big", 1000, &err));
	cr_assert_str_eq(err.msg, "big:1:1: reading stopped here: the file takes more than 0.0 MiB to read, the limit (half of the memory limit)");
	cr_assert_eq(ones.pulled, 65536);
}

static long read_array(void *ctx, char *buf, size_t cap, struct nn_err *err)
{
	size_t *pulled = ctx;

	(void)err;
	for (size_t i = 0; i < cap; i++)
		buf[i] = *pulled + i == 0 ? '[' : (*pulled + i) % 2 ? '1' : ',';
	*pulled += cap;
	return (long)cap;
}

Test(nn_json, the_tree_counts_against_the_limit)
{
	struct nn_err err = { 0, "" };
	size_t pulled = 0;

	/* 10 MB: the text alone cannot reach it before its 4 MB are read,
	 * the tree of its numbers (8 bytes for every 2 of text) does. */
	cr_assert_null(nn_json_parse_stream(read_array, &pulled, "arr", 10e6, &err));
	cr_assert(strstr(err.msg, "reading stopped here: the file takes more than 9.5 MiB to read"), "%s",
		  err.msg);
	cr_assert_lt(pulled, 4000000, "read %zu bytes", pulled);
}

static long read_fails(void *ctx, char *buf, size_t cap, struct nn_err *err)
{
	int *calls = ctx;

	if ((*calls)++ == 0) {
		memcpy(buf, "{\"a\": [1, 2", cap < 11 ? cap : 11);
		return 11;
	}
	return nn_errorf(err, NN_EIO, "cannot read 'f': Input/output error");
}

Test(nn_json, a_read_error_is_reported_as_it_is)
{
	struct nn_err err = { 0, "" };
	int calls = 0;

	cr_assert_null(nn_json_parse_stream(read_fails, &calls, "f", 1e9, &err));
	cr_assert_eq(err.code, NN_EIO);
	cr_assert_str_eq(err.msg, "cannot read 'f': Input/output error");
}

/* Arrays of numbers are kept packed (8 bytes a number); an array that
 * mixes in other values holds nodes, its numbers placed at the array. */
Test(nn_json, arrays_of_numbers_are_packed_and_mixed_ones_are_not)
{
	struct nn_err err = { 0, "" };
	struct nn_json *v = parse("[[1, 2.5, -3e2], [1, \"x\", 2], [], [\"a\", 4]]", &err), tmp;

	cr_assert_not_null(v, "%s", err.msg);
	cr_assert_null(v->numbers);
	const struct nn_json *a = &v->items[0], *b = &v->items[1], *c = &v->items[2], *d = &v->items[3];
	cr_assert_not_null(a->numbers);
	cr_assert_null(a->items);
	cr_assert_eq(a->count, 3);
	cr_assert_eq(a->numbers[2], -300.0);
	cr_assert_eq(nn_json_item(a, 1, &tmp)->type, NN_JSON_NUMBER);
	cr_assert_eq(nn_json_item(a, 1, &tmp)->number, 2.5);
	cr_assert_eq(nn_json_item(a, 1, &tmp)->col, 2);
	cr_assert_null(b->numbers);
	cr_assert_eq(b->count, 3);
	cr_assert_eq(b->items[0].number, 1.0);
	cr_assert_eq(b->items[0].col, 18, "placed at its array");
	cr_assert_str_eq(b->items[1].string, "x");
	cr_assert_eq(b->items[1].col, 22);
	cr_assert_eq(b->items[2].number, 2.0);
	cr_assert_eq(b->items[2].col, 27, "after the unpacking, a node of its own");
	cr_assert_eq(c->count, 0);
	cr_assert_eq(d->count, 2);
	cr_assert_eq(d->items[1].number, 4.0);
	nn_json_free(v);
}
