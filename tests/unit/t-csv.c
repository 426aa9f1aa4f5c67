/* t-csv.c: unit tests for the RFC 4180 reader. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "tap.h"

static struct csv *
open_text(const char *s, char delim)
{
	return csv_new(s, strlen(s), delim, 16);
}

static void
test_basic(void)
{
	struct csv *c = open_text("a,b,c\r\n1,,3\n", ',');
	struct ig_err err = { 0 };

	is_int(csv_next(c, &err), 1, "first record");
	is_int(csv_nfields(c), 3, "three fields");
	is_str(csv_field(c, 2), "c", "third field");
	is_int(csv_next(c, &err), 1, "second record after CRLF");
	is_str(csv_field(c, 1), "", "empty field");
	is_int(csv_line(c), 2, "second record on line 2");
	is_str(csv_field(c, 9), "", "out of range is empty");
	is_int(csv_next(c, &err), 0, "end");
	csv_free(c);
}

static void
test_quotes(void)
{
	struct csv *c = open_text("\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\nnext,1\n", ',');
	struct ig_err err = { 0 };

	is_int(csv_next(c, &err), 1, "quoted record");
	is_str(csv_field(c, 0), "a,b", "delimiter inside quotes");
	is_str(csv_field(c, 1), "say \"hi\"", "doubled quotes");
	is_str(csv_field(c, 2), "x\ny", "newline inside quotes");
	is_int(csv_next(c, &err), 1, "record after a multi-line one");
	is_int(csv_line(c), 3, "line counts the embedded newline");
	is_str(csv_field(c, 0), "next", "field");
	csv_free(c);
}

static void
test_errors(void)
{
	struct csv *c = open_text("ok\n0123456789abcdefXYZ,1\nafter\n\"open", ',');
	struct ig_err err = { 0 };

	is_int(csv_next(c, &err), 1, "short field fine");
	is_int(csv_next(c, &err), -1, "overlong field fails");
	ok(strstr(err.msg, "longer than 16") != NULL, "message names the cap");
	is_int(csv_next(c, &err), 1, "reader resyncs at the next record");
	is_str(csv_field(c, 0), "after", "the next record");
	is_int(csv_line(c), 3, "on line 3");
	is_int(csv_next(c, &err), -1, "unterminated quote fails");
	is_str(err.msg, "unterminated quoted field", "message");
	is_int(csv_next(c, &err), 0, "then the end");
	csv_free(c);
}

static void
test_misc(void)
{
	struct csv *c = open_text("a\tb;c\n\nx\t\"q\"z\n", '\t');
	struct ig_err err = { 0 };

	is_int(csv_next(c, &err), 1, "tab record");
	is_str(csv_field(c, 1), "b;c", "other delimiters are data");
	is_int(csv_next(c, &err), 1, "blank line is a record");
	ok(csv_blank(c), "and it is blank");
	is_int(csv_next(c, &err), 1, "record");
	is_str(csv_field(c, 1), "qz", "text after a closing quote is kept");
	csv_free(c);
	is_int(csv_sniff("a;b;c\n1;2;3\n", 12), ';', "sniff semicolon");
	is_int(csv_sniff("a\tb\tc,d\n", 8), '\t', "sniff tab");
	is_int(csv_sniff("abc\n", 4), ',', "sniff default comma");
}

/* A NUL would end the C string: the row is rejected, the next one read. */
static void
test_nul(void)
{
	static const char text[] = "kw,1\nab\0cd,10\n\"q\0\",2\nok,3\n";
	struct csv *c = csv_new(text, sizeof text - 1, ',', 0);
	struct ig_err err = { 0 };

	is_int(csv_next(c, &err), 1, "row before the NUL");
	is_int(csv_next(c, &err), -1, "a raw NUL in a field is an error");
	is_str(err.msg, "NUL byte in a field", "which says so");
	ig_err_clear(&err);
	is_int(csv_next(c, &err), -1, "a NUL inside quotes too");
	is_int(csv_next(c, &err), 1, "the next row is read");
	is_str(csv_field(c, 0), "ok", "whole");
	is_int(csv_line(c), 4, "on line 4");
	csv_free(c);
}

int
main(void)
{
	test_nul();
	test_basic();
	test_quotes();
	test_errors();
	test_misc();
	return done_testing();
}
