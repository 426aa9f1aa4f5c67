/*
 * t-provider.c: chat request bodies.  Their bytes are hashed into cache
 * keys, so the buffer-built body must equal, byte for byte, the body the
 * cJSON tree (built here as provider.c used to build it) prints.
 */
#include "compat.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "json.h"
#include "prompt.h"
#include "provider.h"
#include "tap.h"

/* A provider profile, as provider.c reads it from providers.<name>.*. */
struct profile {
	const char *name;
	int max_completion, send_temperature;
	enum rf_mode rf;
};

static const struct profile profiles[] = {
	{ "full", 1, 1, RF_JSON_SCHEMA },
	{ "object", 0, 1, RF_JSON_OBJECT },
	{ "bare", 0, 0, RF_NONE },
	{ "notemp", 0, 0, RF_JSON_SCHEMA },
};

static const char config_yaml[] =
	"providers:\n"
	"  full: {base_url: 'http://127.0.0.1:1/v1', token_param: max_completion_tokens,"
	" response_format: json_schema}\n"
	"  object: {base_url: 'http://127.0.0.1:1/v1', token_param: max_tokens,"
	" response_format: json_object}\n"
	"  bare: {base_url: 'http://127.0.0.1:1/v1', send_temperature: false,"
	" response_format: none}\n"
	"  notemp: {base_url: 'http://127.0.0.1:1/v1', send_temperature: false,"
	" response_format: json_schema}\n";

static void
add_message(cJSON *msgs, const char *role, const char *content)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "role", role);
	cJSON_AddStringToObject(m, "content", content);
	cJSON_AddItemToArray(msgs, m);
}

/* The body as the cJSON tree of earlier versions printed it. */
static char *
cjson_body(const struct profile *p, const struct chat_req *req)
{
	cJSON *body = cJSON_CreateObject(), *msgs, *rf, *js;
	char *out;

	cJSON_AddStringToObject(body, "model", req->model);
	msgs = cJSON_AddArrayToObject(body, "messages");
	if (req->system && *req->system)
		add_message(msgs, "system", req->system);
	add_message(msgs, "user", req->user);
	if (req->assistant && req->followup) {
		add_message(msgs, "assistant", req->assistant);
		add_message(msgs, "user", req->followup);
	}
	if (req->max_tokens > 0)
		cJSON_AddNumberToObject(body, p->max_completion ? "max_completion_tokens"
								: "max_tokens",
					(double)req->max_tokens);
	if (p->send_temperature && !isnan(req->temperature))
		cJSON_AddNumberToObject(body, "temperature", req->temperature);
	if (req->schema && p->rf != RF_NONE) {
		rf = cJSON_AddObjectToObject(body, "response_format");
		if (p->rf == RF_JSON_OBJECT) {
			cJSON_AddStringToObject(rf, "type", "json_object");
		} else {
			cJSON_AddStringToObject(rf, "type", "json_schema");
			js = cJSON_AddObjectToObject(rf, "json_schema");
			cJSON_AddStringToObject(js, "name", req->schema_name ? req->schema_name
									   : "answer");
			cJSON_AddItemReferenceToObject(js, "schema", (cJSON *)req->schema);
			cJSON_AddBoolToObject(js, "strict", 1);
		}
	}
	out = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	return out;
}

/* Whether the body built for req, by p, is the one cJSON printed. */
static int
same_body(struct provider *p, const struct profile *pf, const struct chat_req *req,
	  const char *what)
{
	char *want = cjson_body(pf, req), *got = provider_chat_body(p, req);
	int same = want && got && !strcmp(got, want);

	if (!same) {
		diag("%s, provider %s, %s schema text:", what, pf->name,
		     req->schema_json ? "with" : "without");
		diag("got  %s", got ? got : "(null)");
		diag("want %s", want ? want : "(null)");
	}
	free(want);
	free(got);
	return same;
}

/*
 * Compares the bodies of req under every profile, with the schema printed
 * for the body and spliced in printed beforehand.
 */
