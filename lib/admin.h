/*
 * admin.h: the reports behind `igny8 config`, `igny8 prompts` and
 * `igny8 models`.  They write to the FILE the caller gives (the command
 * passes stdout); errors come back through struct ig_err.
 */
#ifndef IG_ADMIN_H
#define IG_ADMIN_H

#include <stdio.h>

#include "compat.h"
#include "config.h"
#include "err.h"
#include "workspace.h"

/* Every set key as "key = value  # origin" (or JSON lines), keys redacted. */
int admin_config(const struct config *cfg, const char *prefix, int json,
		 FILE *out, struct ig_err *err);

/* Each prompt function and which level its prompt comes from. */
int admin_prompts_list(struct ws *ws, FILE *out, struct ig_err *err);
/* The resolved prompt of a function: its source, front matter and body. */
int admin_prompt_show(struct ws *ws, const char *fn, FILE *out, struct ig_err *err);
/* Stores a prompt file's text in the workspace after checking it parses. */
int admin_prompt_set(struct ws *ws, const char *fn, const char *path,
		     struct ig_err *err);

/*
 * The provider's models (GET /models), each with its retirement status:
 * the provider's shutdown_date, else the shutdowns table's (retire.h).
 * The list is kept in ws (may be NULL) for the runs of the next day.
 */
int admin_models(const struct config *cfg, struct ws *ws, const char *provider,
		 int json, FILE *out, struct ig_err *err);

/*
 * The status of every configured model (functions.*.model, image.model):
 * ok, retiring (with date, days left, source, replacement) or shut down.
 * Provider lists come from ws when kept within a day, else are fetched
 * (and kept) from providers that have a key or are local.  Returns how
 * many configured models have shut down, or -1.
 */
int admin_doctor(const struct config *cfg, struct ws *ws, int json, FILE *out,
		 struct ig_err *err);

#endif
