/* t-keyword.c: keyword normalisation, record fields and the upsert. */
#include "compat.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "keyword.h"
#include "tap.h"

/* Normalises s; returns the result or "ERR <code> <msg>" (static). */
static const char *
norm(const char *s)
{
	static char out[IG_ERR_MSGLEN + 64];
	struct ig_err err = { 0 };
	char *n = kw_normalize(s, &err);

	if (n)
		snprintf(out, sizeof out, "%s", n);
	else
		snprintf(out, sizeof out, "ERR %d %s", err.code, err.msg);
	free(n);
	return out;
}

static void
test_normalize(void)
{
	is_str(norm("Caf\xc3\xa9"), "caf\xc3\xa9", "Café");
	is_str(norm("CAF\xc3\x89"), "caf\xc3\xa9", "CAFÉ folds to the same");
	is_str(norm("cafe\xcc\x81"), "caf\xc3\xa9", "e + combining acute composes");
	is_str(norm("\xef\xbc\xb3\xef\xbd\x88\xef\xbd\x8f\xef\xbd\x85\xef\xbd\x93"),
	       "shoes", "full-width letters");
	is_str(norm("\xef\xac\x81t"), "fit", "ligature fi");
	is_str(norm("Stra\xc3\x9f" "e"), "strasse", "sharp s folds to ss");
	is_str(norm("  running \t\n  shoes  "), "running shoes",
	       "whitespace runs and ends");
	is_str(norm("running\xc2\xa0\xc2\xa0shoes"), "running shoes",
	       "no-break spaces are spaces");
	is_str(norm("a\xe3\x80\x80" "b"), "a b", "ideographic space");
	is_str(norm("x"), "x", "one letter");
	is_str(norm(""), "ERR 65 keyword is empty", "empty");
	is_str(norm(" \t\r\n "), "ERR 65 keyword is empty", "only spaces");
	is_str(norm("\xff" "abc"), "ERR 65 keyword is not valid UTF-8", "byte FF");
	is_str(norm("ab\xed\xa0\x80"), "ERR 65 keyword is not valid UTF-8",
	       "a surrogate");
	is_str(norm("ab\xc0\xaf"), "ERR 65 keyword is not valid UTF-8", "an overlong");
}

/*
 * What utf8proc itself makes of s with kw_normalize's options, white
 * space squeezed as kw_normalize does (static): the reference for its
 * ASCII path, which skips utf8proc.
 */
static const char *
by_utf8proc(const char *s)
{
	static char out[64];
	utf8proc_uint8_t *f = NULL;
	size_t w = 0;
	int space = 0;

	if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &f, UTF8PROC_NULLTERM |
			 UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
			 UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STRIPCC) < 0)
		return "ERR";
	for (const char *p = (const char *)f; *p && w + 2 < sizeof out; p++) {
		if (strchr(" \t\n\r", *p)) {
			space = w > 0;
			continue;
		}
		if (space)
			out[w++] = ' ';
		space = 0;
		out[w++] = *p;
	}
	out[w] = '\0';
	free(f);
	return w ? out : "ERR 65 keyword is empty";
}

/* Every ASCII byte, alone, between letters and doubled, as utf8proc has it. */
static void
test_ascii_path(void)
{
	int bad = 0;

	for (int c = 1; c < 0x80; c++) {
		char forms[4][8];

		snprintf(forms[0], sizeof forms[0], "%c", c);
		snprintf(forms[1], sizeof forms[1], "Ab%cCd", c);
		snprintf(forms[2], sizeof forms[2], "x%c%cY", c, c);
		snprintf(forms[3], sizeof forms[3], "%c\r\nQ%c", c, c);
		for (int k = 0; k < 4; k++) {
			char want[64];

			snprintf(want, sizeof want, "%s", by_utf8proc(forms[k]));
			if (strcmp(norm(forms[k]), want) != 0 && bad++ < 5)
				diag("byte 0x%02x in form %d: got \"%s\", utf8proc \"%s\"",
				     c, k, norm(forms[k]), want);
		}
	}
	ok(bad == 0, "the ASCII path agrees with utf8proc on every byte (%d differ)", bad);
	is_str(norm("Running\vShoes\f2026"), by_utf8proc("Running\vShoes\f2026"),
	       "vertical tab and form feed as utf8proc has them");
}

