/*
 * events.h: what a run reports, as one stream of events.
 *
 * The library never prints.  The engine and the run (and, through msg.c's
 * sink, every module's messages) hand each event to one callback; the
 * status line, the --progress json lines and the summary are consumers of
 * that one stream (progress_event() in progress.c is the filters' own).  A
 * program built on libigny8 can pass its own callback in run_opts.
 *
 * An event lives for the call only: copy what you keep.  Callbacks are
 * called from any thread of the run, so they must be thread-safe.
 */
#ifndef IG_EVENTS_H
#define IG_EVENTS_H

#include "compat.h"

enum ev_type {
	EV_MESSAGE,	/* level, text: an error, warning, note or detail */
	EV_TOTAL,	/* n: more records to do */
	EV_PHASE,	/* ref, what: a record entered a phase ("AI_CALL") */
	EV_RETRY,	/* ref, attempt, wait, text: a request will be retried */
	EV_USAGE,	/* tokens_in, tokens_out, cost: spend of one call */
	EV_RECORD,	/* ref, what ("done", "failed", "skipped", "submitted"),
			 * text (the error or why skipped, or NULL) */
	EV_OUTPUT,	/* records are about to go to stdout: a display on
			 * the same terminal takes its line away first */
	EV_SUMMARY,	/* summary: the last event of a run */
	EV_NOTICE	/* what: an event of its own name for --progress json,
			 * text: a JSON object of its fields (or NULL); a
			 * text display says it through an EV_MESSAGE instead */
};

/* Levels of EV_MESSAGE, most important first (as enum msg_level's filter). */
enum ev_level { EV_ERROR, EV_WARNING, EV_NOTE, EV_VERBOSE, EV_DEBUG };

/* The totals of a run, as the summary line and event give them. */
struct ev_summary {
	long done, failed, skipped, submitted, written;
	long tokens_in, tokens_out;
	double cost;		/* known spend, USD */
	long cost_unknown;	/* calls whose cost could not be priced */
	int dry_run;
	double est_cost;	/* --dry-run: estimated spend */
	double seconds;
	int status;		/* the exit status */
};

struct ev {
	enum ev_type type;
	enum ev_level level;
	const char *ref;
	const char *what;
	const char *text;
	int attempt;
	double wait;
	long n, tokens_in, tokens_out;
	double cost;
	const struct ev_summary *summary;
};

typedef void (*ev_fn)(void *ctx, const struct ev *ev);

const char *ev_level_name(enum ev_level level);

#endif
