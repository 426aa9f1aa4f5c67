/* workspace.c: opening, migrating and transacting on the SQLite workspace. */
#include "compat.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "workspace.h"

/*
 * Prepared statements kept for the life of the connection: compiling SQL
 * costs more than running it, and the stages run the same few statements
 * for every record.  Keyed by the SQL text's address (string literals).
 */
#define WS_CACHE 128

struct ws {
	sqlite3 *db;
	char *path;
	char *scratch;		/* WS_SCRATCH: the copy's file, removed on close */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[WS_CACHE];
	size_t ncache;
	int session;		/* in ws_session_begin() .. ws_session_end() */
	int units;		/* savepoints open in the session */
	int txn;		/* a session began the transaction that is open */
	double busy_start;	/* when the current wait for a lock began */
};

/* Long enough to ride out another stage's transaction, short enough to tell. */
#define WS_BUSY_MS 60000

static const atomic_int *ws_cancel;

void
ws_set_cancel(const atomic_int *flag)
{
	ws_cancel = flag;
}

static int
cancelled(void)
{
	return ws_cancel && atomic_load(ws_cancel);
}

/*
 * A busy wait gives up when the run is interrupted, so that Ctrl-C is
 * answered at once even while another process holds the write lock.
 */
static int
busy_wait(void *arg, int count)
{
	struct ws *ws = arg;
	struct timespec now, nap = { 0, 0 };
	double t;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (double)now.tv_sec + now.tv_nsec / 1e9;
	if (count == 0)
		ws->busy_start = t;
	if (cancelled() || t - ws->busy_start >= WS_BUSY_MS / 1000.0)
		return 0;
	/* Short naps first (most waits are a commit), then 20 ms. */
	nap.tv_nsec = (count < 19 ? count + 1 : 20) * 1000000L;
	nanosleep(&nap, NULL);
	return 1;
}

/* IG_EINTR for a wait cut short by an interrupt, else IG_EIO. */
static int
fail_code(struct ws *ws)
{
	return (sqlite3_errcode(ws->db) & 0xff) == SQLITE_BUSY && cancelled() ? IG_EINTR
									      : IG_EIO;
}

int
ws_fail(struct ws *ws, struct ig_err *err, const char *what)
{
	if (fail_code(ws) == IG_EINTR)
		return ig_err_set(err, IG_EINTR, "%s: %s: interrupted while waiting for"
				  " the workspace", ws->path, what);
	return ig_err_set(err, IG_EIO, "%s: %s: %s", ws->path, what,
			  sqlite3_errmsg(ws->db));
}

/*
 * Switching a new file to WAL needs an exclusive lock, and SQLite answers
 * SQLITE_BUSY at once, without the busy handler, when another process
 * creating the same workspace holds a lock (waiting could deadlock in
 * rollback-journal mode).  Four stages of a pipeline start on a new
 * workspace together, so the switch is retried for as long as the busy
 * timeout allows.
 */
static int
setup_wal(struct ws *ws, struct ig_err *err)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	int rc = SQLITE_OK;

	for (int i = 0; i < WS_BUSY_MS / 10; i++) {
		rc = sqlite3_exec(ws->db, "PRAGMA journal_mode = WAL;", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
		nanosleep(&nap, NULL);
	}
	if (rc != SQLITE_OK)
		return ws_fail(ws, err, "switching to WAL mode");
	return 0;
}

static int
ws_setup(struct ws *ws, struct ig_err *err)
{
	sqlite3_busy_handler(ws->db, busy_wait, ws);
	sqlite3_extended_result_codes(ws->db, 1);
	if (setup_wal(ws, err) < 0 ||
	    ws_exec(ws, "PRAGMA foreign_keys = ON;", err) < 0 ||
	    ws_exec(ws, "PRAGMA synchronous = NORMAL;", err) < 0)
		return -1;
	return ws_migrate(ws, err);
}

/*
 * Copies the workspace at path into ws's (scratch) database with SQLite's
 * online backup, in one step: a consistent snapshot even while another
 * stage writes.  No file there: the scratch stays empty, to be created.
 */
