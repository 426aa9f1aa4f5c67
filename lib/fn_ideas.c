/*
 * fn_ideas.c: content ideas for a cluster (the audit's generate_ideas).
 * A cluster that already has ideas is not sent again unless --more, so a
 * rerun costs nothing and adds no duplicates; its ideas are re-emitted.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "ai.h"
#include "config.h"
#include "fn.h"
#include "buf.h"
#include "json.h"
#include "keyword.h"
#include "prompt.h"
#include "records.h"
#include "strmap.h"
#include "workspace.h"

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct ideas_job {
	long cluster_id;
};

static void
emit_ideas(struct ws *ws, struct job *job, long cluster_id, int round)
{
	sqlite3_stmt *st = ws_cached(ws, "SELECT id FROM ideas WHERE cluster_id = ?"
					  " AND (? = 0 OR round = ?) ORDER BY id", NULL);

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, cluster_id);
	sqlite3_bind_int(st, 2, round);
	sqlite3_bind_int(st, 3, round);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *rec = rec_get(ws, "idea", (long)sqlite3_column_int64(st, 0), NULL);
		if (rec)
			job_emit(job, rec);
	}
	ws_done(st);
}

static int
ideas_round(struct ws *ws, long cluster_id)
{
	sqlite3_stmt *st = ws_cached(ws, "SELECT coalesce(max(round), 0) FROM ideas"
					  " WHERE cluster_id = ?", NULL);
	int r = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, cluster_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = sqlite3_column_int(st, 0);
	ws_done(st);
	return r;
}

/*
 * A topic given as plain text or with --topic: the cluster of that name,
 * made (method 'topic') with the topic as its one keyword when there is
 * none, so that one-off use needs no clustering step first.  Returns the
 * cluster's id, or -1 with err set.
 */
static long
topic_cluster(struct ws *ws, struct run *run, const char *topic, struct ig_err *err)
{
	struct kw_fields kw = { topic, -1, -1, NULL, NULL };
	sqlite3_stmt *st;
	char now[32], *norm;
	long id = -1, kw_id;

	if (strlen(topic) > 500)
		return ig_err_set(err, IG_EDATA, "topic longer than 500 bytes");
	if (!(norm = kw_normalize(topic, err)))
		return ig_err_prefix(err, "topic");
	ws_now(now);
	if (ws_begin(ws, err) < 0) {
		free(norm);
		return -1;
	}
	st = ws_cached(ws, "INSERT INTO clusters (name, name_norm, method, created_at,"
			   " updated_at, run_id) VALUES (?1, ?2, 'topic', ?3, ?3, ?4)"
			   " ON CONFLICT (name_norm) DO UPDATE SET name = name RETURNING id", err);
	if (st) {
		sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, norm, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		if (run_id(run) > 0)
			sqlite3_bind_int64(st, 4, run_id(run));
		if (sqlite3_step(st) == SQLITE_ROW)
			id = (long)sqlite3_column_int64(st, 0);
		else
			ws_fail(ws, err, "saving a topic's cluster");
		ws_done(st);
	}
	free(norm);
	if (id > 0 && kw_upsert(ws, &kw, &kw_id, NULL, err) == 0 &&
	    (st = ws_cached(ws, "UPDATE keywords SET cluster_id = ? WHERE id = ?"
				" AND cluster_id IS NULL", err))) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, kw_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			id = ws_fail(ws, err, "saving a topic's keyword");
		ws_done(st);
	} else {
		id = -1;
	}
	if (id < 0) {
		ws_rollback(ws);
		return -1;
	}
	return ws_commit(ws, err) < 0 ? -1 : id;
}

static int
ideas_init(struct run *run, struct job *job, const cJSON *rec, struct ig_err *err)
{
	struct ws *ws = run_ws(run);
	const char *topic = json_str(rec, "topic");
	struct ideas_job *ij;
	long id;
	int dup;

	/* igny8-cluster's record of what it left unclustered: no topic */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "unclustered")))
		return 1;
	if (topic && !cJSON_GetObjectItemCaseSensitive(rec, "id"))
		id = topic_cluster(ws, run, topic, err);
	else if ((id = rec_id(rec, "cluster", err)) >= 0)
		id = rec_exists(ws, "cluster", id, err) < 0 ? -1 : id;
	if (id < 0)
		return -1;
	if ((dup = fn_take_ref(run, job, err, "cluster:%ld", id)) != 0)
		return dup < 0 ? -1 : INIT_DONE;
	if (ideas_round(ws, id) > 0 && !(run_opts(run)->flags & RUN_MORE)) {
		job_note(job, "has ideas already: they are written out again, nothing"
			 " is sent (--more asks for another round)");
		emit_ideas(ws, job, id, 0);
		return 1;
	}
	if (!(ij = calloc(1, sizeof *ij)))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	ij->cluster_id = id;
	job_set_data(job, ij);
	return 0;
}

