/* report.c: status, costs, runs and log reports over the workspace. */
#include "compat.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "export.h"
#include "json.h"
#include "jsonl.h"
#include "records.h"
#include "report.h"

/* --- status --------------------------------------------------------- */

static long
count(struct ws *ws, const char *sql)
{
	sqlite3_stmt *st = ws_prepare(ws, sql, NULL);
	long n = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* {"total": n, "by_status": {...}} for a table with a status column. */
static cJSON *
by_status(struct ws *ws, const char *table, const char *col)
{
	char sql[200];
	cJSON *o = cJSON_CreateObject(), *by = cJSON_AddObjectToObject(o, "by_status");
	sqlite3_stmt *st;
	long total = 0;

	snprintf(sql, sizeof sql, "SELECT %s, count(*) FROM %s GROUP BY 1 ORDER BY 1",
		 col, table);
	if ((st = ws_prepare(ws, sql, NULL)) != NULL)
		while (sqlite3_step(st) == SQLITE_ROW) {
			long n = (long)sqlite3_column_int64(st, 1);
			cJSON_AddNumberToObject(by, (const char *)sqlite3_column_text(st, 0),
						(double)n);
			total += n;
		}
	sqlite3_finalize(st);
	cJSON_AddNumberToObject(o, "total", (double)total);
	return o;
}

static cJSON *
total_only(struct ws *ws, const char *table)
{
	char sql[100];
	cJSON *o = cJSON_CreateObject();

	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	cJSON_AddNumberToObject(o, "total", (double)count(ws, sql));
	return o;
}

static cJSON *
status_json(struct ws *ws)
{
	cJSON *o = cJSON_CreateObject(), *kw, *calls;

	cJSON_AddStringToObject(o, "workspace", ws_path(ws));
	cJSON_AddNumberToObject(o, "schema", ws_schema_version(ws));
	kw = cJSON_AddObjectToObject(o, "keywords");
	cJSON_AddNumberToObject(kw, "total", (double)count(ws, "SELECT count(*) FROM keywords"));
	cJSON_AddNumberToObject(kw, "clustered", (double)count(ws,
		"SELECT count(*) FROM keywords WHERE cluster_id IS NOT NULL"));
	cJSON_AddNumberToObject(kw, "unclustered", (double)count(ws,
		"SELECT count(*) FROM keywords WHERE cluster_id IS NULL"));
	cJSON_AddItemToObject(o, "clusters", total_only(ws, "clusters"));
	cJSON_AddItemToObject(o, "ideas", total_only(ws, "ideas"));
	cJSON_AddItemToObject(o, "tasks", by_status(ws, "tasks", "status"));
	cJSON_AddItemToObject(o, "content", by_status(ws, "content", "status"));
	cJSON_AddItemToObject(o, "images", by_status(ws, "images", "status"));
	cJSON_AddItemToObject(o, "batches", by_status(ws, "batches", "status"));
	cJSON_AddItemToObject(o, "runs", by_status(ws, "runs", "status"));
	calls = by_status(ws, "ai_log", "outcome");
	cJSON_AddItemToObject(o, "calls", calls);
	cJSON_AddItemToObject(o, "prompts", total_only(ws, "prompts"));
	cJSON_AddItemToObject(o, "cache", total_only(ws, "cache"));
	return o;
}

static void
print_counts(FILE *out, const char *label, const cJSON *o)
{
	const cJSON *by = json_obj(o, "by_status"), *e;
	const char *sep = " (";

	fprintf(out, "%-12s %ld", label, json_long(o, "total", 0));
	cJSON_ArrayForEach(e, by) {
		fprintf(out, "%s%s %ld", sep, strcmp(label, "runs") ? e->string :
			ig_status_words(e->string), (long)e->valuedouble);
		sep = ", ";
	}
	fputs(*sep == ',' ? ")\n" : "\n", out);
}

int
report_status(struct ws *ws, FILE *out, enum report_fmt fmt, struct ig_err *err)
{
	static const char *const tables[] = { "clusters", "ideas", "tasks", "content",
		"images", "batches", "runs", "calls", "prompts", "cache" };
	cJSON *o = status_json(ws);
	const cJSON *kw = json_obj(o, "keywords");
	int rc = 0;

	if (fmt == REPORT_JSON) {
		rc = jsonl_write(out, o, err);
	} else {
		fprintf(out, "%-12s %s (schema %d)\n", "workspace", ws_path(ws),
			ws_schema_version(ws));
		fprintf(out, "%-12s %ld (%ld clustered, %ld unclustered)\n", "keywords",
			json_long(kw, "total", 0), json_long(kw, "clustered", 0),
			json_long(kw, "unclustered", 0));
		for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
			print_counts(out, tables[i], json_obj(o, tables[i]));
	}
	cJSON_Delete(o);
	return rc;
}

/* --- costs ---------------------------------------------------------- */

int
report_by_parse(const char *s)
{
	static const char *const by_names[] = { "function", "model", "day" };

	for (size_t i = 0; i < ARRAY_SIZE(by_names); i++)
		if (strcmp(s, by_names[i]) == 0)
			return (int)i;
	return -1;
}

int
report_date_valid(const char *s)
{
	static const char pat[] = "dddd-dd-dd";

	for (size_t i = 0; i < sizeof pat - 1; i++)
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
			return 0;
	return s[10] == '\0' || s[10] == 'T' || s[10] == ' ';
}

int
report_since(const char *s, time_t now, char *out, size_t n)
{
	static const struct { char unit; long secs; } units[] = {
		{ 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 } };
	const char *fmt = "%Y-%m-%dT%H:%M:%SZ";
	struct tm tm;
	char *end;
	size_t i = 0;
	long k;

	if (report_date_valid(s))
		return snprintf(out, n, "%s", s) < (int)n ? 0 : -1;
	if (!strcmp(s, "today") || !strcmp(s, "yesterday")) {
		now -= strcmp(s, "today") ? 86400 : 0;
		fmt = "%Y-%m-%d";
	} else {
		if (!isdigit((unsigned char)s[0]))
			return -1;
		k = strtol(s, &end, 10);
		while (i < ARRAY_SIZE(units) && (end[0] != units[i].unit || end[1]))
			i++;
		/* 100 years back is far enough and keeps time_t from wrapping */
		if (i == ARRAY_SIZE(units) || k > 36500L * 86400 / units[i].secs)
			return -1;
		now -= (time_t)k * units[i].secs;
	}
	if (!gmtime_r(&now, &tm) || strftime(out, n, fmt, &tm) == 0)
		return -1;
	return 0;
}

/* "$0.0123", or "unknown" when no call of the group had a known cost. */
static const char *
cost_text(char out[32], sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return "unknown";
	snprintf(out, 32, "$%.4f", sqlite3_column_double(st, col));
	return out;
}

static void
cost_json(cJSON *o, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		cJSON_AddNullToObject(o, "cost");
	else
		cJSON_AddNumberToObject(o, "cost", sqlite3_column_double(st, col));
}

/* One group (or the total) as a JSON object from columns 0..5. */
static cJSON *
cost_row_json(sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();

	if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		cJSON_AddStringToObject(o, "key", (const char *)sqlite3_column_text(st, 0));
	cJSON_AddNumberToObject(o, "calls", (double)sqlite3_column_int64(st, 1));
	cJSON_AddNumberToObject(o, "tokens_in", (double)sqlite3_column_int64(st, 2));
	cJSON_AddNumberToObject(o, "tokens_out", (double)sqlite3_column_int64(st, 3));
	cost_json(o, st, 4);
	cJSON_AddNumberToObject(o, "cost_unknown", (double)sqlite3_column_int64(st, 5));
	return o;
}

static void
cost_row_text(FILE *out, sqlite3_stmt *st, const char *label)
{
	char c[32];

	fprintf(out, "%-24s %7lld %11lld %11lld %12s %8lld\n",
		label ? label : (const char *)sqlite3_column_text(st, 0),
		(long long)sqlite3_column_int64(st, 1),
		(long long)sqlite3_column_int64(st, 2),
		(long long)sqlite3_column_int64(st, 3), cost_text(c, st, 4),
		(long long)sqlite3_column_int64(st, 5));
}

/* Sum of the known costs; NULL ("unknown") only when every call is unpriced. */
#define KNOWN_COST "CASE WHEN count(*) > 0 AND count(cost) = 0 THEN NULL ELSE total(cost) END"

int
report_costs(struct ws *ws, FILE *out, enum report_by by, const char *since,
	     enum report_fmt fmt, struct ig_err *err)
{
	static const char *const keys[] = { "function", "coalesce(model, '?')",
					    "substr(created_at, 1, 10)" };
	static const char *const heads[] = { "FUNCTION", "MODEL", "DAY" };
	static const char *const names[] = { "function", "model", "day" };
	char sql[1024];
	sqlite3_stmt *st;
	cJSON *o = cJSON_CreateObject(), *groups = cJSON_CreateArray();
	int rc = 0;

	/* The total is the same query with one group: ROLLUP by hand. */
	snprintf(sql, sizeof sql,
		 "SELECT * FROM (SELECT %s, count(*), total(tokens_in),"
		 " total(tokens_out), " KNOWN_COST ", total(cost IS NULL) FROM ai_log"
		 " WHERE (?1 IS NULL OR created_at >= ?1) GROUP BY 1 ORDER BY 1)"
		 " UNION ALL SELECT NULL, count(*), total(tokens_in),"
		 " total(tokens_out), " KNOWN_COST ", total(cost IS NULL) FROM ai_log"
		 " WHERE (?1 IS NULL OR created_at >= ?1)", keys[by]);
	if (!(st = ws_prepare(ws, sql, err))) {
		cJSON_Delete(o);
		cJSON_Delete(groups);
		return -1;
	}
	sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	if (fmt == REPORT_TEXT)
		fprintf(out, "%-24s %7s %11s %11s %12s %8s\n", heads[by], "CALLS",
			"TOKENS_IN", "TOKENS_OUT", "COST", "UNKNOWN");
	while (sqlite3_step(st) == SQLITE_ROW) {
		int total = sqlite3_column_type(st, 0) == SQLITE_NULL;

		if (fmt == REPORT_TEXT)
			cost_row_text(out, st, total ? "total" : NULL);
		else if (total)
			cJSON_AddItemToObject(o, "total", cost_row_json(st));
		else
			cJSON_AddItemToArray(groups, cost_row_json(st));
	}
	sqlite3_finalize(st);
	cJSON_AddStringToObject(o, "by", names[by]);
	cJSON_AddItemToObject(o, "groups", groups);
	if (fmt == REPORT_JSON)
		rc = jsonl_write(out, o, err);
	cJSON_Delete(o);
	return rc;
}

/* --- runs ----------------------------------------------------------- */

struct run_totals {
	long n, done, failed, skipped, unknown;
	long long tin, tout;
	double cost;
};

static const char *
run_cost(char out[32], double cost, long unknown)
{
	if (unknown > 0 && cost == 0)
		return "unknown";
	snprintf(out, 32, "$%.4f", cost);
	return out;
}

static void
run_text(FILE *out, sqlite3_stmt *st)
{
	char c[32], ex[16] = "-";

	if (sqlite3_column_type(st, 4) != SQLITE_NULL)
		snprintf(ex, sizeof ex, "%d", sqlite3_column_int(st, 4));
	fprintf(out, "%5lld %-14s %-20s %-15s %4s %6lld %6lld %6lld %10lld %10lld %12s %7lld\n",
		(long long)sqlite3_column_int64(st, 0),
		(const char *)sqlite3_column_text(st, 1),
		(const char *)sqlite3_column_text(st, 2),
		ig_status_words((const char *)sqlite3_column_text(st, 3)), ex,
		(long long)sqlite3_column_int64(st, 5),
		(long long)sqlite3_column_int64(st, 6),
		(long long)sqlite3_column_int64(st, 7),
		(long long)sqlite3_column_int64(st, 8),
		(long long)sqlite3_column_int64(st, 9),
		run_cost(c, sqlite3_column_double(st, 10), (long)sqlite3_column_int64(st, 11)),
		(long long)sqlite3_column_int64(st, 11));
}

static void
run_add(struct run_totals *t, sqlite3_stmt *st)
{
	t->n++;
	t->done += (long)sqlite3_column_int64(st, 5);
	t->failed += (long)sqlite3_column_int64(st, 6);
	t->skipped += (long)sqlite3_column_int64(st, 7);
	t->tin += sqlite3_column_int64(st, 8);
	t->tout += sqlite3_column_int64(st, 9);
	t->cost += sqlite3_column_double(st, 10);
	t->unknown += (long)sqlite3_column_int64(st, 11);
}

static cJSON *
run_totals_json(const struct run_totals *t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "runs", (double)t->n);
	cJSON_AddNumberToObject(o, "records_done", (double)t->done);
	cJSON_AddNumberToObject(o, "records_failed", (double)t->failed);
	cJSON_AddNumberToObject(o, "records_skipped", (double)t->skipped);
	cJSON_AddNumberToObject(o, "tokens_in", (double)t->tin);
	cJSON_AddNumberToObject(o, "tokens_out", (double)t->tout);
	if (t->unknown > 0 && t->cost == 0)
		cJSON_AddNullToObject(o, "cost");
	else
		cJSON_AddNumberToObject(o, "cost", t->cost);
	cJSON_AddNumberToObject(o, "cost_unknown", (double)t->unknown);
	return o;
}

