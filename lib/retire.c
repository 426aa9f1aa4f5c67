/* retire.c: model shutdown dates, their sources, and the run's check (see retire.h). */
#include "compat.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "engine.h"
#include "json.h"
#include "msg.h"
#include "progress.h"
#include "prompt.h"
#include "retire.h"

const char *
retire_state_name(enum retire_state s)
{
	return s == RETIRE_GONE ? "shut-down" : s == RETIRE_OK ? "ok" : "retiring";
}

/* Day number of a proleptic Gregorian date (days from civil, H. Hinnant). */
static long
day_number(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" exactly, a real calendar day; its day number in *out. */
static int
parse_date(const char *s, long *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	y = strtol(s, NULL, 10);
	m = strtol(s + 5, NULL, 10);
	d = strtol(s + 8, NULL, 10);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))
		return -1;
	*out = day_number(y, m, d);
	return 0;
}

int
retire_days(const char *a, const char *b, long *out, struct ig_err *err)
{
	long da, db;

	if (parse_date(a, &da) < 0)
		return ig_err_set(err, IG_ECONFIG, "'%s' is not a date (YYYY-MM-DD)", a);
	if (parse_date(b, &db) < 0)
		return ig_err_set(err, IG_ECONFIG, "'%s' is not a date (YYYY-MM-DD)", b);
	*out = db - da;
	return 0;
}

int
retire_today(char out[11], struct ig_err *err)
{
	const char *fake = getenv("IGNY8_TODAY");
	time_t t = time(NULL);
	struct tm tm;
	long dummy;

	if (fake && *fake) {
		if (parse_date(fake, &dummy) < 0)
			return ig_err_set(err, IG_ECONFIG,
					  "IGNY8_TODAY '%s' is not a date (YYYY-MM-DD)", fake);
		memcpy(out, fake, 11);
		return 0;
	}
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	return 0;
}

/* "gpt-4.1-mini-2025-04-14" -> length of "gpt-4.1-mini", else 0. */
static size_t
snapshot_base(const char *model)
{
	size_t n = strlen(model);
	long dummy;

	if (n < 12 || model[n - 11] != '-' || parse_date(model + n - 10, &dummy) < 0)
		return 0;
	return n - 11;
}

/* The table's row for model (or its base name): its date, else NULL. */
static const char *
table_row(const struct config *cfg, const char *model, char *name, size_t n)
{
	size_t base = snapshot_base(model);
	const char *d;

	snprintf(name, n, "%s", model);
	if ((d = config_getf(cfg, "shutdowns.%s.date", name)) && *d)
		return d;
	if (base && base < n) {
		memcpy(name, model, base);
		name[base] = '\0';
		if ((d = config_getf(cfg, "shutdowns.%s.date", name)) && *d)
			return d;
	}
	return NULL;
}

/* The provider's "shutdown_date" for model, when its list gives one. */
static const char *
provider_date(const cJSON *models, const char *model)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, json_arr(models, "data")) {
		const char *id = json_str(m, "id");

		if (id && !strcmp(id, model))
			return json_str(m, "shutdown_date");
	}
	return NULL;
}

int
retire_lookup(const struct config *cfg, const cJSON *models, const char *model,
	      const char *today, struct retire_info *out, struct ig_err *err)
{
	const char *date = provider_date(models, model);
	char name[256];
	const char *row = table_row(cfg, model, name, sizeof name);
	const char *r;

	memset(out, 0, sizeof *out);
	if (row) {
		r = config_getf(cfg, "shutdowns.%s.replacement", name);
		out->replacement = r && *r ? r : NULL;
		out->source = config_getf(cfg, "shutdowns.%s.source", name);
		if (!out->source || !*out->source)
			out->source = "shutdowns table";
	}
	if (date && *date) {
		out->source = "provider";
	} else if (row) {
		date = row;
	} else {
		out->state = RETIRE_OK;
		return 0;
	}
	if (retire_days(today, date, &out->days, err) < 0)
		return ig_err_prefix(err, "shutdown date of '%s' (%s)", model,
				     out->source);
	snprintf(out->date, sizeof out->date, "%s", date);
	out->state = out->days <= 0		      ? RETIRE_GONE
		     : out->days <= RETIRE_WARN_DAYS ? RETIRE_SOON
						      : RETIRE_LATER;
	return 0;
}

/* The workspace cache row of a provider's model list. */
static void
cache_name(char *out, size_t n, const char *base_url)
{
	snprintf(out, n, "models %s", base_url);
}