/*
 * The cluster's keywords as the prompt shows them, most searched first:
 * [{"keyword", "volume", "difficulty", "intent"}], unknown values left out.
 */
static char *
keyword_table(struct ws *ws, long cluster_id)
{
	sqlite3_stmt *st = ws_cached(ws, "SELECT keyword, volume, difficulty, intent"
				     " FROM keywords WHERE cluster_id = ?"
				     " ORDER BY coalesce(volume, -1) DESC, keyword", NULL);
	cJSON *arr = cJSON_CreateArray();
	char *out;

	if (st) {
		sqlite3_bind_int64(st, 1, cluster_id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *k = cJSON_CreateObject();

			cJSON_AddStringToObject(k, "keyword", (const char *)sqlite3_column_text(st, 0));
			if (sqlite3_column_type(st, 1) != SQLITE_NULL)
				cJSON_AddNumberToObject(k, "volume", sqlite3_column_double(st, 1));
			if (sqlite3_column_type(st, 2) != SQLITE_NULL)
				cJSON_AddNumberToObject(k, "difficulty", sqlite3_column_double(st, 2));
			if (sqlite3_column_type(st, 3) != SQLITE_NULL)
				cJSON_AddStringToObject(k, "intent",
							(const char *)sqlite3_column_text(st, 3));
			cJSON_AddItemToArray(arr, k);
		}
		ws_done(st);
	}
	out = json_dump(arr);
	cJSON_Delete(arr);
	return out;
}

/*
 * The cluster's fields the prompt needs, read directly: its full record
 * (rec_get) also sums volumes and votes an intent, which costs two
 * temporary b-trees per record for values the prompt does not use.  The
 * description is sent only when a model wrote it: the offline methods'
 * descriptions are notes on how the cluster was made, not its topic.
 */
static struct prompt_vars *
ideas_vars(struct worker *w, long cluster_id, struct ig_err *err)
{
	struct run *run = worker_run(w);
	struct ws *ws = worker_ws(w);
	sqlite3_stmt *st = ws_cached(ws, "SELECT name, CASE WHEN method IS NULL OR method = 'ai'"
				     " THEN coalesce(description, '') ELSE '' END, sector"
				     " FROM clusters WHERE id = ?", err);
	struct prompt_vars *v;
	cJSON *titles, *taken;
	char *kw, *existing, *tk;
	const char *desc;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, cluster_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		ws_done(st);
		ig_err_set(err, IG_ENOINPUT, "no cluster with id %ld in the workspace",
			   cluster_id);
		return NULL;
	}
	v = prompt_vars_new();
	fn_common_vars(run, v, (const char *)sqlite3_column_text(st, 2));
	prompt_vars_set(v, "cluster", (const char *)sqlite3_column_text(st, 0));
	desc = (const char *)sqlite3_column_text(st, 1);
	prompt_vars_set(v, "description", desc && *desc ? desc : "(the keywords say)");
	ws_done(st);
	kw = keyword_table(ws, cluster_id);
	prompt_vars_set(v, "keywords", kw);
	titles = fn_column_array(ws, "SELECT title FROM ideas WHERE cluster_id = ?"
				     " ORDER BY id", cluster_id);
	existing = cJSON_GetArraySize(titles) ? json_dump(titles)
					      : strdup("(none)");
	prompt_vars_set(v, "existing", existing);
	/*
	 * With --more, every idea of the workspace from earlier runs, so that
	 * no two articles compete (without it, a first round's request stays
	 * the same whatever else was saved, and a rerun after a crash finds
	 * its answer in the cache); this run's own are left out so that a request
	 * does not depend on which cluster was saved first (the cache key
	 * stays the same), and are checked when the answer is saved.
	 */
	taken = (run_opts(run)->flags & RUN_MORE) ?
		fn_column_array(ws, "SELECT DISTINCT primary_keyword FROM ideas"
				" WHERE primary_keyword IS NOT NULL AND run_id IS NOT ?"
				" ORDER BY primary_keyword", run_id(run)) : cJSON_CreateArray();
	tk = cJSON_GetArraySize(taken) ? json_dump(taken) : strdup("(none)");
	prompt_vars_set(v, "taken", tk);
	prompt_vars_setf(v, "count", "%ld", config_int(run_config(run), "ideas.count"));
	free(kw);
	free(existing);
	free(tk);
	cJSON_Delete(titles);
	cJSON_Delete(taken);
	return v;
}

/*
 * A primary keyword's key for "the same query": case, accents and word
 * order folded, a plural's final "s" dropped ("Best bikes" = "bike best").
 */
