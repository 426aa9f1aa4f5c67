/* t-config.c: the settings loader: table, YAML, layers, errors, secrets. */
#include "compat.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "fixture.h"
#include "tap.h"

static char srcdir[PATH_MAX], tmp[PATH_MAX];
static char lastwarn[IG_ERR_MSGLEN];
static int nwarn;

static void
warn(const char *msg)
{
	nwarn++;
	snprintf(lastwarn, sizeof lastwarn, "%s", msg);
}

/* Loads text as a file named name; returns the load's result. */
static int
load(struct config *cfg, const char *name, const char *text,
     struct ig_err *err)
{
	fixture_put(name, text, 0600);
	ig_err_clear(err);
	return config_load_file(cfg, name, NULL, 1, err);
}

static void
test_defaults(void)
{
	struct config *cfg = config_new();
	size_t n;
	const struct config_key *rows = config_keys(&n);

	ok(n > 90, "key table has %zu rows", n);
	is_int(config_int(cfg, "run.jobs"), 4, "run.jobs defaults to 4");
	is_str(config_origin(cfg, "run.jobs"), "default", "origin of a default");
	is_str(config_get(cfg, "providers.openai.base_url"),
	       "https://api.openai.com/v1", "openai base_url");
	is_str(config_get(cfg, "image.devices"), "desktop", "list default (one device: issue 21)");
	ok(config_bool(cfg, "run.cache"), "run.cache true");
	ok(!config_bool(cfg, "moderation.enabled"), "moderation off");
	is_str(config_get(cfg, "providers.openai.api_key"), NULL, "no key by default");
	is_str(config_str(cfg, "providers.openai.api_key"), "", "config_str gives ''");
	is_str(config_get(cfg, "functions.write.model"), NULL,
	       "no model name in code");
	is_int(config_int(cfg, "run.max_body"), 67108864, "run.max_body");
	ok(config_num(cfg, "prices.batch_discount") == 0.5, "batch discount");
	for (size_t i = 0; i < n; i++)
		if (rows[i].def && rows[i].type == CFG_STR &&
		    strstr(rows[i].def, "gpt-"))
			ok(0, "model name in table row %s", rows[i].key);
	config_free(cfg);
}

static void
test_match(void)
{
	const struct config_key *k;

	ok(config_key_match("prices.text.*.input", "prices.text.gpt-4.1-mini.input"),
	   "first * takes dotted names");
	ok(!config_key_match("prices.text.*.input", "prices.text.input"),
	   "* takes at least one part");
	ok(config_key_match("prices.image.*.*.*",
			    "prices.image.gpt-image-1.5.high.1024x1024"),
	   "triple star: dotted model, then quality, size");
	ok(!config_key_match("prices.image.*.*.*", "prices.image.m.high"),
	   "triple star needs three parts");
	ok(!config_key_match("a.*.b", "a..b"), "empty part never matches");
	k = config_key_find("prices.image.gpt-image-1.5.high.1024x1024");
	is_str(k ? k->key : NULL, "prices.image.*.*.*", "per-image row");
	k = config_key_find("prices.image.gpt-image-1.5.source");
	is_str(k ? k->key : NULL, "prices.image.*.source", "source row first");
	k = config_key_find("providers.openai.timeout");
	is_str(k ? k->key : NULL, "providers.openai.timeout", "exact row wins");
	k = config_key_find("providers.my.llm.timeout");
	is_str(k ? k->key : NULL, "providers.*.timeout", "wildcard provider");
	ok(config_key_find("functions.image_prompts.model") != NULL,
	   "function name allowed");
	ok(config_key_find("functions.clster.model") == NULL,
	   "function names are checked");
	ok(config_is_secret("providers.ollama.api_key"), "wildcard secret");
	ok(!config_is_secret("providers.ollama.api_key_file"), "key file is not");
}

