/*
 * schema.c: the workspace schema as an ordered list of forward migrations.
 *
 * Migration N brings a file from user_version N-1 to N.  Never edit a
 * migration that has shipped; append a new one.
 */
#include "compat.h"

#include <stdio.h>

#include "workspace.h"

/* 1: the initial schema. */
static const char *const m1[] = {
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY,"
	" program TEXT NOT NULL, args TEXT, pid INTEGER, host TEXT,"
	" started_at TEXT NOT NULL, ended_at TEXT,"
	" status TEXT NOT NULL DEFAULT 'running', exit_code INTEGER,"
	" records_done INTEGER NOT NULL DEFAULT 0,"
	" records_failed INTEGER NOT NULL DEFAULT 0,"
	" records_skipped INTEGER NOT NULL DEFAULT 0,"
	" tokens_in INTEGER NOT NULL DEFAULT 0,"
	" tokens_out INTEGER NOT NULL DEFAULT 0,"
	" tokens_cached INTEGER NOT NULL DEFAULT 0,"
	" cost REAL NOT NULL DEFAULT 0,"
	" cost_unknown INTEGER NOT NULL DEFAULT 0);",
	"CREATE TABLE clusters ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL, name_norm TEXT NOT NULL UNIQUE,"
	" description TEXT, sector TEXT, method TEXT,"
	" created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	" run_id INTEGER REFERENCES runs(id));",
	"CREATE TABLE keywords ("
	" id INTEGER PRIMARY KEY,"
	" keyword TEXT NOT NULL, norm TEXT NOT NULL UNIQUE,"
	" volume INTEGER, difficulty REAL, intent TEXT, sector TEXT,"
	" cluster_id INTEGER REFERENCES clusters(id) ON DELETE SET NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT NOT NULL);",
	"CREATE INDEX keywords_cluster ON keywords(cluster_id);",
	"CREATE TABLE ideas ("
	" id INTEGER PRIMARY KEY,"
	" cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,"
	" title TEXT NOT NULL, content_type TEXT, structure TEXT,"
	" description TEXT, outline TEXT, primary_keyword TEXT, keywords TEXT,"
	" word_count INTEGER, round INTEGER NOT NULL DEFAULT 1,"
	" created_at TEXT NOT NULL, run_id INTEGER REFERENCES runs(id));",
	"CREATE INDEX ideas_cluster ON ideas(cluster_id);",
	"CREATE TABLE tasks ("
	" id INTEGER PRIMARY KEY,"
	" idea_id INTEGER UNIQUE REFERENCES ideas(id) ON DELETE SET NULL,"
	" title TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN"
	"  ('queued','running','done','failed','flagged')),"
	" options TEXT, prompt_override TEXT, error TEXT,"
	" run_id INTEGER REFERENCES runs(id), attempts INTEGER NOT NULL DEFAULT 0,"
	" created_at TEXT NOT NULL, updated_at TEXT NOT NULL);",
	"CREATE INDEX tasks_status ON tasks(status);",
	"CREATE TABLE content ("
	" id INTEGER PRIMARY KEY,"
	" task_id INTEGER NOT NULL UNIQUE REFERENCES tasks(id) ON DELETE CASCADE,"
	" title TEXT, meta_title TEXT, meta_description TEXT, slug TEXT,"
	" html TEXT NOT NULL, format TEXT NOT NULL DEFAULT 'html',"
	" primary_keyword TEXT, secondary_keywords TEXT, tags TEXT, categories TEXT,"
	" word_count INTEGER, status TEXT NOT NULL DEFAULT 'draft',"
	" moderation TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	" run_id INTEGER REFERENCES runs(id));",
	"CREATE TABLE images ("
	" id INTEGER PRIMARY KEY,"
	" task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL CHECK (kind IN ('featured','in_article')),"
	" position INTEGER NOT NULL, device TEXT NOT NULL, section TEXT,"
	" prompt TEXT, negative_prompt TEXT, provider TEXT, model TEXT,"
	" url TEXT, path TEXT, width INTEGER, height INTEGER, format TEXT,"
	" bytes INTEGER, cost REAL, status TEXT NOT NULL DEFAULT 'pending',"
	" error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	" run_id INTEGER REFERENCES runs(id),"
	" UNIQUE (task_id, kind, position, device));",
	"CREATE TABLE prompts ("
	" function TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at TEXT NOT NULL);",
	"CREATE TABLE ai_log ("
	" id INTEGER PRIMARY KEY,"
	" run_id INTEGER REFERENCES runs(id),"
	" function TEXT NOT NULL, record TEXT, provider TEXT, model TEXT,"
	" endpoint TEXT, outcome TEXT NOT NULL, http_status INTEGER,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" tokens_in INTEGER NOT NULL DEFAULT 0, tokens_out INTEGER NOT NULL DEFAULT 0,"
	" tokens_cached INTEGER NOT NULL DEFAULT 0,"
	" cost REAL, batch INTEGER NOT NULL DEFAULT 0, cached INTEGER NOT NULL DEFAULT 0,"
	" duration_ms INTEGER, steps TEXT, error TEXT, request_id TEXT,"
	" created_at TEXT NOT NULL);",
	"CREATE INDEX ai_log_run ON ai_log(run_id);",
	"CREATE TABLE cache ("
	" key TEXT PRIMARY KEY, function TEXT, model TEXT, response TEXT NOT NULL,"
	" tokens_in INTEGER, tokens_out INTEGER, tokens_cached INTEGER,"
	" created_at TEXT NOT NULL);",
	"CREATE TABLE embeddings ("
	" norm TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,"
	" PRIMARY KEY (norm, model));",
	"CREATE TABLE batches ("
	" id TEXT PRIMARY KEY, function TEXT NOT NULL, provider TEXT,"
	" input_file_id TEXT, output_file_id TEXT, error_file_id TEXT,"
	" status TEXT NOT NULL, items INTEGER NOT NULL DEFAULT 0,"
	" created_at TEXT NOT NULL, updated_at TEXT NOT NULL, collected_at TEXT,"
	" run_id INTEGER REFERENCES runs(id));",
	"CREATE TABLE batch_items ("
	" custom_id TEXT PRIMARY KEY,"
	" batch_id TEXT NOT NULL REFERENCES batches(id),"
	" function TEXT NOT NULL, ref TEXT NOT NULL, request TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'submitted', error TEXT);",
	"CREATE INDEX batch_items_ref ON batch_items(ref, status);",
	NULL,
};

