/* batch.c: Batch API submission and collection (see batch.h). */
#include "compat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "batch.h"
#include "buf.h"
#include "engine.h"
#include "http.h"
#include "json.h"
#include "jsonl.h"
#include "msg.h"
#include "provider.h"

/* The Batch API's own cap on requests in one input file. */
#define BATCH_MAX_LINES 50000
/* Batch input files must stay under 200 MB; leave room for the last line. */
#define BATCH_MAX_BYTES (190L * 1024 * 1024)
#define ENDED "('completed', 'expired', 'failed', 'cancelled')"

void
batch_item_release(struct batch_item *it)
{
	free(it->custom_id);
	free(it->batch_id);
	free(it->request);
	free(it->response);
	free(it->request_id);
	free(it->error);
	memset(it, 0, sizeof *it);
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? strdup(s) : NULL;
}

static void
local_id(long run_id, char out[32])
{
	snprintf(out, 32, "local:%ld", run_id);
}

static int
ended(const char *status)
{
	static const char *const e[] = { "completed", "expired", "failed", "cancelled" };

	for (size_t i = 0; status && i < ARRAY_SIZE(e); i++)
		if (!strcmp(status, e[i]))
			return 1;
	return 0;
}

static int
status_rank(const char *status)
{
	return !strcmp(status, "answered") ? 0 : !strcmp(status, "submitted") ? 1 : 2;
}

enum batch_state
batch_lookup(struct ws *ws, const char *function, const char *ref,
	     struct batch_item *it_out)
{
	/*
	 * An answer first (already paid for), then a pending item, then an
	 * error, the newest of each.  Picked here, not by ORDER BY: sorting
	 * on a CASE builds a temporary b-tree on every call, and this runs for
	 * every record of every run, nearly always finding nothing.
	 */
	sqlite3_stmt *st = ws_cached(ws,
		"SELECT custom_id, batch_id, status, response, request_id, error, request,"
		" rowid FROM batch_items WHERE function = ? AND ref = ?"
		" AND status IN ('answered', 'submitted', 'error')", NULL);
	static const enum batch_state states[] = { BATCH_ANSWERED, BATCH_PENDING,
						   BATCH_FAILED };
	int best = 3;
	sqlite3_int64 best_row = 0;

	memset(it_out, 0, sizeof *it_out);
	if (!st)
		return BATCH_NONE;
	sqlite3_bind_text(st, 1, function, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int rank = status_rank((const char *)sqlite3_column_text(st, 2));
		sqlite3_int64 row = sqlite3_column_int64(st, 7);

		if (rank > best || (rank == best && row < best_row))
			continue;
		best = rank;
		best_row = row;
		batch_item_release(it_out);
		it_out->custom_id = col_dup(st, 0);
		it_out->batch_id = col_dup(st, 1);
		it_out->response = col_dup(st, 3);
		it_out->request_id = col_dup(st, 4);
		it_out->error = col_dup(st, 5);
		it_out->request = col_dup(st, 6);
	}
	ws_done(st);
	return best < 3 ? states[best] : BATCH_NONE;
}

/* Runs one statement with text parameters (NULL binds NULL). */
static int
exec_args(struct ws *ws, const char *sql, int n, const char *const *args,
	  struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, sql, err);
	int rc = 0;

	if (!st)
		return -1;
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "updating batches");
	sqlite3_finalize(st);
	return rc;
}

#define EXEC(ws, err, sql, ...)                                              \
	exec_args((ws), (sql), (int)ARRAY_SIZE(((const char *const[]){ __VA_ARGS__ })), \
		  (const char *const[]){ __VA_ARGS__ }, (err))

static char *
pending_batch(struct ws *ws, const char *function, const char *ref)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT batch_id FROM batch_items WHERE"
				      " function = ? AND ref = ? AND status = 'submitted'"
				      " LIMIT 1", NULL);
	char *id = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, function, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = col_dup(st, 0);
	sqlite3_finalize(st);
	return id;
}

