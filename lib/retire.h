/*
 * retire.h: when the models a run is configured with shut down, and what
 * a run does about it.
 *
 * Models retire on a date, and on that date every unattended run that
 * still names them starts failing.  Two sources say when: the dated table
 * shipped in data/shutdowns.yaml (loaded as shutdowns.MODEL.{date,
 * replacement,source}, overridable like any setting), and the
 * "shutdown_date" the provider gives for each model in GET /models.  The
 * provider's list is never fetched just to warn: `igny8 models` and
 * `igny8 doctor` fetch it and keep it in the workspace, and for a day runs
 * read it from there.  The provider's date wins over the table's when
 * both are known, because it is the live source.
 *
 * A run whose model shuts down within RETIRE_WARN_DAYS days warns once
 * per model (stderr, plus a --progress json event); on the date and after
 * it stops before sending anything, with IG_ECONFIG and the setting to
 * change.  "Today" is the UTC date, or IGNY8_TODAY (YYYY-MM-DD) for tests.
 */
#ifndef IG_RETIRE_H
#define IG_RETIRE_H

#include <cjson/cJSON.h>

#include "compat.h"
#include "config.h"
#include "err.h"
#include "workspace.h"

#define RETIRE_WARN_DAYS 30
/* Seconds a provider's model list stays usable in the workspace. */
#define RETIRE_CACHE_SECS 86400

struct run;

enum retire_state {
	RETIRE_OK,		/* no shutdown date known */
	RETIRE_LATER,		/* shuts down more than RETIRE_WARN_DAYS away */
	RETIRE_SOON,		/* shuts down within RETIRE_WARN_DAYS days */
	RETIRE_GONE		/* the date is today or past */
};

struct retire_info {
	enum retire_state state;
	char date[11];		/* "YYYY-MM-DD", "" when none is known */
	long days;		/* date minus today, in days (valid with a date) */
	const char *replacement;	/* suggested model, or NULL (config-owned) */
	const char *source;	/* "provider", or the table row's source */
};

/* The state's word in reports: "ok", "retiring", "retiring", "shut-down". */
const char *retire_state_name(enum retire_state s);

/*
 * Today's UTC date as "YYYY-MM-DD" in out, or IGNY8_TODAY when set (the
 * tests' fake clock).  -1 with IG_ECONFIG when IGNY8_TODAY is not a date.
 */
int retire_today(char out[11], struct ig_err *err);

/* Days from date a to date b ("YYYY-MM-DD"); -1 and err when either is bad. */
int retire_days(const char *a, const char *b, long *out, struct ig_err *err);

/*
 * What is known about model as of today: from the provider's GET /models
 * list (may be NULL), else from the shutdowns table, where a dated
 * snapshot ("gpt-4.1-mini-2025-04-14") also takes its base name's row.
 * -1 with IG_ECONFIG when a date in the table is malformed.
 */
int retire_lookup(const struct config *cfg, const cJSON *models,
		  const char *model, const char *today,
		  struct retire_info *out, struct ig_err *err);

/*
 * The provider's model list kept in the workspace for base_url, when it is
 * younger than RETIRE_CACHE_SECS; else NULL.  Caller frees.
 */
cJSON *retire_cached(struct ws *ws, const char *base_url);
/* Keeps a provider's model list (a GET /models answer) for base_url; ws may be NULL. */
int retire_remember(struct ws *ws, const char *base_url, const cJSON *models,
		    struct ig_err *err);

struct prompt;

/* One model setting of the configuration and the provider serving it. */
struct retire_use {
	const char *setting;	/* "functions.write.model", "--model", label */
	const char *model;	/* owned by the config or by prompt */
	const char *provider;	/* providers.NAME, or NULL for Runware */
	struct prompt *prompt;	/* held when its front matter names the model */
	char label[200];	/* "model: in prompt 'write' (workspace)" */
};

/*
 * The model of every AI function (as `igny8 doctor` reports them): a
 * prompt's front matter "model:" (workspace or user prompt, ws may be
 * NULL) wins over functions.FN.model, as in a run.  Up to max rows in
 * out, returns how many; unset models are left out.  Release the rows
 * with retire_uses_release().
 */
size_t retire_configured(const struct config *cfg, struct ws *ws,
			 struct retire_use *out, size_t max);
void retire_uses_release(struct retire_use *uses, size_t n);

/*
 * The run's check, before anything is sent: warns about each model this
 * run will call that shuts down within RETIRE_WARN_DAYS days, and fails
 * with IG_ECONFIG naming the setting when one has shut down.
 */
int retire_check_run(struct run *run, struct ig_err *err);

#endif
