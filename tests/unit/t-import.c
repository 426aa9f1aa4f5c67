/* t-import.c: unit tests for format detection, column mapping and numbers. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "import.h"
#include "tap.h"

/* Collects rows as "keyword|volume|difficulty|intent|sector" lines. */
static int
collect(const struct kw_fields *f, const char *where, void *ctx,
	struct ig_err *err)
{
	(void)where;
	(void)err;
	buf_printf(ctx, "%s|%ld|%g|%s|%s\n", f->keyword, f->volume, f->difficulty,
		   f->intent ? f->intent : "-", f->sector ? f->sector : "-");
	return 0;
}

static struct buf skips = BUF_INIT(0);

static void
on_skip(const char *where, const char *why, void *ctx)
{
	(void)ctx;
	buf_printf(&skips, "%s: %s\n", where, why);
}

/* Parses text as file `name`; returns the rows, or "ERR: msg". */
static char *
parse(const char *name, const char *text, int keep_going)
{
	struct imp_opts o = { IMP_AUTO, NULL, keep_going, 0, on_skip, NULL };
	struct imp_stats st = { 0 };
	struct ig_err err = { 0 };
	struct buf out = BUF_INIT(0);

	buf_reset(&skips);
	if (imp_parse(name, text, strlen(text), &o, collect, &out, &st, &err) < 0) {
		buf_reset(&out);
		buf_printf(&out, "ERR: %s", err.msg);
	}
	return buf_detach(&out);
}

static void
check(const char *name, const char *text, const char *want, const char *what)
{
	char *got = parse(name, text, 0);

	is_str(got, want, "%s", what);
	free(got);
}

static void
test_numbers(void)
{
	static const struct { const char *in; long want; } vols[] = {
		{ "1900", 1900 }, { "1,900", 1900 }, { "1.9K", 1900 }, { "1.900", 1900 },
		{ "10K \xe2\x80\x93 100K", 10000 }, { "<10", 0 }, { "", -1 },
		{ "-", -1 }, { "2M+", 2000000 }, { "1 200 000", 1200000 },
		{ "100-1000", 100 }, { "12.5", 13 }, { " 40 ", 40 },
	};
	long v;
	double d;

	for (size_t i = 0; i < ARRAY_SIZE(vols); i++) {
		int rc = imp_parse_volume(vols[i].in, &v);
		ok(rc == 0 && v == vols[i].want, "volume '%s' -> %ld (got %ld)",
		   vols[i].in, vols[i].want, v);
	}
	is_int(imp_parse_volume("lots", &v), -1, "bad volume");
	is_int(imp_parse_volume("-5", &v), -1, "negative volume");
	ok(imp_parse_difficulty("45", &d) == 0 && d == 45, "difficulty 45");
	ok(imp_parse_difficulty("45%", &d) == 0 && d == 45, "difficulty 45%%");
	ok(imp_parse_difficulty("Medium", &d) == 0 && d == 50, "Medium is 50");
	ok(imp_parse_difficulty("high", &d) == 0 && d == 75, "high is 75");
	ok(imp_parse_difficulty("", &d) == 0 && d == -1, "empty is unknown");
	is_int(imp_parse_difficulty("150", &d), -1, "over 100 fails");
	is_int(imp_parse_difficulty("hard", &d), -1, "words fail");
}

