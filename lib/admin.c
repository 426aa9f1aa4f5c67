/* admin.c: configuration, prompt and model reports for the igny8 command. */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "buf.h"
#include "http.h"
#include "json.h"
#include "jsonl.h"
#include "prompt.h"
#include "provider.h"
#include "retire.h"

struct cfg_out {
	FILE *out;
	int json;
	int failed;
};

static void
print_key(const char *key, const char *value, const char *origin, void *ctx)
{
	struct cfg_out *co = ctx;
	struct ig_err err = { 0 };

	if (co->json) {
		cJSON *rec = cJSON_CreateObject();
		cJSON_AddStringToObject(rec, "key", key);
		cJSON_AddStringToObject(rec, "value", value);
		cJSON_AddStringToObject(rec, "origin", origin);
		if (jsonl_write(co->out, rec, &err) < 0)
			co->failed = 1;
		cJSON_Delete(rec);
	} else if (fprintf(co->out, "%s = %s\t# %s\n", key, value, origin) < 0) {
		co->failed = 1;
	}
}

int
admin_config(const struct config *cfg, const char *prefix, int json, FILE *out,
	     struct ig_err *err)
{
	struct cfg_out co = { out, json, 0 };

	config_each(cfg, prefix ? prefix : "", print_key, &co);
	if (co.failed)
		return ig_err_set(err, IG_EIO, "write error: %s", strerror(errno));
	return 0;
}

int
admin_prompts_list(struct ws *ws, FILE *out, struct ig_err *err)
{
	for (const char *const *fn = prompt_functions; *fn; fn++) {
		struct prompt *p = prompt_resolve(ws, *fn, NULL, NULL, err);

		if (!p)
			return -1;
		fprintf(out, "%-14s %s\n", *fn, prompt_source(p));
		prompt_free(p);
	}
	return 0;
}

/*
 * One front-matter value as YAML: a string with newlines as a literal
 * block, anything else as JSON (which YAML reads as it is).
 */
static void
yaml_value(FILE *out, const cJSON *v)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL, *end;
	size_t n;
	char *json;

	if (s && strchr(s, '\n') && s[0] != ' ' && s[0] != '\n' && !strchr(s, '\r')) {
		n = strlen(s);
		/* chomping: "|-" none, "|" one, "|+" more final newlines */
		fputs(s[n - 1] != '\n' ? "|-\n" : n > 1 && s[n - 2] == '\n' ? "|+\n" : "|\n",
		      out);
		for (; *s; s = *end ? end + 1 : end) {
			end = s + strcspn(s, "\n");
			fprintf(out, "%s%.*s\n", end > s ? "  " : "", (int)(end - s), s);
			if (!*end)
				break;
		}
		return;
	}
	json = cJSON_PrintUnformatted(v);
	fprintf(out, "%s\n", json ? json : "null");
	free(json);
}

int
admin_prompt_show(struct ws *ws, const char *fn, FILE *out, struct ig_err *err)
{
	static const char *const settings[] = { "model", "max_tokens", "temperature" };
	struct prompt *p;

	if (!prompt_function_known(fn))
		return ig_err_set(err, IG_EUSAGE, "unknown prompt '%s'", fn);
	if (!(p = prompt_resolve(ws, fn, NULL, NULL, err)))
		return -1;
	fprintf(out, "---\n# The %s prompt (%s%s); 'igny8 prompts set %s FILE' takes\n"
		"# it back.  The model settings commented out are the shipped prompt's:\n"
		"# functions.%s.* in the configuration wins over them.\n", fn,
		strcmp(prompt_source(p), "default") ? "from " : "",
		strcmp(prompt_source(p), "default") ? prompt_source(p) : "shipped with igny8",
		fn, fn);
	for (const cJSON *m = prompt_meta(p)->child; m; m = m->next) {
		int shipped = 0;

		for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
			shipped |= !strcmp(m->string, settings[i]) &&
				   !prompt_own_setting(p, m->string);
		fprintf(out, "%s%s: ", shipped ? "# " : "", m->string);
		yaml_value(out, m);
	}
	fprintf(out, "---\n%s", prompt_body(p));
	prompt_free(p);
	return 0;
}

int
admin_prompt_set(struct ws *ws, const char *fn, const char *path,
		 struct ig_err *err)
{
	struct buf text = BUF_INIT(1024 * 1024);
	char chunk[8192];
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t n;
	int rc;