static char *
keyword_key(const char *kw)
{
	struct ig_err err = { 0 };
	char *n = kw_normalize(kw ? kw : "", &err), *save = NULL;
	const char *words[32];
	size_t nw = 0;
	struct buf b = BUF_INIT(0);

	if (!n)
		return strdup("");
	for (char *t = strtok_r(n, " -", &save); t && nw < 32; t = strtok_r(NULL, " -", &save)) {
		size_t len = strlen(t);

		if (len > 3 && t[len - 1] == 's' && t[len - 2] != 's')
			t[len - 1] = '\0';
		words[nw++] = t;
	}
	qsort(words, nw, sizeof *words, by_str);
	for (size_t i = 0; i < nw; i++)
		buf_printf(&b, "%s%s", i ? " " : "", words[i]);
	free(n);
	return buf_detach(&b);
}

/*
 * The keys of the ideas saved in the workspace, kept for the run: reading
 * every idea again for each cluster's answer made saving quadratic (at
 * 2,000 ideas, half of igny8-ideas' CPU, all of it on the writer).  Only
 * the rows added since (by this run or another process) are read each
 * time.
 */
struct keys {
	struct strmap *set;
	long last;		/* the highest ideas.id read */
	char *last_key;		/* its key ("" for none) */
};

static void
keys_free(void *p)
{
	struct keys *k = p;

	if (k) {
		strmap_free(k->set, NULL);
		free(k->last_key);
	}
	free(k);
}

static int
keys_has(const struct keys *k, const char *key)
{
	return strmap_get(k->set, key) != NULL;
}

/* Adds key; -1 on out of memory. */
static int
keys_add(struct keys *k, const char *key)
{
	int added;

	return strmap_put(k->set, key, &added) ? 0 : -1;
}

/*
 * Whether the last row the set read is still there as it was: a
 * transaction that failed to commit takes its rows back, and a paid
 * answer is saved again in the next one.
 */
static int
keys_current(struct ws *ws, const struct keys *k)
{
	sqlite3_stmt *st;
	char *key = NULL;

	if (!k->last)
		return 1;
	if (!(st = ws_cached(ws, "SELECT primary_keyword FROM ideas WHERE id = ?", NULL)))
		return 0;
	sqlite3_bind_int64(st, 1, k->last);
	if (sqlite3_step(st) == SQLITE_ROW)
		key = keyword_key((const char *)sqlite3_column_text(st, 0));
	ws_done(st);
	if (!key || strcmp(key, k->last_key ? k->last_key : "")) {
		free(key);
		return 0;
	}
	free(key);
	return 1;
}

/* The run's set, brought up to date with the workspace; NULL on out of memory. */
static struct keys *
saved_keys(struct ws *ws, struct run *run)
{
	void **slot = fn_aux(run, keys_free);
	struct keys *k = slot ? *slot : NULL;
	sqlite3_stmt *st;
	int rc = 0;

	if (k && !keys_current(ws, k)) {
		keys_free(k);
		k = *slot = NULL;
	}
	if (slot && !k && (k = *slot = calloc(1, sizeof *k)) && !(k->set = strmap_new())) {
		keys_free(k);
		k = *slot = NULL;
	}
	if (!k || !(st = ws_cached(ws, "SELECT id, primary_keyword FROM ideas WHERE id > ?"
				   " ORDER BY id", NULL)))
		return NULL;
	sqlite3_bind_int64(st, 1, k->last);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		char *key = keyword_key((const char *)sqlite3_column_text(st, 1));

		k->last = (long)sqlite3_column_int64(st, 0);
		free(k->last_key);
		k->last_key = key ? strdup(key) : NULL;
		if (!key || !k->last_key)
			rc = -1;
		if (rc == 0 && *key)
			rc = keys_add(k, key);
		free(key);
	}
	ws_done(st);
	return rc == 0 ? k : NULL;
}

/* Forgets the run's set: what it read may have been rolled back. */
static void
forget_keys(struct run *run)
{
	void **slot = fn_aux(run, keys_free);

	if (slot) {
		keys_free(*slot);
		*slot = NULL;
	}
}

