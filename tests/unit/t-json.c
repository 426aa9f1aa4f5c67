/* t-json.c: the model-answer extractor, the schema checker and the printer. */
#include "compat.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap.h"

/* Extracts from text; returns the compact value or "ERR <code> <msg>". */
static char *
ex(const char *text, enum json_want want)
{
	struct ig_err err = { 0 };
	cJSON *v = json_extract(text, strlen(text), want, &err);
	char *s, buf[IG_ERR_MSGLEN + 32];

	if (!v) {
		snprintf(buf, sizeof buf, "ERR %d %s", err.code, err.msg);
		return strdup(buf);
	}
	s = cJSON_PrintUnformatted(v);
	cJSON_Delete(v);
	return s;
}

#define EX(text, want, expect, ...)                  \
	do {                                         \
		char *got_ = ex(text, want);         \
		is_str(got_, expect, __VA_ARGS__);   \
		free(got_);                          \
	} while (0)

static void
test_extract(void)
{
	EX("{\"a\":1}", JSON_OBJECT, "{\"a\":1}", "whole body");
	EX("\n  {\"a\": [1, 2]}\n\n", JSON_ANY, "{\"a\":[1,2]}", "whole body, spaced");
	EX("[{\"a\":1}]", JSON_ARRAY, "[{\"a\":1}]", "whole body, array");
	EX("\"just a string\"", JSON_ANY, "\"just a string\"", "a bare string is a value");
	EX("Here you go:\n```json\n{\"name\": \"x\"}\n```\nEnjoy!", JSON_OBJECT,
	   "{\"name\":\"x\"}", "fenced ```json block, prose around");
	EX("```\n{\"a\":1}\n```", JSON_OBJECT, "{\"a\":1}", "fence without a language");
	EX("```text\nnot json\n```\nthen\n```json\n[1]\n```", JSON_ARRAY, "[1]",
	   "second fence when the first is not JSON");
	EX("Sure!\n```json\n{\"a\": {\"b\": [true, null]}}\n", JSON_OBJECT,
	   "{\"a\":{\"b\":[true,null]}}", "unclosed fence: the model stopped");
	EX("```json\n{\"a\": 1", JSON_OBJECT,
	   "ERR 76 no JSON object found in the answer", "unclosed fence, cut value");
	EX("The answer is {\"a\": 1} as asked.", JSON_OBJECT, "{\"a\":1}",
	   "prose before and after");
	EX("Sets {x, y} aside, {\"s\": \"a } and { and \\\" quote\", \"n\": {\"m\": [1, {}]}} ok",
	   JSON_OBJECT, "{\"s\":\"a } and { and \\\" quote\",\"n\":{\"m\":[1,{}]}}",
	   "braces in strings and escaped quotes; a non-JSON brace pair skipped");
	EX("list [1, 2] then {\"a\": 1}", JSON_OBJECT, "{\"a\":1}",
	   "want OBJECT skips an earlier array");
	EX("obj {\"a\": 1} then [1, 2]", JSON_ARRAY, "[1,2]",
	   "want ARRAY skips an earlier object");
	EX("list [1, 2] then {\"a\": 1}", JSON_ANY, "[1,2]", "want ANY takes the first");
	EX("{\"a\": 1}", JSON_ARRAY, "ERR 76 no JSON array found in the answer",
	   "an object is not an array");
	EX("[1]", JSON_OBJECT, "ERR 76 no JSON object found in the answer",
	   "an array is not an object");
	EX("I cannot help with that.", JSON_ANY,
	   "ERR 76 no JSON value found in the answer", "nothing found");
	EX("{\"a\": [1, 2}", JSON_ANY, "ERR 76 no JSON value found in the answer",
	   "mismatched brackets");
	EX("", JSON_ANY, "ERR 76 empty answer", "empty answer");
	EX("{\"a\": 1} {\"b\": 2}", JSON_OBJECT, "{\"a\":1}",
	   "two objects: the first balanced one");
	/* Regression (fuzz-json-extract): infinity printed back as null. */
	EX("{\"a\": 1e999}", JSON_OBJECT, "ERR 76 no JSON object found in the answer",
	   "a number out of range is not JSON we can keep");
	EX("{\"a\": 1e999} or rather {\"a\": 1}", JSON_OBJECT, "{\"a\":1}",
	   "and the extractor looks on");
}