	if (!fp)
		return ig_err_set(err, IG_ENOINPUT, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0 && !text.toobig)
		buf_append(&text, chunk, n);
	if (fp != stdin)
		fclose(fp);
	if (text.toobig || !utf8_valid(buf_str(&text), text.len)) {
		buf_release(&text);
		return ig_err_set(err, IG_EDATA, "%s: not a prompt file (too big or not UTF-8)",
				  path);
	}
	/* Refuse what would only fail later, at every record of a run. */
	rc = prompt_validate(fn, buf_str(&text), path, err);
	if (rc == 0)
		rc = prompt_ws_set(ws, fn, buf_str(&text), err);
	buf_release(&text);
	return rc;
}

/* "retiring 2027-01-14 (in 12 days, source), use gpt-5.4-mini" and the like. */
static void
status_text(char *out, size_t n, const struct retire_info *ri)
{
	char repl[160] = "";

	if (ri->replacement)
		snprintf(repl, sizeof repl, "; use %s", ri->replacement);
	if (ri->state == RETIRE_OK)
		snprintf(out, n, "ok");
	else if (ri->state == RETIRE_GONE)
		snprintf(out, n, "shut down %s (%s)%s", ri->date, ri->source, repl);
	else
		snprintf(out, n, "retiring %s (in %ld day%s, %s)%s", ri->date, ri->days,
			 ri->days == 1 ? "" : "s", ri->source, repl);
}

/* The merged shutdown facts as members of a JSON record. */
static void
add_status(cJSON *rec, const struct retire_info *ri)
{
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "shutdown_date");
	cJSON_AddStringToObject(rec, "status", retire_state_name(ri->state));
	if (ri->state == RETIRE_OK) {
		cJSON_AddNullToObject(rec, "shutdown_date");
		return;
	}
	cJSON_AddStringToObject(rec, "shutdown_date", ri->date);
	cJSON_AddNumberToObject(rec, "days_left", (double)ri->days);
	if (ri->replacement)
		cJSON_AddStringToObject(rec, "replacement", ri->replacement);
	cJSON_AddStringToObject(rec, "shutdown_source", ri->source);
}

static int
print_model(FILE *out, const struct config *cfg, const cJSON *list,
	    const cJSON *m, const char *today, int json, struct ig_err *err)
{
	const char *id = json_str(m, "id") ? json_str(m, "id") : "?";
	struct retire_info ri;
	char st[512];

	if (retire_lookup(cfg, list, id, today, &ri, err) < 0)
		return -1;
	if (json) {
		cJSON *rec = cJSON_Duplicate(m, 1);
		int rc;

		cJSON_AddStringToObject(rec, "type", "model");
		add_status(rec, &ri);
		rc = jsonl_write(out, rec, err);
		cJSON_Delete(rec);
		return rc;
	}
	status_text(st, sizeof st, &ri);
	fprintf(out, "%-40s %-20s %s\n", id,
		json_str(m, "owned_by") ? json_str(m, "owned_by") : "",
		ri.state == RETIRE_OK ? "-" : st);
	return 0;
}