int
batch_add(struct ws *ws, long run_id, const char *stage, unsigned flags,
	  const char *function, const char *provider, const char *ref, const char *key, const char *body,
	  char **batch_out, struct ig_err *err)
{
	char local[32], now[32], run[32], cid[256], fl[16];

	*batch_out = NULL;
	local_id(run_id, local);
	snprintf(run, sizeof run, "%ld", run_id);
	snprintf(fl, sizeof fl, "%u", flags);
	/*
	 * The run's id makes the custom_id unique to this submission: an
	 * earlier batch's row for the same request stays where it is, so a
	 * submission that fails (and drops its placeholder) cannot take it.
	 */
	snprintf(cid, sizeof cid, "%s:%s:%.12s:%ld", function, ref, key, run_id);
	ws_now(now);
	/* Check and insert in one write transaction: no other process slips in. */
	if (ws_begin(ws, err) < 0)
		return -1;
	if ((*batch_out = pending_batch(ws, function, ref))) {
		ws_rollback(ws);
		return BATCH_PENDING;
	}
	if (EXEC(ws, err, "INSERT OR IGNORE INTO batches (id, function, provider, status,"
		 " items, created_at, updated_at, run_id, flags) VALUES (?1, ?2, ?3,"
		 " 'preparing', 0, ?4, ?4, ?5, ?6)", local, stage, provider, now, run,
		 fl) < 0 ||
	    EXEC(ws, err, "INSERT INTO batch_items (custom_id, batch_id, function, ref,"
		 " request, status, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'submitted', ?6)",
		 cid, local, function, ref, body, now) < 0 ||
	    EXEC(ws, err, "UPDATE batches SET items = items + 1 WHERE id = ?", local) < 0) {
		ws_rollback(ws);
		return -1;
	}
	return ws_commit(ws, err) < 0 ? -1 : BATCH_NONE;
}

int
batch_item_set(struct ws *ws, const char *custom_id, const char *status,
	       const char *error, struct ig_err *err)
{
	char now[32];

	ws_now(now);
	return EXEC(ws, err, "UPDATE batch_items SET status = ?1, error = ?2,"
		    " updated_at = ?3 WHERE custom_id = ?4", status, error, now, custom_id);
}

/* Drops a placeholder and the items still under it. */
static void
drop_local(struct ws *ws, const char *local)
{
	if (ws_begin(ws, NULL) < 0)
		return;
	EXEC(ws, NULL, "DELETE FROM batch_items WHERE batch_id = ?", local);
	EXEC(ws, NULL, "DELETE FROM batches WHERE id = ?", local);
	ws_commit(ws, NULL);
}

void
batch_abandon(struct ws *ws, long run_id)
{
	char local[32];

	local_id(run_id, local);
	drop_local(ws, local);
}

void
batch_reap(struct ws *ws)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT id, run_id FROM batches WHERE"
				      " id LIKE 'local:%' AND status = 'preparing'", NULL);
	char *dead[64];
	size_t n = 0;

	while (st && n < ARRAY_SIZE(dead) && sqlite3_step(st) == SQLITE_ROW)
		if (ws_run_dead(ws, (long)sqlite3_column_int64(st, 1)))
			dead[n++] = col_dup(st, 0);
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		if (dead[i])
			drop_local(ws, dead[i]);
		free(dead[i]);
	}
}

static int
known_batch(struct ws *ws, const char *id)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT 1 FROM batches WHERE id = ?", NULL);
	int found;

	if (!st)
		return 1;	/* cannot tell: do not take it */
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/*
 * Moves n items (all when n < 0) of a placeholder to the batch the
 * provider created, in one transaction.
 */
static int
adopt(struct ws *ws, const char *local, const cJSON *b, long n, struct ig_err *err)
{
	const char *id = json_str(b, "id"), *status = json_str(b, "status");
	char now[32], lim[32];
	int rc;

	if (!id)
		return ig_err_set(err, IG_EPROTO, "the created batch has no id");
	ws_now(now);
	snprintf(lim, sizeof lim, "%ld", n);
	if (ws_begin(ws, err) < 0)
		return -1;
	/* Another batch's id: taking it would mix two batches' items. */
	if (known_batch(ws, id)) {
		ws_rollback(ws);
		return ig_err_set(err, IG_EPROTO, "the server gave the new batch "
				  "the id '%s' of an earlier batch", id);
	}
	rc = EXEC(ws, err, "INSERT INTO batches (id, function, provider, input_file_id,"
		  " status, items, created_at, updated_at, run_id, flags) SELECT ?1,"
		  " function, provider, ?2, ?3, 0, ?4, ?4, run_id, flags FROM batches"
		  " WHERE id = ?5",
		  id, json_str(b, "input_file_id"), status ? status : "validating", now,
		  local);
	if (rc == 0)
		rc = EXEC(ws, err, "UPDATE batch_items SET batch_id = ?1, updated_at = ?2"
			  " WHERE custom_id IN (SELECT custom_id FROM batch_items"
			  " WHERE batch_id = ?3 ORDER BY custom_id LIMIT ?4)", id, now, local, lim);
	/* Their records' failed items are now resubmitted, not before. */
	if (rc == 0)
		rc = EXEC(ws, err, "UPDATE batch_items SET status = 'resubmitted',"
			  " updated_at = ?2 WHERE status = 'error' AND batch_id <> ?1"
			  " AND EXISTS (SELECT 1 FROM batch_items n WHERE n.batch_id = ?1"
			  " AND n.function = batch_items.function AND n.ref = batch_items.ref)",
			  id, now);
	if (rc == 0)
		rc = EXEC(ws, err, "UPDATE batches SET items = (SELECT count(*) FROM"
			  " batch_items WHERE batch_id = batches.id) WHERE id IN (?1, ?2)",
			  id, local);
	if (rc == 0)
		rc = EXEC(ws, err, "DELETE FROM batches WHERE id = ? AND items = 0", local);
	if (rc < 0) {
		ws_rollback(ws);
		return -1;
	}
	return ws_commit(ws, err);
}