static cJSON *schema;

/* Checks the JSON text against schema; returns "ok" or the message. */
static const char *
chk(const char *json)
{
	static struct ig_err err;
	cJSON *v = cJSON_Parse(json);
	int rc;

	if (!v)
		return "bad test JSON";
	ig_err_clear(&err);
	rc = json_check(v, schema, &err);
	cJSON_Delete(v);
	if (rc == 0)
		return err.code == IG_OK ? "ok" : "ok, but err set";
	return err.code == IG_EPROTO ? err.msg : "wrong code";
}

static void
test_check(void)
{
	struct ig_err err = { 0 };
	cJSON *v;

	schema = cJSON_Parse(
		"{\"type\": \"object\", \"required\": [\"a\"], \"properties\": {"
		" \"a\": {\"type\": \"array\", \"minItems\": 1, \"maxItems\": 3,"
		"  \"items\": {\"type\": \"object\", \"required\": [\"b\"],"
		"   \"properties\": {\"b\": {\"type\": \"string\", \"maxLength\": 5},"
		"    \"n\": {\"type\": \"integer\"},"
		"    \"o\": {\"type\": [\"string\", \"null\"]},"
		"    \"e\": {\"enum\": [\"info\", \"buy\", 3]}}}},"
		" \"t\": {\"type\": \"boolean\"}, \"x\": {\"type\": \"number\"}}}");
	ok(schema != NULL, "schema parses");
	is_str(chk("{\"a\": [{\"b\": \"x\", \"n\": 2, \"o\": null, \"e\": \"buy\"}],"
		   " \"t\": false, \"x\": 1.5, \"extra\": 1}"), "ok", "a good value");
	is_str(chk("[]"), "$: expected object", "root type");
	is_str(chk("{}"), "$: missing member 'a'", "required at the root");
	is_str(chk("{\"a\": {}}"), "$.a: expected array", "member type");
	is_str(chk("{\"a\": []}"), "$.a: 0 items, at least 1 expected", "minItems");
	is_str(chk("{\"a\": [{\"b\":\"\"},{\"b\":\"\"},{\"b\":\"\"},{\"b\":\"\"}]}"),
	       "$.a: 4 items, at most 3 allowed", "maxItems");
	is_str(chk("{\"a\": [{\"b\": \"x\"}, {\"b\": \"y\"}, {\"c\": 1}]}"),
	       "$.a[2]: missing member 'b'", "required inside items");
	is_str(chk("{\"a\": [{\"b\": \"x\"}, {\"b\": \"y\"}, {\"b\": 1}]}"),
	       "$.a[2].b: expected string", "the \"$.a[2].b\" path");
	is_str(chk("{\"a\": [{\"b\": \"123456\"}]}"),
	       "$.a[0].b: longer than 5 characters", "maxLength");
	is_str(chk("{\"a\": [{\"b\": \"12345\"}]}"), "ok", "maxLength is inclusive");
	is_str(chk("{\"a\": [{\"b\": \"caf\xc3\xa9!\"}]}"), "ok",
	       "maxLength counts characters, not bytes");
	is_str(chk("{\"a\": [{\"b\": \"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		   "\xe2\x82\xac\xe2\x82\xac\"}]}"),
	       "$.a[0].b: longer than 5 characters", "six characters in 18 bytes");
	is_str(chk("{\"a\": [{\"b\": \"x\", \"n\": 2.5}]}"),
	       "$.a[0].n: expected integer", "integer rejects 2.5");
	is_str(chk("{\"a\": [{\"b\": \"x\", \"n\": 1e300}]}"), "ok",
	       "integer takes 1e300 (regression: cast overflow)");
	is_str(chk("{\"a\": [{\"b\": \"x\", \"n\": -4}]}"), "ok", "integer takes -4");
	is_str(chk("{\"a\": [{\"b\": \"x\", \"o\": 1}]}"),
	       "$.a[0].o: expected another type", "array of types, none matches");
	is_str(chk("{\"a\": [{\"b\": \"x\", \"o\": \"s\"}]}"), "ok",
	       "array of types, one matches");
	is_str(chk("{\"a\": [{\"b\": \"x\", \"e\": \"sell\"}]}"),
	       "$.a[0].e: 'sell' is not an allowed value", "enum of strings");
	is_str(chk("{\"a\": [{\"b\": \"x\", \"e\": 4}]}"),
	       "$.a[0].e: value not allowed", "enum, a number");
	is_str(chk("{\"a\": [{\"b\": \"x\", \"e\": 3}]}"), "ok", "enum, a number in it");
	is_str(chk("{\"a\": [{\"b\": \"x\"}], \"t\": 0}"), "$.t: expected boolean",
	       "boolean");
	is_str(chk("{\"a\": [{\"b\": \"x\"}], \"x\": \"1\"}"), "$.x: expected number",
	       "number");
	v = cJSON_Parse("[1]");
	is_int(json_check(v, NULL, &err), 0, "no schema: anything goes");
	cJSON_Delete(v);
	cJSON_Delete(schema);
	schema = cJSON_Parse("{\"type\": \"string\", \"type\": \"number\","
			     " \"maxLength\": \"2\", \"maxLength\": 1, \"x-note\": 1,"
			     " \"minItems\": 1, \"items\": {\"type\": \"null\"}}");
	is_str(chk("\"abc\""), "ok", "the first of repeated keywords counts");
	is_str(chk("1"), "$: expected string", "even when the second would pass");
	cJSON_Delete(schema);
	schema = cJSON_Parse("{\"type\": \"array\", \"minItems\": \"1\", \"maxItems\": 2,"
			     " \"items\": {\"type\": \"object\", \"properties\":"
			     " {\"a\": {\"enum\": [1]}}}}");
	is_str(chk("[]"), "ok", "minItems that is not a number is ignored");
	is_str(chk("[{\"a\": 1}, {\"b\": 2, \"a\": 1, \"a\": 2}]"), "ok",
	       "the first of repeated members is checked");
	is_str(chk("[{\"a\": 2, \"a\": 1}]"), "$[0].a: value not allowed",
	       "so a bad first one fails");
	is_str(chk("[{}, {}, {}]"), "$: 3 items, at most 2 allowed", "maxItems alone");
	cJSON_Delete(schema);
}