/* kw_from_record on JSON text; returns "ERR msg" or the fields (static). */
static const char *
fields(const char *json)
{
	static char out[IG_ERR_MSGLEN + 64];
	struct ig_err err = { 0 };
	struct kw_fields f;
	cJSON *rec = cJSON_Parse(json);

	if (!rec)
		return "bad test JSON";
	if (kw_from_record(rec, &f, &err) < 0)
		snprintf(out, sizeof out, "ERR %d %s", err.code, err.msg);
	else
		snprintf(out, sizeof out, "%s|%ld|%g|%s|%s", f.keyword, f.volume,
			 f.difficulty, f.intent ? f.intent : "-",
			 f.sector ? f.sector : "-");
	cJSON_Delete(rec);
	return out;
}

static void
test_from_record(void)
{
	char big[600];

	is_str(fields("{\"keyword\":\"k\"}"), "k|-1|-1|-|-", "only a keyword");
	is_str(fields("{\"type\":\"keyword\",\"keyword\":\"k\",\"volume\":1900,"
		      "\"difficulty\":45.5,\"intent\":\"buy\",\"sector\":\"shoes\"}"),
	       "k|1900|45.5|buy|shoes", "every field");
	is_str(fields("{\"keyword\":\"k\",\"volume\":null,\"difficulty\":null}"),
	       "k|-1|-1|-|-", "null is unknown");
	is_str(fields("{\"keyword\":\"k\",\"volume\":0,\"difficulty\":0}"),
	       "k|0|0|-|-", "zero is known");
	is_str(fields("{\"keyword\":\"k\",\"difficulty\":100}"), "k|-1|100|-|-",
	       "difficulty 100");
	is_str(fields("{\"keyword\":\"k\",\"volume\":12.9}"), "k|12|-1|-|-",
	       "volume truncated");
	/* Issue 15: a sector of 5 was stored as NULL with exit 0. */
	is_str(fields("{\"keyword\":\"k\",\"intent\":3}"),
	       "ERR 65 'intent' must be a string", "a non-string intent is an error");
	is_str(fields("{\"keyword\":\"k\",\"sector\":5}"),
	       "ERR 65 'sector' must be a string", "a non-string sector is an error");
	is_str(fields("{\"keyword\":\"k\",\"intent\":null,\"sector\":null}"),
	       "k|-1|-1|-|-", "null intent and sector are unknown");
	is_str(fields("{\"type\":7,\"keyword\":\"k\"}"),
	       "ERR 65 'type' must be a string", "a non-string type is an error");
	is_str(fields("{\"type\":\"cluster\",\"keyword\":\"k\"}"),
	       "ERR 65 expected a keyword record, got type 'cluster'", "wrong type");
	is_str(fields("{\"kw\":\"k\"}"), "ERR 65 missing string member 'keyword'",
	       "no keyword");
	is_str(fields("{\"keyword\":7}"), "ERR 65 missing string member 'keyword'",
	       "keyword not a string");
	is_str(fields("{\"keyword\":\"k\",\"volume\":-1}"),
	       "ERR 65 'volume' must be a non-negative number", "negative volume");
	is_str(fields("{\"keyword\":\"k\",\"volume\":\"10\"}"),
	       "ERR 65 'volume' must be a non-negative number", "volume as text");
	is_str(fields("{\"keyword\":\"k\",\"volume\":2e15}"),
	       "ERR 65 'volume' must be a non-negative number", "volume too large");
	is_str(fields("{\"keyword\":\"k\",\"difficulty\":100.5}"),
	       "ERR 65 'difficulty' must be a number from 0 to 100", "difficulty > 100");
	is_str(fields("{\"keyword\":\"k\",\"difficulty\":-0.1}"),
	       "ERR 65 'difficulty' must be a number from 0 to 100", "difficulty < 0");
	/* members read in one pass: the first of a name counts, as cJSON finds it */
	is_str(fields("{\"keyword\":\"a\",\"keyword\":\"b\"}"), "a|-1|-1|-|-",
	       "the first of two keywords");
	is_str(fields("{\"volume\":5,\"keyword\":\"k\",\"volume\":\"x\"}"), "k|5|-1|-|-",
	       "a second volume is not read");
	is_str(fields("{\"sector\":\"s\",\"difficulty\":3,\"intent\":\"i\",\"keyword\":\"k\"}"),
	       "k|-1|3|i|s", "members in any order");
	is_str(fields("{\"sector\":5,\"intent\":3,\"keyword\":\"k\"}"),
	       "ERR 65 'intent' must be a string", "intent is checked before sector");
	is_str(fields("{\"Keyword\":\"k\"}"), "ERR 65 missing string member 'keyword'",
	       "names are case-sensitive");
	memset(big, 'a', 501);
	big[501] = '\0';
	{
		char json[700];
		snprintf(json, sizeof json, "{\"keyword\":\"%s\"}", big);
		is_str(fields(json), "ERR 65 keyword longer than 500 bytes", "501 bytes");
		big[500] = '\0';
		snprintf(json, sizeof json, "{\"keyword\":\"%s\"}", big);
		ok(strncmp(fields(json), "ERR", 3) != 0, "500 bytes is fine");
	}
}

