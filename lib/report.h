/*
 * report.h: the workspace reports behind `igny8 status`, `costs`, `runs`
 * and `log`, written as aligned text (or JSON) to a FILE.
 *
 * Costs the price table could not tell are stored as NULL; reports count
 * them apart and print "unknown", never 0, so a spend total is never
 * quietly low.
 */
#ifndef IG_REPORT_H
#define IG_REPORT_H

#include <stdio.h>
#include <time.h>

#include "compat.h"
#include "err.h"
#include "workspace.h"

enum report_fmt { REPORT_TEXT, REPORT_JSON };

/* Counts per table and status, workspace path and schema version. */
int report_status(struct ws *ws, FILE *out, enum report_fmt fmt,
		  struct ig_err *err);

enum report_by { BY_FUNCTION, BY_MODEL, BY_DAY };

/* Parses "function", "model" or "day"; -1 when unknown. */
int report_by_parse(const char *s);

/* Spend and tokens from ai_log grouped by `by`, since an ISO date (or NULL). */
int report_costs(struct ws *ws, FILE *out, enum report_by by,
		 const char *since, enum report_fmt fmt, struct ig_err *err);

/* The last n runs, oldest first, with a total line. */
int report_runs(struct ws *ws, FILE *out, long n, enum report_fmt fmt,
		struct ig_err *err);

struct report_log {
	long run;		/* run id; -1 = the last run */
	const char *function;	/* NULL = all */
	const char *outcome;	/* NULL = all */
	int steps;		/* show the per-phase steps of each call */
	enum report_fmt fmt;	/* JSON: one call record per line */
};

/* The AI calls of one run.  A missing run is IG_ENOINPUT. */
int report_log(struct ws *ws, FILE *out, const struct report_log *q,
	       struct ig_err *err);

/*
 * Writes the workspace as a static site into dir (created): index.html with
 * the spend by day and by function as inline SVG charts, clusters.html with
 * keywords, volumes and ideas, and articles/SLUG.html, each with its
 * images (the featured and device's in-article ones) copied to images/.
 * Self-contained: no script, no style or font from elsewhere.
 * 0, or -1 with err.
 */
int report_html(struct ws *ws, const char *dir, const char *device,
		struct ig_err *err);

/* Checks an ISO date "YYYY-MM-DD" (optionally with a time after it). */
int report_date_valid(const char *s);

/*
 * A --since value as the UTC timestamp text ai_log.created_at is compared
 * with: an ISO date as given, "today" and "yesterday" (from midnight UTC),
 * or an age N followed by h, d or w ("24h", "7d", "2w") counted back from
 * now.  Returns 0, or -1 when s is none of these.
 */
int report_since(const char *s, time_t now, char *out, size_t n);

#endif