static void
test_getters(void)
{
	cJSON *o = cJSON_Parse("{\"s\": \"x\", \"n\": 2.5, \"big\": 1e16,"
			       " \"o\": {}, \"a\": []}");

	is_str(json_str(o, "s"), "x", "json_str");
	is_str(json_str(o, "n"), NULL, "json_str of a number");
	ok(json_num(o, "n", 0) == 2.5, "json_num");
	ok(json_num(o, "s", -7) == -7, "json_num default");
	is_int(json_long(o, "n", 0), 2, "json_long truncates");
	is_int(json_long(o, "big", -1), -1, "json_long refuses 1e16");
	ok(json_obj(o, "o") && !json_obj(o, "a"), "json_obj");
	ok(json_arr(o, "a") && !json_arr(o, "o"), "json_arr");
	ok(json_finite(o), "json_finite");
	cJSON_Delete(o);
}

/* True when json_put and json_dump give what cJSON_PrintUnformatted gives. */
static int
same_as_cjson(const cJSON *v, const char *what)
{
	char *want = cJSON_PrintUnformatted(v), *dumped = json_dump(v);
	struct buf b = BUF_INIT(0);
	int rc = json_put(&b, v), same;

	same = want && rc == 0 && !strcmp(buf_str(&b), want) && dumped &&
	       !strcmp(dumped, want);
	ok(same, "json_put prints %s as cJSON does", what);
	if (!same)
		printf("#   got '%s'\n#  want '%s'\n", buf_str(&b), want ? want : "(null)");
	buf_release(&b);
	free(want);
	free(dumped);
	return same;
}

static void
test_put_numbers(void)
{
	static const double nums[] = {
		0, 1, -1, 7, 4000, 16384, 0.7, 0.1, 0.2, 1.0 / 3, -2.5, 3.141592653589793,
		1e-7, 123.456, 99999999999999, 999999999999999, 1e15, 1e16, 1e17,
		123456789012345678.0, 1e21, 1e300, -1e300, 5e-324, DBL_MAX, DBL_MIN,
		INT_MAX, (double)INT_MAX + 1, INT_MIN, (double)INT_MIN - 1, 0.30000000000000004,
		2.675, 1e-300, -0.0001, 4503599627370496.5, 9007199254740993.0,
	};
	cJSON *a = cJSON_CreateArray();
	int all = 1;

	for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
		cJSON *n = cJSON_CreateNumber(nums[i]);
		char what[64];

		snprintf(what, sizeof what, "%.17g", nums[i]);
		all &= same_as_cjson(n, what);
		cJSON_AddItemToArray(a, n);
	}
	/* cJSON prints -0 as "-0" and the non-finite numbers as null. */
	cJSON_AddItemToArray(a, cJSON_CreateNumber(-0.0));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(INFINITY));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(-INFINITY));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(NAN));
	ok(all, "every number alone");
	same_as_cjson(a, "negative zero, infinities and NaN");
	cJSON_Delete(a);
}