/* The placeholder's next input file; returns the line count. */
static long
build_input(struct ws *ws, const char *local, struct buf *b, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT custom_id, request FROM batch_items"
				      " WHERE batch_id = ? ORDER BY custom_id", err);
	long n = 0;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, local, -1, SQLITE_STATIC);
	while (n < BATCH_MAX_LINES && (long)b->len < BATCH_MAX_BYTES &&
	       sqlite3_step(st) == SQLITE_ROW) {
		cJSON *cid = cJSON_CreateString((const char *)sqlite3_column_text(st, 0));
		char *q = cJSON_PrintUnformatted(cid);

		/* The body goes in verbatim: exactly what a direct run POSTs. */
		buf_printf(b, "{\"custom_id\":%s,\"method\":\"POST\","
			   "\"url\":\"/v1/chat/completions\",\"body\":%s}\n",
			   q, (const char *)sqlite3_column_text(st, 1));
		free(q);
		cJSON_Delete(cid);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

static cJSON *
create_batch(struct provider *p, struct http_client *c, const char *file_id,
	     const char *local, const char *function, struct ig_err *err)
{
	cJSON *req = cJSON_CreateObject(), *md, *res;
	char *body;

	cJSON_AddStringToObject(req, "input_file_id", file_id);
	cJSON_AddStringToObject(req, "endpoint", "/v1/chat/completions");
	cJSON_AddStringToObject(req, "completion_window", "24h");
	md = cJSON_AddObjectToObject(req, "metadata");
	/* How a batch whose creation was cut short is found again. */
	cJSON_AddStringToObject(md, "igny8_batch", local);
	cJSON_AddStringToObject(md, "igny8_function", function);
	body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	res = provider_json(p, c, "POST", "/batches", body, err);
	free(body);
	return res;
}

static char *
local_function(struct ws *ws, const char *local)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT function FROM batches WHERE id = ?"
				      " AND items > 0", NULL);
	char *fn = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, local, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		fn = col_dup(st, 0);
	sqlite3_finalize(st);
	return fn;
}

long
batch_submit(struct run *run, struct worker *w, struct ig_err *err)
{
	struct ws *ws = worker_ws(w);
	char local[32], fname[96], *fn, *file_id;
	struct provider *p;
	struct http_client *c;
	long total = 0, n;
	cJSON *b;

	local_id(run_id(run), local);
	if (!(fn = local_function(ws, local)))
		return 0;
	if (!(p = run_provider(run, fn, err)) || !(c = worker_client(w, p)))
		goto fail;
	/* From here the batch may exist at the provider: never drop it blindly. */
	if (EXEC(ws, err, "UPDATE batches SET status = 'uploading' WHERE id = ?", local) < 0)
		goto fail;
	snprintf(fname, sizeof fname, "igny8-%s-%ld.jsonl", fn, run_id(run));
	for (;;) {
		struct buf in = BUF_INIT(0);

		if ((n = build_input(ws, local, &in, err)) <= 0) {
			buf_release(&in);
			if (n < 0)
				goto fail;
			break;
		}
		file_id = provider_upload(p, c, fname, in.data, in.len, "batch", err);
		buf_release(&in);
		if (!file_id)
			goto fail;
		b = create_batch(p, c, file_id, local, fn, err);
		free(file_id);
		if (!b || adopt(ws, local, b, n, err) < 0) {
			cJSON_Delete(b);
			goto fail;
		}
		cJSON_Delete(b);
		total += n;
	}
	free(fn);
	return total;
fail:
	ig_err_prefix(err, "submitting the batch");
	batch_abandon(ws, run_id(run));
	free(fn);
	return -1;
}

