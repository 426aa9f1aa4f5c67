/*
 * fuzz-prompt.c: libFuzzer harness for prompt parsing and rendering.
 *
 * The input is a prompt file.  prompt_parse() must either fail with
 * IG_EDATA or give a mapping of front matter and a body that is a suffix
 * of the text (the whole text when there is no front matter).  The body
 * and the whole text are rendered with a fixed set of variables whose
 * values hold no brackets or braces: a rendering must contain no
 * [IGNY8_NAME] of a known name, and a failure must be IG_EDATA naming the
 * unknown placeholder and listing the known names.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prompt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = { "keyword", "cluster_name", "title",
				     "x", "IDEAS" };
static struct prompt_vars *vars;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vars = prompt_vars_new();
	if (!vars)
		abort();
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (prompt_vars_setf(vars, names[i], " value %zu of %s ", i,
				     names[i]) < 0)
			abort();
	return 0;
}

/* True when s holds "[IGNY8_name]" for a known name, in any case. */
static int
has_known_placeholder(const char *s)
{
	for (const char *p = s; (p = strstr(p, "[IGNY8_")); p++)
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			size_t n = strlen(names[i]);
			if (!strncasecmp(p + 7, names[i], n) && p[7 + n] == ']')
				return 1;
		}
	return 0;
}

static void
render(const char *text)
{
	struct ig_err err = { 0 };
	char *out = prompt_render(text, vars, &err);

	if (out) {
		if (has_known_placeholder(out))
			abort();
		free(out);
		return;
	}
	if (err.code != IG_EDATA ||
	    strncmp(err.msg, "unknown placeholder '", 21) != 0 ||
	    !strstr(err.msg, "(known: keyword, cluster_name, title, x, IDEAS)"))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ig_err err = { 0 };
	char *text = malloc(size + 1);
	struct prompt *p;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	p = prompt_parse("write", text, "fuzz.md", &err);
	if (p) {
		const char *body = prompt_body(p);
		size_t bl = strlen(body), tl = strlen(text);
		const cJSON *schema = prompt_schema(p);

		if (!cJSON_IsObject(prompt_meta(p)) || bl > tl ||
		    strcmp(body, text + tl - bl) != 0 ||
		    (strncmp(text, "---\n", 4) != 0 && bl != tl) ||
		    (schema && !cJSON_IsObject(schema)))
			abort();
		(void)prompt_system(p);
		(void)prompt_model(p);
		(void)prompt_max_tokens(p);
		(void)prompt_temperature(p);
		render(body);
		prompt_free(p);
	} else if (err.code != IG_EDATA) {
		abort();
	}
	render(text);
	free(text);
	return 0;
}
