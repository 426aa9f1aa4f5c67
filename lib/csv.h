/*
 * csv.h: an RFC 4180 record reader over a UTF-8 text in memory.
 *
 * Fields may be quoted; inside quotes a doubled quote is one quote and
 * delimiters and newlines are data.  Records end at LF, CRLF or a lone CR.
 * Being lenient where spreadsheets are sloppy, a quote inside an unquoted
 * field and text after a closing quote are kept as data.  Every field has
 * a cap and every record a field-count cap, so hostile input cannot make
 * the reader grow without bound; an overlong record is reported and
 * skipped, and reading goes on at the next record.
 *
 * Ownership: struct csv is opaque, from csv_new(), freed by csv_free(); it
 * borrows the text, which must outlive it.  Field strings are borrowed
 * until the next csv_next() or csv_free().
 */
#ifndef IG_CSV_H
#define IG_CSV_H

#include "compat.h"
#include "err.h"

struct csv;

#define CSV_MAX_FIELD (64 * 1024)	/* default cap on one field, bytes */
#define CSV_MAX_FIELDS 1024		/* cap on fields per record */

/* A reader over text[0..len); max_field 0 means CSV_MAX_FIELD. */
struct csv *csv_new(const char *text, size_t len, char delim, size_t max_field);
void csv_free(struct csv *c);

/*
 * Reads the next record.  Returns 1 with a record, 0 at the end of the
 * text, -1 for a malformed record (unterminated quote, field or record too
 * long) with err set to IG_EDATA; the reader has then moved past it.
 */
int csv_next(struct csv *c, struct ig_err *err);

size_t csv_nfields(const struct csv *c);
/* Field i of the current record ("" when i is out of range). */
const char *csv_field(const struct csv *c, size_t i);
/* Line on which the current record starts (1-based). */
long csv_line(const struct csv *c);
/* True when the current record is one empty field (a blank line). */
int csv_blank(const struct csv *c);

/*
 * Guesses the delimiter among comma, tab and semicolon from the first few
 * lines: the one that splits them into the most, and most consistent,
 * fields.  Returns ',' when nothing tells.
 */
char csv_sniff(const char *text, size_t len);

#endif