/* ---- polling and collecting ---- */

struct poller {
	struct ws *ws;
	const struct config *cfg;
	void (*note)(const char *msg);
	struct batch_poll_stats *st;
	struct {
		char *name;
		struct provider *p;
		struct http_client *c;
	} prov[4];
	size_t nprov;
};

static void
pnote(struct poller *pl, const char *fmt, ...) IG_PRINTF(2, 3);

static void
pnote(struct poller *pl, const char *fmt, ...)
{
	struct buf b = BUF_INIT(0);
	va_list ap;

	if (!pl->note)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	pl->note(buf_str(&b));
	buf_release(&b);
}

static int
client_for(struct poller *pl, const char *name, struct provider **p_out,
	   struct http_client **c_out, struct ig_err *err)
{
	size_t i;

	if (!name || !*name)
		name = config_str(pl->cfg, "text.provider");
	for (i = 0; i < pl->nprov; i++)
		if (!strcmp(pl->prov[i].name, name))
			break;
	if (i == pl->nprov) {
		if (i == ARRAY_SIZE(pl->prov))
			return ig_err_set(err, IG_ECONFIG, "too many providers");
		if (!(pl->prov[i].p = provider_new(pl->cfg, name, 1, err)))
			return -1;
		pl->prov[i].name = strdup(name);
		pl->prov[i].c = provider_client(pl->prov[i].p, NULL);
		pl->nprov++;
	}
	*p_out = pl->prov[i].p;
	*c_out = pl->prov[i].c;
	return 0;
}

static void
poller_release(struct poller *pl)
{
	for (size_t i = 0; i < pl->nprov; i++) {
		http_client_free(pl->prov[i].c);
		provider_free(pl->prov[i].p);
		free(pl->prov[i].name);
	}
}

/* The message of an output or error line that is not a good answer. */
static const char *
line_error(const cJSON *line)
{
	const cJSON *resp = json_obj(line, "response");
	const char *m;

	if ((m = json_str(json_obj(json_obj(resp, "body"), "error"), "message")))
		return m;
	if ((m = json_str(json_obj(line, "error"), "message")))
		return m;
	return "no answer";
}

static int
mark_error(struct poller *pl, const char *batch, const char *cid,
	   const char *why, const char *now, struct ig_err *err)
{
	pl->st->failed++;
	return EXEC(pl->ws, err, "UPDATE batch_items SET status = 'error',"
		    " error = ?1, updated_at = ?2 WHERE custom_id = ?3"
		    " AND batch_id = ?4 AND status = 'submitted'",
		    why, now, cid, batch);
}

/* One output or error line into its item; a line that is not JSON is skipped. */
static int
store_line(struct poller *pl, const char *batch, const char *s, size_t len,
	   const char *now, struct ig_err *err)
{
	cJSON *line, *resp;
	const char *cid;
	char *body;
	int rc = 0;

	if (!(line = cJSON_ParseWithLength(s, len)))
		return 0;
	cid = json_str(line, "custom_id");
	resp = json_obj(line, "response");
	if (cid && resp && json_long(resp, "status_code", 0) == 200 &&
	    json_obj(resp, "body")) {
		body = cJSON_PrintUnformatted(json_obj(resp, "body"));
		rc = EXEC(pl->ws, err, "UPDATE batch_items SET status = 'answered',"
			  " response = ?1, request_id = ?2, updated_at = ?3"
			  " WHERE custom_id = ?4 AND batch_id = ?5 AND status = 'submitted'",
			  body, json_str(resp, "request_id"), now, cid, batch);
		free(body);
		pl->st->answered++;
	} else if (cid) {
		rc = mark_error(pl, batch, cid, line_error(line), now, err);
	}
	cJSON_Delete(line);
	return rc;
}

const char *
batch_line_custom_id(const char *s, size_t len, char *out, size_t outsz)
{
	const char *e = s + len, *k, *v;
	int depth = 0;

	for (; s < e; s++) {
		if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']')
			depth--;
		if (*s != '"')
			continue;
		for (k = ++s; s < e && *s != '"'; s++)
			if (*s == '\\' && s + 1 < e)
				s++;
		if (s >= e)
			return NULL;
		if (depth != 1 || s - k != 9 || memcmp(k, "custom_id", 9))
			continue;
		/* Whitespace as cJSON, which parses the other lines, skips it. */
		for (v = s + 1; v < e && (unsigned char)*v <= ' '; v++)
			;
		if (v == e || *v != ':')
			continue;	/* a value "custom_id", not the key */
		for (v++; v < e && (unsigned char)*v <= ' '; v++)
			;
		if (v == e || *v != '"')
			return NULL;
		for (k = ++v; v < e && *v != '"'; v++)
			if (*v == '\\' || (unsigned char)*v < 0x20)
				return NULL;
		if (v == e || v == k || (size_t)(v - k) >= outsz)
			return NULL;
		memcpy(out, k, (size_t)(v - k));
		out[v - k] = '\0';
		return out;
	}
	return NULL;
}