static void
test_put_strings(void)
{
	char ctl[40], *p = ctl;
	cJSON *o = cJSON_CreateObject();

	for (int c = 1; c < 32; c++)
		*p++ = (char)c;
	*p = '\0';
	cJSON_AddStringToObject(o, "controls", ctl);
	cJSON_AddStringToObject(o, "quotes", "say \"hi\" \\ back\\slash / and \x7f");
	cJSON_AddStringToObject(o, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xff");
	cJSON_AddStringToObject(o, "", "");
	cJSON_AddStringToObject(o, "key \"with\"\n escapes", "v");
	cJSON_AddStringToObject(o, "dup", "first");
	cJSON_AddStringToObject(o, "dup", "second");
	same_as_cjson(o, "every escape, UTF-8, empty and repeated keys");
	cJSON_Delete(o);
}

static void
test_put_trees(void)
{
	cJSON *v = cJSON_Parse("{\"a\": [], \"b\": {}, \"c\": [[], [{}], null, true, false],"
			       " \"d\": {\"e\": {\"f\": [1, \"x\", {\"g\": null}]}}}");
	cJSON *raw = cJSON_CreateObject();
	struct buf b = BUF_INIT(0);
	cJSON bad = { 0 };

	same_as_cjson(v, "nested empty and full containers");
	cJSON_AddItemReferenceToObject(raw, "ref", v);
	cJSON_AddRawToObject(raw, "raw", "{\"pre\": \"printed\"}");
	cJSON_AddItemToObject(raw, "nothing", cJSON_CreateString(NULL));
	same_as_cjson(raw, "a reference and a raw member");
	is_int(json_put(&b, &bad), -1, "a node of no type fails");
	is_int(json_put(&b, NULL), -1, "so does NULL");
	ok(json_dump(NULL) == NULL, "json_dump(NULL) is NULL, like cJSON's");
	buf_release(&b);
	b = (struct buf)BUF_INIT(8);
	is_int(json_put(&b, v), -1, "a capped buffer fails");
	ok(b.toobig, "and says it is too big");
	buf_release(&b);
	cJSON_Delete(raw);
	cJSON_Delete(v);
}

/* Arrays longer than maxItems lose their last items, at any depth. */
static void
test_cut_items(void)
{
	cJSON *sch = cJSON_Parse("{\"type\":\"object\",\"properties\":{"
		"\"ideas\":{\"type\":\"array\",\"maxItems\":2,\"items\":{\"type\":\"object\","
		"\"properties\":{\"tags\":{\"type\":\"array\",\"maxItems\":1}}}},"
		"\"free\":{\"type\":\"array\"}}}");
	cJSON *v = cJSON_Parse("{\"ideas\":[{\"tags\":[1,2,3]},{\"tags\":[4]},{\"tags\":[]}],"
			       "\"free\":[1,2,3,4]}");
	char *out;

	is_int(json_cut_items(v, sch), 3, "one idea and two tags dropped");
	out = cJSON_PrintUnformatted(v);
	is_str(out, "{\"ideas\":[{\"tags\":[1]},{\"tags\":[4]}],\"free\":[1,2,3,4]}",
	       "the first ones kept; an unbounded array untouched");
	free(out);
	is_int(json_check(v, sch, NULL), 0, "and it then matches the sch");
	is_int(json_cut_items(v, sch), 0, "nothing more to cut");
	is_int(json_cut_items(v, NULL), 0, "no sch, no cut");
	cJSON_Delete(v);
	cJSON_Delete(sch);
}

int
main(void)
{
	test_cut_items();
	test_extract();
	test_check();
	test_getters();
	test_put_numbers();
	test_put_strings();
	test_put_trees();
	return done_testing();
}
