/*
 * config.h: the one settings loader.
 *
 * Settings are a flat map of dotted keys ("providers.openai.base_url") to
 * string values, each remembering where it came from ("file:line",
 * "OPENAI_API_KEY", "--model").  Every key must match a row of the key
 * table (config_keys.c), which gives its type, default, environment
 * variable and a one-line description; wildcard rows ("prices.text.*.input")
 * cover names chosen by the user such as model and provider names, which
 * may themselves contain dots.
 *
 * Layers, later wins: table defaults; <datadir>/defaults.yaml and
 * <datadir>/prices.yaml (shipped data: model names and prices live there,
 * never in code); the system file; $XDG_CONFIG_HOME/igny8/config.yaml;
 * ./igny8.yaml; --config FILE; the environment; command-line flags
 * (config_set()).  Unknown keys and values of the wrong type are errors
 * naming file and line.
 *
 * Ownership: struct config is opaque, from config_new()/config_resolve(),
 * freed with config_free().  Returned const char * values are borrowed
 * until the config is freed or the key is set again.
 *
 * Wildcards: a '*' in a key row matches a name the user chose.  The first
 * '*' of a row takes one or more dot-separated parts, because model names
 * contain dots ("gpt-4.1-mini"); every later '*' takes exactly one part
 * (so "prices.image.*.*.*" reads "<model>.<quality>.<WxH>").  Rows are
 * tried exact names first, then wildcard rows in table order.
 *
 * Errors are IG_ECONFIG with the location first: "igny8.yaml:12: unknown
 * key 'x'", "IGNY8_JOBS: 'run.jobs' must be an integer, not 'many'".
 * A load that fails may leave the keys it set before the error.
 */
#ifndef IG_CONFIG_H
#define IG_CONFIG_H

#include "compat.h"
#include "err.h"

struct config;

enum config_type {
	CFG_STR,	/* any string */
	CFG_INT,	/* integer, strtol-checked */
	CFG_NUM,	/* floating-point number */
	CFG_BOOL,	/* true/false/yes/no/on/off/1/0 */
	CFG_ENUM,	/* one of a '|'-separated list in the key row */
	CFG_LIST,	/* YAML sequence, stored comma-separated */
	CFG_SECRET	/* string that must never be shown (API keys) */
};

/* A row of the key table (read-only, for `igny8 config --keys` and docs). */
struct config_key {
	const char *key;	/* dotted name; '*' matches one user-chosen name */
	enum config_type type;
	const char *def;	/* built-in default, NULL = unset */
	const char *env;	/* environment variable, NULL = none */
	const char *choices;	/* CFG_ENUM values "a|b|c" */
	const char *doc;	/* one line for igny8.yaml(5) and --keys */
	const char *names;	/* '|'-list the '*' may take, NULL = any */
};

/* The key table and its length. */
const struct config_key *config_keys(size_t *n_out);

/* The row a key falls under (exact rows first), or NULL when unknown. */
const struct config_key *config_key_find(const char *key);

/*
 * Fills out (size n) with the known key closest to an unknown `key`, for
 * "did you mean"; returns 0 when one is close enough, -1 otherwise.
 */
int config_key_suggest(const char *key, char *out, size_t n);

/* True when `key` matches the row pattern `pat` (see Wildcards above). */
int config_key_match(const char *pat, const char *key);

/* A config holding only the table defaults. */
struct config *config_new(void);
void config_free(struct config *cfg);

/*
 * Everything but command-line flags, in order: defaults, shipped data
 * files, system file, user file, ./igny8.yaml, `file` (--config, may be
 * NULL; must exist when given), environment.  Warns (through `warn`, may be
 * NULL) when a file holding a key is readable by others.
 */
struct config *config_resolve(const char *file,
			      void (*warn)(const char *msg), struct ig_err *err);

/*
 * Loads one YAML file.  `required` = 0 skips a missing file silently.
 * `prefix` (may be NULL) is prepended to every key (used for prices.yaml,
 * loaded under "prices").
 */
int config_load_file(struct config *cfg, const char *path, const char *prefix,
		     int required, struct ig_err *err);

/* Loads YAML held in memory; `name` is the location used in messages and
 * origins.  config_load_file reads the file and calls this. */
int config_load_buffer(struct config *cfg, const char *name, const char *data,
		       size_t len, const char *prefix, struct ig_err *err);

/* Applies every key row's environment variable that is set and not empty.
 * Returns -1 with err filled (location = the variable) on a bad value. */
int config_load_env(struct config *cfg, struct ig_err *err);

/* Where config_load_file and api_key_file reads send warnings (a file with
 * a secret that others can read); NULL = no warnings. */
void config_set_warn(struct config *cfg, void (*warn)(const char *msg));

/* Checks a value for a key as config_set would, without setting it;
 * `where` names the source in the message ("--method"). */
int config_check_value(const char *key, const char *value, const char *where,
		       struct ig_err *err);

/* Sets one key from a flag or code; validated like a file value. */
int config_set(struct config *cfg, const char *key, const char *value,
	       const char *origin, struct ig_err *err);

/* Typed getters.  config_get returns NULL when unset; the others return
 * the zero value when unset. */
const char *config_get(const struct config *cfg, const char *key);
const char *config_str(const struct config *cfg, const char *key);
long config_int(const struct config *cfg, const char *key);
double config_num(const struct config *cfg, const char *key);
int config_bool(const struct config *cfg, const char *key);
/* Where the value came from ("default", "file:line", "ENV", "--flag"). */
const char *config_origin(const struct config *cfg, const char *key);
/* 1 when the user set key (a file, the environment, --set), 0 when its
 * value is the built-in or shipped defaults.yaml/prices.yaml one, or unset. */
int config_user_set(const struct config *cfg, const char *key);
int config_is_secret(const char *key);

/* Getter with a printf-built key, e.g. config_getf(cfg, "providers.%s.base_url", p). */
const char *config_getf(const struct config *cfg, const char *fmt, ...)
	IG_PRINTF(2, 3);

/*
 * A provider setting with fallback: providers.<provider>.<field> when set,
 * else the generic default for an OpenAI-compatible server (token_param
 * max_tokens, response_format json_object, send_temperature true,
 * connect_timeout 10, timeout 300, max_retries 5, max_retry_wait 120,
 * rpm 0, tpm 0), else NULL (base_url, api_key, organization, project).
 */
const char *config_provider(const struct config *cfg, const char *provider,
			    const char *field);
long config_provider_int(const struct config *cfg, const char *provider,
			 const char *field);

/*
 * A per-function setting (fn is cluster, ideas, write, image_prompts, embed
 * or moderation): functions.<fn>.<field>; for "provider" an unset value
 * falls back to embed.provider (embed) or text.provider (the others).
 */
const char *config_fn(const struct config *cfg, const char *fn,
		      const char *field);

/* Calls cb for every set key starting with prefix ("" = all), sorted;
 * secret values are passed as "[REDACTED]". */
void config_each(const struct config *cfg, const char *prefix,
		 void (*cb)(const char *key, const char *value,
			    const char *origin, void *ctx),
		 void *ctx);

/* Path of a shipped data file ("prompts/write.md", "prices.yaml"), looked
 * up in $IGNY8_DATADIR, <exe>/../share/igny8, then the compiled-in
 * datadir.  Returns a malloc'd path of an existing file, or NULL. */
char *config_datafile(const char *rel);

#endif
