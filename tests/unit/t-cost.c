/* t-cost.c: call costs from the price keys, and unknown models. */
#include "compat.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cost.h"
#include "tap.h"

#define near(got, want, ...) \
	do { \
		double g_ = (got), w_ = (want); \
		ok(fabs(g_ - w_) < 1e-12, __VA_ARGS__); \
		if (fabs(g_ - w_) >= 1e-12) \
			diag("got %.12f, want %.12f", g_, w_); \
	} while (0)

static const char prices[] =
	"batch_discount: 0.5\n"
	"text:\n"
	"  gpt-4.1-mini: {input: 0.40, cached_input: 0.10, output: 1.60}\n"
	"  plain: {input: 1.00, output: 2.00}\n"
	"  half: {input: 1.00}\n"
	"embed:\n"
	"  text-embedding-3-small: {input: 0.02}\n"
	"image:\n"
	"  gpt-image-1.5:\n"
	"    low: {1024x1024: 0.009, 1536x1024: 0.013}\n"
	"    high: {1024x1024: 0.133, 1536x1024: 0.2}\n"
	"image_tokens:\n"
	"  gpt-image-1.5: {input: 5.00, output: 40.00}\n";

int
main(void)
{
	struct config *cfg = config_new();
	struct ig_err err = { 0 };
	double usd = -1;

	is_int(config_load_buffer(cfg, "prices", prices, strlen(prices), "prices",
				  &err), 0, "price table loads: %s", err.msg);

	is_int(cost_text(cfg, "gpt-4.1-mini", 1000000, 0, 1000000, 0, &usd), 0,
	       "priced model");
	near(usd, 2.00, "1M in + 1M out");
	cost_text(cfg, "gpt-4.1-mini", 1000, 400, 500, 0, &usd);
	near(usd, (600 * 0.40 + 400 * 0.10 + 500 * 1.60) / 1e6,
	     "cached tokens billed at cached_input");
	cost_text(cfg, "gpt-4.1-mini", 1000, 400, 500, 1, &usd);
	near(usd, (600 * 0.40 + 400 * 0.10 + 500 * 1.60) / 2e6, "batch halves");
	cost_text(cfg, "plain", 1000, 1000, 0, 0, &usd);
	near(usd, 1000 * 1.00 / 1e6, "no cached price: input price");
	cost_text(cfg, "gpt-4.1-mini", 100, 900, 0, 0, &usd);
	near(usd, 100 * 0.10 / 1e6, "cached capped at input");
	is_int(cost_text(cfg, "gpt-4.1-mini-2025-04-14", 1000000, 0, 0, 0, &usd),
	       0, "dated snapshot priced as its base model");
	near(usd, 0.40, "snapshot price");

	usd = 7;
	is_int(cost_text(cfg, "no-such-model", 10, 0, 10, 0, &usd), -1,
	       "unknown model is -1");
	near(usd, 0, "usd left at 0 for unknown");
	is_int(cost_text(cfg, "half", 10, 0, 10, 0, &usd), -1,
	       "model without an output price is unknown");
	is_int(cost_text(cfg, NULL, 10, 0, 10, 0, &usd), -1, "NULL model");

	is_int(cost_embed(cfg, "text-embedding-3-small", 500000, 0, &usd), 0,
	       "embed priced");
	near(usd, 0.01, "embed cost");
	is_int(cost_embed(cfg, "gpt-4.1-mini", 10, 0, &usd), -1,
	       "text model is not an embed model");

	is_int(cost_image(cfg, "gpt-image-1.5", "high", "1536x1024", 0, 0, 0,
			  &usd), 0, "per-image price with a dotted model");
	near(usd, 0.2, "per-image");
	cost_image(cfg, "gpt-image-1.5", "high", "1536x1024", 0, 0, 1, &usd);
	near(usd, 0.1, "per-image batch");
	is_int(cost_image(cfg, "gpt-image-1.5", "auto", "1024x1024", 50, 4000,
			  0, &usd), 0, "auto quality falls to token prices");
	near(usd, (50 * 5.0 + 4000 * 40.0) / 1e6, "image tokens");
	is_int(cost_image(cfg, "gpt-image-1.5", "auto", "1024x1024", 0, 0, 0,
			  &usd), -1, "no table entry and no tokens: unknown");
	is_int(cost_image(cfg, "runware:100@1", "auto", "1024x1024", 0, 0, 0,
			  &usd), -1, "unpriced image model");

	is_int(cost_estimate_image(cfg, "gpt-image-1.5", "auto", "1024x1024",
				   &usd), 0, "estimate for auto");
	near(usd, 0.133, "auto takes the dearest quality");
	cost_estimate_image(cfg, "gpt-image-1.5", "low", "1024x1024", &usd);
	near(usd, 0.009, "estimate for a set quality");
	is_int(cost_estimate_image(cfg, "gpt-image-1", "auto", "1024x1024",
				   &usd), -1, "prefix of another model is not it");

	is_int(cost_estimate_tokens(""), 0, "empty text");
	is_int(cost_estimate_tokens("abcd"), 1, "4 bytes a token");
	is_int(cost_estimate_tokens("abcde"), 2, "rounded up");
	is_int(cost_estimate_text(cfg, "gpt-4.1-mini", "abcdefgh", 1000, &usd), 0,
	       "estimate priced");
	near(usd, (2 * 0.40 + 1000 * 1.60) / 1e6, "whole max_tokens as output");
	is_int(cost_estimate_text(cfg, "mystery", "x", 1, &usd), -1,
	       "estimate unknown");

	config_set(cfg, "prices.text.mystery.input", "3", "--test", &err);
	config_set(cfg, "prices.text.mystery.output", "4", "--test", &err);
	is_int(cost_text(cfg, "mystery", 1000000, 0, 0, 0, &usd), 0,
	       "price added by config_set");
	near(usd, 3.0, "its price");

	config_free(cfg);
	ig_secrets_free();
	return done_testing();
}
