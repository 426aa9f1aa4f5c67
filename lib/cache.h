/*
 * cache.h: the response cache in the workspace.  A key is the SHA-256 of
 * the provider's base URL and the exact request body (model, messages,
 * parameters), so any change to the prompt, model or settings misses.
 * Only answers that parsed and passed their schema are stored.
 */
#ifndef IG_CACHE_H
#define IG_CACHE_H

#include "compat.h"
#include "err.h"
#include "workspace.h"

#define CACHE_KEY_LEN 65	/* 64 hex digits and a NUL */

void cache_key(const char *base_url, const char *body, char out[CACHE_KEY_LEN]);

struct cache_hit {
	char *response;		/* malloc'd answer text */
	long tokens_in, tokens_out, tokens_cached;
};

/* 1 and *hit filled on a hit, 0 on a miss. */
int cache_get(struct ws *ws, const char *key, struct cache_hit *hit);
int cache_put(struct ws *ws, const char *key, const char *function,
	      const char *model, const char *response, long tokens_in,
	      long tokens_out, long tokens_cached, struct ig_err *err);

#endif