static void
test_formats(void)
{
	check("k.txt", "# seeds\nseo tools\n\n  best crm  \r\n",
	      "seo tools|-1|-1|-|-\nbest crm|-1|-1|-|-\n", "text with comments");
	check("k.jsonl", "{\"keyword\":\"a\",\"volume\":10,\"intent\":\"commercial\"}\n",
	      "a|10|-1|commercial|-\n", "json lines");
	check("stdin", "{\"keyword\":\"b\"}\n", "b|-1|-1|-|-\n", "json lines sniffed");
	check("x.csv", "Keyword,Intent,Volume,Keyword Difficulty,CPC (USD)\n"
		       "crm,\"commercial, informational\",\"1,900\",45,3.1\n",
	      "crm|1900|45|commercial|-\n", "semrush");
	check("x.csv", "#,Keyword,Country,Difficulty,Volume,CPC,Global volume\n"
		       "1,seo,us,12,900,1,5000\n",
	      "seo|900|12|-|-\n", "ahrefs");
	check("kp", "Keyword Stats 2024-05-01\nAll locations\tJan 2024\n"
		    "Keyword\tCurrency\tAvg. monthly searches\tCompetition\t"
		    "Competition (indexed value)\n"
		    "crm tools\tUSD\t10K \xe2\x80\x93 100K\tHigh\t81\n"
		    "cheap crm\tUSD\t100\tLow\t\n",
	      "crm tools|10000|81|-|-\ncheap crm|100|25|-|-\n",
	      "keyword planner with title lines, tabs, both competitions");
	check("x.csv", "keywords;volume\nfoo;1.200\n", "foo|1200|-1|-|-\n",
	      "semicolons");
	check("x.csv", "phrase,volume\nfoo,1\n",
	      "ERR: x.csv: no 'Keyword' column in the first 10 rows", "no header");
}

static void
test_bad_rows(void)
{
	const char *csv = "Keyword,Volume\nok,1\n,5\nbad,lots\n\"x\ny\",2\nfin\xff,3\n";
	char *got;

	check("x.csv", csv, "ERR: x.csv:3: empty keyword", "first bad row stops");
	got = parse("x.csv", csv, 1);
	is_str(got, "ok|1|-1|-|-\nx\ny|2|-1|-|-\n", "keep going keeps the good");
	is_str(buf_str(&skips), "x.csv:3: empty keyword\nx.csv:4: bad volume 'lots'\n"
				"x.csv:7: invalid UTF-8\n", "skips reported with lines");
	free(got);
	check("k.jsonl", "{\"keyword\":\"a\"}\n[1]\n",
	      "ERR: k.jsonl:2: record is not a JSON object", "jsonl bad line");
	check("k.jsonl", "{\"keyword\":\"a\",\"volume\":\"x\"}\n",
	      "ERR: k.jsonl:1: 'volume' must be a non-negative number", "jsonl bad field");
}

static void
test_decode(void)
{
	const char le[] = "\xff\xfeK\0e\0y\0\n\0\xe9\0";
	const char be[] = "\xfe\xff\0K\xd8\x3d\xde\x00";
	const char bom[] = "\xef\xbb\xbfKey";
	struct ig_err err = { 0 };
	size_t n;
	char *s;

	s = imp_decode(le, sizeof le - 1, &n, &err);
	is_str(s, "Key\n\xc3\xa9", "UTF-16LE with BOM");
	free(s);
	s = imp_decode(be, sizeof be - 1, &n, &err);
	is_str(s, "K\xf0\x9f\x98\x80", "UTF-16BE with a surrogate pair");
	free(s);
	s = imp_decode(le + 2, sizeof le - 3, &n, &err);
	is_str(s, "Key\n\xc3\xa9", "UTF-16LE without BOM");
	free(s);
	s = imp_decode(bom, sizeof bom - 1, &n, &err);
	is_str(s, "Key", "UTF-8 BOM dropped");
	free(s);
	s = imp_decode("\xff\xfe\x00\xdc", 4, &n, &err);
	ok(!s && strstr(err.msg, "invalid UTF-16"), "lone surrogate fails");
	is_int(imp_format_parse("csv"), IMP_CSV, "format names");
	is_int(imp_format_parse("xls"), -1, "unknown format");
}

