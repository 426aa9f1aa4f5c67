/* floor: the least work a record of igny8-ideas or igny8-write must cost,
 * done as plainly as possible, for bench/run's CPU-per-record baseline.
 *
 *   floor --url URL --body FILE --kind ideas|write --records N --db PATH
 *         [--group K]
 *
 * One thread, one kept-alive libcurl handle.  For each record: POST the
 * request body in FILE (a real one, from --dry-run) to URL, key it with
 * SHA-256 as the cache does, parse the answer's envelope and its content,
 * sanitize an article with igny8's own html_normalize (the work is
 * required, so its cost is part of the floor), store the answer and the
 * result rows, commit every K records (default 4, about what group commit
 * reaches at -j 8), and print the record as a JSON line.  What igny8 does
 * besides (threads, a lock, durability points, steps, progress, prompt
 * rendering, retries, the rate limiter) is left out: igny8's CPU per
 * record over this program's is its overhead. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "buf.h"
#include "cache.h"
#include "html.h"
#include "json.h"

static const char schema[] =
	"PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	"CREATE TABLE cache (key TEXT PRIMARY KEY, function TEXT, model TEXT,"
	" response TEXT NOT NULL, tokens_in INTEGER, tokens_out INTEGER,"
	" created_at TEXT NOT NULL);"
	"CREATE TABLE ai_log (id INTEGER PRIMARY KEY, run_id INTEGER, function TEXT,"
	" record TEXT, outcome TEXT, tokens_in INTEGER, tokens_out INTEGER,"
	" created_at TEXT NOT NULL);"
	"CREATE INDEX ai_log_run ON ai_log(run_id);"
	"CREATE TABLE result (id INTEGER PRIMARY KEY, record INTEGER NOT NULL UNIQUE,"
	" title TEXT, body TEXT NOT NULL, words INTEGER, created_at TEXT NOT NULL);";

struct floor {
	CURL *curl;
	sqlite3 *db;
	sqlite3_stmt *put_cache, *put_log, *put_result;
	const char *url, *body, *kind;
	struct buf resp;
};

static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
	buf_append(ud, p, sz * n);
	return sz * n;
}

static int
fail(const char *what, const char *why)
{
	fprintf(stderr, "floor: %s: %s\n", what, why);
	return -1;
}

static int
setup(struct floor *f, const char *db)
{
	static struct curl_slist *hdr;

	if (sqlite3_open(db, &f->db) != SQLITE_OK ||
	    sqlite3_exec(f->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, "INSERT INTO cache VALUES (?,?,?,?,?,?,"
			       "datetime('now'))", -1, &f->put_cache, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, "INSERT INTO ai_log (run_id, function, record,"
			       " outcome, tokens_in, tokens_out, created_at)"
			       " VALUES (1,?,?,'ok',?,?,datetime('now'))", -1,
			       &f->put_log, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, "INSERT INTO result (record, title, body, words,"
			       " created_at) VALUES (?,?,?,?,datetime('now'))", -1,
			       &f->put_result, NULL) != SQLITE_OK)
		return fail(db, sqlite3_errmsg(f->db));
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Authorization: Bearer sk-floor");
	f->curl = curl_easy_init();
	curl_easy_setopt(f->curl, CURLOPT_URL, f->url);
	curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, f->body);
	curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, &f->resp);
	curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
	return 0;
}

/* The answer's content, parsed; NULL when the envelope is not a chat answer. */
static cJSON *
answer(const char *resp, long *tin, long *tout)
{
	cJSON *env = cJSON_Parse(resp), *msg, *v = NULL;
	const char *content;

	msg = cJSON_GetArrayItem(cJSON_GetObjectItem(env, "choices"), 0);
	content = json_str(cJSON_GetObjectItem(msg, "message"), "content");
	*tin = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(env, "usage"), "prompt_tokens"));
	*tout = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(env, "usage"), "completion_tokens"));
	if (content)
		v = cJSON_Parse(content);
	cJSON_Delete(env);
	return v;
}

/* The record's title, body and word count, as the function would save them. */
static int
result(struct floor *f, const cJSON *v, long rec, char **title, char **body,
       long *words)
{
	struct ig_err err = { 0 };
	char *text = NULL;
	const cJSON *idea;

	if (!strcmp(f->kind, "write")) {
		const char *b = json_str(v, "body");
		if (!b || !(*body = html_normalize(b, strlen(b), HTML_IN_AUTO, &text, &err)))
			return fail("article", b ? err.msg : "no body");
		*words = (long)html_text_words(text);
		*title = strdup(json_str(v, "meta_title") ? json_str(v, "meta_title") : "");
		free(text);
		return 0;
	}
	idea = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "ideas"), 0);
	if (!idea)
		return fail("answer", "no ideas");
	*title = strdup(json_str(idea, "title") ? json_str(idea, "title") : "");
	*body = json_dump(idea);
	*words = rec;
	return 0;
}

