/* bodies.c: keeping and showing the bodies of AI calls (see bodies.h). */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bodies.h"
#include "json.h"
#include "jsonl.h"
#include "records.h"
#include "render.h"

/*
 * A secret is masked before the cut, so that one straddling it is not
 * half kept; only this much past the cap is copied and searched, since no
 * key is near this long.
 */
#define SECRET_MARGIN 4096

/* A string this long of the base64 alphabet only is data, not text. */
#define BLOB_MIN 512
/* An array of more numbers than this is a vector (an embedding), not figures. */
#define VECTOR_MIN 16

static int
is_blob(const cJSON *v)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789+/=-_";
	size_t n;

	if (!cJSON_IsString(v))
		return 0;
	n = strspn(v->valuestring, b64);
	return n >= BLOB_MIN && !v->valuestring[n];
}

static int
is_vector(const cJSON *v)
{
	const cJSON *x;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) <= VECTOR_MIN)
		return 0;
	cJSON_ArrayForEach(x, v)
		if (!cJSON_IsNumber(x))
			return 0;
	return 1;
}

/* Replaces the base64 data and vectors under parent by a note of their size. */
static void
shrink(cJSON *parent)
{
	cJSON *c, *next, *note;
	char text[64];

	for (c = parent->child; c; c = next) {
		next = c->next;
		if (is_blob(c)) {
			snprintf(text, sizeof text, "[%zu bytes of base64 data]",
				 strlen(c->valuestring));
		} else if (is_vector(c)) {
			snprintf(text, sizeof text, "[%d numbers]", cJSON_GetArraySize(c));
		} else {
			shrink(c);
			continue;
		}
		if (!(note = cJSON_CreateString(text)))
			continue;
		if (c->string && !(note->string = strdup(c->string))) {
			cJSON_Delete(note);
			continue;
		}
		cJSON_ReplaceItemViaPointer(parent, c, note);
	}
}

/*
 * A JSON body over the cap without its images (base64) and vectors: what
 * is left is what a person reads, and usually fits.  NULL when the body
 * is not JSON.
 */
static char *
without_data(const char *body)
{
	cJSON *v = cJSON_Parse(body);
	char *s;

	if (!v)
		return NULL;
	shrink(v);
	s = cJSON_PrintUnformatted(v);
	cJSON_Delete(v);
	return s;
}

/*
 * The body as stored: over the cap without its data (without_data), then
 * masked, then cut to at most `max` bytes (malloc'd); *bytes_out gets the
 * masked body's whole size, so that a body is "cut" only when bytes were
 * left out.
 */
static char *
stored_text(const char *body, size_t max, size_t *bytes_out)
{
	size_t len = strlen(body), n;
	char *lean = len > max ? without_data(body) : NULL, *s;

	if (lean) {
		*bytes_out = len;
		body = lean;
		len = strlen(lean);
	}
	n = len < max + SECRET_MARGIN ? len : max + SECRET_MARGIN;
	if (!(s = malloc(n + 1))) {
		free(lean);
		return NULL;
	}
	memcpy(s, body, n);
	s[n] = '\0';
	ig_redact(s);
	if (!lean)
		*bytes_out = strlen(s) + (len - n);
	free(lean);
	n = strlen(s);
	if (n > max) {
		n = max;
		/* Not inside a UTF-8 sequence: back up over continuation bytes. */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		s[n] = '\0';
	}
	return s;
}

static void
bind_body(sqlite3_stmt *st, int col, const char *kept, size_t bytes)
{
	if (!kept)
		return;
	sqlite3_bind_text(st, col, kept, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, col + 1, (sqlite3_int64)bytes);
}

