/*
 * cost.h: what an AI call costs, in USD, from the price keys of a config
 * (data/prices.yaml, overridable like any setting; see igny8.yaml(5)).
 *
 * Every function returns 0 and sets *usd_out when the model is priced, and
 * -1 (leaving *usd_out at 0) when it is not: the caller then records the
 * cost as unknown, never as zero.  A model id with a date suffix
 * ("gpt-4.1-mini-2025-04-14") is priced as its base name when the
 * snapshot itself is not listed.  `batch` applies prices.batch_discount.
 */
#ifndef IG_COST_H
#define IG_COST_H

#include "compat.h"

struct config;

/*
 * A chat call.  in_tokens counts all prompt tokens, cached_tokens the part
 * served from the prompt cache (billed at cached_input, or at input when
 * no cached price is listed), out_tokens all completion tokens (reasoning
 * included).
 */
int cost_text(const struct config *cfg, const char *model, long in_tokens,
	      long cached_tokens, long out_tokens, int batch, double *usd_out);

/* An embeddings call of in_tokens input tokens. */
int cost_embed(const struct config *cfg, const char *model, long in_tokens,
	       int batch, double *usd_out);

/*
 * One image: the per-image price prices.image.<model>.<quality>.<size>
 * first; otherwise, when the call reported tokens (in_tokens or out_tokens
 * > 0), the prices.image_tokens.<model> token prices.  Multiply by the
 * number of images yourself.
 */
int cost_image(const struct config *cfg, const char *model,
	       const char *quality, const char *size, long in_tokens,
	       long out_tokens, int batch, double *usd_out);

/*
 * Worst case for one image before the call, for --max-cost: the per-image
 * price, or for quality "auto" (or unset) the dearest listed quality of
 * that size.
 */
int cost_estimate_image(const struct config *cfg, const char *model,
			const char *quality, const char *size,
			double *usd_out);

/* What a Batch API call costs as a share of the same call made directly. */
double cost_batch_factor(const struct config *cfg);

/*
 * Tokens in text, estimated at 4 bytes per token (OpenAI's rule of thumb
 * for English; exact counts need the model's tokenizer).  Good enough to
 * reserve budget, not to bill: bills use the usage the API reports.
 */
long cost_estimate_tokens(const char *text);

/*
 * Worst case of a chat call before it is made (--dry-run, --max-cost
 * reservations): the estimated prompt tokens, none cached, plus the whole
 * max_out as output.
 */
int cost_estimate_text(const struct config *cfg, const char *model,
		       const char *prompt, long max_out, double *usd_out);

#endif
