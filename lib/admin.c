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

static void
print_model(FILE *out, const cJSON *m, int json, struct ig_err *err)
{
	const cJSON *sd = cJSON_GetObjectItemCaseSensitive(m, "shutdown_date");
	char date[64] = "-";

	if (json) {
		cJSON *rec = cJSON_Duplicate(m, 1);
		cJSON_AddStringToObject(rec, "type", "model");
		jsonl_write(out, rec, err);
		cJSON_Delete(rec);
		return;
	}
	if (cJSON_IsString(sd))
		snprintf(date, sizeof date, "shuts down %s", sd->valuestring);
	else if (cJSON_IsNumber(sd))
		snprintf(date, sizeof date, "shuts down %.0f", sd->valuedouble);
	fprintf(out, "%-40s %-20s %s\n", json_str(m, "id") ? json_str(m, "id") : "?",
		json_str(m, "owned_by") ? json_str(m, "owned_by") : "", date);
}

int
admin_models(const struct config *cfg, const char *provider, int json, FILE *out,
	     struct ig_err *err)
{
	const char *name = provider ? provider : config_str(cfg, "text.provider");
	struct provider *p = provider_new(cfg, name, 1, err);
	struct http_client *c;
	cJSON *list = NULL;
	const cJSON *m;

	if (!p)
		return -1;
	http_global_init();
	if ((c = provider_client(p, NULL))) {
		list = provider_models(p, c, err);
		http_client_free(c);
	}
	provider_free(p);
	http_global_cleanup();
	if (!list)
		return -1;
	cJSON_ArrayForEach(m, json_arr(list, "data"))
		print_model(out, m, json, err);
	cJSON_Delete(list);
	return 0;
}
