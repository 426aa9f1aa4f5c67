/*
 * jsonl.h: JSON-lines records in and out.
 *
 * jsonl_each() owns the read loop of every filter: it reads one bounded
 * line at a time, tracks "name:line", rejects invalid UTF-8, overlong lines
 * and lines that are not JSON objects with a located message, and calls
 * back once per record.  Blank lines are skipped.
 *
 * The writer emits one compact object per line and flushes after each
 * record unless stdout is a regular file, so the next stage of a pipeline
 * starts work at once.  A failed write (EPIPE, ENOSPC) is reported once.
 */
#ifndef IG_JSONL_H
#define IG_JSONL_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "compat.h"
#include "err.h"

/*
 * Per-record callback.  `rec` is borrowed for the duration of the call;
 * `where` is "name:line".  Return 0 to go on, > 0 to stop reading without
 * error, < 0 to stop with err set.
 */
typedef int (*jsonl_cb)(cJSON *rec, const char *where, void *ctx,
			struct ig_err *err);

enum jsonl_policy {
	JSONL_STOP = 0,		/* first bad line ends the loop (IG_EDATA) */
	JSONL_KEEP_GOING = 1	/* bad lines are reported through on_bad and skipped */
};

struct jsonl_reader {
	FILE *fp;
	const char *name;	/* "stdin" or the file name, for messages */
	size_t max_line;	/* bytes, 0 = 1 MiB */
	enum jsonl_policy policy;
	/* Called for each skipped bad line under JSONL_KEEP_GOING. */
	void (*on_bad)(const char *msg, void *ctx);
	/* A line that is not JSON (it does not start with '{') becomes
	 * {"type": plain_type, plain_field: the line}; NULL = an error. */
	const char *plain_type, *plain_field;
	size_t nbad;		/* out: lines skipped */
	long line;		/* out: last line number read */
};

/* Returns 0 at end of input, > 0 if a callback stopped it, -1 on error. */
int jsonl_each(struct jsonl_reader *r, jsonl_cb cb, void *ctx,
	       struct ig_err *err);

/*
 * Reads the next line of fp, without its newline, keeping at most its first
 * max bytes in b, so one huge line costs no more memory than max; *len is
 * the whole line's length (over max: too long).  Returns 1 for a line, 0 at
 * the end of the file, -1 when out of memory.
 */
int jsonl_read_line(FILE *fp, struct buf *b, size_t max, size_t *len);

/* Parses one line (no newline) as a record; for tests and the fuzzer. */
cJSON *jsonl_parse_line(const char *line, size_t len, struct ig_err *err);

/* True when s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t len);

/*
 * Writes rec as one line to out.  Returns -1 with IG_EIO set when the write
 * failed; after the first failure further writes fail at once.  EPIPE is
 * reported with code IG_EIO and msg "broken pipe" so callers can stop
 * quietly.
 */
int jsonl_write(FILE *out, const cJSON *rec, struct ig_err *err);

/*
 * From now on jsonl_write() to stdout calls render (which returns -1 when
 * a write failed) instead of writing the JSON line, and flushes after each
 * record; NULL restores JSON lines.  Set once, before any record is
 * written: a filter whose stdout is a terminal uses render_record().
 */
void jsonl_set_render(int (*render)(FILE *out, const cJSON *rec));

/* Flushes and checks out at the end of a run (fclose semantics for stdout). */
int jsonl_finish(FILE *out, struct ig_err *err);

/* Was the last failure a broken pipe (downstream closed)? */
int jsonl_broken_pipe(void);

/*
 * Whether out can no longer be written: a write failed, or (without
 * writing) the reader of its pipe has gone, which poll() reports as an
 * error on the write end.  The second counts as a broken pipe.  Lets a
 * run stop before paying for records nobody will read.
 */
int jsonl_out_gone(FILE *out);

#endif