static void
test_yaml(void)
{
	struct config *cfg = config_new();
	struct ig_err err = { 0 };
	int r;

	r = load(cfg, "a.yaml",
		 "# comment\n"
		 "run:\n"
		 "  jobs: 8\n"
		 "  cache: no\n"
		 "prices:\n"
		 "  text:\n"
		 "    gpt-4.1-mini: {input: 0.4, output: 1.6}\n"
		 "image.devices: [desktop]\n"
		 "image_models:\n"
		 "  \"runware:100@1\":\n"
		 "    sizes:\n"
		 "      - any\n"
		 "    formats: []\n"
		 "write: {audience: ~, tone: dry}\n"
		 "providers:\n", &err);
	is_int(r, 0, "nested, flow, dotted and list YAML loads: %s", err.msg);
	is_int(config_int(cfg, "run.jobs"), 8, "run.jobs from file");
	is_str(config_origin(cfg, "run.jobs"), "a.yaml:3", "origin file:line");
	is_str(config_get(cfg, "run.cache"), "false", "bool normalised");
	is_str(config_get(cfg, "prices.text.gpt-4.1-mini.output"), "1.6",
	       "dotted model name in a nested key");
	is_str(config_origin(cfg, "prices.text.gpt-4.1-mini.output"), "a.yaml:7",
	       "flow mapping line");
	is_str(config_get(cfg, "image.devices"), "desktop", "one-item list");
	is_str(config_get(cfg, "image_models.runware:100@1.sizes"), "any",
	       "block list");
	is_str(config_origin(cfg, "image_models.runware:100@1.sizes"),
	       "a.yaml:11", "list origin is its key's line");
	is_str(config_get(cfg, "image_models.runware:100@1.formats"), "",
	       "empty list");
	is_str(config_get(cfg, "write.audience"), "", "null is empty");
	is_str(config_get(cfg, "write.tone"), "dry", "flow mapping");

	r = load(cfg, "b.yaml", "image:\n  devices: [desktop, mobile, tv]\n",
		 &err);
	is_str(config_get(cfg, "image.devices"), "desktop,mobile,tv",
	       "list joined with commas");

	r = load(cfg, "c.yaml", "image:\n  devices:\n    - {a: 1}\n", &err);
	ok(r < 0 && err.code == IG_ECONFIG, "mapping inside a list fails");
	is_str(err.msg, "c.yaml:3: 'image.devices': a list may hold only plain values",
	       "nested list message");
	r = load(cfg, "c.yaml", "image:\n  devices: [[a]]\n", &err);
	ok(r < 0, "list in a list fails: %s", err.msg);
	r = load(cfg, "c.yaml", "run:\n  jobs: [1, 2]\n", &err);
	is_str(err.msg, "c.yaml:2: 'run.jobs' must be an integer, not '1,2'",
	       "list where a scalar belongs");
	r = load(cfg, "c.yaml", "image:\n  devices: [a, 'b,c']\n", &err);
	ok(r < 0 && strstr(err.msg, "contains ','"), "comma in item: %s", err.msg);
	config_free(cfg);
}

