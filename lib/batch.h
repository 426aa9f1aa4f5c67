/*
 * batch.h: the OpenAI Batch API as a way to run a stage at half price.
 *
 * Design: under --batch, ai_chat() does not send a request; it adds the
 * exact body a direct run would POST to the run's batch (batch_add) and the
 * job ends as "submitted".  The items are written to the workspace at once,
 * under a placeholder batch "local:<run id>", so a record is never
 * submitted twice, even by a concurrent process.  After the pool,
 * batch_submit() uploads them as JSON lines (/files, purpose batch),
 * creates the batch (/batches, 24h) and moves the items to its real id.
 *
 * Collecting is two steps.  batch_poll() asks the provider about every
 * batch not yet collected and, for those that ended, downloads the output
 * and error files into the items ("answered" with the response body, or
 * "error").  Then the stage runs again over the items' records: ai_chat()
 * finds the answer with batch_lookup() and treats it as the reply to its
 * request (same PARSE and SAVE, cost logged at the batch price), and
 * batch_close() marks the batches collected.  Crash points: a placeholder
 * of a dead run that never started uploading is dropped (batch_reap), so
 * its records are submitted again; one that was uploading is matched
 * against the provider's batches by the metadata igny8_batch when polled.
 *
 * Ownership: strings in struct batch_item are malloc'd, released with
 * batch_item_release().
 */
#ifndef IG_BATCH_H
#define IG_BATCH_H

#include <stdio.h>

#include "compat.h"
#include "config.h"
#include "err.h"
#include "workspace.h"

struct run;
struct worker;

/* What the workspace holds for one record of a function. */
enum batch_state {
	BATCH_NONE,		/* no item: send directly, or submit */
	BATCH_PENDING,		/* submitted, batch not ended: wait */
	BATCH_ANSWERED,		/* an answer is waiting to be used */
	BATCH_FAILED		/* the last item errored: retry or resubmit */
};

struct batch_item {
	char *custom_id;
	char *batch_id;
	char *request;		/* the body that was submitted */
	char *response;		/* response body (BATCH_ANSWERED) */
	char *request_id;
	char *error;		/* why it failed (BATCH_FAILED) */
};

void batch_item_release(struct batch_item *it);

/* The state of (function, ref); fills *it_out except for BATCH_NONE. */
enum batch_state batch_lookup(struct ws *ws, const char *function,
			      const char *ref, struct batch_item *it_out);

/*
 * Adds a request of the AI function to run_id's batch, which belongs to
 * the stage (and its RUN_* flags) that collects it.  key is the request's
 * cache key, body exactly what a direct run would POST.  Returns
 * BATCH_NONE when added, BATCH_PENDING (with *batch_out, malloc'd) when
 * another item for ref went in first, -1 on a workspace error.
 */
int batch_add(struct ws *ws, long run_id, const char *stage, unsigned flags,
	      const char *function, const char *provider, const char *ref,
	      const char *key, const char *body, char **batch_out,
	      struct ig_err *err);

/* Marks an item "collected" (answer used) or "error", or "retried". */
int batch_item_set(struct ws *ws, const char *custom_id, const char *status,
		   const char *error, struct ig_err *err);

/*
 * After the pool: uploads run's items and creates the batch(es).  Returns
 * the number of requests submitted, or -1 with err set (the items are
 * then removed, so a rerun submits them).
 */
long batch_submit(struct run *run, struct worker *w, struct ig_err *err);
/* Drops run_id's unsent items (an interrupted run). */
void batch_abandon(struct ws *ws, long run_id);
/* Drops unsent placeholders of dead runs. */
void batch_reap(struct ws *ws);

struct batch_poll_stats {
	long pending;		/* batches still running at the provider */
	long ended;		/* batches whose results are in the items */
	long answered, failed;	/* items downloaded in this poll */
};

/*
 * Polls the batches not yet collected (all, or the n ids given) and stores
 * the results of those that ended.  Notes go to note() (may be NULL).
 */
int batch_poll(struct ws *ws, const struct config *cfg, char *const *ids,
	       int n, void (*note)(const char *msg), struct batch_poll_stats *st,
	       struct ig_err *err);

/*
 * Ended batches not yet collected come in groups, one per function and
 * RUN_* switches of the submitting run: each group is collected by one
 * run of its stage with those switches.
 */
struct batch_group {
	char *function;		/* the stage: ideas, write, image */
	unsigned flags;
};

/* The groups (of the ids given, or all); *out malloc'd, freed with batch_groups_free. */
long batch_groups(struct ws *ws, char *const *ids, int n,
		  struct batch_group **out);
void batch_groups_free(struct batch_group *g, long n);

/*
 * The records of a group with results to use (ids of input_type, as in
 * "cluster:12"), in id order.  *ids_out is malloc'd.  Returns the count,
 * -1 on error.
 */
long batch_refs(struct ws *ws, const struct batch_group *g,
		const char *input_type, char *const *ids, int n, long **ids_out,
		struct ig_err *err);

/* Marks the group's ended batches (of the ids given, or all) collected. */
int batch_close(struct ws *ws, const struct batch_group *g, char *const *ids,
		int n, struct ig_err *err);

/* `igny8 batch status`: one line (or JSON object) per batch. */
int batch_report(struct ws *ws, FILE *out, int json, struct ig_err *err);

/*
 * The top-level "custom_id" of an output file's line, found without
 * parsing it (a line over run.max_body is not parsed, and only its start
 * is kept): strings and nesting are followed, so a "custom_id" inside the
 * answer cannot pass for it.  Copies it into out and returns out; NULL
 * when there is none, when it is empty, escaped or holds a control
 * character (never one of ours), or when it does not fit in outsz.
 */
const char *batch_line_custom_id(const char *s, size_t len, char *out, size_t outsz);

#endif
