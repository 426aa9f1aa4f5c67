/* t-workspace.c: opening, migrating, transactions and runs of a workspace. */
#include "compat.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workspace.h"
#include "tap.h"

static char tmp[PATH_MAX];

/* First column of the first row of sql as text (static), or "(none)". */
static const char *
query(struct ws *ws, const char *sql)
{
	static char out[256];
	sqlite3_stmt *st = ws_prepare(ws, sql, NULL);

	snprintf(out, sizeof out, "(none)");
	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, sizeof out, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static void
test_open(const char *path)
{
	struct ig_err err = { 0 };
	char schema1[256];
	struct ws *ws;

	ws = ws_open(path, WS_OPEN, &err);
	ok(!ws, "WS_OPEN of a missing file fails");
	is_int(err.code, IG_ENOINPUT, "as missing input");
	ok(strstr(err.msg, path) && strstr(err.msg, "no workspace here"),
	   "message names the path: %s", err.msg);
	ok(access(path, F_OK) != 0, "and creates nothing");

	ig_err_clear(&err);
	ws = ws_open(path, WS_CREATE, &err);
	ok(ws != NULL, "WS_CREATE: %s", err.msg);
	if (!ws)
		exit(1);
	ok(ws_schema_latest() >= 1, "there is a schema");
	is_int(ws_schema_version(ws), ws_schema_latest(), "migrated to the latest");
	is_str(query(ws, "PRAGMA journal_mode"), "wal", "WAL mode");
	is_str(query(ws, "PRAGMA foreign_keys"), "1", "foreign keys on");
	is_str(ws_path(ws), path, "ws_path");
	snprintf(schema1, sizeof schema1, "%s",
		 query(ws, "SELECT count(*) || '/' || group_concat(name) FROM"
			   " (SELECT name FROM sqlite_master ORDER BY name)"));
	ok(ws_exec(ws, "INSERT INTO runs (program, started_at) VALUES ('t', 'x')",
		   &err) == 0, "a row");
	ws_close(ws);

	ws = ws_open(path, WS_OPEN, &err);
	ok(ws != NULL, "reopen: %s", err.msg);
	if (!ws)
		exit(1);
	is_int(ws_schema_version(ws), ws_schema_latest(), "still the latest");
	is_str(query(ws, "SELECT count(*) || '/' || group_concat(name) FROM"
			 " (SELECT name FROM sqlite_master ORDER BY name)"),
	       schema1, "reopening changes no table");
	is_str(query(ws, "SELECT count(*) FROM runs"), "1", "nor any row");
	is_str(query(ws, "PRAGMA foreign_keys"), "1", "foreign keys on again");
	is_int(ws_exec(ws, "INSERT INTO keywords (keyword, norm, cluster_id,"
			   " created_at, updated_at) VALUES ('k', 'k', 999, 'x', 'x')",
		       &err), -1, "a dangling cluster_id is refused");
	is_int(err.code, IG_EIO, "as a workspace error");
	ok(strstr(err.msg, "FOREIGN KEY") != NULL, "naming the constraint: %s",
	   err.msg);
	ws_close(ws);
}

static void
test_newer(const char *path)
{
	struct ig_err err = { 0 };
	char sql[64], want[PATH_MAX + 128];
	struct ws *ws = ws_open(path, WS_OPEN, &err);

	if (!ws)
		exit(1);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d;", ws_schema_latest() + 1);
	ws_exec(ws, sql, &err);
	ws_close(ws);
	ig_err_clear(&err);
	ws = ws_open(path, WS_OPEN, &err);
	ok(!ws, "a file from a newer igny8 is refused");
	is_int(err.code, IG_ECONFIG, "as a configuration problem");
	snprintf(want, sizeof want, "%s: schema version %d is newer than this igny8 (%d)",
		 path, ws_schema_latest() + 1, ws_schema_latest());
	is_str(err.msg, want, "message");
	ws_close(ws);
}

static void
test_transactions(const char *path)
{
	struct ig_err err = { 0 };
	struct ws *ws = ws_open(path, WS_CREATE, &err);
	sqlite3_stmt *st;

	if (!ws)
		exit(1);
	is_int(ws_begin(ws, &err), 0, "begin");
	ws_exec(ws, "INSERT INTO runs (program, started_at) VALUES ('a', 'x')", &err);
	is_int(ws_changes(ws), 1, "ws_changes");
	ok(ws_last_id(ws) > 0, "ws_last_id");
	is_int(ws_begin(ws, &err), -1, "no nested begin");
	is_int(err.code, IG_EIO, "nested begin is an error");
	is_int(ws_commit(ws, &err), 0, "commit");
	is_str(query(ws, "SELECT group_concat(program) FROM runs"), "a", "committed");

	ws_begin(ws, &err);
	ws_exec(ws, "INSERT INTO runs (program, started_at) VALUES ('b', 'x')", &err);
	ws_rollback(ws);
	is_str(query(ws, "SELECT group_concat(program) FROM runs"), "a", "rolled back");
	ws_rollback(ws);
	ok(sqlite3_get_autocommit(ws_db(ws)), "rollback outside a transaction is harmless");
	is_int(ws_commit(ws, &err), -1, "commit without begin fails");

	ig_err_clear(&err);
	st = ws_prepare(ws, "SELECT nope FROM runs", &err);
	ok(!st && err.code == IG_EIO && strstr(err.msg, "no such column"),
	   "ws_prepare names the SQL error: %s", err.msg);
	ws_close(ws);
}

/* Rows of runs as seen by another connection: what is committed. */
static const char *
committed(const char *path)
{
	struct ig_err err = { 0 };
	struct ws *other = ws_open(path, WS_OPEN, &err);
	static char out[256];

	snprintf(out, sizeof out, "%s", other ?
		 query(other, "SELECT coalesce(group_concat(program), '') FROM runs") :
		 "(cannot open)");
	ws_close(other);
	return out;
}

static void
add_run(struct ws *ws, const char *program)
{
	char sql[128];

	snprintf(sql, sizeof sql, "INSERT INTO runs (program, started_at) VALUES ('%s', 'x')",
		 program);
	ws_exec(ws, sql, NULL);
}

static void
test_sessions(const char *path)
{
	struct ig_err err = { 0 };
	struct ws *ws = ws_open(path, WS_CREATE, &err);

	if (!ws)
		exit(1);
	ws_exec(ws, "DELETE FROM runs", NULL);
	is_int(ws_session_begin(ws, &err), 0, "a session begins a transaction");
	ok(ws_in_txn(ws), "and is in it");
	add_run(ws, "s1");
	is_int(ws_begin(ws, &err), 0, "a unit inside a session");
	add_run(ws, "u1");
	ws_rollback(ws);
	is_str(query(ws, "SELECT group_concat(program) FROM runs"), "s1",
	       "the unit's rollback keeps the session's earlier work");
	ok(ws_in_txn(ws), "and the session's transaction");
	ws_begin(ws, &err);
	add_run(ws, "u2");
	is_int(ws_commit(ws, &err), 0, "a unit commits into the session");
	is_str(committed(path), "", "nothing committed yet");
	is_int(ws_session_end(ws, 0, &err), 0, "a session ends without committing");
	ok(!ws_in_txn(ws), "rolling its transaction back");
	is_str(committed(path), "", "nothing of it saved");
	is_int(ws_session_begin(ws, &err), 0, "the next session");
	add_run(ws, "s2");
	ws_begin(ws, &err);
	add_run(ws, "u3");
	ws_commit(ws, &err);
	ws_begin(ws, &err);
	add_run(ws, "left");
	is_int(ws_session_end(ws, 1, &err), 0, "a session ends committing");
	ok(!ws_in_txn(ws), "no transaction left");
	is_str(committed(path), "s2,u3",
	       "a unit left open at the end is not finished work: rolled back");
	is_int(ws_begin(ws, &err), 0, "outside a session, ws_begin is BEGIN again");
	is_int(ws_begin(ws, &err), -1, "not nestable there");
	ws_rollback(ws);

	/* SQLite's own rollback after SQLITE_FULL, imitated by a bare ROLLBACK. */
	is_int(ws_session_begin(ws, &err), 0, "a session begins again");
	add_run(ws, "lost");
	ok(!ws_session_lost(ws), "its transaction is there");
	sqlite3_exec(ws_db(ws), "ROLLBACK", NULL, NULL, NULL);
	ok(ws_session_lost(ws), "rolled back behind the session's back: lost");
	ok(!ws_session_lost(ws), "said once");
	is_int(ws_session_end(ws, 1, &err), 0, "the session ends");
	is_str(committed(path), "s2,u3", "nothing of it was saved");
	ws_close(ws);
}

/* A pid above pid_max can belong to no process. */
static long
dead_pid(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	long max = 4194304;

	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 4194304;
		fclose(f);
	}
	return max + 1;
}