static int
save(struct floor *f, long rec, const char *key, const char *ans, long tin,
     long tout, const char *title, const char *body, long words)
{
	char ref[32];

	snprintf(ref, sizeof ref, "record:%ld", rec);
	sqlite3_bind_text(f->put_cache, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(f->put_cache, 2, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(f->put_cache, 3, "gpt-4.1-mini", -1, SQLITE_STATIC);
	sqlite3_bind_text(f->put_cache, 4, ans, -1, SQLITE_STATIC);
	sqlite3_bind_int64(f->put_cache, 5, tin);
	sqlite3_bind_int64(f->put_cache, 6, tout);
	sqlite3_bind_text(f->put_log, 1, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(f->put_log, 2, ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(f->put_log, 3, tin);
	sqlite3_bind_int64(f->put_log, 4, tout);
	sqlite3_bind_int64(f->put_result, 1, rec);
	sqlite3_bind_text(f->put_result, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(f->put_result, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(f->put_result, 4, words);
	if (sqlite3_step(f->put_cache) != SQLITE_DONE ||
	    sqlite3_step(f->put_log) != SQLITE_DONE ||
	    sqlite3_step(f->put_result) != SQLITE_DONE)
		return fail("saving", sqlite3_errmsg(f->db));
	sqlite3_reset(f->put_cache);
	sqlite3_reset(f->put_log);
	sqlite3_reset(f->put_result);
	return 0;
}

static int
one(struct floor *f, long rec)
{
	char key[CACHE_KEY_LEN], base[512], *title = NULL, *body = NULL, *ans;
	long tin, tout, words = 0;
	cJSON *v, *out;
	int rc = -1;

	buf_reset(&f->resp);
	/* One body serves every record: the record number keeps keys apart. */
	snprintf(base, sizeof base, "%s#%ld", f->url, rec);
	cache_key(base, f->body, key);
	if (curl_easy_perform(f->curl) != CURLE_OK)
		return fail(f->url, "request failed");
	if (!(v = answer(buf_str(&f->resp), &tin, &tout)))
		return fail(f->url, "not a chat answer");
	ans = json_dump(v);
	if (result(f, v, rec, &title, &body, &words) == 0 &&
	    save(f, rec, key, ans, tin, tout, title, body, words) == 0) {
		out = cJSON_CreateObject();
		cJSON_AddNumberToObject(out, "id", (double)rec);
		cJSON_AddStringToObject(out, "title", title);
		cJSON_AddStringToObject(out, "body", body);
		cJSON_AddNumberToObject(out, "words", (double)words);
		free(ans);
		ans = json_dump(out);
		puts(ans);
		cJSON_Delete(out);
		rc = 0;
	}
	free(ans);
	free(title);
	free(body);
	cJSON_Delete(v);
	return rc;
}

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT(0);
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	return buf_detach(&b);
}

int
main(int argc, char **argv)
{
	struct floor f = { .resp = BUF_INIT(0) };
	const char *db = NULL, *body_file = NULL;
	long n = 0, group = 4;
	int rc = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--url"))
			f.url = argv[i + 1];
		else if (!strcmp(argv[i], "--body"))
			body_file = argv[i + 1];
		else if (!strcmp(argv[i], "--kind"))
			f.kind = argv[i + 1];
		else if (!strcmp(argv[i], "--records"))
			n = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--db"))
			db = argv[i + 1];
		else if (!strcmp(argv[i], "--group"))
			group = atol(argv[i + 1]);
	}
	if (!f.url || !body_file || !f.kind || !db || n <= 0 || group <= 0) {
		fputs("usage: floor --url URL --body FILE --kind ideas|write"
		      " --records N --db PATH [--group K]\n", stderr);
		return 64;
	}
	if (!(f.body = slurp(body_file)))
		return fail(body_file, "cannot read"), 66;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (setup(&f, db) < 0)
		return 1;
	for (long i = 1; rc == 0 && i <= n; i++) {
		if ((i - 1) % group == 0)
			sqlite3_exec(f.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		rc = one(&f, i);
		if (i % group == 0 || i == n)
			sqlite3_exec(f.db, "COMMIT", NULL, NULL, NULL);
	}
	sqlite3_finalize(f.put_cache);
	sqlite3_finalize(f.put_log);
	sqlite3_finalize(f.put_result);
	sqlite3_close(f.db);
	curl_easy_cleanup(f.curl);
	curl_global_cleanup();
	free((char *)f.body);
	buf_release(&f.resp);
	return rc < 0 ? 1 : 0;
}