int
report_runs(struct ws *ws, FILE *out, long n, enum report_fmt fmt,
	    struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws,
		"SELECT * FROM (SELECT id, program, started_at, status, exit_code,"
		" records_done, records_failed, records_skipped, tokens_in, tokens_out,"
		" cost, cost_unknown, ended_at, args FROM runs ORDER BY id DESC LIMIT ?)"
		" ORDER BY id", err);
	struct run_totals t = { 0 };
	cJSON *o = cJSON_CreateObject(), *runs = cJSON_AddArrayToObject(o, "runs");
	char c[32];
	int rc = 0;

	if (!st) {
		cJSON_Delete(o);
		return -1;
	}
	sqlite3_bind_int64(st, 1, n);
	if (fmt == REPORT_TEXT)
		fprintf(out, "%5s %-14s %-20s %-15s %4s %6s %6s %6s %10s %10s %12s %7s\n",
			"ID", "PROGRAM", "STARTED", "STATUS", "EXIT", "DONE", "FAILED",
			"SKIP", "TOKENS_IN", "TOKENS_OUT", "COST", "UNKNOWN");
	while (sqlite3_step(st) == SQLITE_ROW) {
		run_add(&t, st);
		if (fmt == REPORT_TEXT)
			run_text(out, st);
		else
			cJSON_AddItemToArray(runs, rec_from_row(st, "run"));
	}
	sqlite3_finalize(st);
	if (fmt == REPORT_JSON) {
		cJSON_AddItemToObject(o, "total", run_totals_json(&t));
		rc = jsonl_write(out, o, err);
	} else {
		fprintf(out, "%-58s %6ld %6ld %6ld %10lld %10lld %12s %7ld\n", "total",
			t.done, t.failed, t.skipped, t.tin, t.tout,
			run_cost(c, t.cost, t.unknown), t.unknown);
	}
	cJSON_Delete(o);
	return rc;
}

