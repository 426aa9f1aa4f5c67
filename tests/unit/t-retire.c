/*
 * t-retire.c: shutdown dates (calendar arithmetic, the table, snapshots,
 * the provider's date), the kept model list, and the shipped data: no
 * default retires within 90 days of the table's check date, every text
 * and embedding default is priced, every row's replacement lives.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "fixture.h"
#include "retire.h"
#include "tap.h"
#include "workspace.h"

static void
days(const char *a, const char *b, long want, const char *what)
{
	struct ig_err err = { 0 };
	long d = 12345;

	is_int(retire_days(a, b, &d, &err), 0, "%s: %s", what, err.msg);
	is_int(d, want, "%s: %s to %s", what, a, b);
}

static void
bad_date(const char *s)
{
	struct ig_err err = { 0 };
	long d;

	is_int(retire_days(s, "2026-12-04", &d, &err), -1, "'%s' is not a date", s);
	is_int(err.code, IG_ECONFIG, "  a config error");
}

static void
test_days(void)
{
	days("2026-12-04", "2027-01-14", 41, "the default's old date");
	days("2027-01-14", "2027-01-14", 0, "the same day");
	days("2027-02-01", "2027-01-14", -18, "after");
	days("2028-02-28", "2028-03-01", 2, "a leap year");
	days("2100-02-28", "2100-03-01", 1, "2100 is no leap year");
	days("2000-02-28", "2000-03-01", 2, "2000 is one");
	days("1999-12-31", "2000-01-01", 1, "across a year");
	bad_date("2027-02-29");
	bad_date("2026-13-01");
	bad_date("2026-1-01");
	bad_date("2026-12-04x");
	bad_date("soon");
	bad_date("");
}

static void
test_today(void)
{
	struct ig_err err = { 0 };
	char d[11], want[11];
	time_t t = time(NULL);
	struct tm tm;

	setenv("IGNY8_TODAY", "2027-01-14", 1);
	is_int(retire_today(d, &err), 0, "IGNY8_TODAY");
	is_str(d, "2027-01-14", "  is today");
	setenv("IGNY8_TODAY", "tomorrow", 1);
	is_int(retire_today(d, &err), -1, "a bad IGNY8_TODAY");
	is_str(err.msg, "IGNY8_TODAY 'tomorrow' is not a date (YYYY-MM-DD)", "  says so");
	unsetenv("IGNY8_TODAY");
	gmtime_r(&t, &tm);
	strftime(want, sizeof want, "%Y-%m-%d", &tm);
	is_int(retire_today(d, &err), 0, "no IGNY8_TODAY");
	is_str(d, want, "  the UTC date");
}

static const char table[] =
	"gpt-old: {date: 2027-01-14, replacement: gpt-new, source: \"a page\"}\n"
	"gpt-bare: {date: 2027-01-14}\n"
	"gpt-old-2025-04-14: {date: 2026-12-31, source: \"its own row\"}\n";

static void
look(const struct config *cfg, const cJSON *list, const char *model,
     const char *today, enum retire_state st, long d, const char *what)
{
	struct ig_err err = { 0 };
	struct retire_info ri;

	is_int(retire_lookup(cfg, list, model, today, &ri, &err), 0, "%s: %s", what, err.msg);
	is_int(ri.state, st, "%s: state", what);
	if (st != RETIRE_OK)
		is_int(ri.days, d, "%s: days", what);
}

static void
test_lookup(void)
{
	struct config *cfg = config_new();
	struct ig_err err = { 0 };
	struct retire_info ri;
	cJSON *list;

	fixture_put("t.yaml", table, 0600);
	is_int(config_load_file(cfg, "t.yaml", "shutdowns", 1, &err), 0, "table: %s", err.msg);
	look(cfg, NULL, "gpt-old", "2026-12-14", RETIRE_LATER, 31, "31 days before");
	look(cfg, NULL, "gpt-old", "2026-12-15", RETIRE_SOON, 30, "30 days before");
	look(cfg, NULL, "gpt-old", "2027-01-13", RETIRE_SOON, 1, "the day before");
	look(cfg, NULL, "gpt-old", "2027-01-14", RETIRE_GONE, 0, "the day");
	look(cfg, NULL, "gpt-old", "2027-01-15", RETIRE_GONE, -1, "the day after");
	look(cfg, NULL, "gpt-new", "2027-01-15", RETIRE_OK, 0, "a model with no row");
	look(cfg, NULL, "gpt-old-2024-08-06", "2026-12-20", RETIRE_SOON, 25,
	     "a dated snapshot takes its name's row");
	look(cfg, NULL, "gpt-old-2025-04-14", "2026-12-20", RETIRE_SOON, 11,
	     "unless it has its own");
	look(cfg, NULL, "gpt-old-mini", "2026-12-20", RETIRE_OK, 0,
	     "a longer name is another model");

	retire_lookup(cfg, NULL, "gpt-old", "2026-12-20", &ri, &err);
	is_str(ri.date, "2027-01-14", "the date");
	is_str(ri.replacement, "gpt-new", "the replacement");
	is_str(ri.source, "a page", "the row's source");
	retire_lookup(cfg, NULL, "gpt-bare", "2026-12-20", &ri, &err);
	ok(ri.replacement == NULL, "no replacement when the row has none");
	is_str(ri.source, "shutdowns table", "the table when the row names no source");

	list = cJSON_Parse("{\"object\":\"list\",\"data\":["
			   "{\"id\":\"gpt-old\",\"shutdown_date\":\"2027-06-30\"},"
			   "{\"id\":\"gpt-bare\",\"shutdown_date\":null},"
			   "{\"id\":\"gpt-new\",\"shutdown_date\":\"2027-01-01\"}]}");
	look(cfg, list, "gpt-old", "2027-01-20", RETIRE_LATER, 161,
	     "the provider's date wins over the table's");
	retire_lookup(cfg, list, "gpt-old", "2027-01-20", &ri, &err);
	is_str(ri.source, "provider", "  and is named as the source");
	is_str(ri.replacement, "gpt-new", "  the table still suggests the replacement");
	look(cfg, list, "gpt-bare", "2027-01-20", RETIRE_GONE, -6,
	     "a null shutdown_date leaves the table's");
	look(cfg, list, "gpt-new", "2026-12-20", RETIRE_SOON, 12,
	     "a model only the provider dates");
	cJSON_Delete(list);

	config_set(cfg, "shutdowns.gpt-bare.date", "2027-02-30", "test", &err);
	is_int(retire_lookup(cfg, NULL, "gpt-bare", "2026-12-20", &ri, &err), -1,
	       "a bad date in the table");
	is_str(err.msg, "shutdown date of 'gpt-bare' (shutdowns table): '2027-02-30' is"
	       " not a date (YYYY-MM-DD)", "  names the model and the source");
	config_free(cfg);
}

static void
test_kept(void)
{
	struct ig_err err = { 0 };
	struct ws *ws = ws_open("ws.db", WS_CREATE, &err);
	cJSON *list = cJSON_Parse("{\"data\":[{\"id\":\"m\",\"shutdown_date\":\"2027-01-14\"}]}");
	cJSON *got;

	ok(ws != NULL, "workspace: %s", err.msg);
	if (!ws)
		return;
	ok(retire_cached(ws, "http://a/v1") == NULL, "nothing kept yet");
	is_int(retire_remember(ws, "http://a/v1", list, &err), 0, "keep a list");
	got = retire_cached(ws, "http://a/v1");
	ok(got && cJSON_Compare(got, list, 1), "read back the same list");
	cJSON_Delete(got);
	ok(retire_cached(ws, "http://b/v1") == NULL, "another provider's is apart");
	ws_exec(ws, "UPDATE cache SET created_at = datetime('now', '-86000 seconds')"
		" WHERE function = 'models'", &err);
	got = retire_cached(ws, "http://a/v1");
	ok(got != NULL, "still used just under a day later");
	cJSON_Delete(got);
	ws_exec(ws, "UPDATE cache SET created_at = datetime('now', '-86401 seconds')"
		" WHERE function = 'models'", &err);
	ok(retire_cached(ws, "http://a/v1") == NULL, "ignored after a day");
	is_int(retire_remember(NULL, "http://a/v1", list, &err), 0, "no workspace: nothing kept");
	cJSON_Delete(list);
	ws_close(ws);
}

/* The price key of a configured model, or NULL when its kind is not priced here. */
static const char *
price_key(const struct retire_use *u, char *out, size_t n)
{
	if (strstr(u->setting, ".embed."))
		snprintf(out, n, "prices.embed.%s.input", u->model);
	else if (strstr(u->setting, "functions.") && !strstr(u->setting, ".moderation."))
		snprintf(out, n, "prices.text.%s.input", u->model);
	else
		return NULL;
	return out;
}

