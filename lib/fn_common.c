/* fn_common.c: what the AI functions share: prompt context and small queries. */
#include "compat.h"

#include <time.h>

#include "config.h"
#include "fn.h"
#include "lang.h"
#include "prompt.h"
#include "workspace.h"

void
fn_common_vars(struct run *run, struct prompt_vars *v, const char *sector)
{
	const struct config *cfg = run_config(run);
	const char *aud = config_str(cfg, "write.audience");

	prompt_vars_set(v, "site_name", *config_str(cfg, "site.name") ?
			config_str(cfg, "site.name") : "the site");
	prompt_vars_set(v, "audience", *aud ? aud : *config_str(cfg, "site.audience") ?
			config_str(cfg, "site.audience") : "general readers");
	prompt_vars_set(v, "site_url", config_str(cfg, "site.url"));
	/* Never an empty "About the site:" line. */
	prompt_vars_set(v, "context", *config_str(cfg, "site.context") ?
			config_str(cfg, "site.context") : "(not given)");
	prompt_vars_set(v, "language", lang_name(config_str(cfg, "write.language")));
	prompt_vars_set(v, "sector", sector && *sector ? sector : "general");
	/* Today, so that the model does not date the text by its training. */
	{
		time_t now = time(NULL);
		struct tm tm;
		char day[16];

		gmtime_r(&now, &tm);
		strftime(day, sizeof day, "%Y-%m-%d", &tm);
		prompt_vars_set(v, "date", day);
	}
}

cJSON *
fn_column_array(struct ws *ws, const char *sql, long id)
{
	sqlite3_stmt *st = ws_cached(ws, sql, NULL);
	cJSON *arr = cJSON_CreateArray();

	if (!st)
		return arr;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		cJSON_AddItemToArray(arr, cJSON_CreateString(
						  (const char *)sqlite3_column_text(st, 0)));
	ws_done(st);
	return arr;
}
