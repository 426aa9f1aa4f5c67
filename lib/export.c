/* export.c: workspace rows as JSON-lines records, for `igny8 export` and reports. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "export.h"
#include "json.h"
#include "jsonl.h"
#include "records.h"

enum { F_STATUS = 1, F_RUN = 2, F_CLUSTER = 4, F_FUNCTION = 8 };

static const struct table {
	const char *name;	/* SQL table */
	const char *type;	/* record type, also accepted as a name */
	const char *status_col;	/* column --status filters, NULL = none */
	const char *run_col;	/* column --run filters */
	const char *cluster_col; /* column --cluster filters */
	const char *function_col;
} tables[] = {
	{ "keywords", "keyword", NULL, NULL, "cluster_id", NULL },
	{ "clusters", "cluster", NULL, "run_id", "id", NULL },
	{ "ideas", "idea", NULL, "run_id", "cluster_id", NULL },
	{ "tasks", "task", "status", "run_id", NULL, NULL },
	{ "content", "content", "status", "run_id", NULL, NULL },
	{ "images", "image", "status", "run_id", NULL, NULL },
	{ "runs", "run", "status", "id", NULL, NULL },
	{ "ai_log", "call", "outcome", "run_id", NULL, "function" },
	{ "batches", "batch", "status", "run_id", NULL, "function" },
	{ "prompts", "prompt", NULL, NULL, NULL, "function" },
};

const char *
export_table_names(void)
{
	return "keywords clusters ideas tasks content images runs calls batches prompts";
}

static const struct table *
find_table(const char *name)
{
	if (strcmp(name, "calls") == 0)
		name = "ai_log";
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		if (strcmp(name, tables[i].name) == 0 ||
		    strcmp(name, tables[i].type) == 0)
			return &tables[i];
	return NULL;
}

/* Appends " AND col = ?" for a filter, or fails when the table lacks it. */
static int
add_filter(struct buf *sql, const struct table *t, const char *col,
	   const char *opt, int given, struct ig_err *err)
{
	if (!given)
		return 0;
	if (!col)
		return ig_err_set(err, IG_EUSAGE, "%s does not apply to %s", opt,
				  t->name);
	return buf_printf(sql, " AND %s = ?", col);
}

static sqlite3_stmt *
select_rows(struct ws *ws, const struct table *t, const struct export_filter *f,
	    struct ig_err *err)
{
	struct buf sql = BUF_INIT(0);
	sqlite3_stmt *st = NULL;
	int i = 1;

	buf_printf(&sql, "SELECT %s FROM %s WHERE 1",
		   rec_table(t->type) ? "id" : "*", t->name);
	if (add_filter(&sql, t, t->status_col, "--status", f->status != NULL, err) == 0 &&
	    add_filter(&sql, t, t->run_col, "--run", f->run >= 0, err) == 0 &&
	    add_filter(&sql, t, t->cluster_col, "--cluster", f->cluster >= 0, err) == 0 &&
	    add_filter(&sql, t, t->function_col, "--function", f->function != NULL,
		       err) == 0 &&
	    buf_puts(&sql, " ORDER BY rowid") == 0)
		st = ws_prepare(ws, buf_str(&sql), err);
	buf_release(&sql);
	if (!st)
		return NULL;
	if (f->status)
		sqlite3_bind_text(st, i++, f->status, -1, SQLITE_STATIC);
	if (f->run >= 0)
		sqlite3_bind_int64(st, i++, f->run);
	if (f->cluster >= 0)
		sqlite3_bind_int64(st, i++, f->cluster);
	if (f->function)
		sqlite3_bind_text(st, i++, f->function, -1, SQLITE_STATIC);
	return st;
}

/* Pipe record types come from records.c; the other tables row by row. */
static cJSON *
make_record(struct ws *ws, const struct table *t, sqlite3_stmt *st,
	    struct ig_err *err)
{
	if (rec_table(t->type))
		return rec_get(ws, t->type, (long)sqlite3_column_int64(st, 0), err);
	return rec_from_row(st, t->type);
}

long
export_table(struct ws *ws, const char *table, const struct export_filter *f,
	     FILE *out, struct ig_err *err)
{
	const struct table *t = find_table(table);
	sqlite3_stmt *st;
	long n = 0;
	int rc;

	if (!t)
		return ig_err_set(err, IG_EUSAGE, "'%s' is not a table; tables: %s",
				  table, export_table_names());
	if (!(st = select_rows(ws, t, f, err)))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *rec = make_record(ws, t, st, err);

		if (!rec || jsonl_write(out, rec, err) < 0) {
			cJSON_Delete(rec);
			n = -1;
			break;
		}
		cJSON_Delete(rec);
		n++;
	}
	if (n >= 0 && rc != SQLITE_DONE)
		n = ws_fail(ws, err, "reading rows");
	sqlite3_finalize(st);
	return n;
}
