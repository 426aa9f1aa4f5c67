/* t-image-api.c: image request bodies, answer parsing and model rules. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "image_api.h"
#include "tap.h"

/* A literal and its length. */
#define S(lit) lit, sizeof lit - 1

static const char rules[] =
	"image:\n  quality: auto\n  format: png\n"
	"image_models:\n"
	"  fixed: {provider: openai, sizes: [1024x1024, auto], qualities: [low, auto],"
	" formats: [png]}\n"
	"  free: {provider: openai, sizes: [any], multiple_of: 16, max_side: 2048,"
	" max_pixels: 2000000, max_aspect: 2}\n"
	"  rw: {provider: runware, sizes: [any], min_side: 128, max_side: 2048,"
	" multiple_of: 64, formats: [png, jpeg]}\n";

static int
valid(const struct config *cfg, const char *prov, const char *model, const char *size,
      struct ig_err *err)
{
	ig_err_clear(err);
	return image_validate(cfg, prov, model, "image.sizes.featured.desktop", size, err);
}

static void
test_rules(void)
{
	struct config *cfg = config_new();
	struct ig_err err = { 0 };
	long w, h;

	ok(config_load_buffer(cfg, "rules", rules, strlen(rules), NULL, &err) == 0,
	   "rules load: %s", err.msg);
	ok(image_size_parse("1536x1024", &w, &h) == 0 && w == 1536 && h == 1024, "WxH");
	ok(image_size_parse("auto", &w, &h) == 0 && w == 0, "auto");
	ok(image_size_parse("0x10", &w, &h) < 0 && image_size_parse("10x", &w, &h) < 0 &&
	   image_size_parse("10x10 ", &w, &h) < 0, "bad sizes");
	ok(valid(cfg, "openai", "fixed", "1024x1024", &err) == 0, "listed size");
	ok(valid(cfg, "openai", "fixed", "1536x1024", &err) < 0 && err.code == IG_ECONFIG &&
	   strstr(err.msg, "image_models.fixed.sizes"), "unlisted size names the rule");
	ok(valid(cfg, "openai", "free", "1024x512", &err) == 0, "any size within the rules");
	ok(valid(cfg, "openai", "free", "1000x512", &err) < 0 && strstr(err.msg, "multiple_of"),
	   "multiple_of");
	ok(valid(cfg, "openai", "free", "2064x1024", &err) < 0 && strstr(err.msg, "max_side"),
	   "max_side");
	ok(valid(cfg, "openai", "free", "1600x1600", &err) < 0 && strstr(err.msg, "max_pixels"),
	   "max_pixels");
	ok(valid(cfg, "openai", "free", "1536x512", &err) < 0 && strstr(err.msg, "max_aspect"),
	   "max_aspect");
	ok(valid(cfg, "openai", "free", "auto", &err) < 0, "auto needs listing");
	ok(valid(cfg, "runware", "rw", "64x128", &err) < 0 && strstr(err.msg, "min_side"),
	   "min_side");
	ok(valid(cfg, "openai", "rw", "128x128", &err) < 0 && strstr(err.msg, "served by runware"),
	   "provider mismatch");
	ok(valid(cfg, "openai", "unknown-model", "1000x1000", &err) == 0,
	   "a model without rules is not checked");
	config_set(cfg, "image.quality", "high", "test", &err);
	ok(valid(cfg, "openai", "fixed", "1024x1024", &err) < 0 &&
	   strstr(err.msg, "image.quality: 'high'"), "quality not listed");
	is_str(image_quality(cfg, "openai", "fixed"), "high", "quality sent to OpenAI");
	ok(image_quality(cfg, "runware", "rw") == NULL, "never to Runware");
	config_set(cfg, "image.quality", "auto", "test", &err);
	config_set(cfg, "image.format", "webp", "test", &err);
	ok(valid(cfg, "runware", "rw", "128x128", &err) < 0 &&
	   strstr(err.msg, "image.format: 'webp'"), "format not listed");
	config_free(cfg);
}