/* Each row's date parses and its replacement has no date of its own that ends within 90 days. */
static void
each_row(const char *key, const char *value, const char *origin, void *ctx)
{
	const struct config *cfg = ctx;
	struct ig_err err = { 0 };
	const char *checked = config_str(cfg, "shutdowns.checked");
	struct retire_info ri;
	size_t n = strlen(key);
	char model[256];

	(void)value;
	(void)origin;
	if (n < 16 || strcmp(key + n - 5, ".date") || n - 15 >= sizeof model)
		return;
	memcpy(model, key + 10, n - 15);
	model[n - 15] = '\0';
	is_int(retire_lookup(cfg, NULL, model, checked, &ri, &err), 0, "row %s: %s",
	       model, err.msg);
	ok(ri.source && strcmp(ri.source, "shutdowns table"), "row %s names its source", model);
	ok(ri.replacement != NULL, "row %s suggests a replacement", model);
	if (!ri.replacement)
		return;
	retire_lookup(cfg, NULL, ri.replacement, checked, &ri, &err);
	ok(ri.state == RETIRE_OK || ri.days > 90, "row %s: its replacement lives", model);
}

static void
test_shipped(void)
{
	struct ig_err err = { 0 };
	struct config *cfg = config_resolve(NULL, NULL, &err);
	struct retire_use uses[16];
	const char *checked;
	size_t n;

	ok(cfg != NULL, "shipped settings: %s", err.msg);
	if (!cfg)
		return;
	checked = config_str(cfg, "shutdowns.checked");
	is_str(checked, "2026-12-04", "the table's check date");
	n = retire_configured(cfg, NULL, uses, ARRAY_SIZE(uses));
	is_int((long)n, 7, "seven configured models");
	for (size_t i = 0; i < n; i++) {
		struct retire_info ri;
		char key[300];
		const char *pk = price_key(&uses[i], key, sizeof key);

		retire_lookup(cfg, NULL, uses[i].model, checked, &ri, &err);
		ok(ri.state == RETIRE_OK || ri.days > 90,
		   "%s (%s) does not retire within 90 days of %s", uses[i].setting,
		   uses[i].model, checked);
		if (pk)
			ok(config_get(cfg, pk) && *config_get(cfg, pk), "%s is priced (%s)",
			   uses[i].model, pk);
	}
	retire_uses_release(uses, n);
	config_each(cfg, "shutdowns.", each_row, cfg);
	config_free(cfg);
}

int
main(void)
{
	char src[PATH_MAX], path[PATH_MAX + 16], tmp[] = "/tmp/t-retire.XXXXXX";

	fixture_srcdir(src);
	snprintf(path, sizeof path, "%s/data", src);
	setenv("IGNY8_DATADIR", path, 1);
	if (!mkdtemp(tmp) || chdir(tmp) < 0)
		return 1;
	setenv("HOME", tmp, 1);
	setenv("XDG_CONFIG_HOME", tmp, 1);
	unsetenv("OPENAI_API_KEY");
	test_days();
	test_today();
	test_lookup();
	test_kept();
	test_shipped();
	unlink("t.yaml");
	unlink("ws.db");
	unlink("ws.db-wal");
	unlink("ws.db-shm");
	rmdir(tmp);
	return done_testing();
}
