/* task.c: task rows: creation, claiming, completion. */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "records.h"
#include "task.h"

static long
one_id(struct ws *ws, const char *sql, long arg)
{
	sqlite3_stmt *st = ws_cached(ws, sql, NULL);
	long id = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = (long)sqlite3_column_int64(st, 0);
	ws_done(st);
	return id;
}

long
task_from_idea(struct ws *ws, long idea_id, long run_id, struct ig_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	long id;

	(void)run_id;
	if (idea_id < 0)
		return -1;
	if ((id = one_id(ws, "SELECT id FROM tasks WHERE idea_id = ?", idea_id)) > 0)
		return id;
	if (one_id(ws, "SELECT id FROM ideas WHERE id = ?", idea_id) <= 0)
		return ig_err_set(err, IG_ENOINPUT, "no idea with id %ld in the workspace",
				  idea_id);
	ws_now(now);
	st = ws_cached(ws, "INSERT INTO tasks (idea_id, title, status, created_at,"
			   " updated_at) SELECT id, title, 'queued', ?2, ?2 FROM ideas"
			   " WHERE id = ?1 ON CONFLICT (idea_id) DO NOTHING", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, idea_id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ws_fail(ws, err, "creating a task");
		ws_done(st);
		return -1;
	}
	ws_done(st);
	return one_id(ws, "SELECT id FROM tasks WHERE idea_id = ?", idea_id);
}

static const char *const task_options[] = {
	"words", "tone", "language", "audience", "format", NULL
};

static int
check_words(const char *v, struct ig_err *err)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < TASK_WORDS_MIN || n > TASK_WORDS_MAX)
		return ig_err_set(err, IG_EDATA, "task option 'words': '%s' is not a "
				  "number from %d to %d", v, TASK_WORDS_MIN, TASK_WORDS_MAX);
	return 0;
}

int
task_check_options(const cJSON *opts, struct ig_err *err)
{
	const cJSON *o;
	char key[64], num[40];
	const char *v;
	size_t i;

	if (!opts)
		return 0;
	if (!cJSON_IsObject(opts))
		return ig_err_set(err, IG_EDATA, "task 'options' must be an object");
	cJSON_ArrayForEach(o, opts) {
		for (i = 0; task_options[i] && strcmp(task_options[i], o->string); i++)
			;
		if (!task_options[i])
			return ig_err_set(err, IG_EDATA, "unknown task option '%.60s' (known: "
					  "words, tone, language, audience, format)", o->string);
		if (cJSON_IsString(o)) {
			v = o->valuestring;
		} else if (cJSON_IsNumber(o) && i == 0) {
			snprintf(num, sizeof num, "%.17g", o->valuedouble);
			v = num;
		} else {
			return ig_err_set(err, IG_EDATA, "task option '%s' must be a %s",
					  o->string, i == 0 ? "number" : "string");
		}
		if (i == 0 && check_words(v, err) < 0)
			return -1;
		/* The rest follow their settings' rules, as the flags do. */
		snprintf(key, sizeof key, "write.%s", o->string);
		if (config_check_value(key, v, "task option", err) < 0) {
			err->code = IG_EDATA;
			return -1;
		}
	}
	return 0;
}