static void
test_bodies(void)
{
	struct image_req req = { "m", "a cat", "blur", "1024x512", "low", "jpeg" };
	char *b = image_openai_body(&req), uuid[37];
	struct ig_err err = { 0 };

	is_str(b, "{\"model\":\"m\",\"prompt\":\"a cat\",\"n\":1,\"size\":\"1024x512\","
	       "\"quality\":\"low\",\"output_format\":\"jpeg\"}", "OpenAI body");
	free(b);
	ok(image_uuid4(uuid, &err) == 0 && strlen(uuid) == 36 && uuid[14] == '4' &&
	   strchr("89ab", uuid[19]), "UUID v4 %s", uuid);
	b = image_runware_body(&req, uuid);
	ok(b && strstr(b, "\"width\":1024,\"height\":512") && strstr(b, "\"outputFormat\":\"JPG\"") &&
	   strstr(b, "\"negativePrompt\":\"blur\"") && b[0] == '[', "Runware body");
	free(b);
	req.negative = "x";
	b = image_runware_body(&req, uuid);
	ok(!strstr(b, "negativePrompt"), "a negative prompt under 2 characters is left out");
	free(b);
}

static void
test_answers(void)
{
	static const char oa[] = "{\"data\":[{\"b64_json\":\"aGVsbG8=\"}],\"output_format\":"
				 "\"webp\",\"quality\":\"low\",\"size\":\"1024x1024\","
				 "\"usage\":{\"input_tokens\":5,\"output_tokens\":272}}";
	static const char rw[] = "{\"data\":[{\"taskUUID\":\"other\",\"imageURL\":\"http://127.0.0.1:1/1\"},"
				 "{\"taskUUID\":\"u1\",\"imageURL\":\"http://127.0.0.1:1/2\",\"cost\":0.002}]}";
	static const char rwerr[] = "{\"errors\":[{\"taskUUID\":\"u1\",\"code\":\"c\","
				    "\"message\":\"no\",\"parameter\":\"width\"}]}";
	struct image_res res;
	struct ig_err err = { 0 };

	image_res_init(&res);
	ok(image_openai_parse(oa, strlen(oa), 0, &res, &err) == 0 && res.len == 5 &&
	   !memcmp(res.data, "hello", 5), "b64_json decoded");
	ok(res.claimed == IMG_WEBP && res.tokens_out == 272 && !strcmp(res.quality, "low"),
	   "format, usage and quality read");
	image_res_release(&res);
	ok(image_openai_parse(S("{\"data\":[{\"url\":\"http://127.0.0.1:1/i.png\"}]}"), 0,
			      &res, &err) == 0 &&
	   res.url && !res.data, "URL answer");
	image_res_release(&res);
	ok(image_openai_parse(S("{\"data\":[]}"), 0, &res, &err) < 0 && err.code == IG_EPROTO,
	   "no image: malformed");
	image_res_release(&res);
	ok(image_openai_parse(S("{\"data\":[{\"b64_json\":\"aGVsbG8=\"}]}"), 3, &res, &err) < 0,
	   "over the cap");
	image_res_release(&res);
	ok(image_runware_parse(rw, strlen(rw), "u1", 0, &res, &err) == 0 &&
	   !strcmp(res.url, "http://127.0.0.1:1/2") && res.cost == 0.002, "matched by taskUUID");
	image_res_release(&res);
	ok(image_runware_parse(rwerr, strlen(rwerr), "u1", 0, &res, &err) < 0 &&
	   err.code == IG_EDATA && strstr(err.msg, "no (code 'c', parameter 'width')"),
	   "task error");
	image_res_release(&res);
	ok(image_runware_parse(rw, strlen(rw), "u9", 0, &res, &err) < 0 && err.code == IG_EPROTO,
	   "no result for the task");
	image_res_release(&res);
}

int
main(void)
{
	test_rules();
	test_bodies();
	test_answers();
	return done_testing();
}