static int
copy_in(struct ws *ws, const char *path, struct ig_err *err)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	sqlite3_backup *b;
	sqlite3 *src = NULL;
	struct stat sb;
	int rc;

	if (stat(path, &sb) < 0)
		return 0;
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		ig_err_set(err, IG_EIO, "%s: cannot open workspace: %s", path,
			   src ? sqlite3_errmsg(src) : "out of memory");
		sqlite3_close_v2(src);
		return -1;
	}
	sqlite3_busy_timeout(src, WS_BUSY_MS);
	b = sqlite3_backup_init(ws->db, "main", src, "main");
	rc = b ? SQLITE_BUSY : sqlite3_errcode(ws->db);
	for (int i = 0; b && i < WS_BUSY_MS / 10; i++) {
		rc = sqlite3_backup_step(b, -1);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		nanosleep(&nap, NULL);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		ig_err_set(err, IG_EIO, "%s: copying the workspace for a dry run: %s",
			   path, sqlite3_errstr(rc));
	sqlite3_close_v2(src);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A file for a dry run's copy, "$TMPDIR/igny8-dry-XXXXXX" (malloc'd). */
static char *
scratch_file(struct ig_err *err)
{
	const char *dir = getenv("TMPDIR");
	size_t n;
	char *p;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	n = strlen(dir) + sizeof "/igny8-dry-XXXXXX";
	if (!(p = malloc(n))) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	snprintf(p, n, "%s/igny8-dry-XXXXXX", dir);
	if ((fd = mkstemp(p)) < 0) {
		ig_err_set(err, IG_EIO, "%s: a dry run's copy of the workspace: %s", p,
			   strerror(errno));
		free(p);
		return NULL;
	}
	close(fd);
	return p;
}