static void
test_errors(void)
{
	struct config *cfg = config_new();
	struct ig_err err = { 0 };
	int r;

	r = load(cfg, "igny8.yaml",
		 "providers:\n"
		 "  openai:\n"
		 "    base_ur: http://127.0.0.1:9\n", &err);
	ok(r < 0 && err.code == IG_ECONFIG, "unknown key fails with 78");
	is_str(err.msg, "igny8.yaml:3: unknown key 'providers.openai.base_ur'; "
	       "did you mean 'providers.openai.base_url'?", "suggestion");
	load(cfg, "igny8.yaml", "providers.ollama.tokens_param: max_tokens\n", &err);
	is_str(err.msg, "igny8.yaml:1: unknown key 'providers.ollama.tokens_param'; "
	       "did you mean 'providers.ollama.token_param'?",
	       "suggestion keeps the user's provider name");
	load(cfg, "igny8.yaml", "functions:\n  clster:\n    model: m\n", &err);
	is_str(err.msg, "igny8.yaml:3: unknown key 'functions.clster.model'; "
	       "did you mean 'functions.cluster.model'?", "function typo");
	load(cfg, "igny8.yaml", "zzzzzz: 1\n", &err);
	is_str(err.msg, "igny8.yaml:1: unknown key 'zzzzzz'", "nothing close");

	load(cfg, "igny8.yaml", "# jobs\n\n\n\n\nrun:\n  jobs: many\n", &err);
	is_str(err.msg, "igny8.yaml:7: 'run.jobs' must be an integer, not 'many'",
	       "wrong type with line");
	load(cfg, "igny8.yaml", "run: {jobs: -2}\n", &err);
	ok(strstr(err.msg, "'run.jobs' must be between 0 and"), "negative int");
	load(cfg, "igny8.yaml", "run: {max_cost: lots}\n", &err);
	is_str(err.msg, "igny8.yaml:1: 'run.max_cost' must be a number, not 'lots'",
	       "number");
	load(cfg, "igny8.yaml", "run: {cache: maybe}\n", &err);
	is_str(err.msg, "igny8.yaml:1: 'run.cache' must be true or false, not 'maybe'",
	       "bool");
	load(cfg, "igny8.yaml", "image:\n  format: gif\n", &err);
	is_str(err.msg, "igny8.yaml:2: 'image.format' must be one of png, jpeg, "
	       "webp, not 'gif'", "enum lists its choices");
	load(cfg, "igny8.yaml", "run:\n  jobs: 2\n  jobs: 3\n", &err);
	is_str(err.msg, "igny8.yaml:3: duplicate key 'run.jobs' (first set at "
	       "igny8.yaml:2)", "duplicate key");
	load(cfg, "igny8.yaml", "run: 3\n", &err);
	is_str(err.msg, "igny8.yaml:1: 'run' is a group of settings, not a setting",
	       "value for a group");

	load(cfg, "igny8.yaml", "run:\n  jobs: 2\n bad: [\n", &err);
	ok(strncmp(err.msg, "igny8.yaml:3: YAML syntax error: ", 33) == 0,
	   "syntax error with line: %s", err.msg);
	load(cfg, "igny8.yaml", "run: {jobs: &x 1}\nideas: {count: *x}\n", &err);
	is_str(err.msg, "igny8.yaml:2: YAML aliases are not supported", "alias");
	load(cfg, "igny8.yaml", "- a\n- b\n", &err);
	ok(strstr(err.msg, "expected a mapping"), "top-level list: %s", err.msg);
	is_int(load(cfg, "igny8.yaml", "", &err), 0, "empty file is fine");
	is_int(load(cfg, "igny8.yaml", "---\n...\n", &err), 0, "empty doc");

	ig_err_clear(&err);
	r = config_load_file(cfg, "nonexistent.yaml", NULL, 1, &err);
	ok(r < 0 && err.code == IG_ECONFIG, "missing required file fails");
	is_str(err.msg, "cannot open config file 'nonexistent.yaml': No such "
	       "file or directory", "missing file message");
	is_int(config_load_file(cfg, "nonexistent.yaml", NULL, 0, &err), 0,
	       "missing optional file is skipped");
	r = config_load_file(cfg, ".", NULL, 0, &err);
	ok(r < 0 && strstr(err.msg, "Is a directory"), "directory: %s", err.msg);

	r = config_set(cfg, "run.progress", "loud", "--progress", &err);
	is_str(err.msg, "--progress: 'run.progress' must be one of auto, tty, "
	       "json, none, not 'loud'", "config_set validates");
	r = config_set(cfg, "run.jobs", "3", "--jobs", &err);
	is_int(r, 0, "config_set");
	is_str(config_origin(cfg, "run.jobs"), "--jobs", "flag origin");
	config_free(cfg);
}

static void
collect(const char *key, const char *value, const char *origin, void *ctx)
{
	char *out = ctx;
	size_t len = strlen(out);

	(void)origin;
	snprintf(out + len, 4096 - len, "%s=%s\n", key, value);
}

