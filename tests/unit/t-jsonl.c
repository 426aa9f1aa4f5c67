/* t-jsonl.c: the JSON-lines reader (positions, policies, caps) and writer. */
#include "compat.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "jsonl.h"
#include "tap.h"

#define U(s) utf8_valid(s, sizeof s - 1)

static void
test_utf8(void)
{
	ok(U("plain ascii"), "ascii");
	ok(U(""), "empty");
	ok(U("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "2, 3 and 4 bytes");
	ok(U("\xef\xbf\xbf"), "U+FFFF");
	ok(U("\xf4\x8f\xbf\xbf"), "U+10FFFF, the last code point");
	ok(U("\xed\x9f\xbf \xee\x80\x80"), "either side of the surrogates");
	ok(!U("\xc0\x80"), "overlong NUL");
	ok(!U("\xc1\xbf"), "overlong 2-byte");
	ok(!U("\xe0\x80\xaf"), "overlong 3-byte '/'");
	ok(!U("\xe0\x9f\xbf"), "overlong 3-byte, highest");
	ok(!U("\xf0\x8f\xbf\xbf"), "overlong 4-byte");
	ok(!U("\xed\xa0\x80"), "high surrogate");
	ok(!U("\xed\xbf\xbf"), "low surrogate");
	ok(!U("\xf4\x90\x80\x80"), "above U+10FFFF");
	ok(!U("\xf5\x80\x80\x80"), "lead byte F5");
	ok(!U("\xff"), "byte FF");
	ok(!U("\x80"), "lone continuation byte");
	ok(!U("ab\xe2\x82"), "truncated at the end");
	ok(!U("\xe2\x82z"), "truncated before ASCII");
	ok(!U("\xf0\x9f\x98"), "4-byte truncated");
	ok(!U("\xc3"), "lead byte alone");
	ok(utf8_valid("\xc3\xa9", 1) == 0, "length cuts a sequence");
	ok(utf8_valid("a\0b", 3), "NUL is valid UTF-8 (rejected elsewhere)");
}

/* Parses one line; returns its error message, or "" when it parsed. */
static const char *
parse_err(const char *line, size_t len)
{
	static struct ig_err err;
	cJSON *rec;

	ig_err_clear(&err);
	rec = jsonl_parse_line(line, len, &err);
	if (rec) {
		cJSON_Delete(rec);
		return "";
	}
	return err.code == IG_EDATA ? err.msg : "wrong code";
}

#define PE(s) parse_err(s, sizeof s - 1)

static void
test_parse_line(void)
{
	is_str(PE("{\"a\":1}"), "", "an object");
	is_str(PE(" {\"a\":1} \t\r"), "", "space and CR around it");
	is_str(PE("[1,2]"), "record is not a JSON object", "array");
	is_str(PE("\"s\""), "record is not a JSON object", "string");
	is_str(PE("null"), "record is not a JSON object", "null");
	is_str(PE("{\"a\":1} x"), "trailing text after the JSON value at column 9",
	       "trailing text");
	is_str(PE("{\"a\":1}{}"), "trailing text after the JSON value at column 8",
	       "two objects");
	is_str(PE("{\"a\":\0 1}"), "NUL byte in line", "NUL byte");
	is_str(PE("{\"a\":\"\xff\"}"), "invalid UTF-8", "invalid UTF-8");
	is_str(PE("{\"k\":\"esc\\u0000nul\"}"), "NUL character (\\u0000) in a string",
	       "an escaped NUL would cut the string");
	is_str(PE("{\"k\":\"\\u0000\"}"), "NUL character (\\u0000) in a string",
	       "an escaped NUL alone");
	is_str(PE("{\"k\":\"a\\\\u0000b\"}"), "", "an escaped backslash, then u0000");
	is_str(PE("{\"k\":\"\\u00001\\u0001\"}"), "NUL character (\\u0000) in a string",
	       "NUL before more digits");
	is_str(PE("{\"k\":\"\\u0001\"}"), "", "other control escapes are kept");
	ok(!strncmp(PE("{\"a\":"), "not valid JSON (near column", 27),
	   "truncated object: %s", PE("{\"a\":"));
	/* Regression (fuzz-jsonl): 1e999 read as infinity, written as null. */
	is_str(PE("{\"v\":1e999}"), "number out of range", "1e999");
	is_str(PE("{\"v\":[{\"w\":-1e400}]}"), "number out of range", "nested -1e400");
	is_str(PE("{\"v\":1e308,\"w\":-0}"), "", "largest finite numbers");
}

/* What one jsonl_each() run saw. */
struct run {
	struct buf recs;	/* "where json\n" per record */
	struct buf bad;		/* on_bad messages, one per line */
	int stop_at;		/* record number whose callback stops */
	int stop_code;		/* what it returns */
	int n;			/* records seen */
	const char *plain;	/* plain_field for the reader (type "task") */
	long line;		/* r.line after the run */
	size_t nbad;		/* r.nbad after the run */
	struct ig_err err;
};

static void
on_bad(const char *msg, void *ctx)
{
	struct run *r = ctx;

	buf_printf(&r->bad, "%s\n", msg);
}

static int
each(cJSON *rec, const char *where, void *ctx, struct ig_err *err)
{
	struct run *r = ctx;
	char *s = cJSON_PrintUnformatted(rec);

	buf_printf(&r->recs, "%s %s\n", where, s);
	free(s);
	if (++r->n == r->stop_at) {
		if (r->stop_code < 0)
			return ig_err_set(err, IG_ENOPERM, "stopped at %s", where);
		return r->stop_code;
	}
	return 0;
}

static int
run(struct run *r, const char *in, size_t len, enum jsonl_policy policy,
    size_t max)
{
	struct jsonl_reader rd = { 0 };
	FILE *fp = fmemopen((void *)in, len, "r");
	int rc;

	buf_reset(&r->recs);
	buf_reset(&r->bad);
	r->n = 0;
	ig_err_clear(&r->err);
	if (!fp) {
		perror("fmemopen");
		exit(1);
	}
	rd.fp = fp;
	rd.name = "in";
	rd.max_line = max;
	rd.policy = policy;
	rd.on_bad = on_bad;
	rd.plain_type = r->plain ? "task" : NULL;
	rd.plain_field = r->plain;
	rc = jsonl_each(&rd, each, r, &r->err);
	r->line = rd.line;
	r->nbad = rd.nbad;
	fclose(fp);
	return rc;
}

#define RUN(r, s, pol, max) run(r, s, sizeof s - 1, pol, max)

static void
test_each(void)
{
	struct run r = { BUF_INIT(0), BUF_INIT(0), 0, 0 };
	int rc;

	rc = RUN(&r, "{\"a\":1}\n\n  \t\n{\"b\":2}\n", JSONL_STOP, 0);
	is_int(rc, 0, "blank lines: end of input");
	is_str(buf_str(&r.recs), "in:1 {\"a\":1}\nin:4 {\"b\":2}\n",
	       "blank lines skipped, still counted");
	is_int(r.line, 4, "last line number");

	rc = RUN(&r, "{\"a\":1}\r\n\r\n{\"b\":2}\r\n", JSONL_STOP, 0);
	is_int(rc, 0, "CRLF lines read");
	is_str(buf_str(&r.recs), "in:1 {\"a\":1}\nin:3 {\"b\":2}\n", "CRLF positions");

	rc = RUN(&r, "{\"a\":1}\n{\"z\":true}", JSONL_STOP, 0);
	is_str(buf_str(&r.recs), "in:1 {\"a\":1}\nin:2 {\"z\":true}\n",
	       "last line without a newline");

	rc = RUN(&r, "{\"a\":1}\n[1]\n{\"c\":3}\n", JSONL_STOP, 0);
	is_int(rc, -1, "non-object stops");
	is_int(r.err.code, IG_EDATA, "as a data error");
	is_str(r.err.msg, "in:2: record is not a JSON object", "located message");
	is_int(r.n, 1, "records before it were read, none after");
	is_int(r.nbad, 0, "STOP counts nothing as skipped");

	rc = RUN(&r, "{\"a\":1}\n[1]\n{\"c\":3} x\n\xff\n{\"e\":\0}\n{\"f\":6}\n",
		 JSONL_KEEP_GOING, 0);
	is_int(rc, 0, "keep-going reaches the end");
	is_int(r.err.code, IG_OK, "and sets no error");
	is_str(buf_str(&r.recs), "in:1 {\"a\":1}\nin:6 {\"f\":6}\n", "good records");
	is_int(r.nbad, 4, "four lines skipped");
	is_str(buf_str(&r.bad),
	       "in:2: record is not a JSON object\n"
	       "in:3: trailing text after the JSON value at column 9\n"
	       "in:4: invalid UTF-8\n"
	       "in:5: NUL byte in line\n", "each skipped line reported");

	rc = RUN(&r, "\n{\"a\":\"\xed\xa0\x80\"}\n", JSONL_STOP, 0);
	is_str(r.err.msg, "in:2: invalid UTF-8", "surrogate in a line");

	/* The cap is on bytes before the newline; CR counts. */
	rc = RUN(&r, "{\"a\":1}\n{\"a\":12}\n{\"b\":2}\n", JSONL_STOP, 7);
	is_int(rc, -1, "8-byte line over a 7-byte cap");
	is_str(r.err.msg, "in:2: line longer than 7 bytes", "overlong, located");
	is_int(r.n, 1, "the 7-byte line was read");

	rc = RUN(&r, "{\"a\":\"0123456789abcdef\"}\n{\"b\":2}\n{\"c\":\"0123456789\"}",
		 JSONL_KEEP_GOING, 10);
	is_int(rc, 0, "keep-going over overlong lines");
	is_str(buf_str(&r.recs), "in:2 {\"b\":2}\n",
	       "the next line after an overlong one is whole");
	is_str(buf_str(&r.bad),
	       "in:1: line longer than 10 bytes\nin:3: line longer than 10 bytes\n",
	       "both overlong lines reported, the last without newline");
	is_int(r.line, 3, "line count goes on past them");

	r.stop_at = 2;
	r.stop_code = 1;
	rc = RUN(&r, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n", JSONL_STOP, 0);
	is_int(rc, 1, "callback's positive code is returned");
	is_int(r.n, 2, "and reading stops there");
	is_int(r.err.code, IG_OK, "without error");

	r.stop_code = -1;
	rc = RUN(&r, "{\"a\":1}\n\n{\"b\":2}\n{\"c\":3}\n", JSONL_KEEP_GOING, 0);
	is_int(rc, -1, "callback's error stops even keep-going");
	is_int(r.err.code, IG_ENOPERM, "callback's code kept");
	is_str(r.err.msg, "stopped at in:3", "callback's message kept");
	is_int(r.line, 3, "no line read after it");
	r.stop_at = 0;

	buf_release(&r.recs);
	buf_release(&r.bad);
}

/*
 * The writer keeps process-wide state (its flush decision, the first
 * failure), so each writer test runs in a child and reports a line of text.
 */
static char *
in_child(void (*fn)(FILE *report))
{
	struct buf b = BUF_INIT(0);
	char chunk[512];
	int fd[2], status;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	if (pipe(fd) < 0 || (pid = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		FILE *report;

		close(fd[0]);
		report = fdopen(fd[1], "w");
		fn(report);
		fclose(report);
		_exit(0);
	}
	close(fd[1]);
	while ((n = read(fd[0], chunk, sizeof chunk)) > 0)
		buf_append(&b, chunk, (size_t)n);
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		buf_printf(&b, "[child status %d]", status);
	return buf_detach(&b);
}

static cJSON *
record(void)
{
	return cJSON_Parse("{\"keyword\":\"caf\xc3\xa9\",\"n\":[1,2.5,null]}");
}

/* A regular file is not flushed per record; jsonl_finish() flushes it. */
static void
write_regular(FILE *report)
{
	struct ig_err err = { 0 };
	cJSON *rec = record();
	FILE *f = tmpfile();
	struct stat st;
	char line[256] = "";
	int rc;

	rc = jsonl_write(f, rec, &err);
	fstat(fileno(f), &st);
	fprintf(report, "write %d, size %lld;", rc, (long long)st.st_size);
	rc = jsonl_finish(f, &err);
	fstat(fileno(f), &st);
	rewind(f);
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	fprintf(report, " finish %d, size %lld: %s", rc, (long long)st.st_size, line);
	fclose(f);
	cJSON_Delete(rec);
}

/* A pipe is flushed after every record, so the reader sees it at once. */
static void
write_pipe(FILE *report)
{
	struct ig_err err = { 0 };
	cJSON *rec = record();
	char line[256] = "";
	int fd[2];
	FILE *w;
	ssize_t n;

	if (pipe(fd) < 0)
		return;
	w = fdopen(fd[1], "w");
	fprintf(report, "write %d: ", jsonl_write(w, rec, &err));
	n = read(fd[0], line, sizeof line - 1);	/* blocks if nothing was flushed */
	line[n > 0 ? n : 0] = '\0';
	fputs(line, report);
	fclose(w);
	close(fd[0]);
	cJSON_Delete(rec);
}

/* /dev/full: the first write fails with IG_EIO, and so does every later one. */
static void
write_full(FILE *report)
{
	struct ig_err err = { 0 };
	cJSON *rec = record();
	FILE *full = fopen("/dev/full", "w"), *good = tmpfile();
	int rc;

	if (!full) {
		fputs("skip", report);
		return;
	}
	rc = jsonl_write(full, rec, &err);
	fprintf(report, "%d %d %s|", rc, err.code, err.msg);
	ig_err_clear(&err);
	rc = jsonl_write(good, rec, &err);
	fprintf(report, "%d %d %s|", rc, err.code, err.msg);
	ig_err_clear(&err);
	rc = jsonl_finish(good, &err);
	fprintf(report, "%d %d|%d", rc, err.code, jsonl_broken_pipe());
	fseek(good, 0, SEEK_END);
	fprintf(report, "|%ld", ftell(good));
	fclose(full);
	fclose(good);
	cJSON_Delete(rec);
}

/* A closed pipe: "broken pipe", so the caller can stop quietly. */
static void
write_epipe(FILE *report)
{
	struct ig_err err = { 0 };
	cJSON *rec = record();
	int fd[2];
	FILE *w;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (pipe(fd) < 0)
		return;
	close(fd[0]);
	w = fdopen(fd[1], "w");
	rc = jsonl_write(w, rec, &err);
	fprintf(report, "%d %d %s ", rc, err.code, err.msg);
	fprintf(report, "%d", jsonl_broken_pipe());
	fclose(w);
	cJSON_Delete(rec);
}

/* A stream whose buffered data cannot be written: jsonl_finish() catches it. */
static void
finish_full(FILE *report)
{
	struct ig_err err = { 0 };
	FILE *full = fopen("/dev/full", "w");
	int rc;

	if (!full) {
		fputs("skip", report);
		return;
	}
	fputs("unflushed\n", full);
	rc = jsonl_finish(full, &err);
	fprintf(report, "%d %d", rc, err.code);
	fclose(full);
}

static void
test_write(void)
{
	char *s;

	s = in_child(write_regular);
	is_str(s, "write 0, size 0; finish 0, size 37: "
		  "{\"keyword\":\"caf\xc3\xa9\",\"n\":[1,2.5,null]}\n",
	       "regular file: one compact line, written by jsonl_finish");
	free(s);
	s = in_child(write_pipe);
	is_str(s, "write 0: {\"keyword\":\"caf\xc3\xa9\",\"n\":[1,2.5,null]}\n",
	       "pipe: flushed after the record");
	free(s);
	s = in_child(write_full);
	is_str(s, "-1 74 write error on standard output: No space left on device|"
		  "-1 74 write error on standard output: No space left on device|"
		  "-1 74|0|0",
	       "/dev/full: IG_EIO, then later writes and finish fail at once");
	free(s);
	s = in_child(write_epipe);
	is_str(s, "-1 74 broken pipe 1", "closed pipe: broken pipe");
	free(s);
	s = in_child(finish_full);
	is_str(s, "-1 74", "jsonl_finish reports a failed final flush");
	free(s);
}

/* A reader that takes plain text: a line not starting with '{' is a record. */
static void
test_plain(void)
{
	struct run r = { BUF_INIT(0), BUF_INIT(0), 0, 0 };
	int rc;

	r.plain = "title";
	rc = RUN(&r, "How to choose shoes\n  {\"type\":\"task\",\"id\":3}\n\t Trail \"shoes\" \r\n",
		 JSONL_STOP, 0);
	is_int(rc, 0, "plain lines read");
	is_str(buf_str(&r.recs), "in:1 {\"type\":\"task\",\"title\":\"How to choose shoes\"}\n"
	       "in:2 {\"type\":\"task\",\"id\":3}\n"
	       "in:3 {\"type\":\"task\",\"title\":\"Trail \\\"shoes\\\"\"}\n",
	       "a plain line is a record, trimmed; JSON lines stay JSON");
	rc = RUN(&r, "{\"title\":\n", JSONL_STOP, 0);
	ok(rc == -1 && !strncmp(r.err.msg, "in:1: not valid JSON", 20),
	   "a line starting with { must be JSON");
	rc = RUN(&r, "ok\n\xff bad\n", JSONL_STOP, 0);
	is_str(r.err.msg, "in:2: invalid UTF-8 or a NUL byte in line", "plain text is UTF-8");
	r.plain = NULL;
	rc = RUN(&r, "How to choose shoes\n", JSONL_STOP, 0);
	is_str(r.err.msg, "in:1: not a JSON record: each line must be one JSON object "
	       "(see igny8-records(5))", "without plain text, what a line must be");
	buf_release(&r.recs);
	buf_release(&r.bad);
}

int
main(void)
{
	test_utf8();
	test_parse_line();
	test_each();
	test_plain();
	test_write();
	return done_testing();
}
