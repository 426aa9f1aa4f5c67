/*
 * cost.c: prices of AI calls from the config's prices.* keys.
 *
 * Prices are per 1M tokens (text, embeddings, image tokens) or per image;
 * all arithmetic is in double USD, which is exact enough for logging and
 * budgets (a call costs cents; doubles carry 15 significant digits).
 */
#include "compat.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cost.h"

#define PER_M 1e6

/* "gpt-4.1-mini-2025-04-14" -> length of "gpt-4.1-mini", else 0. */
static size_t
snapshot_base(const char *model)
{
	static const char shape[] = "-dddd-dd-dd";
	size_t n = strlen(model), m = sizeof shape - 1;

	if (n <= m)
		return 0;
	for (size_t i = 0; i < m; i++) {
		char c = model[n - m + i];

		if (shape[i] == 'd' ? !isdigit((unsigned char)c) : c != '-')
			return 0;
	}
	return n - m;
}

/* prices.<kind>.<model>.<field>, trying a snapshot's base name second. */
static int
price(const struct config *cfg, const char *kind, const char *model,
      const char *field, double *out)
{
	const char *v;
	size_t base;

	if (!model || !*model)
		return -1;
	v = config_getf(cfg, "prices.%s.%s.%s", kind, model, field);
	base = snapshot_base(model);
	if (!v && base)
		v = config_getf(cfg, "prices.%s.%.*s.%s", kind, (int)base,
				model, field);
	if (!v)
		return -1;
	*out = strtod(v, NULL);
	return 0;
}

static double
factor(const struct config *cfg, int batch)
{
	return batch ? 1.0 - config_num(cfg, "prices.batch_discount") : 1.0;
}

double
cost_batch_factor(const struct config *cfg)
{
	return factor(cfg, 1);
}

static long
nonneg(long n)
{
	return n > 0 ? n : 0;
}

/* Shared by text and image-token billing: kind is "text" or "image_tokens". */
static int
tokens(const struct config *cfg, const char *kind, const char *model,
       long in, long cached, long out, int batch, double *usd_out)
{
	double pin, pcached, pout;

	*usd_out = 0;
	in = nonneg(in);
	out = nonneg(out);
	cached = nonneg(cached) < in ? nonneg(cached) : in;
	if (price(cfg, kind, model, "input", &pin) < 0 ||
	    price(cfg, kind, model, "output", &pout) < 0)
		return -1;
	if (price(cfg, kind, model, "cached_input", &pcached) < 0)
		pcached = pin;
	*usd_out = ((double)(in - cached) * pin + (double)cached * pcached +
		    (double)out * pout) / PER_M * factor(cfg, batch);
	return 0;
}

int
cost_text(const struct config *cfg, const char *model, long in_tokens,
	  long cached_tokens, long out_tokens, int batch, double *usd_out)
{
	return tokens(cfg, "text", model, in_tokens, cached_tokens, out_tokens,
		      batch, usd_out);
}

int
cost_embed(const struct config *cfg, const char *model, long in_tokens,
	   int batch, double *usd_out)
{
	double pin;

	*usd_out = 0;
	if (price(cfg, "embed", model, "input", &pin) < 0)
		return -1;
	*usd_out = (double)nonneg(in_tokens) * pin / PER_M * factor(cfg, batch);
	return 0;
}

/* prices.image.<model>.<quality>.<size>; the size is one key part. */
static int
per_image(const struct config *cfg, const char *model, const char *quality,
	  const char *size, double *out)
{
	char field[128];

	if (!quality || !size || strchr(quality, '.') || strchr(size, '.'))
		return -1;
	snprintf(field, sizeof field, "%s.%s", quality, size);
	return price(cfg, "image", model, field, out);
}

int
cost_image(const struct config *cfg, const char *model, const char *quality,
	   const char *size, long in_tokens, long out_tokens, int batch,
	   double *usd_out)
{
	double each;

	*usd_out = 0;
	if (per_image(cfg, model, quality, size, &each) == 0) {
		*usd_out = each * factor(cfg, batch);
		return 0;
	}
	if (in_tokens <= 0 && out_tokens <= 0)
		return -1;
	return tokens(cfg, "image_tokens", model, in_tokens, 0, out_tokens,
		      batch, usd_out);
}

struct dearest {
	size_t plen;		/* length of "prices.image.<model>." */
	const char *size;
	double max;
	int found;
};

/* Keeps the highest "<quality>.<size>" price under the model's prefix. */
static void
dearest_cb(const char *key, const char *value, const char *origin, void *ctx)
{
	struct dearest *d = ctx;
	const char *rest = key + d->plen, *dot = strchr(rest, '.');
	double v;

	(void)origin;
	if (!dot || strchr(dot + 1, '.') || strcmp(dot + 1, d->size) != 0)
		return;
	v = strtod(value, NULL);
	if (!d->found || v > d->max)
		d->max = v;
	d->found = 1;
}

int
cost_estimate_image(const struct config *cfg, const char *model,
		    const char *quality, const char *size, double *usd_out)
{
	char prefix[512];
	struct dearest d = { 0 };

	*usd_out = 0;
	if (quality && *quality && strcmp(quality, "auto") != 0)
		return per_image(cfg, model, quality, size, usd_out);
	if (!model || !size)
		return -1;
	snprintf(prefix, sizeof prefix, "prices.image.%s.", model);
	d.plen = strlen(prefix);
	d.size = size;
	config_each(cfg, prefix, dearest_cb, &d);
	if (!d.found)
		return -1;
	*usd_out = d.max;
	return 0;
}

long
cost_estimate_tokens(const char *text)
{
	size_t n = text ? strlen(text) : 0;

	return (long)((n + 3) / 4);
}

int
cost_estimate_text(const struct config *cfg, const char *model,
		   const char *prompt, long max_out, double *usd_out)
{
	return cost_text(cfg, model, cost_estimate_tokens(prompt), 0, max_out,
			 0, usd_out);
}
