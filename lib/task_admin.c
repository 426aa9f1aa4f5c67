/* task_admin.c: igny8 tasks: list, requeue and delete tasks. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "task_admin.h"

int
task_admin_list(struct ws *ws, const char *status, FILE *out, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws,
		"SELECT t.id, t.status, t.attempts, t.updated_at, t.title, t.error,"
		" EXISTS (SELECT 1 FROM content c WHERE c.task_id = t.id)"
		" FROM tasks t WHERE ?1 IS NULL OR t.status = ?1 ORDER BY t.id", err);

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	fprintf(out, "%5s %-8s %8s %-20s %-7s %s\n", "ID", "STATUS", "ATTEMPTS", "UPDATED",
		"ARTICLE", "TITLE");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *e = (const char *)sqlite3_column_text(st, 5);

		fprintf(out, "%5lld %-8s %8d %-20s %-7s %s%s%s%s\n",
			(long long)sqlite3_column_int64(st, 0),
			(const char *)sqlite3_column_text(st, 1), sqlite3_column_int(st, 2),
			(const char *)sqlite3_column_text(st, 3),
			sqlite3_column_int(st, 6) ? "yes" : "no",
			(const char *)sqlite3_column_text(st, 4), e && *e ? " (" : "",
			e && *e ? e : "", e && *e ? ")" : "");
	}
	sqlite3_finalize(st);
	return 0;
}

/* Refuses task id for `verb` when it is missing, busy or (delete) has an article. */
static int
check_one(struct ws *ws, long id, int deleting, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws,
		"SELECT status, run_id, EXISTS (SELECT 1 FROM content WHERE task_id = ?1)"
		" FROM tasks WHERE id = ?1", err);
	int rc = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = ig_err_set(err, IG_ENOINPUT, "task %ld: no such task", id);
	} else if (!strcmp((const char *)sqlite3_column_text(st, 0), "running") &&
		   sqlite3_column_int64(st, 1) > 0 &&
		   !ws_run_dead(ws, (long)sqlite3_column_int64(st, 1))) {
		rc = ig_err_set(err, IG_EDATA, "task %ld: run %lld is writing it", id,
				(long long)sqlite3_column_int64(st, 1));
	} else if (deleting && sqlite3_column_int(st, 2)) {
		rc = ig_err_set(err, IG_EDATA, "task %ld: it has an article, which would go "
				"with it; delete the article's task only with sqlite3 if you mean it",
				id);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The ids to act on: the given ones, or every task of `status`. */
static long
collect(struct ws *ws, const long *ids, size_t n, const char *status, long **out,
	struct ig_err *err)
{
	sqlite3_stmt *st;
	long *v = NULL, *nv;
	size_t k = 0;

	if (n > 0) {
		if (!(v = malloc(n * sizeof *v)))
			return ig_err_set(err, IG_ESOFTWARE, "out of memory");
		memcpy(v, ids, n * sizeof *v);
		*out = v;
		return (long)n;
	}
	if (!(st = ws_prepare(ws, "SELECT id FROM tasks WHERE status = ? ORDER BY id", err)))
		return -1;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!(nv = realloc(v, (k + 1) * sizeof *v))) {
			free(v);
			sqlite3_finalize(st);
			return ig_err_set(err, IG_ESOFTWARE, "out of memory");
		}
		v = nv;
		v[k++] = (long)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	*out = v;
	return (long)k;
}

/* Checks every task, then changes them all in one transaction. */
static long
act(struct ws *ws, const long *ids, size_t n, const char *status, int deleting,
    struct ig_err *err)
{
	static const char *const sql[] = {
		"UPDATE tasks SET status = 'queued', error = NULL, updated_at = ?2 WHERE id = ?1",
		"DELETE FROM tasks WHERE id = ?1"
	};
	sqlite3_stmt *st = NULL;
	long *v = NULL, k = collect(ws, ids, n, status, &v, err), i;
	char now[32];

	if (k < 0)
		return -1;
	for (i = 0; i < k; i++)
		if (check_one(ws, v[i], deleting, err) < 0)
			goto fail;
	ws_now(now);
	if (ws_begin(ws, err) < 0 || !(st = ws_prepare(ws, sql[deleting], err)))
		goto fail_txn;
	for (i = 0; i < k; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, v[i]);
		if (!deleting)
			sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			ws_fail(ws, err, deleting ? "deleting a task" : "requeueing a task");
			goto fail_txn;
		}
	}
	sqlite3_finalize(st);
	if (ws_commit(ws, err) < 0)
		goto fail;
	free(v);
	return k;
fail_txn:
	sqlite3_finalize(st);
	if (ws_in_txn(ws))
		ws_rollback(ws);
fail:
	free(v);
	return -1;
}

long
task_admin_requeue(struct ws *ws, const long *ids, size_t n, const char *status,
		   struct ig_err *err)
{
	return act(ws, ids, n, status, 0, err);
}

long
task_admin_delete(struct ws *ws, const long *ids, size_t n, const char *status,
		  struct ig_err *err)
{
	return act(ws, ids, n, status, 1, err);
}
