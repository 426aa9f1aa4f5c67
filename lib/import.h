/*
 * import.h: keyword importers: JSON lines, plain text, and the CSV exports
 * of Google Keyword Planner, Ahrefs and Semrush.
 *
 * A file is read whole (up to IMP_MAX_FILE bytes), decoded to UTF-8 (a
 * UTF-16LE/BE byte-order mark, or the zero bytes of BOM-less UTF-16, mean
 * UTF-16; a UTF-8 BOM is dropped), then its format is told from the name
 * and the content.  CSV exports are recognised by a header row (within the
 * first IMP_HEADER_SCAN records, so title lines above it are skipped) that
 * has a "Keyword" column; the delimiter is the one of comma, tab and
 * semicolon that yields that header.  Columns are mapped by name, see
 * import.c.  Every row becomes a struct kw_fields and goes through
 * kw_upsert().
 *
 * Bad rows are reported through a callback with "file:line" and why.
 * Policy: without keep_going the first bad row fails the whole import
 * (IG_EDATA) and imp_run() rolls everything back; with keep_going bad rows
 * are skipped and counted, the good ones are committed, and imp_run()
 * returns IG_EDATA after committing so the caller exits 65 at the end.
 *
 * Ownership: strings in struct imp_opts are borrowed for the call.
 */
#ifndef IG_IMPORT_H
#define IG_IMPORT_H

#include "compat.h"
#include "err.h"
#include "keyword.h"
#include "workspace.h"

#define IMP_MAX_FILE (256L * 1024 * 1024)	/* bytes per input file */
#define IMP_HEADER_SCAN 10			/* records searched for a header */

enum imp_format { IMP_AUTO, IMP_JSONL, IMP_TEXT, IMP_CSV };

/* Parses "auto", "jsonl", "text" or "csv"; -1 when unknown. */
int imp_format_parse(const char *s);
const char *imp_format_name(int format);

/* Called per keyword row: where is "name:line"; f's strings are borrowed. */
typedef int (*imp_row_cb)(const struct kw_fields *f, const char *where,
			  void *ctx, struct ig_err *err);
/* Called per skipped row (keep_going) with "name:line" and the reason. */
typedef void (*imp_skip_cb)(const char *where, const char *why, void *ctx);

struct imp_opts {
	int format;		/* enum imp_format */
	const char *sector;	/* sector for rows that name none; NULL = none */
	int keep_going;		/* skip bad rows instead of failing */
	int dry_run;		/* imp_run(): roll back instead of committing */
	imp_skip_cb on_skip;	/* may be NULL */
	void *ctx;		/* passed to on_skip */
};

struct imp_stats {
	long imported;		/* rows saved (new + updated + unchanged) */
	long inserted;		/* new keywords */
	long updated;		/* existing keywords whose fields changed */
	long skipped;		/* bad rows skipped under keep_going */
};

/*
 * Decodes raw file bytes to UTF-8 (see above).  Returns a malloc'd,
 * NUL-terminated text and its length in *len_out, or NULL with err.
 */
char *imp_decode(const char *raw, size_t len, size_t *len_out,
		 struct ig_err *err);

/*
 * Parses decoded text named `name` (for messages and the extension) and
 * calls row for every keyword row.  Skipped rows add to st->skipped.
 * Returns 0, or -1 with err (a bad row without keep_going, a CSV without a
 * keyword column, or the callback's error).
 */
int imp_parse(const char *name, const char *text, size_t len,
	      const struct imp_opts *o, imp_row_cb row, void *ctx,
	      struct imp_stats *st, struct ig_err *err);

/*
 * Volume text as exports write it ("1,900", "1.9K", "10K – 100K" takes the
 * lower bound, "<10" is 0, "" and "-" unknown) into *out (-1 = unknown).
 * Returns 0, or -1 when the text is not a volume.
 */
int imp_parse_volume(const char *s, long *out);
/* Difficulty 0..100 ("45", "45%", Keyword Planner's Low/Medium/High as
 * 25/50/75) into *out (-1 = unknown).  Returns 0, or -1 when invalid. */
int imp_parse_difficulty(const char *s, double *out);

/*
 * Imports the files (path "-" = stdin) into ws in one transaction, as the
 * policy above says.  A missing file is IG_ENOINPUT and nothing is saved.
 * Returns 0 or -1 with err; with keep_going and skipped rows, returns -1
 * with IG_EDATA after committing (st tells what was saved).
 */
int imp_run(struct ws *ws, char *const *paths, int n,
	    const struct imp_opts *o, struct imp_stats *st, struct ig_err *err);

#endif