/*
 * A line longer than run.max_body is not parsed: that cap is what guards
 * against a hostile answer.  When its custom_id can be found its item fails
 * like an error line and is asked again directly, under the cap as usual;
 * otherwise the line is skipped with a warning, and its item fails with the
 * batch (store_results), which comes to the same.
 */
static int
store_long_line(struct poller *pl, const char *batch, const char *file_id,
		const char *s, size_t kept, size_t len, size_t cap, const char *now,
		struct ig_err *err)
{
	char cid[256], why[128];

	/* Only its start was kept; the custom_id comes before the answer. */
	if (!batch_line_custom_id(s, kept, cid, sizeof cid)) {
		ig_warnf("batch %s: %s: skipped a line of %zu bytes without a"
			 " custom_id (run.max_body is %zu)", batch, file_id, len, cap);
		return 0;
	}
	snprintf(why, sizeof why, "answer line larger than %zu bytes"
		 " (run.max_body)", cap);
	return mark_error(pl, batch, cid, why, now, err);
}

/* http.c's cap on a body, which one answer line must keep under too. */
static size_t
line_cap(const struct config *cfg)
{
	long n = config_int(cfg, "run.max_body");

	return n > 0 ? (size_t)n : (size_t)64 << 20;
}

/* The downloaded file's lines, one at a time: memory is bounded by the cap. */
static int
store_lines(struct poller *pl, FILE *f, const char *batch,
	    const char *file_id, struct ig_err *err)
{
	struct buf line = BUF_INIT(0);
	size_t cap = line_cap(pl->cfg), len;
	char now[32];
	int rc = 0, got;

	rewind(f);
	ws_now(now);
	while (rc == 0 && (got = jsonl_read_line(f, &line, cap, &len)) != 0) {
		if (got < 0)
			rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
		else if (len > cap)
			rc = store_long_line(pl, batch, file_id, buf_str(&line),
					     line.len, len, cap, now, err);
		else
			rc = store_line(pl, batch, buf_str(&line), line.len, now, err);
	}
	if (rc == 0 && ferror(f))
		rc = ig_err_set(err, IG_EIO, "batch %s: reading %s back: %s",
				batch, file_id, strerror(errno));
	buf_release(&line);
	return rc;
}

/*
 * An anonymous file in $TMPDIR, else /tmp, unlinked at once so that no
 * path outlives it: the output file is too big for memory (run.max_body).
 */
static FILE *
temp_file(struct ig_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *f;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof path, "%s/igny8-batch.XXXXXX", dir) >=
	    sizeof path) {
		ig_err_set(err, IG_EIO, "temporary file in %s: %s", dir,
			   strerror(ENAMETOOLONG));
		return NULL;
	}
	if ((fd = mkstemp(path)) < 0) {
		ig_err_set(err, IG_EIO, "temporary file in %s: %s", dir,
			   strerror(errno));
		return NULL;
	}
	unlink(path);
	if (!(f = fdopen(fd, "w+"))) {
		ig_err_set(err, IG_EIO, "temporary file in %s: %s", dir,
			   strerror(errno));
		close(fd);
	}
	return f;
}

/* Longest id from a server put in a URL, and the room the path needs. */
#define ID_MAX 128
#define ID_PATH_MAX (3 * ID_MAX + 32)

/*
 * prefix, the id as one escaped path segment, suffix: the server chose the
 * id, so it never adds a path, query or fragment of its own.
 */
static int
id_path(char *out, size_t outsz, const char *prefix, const char *id,
	const char *suffix, struct ig_err *err)
{
	char *seg;

	if (strlen(id) > ID_MAX)
		return ig_err_set(err, IG_EPROTO, "id '%.40s...' from the server "
				  "is longer than %d bytes", id, ID_MAX);
	if (!(seg = http_path_segment(id)))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	snprintf(out, outsz, "%s%s%s", prefix, seg, suffix);
	free(seg);
	return 0;
}

