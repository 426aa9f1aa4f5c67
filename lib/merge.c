/*
 * merge.c: merging a shard workspace into this one (design in merge.h).
 *
 * The other file is ATTACHed as "o"; temp tables map its ids to ours, in
 * dependency order (runs, clusters, keywords, ideas, tasks, then the rows
 * hanging off tasks), so every foreign key points at a row of this file.
 */
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "merge.h"

#define RUN_OF(x) "(SELECT new FROM m_run WHERE old = " x ".run_id)"
#define SAME_RUN "m.program = r.program AND m.started_at = r.started_at" \
		 " AND m.pid IS r.pid AND m.host IS r.host"

static const struct step {
	const char *sql;
	long off;	/* offset of the stats counter it adds to, -1 = none */
} steps[] = {
	{ "CREATE TEMP TABLE m_run (old INTEGER PRIMARY KEY, new INTEGER)", -1 },
	{ "CREATE TEMP TABLE m_cluster (old INTEGER PRIMARY KEY, new INTEGER)", -1 },
	{ "CREATE TEMP TABLE m_idea (old INTEGER PRIMARY KEY, new INTEGER)", -1 },
	{ "CREATE TEMP TABLE m_task (old INTEGER PRIMARY KEY, new INTEGER)", -1 },
	{ "INSERT INTO main.runs (program, args, pid, host, started_at, ended_at,"
	  " status, exit_code, records_done, records_failed, records_skipped,"
	  " tokens_in, tokens_out, tokens_cached, cost, cost_unknown)"
	  " SELECT program, args, pid, host, started_at, ended_at, status, exit_code,"
	  " records_done, records_failed, records_skipped, tokens_in, tokens_out,"
	  " tokens_cached, cost, cost_unknown FROM o.runs r WHERE NOT EXISTS"
	  " (SELECT 1 FROM main.runs m WHERE " SAME_RUN ") ORDER BY r.id",
	  offsetof(struct merge_stats, runs) },
	{ "INSERT INTO m_run SELECT r.id, (SELECT min(m.id) FROM main.runs m WHERE "
	  SAME_RUN ") FROM o.runs r", -1 },
	{ "INSERT INTO main.clusters (name, name_norm, description, sector, method,"
	  " created_at, updated_at, run_id) SELECT name, name_norm, description,"
	  " sector, method, created_at, updated_at, " RUN_OF("c") " FROM o.clusters c"
	  " WHERE NOT EXISTS (SELECT 1 FROM main.clusters m WHERE"
	  " m.name_norm = c.name_norm) ORDER BY c.id",
	  offsetof(struct merge_stats, clusters) },
	{ "INSERT INTO m_cluster SELECT c.id, m.id FROM o.clusters c"
	  " JOIN main.clusters m ON m.name_norm = c.name_norm", -1 },
	{ "INSERT INTO main.keywords (keyword, norm, volume, difficulty, intent,"
	  " sector, cluster_id, created_at, updated_at) SELECT keyword, norm, volume,"
	  " difficulty, intent, sector,"
	  " (SELECT new FROM m_cluster WHERE old = k.cluster_id), created_at,"
	  " updated_at FROM o.keywords k WHERE NOT EXISTS (SELECT 1 FROM"
	  " main.keywords m WHERE m.norm = k.norm) ORDER BY k.id",
	  offsetof(struct merge_stats, keywords) },
	/* Known values fill unknown ones; ours win where both are known. */
	{ "UPDATE main.keywords AS m SET volume = coalesce(m.volume, k.volume),"
	  " difficulty = coalesce(m.difficulty, k.difficulty),"
	  " intent = coalesce(m.intent, k.intent), sector = coalesce(m.sector, k.sector),"
	  " cluster_id = coalesce(m.cluster_id, (SELECT new FROM m_cluster"
	  " WHERE old = k.cluster_id)) FROM o.keywords k WHERE m.norm = k.norm AND"
	  " ((m.volume IS NULL AND k.volume IS NOT NULL)"
	  " OR (m.difficulty IS NULL AND k.difficulty IS NOT NULL)"
	  " OR (m.intent IS NULL AND k.intent IS NOT NULL)"
	  " OR (m.sector IS NULL AND k.sector IS NOT NULL)"
	  " OR (m.cluster_id IS NULL AND k.cluster_id IS NOT NULL))", -1 },
	{ "INSERT INTO main.ideas (cluster_id, title, content_type, structure,"
	  " description, outline, primary_keyword, keywords, word_count, round,"
	  " created_at, run_id) SELECT mc.new, i.title, i.content_type, i.structure,"
	  " i.description, i.outline, i.primary_keyword, i.keywords, i.word_count,"
	  " i.round, i.created_at, " RUN_OF("i") " FROM o.ideas i JOIN m_cluster mc"
	  " ON mc.old = i.cluster_id WHERE NOT EXISTS (SELECT 1 FROM main.ideas m"
	  " WHERE m.cluster_id = mc.new AND m.title = i.title) ORDER BY i.id",
	  offsetof(struct merge_stats, ideas) },
	{ "INSERT INTO m_idea SELECT i.id, (SELECT min(m.id) FROM main.ideas m"
	  " WHERE m.cluster_id = mc.new AND m.title = i.title) FROM o.ideas i"
	  " JOIN m_cluster mc ON mc.old = i.cluster_id", -1 },
	{ "INSERT INTO main.tasks (idea_id, title, status, options, prompt_override,"
	  " error, run_id, attempts, created_at, updated_at) SELECT mi.new, t.title,"
	  " t.status, t.options, t.prompt_override, t.error, " RUN_OF("t") ","
	  " t.attempts, t.created_at, t.updated_at FROM o.tasks t LEFT JOIN m_idea mi"
	  " ON mi.old = t.idea_id WHERE CASE WHEN mi.new IS NULL THEN NOT EXISTS"
	  " (SELECT 1 FROM main.tasks m WHERE m.idea_id IS NULL AND m.title = t.title"
	  " AND m.created_at = t.created_at) ELSE NOT EXISTS (SELECT 1 FROM"
	  " main.tasks m WHERE m.idea_id = mi.new) END ORDER BY t.id",
	  offsetof(struct merge_stats, tasks) },
	{ "INSERT INTO m_task SELECT t.id, CASE WHEN mi.new IS NULL THEN"
	  " (SELECT min(m.id) FROM main.tasks m WHERE m.idea_id IS NULL AND"
	  " m.title = t.title AND m.created_at = t.created_at) ELSE (SELECT m.id FROM"
	  " main.tasks m WHERE m.idea_id = mi.new) END FROM o.tasks t"
	  " LEFT JOIN m_idea mi ON mi.old = t.idea_id", -1 },
	{ "INSERT OR IGNORE INTO main.content (task_id, title, meta_title,"
	  " meta_description, slug, html, format, primary_keyword, secondary_keywords,"
	  " tags, categories, word_count, status, moderation, created_at, updated_at,"
	  " run_id) SELECT mt.new, c.title, c.meta_title, c.meta_description, c.slug,"
	  " c.html, c.format, c.primary_keyword, c.secondary_keywords, c.tags,"
	  " c.categories, c.word_count, c.status, c.moderation, c.created_at,"
	  " c.updated_at, " RUN_OF("c") " FROM o.content c JOIN m_task mt"
	  " ON mt.old = c.task_id ORDER BY c.id",
	  offsetof(struct merge_stats, content) },
	{ "INSERT OR IGNORE INTO main.images (task_id, kind, position, device,"
	  " section, prompt, negative_prompt, provider, model, url, path, width,"
	  " height, format, bytes, cost, status, error, created_at, updated_at, run_id)"
	  " SELECT mt.new, g.kind, g.position, g.device, g.section, g.prompt,"
	  " g.negative_prompt, g.provider, g.model, g.url, g.path, g.width, g.height,"
	  " g.format, g.bytes, g.cost, g.status, g.error, g.created_at, g.updated_at, "
	  RUN_OF("g") " FROM o.images g JOIN m_task mt ON mt.old = g.task_id"
	  " ORDER BY g.id", offsetof(struct merge_stats, images) },
	{ "INSERT INTO main.ai_log (run_id, function, record, provider, model,"
	  " endpoint, outcome, http_status, attempts, tokens_in, tokens_out,"
	  " tokens_cached, cost, batch, cached, duration_ms, steps, error, request_id,"
	  " created_at) SELECT mr.new, a.function, a.record, a.provider, a.model,"
	  " a.endpoint, a.outcome, a.http_status, a.attempts, a.tokens_in,"
	  " a.tokens_out, a.tokens_cached, a.cost, a.batch, a.cached, a.duration_ms,"
	  " a.steps, a.error, a.request_id, a.created_at FROM o.ai_log a"
	  " LEFT JOIN m_run mr ON mr.old = a.run_id WHERE NOT EXISTS (SELECT 1 FROM"
	  " main.ai_log m WHERE m.run_id IS mr.new AND m.function = a.function AND"
	  " m.record IS a.record AND m.created_at = a.created_at AND"
	  " m.outcome = a.outcome AND m.attempts = a.attempts AND"
	  " m.request_id IS a.request_id) ORDER BY a.id",
	  offsetof(struct merge_stats, calls) },
	{ "INSERT OR IGNORE INTO main.cache (key, function, model, response,"
	  " tokens_in, tokens_out, tokens_cached, created_at) SELECT key, function,"
	  " model, response, tokens_in, tokens_out, tokens_cached, created_at"
	  " FROM o.cache", offsetof(struct merge_stats, cache) },
	{ "INSERT OR IGNORE INTO main.prompts (function, body, updated_at)"
	  " SELECT function, body, updated_at FROM o.prompts",
	  offsetof(struct merge_stats, prompts) },
	{ "INSERT OR IGNORE INTO main.embeddings (norm, model, vector)"
	  " SELECT norm, model, vector FROM o.embeddings", -1 },
};

