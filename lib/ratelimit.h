/*
 * ratelimit.h: requests/tokens per minute and adaptive concurrency, shared
 * by all worker threads of one provider.
 *
 * Before each attempt a sender calls rl_acquire(), which blocks until the
 * request fits the configured requests and tokens per minute, the server's
 * x-ratelimit-remaining-* figures, and the current concurrency ceiling.  A
 * 429 halves the ceiling for a cool-down period instead of letting every
 * worker hammer the server; it then grows back one slot at a time.
 */
#ifndef IG_RATELIMIT_H
#define IG_RATELIMIT_H

#include <stdatomic.h>

#include "compat.h"
#include "http.h"

struct ratelimit;

/* rpm/tpm 0 = unlimited; max_inflight = --jobs. */
struct ratelimit *rl_new(long rpm, long tpm, int max_inflight);
void rl_free(struct ratelimit *rl);

/* Blocks until a slot is free; returns -1 only if *cancel became set. */
int rl_acquire(struct ratelimit *rl, long est_tokens,
	       atomic_int *cancel);
/* Gives the slot back, with what the response said (status, headers). */
void rl_release(struct ratelimit *rl, long status,
		const struct http_limits *limits);
/* Current concurrency ceiling (for progress and tests). */
int rl_ceiling(struct ratelimit *rl);
/* Holds every new acquisition for `seconds` (a server's Retry-After on 429). */
void rl_hold(struct ratelimit *rl, double seconds);
/* Cool-down period after a 429 and between regrowth steps; default 3 s. */
void rl_set_cooldown(struct ratelimit *rl, double seconds);

#endif