/* Stores one downloaded file's lines into the batch's submitted items. */
static int
store_file(struct poller *pl, struct provider *p, struct http_client *c,
	   const char *batch, const char *file_id, struct ig_err *err)
{
	char path[ID_PATH_MAX];
	FILE *f;
	int rc;

	if (!file_id)
		return 0;
	if (!(f = temp_file(err)))
		return ig_err_prefix(err, "batch %s: downloading %s", batch, file_id);
	if (id_path(path, sizeof path, "/files/", file_id, "/content", err) < 0 ||
	    provider_get_file(p, c, path, f, err) < 0)
		rc = ig_err_prefix(err, "batch %s: downloading %s", batch, file_id);
	else
		rc = store_lines(pl, f, batch, file_id, err);
	fclose(f);
	return rc;
}

/* A batch that ended: its files into the items, in one transaction. */
static int
store_results(struct poller *pl, struct provider *p, struct http_client *c,
	      const char *id, const cJSON *b, struct ig_err *err)
{
	const char *status = json_str(b, "status");
	const cJSON *e0 = cJSON_GetArrayItem(json_arr(json_obj(b, "errors"), "data"), 0);
	char why[512], now[32];

	if (ws_begin(pl->ws, err) < 0)
		return -1;
	if (store_file(pl, p, c, id, json_str(b, "output_file_id"), err) < 0 ||
	    store_file(pl, p, c, id, json_str(b, "error_file_id"), err) < 0) {
		ws_rollback(pl->ws);
		return -1;
	}
	/* Whatever has no line in either file failed with the batch. */
	snprintf(why, sizeof why, "batch %s%s%s", status,
		 json_str(e0, "message") ? ": " : "",
		 json_str(e0, "message") ? json_str(e0, "message") : "");
	ws_now(now);
	if (EXEC(pl->ws, err, "UPDATE batch_items SET status = 'error', error = ?1,"
		 " updated_at = ?2 WHERE batch_id = ?3 AND status = 'submitted'",
		 why, now, id) < 0) {
		ws_rollback(pl->ws);
		return -1;
	}
	pl->st->failed += ws_changes(pl->ws);
	return ws_commit(pl->ws, err);
}

/* Saved under the id asked for: the answer's own "id" may differ. */
static int
update_row(struct ws *ws, const char *id, const cJSON *b, struct ig_err *err)
{
	char now[32];

	ws_now(now);
	return EXEC(ws, err, "UPDATE batches SET status = ?1, output_file_id = ?2,"
		    " error_file_id = ?3, updated_at = ?4 WHERE id = ?5",
		    json_str(b, "status"), json_str(b, "output_file_id"),
		    json_str(b, "error_file_id"), now, id);
}

static long
count_submitted(struct ws *ws, const char *batch)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT count(*) FROM batch_items WHERE"
				      " batch_id = ? AND status = 'submitted'", NULL);
	long n = 0;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, batch, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
poll_one(struct poller *pl, const char *id, const char *prov, struct ig_err *err)
{
	struct provider *p;
	struct http_client *c;
	char path[ID_PATH_MAX];
	const cJSON *rc_;
	cJSON *b;
	int rc = 0;

	if (!count_submitted(pl->ws, id)) {
		pl->st->ended++;
		return 0;
	}
	if (client_for(pl, prov, &p, &c, err) < 0)
		return -1;
	if (id_path(path, sizeof path, "/batches/", id, "", err) < 0)
		return ig_err_prefix(err, "batch %s", id);
	if (!(b = provider_json(p, c, "GET", path, NULL, err)))
		return ig_err_prefix(err, "batch %s", id);
	if (update_row(pl->ws, id, b, err) < 0) {
		cJSON_Delete(b);
		return -1;
	}
	rc_ = json_obj(b, "request_counts");
	if (!ended(json_str(b, "status"))) {
		pl->st->pending++;
		pnote(pl, "batch %s: %s (%ld of %ld done)", id, json_str(b, "status"),
		      json_long(rc_, "completed", 0), json_long(rc_, "total", 0));
	} else if ((rc = store_results(pl, p, c, id, b, err)) == 0) {
		pl->st->ended++;
		pnote(pl, "batch %s: %s (%ld answered, %ld failed)", id,
		      json_str(b, "status"), json_long(rc_, "completed", 0),
		      json_long(rc_, "failed", 0));
	}
	cJSON_Delete(b);
	return rc;
}