/* --- log ------------------------------------------------------------ */

static long
pick_run(struct ws *ws, long run, FILE *out, enum report_fmt fmt,
	 struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, run < 0 ?
		"SELECT id, program, started_at, status FROM runs ORDER BY id DESC LIMIT 1" :
		"SELECT id, program, started_at, status FROM runs WHERE id = ?", err);
	long id = -1;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = (long)sqlite3_column_int64(st, 0);
		if (fmt == REPORT_TEXT)
			fprintf(out, "run %ld: %s, started %s, %s\n", id,
				(const char *)sqlite3_column_text(st, 1),
				(const char *)sqlite3_column_text(st, 2),
				ig_status_words((const char *)sqlite3_column_text(st, 3)));
	} else if (run < 0) {
		ig_err_set(err, IG_ENOINPUT, "no runs in %s yet", ws_path(ws));
	} else {
		ig_err_set(err, IG_ENOINPUT, "run %ld: no such run", run);
	}
	sqlite3_finalize(st);
	return id;
}

/* Each step of a call on its own indented line. */
static void
print_steps(FILE *out, const char *steps)
{
	cJSON *v = steps ? cJSON_Parse(steps) : NULL, *e;

	if (!steps) {
		fputs("      (no steps recorded)\n", out);
	} else if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v) {
			char *s = cJSON_PrintUnformatted(e);
			fprintf(out, "      %s\n", s ? s : "?");
			free(s);
		}
	} else {
		fprintf(out, "      %s\n", steps);
	}
	cJSON_Delete(v);
}

