/*
 * fuzz-json-extract.c: libFuzzer harness for the model-answer extractor.
 *
 * The input is a model's answer.  For each of JSON_ANY, JSON_OBJECT and
 * JSON_ARRAY, whatever json_extract() returns must be of the wanted type,
 * print compactly, parse back equal (cJSON_Compare, or the same text when
 * an object repeats a member name, which cJSON_Compare cannot match), and
 * be extracted again unchanged from its own text; a failure must be
 * IG_EPROTO.  json_check() then runs against a fixed schema, whose
 * messages must name a path.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "roundtrip.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cJSON *schema;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	schema = cJSON_Parse(
		"{\"type\":[\"object\",\"array\"],"
		"\"required\":[\"clusters\"],"
		"\"properties\":{\"clusters\":{\"type\":\"array\",\"minItems\":1,"
		"\"maxItems\":5,\"items\":{\"type\":\"object\","
		"\"required\":[\"name\",\"keywords\"],\"properties\":{"
		"\"name\":{\"type\":\"string\",\"maxLength\":20},"
		"\"n\":{\"type\":\"integer\"},"
		"\"x\":{\"type\":[\"number\",\"null\"]},"
		"\"intent\":{\"enum\":[\"info\",\"buy\",1,null]},"
		"\"keywords\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}}},"
		"\"items\":{\"type\":\"integer\",\"enum\":[1,2,3]}}");
	if (!schema)
		abort();
	return 0;
}

static cJSON *
parse_all(const char *text, size_t len)
{
	return cJSON_ParseWithLength(text, len);
}

static void
check_value(const cJSON *v, enum json_want want)
{
	struct ig_err err = { 0 };
	char *text, *again;
	cJSON *re;

	if ((want == JSON_OBJECT && !cJSON_IsObject(v)) ||
	    (want == JSON_ARRAY && !cJSON_IsArray(v)))
		abort();
	text = roundtrip(v, parse_all);
	/* Its own text is the plainest answer: extracted whole, unchanged. */
	re = json_extract(text, strlen(text), want, &err);
	if (!re)
		abort();
	again = cJSON_PrintUnformatted(re);
	if (!again || strcmp(again, text) != 0)
		abort();
	cJSON_Delete(re);
	free(again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum json_want wants[] = { JSON_ANY, JSON_OBJECT, JSON_ARRAY };

	for (size_t i = 0; i < ARRAY_SIZE(wants); i++) {
		struct ig_err err = { 0 };
		cJSON *v = json_extract((const char *)data, size, wants[i], &err);

		if (!v) {
			if (err.code != IG_EPROTO)
				abort();
			continue;
		}
		check_value(v, wants[i]);
		if (json_check(v, schema, &err) < 0 &&
		    (err.code != IG_EPROTO || err.msg[0] != '$'))
			abort();
		cJSON_Delete(v);
	}
	return 0;
}