static void
test_runs(const char *path)
{
	struct ws_run_totals t = { 5, 1, 2, 100, 50, 10, 0.25, 1 };
	struct ig_err err = { 0 };
	struct ws *ws = ws_open(path, WS_CREATE, &err);
	char sql[512], want[64];
	long id, id2;

	if (!ws)
		exit(1);
	id = ws_run_start(ws, "igny8-test", "--x", &err);
	ok(id > 0, "run started: %s", err.msg);
	snprintf(want, sizeof want, "%ld|running", (long)getpid());
	snprintf(sql, sizeof sql, "SELECT pid || '|' || status FROM runs WHERE id = %ld", id);
	is_str(query(ws, sql), want, "our pid, running");
	is_int(ws_run_dead(ws, id), 0, "our own run is alive");

	id2 = ws_run_start(ws, "igny8-test", NULL, &err);
	snprintf(sql, sizeof sql, "UPDATE runs SET pid = %ld WHERE id = %ld",
		 dead_pid(), id2);
	ws_exec(ws, sql, &err);
	is_int(ws_run_dead(ws, id2), 1, "a pid that does not exist is dead");
	snprintf(sql, sizeof sql, "UPDATE runs SET host = 'elsewhere.invalid' WHERE id = %ld",
		 id2);
	ws_exec(ws, sql, &err);
	is_int(ws_run_dead(ws, id2), 0, "another host's run is taken as alive");

	snprintf(sql, sizeof sql, "INSERT INTO tasks (title, status, run_id, created_at,"
		 " updated_at) VALUES ('left', 'running', %ld, 'now', 'now'),"
		 " ('other run', 'running', %ld, 'now', 'now'),"
		 " ('finished', 'done', %ld, 'now', 'now')", id, id2, id);
	is_int(ws_exec(ws, sql, &err), 0, "tasks of two runs");
	is_int(ws_run_end(ws, id, IG_EPARTIAL, &t, &err), 0, "run ended");
	snprintf(want, sizeof want, "queued|left unfinished by run %ld", id);
	is_str(query(ws, "SELECT status || '|' || error FROM tasks WHERE title = 'left'"),
	       want, "its task left running is queued again, saying why");
	is_str(query(ws, "SELECT status FROM tasks WHERE title = 'other run'"), "running",
	       "another run's task is not touched");
	is_str(query(ws, "SELECT status FROM tasks WHERE title = 'finished'"), "done",
	       "a finished task is not touched");
	snprintf(sql, sizeof sql,
		 "SELECT status || '|' || exit_code || '|' || records_done || '|' ||"
		 " records_failed || '|' || records_skipped || '|' || tokens_in || '|' ||"
		 " tokens_out || '|' || tokens_cached || '|' || cost || '|' ||"
		 " cost_unknown || '|' || (ended_at IS NOT NULL) FROM runs WHERE id = %ld",
		 id);
	is_str(query(ws, sql), "partial|1|5|1|2|100|50|10|0.25|1|1", "totals stored");
	is_int(ws_run_dead(ws, id), 1, "an ended run is over");
	ws_close(ws);
}