/* An upload cut short by a crash: find the batch by its metadata, or drop it. */
static int
reconcile(struct poller *pl, const char *local, const char *prov, struct ig_err *err)
{
	struct provider *p;
	struct http_client *c;
	const cJSON *b, *found = NULL;
	cJSON *list;
	int rc = 0;

	if (client_for(pl, prov, &p, &c, err) < 0)
		return -1;
	if (!(list = provider_json(p, c, "GET", "/batches?limit=100", NULL, err)))
		return ig_err_prefix(err, "listing batches");
	cJSON_ArrayForEach(b, json_arr(list, "data")) {
		const char *m = json_str(json_obj(b, "metadata"), "igny8_batch");
		if (m && !strcmp(m, local))
			found = b;
	}
	if (found) {
		pnote(pl, "%s: found its batch %s", local, json_str(found, "id"));
		rc = adopt(pl->ws, local, found, -1, err);
		if (rc == 0)
			rc = poll_one(pl, json_str(found, "id"), prov, err);
	} else {
		pnote(pl, "%s: never created; its records will be submitted again", local);
		drop_local(pl->ws, local);
	}
	cJSON_Delete(list);
	return rc;
}

/* " AND <col> IN (?, ...)" for n ids, or "". */
static void
ids_clause(struct buf *sql, const char *col, int n)
{
	if (n <= 0)
		return;
	buf_printf(sql, " AND %s IN (", col);
	for (int i = 0; i < n; i++)
		buf_puts(sql, i ? ",?" : "?");
	buf_putc(sql, ')');
}

static void
bind_ids(sqlite3_stmt *st, int first, char *const *ids, int n)
{
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, first + i, ids[i], -1, SQLITE_STATIC);
}

int
batch_poll(struct ws *ws, const struct config *cfg, char *const *ids, int n,
	   void (*note)(const char *msg), struct batch_poll_stats *st,
	   struct ig_err *err)
{
	struct poller pl = { ws, cfg, note, st };
	struct buf sql = BUF_INIT(0);
	sqlite3_stmt *q;
	char *(*rows)[3] = NULL;
	size_t nrows = 0;
	int rc = 0;

	memset(st, 0, sizeof *st);
	buf_puts(&sql, "SELECT id, provider, status, run_id FROM batches"
		       " WHERE collected_at IS NULL");
	ids_clause(&sql, "id", n);
	buf_puts(&sql, " ORDER BY created_at, id");
	if (!(q = ws_prepare(ws, buf_str(&sql), err))) {
		buf_release(&sql);
		return -1;
	}
	buf_release(&sql);
	bind_ids(q, 1, ids, n);
	/* Read all rows first: polling writes to the same table. */
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 0);
		const char *status = (const char *)sqlite3_column_text(q, 2);
		void *nr;

		if (!strncmp(id, "local:", 6) &&
		    (strcmp(status, "uploading") ||
		     !ws_run_dead(ws, (long)sqlite3_column_int64(q, 3))))
			continue;	/* a live run is still submitting it */
		if (!(nr = realloc(rows, (nrows + 1) * sizeof *rows)))
			break;
		rows = nr;
		rows[nrows][0] = col_dup(q, 0);
		rows[nrows][1] = col_dup(q, 1);
		rows[nrows][2] = col_dup(q, 2);
		nrows++;
	}
	sqlite3_finalize(q);
	for (size_t i = 0; rc == 0 && i < nrows; i++)
		rc = strncmp(rows[i][0], "local:", 6)
			     ? poll_one(&pl, rows[i][0], rows[i][1], err)
			     : reconcile(&pl, rows[i][0], rows[i][1], err);
	for (size_t i = 0; i < nrows; i++)
		for (int k = 0; k < 3; k++)
			free(rows[i][k]);
	free(rows);
	poller_release(&pl);
	return rc;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

long
batch_refs(struct ws *ws, const struct batch_group *g, const char *input_type,
	   char *const *ids, int n, long **ids_out, struct ig_err *err)
{
	struct buf sql = BUF_INIT(0);
	sqlite3_stmt *st;
	size_t tl = strlen(input_type);
	long count = 0, *v = NULL;

	*ids_out = NULL;
	buf_puts(&sql, "SELECT DISTINCT i.ref FROM batch_items i"
		       " JOIN batches b ON b.id = i.batch_id"
		       " WHERE b.collected_at IS NULL AND b.function = ? AND b.flags = ?"
		       " AND i.status IN ('answered', 'error')");
	ids_clause(&sql, "b.id", n);
	st = ws_prepare(ws, buf_str(&sql), err);
	buf_release(&sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, g->function, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, g->flags);
	bind_ids(st, 3, ids, n);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(st, 0);
		char *end;
		long id, *nv;

		if (strncmp(ref, input_type, tl) || ref[tl] != ':')
			continue;
		id = strtol(ref + tl + 1, &end, 10);
		if (*end || id <= 0 || !(nv = realloc(v, (size_t)(count + 1) * sizeof *v)))
			continue;
		v = nv;
		v[count++] = id;
	}
	sqlite3_finalize(st);
	/* In id order, as --all would take them. */
	if (count > 1)
		qsort(v, (size_t)count, sizeof *v, cmp_long);
	*ids_out = v;
	return count;
}

