/*
 * export.h: workspace rows as JSON-lines records.
 *
 * Each exported row is one object with "type" (keyword, cluster, idea,
 * task, content, image, run, call, batch, prompt) followed by its columns;
 * columns that hold JSON text (outlines, keyword lists, tags, steps) are
 * parsed back into JSON.  The pipe record types (keyword ... image) are
 * the records the stages write (records.c), so an export can be piped
 * into the next stage.
 *
 * Ownership: returned cJSON trees belong to the caller.
 */
#ifndef IG_EXPORT_H
#define IG_EXPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "compat.h"
#include "err.h"
#include "workspace.h"

/* Filters; NULL or -1 means "any".  Not every table has every column. */
struct export_filter {
	const char *status;	/* status (outcome for calls) */
	long run;		/* run id */
	long cluster;		/* cluster id (keywords, ideas, clusters) */
	const char *function;	/* AI function (calls, batches) */
};

#define EXPORT_FILTER_INIT { NULL, -1, -1, NULL }

/* Space-separated names of the exportable tables, for usage messages. */
const char *export_table_names(void);

/*
 * Writes the rows of table (a table name like "keywords" or its record
 * type like "keyword"; "calls" and "ai_log" both name the AI-call log) to
 * out as JSON lines.  An unknown table or a filter the table lacks is
 * IG_EUSAGE; a failed write is IG_EIO.  Returns the number of rows or -1.
 */
long export_table(struct ws *ws, const char *table,
		  const struct export_filter *f, FILE *out, struct ig_err *err);


#endif