static int
save_idea(struct ws *ws, struct run *run, long cluster_id, int round,
	  const cJSON *idea, long *id_out, struct ig_err *err)
{
	sqlite3_stmt *st;
	char now[32], *kw, *outline;
	int rc = 0;

	ws_now(now);
	st = ws_cached(ws, "INSERT INTO ideas (cluster_id, title, content_type, structure,"
			    " description, outline, primary_keyword, keywords, word_count,"
			    " round, created_at, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", err);
	if (!st)
		return -1;
	kw = json_dump(json_arr(idea, "keywords"));
	outline = json_dump(json_arr(idea, "outline"));
	sqlite3_bind_int64(st, 1, cluster_id);
	sqlite3_bind_text(st, 2, json_str(idea, "title"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, json_str(idea, "content_type"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, json_str(idea, "structure"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, json_str(idea, "description"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, outline, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, json_str(idea, "primary_keyword"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, kw, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, json_long(idea, "word_count", 0));
	sqlite3_bind_int(st, 10, round);
	sqlite3_bind_text(st, 11, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, run_id(run));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "saving an idea");
	*id_out = ws_last_id(ws);
	ws_done(st);
	free(kw);
	free(outline);
	return rc;
}

struct ideas_answer {
	struct worker *w;
	struct job *job;
	long cluster_id;
	const cJSON *answer;
};

/* All ideas of the answer as one unit (worker_save()), a new round. */
static int
put_ideas(struct ws *ws, void *arg, struct ig_err *err)
{
	struct ideas_answer *x = arg;
	struct worker *w = x->w;
	struct job *job = x->job;
	long cluster_id = x->cluster_id;
	const cJSON *answer = x->answer;
	struct run *run = worker_run(w);
	long count = config_int(run_config(run), "ideas.count"), n = 0;
	const cJSON *idea;
	struct keys *seen;
	int round;
	long id;

	round = ideas_round(ws, cluster_id);
	/* Another run saved ideas for it meanwhile: keep those, add nothing. */
	if (round > 0 && !(run_opts(run)->flags & RUN_MORE)) {
		emit_ideas(ws, job, cluster_id, 0);
		return 0;
	}
	if (!(seen = saved_keys(ws, run))) {
		forget_keys(run);
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	cJSON_ArrayForEach(idea, json_arr(answer, "ideas")) {
		char *key;
		int dup;

		/* ai_chat() cut the answer to the schema; this guards a prompt
		 * override whose schema has no 'ideas' array to bound. */
		if (++n > count)
			break;
		/* Two articles for one query compete: the second is not kept.
		 * The set learns this answer's keys as their rows are read. */
		key = keyword_key(json_str(idea, "primary_keyword"));
		dup = key && *key && keys_has(seen, key);
		free(key);
		if (dup) {
			job_note(job, "idea '%s' dropped: its primary keyword '%s' is another"
				 " idea's already", json_str(idea, "title"),
				 json_str(idea, "primary_keyword"));
			continue;
		}
		if (save_idea(ws, run, cluster_id, round + 1, idea, &id, err) < 0 ||
		    !(seen = saved_keys(ws, run))) {
			/* rolled back with this request: the set must not keep it */
			forget_keys(run);
			return err->code ? -1 : ig_err_set(err, IG_ESOFTWARE, "out of memory");
		}
	}
	emit_ideas(ws, job, cluster_id, round + 1);
	return 0;
}

/* SAVE: the ideas, then the records written from what was saved. */
static int
ideas_save(struct worker *w, struct job *job, long cluster_id, const cJSON *answer,
	   struct ig_err *err)
{
	job_phase(job, PH_SAVE);
	return worker_save(w, put_ideas,
			   &(struct ideas_answer){ w, job, cluster_id, answer }, err);
}

static int
ideas_work(struct worker *w, struct job *job, struct ig_err *err)
{
	struct ideas_job *ij = job_data(job);
	struct prompt_vars *v;
	struct prompt *p, *bounded;
	cJSON *answer = NULL;
	int rc = -1;

	job_phase(job, PH_PREP);
	p = worker_prompt(w, "ideas", NULL, err);
	if (!p)
		return -1;
	/*
	 * At most --count ideas: OpenAI's structured outputs honour maxItems
	 * on arrays (platform.openai.com/docs/guides/structured-outputs,
	 * "Supported properties"); an answer from a model not held to the
	 * schema is cut to it (json_cut_items) rather than repaired.
	 */
	bounded = prompt_bound_items(p, "ideas",
				     config_int(run_config(worker_run(w)), "ideas.count"));
	prompt_free(p);
	if (!(p = bounded))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if ((v = ideas_vars(w, ij->cluster_id, err))) {
		rc = ai_chat(w, job, "ideas", p, v, &answer, err);
		if (rc == AI_OK)
			rc = ideas_save(w, job, ij->cluster_id, answer, err);
		else if (rc == AI_DRY_RUN || rc == AI_BATCHED)
			rc = 0;
	}
	cJSON_Delete(answer);
	prompt_vars_free(v);
	prompt_free(p);
	return rc;
}

static const char *const ideas_accepts[] = { "cluster", NULL };

const struct fn_ops fn_ideas = {
	.name = "ideas",
	.plain_field = "topic",
	.input_type = "cluster",
	.accepts = ideas_accepts,
	.select_all = "SELECT id FROM clusters ORDER BY id",
	.init = ideas_init,
	.work = ideas_work,
	.free = free,
};