cJSON *
retire_cached(struct ws *ws, const char *base_url)
{
	char key[1024];
	sqlite3_stmt *st;
	cJSON *list = NULL;

	if (!ws)
		return NULL;
	cache_name(key, sizeof key, base_url);
	st = ws_prepare(ws, "SELECT response FROM cache WHERE key = ?"
			" AND (julianday('now') - julianday(created_at)) * 86400 < ?",
			NULL);
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, RETIRE_CACHE_SECS);
	if (sqlite3_step(st) == SQLITE_ROW)
		list = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return list;
}

int
retire_remember(struct ws *ws, const char *base_url, const cJSON *models,
		struct ig_err *err)
{
	char key[1024], now[32];
	char *text = cJSON_PrintUnformatted(models);
	sqlite3_stmt *st;
	int rc = 0;

	if (!ws) {
		free(text);
		return 0;
	}
	if (!text)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	cache_name(key, sizeof key, base_url);
	ws_now(now);
	st = ws_prepare(ws, "INSERT OR REPLACE INTO cache (key, function, response,"
			" created_at) VALUES (?, 'models', ?, ?)", err);
	if (st) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = ws_fail(ws, err, "keeping the provider's model list");
		sqlite3_finalize(st);
	} else {
		rc = -1;
	}
	free(text);
	return rc;
}

/* The provider serving a chat/embedding function. */
static const char *
fn_provider(const struct config *cfg, const char *fn)
{
	const char *p = config_getf(cfg, "functions.%s.provider", fn);

	if (p && *p)
		return p;
	return config_str(cfg, !strcmp(fn, "embed") ? "embed.provider" : "text.provider");
}

/* Adds functions.FN.model (or the --model given for it) to out. */
static void
add_fn(const struct config *cfg, const char *fn, const char *flag,
       struct retire_use *out, size_t max, size_t *n)
{
	/* Static strings: a retire_use outlives this call. */
	static const char *const settings[] = {
		"functions.cluster.model", "functions.ideas.model",
		"functions.write.model", "functions.image_prompts.model",
		"functions.embed.model", "functions.moderation.model" };
	const char *m = flag ? flag : config_getf(cfg, "functions.%s.model", fn);
	const char *setting = "--model";
	char want[64];

	if (!m || !*m || *n >= max)
		return;
	snprintf(want, sizeof want, "functions.%s.model", fn);
	for (size_t i = 0; !flag && i < ARRAY_SIZE(settings); i++)
		if (!strcmp(settings[i], want))
			setting = settings[i];
	out[*n].setting = setting;
	out[*n].model = m;
	out[*n].provider = fn_provider(cfg, fn);
	(*n)++;
}

/*
 * Adds chat function FN's model: --model, else its prompt's front matter
 * (as ai_model() picks it), else functions.FN.model.  A prompt that does
 * not resolve is left to the run to report.
 */
static void
add_chat(const struct config *cfg, struct ws *ws, const char *fn,
	 const char *flag, const char *run_file, struct retire_use *out,
	 size_t max, size_t *n)
{
	struct ig_err e = { 0 };
	struct prompt *p;
	const char *m;

	if (!flag && *n < max && (p = prompt_resolve(ws, fn, NULL, run_file, &e))) {
		if ((m = prompt_model(p)) && *m) {
			struct retire_use *u = &out[(*n)++];

			snprintf(u->label, sizeof u->label, "model: in prompt '%s' (%s)", fn,
				 prompt_source(p));
			u->setting = u->label;
			u->model = m;
			u->provider = fn_provider(cfg, fn);
			u->prompt = p;
			return;
		}
		prompt_free(p);
	}
	add_fn(cfg, fn, flag, out, max, n);
}

/* Adds image.model (or --model), served by OpenAI or Runware. */
static void
add_image(const struct config *cfg, const char *flag, struct retire_use *out,
	  size_t max, size_t *n)
{
	const char *m = flag ? flag : config_str(cfg, "image.model");

	if (!m || !*m || *n >= max)
		return;
	out[*n].setting = flag ? "--model" : "image.model";
	out[*n].model = m;
	out[*n].provider = strcmp(config_str(cfg, "image.provider"), "runware")
				   ? "openai" : NULL;
	(*n)++;
}

size_t
retire_configured(const struct config *cfg, struct ws *ws,
		  struct retire_use *out, size_t max)
{
	static const char *const chat[] = { "cluster", "ideas", "write", "image_prompts" };
	size_t n = 0;

	memset(out, 0, max * sizeof *out);
	for (size_t i = 0; i < ARRAY_SIZE(chat); i++)
		add_chat(cfg, ws, chat[i], NULL, NULL, out, max, &n);
	add_fn(cfg, "embed", NULL, out, max, &n);
	add_fn(cfg, "moderation", NULL, out, max, &n);
	add_image(cfg, NULL, out, max, &n);
	return n;
}