int
bodies_keep(struct ws *ws, const struct config *cfg, long log_id,
	    const char *request, const char *response, struct ig_err *err)
{
	size_t max = (size_t)config_int(cfg, "log.max_body");
	char *req = NULL, *res = NULL;
	size_t req_bytes = 0, res_bytes = 0;
	sqlite3_stmt *st;
	int rc = -1;

	if (!config_bool(cfg, "log.bodies") || log_id <= 0 || (!request && !response))
		return 0;
	if ((request && !(req = stored_text(request, max, &req_bytes))) ||
	    (response && !(res = stored_text(response, max, &res_bytes)))) {
		free(req);
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	st = ws_cached(ws, "INSERT OR REPLACE INTO ai_bodies (log_id, request,"
			   " request_bytes, response, response_bytes) VALUES (?,?,?,?,?)", err);
	if (st) {
		sqlite3_bind_int64(st, 1, log_id);
		bind_body(st, 2, req, req_bytes);
		bind_body(st, 4, res, res_bytes);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ws_fail(ws, err, "keeping a call's bodies");
		ws_done(st);
	}
	free(req);
	free(res);
	return rc;
}

/* --- showing ---------------------------------------------------------- */

/* A message's content: a string, or the text parts of an array. */
static void
print_content(FILE *out, const cJSON *content)
{
	const cJSON *part;

	if (cJSON_IsString(content)) {
		fprintf(out, "%s\n", content->valuestring);
		return;
	}
	cJSON_ArrayForEach(part, content)
		if (json_str(part, "text"))
			fprintf(out, "%s\n", json_str(part, "text"));
}

/* A chat request: its settings on one line each, then each message. */
static int
print_request(FILE *out, const cJSON *req)
{
	const cJSON *msgs = json_arr(req, "messages"), *m;

	if (!msgs)
		return -1;
	cJSON_ArrayForEach(m, req) {
		char *v;

		/* The schema is the prompt's, the same for every call. */
		if (!strcmp(m->string, "messages") || !strcmp(m->string, "response_format"))
			continue;
		v = cJSON_PrintUnformatted(m);
		fprintf(out, "%s: %s\n", m->string, v ? v : "?");
		free(v);
	}
	cJSON_ArrayForEach(m, msgs) {
		fprintf(out, "[%s]\n", json_str(m, "role") ? json_str(m, "role") : "?");
		print_content(out, cJSON_GetObjectItemCaseSensitive(m, "content"));
	}
	return 0;
}

/* A chat answer: the model's text, itself pretty-printed when JSON. */
static int
print_answer(FILE *out, const cJSON *res)
{
	const cJSON *msg = json_obj(cJSON_GetArrayItem(json_arr(res, "choices"), 0), "message");
	const char *text = json_str(msg, "content");
	cJSON *v;
	char *pretty;

	if (!msg)
		return -1;
	if (json_str(msg, "refusal"))
		fprintf(out, "[refusal]\n%s\n", json_str(msg, "refusal"));
	if (!text)
		return 0;
	v = cJSON_Parse(text);
	pretty = v ? cJSON_Print(v) : NULL;
	fprintf(out, "%s\n", pretty ? pretty : text);
	free(pretty);
	cJSON_Delete(v);
	return 0;
}

/* One body under its heading: readable when whole, else as stored. */
static void
print_body(FILE *out, const char *what, sqlite3_stmt *st, int col)
{
	const char *text = (const char *)sqlite3_column_text(st, col);
	long long bytes = sqlite3_column_int64(st, col + 1);
	size_t kept = text ? strlen(text) : 0;
	cJSON *v;
	char *pretty;

	if (!text) {
		fprintf(out, "--- %s: not known ---\n", what);
		return;
	}
	/* A body kept whole but for its data still parses; a cut one never. */
	v = cJSON_Parse(text);
	if ((long long)kept < bytes && v)
		fprintf(out, "--- %s, %lld bytes, %zu kept without its data ---\n",
			what, bytes, kept);
	else if ((long long)kept < bytes)
		fprintf(out, "--- %s, %lld bytes, the first %zu kept (log.max_body) ---\n",
			what, bytes, kept);
	else
		fprintf(out, "--- %s, %lld bytes ---\n", what, bytes);
	/* An image or a vector is no text to read: shown by its size. */
	if (v)
		shrink(v);
	if (v && !strcmp(what, "request") && print_request(out, v) == 0)
		goto out;
	if (v && !strcmp(what, "answer") && print_answer(out, v) == 0)
		goto out;
	pretty = v ? cJSON_Print(v) : NULL;
	fprintf(out, "%s\n", pretty ? pretty : text);
	free(pretty);
out:
	cJSON_Delete(v);
}

/* The call's row as two lines of text, and its error if any. */
static void
print_call(FILE *out, const cJSON *c)
{
	const cJSON *cost = cJSON_GetObjectItemCaseSensitive(c, "cost");
	const char *err = json_str(c, "error");
	long attempts = json_long(c, "attempts", 0);

	fprintf(out, "call %ld (run %ld): %s %s, %s %s, %s", json_long(c, "id", 0),
		json_long(c, "run_id", 0),
		json_str(c, "function") ? json_str(c, "function") : "-",
		json_str(c, "record") ? json_str(c, "record") : "-",
		json_str(c, "provider") ? json_str(c, "provider") : "-",
		json_str(c, "model") ? json_str(c, "model") : "-",
		json_str(c, "outcome") ? json_str(c, "outcome") : "-");
	/* A cached answer had no request: no status, no attempt. */
	if (json_long(c, "http_status", 0) > 0)
		fprintf(out, ", HTTP %ld", json_long(c, "http_status", 0));
	if (attempts > 0)
		fprintf(out, ", %ld attempt%s", attempts, attempts == 1 ? "" : "s");
	fputc('\n', out);
	fprintf(out, "tokens %ld in, %ld out, %ld cached; ", json_long(c, "tokens_in", 0),
		json_long(c, "tokens_out", 0), json_long(c, "tokens_cached", 0));
	if (cJSON_IsNumber(cost))
		fprintf(out, "cost $%.4f", cost->valuedouble);
	else
		fputs("cost unknown", out);
	fprintf(out, "; %ld ms; %s\n", json_long(c, "duration_ms", 0),
		json_str(c, "created_at") ? json_str(c, "created_at") : "-");
	if (err)
		fprintf(out, "error: %s\n", err);
}

/* A stored body as a JSON value: parsed when whole, else the text. */
static cJSON *
body_value(sqlite3_stmt *st, int col)
{
	const char *text = (const char *)sqlite3_column_text(st, col);
	cJSON *v;

	if (!text)
		return cJSON_CreateNull();
	if ((v = cJSON_Parse(text)))
		return v;
	return cJSON_CreateString(text);
}

static void
add_bytes(cJSON *rec, const char *name, sqlite3_stmt *st, int col)
{
	if (st && sqlite3_column_type(st, col) != SQLITE_NULL)
		cJSON_AddNumberToObject(rec, name, (double)sqlite3_column_int64(st, col));
	else
		cJSON_AddNullToObject(rec, name);
}

/*
 * The call as text, written in memory first: what a model or a server
 * sent goes to the terminal through render_puts(), without the control
 * characters a terminal would act on.  b: the bodies' row, or NULL.
 */
static int
show_text(FILE *out, const cJSON *rec, sqlite3_stmt *b, struct ig_err *err)
{
	char *text = NULL;
	size_t len;
	FILE *mem = open_memstream(&text, &len);
	int rc;

	if (!mem)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	print_call(mem, rec);
	if (b) {
		print_body(mem, "request", b, 0);
		print_body(mem, "answer", b, 2);
	} else {
		fputs("no bodies kept for this call (log.bodies was false, or igny8 did"
		      " not keep them yet)\n", mem);
	}
	if (fclose(mem) != 0) {
		free(text);
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	rc = render_puts(out, text);
	free(text);
	return rc < 0 ? ig_err_set(err, IG_EIO, "write error on standard output") : 0;
}

int
bodies_show(struct ws *ws, FILE *out, long id, int json, struct ig_err *err)
{
	sqlite3_stmt *call = ws_prepare(ws, "SELECT * FROM ai_log WHERE id = ?", err), *b;
	cJSON *rec = NULL;
	int rc = -1, have;

	if (!call)
		return -1;
	sqlite3_bind_int64(call, 1, id);
	if (sqlite3_step(call) == SQLITE_ROW)
		rec = rec_from_row(call, "call");
	sqlite3_finalize(call);
	if (!rec)
		return ig_err_set(err, IG_ENOINPUT, "call %ld: no such call (igny8 log lists"
				  " them)", id);
	b = ws_prepare(ws, "SELECT request, request_bytes, response, response_bytes"
			   " FROM ai_bodies WHERE log_id = ?", err);
	if (!b)
		goto out;
	sqlite3_bind_int64(b, 1, id);
	have = sqlite3_step(b) == SQLITE_ROW;
	if (json) {
		cJSON_AddItemToObject(rec, "request", have ? body_value(b, 0) : cJSON_CreateNull());
		add_bytes(rec, "request_bytes", have ? b : NULL, 1);
		cJSON_AddItemToObject(rec, "response", have ? body_value(b, 2) : cJSON_CreateNull());
		add_bytes(rec, "response_bytes", have ? b : NULL, 3);
		rc = jsonl_write(out, rec, err);
	} else {
		rc = show_text(out, rec, have ? b : NULL, err);
	}
	sqlite3_finalize(b);
out:
	cJSON_Delete(rec);
	return rc;
}
