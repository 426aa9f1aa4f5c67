/*
 * ai.h: the one way to ask a model for a structured answer.
 *
 * ai_chat() renders the prompt, then: answers from the workspace cache when
 * it can (free); under --dry-run emits the request it would send with its
 * estimated cost and sends nothing; reserves the worst-case cost against
 * --max-cost; sends through the provider (retries live in http.c); treats
 * a "length" finish as truncation (one retry with twice the room, then a
 * clear failure) and "content_filter" or a refusal as refused; extracts and
 * checks the JSON against the prompt's schema, with one repair turn when
 * the answer is malformed; caches good answers; and logs every call with
 * its tokens, cost, duration and outcome in ai_log.  Under --batch it
 * queues the request for the Batch API instead of sending it.
 */
#ifndef IG_AI_H
#define IG_AI_H

#include <cjson/cJSON.h>

#include "compat.h"
#include "engine.h"
#include "err.h"
#include "prompt.h"

enum ai_result { AI_OK = 0, AI_DRY_RUN = 1, AI_BATCHED = 2 };

/*
 * Returns AI_OK with *answer_out (caller frees), AI_DRY_RUN with nothing
 * sent, AI_BATCHED with nothing sent because the request went into the
 * run's batch (--batch) or is waiting in one (see batch.h), or -1 with err
 * set (IG_EBUDGET when the budget forbids the call).  An answer downloaded
 * from a batch for this record is used as the reply (logged at the batch
 * price) before the cache is asked.
 */
int ai_chat(struct worker *w, struct job *job, const char *fn,
	    const struct prompt *p, const struct prompt_vars *vars,
	    cJSON **answer_out, struct ig_err *err);

/*
 * What a function adds to ai_chat(): `check` is called on a fresh answer
 * that matches the schema; when it returns -1 with err set (IG_EPROTO),
 * the answer goes to the repair turn with err's message, and the repaired
 * answer is held to the schema only (the caller checks it again and
 * flags what is still wrong).  `max_tokens` > 0 lowers the output cap to
 * what the request needs, unless the user set functions.<fn>.max_tokens.
 */
struct ai_opts {
	int (*check)(const cJSON *answer, void *ctx, struct ig_err *err);
	void *ctx;
	long max_tokens;
};
int ai_chat_opts(struct worker *w, struct job *job, const char *fn,
		 const struct prompt *p, const struct prompt_vars *vars,
		 const struct ai_opts *o, cJSON **answer_out, struct ig_err *err);

/* The model a function uses: --model, then front matter, then config. */
const char *ai_model(struct run *run, const char *fn, const struct prompt *p);

/*
 * Logs one non-chat call (embeddings, images, moderation) in ai_log and
 * the run totals.  cost < 0 = unknown.
 */
struct ai_logrec {
	const char *function, *provider, *model, *endpoint, *outcome, *error;
	const char *request_id;
	long http_status, tokens_in, tokens_out, tokens_cached;
	int attempts, cached, batch;
	double cost, seconds;
	int settled;	/* cost already counted by ai_budget_settle() */
	/* what was sent and received, kept by bodies_keep(); may be NULL */
	const char *request_body, *response_body;
};
long ai_log(struct worker *w, struct job *job, const struct ai_logrec *r);

/*
 * Budget for --max-cost: reserve an estimate before a call; settle after
 * it, which in one step releases the reservation and counts the actual
 * cost (< 0: unknown), so that the budget never sees neither.  Log the
 * call with settled set, so that its cost is not counted twice.
 */
int ai_budget_reserve(struct run *run, double usd, struct ig_err *err);
void ai_budget_settle(struct run *run, double reserved, double actual);
/* 1 when --max-cost (or run.max_cost) bounds this run's spending. */
int ai_budget_active(const struct run *run);

#endif
