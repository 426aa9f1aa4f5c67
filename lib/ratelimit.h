/*
 * ratelimit.h: requests/tokens per minute and adaptive concurrency, shared
 * by all worker threads of one provider.
 *
 * Before each attempt a sender calls rl_acquire(), which blocks until the
 * request fits the requests and tokens per minute (learned from the
 * server's x-ratelimit-* headers, or set by rpm/tpm), and the current
 * concurrency ceiling.  Random 429s (without limit headers) halve the
 * ceiling for a cool-down period instead of letting every worker hammer
 * the server; it then grows back one slot at a time.
 */
#ifndef IG_RATELIMIT_H
#define IG_RATELIMIT_H

#include <stdatomic.h>

#include "compat.h"
#include "http.h"

struct ratelimit;

/*
 * What rl_acquire() admitted, handed back to rl_release() so that the
 * server's remaining figures can be matched with what was sent since.
 */
struct rl_ticket {
	double t;			/* when it was admitted */
	double req_debit, tok_debit;	/* running totals, this one included */
};

/* rpm/tpm 0 = learn from headers; max_inflight = --jobs. */
struct ratelimit *rl_new(long rpm, long tpm, int max_inflight);
void rl_free(struct ratelimit *rl);

/*
 * Blocks until a slot is free; returns -1 only if *cancel became set.
 * tk (may be NULL) receives the admission for rl_release().
 */
int rl_acquire(struct ratelimit *rl, long est_tokens, atomic_int *cancel,
	       struct rl_ticket *tk);
/* Gives the slot back, with what the response said (status, headers). */
void rl_release(struct ratelimit *rl, long status,
		const struct http_limits *limits, const struct rl_ticket *tk);
/* Current concurrency ceiling (for progress and tests). */
int rl_ceiling(struct ratelimit *rl);
/* Requests and tokens per minute in force (set or learned), 0 = none. */
void rl_limits(struct ratelimit *rl, long *rpm, long *tpm);
/* Seconds since the last successful answer (or since rl_new). */
double rl_stalled(struct ratelimit *rl);
/* Holds every new acquisition for `seconds` (a server's Retry-After on 429). */
void rl_hold(struct ratelimit *rl, double seconds);
/* Cool-down period after a 429 and between regrowth steps; default 3 s. */
void rl_set_cooldown(struct ratelimit *rl, double seconds);

#endif