static void
test_secrets(void)
{
	struct config *cfg = config_new();
	struct ig_err err = { 0 };
	char out[4096] = "", msg[128];

	config_set_warn(cfg, warn);
	nwarn = 0;
	fixture_put("open.yaml", "providers:\n  openai:\n    api_key: sk-open-123456\n",
		 0644);
	is_int(config_load_file(cfg, "open.yaml", NULL, 1, &err), 0, "load");
	is_int(nwarn, 1, "warning for a 0644 file holding a key");
	is_str(lastwarn, "open.yaml holds an API key and is readable by others; "
	       "run 'chmod 600 open.yaml'", "warning names file and chmod");
	nwarn = 0;
	fixture_put("closed.yaml", "providers:\n  openai:\n    api_key: sk-closed-123456\n",
		 0600);
	config_load_file(cfg, "closed.yaml", NULL, 1, &err);
	is_int(nwarn, 0, "no warning at 0600");
	fixture_put("nokey.yaml", "run:\n  jobs: 2\n", 0644);
	config_load_file(cfg, "nokey.yaml", NULL, 1, &err);
	is_int(nwarn, 0, "no warning without a key");

	config_each(cfg, "providers.openai", collect, out);
	ok(strstr(out, "providers.openai.api_key=[REDACTED]\n") != NULL,
	   "config_each redacts");
	ok(!strstr(out, "sk-closed"), "no key in config_each");
	is_str(config_get(cfg, "providers.openai.api_key"), "sk-closed-123456",
	       "config_get gives the key");
	snprintf(msg, sizeof msg, "got sk-open-123456 back");
	ig_redact(msg);
	is_str(msg, "got [REDACTED] back", "loaded keys are registered secrets");

	fixture_put("key.txt", "sk-file-abcdef\nsecond line\n", 0600);
	nwarn = 0;
	fixture_put("kf.yaml", "providers:\n  ollama:\n    api_key_file: key.txt\n", 0644);
	is_int(config_load_file(cfg, "kf.yaml", NULL, 1, &err), 0, "api_key_file");
	is_str(config_get(cfg, "providers.ollama.api_key"), "sk-file-abcdef",
	       "first line of the key file");
	is_str(config_origin(cfg, "providers.ollama.api_key"), "key.txt",
	       "origin is the key file");
	is_int(nwarn, 0, "a file naming a key file holds no key");
	chmod("key.txt", 0640);
	config_load_file(cfg, "kf.yaml", NULL, 1, &err);
	is_int(nwarn, 1, "warning for a readable key file");
	fixture_put("kf.yaml", "providers:\n  ollama:\n    api_key_file: nope.txt\n",
		 0600);
	ok(config_load_file(cfg, "kf.yaml", NULL, 1, &err) < 0 &&
	   strstr(err.msg, "kf.yaml:3: 'providers.ollama.api_key_file': cannot "
		  "open 'nope.txt'"), "missing key file: %s", err.msg);
	config_free(cfg);
}

static void
test_provider(void)
{
	struct config *cfg = config_new();
	struct ig_err err = { 0 };

	load(cfg, "p.yaml",
	     "text:\n  provider: ollama\n"
	     "providers:\n"
	     "  ollama:\n"
	     "    base_url: http://127.0.0.1:11434/v1\n"
	     "    token_param: max_tokens\n"
	     "    timeout: 600\n", &err);
	is_str(config_provider(cfg, "ollama", "base_url"),
	       "http://127.0.0.1:11434/v1", "user provider base_url");
	is_str(config_provider(cfg, "ollama", "response_format"), "json_object",
	       "generic response_format");
	is_int(config_provider_int(cfg, "ollama", "timeout"), 600, "own timeout");
	is_int(config_provider_int(cfg, "ollama", "connect_timeout"), 10,
	       "generic connect_timeout");
	is_int(config_provider_int(cfg, "ollama", "max_retry_wait"), 120,
	       "generic max_retry_wait");
	is_str(config_provider(cfg, "ollama", "api_key"), NULL, "no generic key");
	is_str(config_provider(cfg, "openai", "response_format"), "json_schema",
	       "openai built-in");
	is_str(config_provider(cfg, "openai", "token_param"),
	       "max_completion_tokens", "openai token_param");
	is_str(config_fn(cfg, "write", "provider"), "ollama",
	       "function provider falls back to text.provider");
	is_str(config_fn(cfg, "embed", "provider"), "openai",
	       "embed falls back to embed.provider");
	config_set(cfg, "functions.write.provider", "openai", "--provider", &err);
	is_str(config_fn(cfg, "write", "provider"), "openai", "own provider");
	is_str(config_getf(cfg, "providers.%s.timeout", "ollama"), "600",
	       "config_getf");
	config_free(cfg);
}