static const char cleanup[] =
	"DROP TABLE IF EXISTS temp.m_run; DROP TABLE IF EXISTS temp.m_cluster;"
	" DROP TABLE IF EXISTS temp.m_idea; DROP TABLE IF EXISTS temp.m_task;";

/* The other file must exist, differ from ours and have our schema. */
static int
check_other(struct ws *ws, const char *other, struct ig_err *err)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct ws *o;
	int v;

	if (!realpath(other, b))
		return ig_err_set(err, errno == ENOENT ? IG_ENOINPUT : IG_EIO,
				  "%s: %s", other, strerror(errno));
	if (realpath(ws_path(ws), a) && strcmp(a, b) == 0)
		return ig_err_set(err, IG_EUSAGE, "%s: cannot merge a workspace into itself",
				  other);
	/* Opening migrates it, so an older shard merges like a current one. */
	if (!(o = ws_open(other, WS_OPEN, err)))
		return -1;
	v = ws_schema_version(o);
	ws_close(o);
	if (v != ws_schema_latest())
		return ig_err_set(err, IG_EDATA, "%s: schema %d, expected %d", other, v,
				  ws_schema_latest());
	return 0;
}

static int
attach(struct ws *ws, const char *other, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, "ATTACH ? AS o", err);
	int rc = 0;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, other, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "attaching the other workspace");
	sqlite3_finalize(st);
	return rc;
}

static int
run_steps(struct ws *ws, struct merge_stats *st, struct ig_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		if (ws_exec(ws, steps[i].sql, err) < 0)
			return -1;
		if (steps[i].off >= 0)
			*(long *)((char *)st + steps[i].off) += ws_changes(ws);
	}
	return 0;
}

int
merge_workspace(struct ws *ws, const char *other, struct merge_stats *st,
		struct ig_err *err)
{
	int rc;

	memset(st, 0, sizeof *st);
	if (check_other(ws, other, err) < 0 || attach(ws, other, err) < 0)
		return -1;
	ws_exec(ws, cleanup, NULL);
	rc = ws_begin(ws, err);
	if (rc == 0 && run_steps(ws, st, err) == 0)
		rc = ws_commit(ws, err);
	else
		rc = -1;
	ws_rollback(ws);
	ws_exec(ws, cleanup, NULL);
	ws_exec(ws, "DETACH o", NULL);
	if (rc < 0)
		ig_err_prefix(err, "merging %s", other);
	return rc;
}