static void
compare(struct provider *const provs[], const struct chat_req *req,
	const char *what)
{
	struct chat_req r = *req;
	char *printed = req->schema ? json_dump(req->schema) : NULL;
	int bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		r.schema_json = NULL;
		bad += !same_body(provs[i], &profiles[i], &r, what);
		r.schema_json = printed;
		bad += !same_body(provs[i], &profiles[i], &r, what);
	}
	ok(!bad, "%s: same bytes as cJSON under every profile", what);
	free(printed);
}

/* A shipped prompt, or with run_file, that file over it. */
static struct prompt *
shipped(const char *fn, const char *run_file)
{
	struct ig_err err = { 0 };
	struct prompt *p = prompt_resolve(NULL, fn, NULL, run_file, &err);

	if (!p)
		diag("%s: %s", fn, err.msg);
	return p;
}

static void
test_bodies(struct provider *const provs[])
{
	struct prompt *pr = shipped("ideas", NULL), *odd;
	char path[] = "/tmp/t-provider-XXXXXX";
	struct chat_req req = { 0 };
	int fd = mkstemp(path);

	if (fd >= 0)
		close(fd);
	fixture_put(path, "---\nschema:\n  type: object\n  properties:\n"
			  "    n: {type: number, minimum: -0.5, maximum: 1e300}\n"
			  "    s: {enum: ['a\"b', \"\\x01\\t\\u00e9\", null, true]}\n"
			  "  x-big: 123456789012345678\n"
			  "  x-list: [[], {}, 0.1]\n---\nbody\n", 0600);
	odd = shipped("ideas", path);
	unlink(path);

	ok(pr && prompt_schema(pr), "the shipped ideas prompt has a schema");
	ok(pr && prompt_schema_json(pr), "printed once with the prompt");
	req.model = "gpt-4.1-mini";
	req.user = prompt_body(pr);
	req.schema = prompt_schema(pr);
	req.schema_name = prompt_schema_name(pr);
	req.max_tokens = 4000;
	req.temperature = 0.7;
	compare(provs, &req, "the ideas prompt, schema, tokens and temperature");
	req.system = prompt_system(pr);
	compare(provs, &req, "with its system prompt");
	req.assistant = "{\"ideas\": [ \"not quite\" ]}\n";
	req.followup = "That answer could not be used: $.ideas[0]: expected object.";
	compare(provs, &req, "with a repair turn");
	req.followup = NULL;
	compare(provs, &req, "an answer without a follow-up is left out");
	req.assistant = NULL;
	req.system = "";
	compare(provs, &req, "an empty system prompt is left out");
	req.max_tokens = 0;
	req.temperature = NAN;
	compare(provs, &req, "no max_tokens, no temperature");
	req.max_tokens = (long)INT_MAX + 10;
	req.temperature = 1.0 / 3;
	compare(provs, &req, "a huge max_tokens, a long temperature");
	req.max_tokens = 1;
	req.temperature = 0;
	req.schema_name = NULL;
	compare(provs, &req, "no schema name");
	req.schema = prompt_schema(odd);
	ok(req.schema != NULL, "a --prompt file with an odd schema");
	req.user = "tabs\tquotes \" backslashes \\ controls \x01\x1f and caf\xc3\xa9";
	compare(provs, &req, "escapes, numbers and nesting in the schema");
	req.schema = NULL;
	compare(provs, &req, "no schema");
	req.model = NULL;
	req.user = NULL;
	compare(provs, &req, "NULL model and user leave their members out");
	prompt_free(pr);
	pr = shipped("write", NULL);
	req = (struct chat_req){ .model = "m", .system = prompt_system(pr),
				 .user = prompt_body(pr), .schema = prompt_schema(pr),
				 .schema_name = prompt_schema_name(pr),
				 .max_tokens = 16000, .temperature = 0.2 };
	compare(provs, &req, "the write prompt");
	prompt_free(odd);
	prompt_free(pr);
}

/* The body for model has (1) or lacks (0) each member; reasoning_effort
 * comes with max_completion_tokens in these profiles. */