/* defaults.yaml < prices.yaml < user < ./igny8.yaml < --config < env < flag */
static void
test_layers(void)
{
	struct ig_err err = { 0 };
	struct config *cfg;
	char path[PATH_MAX + 32];

	snprintf(path, sizeof path, "%s/data", srcdir);
	setenv("IGNY8_DATADIR", path, 1);
	snprintf(path, sizeof path, "%s/xdg", tmp);
	setenv("XDG_CONFIG_HOME", path, 1);
	mkdir("xdg", 0700);
	mkdir("xdg/igny8", 0700);
	fixture_put("xdg/igny8/config.yaml",
		 "run: {jobs: 5, max_line: 100}\nwrite: {tone: dry}\n"
		 "functions: {write: {model: user-model}}\n", 0600);
	fixture_put("igny8.yaml", "run: {jobs: 6, max_body: 200}\n", 0600);
	fixture_put("extra.yaml", "run: {jobs: 7}\nideas: {count: 9}\n", 0600);
	unsetenv("IGNY8_JOBS");

	cfg = config_resolve(NULL, warn, &err);
	ok(cfg != NULL, "resolve: %s", err.msg);
	if (!cfg)
		return;
	is_str(config_get(cfg, "functions.cluster.model"), "gpt-5.4-mini",
	       "model from shipped defaults.yaml");
	ok(strstr(config_origin(cfg, "functions.cluster.model"),
		  "data/defaults.yaml:"), "origin names defaults.yaml");
	is_str(config_get(cfg, "prices.text.gpt-4.1-mini.input"), "0.40",
	       "prices.yaml under prices.");
	is_str(config_get(cfg, "shutdowns.gpt-4.1-mini.date"), "2027-01-14",
	       "shutdowns.yaml under shutdowns.");
	is_str(config_get(cfg, "functions.write.model"), "user-model",
	       "user file over defaults.yaml");
	is_str(config_get(cfg, "write.tone"), "dry", "user file");
	is_int(config_int(cfg, "run.max_line"), 100, "user file key kept");
	is_int(config_int(cfg, "run.jobs"), 6, "./igny8.yaml over user file");
	is_str(config_origin(cfg, "run.jobs"), "igny8.yaml:1", "its origin");
	config_free(cfg);

	cfg = config_resolve("extra.yaml", warn, &err);
	is_int(config_int(cfg, "run.jobs"), 7, "--config over ./igny8.yaml");
	is_int(config_int(cfg, "run.max_body"), 200, "./igny8.yaml key kept");
	is_int(config_int(cfg, "ideas.count"), 9, "--config key");
	config_free(cfg);

	setenv("IGNY8_JOBS", "12", 1);
	setenv("OPENAI_API_KEY", "sk-env-key-999", 1);
	cfg = config_resolve("extra.yaml", warn, &err);
	is_int(config_int(cfg, "run.jobs"), 12, "env over files");
	is_str(config_origin(cfg, "run.jobs"), "IGNY8_JOBS", "env origin");
	is_str(config_origin(cfg, "providers.openai.api_key"), "OPENAI_API_KEY",
	       "key from env");
	config_set(cfg, "run.jobs", "2", "--jobs", &err);
	is_int(config_int(cfg, "run.jobs"), 2, "flag over env");
	config_free(cfg);
	unsetenv("OPENAI_API_KEY");

	setenv("IGNY8_JOBS", "many", 1);
	cfg = config_resolve(NULL, warn, &err);
	ok(!cfg && err.code == IG_ECONFIG, "bad env value fails");
	is_str(err.msg, "IGNY8_JOBS: 'run.jobs' must be an integer, not 'many'",
	       "env location");
	unsetenv("IGNY8_JOBS");

	cfg = config_resolve("missing.yaml", warn, &err);
	ok(!cfg && err.code == IG_ECONFIG, "missing --config file fails");

	fixture_put("igny8.yaml", "run: {jobs: [\n", 0600);
	cfg = config_resolve(NULL, warn, &err);
	ok(!cfg && strncmp(err.msg, "igny8.yaml:", 11) == 0, "bad ./igny8.yaml: %s",
	   err.msg);
	unlink("igny8.yaml");

	setenv("IGNY8_DATADIR", tmp, 1);
	snprintf(path, sizeof path, "%s/defaults.yaml", tmp);
	{
		char *p = config_datafile("defaults.yaml");

		ok(!p || strcmp(p, path) != 0, "datafile needs an existing file");
		free(p);
		fixture_put("defaults.yaml", "run: {jobs: 3}\n", 0600);
		p = config_datafile("defaults.yaml");
		is_str(p, path, "IGNY8_DATADIR first");
		free(p);
	}
	unsetenv("IGNY8_DATADIR");
}