/*
 * 2: batch items keep the answer downloaded for them until a run uses it,
 * and are found by function and record; a batch keeps the RUN_* switches
 * of the run that submitted it (--more, --moderate), for collecting.
 */
static const char *const m2[] = {
	"ALTER TABLE batches ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;",
	"ALTER TABLE batch_items ADD COLUMN response TEXT;",
	"ALTER TABLE batch_items ADD COLUMN request_id TEXT;",
	"ALTER TABLE batch_items ADD COLUMN updated_at TEXT;",
	"CREATE INDEX batch_items_fn_ref ON batch_items(function, ref, status);",
	NULL,
};

/*
 * 3: where each article was published (igny8-publish): one row per task
 * and place, keeping the remote post id and its media so a rerun updates
 * instead of copying, and a digest of what was sent so an unchanged
 * article is not sent again.
 */
static const char *const m3[] = {
	"CREATE TABLE publish ("
	" id INTEGER PRIMARY KEY,"
	" task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,"
	" target TEXT NOT NULL, site TEXT NOT NULL,"
	" remote_id TEXT, url TEXT, path TEXT, status TEXT NOT NULL,"
	" digest TEXT, media TEXT, error TEXT,"
	" created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	" run_id INTEGER REFERENCES runs(id),"
	" UNIQUE (task_id, target, site));",
	NULL,
};

/*
 * 4: the request and answer bodies of each AI call, beside its ai_log row
 * (see bodies.h): a table of their own, so that listing, exporting and
 * merging calls do not carry them.  *_bytes is the size before any cut.
 */
static const char *const m4[] = {
	"CREATE TABLE ai_bodies ("
	" log_id INTEGER PRIMARY KEY REFERENCES ai_log(id) ON DELETE CASCADE,"
	" request TEXT, request_bytes INTEGER,"
	" response TEXT, response_bytes INTEGER);",
	NULL,
};

/*
 * 5: what an article's checks found and what its editor must verify (JSON
 * arrays, NULL when empty), so that a rerun and igny8 audit show them;
 * each image's alt text and caption as the image prompt step wrote them.
 */
static const char *const m5[] = {
	"ALTER TABLE content ADD COLUMN verify TEXT;",
	"ALTER TABLE content ADD COLUMN checks TEXT;",
	"ALTER TABLE images ADD COLUMN alt TEXT;",
	"ALTER TABLE images ADD COLUMN caption TEXT;",
	NULL,
};

/*
 * 6: what igny8-write reads of the newest articles to offer related ones
 * (links.c), in an index of its own, newest last.  Read from the table,
 * each row's primary keyword lies past its HTML, in overflow pages, and
 * the query went through every article of the site: at 2,000 articles it
 * was four fifths of igny8-write's CPU.
 */
static const char *const m6[] = {
	"CREATE INDEX content_recent ON content(id, task_id, slug, title, primary_keyword);",
	NULL,
};

static const char *const *const migrations[] = { m1, m2, m3, m4, m5, m6 };

int
ws_schema_latest(void)
{
	return (int)ARRAY_SIZE(migrations);
}

static int
apply(struct ws *ws, const char *const *sql, struct ig_err *err)
{
	for (; *sql; sql++)
		if (ws_exec(ws, *sql, err) < 0)
			return -1;
	return 0;
}

int
ws_migrate(struct ws *ws, struct ig_err *err)
{
	char pragma[64];
	int have;

	for (;;) {
		/* Read the version under the write lock: the stages of a pipeline
		 * open a new workspace at the same moment, and only one may
		 * migrate it. */
		if (ws_schema_version(ws) >= ws_schema_latest())
			break;
		if (ws_begin(ws, err) < 0)
			return -1;
		have = ws_schema_version(ws);
		if (have >= ws_schema_latest()) {
			ws_rollback(ws);
			break;
		}
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;", have + 1);
		if (apply(ws, migrations[have], err) < 0 || ws_exec(ws, pragma, err) < 0) {
			ws_rollback(ws);
			return ig_err_prefix(err, "migrating to schema %d", have + 1);
		}
		if (ws_commit(ws, err) < 0)
			return -1;
	}
	if (ws_schema_version(ws) > ws_schema_latest())
		return ig_err_set(err, IG_ECONFIG,
				  "%s: schema version %d is newer than this igny8 (%d)",
				  ws_path(ws), ws_schema_version(ws), ws_schema_latest());
	return 0;
}