/* A dry run's scratch copy reads the workspace and writes nothing to it. */
static void
test_scratch(const char *path)
{
	struct ig_err err = { 0 };
	struct ws *ws = ws_open(path, WS_CREATE, &err), *sc;
	char none[PATH_MAX + 32];

	if (!ws)
		exit(1);
	ws_exec(ws, "INSERT INTO prompts (function, body, updated_at)"
		" VALUES ('ideas', 'x', 'now')", &err);
	sc = ws_open(path, WS_SCRATCH, &err);
	ok(sc != NULL, "scratch copy opened: %s", err.msg);
	is_str(query(sc, "SELECT body FROM prompts WHERE function = 'ideas'"), "x",
	       "it holds what the workspace holds");
	is_int(ws_exec(sc, "DELETE FROM prompts; INSERT INTO keywords (keyword, norm,"
		       " created_at, updated_at) VALUES ('k', 'k', 'now', 'now')", &err),
	       0, "and can be written");
	ws_close(sc);
	is_str(query(ws, "SELECT count(*) FROM prompts"), "1", "the workspace keeps its rows");
	is_str(query(ws, "SELECT count(*) FROM keywords"), "0", "and gets none");
	ws_close(ws);
	snprintf(none, sizeof none, "%s/none.db", tmp);
	sc = ws_open(none, WS_SCRATCH, &err);
	ok(sc != NULL && access(none, F_OK) != 0,
	   "a scratch copy of no workspace is empty and creates no file");
	ws_close(sc);
}

static void
test_misc(void)
{
	struct ig_err err = { 0 };
	struct ws *ws;
	char now[32], path[PATH_MAX + 32], *dir;

	ws_now(now);
	ok(strlen(now) == 20 && now[4] == '-' && now[10] == 'T' && now[19] == 'Z',
	   "ws_now is ISO 8601 UTC: %s", now);
	snprintf(path, sizeof path, "%s/no/such/dir/ws.db", tmp);
	ws = ws_open(path, WS_CREATE, &err);
	ok(!ws && err.code == IG_EIO, "WS_CREATE in a missing directory: %s", err.msg);
	snprintf(path, sizeof path, "%s/img.db", tmp);
	ws = ws_open(path, WS_CREATE, &err);
	if (!ws)
		exit(1);
	dir = ws_image_dir(ws, NULL);
	snprintf(path, sizeof path, "%s/img.db.images", tmp);
	is_str(dir, path, "default image dir beside the workspace");
	free(dir);
	dir = ws_image_dir(ws, "/srv/img");
	is_str(dir, "/srv/img", "configured image dir");
	free(dir);
	ws_close(ws);
}

int
main(void)
{
	char path[PATH_MAX + 32], cmd[PATH_MAX + 16];

	snprintf(tmp, sizeof tmp, "/tmp/t-workspace.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	snprintf(path, sizeof path, "%s/a.db", tmp);
	test_open(path);
	test_newer(path);
	snprintf(path, sizeof path, "%s/b.db", tmp);
	test_transactions(path);
	test_sessions(path);
	test_runs(path);
	snprintf(path, sizeof path, "%s/c.db", tmp);
	test_scratch(path);
	test_misc();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		diag("could not remove %s", tmp);
	return done_testing();
}