void
retire_uses_release(struct retire_use *uses, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		prompt_free(uses[i].prompt);
		uses[i].prompt = NULL;
	}
}

/* Whether igny8-cluster's "auto" method will call the model (see fn_cluster.c). */
static int
cluster_calls_ai(const struct config *cfg)
{
	const char *m = config_str(cfg, "cluster.method");
	const char *p = fn_provider(cfg, "cluster");
	const char *key = config_provider(cfg, p, "api_key");
	const char *url = config_provider(cfg, p, "base_url");

	if (strcmp(m, "auto"))
		return !strcmp(m, "ai");
	return (key && *key) ||
	       (url && (strstr(url, "://127.0.0.1") || strstr(url, "://localhost") ||
			strstr(url, "://[::1]")));
}

/* The models this run will call: its function's and the ones it uses. */
static size_t
run_uses(struct run *run, struct retire_use *out, size_t max)
{
	const struct config *cfg = run_config(run);
	const struct run_opts *o = run_opts(run);
	const char *fn = run_function(run);
	const char *flag = o->model && *o->model ? o->model : NULL;
	const char *file = o->prompt_file;	/* --prompt: the function's main prompt */
	struct ws *ws = run_ws(run);
	size_t n = 0;

	memset(out, 0, max * sizeof *out);
	if (!strcmp(fn, "cluster")) {
		if (!strcmp(config_str(cfg, "cluster.method"), "embed"))
			add_fn(cfg, "embed", NULL, out, max, &n);
		else if (cluster_calls_ai(cfg))
			add_chat(cfg, ws, "cluster", flag, file, out, max, &n);
	} else if (!strcmp(fn, "image")) {
		add_chat(cfg, ws, "image_prompts", NULL, file, out, max, &n);
		add_image(cfg, flag, out, max, &n);
	} else {
		add_chat(cfg, ws, fn, flag, file, out, max, &n);
		if (!strcmp(fn, "write") && ((o->flags & RUN_MODERATE) ||
					     config_bool(cfg, "moderation.enabled")))
			add_fn(cfg, "moderation", NULL, out, max, &n);
	}
	return n;
}

/* One --progress json event for a model that retires or has retired. */
static void
report_event(struct run *run, const struct retire_use *u,
	     const struct retire_info *ri)
{
	cJSON *f = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(f, "setting", u->setting);
	cJSON_AddStringToObject(f, "model", u->model);
	cJSON_AddStringToObject(f, "shutdown_date", ri->date);
	cJSON_AddNumberToObject(f, "days_left", (double)ri->days);
	if (ri->replacement)
		cJSON_AddStringToObject(f, "replacement", ri->replacement);
	cJSON_AddStringToObject(f, "source", ri->source);
	text = cJSON_PrintUnformatted(f);
	cJSON_Delete(f);
	run_report(run, &(struct ev){ .type = EV_NOTICE, .text = text,
		   .what = ri->state == RETIRE_GONE ? "model_shut_down"
						    : "model_retiring" });
	free(text);
}

int
retire_check_run(struct run *run, struct ig_err *err)
{
	const struct config *cfg = run_config(run);
	struct retire_use uses[4];
	size_t n = run_uses(run, uses, ARRAY_SIZE(uses));
	char today[11];
	int rc = 0;

	if (n == 0)
		return 0;
	if (retire_today(today, err) < 0) {
		retire_uses_release(uses, n);
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct retire_use *u = &uses[i];
		const char *url = u->provider ? config_provider(cfg, u->provider, "base_url")
					      : NULL;
		cJSON *models = url ? retire_cached(run_ws(run), url) : NULL;
		struct retire_info ri;
		char repl[300] = "";

		rc = retire_lookup(cfg, models, u->model, today, &ri, err);
		cJSON_Delete(models);
		if (rc < 0)
			break;
		if (ri.state != RETIRE_SOON && ri.state != RETIRE_GONE)
			continue;
		if (ri.replacement)
			snprintf(repl, sizeof repl, ", e.g. '%s'", ri.replacement);
		report_event(run, u, &ri);
		if (ri.state == RETIRE_GONE) {
			rc = ig_err_set(err, IG_ECONFIG,
					"model '%s' shut down on %s (%s): set %s to another model%s",
					u->model, ri.date, ri.source, u->setting, repl);
		} else {
			run_msg(run, EV_WARNING, "model '%s' shuts down on %s, in %ld day%s (%s): set %s"
				 " to another model%s", u->model, ri.date, ri.days,
				 ri.days == 1 ? "" : "s", ri.source, u->setting, repl);
		}
	}
	retire_uses_release(uses, n);
	return rc;
}