static long
count(struct ws *ws, const char *sql)
{
	sqlite3_stmt *q;
	long n = -1;

	if (sqlite3_prepare_v2(ws_db(ws), sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

static void
test_run(void)
{
	char path[] = "/tmp/t-import-XXXXXX", db[64], *files[2];
	struct imp_opts o = { IMP_AUTO, "saas", 0, 0, NULL, NULL };
	struct imp_stats st;
	struct ig_err err = { 0 };
	struct ws *ws;
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	fputs("alpha\nbeta\n", fp);
	fclose(fp);
	snprintf(db, sizeof db, "%s.db", path);
	ws = ws_open(db, WS_CREATE, &err);
	ok(ws != NULL, "workspace");
	files[0] = path;
	o.format = IMP_TEXT;
	is_int(imp_run(ws, files, 1, &o, &st, &err), 0, "import");
	ok(st.imported == 2 && st.inserted == 2, "two new");
	is_int(imp_run(ws, files, 1, &o, &st, &err), 0, "again");
	ok(st.imported == 2 && st.inserted == 0 && st.updated == 0, "nothing new");
	files[1] = "/nonexistent/file";
	is_int(imp_run(ws, files, 2, &o, &st, &err), -1, "missing file");
	is_int(err.code, IG_ENOINPUT, "is noinput");
	ws_close(ws);
	unlink(path);
	unlink(db);
}

/* Writes n keyword lines "kw N" (N from first) to a new temporary file. */
static void
many(char *path, int first, int n)
{
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	for (int i = 0; i < n; i++)
		fprintf(fp, "kw %d\n", first + i);
	fclose(fp);
}

/*
 * Rows are parsed on a thread of their own and saved in batches: many
 * batches arrive in order and whole, a save that fails stops the parser
 * (and is the error told), and a bad row late in the file still fails the
 * import with its line after earlier batches were saved in the
 * transaction, which is rolled back.
 */
static void
test_batches(void)
{
	char path[] = "/tmp/t-import-XXXXXX", more[] = "/tmp/t-import-XXXXXX";
	char bad[] = "/tmp/t-import-XXXXXX", db[64];
	char *files[1];
	struct imp_opts o = { IMP_TEXT, NULL, 0, 0, NULL, NULL };
	struct imp_stats st;
	struct ig_err err = { 0 };
	struct ws *ws;
	FILE *fp;

	many(path, 0, 20000);
	snprintf(db, sizeof db, "%s.db", path);
	ws = ws_open(db, WS_CREATE, &err);
	files[0] = path;
	is_int(imp_run(ws, files, 1, &o, &st, &err), 0, "20,000 rows: %s", err.msg);
	ok(st.inserted == 20000, "all saved (%ld)", st.inserted);
	is_int(count(ws, "SELECT count(*) FROM keywords WHERE id = 1 + "
		     "CAST(substr(keyword, 4) AS INTEGER)"), 20000, "in input order");
	/* the saver fails at the 9,000th new row, in the third batch */
	ws_exec(ws, "CREATE TRIGGER full AFTER INSERT ON keywords WHEN new.id = 29000"
		" BEGIN SELECT RAISE(ABORT, 'the disk is full'); END", &err);
	many(more, 20000, 30000);
	files[0] = more;
	is_int(imp_run(ws, files, 1, &o, &st, &err), -1, "a save fails");
	ok(strstr(err.msg, "the disk is full") != NULL, "its error is told: %s", err.msg);
	is_int(count(ws, "SELECT count(*) FROM keywords"), 20000, "nothing of it kept");
	/* a bad row after two batches */
	ws_exec(ws, "DROP TRIGGER full", &err);
	many(bad, 50000, 10000);
	fp = fopen(bad, "a");
	fputs("bad \xff row\n", fp);
	fclose(fp);
	files[0] = bad;
	is_int(imp_run(ws, files, 1, &o, &st, &err), -1, "a bad last row");
	ok(strstr(err.msg, ":10001:") != NULL, "named with its line: %s", err.msg);
	is_int(count(ws, "SELECT count(*) FROM keywords"), 20000, "nothing of it kept");
	ws_close(ws);
	unlink(path);
	unlink(more);
	unlink(bad);
	unlink(db);
}

int
main(void)
{
	test_numbers();
	test_formats();
	test_bad_rows();
	test_decode();
	test_run();
	test_batches();
	buf_release(&skips);
	return done_testing();
}
