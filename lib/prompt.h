/*
 * prompt.h: the prompt registry, the only way prompts are found and filled.
 *
 * A prompt file is Markdown-ish text with YAML front matter between "---"
 * lines: model settings (model, max_tokens, temperature), an optional
 * `system` message, and `schema_name` plus `schema`, the JSON schema of the
 * answer.  The body is the user message, with placeholders written either
 * as [IGNY8_NAME] or {name} (the same variable; "{{" is a literal brace).
 *
 * Resolution, first found wins: the record's own prompt_override; the run's
 * --prompt FILE; the workspace's prompts table (`igny8 prompts set`);
 * $XDG_CONFIG_HOME/igny8/prompts/<function>.md; the shipped default.  An
 * override without front matter keeps the default's settings and schema.
 *
 * Ownership: prompt_resolve() and prompt_vars_new() return heap objects
 * freed by prompt_free()/prompt_vars_free(); const char * results are
 * borrowed from them.
 */
#ifndef IG_PROMPT_H
#define IG_PROMPT_H

#include <cjson/cJSON.h>

#include "compat.h"
#include "err.h"
#include "workspace.h"

struct prompt;
struct prompt_vars;

/* The functions that have prompts, NULL-terminated. */
extern const char *const prompt_functions[];
int prompt_function_known(const char *fn);

/* ws may be NULL (no workspace level); override and run_file may be NULL. */
struct prompt *prompt_resolve(struct ws *ws, const char *fn,
			      const char *override, const char *run_file,
			      struct ig_err *err);
/* Parses a prompt from text (front matter optional); `name` for messages. */
struct prompt *prompt_parse(const char *fn, const char *text, const char *name,
			    struct ig_err *err);
/* Prompts are reference-counted: prompt_ref() adds a holder, prompt_free()
 * drops one and frees with the last. */
struct prompt *prompt_ref(struct prompt *p);
void prompt_free(struct prompt *p);

const char *prompt_source(const struct prompt *p);	/* "default", "workspace", a path */
const char *prompt_body(const struct prompt *p);
const char *prompt_system(const struct prompt *p);	/* may be NULL */
const cJSON *prompt_schema(const struct prompt *p);	/* may be NULL */
/* The schema as json_dump() prints it (chat_req.schema_json); may be NULL. */
const char *prompt_schema_json(const struct prompt *p);
const char *prompt_schema_name(const struct prompt *p);
/*
 * A prompt like p whose schema lets the array at properties.<member> hold
 * at most max items (maxItems, kept when already lower), so that a model
 * held to the schema cannot answer more than was asked.  Returns a new
 * prompt (or another reference to p when its schema has no such array);
 * NULL on out of memory.
 */
struct prompt *prompt_bound_items(struct prompt *p, const char *member, long max);
/* Settings from front matter: NULL / -1 / NAN when not given. */
const char *prompt_model(const struct prompt *p);
long prompt_max_tokens(const struct prompt *p);
double prompt_temperature(const struct prompt *p);
/*
 * 1 when the user's own prompt file (not the shipped one, nor what it
 * inherits from it) gives `key` in its front matter.  Model settings go,
 * first found wins: -m; the user's prompt file; the user's configuration
 * (functions.<fn>.*); the shipped prompt; the shipped defaults.yaml.
 */
int prompt_own_setting(const struct prompt *p, const char *key);
/* The whole front matter (for other keys such as `style`). */
const cJSON *prompt_meta(const struct prompt *p);

struct prompt_vars *prompt_vars_new(void);
void prompt_vars_free(struct prompt_vars *v);
/* Copies name and value; setting a name again replaces it. */
int prompt_vars_set(struct prompt_vars *v, const char *name, const char *value);
int prompt_vars_setf(struct prompt_vars *v, const char *name, const char *fmt, ...)
	IG_PRINTF(3, 4);

/*
 * Fills text's placeholders from v.  An unknown placeholder is an error
 * (IG_EDATA) naming it and listing the known names.  Returns a malloc'd
 * string.
 */
char *prompt_render(const char *text, const struct prompt_vars *v,
		    struct ig_err *err);

/*
 * Checks a user's prompt file for `fn` before it is saved: its front
 * matter (known keys, their types, a schema that is one), and that its
 * text and system message use only the function's placeholders.  Returns
 * 0, or -1 with err (IG_EDATA) naming `name` and what is wrong.
 */
int prompt_validate(const char *fn, const char *text, const char *name,
		    struct ig_err *err);

/* The shipped default text of a function's prompt (malloc'd), or NULL. */
char *prompt_default_text(const char *fn, struct ig_err *err);

/* Workspace-level prompts (the prompts table).  body NULL = reset. */
int prompt_ws_set(struct ws *ws, const char *fn, const char *body,
		  struct ig_err *err);
char *prompt_ws_get(struct ws *ws, const char *fn);

#endif