struct ws *
ws_open(const char *path, enum ws_mode mode, struct ig_err *err)
{
	struct ws *ws;
	struct stat st;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;

	if (mode != WS_OPEN)
		flags |= SQLITE_OPEN_CREATE;
	else if (stat(path, &st) < 0) {
		ig_err_set(err, IG_ENOINPUT,
			   "%s: no workspace here (run 'igny8 init' or set --workspace)",
			   path);
		return NULL;
	}
	ws = calloc(1, sizeof *ws);
	if (!ws || !(ws->path = strdup(path))) {
		free(ws);
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	if (mode == WS_SCRATCH && !(ws->scratch = scratch_file(err))) {
		ws_close(ws);
		return NULL;
	}
	if (sqlite3_open_v2(ws->scratch ? ws->scratch : path, &ws->db, flags,
			    NULL) != SQLITE_OK) {
		ws_fail(ws, err, "cannot open workspace");
		ws_close(ws);
		return NULL;
	}
	if ((mode == WS_SCRATCH && copy_in(ws, path, err) < 0) ||
	    ws_setup(ws, err) < 0) {
		ws_close(ws);
		return NULL;
	}
	return ws;
}

struct ws *
ws_open_reader(const struct ws *of, struct ig_err *err)
{
	struct ws *ws = calloc(1, sizeof *ws);

	if (!ws || !(ws->path = strdup(of->path))) {
		free(ws);
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	/* One thread uses it: SQLite's own mutexes would only cost. */
	if (sqlite3_open_v2(of->scratch ? of->scratch : of->path, &ws->db,
			    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		ws_fail(ws, err, "cannot open workspace");
		ws_close(ws);
		return NULL;
	}
	sqlite3_busy_handler(ws->db, busy_wait, ws);
	sqlite3_extended_result_codes(ws->db, 1);
	return ws;
}

void
ws_close(struct ws *ws)
{
	if (!ws)
		return;
	for (size_t i = 0; i < ws->ncache; i++)
		sqlite3_finalize(ws->cache[i].st);
	sqlite3_close_v2(ws->db);
	if (ws->scratch) {
		char side[4096];

		unlink(ws->scratch);
		snprintf(side, sizeof side, "%s-wal", ws->scratch);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", ws->scratch);
		unlink(side);
		free(ws->scratch);
	}
	free(ws->path);
	free(ws);
}

sqlite3 *
ws_db(struct ws *ws)
{
	return ws->db;
}

const char *
ws_path(const struct ws *ws)
{
	return ws->path;
}

int
ws_exec(struct ws *ws, const char *sql, struct ig_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(ws->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		ig_err_set(err, IG_EIO, "%s: %s", ws->path,
			   msg ? msg : sqlite3_errmsg(ws->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
ws_prepare(struct ws *ws, const char *sql, struct ig_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) != SQLITE_OK) {
		ws_fail(ws, err, "preparing a statement");
		return NULL;
	}
	return st;
}

sqlite3_stmt *
ws_cached(struct ws *ws, const char *sql, struct ig_err *err)
{
	sqlite3_stmt *st;

	for (size_t i = 0; i < ws->ncache; i++)
		if (ws->cache[i].sql == sql)
			return ws->cache[i].st;
	if (!(st = ws_prepare(ws, sql, err)))
		return NULL;
	if (ws->ncache == WS_CACHE) {
		/* Full: callers only reset, so the oldest cannot be dropped. */
		sqlite3_finalize(st);
		ig_err_set(err, IG_ESOFTWARE, "statement cache full");
		return NULL;
	}
	ws->cache[ws->ncache].sql = sql;
	ws->cache[ws->ncache++].st = st;
	return st;
}

int
ws_cache_size(struct ws *ws, int size)
{
	sqlite3_stmt *st;
	char sql[48];
	int old = -2000;	/* SQLite's default, should the query fail */

	if (sqlite3_prepare_v2(ws->db, "PRAGMA cache_size", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			old = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	snprintf(sql, sizeof sql, "PRAGMA cache_size = %d", size);
	sqlite3_exec(ws->db, sql, NULL, NULL, NULL);
	return old;
}

void
ws_done(sqlite3_stmt *st)
{
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

static const char sql_begin[] = "BEGIN IMMEDIATE", sql_commit[] = "COMMIT",
		  sql_rollback[] = "ROLLBACK", sql_savepoint[] = "SAVEPOINT ws_unit",
		  sql_release[] = "RELEASE ws_unit", sql_rollback_to[] = "ROLLBACK TO ws_unit";

/* A statement without results, prepared once: a filter runs these per record. */
static int
ws_run(struct ws *ws, const char *sql, struct ig_err *err)
{
	sqlite3_stmt *st = ws_cached(ws, sql, err);
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	ws_done(st);
	if (rc != SQLITE_DONE)
		return ig_err_set(err, fail_code(ws), "%s: %s", ws->path,
				  fail_code(ws) == IG_EINTR ? "interrupted while waiting for"
				  " the workspace" : sqlite3_errmsg(ws->db));
	return 0;
}

static void
rollback(struct ws *ws)
{
	if (!sqlite3_get_autocommit(ws->db))
		ws_run(ws, sql_rollback, NULL);
}

static int
commit_or_rollback(struct ws *ws, struct ig_err *err)
{
	if (ws_run(ws, sql_commit, err) < 0) {
		rollback(ws);
		return -1;
	}
	return 0;
}

int
ws_begin(struct ws *ws, struct ig_err *err)
{
	if (!ws->session)
		return ws_run(ws, sql_begin, err);
	if (ws_run(ws, sql_savepoint, err) < 0)
		return -1;
	ws->units++;
	return 0;
}

int
ws_commit(struct ws *ws, struct ig_err *err)
{
	if (!ws->session)
		return commit_or_rollback(ws, err);
	if (ws->units == 0)
		return 0;
	if (ws_run(ws, sql_release, err) < 0) {
		ws_rollback(ws);
		return -1;
	}
	ws->units--;
	return 0;
}

void
ws_rollback(struct ws *ws)
{
	if (!ws->session) {
		rollback(ws);
		return;
	}
	/* Only the unit: the session's other work stays. */
	if (ws->units == 0)
		return;
	ws_run(ws, sql_rollback_to, NULL);
	ws_run(ws, sql_release, NULL);
	ws->units--;
}

int
ws_session_begin(struct ws *ws, struct ig_err *err)
{
	ws->units = 0;
	if (ws_run(ws, sql_begin, err) < 0) {
		ig_err_prefix(err, "cannot begin a transaction");
		return -1;
	}
	ws->session = 1;
	ws->txn = 1;
	return 0;
}

int
ws_session_end(struct ws *ws, int commit, struct ig_err *err)
{
	while (ws->units > 0)
		ws_rollback(ws);	/* a unit left open is not finished work */
	ws->session = 0;
	ws->txn = 0;
	if (sqlite3_get_autocommit(ws->db))
		return 0;	/* lost: the caller asked ws_session_lost() */
	if (!commit) {
		rollback(ws);
		return 0;
	}
	return commit_or_rollback(ws, err);
}

int
ws_session_lost(struct ws *ws)
{
	if (!ws->txn || !sqlite3_get_autocommit(ws->db))
		return 0;
	ws->txn = 0;
	ws->units = 0;
	return 1;
}

int
ws_in_txn(struct ws *ws)
{
	return !sqlite3_get_autocommit(ws->db);
}

int
ws_schema_version(struct ws *ws)
{
	sqlite3_stmt *st = NULL;
	int v = 0;

	if (sqlite3_prepare_v2(ws->db, "PRAGMA user_version;", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

void
ws_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
ws_changes(struct ws *ws)
{
	return sqlite3_changes(ws->db);
}

long
ws_data_version(struct ws *ws)
{
	sqlite3_stmt *q = ws_cached(ws, "PRAGMA data_version", NULL);
	long v = -1;

	if (q && sqlite3_step(q) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(q, 0);
	ws_done(q);
	return v;
}

long
ws_last_id(struct ws *ws)
{
	return (long)sqlite3_last_insert_rowid(ws->db);
}

long
ws_run_start(struct ws *ws, const char *program, const char *args,
	     struct ig_err *err)
{
	sqlite3_stmt *st;
	char now[32], host[256] = "";
	long id = -1;

	ws_now(now);
	gethostname(host, sizeof host - 1);
	st = ws_prepare(ws, "INSERT INTO runs (program, args, pid, host, started_at)"
			    " VALUES (?, ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, program, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, args, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)getpid());
	sqlite3_bind_text(st, 4, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = ws_last_id(ws);
	else
		ws_fail(ws, err, "recording the run");
	sqlite3_finalize(st);
	return id;
}

/*
 * A task its run left 'running' (a save the full disk refused, then a
 * failed attempt to mark it failed) goes back to the queue with a word
 * why, so that no task looks busy once its run is over.
 */
int
ws_run_release_tasks(struct ws *ws, long run_id, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, "UPDATE tasks SET status = 'queued',"
				      " error = coalesce(error, 'left unfinished by run '"
				      " || run_id) WHERE run_id = ? AND status = 'running'",
				      err);
	int rc = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "releasing the run's tasks");
	sqlite3_finalize(st);
	return rc;
}

int
ws_run_end(struct ws *ws, long run_id, int exit_code,
	   const struct ws_run_totals *t, struct ig_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	int rc = 0;

	ws_now(now);
	st = ws_prepare(ws, "UPDATE runs SET ended_at = ?, status = ?, exit_code = ?,"
			    " records_done = ?, records_failed = ?, records_skipped = ?,"
			    " tokens_in = ?, tokens_out = ?, tokens_cached = ?,"
			    " cost = ?, cost_unknown = ? WHERE id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->status ? t->status : ig_exit_name(exit_code), -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(st, 3, exit_code);
	sqlite3_bind_int64(st, 4, t->done);
	sqlite3_bind_int64(st, 5, t->failed);
	sqlite3_bind_int64(st, 6, t->skipped);
	sqlite3_bind_int64(st, 7, t->tokens_in);
	sqlite3_bind_int64(st, 8, t->tokens_out);
	sqlite3_bind_int64(st, 9, t->tokens_cached);
	sqlite3_bind_double(st, 10, t->cost);
	sqlite3_bind_int64(st, 11, t->cost_unknown);
	sqlite3_bind_int64(st, 12, run_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "closing the run");
	sqlite3_finalize(st);
	if (rc == 0)
		rc = ws_run_release_tasks(ws, run_id, err);
	return rc;
}

int
ws_run_dead(struct ws *ws, long run_id)
{
	sqlite3_stmt *st;
	char host[256] = "";
	int dead = 1;

	gethostname(host, sizeof host - 1);
	st = ws_prepare(ws, "SELECT pid, host, ended_at FROM runs WHERE id = ?", NULL);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		pid_t pid = (pid_t)sqlite3_column_int64(st, 0);
		const char *h = (const char *)sqlite3_column_text(st, 1);
		int ended = sqlite3_column_type(st, 2) != SQLITE_NULL;

		if (ended)
			dead = 1;
		else if (h && strcmp(h, host) != 0)
			dead = 0; /* another host's run: we cannot tell, assume alive */
		else
			dead = kill(pid, 0) < 0 && errno == ESRCH;
	}
	sqlite3_finalize(st);
	return dead;
}

char *
ws_image_dir(const struct ws *ws, const char *configured)
{
	size_t n;
	char *dir;

	if (configured && *configured)
		return strdup(configured);
	n = strlen(ws->path) + sizeof ".images";
	dir = malloc(n);
	if (dir)
		snprintf(dir, n, "%s.images", ws->path);
	return dir;
}
