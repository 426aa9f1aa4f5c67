/*
 * fuzz-config.c: libFuzzer harness for the YAML settings loader.
 *
 * The input is a settings file; the first byte picks whether it loads at
 * the top or under "prices" (as prices.yaml does).  Whatever loads is then
 * listed, looked up and priced, so the walker, the key matcher, the
 * suggestion search (on each unknown key) and cost.c see hostile keys.
 */
#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cost.h"
#include "err.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
each(const char *key, const char *value, const char *origin, void *ctx)
{
	size_t *total = ctx;

	*total += strlen(key) + strlen(value) + strlen(origin);
	if (!config_key_find(key))
		__builtin_trap();	/* everything stored passed the table */
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* An api_key_file of /dev/stdin must not wait for a terminal. */
	if (!freopen("/dev/null", "r", stdin))
		return 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = config_new();
	struct ig_err err = { 0 };
	size_t total = 0;
	double usd;
	const char *prefix = size && (data[0] & 1) ? "prices" : NULL;

	if (!cfg)
		return 0;
	config_load_buffer(cfg, "fuzz.yaml", (const char *)data, size, prefix,
			   &err);
	config_each(cfg, "", each, &total);
	cost_text(cfg, "gpt-4.1-mini", 1000, 10, 100, 1, &usd);
	cost_image(cfg, config_str(cfg, "image.model"), "auto", "1024x1024",
		   10, 10, 0, &usd);
	cost_estimate_image(cfg, config_str(cfg, "image.model"), "auto",
			    "1536x1024", &usd);
	config_provider(cfg, config_str(cfg, "text.provider"), "token_param");
	config_free(cfg);
	ig_secrets_free();
	return 0;
}