static void
members(struct provider *p, const char *model, int mct, int mt, int temp,
	const char *what)
{
	struct chat_req req = { .model = model, .user = "hi", .max_tokens = 900,
				.temperature = 0.7 };
	char *body = provider_chat_body(p, &req);
	cJSON *b = body ? cJSON_Parse(body) : NULL;

	ok(b && !!cJSON_GetObjectItem(b, "max_completion_tokens") == mct &&
	   !!cJSON_GetObjectItem(b, "reasoning_effort") == mct &&
	   !!cJSON_GetObjectItem(b, "max_tokens") == mt &&
	   !!cJSON_GetObjectItem(b, "temperature") == temp, "%s: %s", what,
	   body ? body : "(null)");
	cJSON_Delete(b);
	free(body);
}

/*
 * Reasoning models take max_completion_tokens and no temperature whatever
 * the profile says (api-contracts.md 2.1); the shipped openai profile
 * (data/defaults.yaml) sends that to the shipped default model.
 */
static void
test_reasoning(const char *srcdir)
{
	static const char yaml[] =
		"providers:\n  r: {base_url: 'http://127.0.0.1:1/v1', token_param: max_tokens,"
		" reasoning_models: ['gpt-5*', 'o3*'], reasoning_effort: low}\n"
		"  r2: {base_url: 'http://127.0.0.1:1/v1', reasoning_models: ['gpt-5*']}\n";
	struct config *cfg = config_new();
	struct ig_err err = { 0 };
	struct provider *p;
	char path[PATH_MAX + 32];

	config_load_buffer(cfg, "r", yaml, strlen(yaml), NULL, &err);
	p = provider_new(cfg, "r", 1, &err);
	ok(p != NULL, "a provider with reasoning_models: %s", err.msg);
	if (p) {
		members(p, "gpt-5.4-mini", 1, 0, 0, "gpt-5.4-mini: no max_tokens, no temperature");
		members(p, "o3-mini", 1, 0, 0, "o3-mini matches the second pattern");
		members(p, "gpt-4.1-mini", 0, 1, 1, "gpt-4.1-mini: the profile's own choice");
		members(p, "my-gpt-5", 0, 1, 1, "patterns match the whole name");
	}
	provider_free(p);
	if ((p = provider_new(cfg, "r2", 1, &err))) {
		struct chat_req req = { .model = "gpt-5.4-mini", .user = "hi",
					.temperature = NAN };
		char *body = provider_chat_body(p, &req);

		ok(body && !strstr(body, "reasoning_effort"),
		   "no reasoning_effort when none is set: %s", body ? body : "(null)");
		free(body);
	}
	provider_free(p);
	config_free(cfg);

	cfg = config_new();
	snprintf(path, sizeof path, "%s/data/defaults.yaml", srcdir);
	ok(config_load_file(cfg, path, NULL, 1, &err) == 0, "shipped defaults: %s", err.msg);
	config_set(cfg, "providers.openai.base_url", "http://127.0.0.1:1/v1", "t", &err);
	config_set(cfg, "providers.openai.token_param", "max_tokens", "t", &err);
	p = provider_new(cfg, "openai", 1, &err);
	if (p)
		members(p, config_get(cfg, "functions.write.model"), 1, 0, 0,
			"the shipped default under the shipped openai profile");
	else
		ok(0, "openai provider: %s", err.msg);
	provider_free(p);
	config_free(cfg);
}

int
main(void)
{
	char srcdir[PATH_MAX];
	struct config *cfg = config_new();
	struct ig_err err = { 0 };
	struct provider *provs[ARRAY_SIZE(profiles)] = { 0 };
	int loaded;

	fixture_srcdir(srcdir);
	setenv("IGNY8_DATADIR", srcdir, 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	loaded = config_load_buffer(cfg, "test", config_yaml, strlen(config_yaml),
				    NULL, &err) == 0;
	ok(loaded, "config loads%s%s", loaded ? "" : ": ", loaded ? "" : err.msg);
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		provs[i] = provider_new(cfg, profiles[i].name, 1, &err);
		ok(provs[i] != NULL, "provider %s", profiles[i].name);
	}
	if (loaded && provs[ARRAY_SIZE(profiles) - 1])
		test_bodies(provs);
	test_reasoning(srcdir);
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
		provider_free(provs[i]);
	config_free(cfg);
	return done_testing();
}