static const char *
text_or(sqlite3_stmt *st, int col, const char *dflt)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s ? s : dflt;
}

static void
call_text(FILE *out, sqlite3_stmt *st, int steps)
{
	char http[16] = "-", ms[24] = "-", c[32];

	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		snprintf(http, sizeof http, "%d", sqlite3_column_int(st, 5));
	if (sqlite3_column_type(st, 10) != SQLITE_NULL)
		snprintf(ms, sizeof ms, "%lld", (long long)sqlite3_column_int64(st, 10));
	fprintf(out, "%6lld %-8s %-16s %-16s %-8s %4s %3d %7lld %7lld %10s %7s %s\n",
		(long long)sqlite3_column_int64(st, 0), text_or(st, 1, "-"),
		text_or(st, 2, "-"), text_or(st, 3, "-"), text_or(st, 4, "-"), http,
		sqlite3_column_int(st, 6), (long long)sqlite3_column_int64(st, 7),
		(long long)sqlite3_column_int64(st, 8), cost_text(c, st, 9), ms,
		text_or(st, 11, ""));
	if (steps)
		print_steps(out, (const char *)sqlite3_column_text(st, 12));
}

int
report_log(struct ws *ws, FILE *out, const struct report_log *q,
	   struct ig_err *err)
{
	long run = pick_run(ws, q->run, out, q->fmt, err);
	sqlite3_stmt *st;
	int rc = 0;

	if (run < 0)
		return -1;
	st = ws_prepare(ws, "SELECT id, function, record, model, outcome, http_status,"
			" attempts, tokens_in, tokens_out, cost, duration_ms, error, steps,"
			" run_id, provider, endpoint, tokens_cached, cached, batch, request_id,"
			" created_at FROM ai_log WHERE run_id = ?1"
			" AND (?2 IS NULL OR function = ?2) AND (?3 IS NULL OR outcome = ?3)"
			" ORDER BY id", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, q->function, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->outcome, -1, SQLITE_STATIC);
	if (q->fmt == REPORT_TEXT)
		fprintf(out, "%6s %-8s %-16s %-16s %-8s %4s %3s %7s %7s %10s %7s %s\n",
			"ID", "FUNCTION", "RECORD", "MODEL", "OUTCOME", "HTTP", "TRY",
			"IN", "OUT", "COST", "MS", "ERROR");
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		if (q->fmt == REPORT_TEXT) {
			call_text(out, st, q->steps);
		} else {
			cJSON *rec = rec_from_row(st, "call");
			rc = jsonl_write(out, rec, err);
			cJSON_Delete(rec);
		}
	}
	sqlite3_finalize(st);
	return rc;
}