/* GET /models of the named provider (the caller set up libcurl). */
static cJSON *
fetch_models(const struct config *cfg, const char *name, struct ig_err *err)
{
	struct provider *p = provider_new(cfg, name, 1, err);
	struct http_client *c;
	cJSON *list = NULL;

	if (!p)
		return NULL;
	if ((c = provider_client(p, NULL))) {
		list = provider_models(p, c, err);
		http_client_free(c);
	} else {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	provider_free(p);
	return list;
}

int
admin_models(const struct config *cfg, struct ws *ws, const char *provider,
	     int json, FILE *out, struct ig_err *err)
{
	const char *name = provider ? provider : config_str(cfg, "text.provider");
	struct ig_err e = { 0 };
	cJSON *list;
	const cJSON *m;
	char today[11];
	int rc = 0;

	if (retire_today(today, err) < 0)
		return -1;
	http_global_init();
	list = fetch_models(cfg, name, err);
	http_global_cleanup();
	if (!list)
		return -1;
	/* Runs read the list from here for a day (retire.h); a failure to
	 * keep it only costs them the provider's dates. */
	if (ws)
		retire_remember(ws, config_provider(cfg, name, "base_url"), list, &e);
	cJSON_ArrayForEach(m, json_arr(list, "data"))
		if (rc == 0)
			rc = print_model(out, cfg, list, m, today, json, err);
	cJSON_Delete(list);
	return rc;
}

/* A provider's list for doctor: kept, else fetched when it can be. */
struct doc_list {
	const char *provider;
	cJSON *list;
	char note[1100];	/* why there is no list, "" when there is */
};

static int
usable(const struct config *cfg, const char *name)
{
	const char *key = config_provider(cfg, name, "api_key");
	const char *url = config_provider(cfg, name, "base_url");

	return (key && *key) ||
	       (url && (strstr(url, "://127.0.0.1") || strstr(url, "://localhost") ||
			strstr(url, "://[::1]")));
}

static struct doc_list *
doc_list(const struct config *cfg, struct ws *ws, struct doc_list *lists,
	 size_t *n, size_t max, const char *name)
{
	const char *url = config_provider(cfg, name, "base_url");
	struct ig_err e = { 0 };
	struct doc_list *d;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp(lists[i].provider, name))
			return &lists[i];
	if (*n >= max)
		return NULL;
	d = &lists[(*n)++];
	memset(d, 0, sizeof *d);
	d->provider = name;
	if (!url || !*url) {
		snprintf(d->note, sizeof d->note, "no base_url");
		return d;
	}
	if ((d->list = retire_cached(ws, url)))
		return d;
	if (!usable(cfg, name)) {
		snprintf(d->note, sizeof d->note, "no API key, list not asked for");
		return d;
	}
	if ((d->list = fetch_models(cfg, name, &e)))
		retire_remember(ws, url, d->list, &e);
	else
		snprintf(d->note, sizeof d->note, "list unavailable: %s", e.msg);
	return d;
}

static int
doc_row(FILE *out, const struct config *cfg, const struct retire_use *u,
	const struct doc_list *d, const char *today, int json, struct ig_err *err)
{
	struct retire_info ri;
	char st[512];

	if (retire_lookup(cfg, d ? d->list : NULL, u->model, today, &ri, err) < 0)
		return -1;
	if (json) {
		cJSON *rec = cJSON_CreateObject();
		int rc;

		cJSON_AddStringToObject(rec, "type", "model_status");
		cJSON_AddStringToObject(rec, "setting", u->setting);
		cJSON_AddStringToObject(rec, "model", u->model);
		if (u->provider)
			cJSON_AddStringToObject(rec, "provider", u->provider);
		else
			cJSON_AddStringToObject(rec, "provider", "runware");
		add_status(rec, &ri);
		if (d && d->note[0])
			cJSON_AddStringToObject(rec, "provider_list", d->note);
		rc = jsonl_write(out, rec, err);
		cJSON_Delete(rec);
		return rc < 0 ? -1 : ri.state == RETIRE_GONE;
	}
	status_text(st, sizeof st, &ri);
	fprintf(out, "%-30s %-28s %s\n", u->setting, u->model, st);
	return ri.state == RETIRE_GONE;
}

int
admin_doctor(const struct config *cfg, struct ws *ws, int json, FILE *out,
	     struct ig_err *err)
{
	struct retire_use uses[16];
	size_t n = retire_configured(cfg, ws, uses, ARRAY_SIZE(uses)), nl = 0;
	struct doc_list lists[8];
	char today[11];
	int gone = 0, rc = 0;

	if (retire_today(today, err) < 0) {
		retire_uses_release(uses, n);
		return -1;
	}
	http_global_init();
	for (size_t i = 0; i < n && rc >= 0; i++) {
		struct doc_list *d = uses[i].provider
			? doc_list(cfg, ws, lists, &nl, ARRAY_SIZE(lists), uses[i].provider)
			: NULL;

		if ((rc = doc_row(out, cfg, &uses[i], d, today, json, err)) > 0)
			gone++;
	}
	http_global_cleanup();
	for (size_t i = 0; i < nl; i++) {
		if (!json && lists[i].note[0] && rc >= 0)
			fprintf(out, "# provider %s: %s; dates from the shutdowns table\n",
				lists[i].provider, lists[i].note);
		cJSON_Delete(lists[i].list);
	}
	retire_uses_release(uses, n);
	return rc < 0 ? -1 : gone;
}
