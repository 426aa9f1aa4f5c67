/*
 * fuzz-csv.c: libFuzzer harness for the CSV reader and the importer's
 * decoding, format detection and row mapping.
 *
 * The first byte picks the delimiter and the field cap; the rest is the
 * text.  Aborts unless the reader always moves on (one record per call at
 * most as many calls as bytes), every field fits the cap, field counts fit
 * CSV_MAX_FIELDS, record lines never go back, and csv_sniff() answers one
 * of its three delimiters.  The whole input then goes through
 * imp_decode() and imp_parse() under every format and both policies; each
 * row handed on must carry a non-empty keyword of at most 500 bytes of
 * valid UTF-8, a volume >= -1 and a difficulty <= 100, located at
 * "name:line".
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "import.h"
#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_all(const char *text, size_t len, char delim, size_t max_field)
{
	size_t cap = max_field ? max_field : CSV_MAX_FIELD;
	struct csv *c = csv_new(text, len, delim, max_field);
	struct ig_err err = { 0 };
	long last = 1;
	size_t calls = 0;
	int got;

	if (!c)
		abort();
	while ((got = csv_next(c, &err)) != 0) {
		if (++calls > len + 1)
			abort();	/* no progress */
		if (got < 0) {
			if (err.code != IG_EDATA || csv_nfields(c) != 0)
				abort();
			continue;
		}
		if (csv_line(c) < last || csv_nfields(c) == 0 ||
		    csv_nfields(c) > CSV_MAX_FIELDS)
			abort();
		last = csv_line(c);
		for (size_t i = 0; i < csv_nfields(c); i++)
			if (strlen(csv_field(c, i)) > cap)
				abort();
		if (*csv_field(c, csv_nfields(c)) != '\0')
			abort();
	}
	csv_free(c);
}

static int
row(const struct kw_fields *f, const char *where, void *ctx,
    struct ig_err *err)
{
	const char *name = ctx;
	size_t n = strlen(name);

	(void)err;
	if (!f->keyword || !*f->keyword || strlen(f->keyword) > 500 ||
	    !utf8_valid(f->keyword, strlen(f->keyword)))
		abort();
	if (f->volume < -1 || f->difficulty > 100 ||
	    (f->difficulty < 0 && f->difficulty != -1))
		abort();
	if (strncmp(where, name, n) != 0 || where[n] != ':' ||
	    strtol(where + n + 1, NULL, 10) < 1)
		abort();
	return 0;
}

static void
import_all(const char *raw, size_t size)
{
	static const char *const names[] = { "fuzz", "fuzz.csv", "fuzz.txt",
					     "fuzz.jsonl" };
	struct ig_err err = { 0 };
	size_t len;
	char *text = imp_decode(raw, size, &len, &err);

	if (!text)
		return;
	if (text[len] != '\0')
		abort();
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		for (int kg = 0; kg < 2; kg++) {
			struct imp_opts o = { IMP_AUTO, NULL, kg, 0, NULL, NULL };
			struct imp_stats st = { 0 };

			ig_err_clear(&err);
			if (imp_parse(names[i], text, len, &o, row,
				      (void *)names[i], &st, &err) < 0 &&
			    err.code != IG_EDATA)
				abort();
			if (!kg && st.skipped)
				abort();
		}
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = { ',', '\t', ';', '"' };
	const char *text = (const char *)data + 1;
	char sniffed;

	if (size == 0)
		return 0;
	read_all(text, size - 1, delims[data[0] & 3], (data[0] >> 2) % 16);
	sniffed = csv_sniff(text, size - 1);
	if (sniffed != ',' && sniffed != '\t' && sniffed != ';')
		abort();
	read_all(text, size - 1, sniffed, 0);
	import_all(text, size - 1);
	return 0;
}