long
batch_groups(struct ws *ws, char *const *ids, int n, struct batch_group **out)
{
	struct buf sql = BUF_INIT(0);
	sqlite3_stmt *st;
	struct batch_group *v = NULL, *nv;
	long k = 0;

	buf_puts(&sql, "SELECT DISTINCT function, flags FROM batches"
		       " WHERE collected_at IS NULL AND id NOT LIKE 'local:%'"
		       " AND status IN " ENDED);
	ids_clause(&sql, "id", n);
	buf_puts(&sql, " ORDER BY min(created_at) OVER (PARTITION BY function, flags)");
	st = ws_prepare(ws, buf_str(&sql), NULL);
	buf_release(&sql);
	bind_ids(st, 1, ids, n);
	while (st && sqlite3_step(st) == SQLITE_ROW &&
	       (nv = realloc(v, (size_t)(k + 1) * sizeof *v))) {
		v = nv;
		v[k].function = col_dup(st, 0);
		v[k++].flags = (unsigned)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	*out = v;
	return k;
}

void
batch_groups_free(struct batch_group *g, long n)
{
	for (long i = 0; i < n; i++)
		free(g[i].function);
	free(g);
}

int
batch_close(struct ws *ws, const struct batch_group *g, char *const *ids, int n,
	    struct ig_err *err)
{
	struct buf sql = BUF_INIT(0);
	sqlite3_stmt *st;
	char now[32];
	int rc = 0;

	ws_now(now);
	buf_puts(&sql, "UPDATE batches SET collected_at = ?1, updated_at = ?1"
		       " WHERE collected_at IS NULL AND function = ?2 AND flags = ?3"
		       " AND id NOT LIKE 'local:%' AND status IN " ENDED
		       " AND NOT EXISTS (SELECT 1 FROM batch_items"
		       " WHERE batch_id = batches.id AND status = 'submitted')");
	ids_clause(&sql, "id", n);
	st = ws_prepare(ws, buf_str(&sql), err);
	buf_release(&sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, g->function, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, g->flags);
	bind_ids(st, 4, ids, n);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "closing batches");
	sqlite3_finalize(st);
	return rc;
}

int
batch_report(struct ws *ws, FILE *out, int json, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws,
		"SELECT b.id, b.function, b.status, b.items, b.created_at, b.collected_at,"
		" (SELECT group_concat(s || ' ' || n, ', ') FROM (SELECT status s,"
		"  count(*) n FROM batch_items WHERE batch_id = b.id GROUP BY status))"
		" FROM batches b ORDER BY b.created_at, b.id", err);
	int rows = 0;

	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c[7];

		for (int i = 0; i < 7; i++)
			c[i] = (const char *)sqlite3_column_text(st, i);
		if (json) {
			cJSON *o = cJSON_CreateObject();
			char *s;

			cJSON_AddStringToObject(o, "type", "batch");
			cJSON_AddStringToObject(o, "id", c[0]);
			cJSON_AddStringToObject(o, "function", c[1]);
			cJSON_AddStringToObject(o, "status", c[2]);
			cJSON_AddNumberToObject(o, "items", sqlite3_column_double(st, 3));
			cJSON_AddStringToObject(o, "created_at", c[4]);
			if (c[5])
				cJSON_AddStringToObject(o, "collected_at", c[5]);
			else
				cJSON_AddNullToObject(o, "collected_at");
			s = cJSON_PrintUnformatted(o);
			fprintf(out, "%s\n", s);
			free(s);
			cJSON_Delete(o);
		} else {
			fprintf(out, "%-32s %-8s %-11s %4s items (%s)%s%s\n", c[0], c[1],
				c[2], c[3], c[6] ? c[6] : "none",
				c[5] ? ", collected " : "", c[5] ? c[5] : "");
		}
		rows++;
	}
	sqlite3_finalize(st);
	if (!json && !rows)
		fputs("no batches\n", out);
	return 0;
}
