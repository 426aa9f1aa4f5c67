/*
 * workspace.h: the SQLite workspace every stage shares.
 *
 * One file holds keywords, clusters, ideas, tasks, content, images,
 * prompts, the response cache, batches, runs and the log of every AI call.
 * It is opened in WAL mode with foreign keys and a busy handler, and every
 * write transaction starts IMMEDIATE, so the four stages of one pipeline
 * (each a process) can write to it at the same time without "database is
 * locked".  Within a process, one thread writes (see engine.h) and the
 * others read through connections of their own.  The schema is versioned
 * with PRAGMA user_version and migrated forward on open (schema.c).
 *
 * Ownership: struct ws is opaque, from ws_open(), freed by ws_close().
 * ws_db() lends the sqlite3 handle for the modules that own a table.
 */
#ifndef IG_WORKSPACE_H
#define IG_WORKSPACE_H

#include <sqlite3.h>
#include <stdatomic.h>

#include "compat.h"
#include "err.h"

struct ws;

/*
 * WS_SCRATCH opens a private copy of the workspace at path (an empty one
 * when there is none), for a dry run: it reads what the workspace holds and
 * may write as a real run does, yet nothing reaches the file, not even the
 * run's own row.  The copy is a temporary file (in $TMPDIR), so that
 * ws_open_reader() can open it too, removed by ws_close().
 */
enum ws_mode { WS_OPEN = 0, WS_CREATE = 1, WS_SCRATCH = 2 };

/* Opens (and with WS_CREATE, creates) the workspace at path, migrating it. */
struct ws *ws_open(const char *path, enum ws_mode mode, struct ig_err *err);
void ws_close(struct ws *ws);

sqlite3 *ws_db(struct ws *ws);
const char *ws_path(const struct ws *ws);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK (rollback never fails). */
int ws_begin(struct ws *ws, struct ig_err *err);
int ws_commit(struct ws *ws, struct ig_err *err);
void ws_rollback(struct ws *ws);

/*
 * Sessions let one transaction span what many records do with the
 * workspace, instead of a transaction per statement (a filter runs a dozen
 * per record, and each commit costs locks and a write-ahead-log write): the
 * engine's writer thread runs its queued requests in one.
 * ws_session_begin() opens it (BEGIN IMMEDIATE; -1 with err when it
 * cannot, "cannot begin a transaction").  Inside a session,
 * ws_begin()/ws_commit()/ws_rollback() are a savepoint, so a unit still
 * rolls back alone.  ws_session_end() commits when commit is set (a
 * failed COMMIT rolls back and returns -1 with err set), else rolls back.
 *
 * SQLite rolls the whole transaction back by itself after some errors
 * (SQLITE_FULL, IOERR, NOMEM); ws_session_lost() returns 1 once when the
 * session's transaction is gone that way, so that the caller fails what
 * it held instead of counting it committed.
 */
int ws_session_begin(struct ws *ws, struct ig_err *err);
int ws_session_end(struct ws *ws, int commit, struct ig_err *err);
int ws_session_lost(struct ws *ws);
int ws_in_txn(struct ws *ws);

/*
 * A read-only connection to the database ws has open (its scratch copy
 * for a dry run), for one thread's reads while another writes (WAL): it
 * sees what was committed before each of its statements began.  Freed by
 * ws_close().
 */
struct ws *ws_open_reader(const struct ws *ws, struct ig_err *err);

/*
 * The process's cancel flag (set by a signal handler): a wait for another
 * connection's lock gives up when it is set, failing with IG_EINTR.
 */
void ws_set_cancel(const atomic_int *flag);

/* Runs SQL without results. */
int ws_exec(struct ws *ws, const char *sql, struct ig_err *err);

/* Prepares a statement; on failure sets err naming the SQL error. */
sqlite3_stmt *ws_prepare(struct ws *ws, const char *sql, struct ig_err *err);

/*
 * A prepared statement kept by the connection for the SQL at this address
 * (pass string literals).  Never finalize it: end each use with ws_done().
 * Not for a statement that is still being stepped when the same SQL runs
 * again (nested use).
 */
sqlite3_stmt *ws_cached(struct ws *ws, const char *sql, struct ig_err *err);
void ws_done(sqlite3_stmt *st);

/*
 * Sets the connection's page cache (SQLite's units: pages, or KiB when
 * negative) and returns the size it had, to be put back.  A transaction
 * that writes a large part of the file (an import, a clustering) needs
 * more than the default 2 MiB: in WAL mode each spill appends the pages
 * to the log again.  WS_BIG_CACHE is the size such transactions use.
 */
#define WS_BIG_CACHE (-65536)
int ws_cache_size(struct ws *ws, int size);

/* Sets err from the connection's last error, prefixed by what. Returns -1. */
int ws_fail(struct ws *ws, struct ig_err *err, const char *what);

/* Schema version this build writes, and the one in the file. */
int ws_schema_latest(void);
int ws_schema_version(struct ws *ws);

/* Applies pending migrations (called by ws_open). */
int ws_migrate(struct ws *ws, struct ig_err *err);

/* Current UTC time as ISO 8601 ("2026-11-27T20:50:53Z") into out[32]. */
void ws_now(char out[32]);

/* Runs table: one row per command invocation. */
long ws_run_start(struct ws *ws, const char *program, const char *args,
		  struct ig_err *err);
struct ws_run_totals {
	long done, failed, skipped;
	long tokens_in, tokens_out, tokens_cached;
	double cost;		/* known part of the spend */
	long cost_unknown;	/* calls whose cost could not be priced */
	const char *status;	/* NULL: named after the exit status */
};
int ws_run_end(struct ws *ws, long run_id, int exit_code,
	       const struct ws_run_totals *t, struct ig_err *err);
/* Puts the run's tasks still 'running' back in the queue (ws_run_end does). */
int ws_run_release_tasks(struct ws *ws, long run_id, struct ig_err *err);
/* True when the run's process is gone (same host, pid no longer alive). */
int ws_run_dead(struct ws *ws, long run_id);

/* Changes made by the last statement on this connection. */
int ws_changes(struct ws *ws);
/*
 * SQLite's data_version: it changes when another connection (another
 * process, say) commits, never for this connection's own commits.
 * -1 when it cannot be read.
 */
long ws_data_version(struct ws *ws);
long ws_last_id(struct ws *ws);

/* Directory for image files: config image.dir or "<workspace>.images". */
char *ws_image_dir(const struct ws *ws, const char *configured);

#endif
