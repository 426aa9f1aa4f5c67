/*
 * fuzz-jsonl.c: libFuzzer harness for the JSON-lines reader.
 *
 * The input is a stream read by jsonl_each() three ways: stopping at the
 * first bad line, keeping going, and keeping going with a short line cap.
 * Aborts unless every record handed to the callback is an object, line
 * numbers rise strictly, the records before a JSONL_STOP failure are
 * exactly the first records of the keep-going run, and each record printed
 * compactly (as jsonl_write does) reads back as the same record.
 */
#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEN 4096

struct seen {
	long line[MAX_SEEN];	/* line of each record, from where */
	size_t n;		/* records seen (may pass MAX_SEEN) */
	size_t nbad;		/* on_bad calls */
};

static void
on_bad(const char *msg, void *ctx)
{
	struct seen *s = ctx;

	if (strncmp(msg, "fuzz:", 5) != 0)
		abort();	/* every message is located */
	s->nbad++;
}

static cJSON *
parse_line(const char *text, size_t len)
{
	struct ig_err err = { 0 };

	return jsonl_parse_line(text, len, &err);
}

static int
each(cJSON *rec, const char *where, void *ctx, struct ig_err *err)
{
	struct seen *s = ctx;
	const char *colon = strrchr(where, ':');
	long line;

	(void)err;
	if (!cJSON_IsObject(rec) || !colon || strncmp(where, "fuzz:", 5) != 0)
		abort();
	line = strtol(colon + 1, NULL, 10);
	if (line < 1 || (s->n && s->n <= MAX_SEEN && line <= s->line[s->n - 1]))
		abort();
	if (s->n < MAX_SEEN)
		s->line[s->n] = line;
	s->n++;
	/* What the writer prints, the reader reads back unchanged. */
	free(roundtrip(rec, parse_line));
	return 0;
}

static int
run(const uint8_t *data, size_t size, enum jsonl_policy policy, size_t max,
    struct seen *s, struct ig_err *err)
{
	struct jsonl_reader r = { 0 };
	FILE *fp = fmemopen((void *)data, size, "r");
	int rc;

	if (!fp)
		abort();
	r.fp = fp;
	r.name = "fuzz";
	r.max_line = max;
	r.policy = policy;
	r.on_bad = on_bad;
	memset(s, 0, sizeof *s);
	rc = jsonl_each(&r, each, s, err);
	fclose(fp);
	if (r.nbad != s->nbad)
		abort();
	if (policy == JSONL_KEEP_GOING && rc != 0)
		abort();	/* the callback never stops, bad lines never stop */
	if (policy == JSONL_STOP && rc != 0 &&
	    (rc != -1 || err->code != IG_EDATA || strncmp(err->msg, "fuzz:", 5)))
		abort();
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen stop, keep, shortcap;
	struct ig_err err = { 0 };

	if (size == 0)
		return 0;	/* fmemopen refuses an empty buffer */
	run(data, size, JSONL_STOP, 0, &stop, &err);
	run(data, size, JSONL_KEEP_GOING, 0, &keep, &err);
	run(data, size, JSONL_KEEP_GOING, 1 + data[0] % 64, &shortcap, &err);
	/* STOP reads the same records as KEEP_GOING up to its first bad line. */
	if (stop.n > keep.n)
		abort();
	for (size_t i = 0; i < stop.n && i < MAX_SEEN; i++)
		if (stop.line[i] != keep.line[i])
			abort();
	if (stop.n < keep.n && err.code != IG_EDATA)
		abort();
	return 0;
}