/* One row as "keyword|volume|difficulty|intent|sector|updated_at" (static). */
static const char *
row(struct ws *ws, long id)
{
	static char out[512];
	sqlite3_stmt *st = ws_prepare(ws,
		"SELECT keyword, ifnull(volume, '-'), ifnull(difficulty, '-'),"
		" ifnull(intent, '-'), ifnull(sector, '-'), updated_at"
		" FROM keywords WHERE id = ?", NULL);

	snprintf(out, sizeof out, "(none)");
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, sizeof out, "%s|%s|%s|%s|%s|%s",
			 sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
			 sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
			 sqlite3_column_text(st, 4), sqlite3_column_text(st, 5));
	sqlite3_finalize(st);
	return out;
}

static void
test_upsert(const char *path)
{
	struct ig_err err = { 0 };
	struct ws *ws = ws_open(path, WS_CREATE, &err);
	struct kw_fields f = { "Running  Shoes", 1900, 45, "buy", NULL };
	long id = 0, id2 = 0;
	int ins = -1;
	char sql[128];

	if (!ws)
		exit(1);
	is_int(kw_upsert(ws, &f, &id, &ins, &err), 0, "insert: %s", err.msg);
	ok(id > 0 && ins == 1, "new row %ld", id);
	snprintf(sql, sizeof sql, "UPDATE keywords SET updated_at = 'then' WHERE id = %ld",
		 id);
	ws_exec(ws, sql, &err);
	is_str(row(ws, id), "Running  Shoes|1900|45.0|buy|-|then", "stored as written");

	is_int(kw_upsert(ws, &f, &id2, &ins, &err), 0, "same input again");
	ok(id2 == id && ins == 0, "same row, not inserted");
	is_str(row(ws, id), "Running  Shoes|1900|45.0|buy|-|then",
	       "rerun changes nothing, not even updated_at");

	f = (struct kw_fields){ " running shoes ", -1, -1, NULL, NULL };
	is_int(kw_upsert(ws, &f, &id2, &ins, &err), 0, "all fields unknown");
	ok(id2 == id && ins == 0, "deduplicated by the normalised form");
	is_str(row(ws, id), "Running  Shoes|1900|45.0|buy|-|then",
	       "unknown fields keep what was stored");

	f = (struct kw_fields){ "RUNNING SHOES", 2400, -1, NULL, "sport" };
	is_int(kw_upsert(ws, &f, &id2, NULL, &err), 0, "known fields change");
	is_int(id2, id, "same row");
	{
		const char *r = row(ws, id);
		ok(!strncmp(r, "Running  Shoes|2400|45.0|buy|sport|", 35) &&
		   strcmp(strrchr(r, '|'), "|then") != 0,
		   "known fields overwrite, the others stay, updated_at moves: %s", r);
	}

	f = (struct kw_fields){ "trail shoes", -1, -1, NULL, NULL };
	is_int(kw_upsert(ws, &f, &id2, &ins, &err), 0, "another keyword");
	ok(id2 != id && ins == 1, "a new row");
	ok(!strncmp(row(ws, id2), "trail shoes|-|-|-|-|", 20), "with unknowns null");

	f = (struct kw_fields){ "\xff", -1, -1, NULL, NULL };
	ig_err_clear(&err);
	is_int(kw_upsert(ws, &f, &id2, &ins, &err), -1, "invalid UTF-8 refused");
	is_int(err.code, IG_EDATA, "as bad data");
	ws_close(ws);
}

int
main(void)
{
	char tmp[] = "/tmp/t-keyword.XXXXXX", path[64], cmd[64];

	test_normalize();
	test_ascii_path();
	test_from_record();
	if (!mkdtemp(tmp))
		return 1;
	snprintf(path, sizeof path, "%s/ws.db", tmp);
	test_upsert(path);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		diag("could not remove %s", tmp);
	return done_testing();
}
