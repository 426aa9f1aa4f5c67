/* t-bodies.c: what is kept of a call's bodies: masked, cut, data left out. */
#include "compat.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bodies.h"
#include "tap.h"

#define KEY "sk-test-0123456789abcdef0123"

static struct ws *ws;
static struct config *cfg;
static long next_id;

/* Keeps request under a new call row; *bytes_out gets request_bytes. */
static const char *
kept(const char *request, long *bytes_out)
{
	static char out[8192];
	struct ig_err err = { 0 };
	sqlite3_stmt *st;
	char sql[160];

	snprintf(sql, sizeof sql, "INSERT INTO ai_log (id, function, outcome, created_at)"
		 " VALUES (%ld, 'write', 'ok', 'x')", ++next_id);
	if (ws_exec(ws, sql, &err) < 0 ||
	    bodies_keep(ws, cfg, next_id, request, NULL, &err) < 0) {
		diag("%s", err.msg);
		return "(failed)";
	}
	st = ws_prepare(ws, "SELECT request, request_bytes FROM ai_bodies WHERE log_id = ?",
			NULL);
	snprintf(out, sizeof out, "(none)");
	sqlite3_bind_int64(st, 1, next_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, sizeof out, "%s", sqlite3_column_text(st, 0));
		*bytes_out = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return out;
}

static void
set(const char *key, const char *value)
{
	struct ig_err err = { 0 };

	if (config_set(cfg, key, value, "t-bodies", &err) < 0)
		diag("config_set %s: %s", key, err.msg);
}

int
main(void)
{
	char path[PATH_MAX], big[3000], blob[1200], body[1400];
	struct ig_err err = { 0 };
	long bytes = -1;

	snprintf(path, sizeof path, "/tmp/t-bodies.%ld.db", (long)getpid());
	if (!(ws = ws_open(path, WS_CREATE, &err)) || !(cfg = config_new())) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	ig_secret_add(KEY);

	is_str(kept("{\"a\":\"x " KEY " y\"}", &bytes), "{\"a\":\"x [REDACTED] y\"}",
	       "a key in a body is masked");
	is_int(bytes, (long)strlen("{\"a\":\"x [REDACTED] y\"}"),
	       "and its size is the masked body's: a whole body is not 'cut'");

	set("log.max_body", "10");
	is_str(kept("abcdefgh\xc3\xa9xyz", &bytes), "abcdefgh\xc3\xa9", "cut at the cap");
	is_str(kept("abcdefghi\xc3\xa9xyz", &bytes), "abcdefghi",
	       "not inside a UTF-8 sequence: the cut backs up");
	is_int(bytes, 14, "with the whole size");
	is_str(kept("abcdef" KEY, &bytes), "abcdef[RED",
	       "a key across the cut is masked before it: none of it kept");
	set("log.max_body", "0");
	is_str(kept("abc", &bytes), "", "a cap of 0 keeps the size only");
	is_int(bytes, 3, "which is kept");

	set("log.max_body", "200");
	memset(blob, 'Q', sizeof blob - 1);
	blob[sizeof blob - 1] = '\0';
	snprintf(body, sizeof body, "{\"data\":[{\"b64_json\":\"%s\"}],\"n\":1}", blob);
	is_str(kept(body, &bytes), "{\"data\":[{\"b64_json\":\"[1199 bytes of base64 data]\"}],"
	       "\"n\":1}", "over the cap, base64 data is left out first");
	is_int(bytes, (long)strlen(body), "the size is the body's as received");
	snprintf(big, sizeof big, "{\"embedding\":[%s1]}",
		 "0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,"
		 "0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,"
		 "0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,"
		 "0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,");
	is_str(kept(big, &bytes), "{\"embedding\":\"[65 numbers]\"}", "and so are vectors");
	snprintf(body, sizeof body, "{\"short\":[1,2,3],\"text\":\"%.*s\"}", 300, blob);
	ok(strlen(kept(body, &bytes)) == 200 && bytes == (long)strlen(body),
	   "a body still over the cap without its data is cut");

	set("log.bodies", "false");
	is_str(kept("{}", &bytes), "(none)", "log.bodies false keeps nothing");

	config_free(cfg);
	ws_close(ws);
	unlink(path);
	ig_secrets_free();
	return done_testing();
}