/* Each literal block of EXAMPLES is a settings file that loads. */
static void
test_examples(const char *text)
{
	const char *p = strstr(text, "\n.Sh EXAMPLES\n"), *end;
	int n = 0;

	/* the Ollama example reads ~/.config/igny8/ollama.key */
	setenv("HOME", tmp, 1);
	mkdir(".config", 0700);
	mkdir(".config/igny8", 0700);
	fixture_put(".config/igny8/ollama.key", "ollama\n", 0600);

	while (p && (p = strstr(p, ".Bd -literal -offset indent\n")) &&
	       (end = strstr(p, "\n.Ed\n"))) {
		struct config *cfg = config_new();
		struct ig_err err = { 0 };
		char name[32];

		p = strchr(p, '\n') + 1;
		snprintf(name, sizeof name, "example%d", ++n);
		is_int(config_load_buffer(cfg, name, p, (size_t)(end - p) + 1,
					  NULL, &err), 0,
		       "igny8.yaml(5) example %d loads: %s", n, err.msg);
		config_free(cfg);
		p = end;
	}
	is_int(n, 3, "three examples");
}

/* Every key row is documented in igny8.yaml(5). */
static void
test_manpage(void)
{
	char path[PATH_MAX + 32], *text;
	const struct config_key *rows;
	size_t n, len, missing = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/man/igny8.yaml.5", srcdir);
	f = fopen(path, "r");
	ok(f != NULL, "man page %s", path);
	if (!f)
		return;
	text = calloc(1, 1 << 20);
	len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	text[len] = '\0';
	rows = config_keys(&n);
	for (size_t i = 0; i < n; i++) {
		if (strstr(text, rows[i].key))
			continue;
		missing++;
		diag("not in igny8.yaml(5): %s", rows[i].key);
	}
	is_int(missing, 0, "every key row appears in igny8.yaml(5)");
	for (size_t i = 0; i < n; i++)
		if (rows[i].env && !strstr(text, rows[i].env))
			ok(0, "%s not in igny8.yaml(5)", rows[i].env);
	test_examples(text);
	free(text);
}

int
main(void)
{
	fixture_srcdir(srcdir);
	snprintf(tmp, sizeof tmp, "/tmp/t-config.XXXXXX");
	if (!mkdtemp(tmp) || chdir(tmp) < 0) {
		perror("mkdtemp");
		return 1;
	}
	test_defaults();
	test_match();
	test_yaml();
	test_errors();
	test_secrets();
	test_provider();
	test_layers();
	test_manpage();
	ig_secrets_free();
	if (chdir("/") == 0) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			diag("could not remove %s", tmp);
	}
	return done_testing();
}