static long
task_new(struct ws *ws, const cJSON *rec, struct ig_err *err)
{
	const char *title = json_str(rec, "title");
	const cJSON *opts = json_obj(rec, "options");
	const char *po = json_str(rec, "prompt_override");
	sqlite3_stmt *st;
	char now[32], *o = NULL;
	long id = -1;

	if (!title || !*title)
		return ig_err_set(err, IG_EDATA, "task record needs an 'id' or a 'title'");
	if (task_check_options(cJSON_GetObjectItemCaseSensitive(rec, "options"), err) < 0)
		return -1;
	ws_now(now);
	st = ws_cached(ws, "INSERT INTO tasks (title, status, options, prompt_override,"
			   " created_at, updated_at) VALUES (?, 'queued', ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	o = opts ? json_dump(opts) : NULL;
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, po, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = ws_last_id(ws);
	else
		ws_fail(ws, err, "creating a task");
	ws_done(st);
	free(o);
	return id;
}

long
task_from_record(struct ws *ws, const cJSON *rec, struct ig_err *err)
{
	long id;

	if (!cJSON_GetObjectItemCaseSensitive(rec, "id"))
		return task_new(ws, rec, err);
	if ((id = rec_id(rec, "task", err)) < 0)
		return -1;
	if (one_id(ws, "SELECT id FROM tasks WHERE id = ?", id) <= 0)
		return ig_err_set(err, IG_ENOINPUT, "no task with id %ld in the workspace", id);
	return id;
}

enum task_claim
task_claimable(struct ws *ws, long task_id, struct ig_err *err)
{
	sqlite3_stmt *st = ws_cached(ws, "SELECT status, run_id FROM tasks WHERE id = ?", err);
	enum task_claim c = TASK_READY;

	if (!st)
		return TASK_ERROR;
	sqlite3_bind_int64(st, 1, task_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		long run = (long)sqlite3_column_int64(st, 1);

		if (!strcmp(s, "done") || !strcmp(s, "flagged"))
			c = TASK_DONE;
		else if (!strcmp(s, "running") && run > 0 && !ws_run_dead(ws, run))
			c = TASK_BUSY;
	}
	ws_done(st);
	return c;
}

int
task_start(struct ws *ws, long task_id, long run_id, struct ig_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	int rc = 0;

	ws_now(now);
	st = ws_cached(ws, "UPDATE tasks SET status = 'running', run_id = ?,"
			    " attempts = attempts + 1, updated_at = ? WHERE id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, task_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "starting the task");
	ws_done(st);
	return rc;
}

static void
set_status(struct ws *ws, long task_id, const char *status, const char *error)
{
	sqlite3_stmt *st;
	char now[32];

	ws_now(now);
	/* A flagged task keeps its verdict whatever happens after the save. */
	st = ws_cached(ws, "UPDATE tasks SET status = ?, error = ?, updated_at = ?"
			    " WHERE id = ? AND status != 'flagged'", NULL);
	if (!st)
		return;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, task_id);
	sqlite3_step(st);
	ws_done(st);
}

void
task_fail(struct ws *ws, long task_id, const char *error)
{
	set_status(ws, task_id, "failed", error);
}

void
task_requeue(struct ws *ws, long task_id)
{
	set_status(ws, task_id, "queued", NULL);
}

void
task_restore_done(struct ws *ws, long task_id, const char *error)
{
	sqlite3_stmt *st;
	char now[32];

	ws_now(now);
	st = ws_cached(ws, "UPDATE tasks SET status = coalesce((SELECT CASE c.status"
			    " WHEN 'flagged' THEN 'flagged' ELSE 'done' END FROM content c"
			    " WHERE c.task_id = tasks.id), 'failed'), error = ?,"
			    " updated_at = ? WHERE id = ?", NULL);
	if (!st)
		return;
	sqlite3_bind_text(st, 1, error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, task_id);
	sqlite3_step(st);
	ws_done(st);
}

static void
bind_json(sqlite3_stmt *st, int i, const cJSON *v)
{
	char *s = v ? json_dump(v) : NULL;

	if (s)
		sqlite3_bind_text(st, i, s, -1, free);
	else
		sqlite3_bind_null(st, i);
}

static int
upsert_content(struct ws *ws, long task_id, const struct task_content *c,
	       long run_id, struct ig_err *err)
{
	static const char sql[] =
		"INSERT INTO content (task_id, title, meta_title, meta_description, slug,"
		" html, format, primary_keyword, secondary_keywords, tags, categories,"
		" word_count, status, moderation, created_at, updated_at, run_id,"
		" verify, checks)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?15,?16,?17,?18)"
		" ON CONFLICT (task_id) DO UPDATE SET title = ?2, meta_title = ?3,"
		" meta_description = ?4, slug = ?5, html = ?6, format = ?7,"
		" primary_keyword = ?8, secondary_keywords = ?9, tags = ?10,"
		" categories = ?11, word_count = ?12, status = ?13, moderation = ?14,"
		" updated_at = ?15, run_id = ?16, verify = ?17, checks = ?18";
	sqlite3_stmt *st = ws_cached(ws, sql, err);
	char now[32];
	int rc = 0;

	if (!st)
		return -1;
	ws_now(now);
	sqlite3_bind_int64(st, 1, task_id);
	sqlite3_bind_text(st, 2, c->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->meta_title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->meta_description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->html, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->format ? c->format : "html", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, c->primary_keyword, -1, SQLITE_STATIC);
	bind_json(st, 9, c->secondary_keywords);
	bind_json(st, 10, c->tags);
	bind_json(st, 11, c->categories);
	sqlite3_bind_int64(st, 12, c->word_count);
	sqlite3_bind_text(st, 13, c->flagged ? "flagged" : "draft", -1, SQLITE_STATIC);
	bind_json(st, 14, c->moderation);
	sqlite3_bind_text(st, 15, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 16, run_id);
	if (cJSON_GetArraySize(c->verify) > 0)
		bind_json(st, 17, c->verify);
	else
		sqlite3_bind_null(st, 17);
	if (cJSON_GetArraySize(c->checks) > 0)
		bind_json(st, 18, c->checks);
	else
		sqlite3_bind_null(st, 18);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "saving the article");
	ws_done(st);
	return rc;
}

int
task_save_content(struct ws *ws, long task_id, const struct task_content *c,
		  long run_id, struct ig_err *err)
{
	if (ws_begin(ws, err) < 0)
		return -1;
	if (upsert_content(ws, task_id, c, run_id, err) < 0) {
		ws_rollback(ws);
		return -1;
	}
	set_status(ws, task_id, c->flagged ? "flagged" : "done", NULL);
	return ws_commit(ws, err);
}
