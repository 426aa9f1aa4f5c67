/*
 * config_keys.c: the key table (one row per setting) and key matching.
 *
 * Model names never appear here: which model a function uses, what an
 * image model accepts and what each model costs are shipped data
 * (data/defaults.yaml, data/prices.yaml) because models retire.  Rows
 * with a default here are facts about igny8 itself or about a provider's
 * fixed API (base URLs, token parameter names).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "suggest.h"

#define FNS "cluster|ideas|write|image_prompts|embed|moderation"

static const struct config_key keys[] = {
	{ "workspace", CFG_STR, "./igny8.db", "IGNY8_WORKSPACE", NULL,
	  "workspace database file (SQLite)" },

	/* Which provider serves each kind of call. */
	{ "text.provider", CFG_STR, "openai", NULL, NULL,
	  "provider (a providers.NAME section) for chat calls" },
	{ "embed.provider", CFG_STR, "openai", NULL, NULL,
	  "provider for embedding calls" },
	{ "image.provider", CFG_ENUM, "openai", "IGNY8_IMAGE_PROVIDER",
	  "openai|runware", "image API: OpenAI images or Runware imageInference" },

	/* Built-in providers; their defaults are fixed facts of each API. */
	{ "providers.openai.base_url", CFG_STR, "https://api.openai.com/v1",
	  "OPENAI_BASE_URL", NULL, "OpenAI API base URL" },
	{ "providers.openai.api_key", CFG_SECRET, NULL, "OPENAI_API_KEY", NULL,
	  "OpenAI API key (prefer the environment or api_key_file)" },
	{ "providers.openai.token_param", CFG_ENUM, "max_completion_tokens",
	  NULL, "max_completion_tokens|max_tokens",
	  "request field that carries the output token cap" },
	{ "providers.openai.send_temperature", CFG_BOOL, "true", NULL, NULL,
	  "send temperature (reasoning models reject it)" },
	{ "providers.openai.response_format", CFG_ENUM, "json_schema", NULL,
	  "json_schema|json_object|none",
	  "how structured replies are requested" },
	{ "providers.openai.connect_timeout", CFG_INT, "10", NULL, NULL,
	  "seconds to wait for a connection" },
	{ "providers.openai.timeout", CFG_INT, "300", NULL, NULL,
	  "seconds one request may take in all" },
	{ "providers.openai.max_retries", CFG_INT, "5", NULL, NULL,
	  "retries after the first attempt on 408, 429, 5xx and network errors" },
	{ "providers.openai.max_retry_wait", CFG_NUM, "120", NULL, NULL,
	  "longest Retry-After wait honoured, in seconds" },
	{ "providers.openai.organization", CFG_STR, NULL, "OPENAI_ORG_ID", NULL,
	  "OpenAI-Organization header" },
	{ "providers.openai.project", CFG_STR, NULL, "OPENAI_PROJECT_ID", NULL,
	  "OpenAI-Project header" },
	{ "providers.runware.base_url", CFG_STR, "https://api.runware.ai/v1",
	  "RUNWARE_BASE_URL", NULL, "Runware REST endpoint" },
	{ "providers.runware.api_key", CFG_SECRET, NULL, "RUNWARE_API_KEY", NULL,
	  "Runware API key" },
	{ "providers.runware.timeout", CFG_INT, "300", NULL, NULL,
	  "seconds one Runware request may take in all" },
	{ "providers.runware.max_retries", CFG_INT, "5", NULL, NULL,
	  "retries of a failed Runware request" },

	/* Any other provider: an OpenAI-compatible server the user names. */
	{ "providers.*.base_url", CFG_STR, NULL, NULL, NULL,
	  "base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1" },
	{ "providers.*.api_key", CFG_SECRET, NULL, NULL, NULL,
	  "API key sent as a bearer token" },
	{ "providers.*.api_key_file", CFG_STR, NULL, NULL, NULL,
	  "file whose first line is the API key (keeps keys out of YAML)" },
	{ "providers.*.token_param", CFG_ENUM, NULL, NULL,
	  "max_completion_tokens|max_tokens",
	  "request field for the output token cap (default max_tokens)" },
	{ "providers.*.send_temperature", CFG_BOOL, NULL, NULL, NULL,
	  "send temperature (default true)" },
	{ "providers.*.response_format", CFG_ENUM, NULL, NULL,
	  "json_schema|json_object|none",
	  "how structured replies are requested (default json_object)" },
	{ "providers.*.connect_timeout", CFG_INT, NULL, NULL, NULL,
	  "seconds to wait for a connection (default 10)" },
	{ "providers.*.timeout", CFG_INT, NULL, NULL, NULL,
	  "seconds one request may take in all (default 300)" },
	{ "providers.*.max_retries", CFG_INT, NULL, NULL, NULL,
	  "retries after the first attempt (default 5)" },
	{ "providers.*.max_retry_wait", CFG_NUM, NULL, NULL, NULL,
	  "longest Retry-After wait honoured, in seconds (default 120)" },
	{ "providers.*.rpm", CFG_INT, NULL, NULL, NULL,
	  "requests per minute, overriding the x-ratelimit-limit-requests header (default 0 = learn it)" },
	{ "providers.*.tpm", CFG_INT, NULL, NULL, NULL,
	  "tokens per minute, overriding the x-ratelimit-limit-tokens header (default 0 = learn it)" },
	{ "providers.*.organization", CFG_STR, NULL, NULL, NULL,
	  "OpenAI-Organization header" },
	{ "providers.*.project", CFG_STR, NULL, NULL, NULL,
	  "OpenAI-Project header" },

	/* Per AI function; the defaults are in data/defaults.yaml. */
	{ "functions.*.model", CFG_STR, NULL, NULL, NULL,
	  "model the function calls", .names = FNS },
	{ "functions.*.max_tokens", CFG_INT, NULL, NULL, NULL,
	  "output token cap of one call", .names = FNS },
	{ "functions.*.temperature", CFG_NUM, NULL, NULL, NULL,
	  "sampling temperature", .names = FNS },
	{ "functions.*.provider", CFG_STR, NULL, NULL, NULL,
	  "provider for this function (default text.provider or embed.provider)",
	  .names = FNS },

	{ "run.jobs", CFG_INT, "4", "IGNY8_JOBS", NULL,
	  "records processed at once" },
	{ "run.max_cost", CFG_NUM, "0", NULL, NULL,
	  "stop starting calls once this many USD are spent, 0 = no limit" },
	{ "run.cache", CFG_BOOL, "true", NULL, NULL,
	  "reuse stored replies for identical requests" },
	{ "run.max_line", CFG_INT, "1048576", NULL, NULL,
	  "longest input record, in bytes" },
	{ "run.max_body", CFG_INT, "67108864", NULL, NULL,
	  "largest HTTP response body held in memory, in bytes (batch output"
	  " files go to disk, each line under it)" },
	{ "run.progress", CFG_ENUM, "auto", "IGNY8_PROGRESS",
	  "auto|tty|json|none",
	  "progress on stderr: auto = only when stderr is a terminal" },
	{ "log.bodies", CFG_BOOL, "true", NULL, NULL,
	  "keep each AI call's request and answer bodies (igny8 log --show)" },
	{ "log.max_body", CFG_INT, "65536", NULL, NULL,
	  "bytes kept of each body, API keys masked; the rest is cut" },

	{ "cluster.method", CFG_ENUM, "auto", NULL, "auto|ai|local|embed",
	  "how keywords are grouped" },
	{ "cluster.threshold", CFG_NUM, "0", NULL, NULL,
	  "similarity threshold, 0 = the method's default" },
	{ "cluster.batch_size", CFG_INT, "300", NULL, NULL,
	  "keywords per AI clustering request" },

	{ "ideas.count", CFG_INT, "3", NULL, NULL,
	  "ideas generated per cluster" },
	{ "write.words", CFG_INT, "1200", NULL, NULL,
	  "target article length in words" },
	{ "write.tone", CFG_STR, "informative", NULL, NULL,
	  "tone asked of the writer" },
	{ "write.language", CFG_STR, "en", NULL, NULL,
	  "article language (a BCP 47 tag or a name)" },
	{ "write.audience", CFG_STR, "", NULL, NULL,
	  "reader the article is written for" },
	{ "write.format", CFG_ENUM, "html", NULL, "html|markdown",
	  "article body format" },
	{ "moderation.enabled", CFG_BOOL, "false", NULL, NULL,
	  "check generated text with the moderation model" },

	{ "site.name", CFG_STR, "", NULL, NULL, "site name passed to prompts" },
	{ "site.url", CFG_STR, "", NULL, NULL, "site URL passed to prompts" },
	{ "site.audience", CFG_STR, "", NULL, NULL,
	  "site audience passed to prompts" },
	{ "site.context", CFG_STR, "", NULL, NULL,
	  "free text about the site passed to prompts" },

	{ "image.model", CFG_STR, NULL, NULL, NULL,
	  "image model (an image_models.NAME section describes it)" },
	{ "image.max_images", CFG_INT, "3", NULL, NULL,
	  "images per article, the featured one included" },
	{ "image.format", CFG_ENUM, "png", NULL, "png|jpeg|webp",
	  "image file format" },
	{ "image.quality", CFG_STR, "auto", NULL, NULL,
	  "quality asked of the model (low, medium, high, auto)" },
	{ "image.devices", CFG_LIST, "desktop", NULL, NULL,
	  "devices an image is made for (desktop, mobile)" },
	{ "image.dir", CFG_STR, "", NULL, NULL,
	  "directory for image files, empty = <workspace>.images" },
	{ "image.max_bytes", CFG_INT, "20971520", NULL, NULL,
	  "largest image accepted, in bytes" },
	{ "image.allow_loopback", CFG_BOOL, "false", "IGNY8_IMAGE_ALLOW_LOOPBACK",
	  NULL,
	  "image URLs from answers may point at this host (local servers)" },
	{ "image.sizes.featured.desktop", CFG_STR, "1536x1024", NULL, NULL,
	  "featured image size for desktop" },
	{ "image.sizes.featured.mobile", CFG_STR, "1024x1536", NULL, NULL,
	  "featured image size for mobile" },
	{ "image.sizes.in_article.desktop", CFG_STR, "1536x1024", NULL, NULL,
	  "in-article image size for desktop" },
	{ "image.sizes.in_article.mobile", CFG_STR, "1024x1024", NULL, NULL,
	  "in-article image size for mobile" },
	{ "image.style", CFG_STR, "", NULL, NULL,
	  "text appended to every image prompt" },
	{ "image.negative", CFG_STR, "", NULL, NULL,
	  "negative prompt (Runware)" },

	/* igny8-publish: where articles go. */
	{ "publish.to", CFG_ENUM, NULL, NULL, "wordpress|hugo|jekyll|astro",
	  "where igny8-publish sends articles (--to)" },
	{ "publish.dir", CFG_STR, NULL, NULL, NULL,
	  "static site's root folder for hugo, jekyll and astro (--dir)" },
	{ "publish.status", CFG_ENUM, "auto", NULL, "auto|draft|publish|pending|future",
	  "post status; auto: draft on WordPress, published on static sites" },
	{ "publish.date", CFG_STR, "", NULL, NULL,
	  "publication date, YYYY-MM-DDTHH:MM:SS (UTC), for future posts" },
	{ "wordpress.url", CFG_STR, NULL, "WORDPRESS_URL", NULL,
	  "WordPress site address, e.g. https://example.com" },
	{ "wordpress.user", CFG_STR, NULL, "WORDPRESS_USER", NULL,
	  "WordPress user that owns the Application Password" },
	{ "wordpress.app_password", CFG_SECRET, NULL, "WORDPRESS_APP_PASSWORD",
	  NULL, "WordPress Application Password (prefer the environment)" },
	{ "wordpress.timeout", CFG_INT, "120", NULL, NULL,
	  "seconds one WordPress request may take in all" },
	{ "wordpress.max_retries", CFG_INT, "5", NULL, NULL,
	  "retries of a WordPress request on 408, 429, 5xx and network errors" },

	/* What an image model accepts; filled in by data/defaults.yaml. */
	{ "image_models.*.provider", CFG_ENUM, NULL, NULL, "openai|runware",
	  "API that serves the model" },
	{ "image_models.*.sizes", CFG_LIST, NULL, NULL, NULL,
	  "accepted sizes as WxH, or any (then the side rules apply)" },
	{ "image_models.*.qualities", CFG_LIST, NULL, NULL, NULL,
	  "accepted quality values, unset = not sent" },
	{ "image_models.*.formats", CFG_LIST, NULL, NULL, NULL,
	  "accepted output formats" },
	{ "image_models.*.min_side", CFG_INT, NULL, NULL, NULL,
	  "smallest width or height in pixels, 0 = no limit" },
	{ "image_models.*.max_side", CFG_INT, NULL, NULL, NULL,
	  "largest width or height in pixels, 0 = no limit" },
	{ "image_models.*.multiple_of", CFG_INT, NULL, NULL, NULL,
	  "width and height must be multiples of this" },
	{ "image_models.*.max_pixels", CFG_INT, NULL, NULL, NULL,
	  "largest width times height, 0 = no limit" },
	{ "image_models.*.max_aspect", CFG_NUM, NULL, NULL, NULL,
	  "largest ratio of long side to short side, 0 = no limit" },

	/* Prices, USD; loaded from data/prices.yaml under "prices". */
	{ "prices.checked", CFG_STR, NULL, NULL, NULL,
	  "date the price table was last checked" },
	{ "prices.source", CFG_STR, NULL, NULL, NULL,
	  "where the price table comes from" },
	{ "prices.batch_discount", CFG_NUM, "0.5", NULL, NULL,
	  "fraction taken off Batch API calls (0.5 = half price)" },
	{ "prices.text.*.input", CFG_NUM, NULL, NULL, NULL,
	  "USD per 1M input tokens" },
	{ "prices.text.*.cached_input", CFG_NUM, NULL, NULL, NULL,
	  "USD per 1M cached input tokens (default: the input price)" },
	{ "prices.text.*.output", CFG_NUM, NULL, NULL, NULL,
	  "USD per 1M output tokens" },
	{ "prices.text.*.source", CFG_STR, NULL, NULL, NULL,
	  "where this model's prices come from" },
	{ "prices.embed.*.input", CFG_NUM, NULL, NULL, NULL,
	  "USD per 1M embedding input tokens" },
	{ "prices.embed.*.source", CFG_STR, NULL, NULL, NULL,
	  "where this model's price comes from" },
	/* Before the per-image row: "gpt-image-1.5.source" matches both. */
	{ "prices.image.*.source", CFG_STR, NULL, NULL, NULL,
	  "where this model's per-image prices come from" },
	{ "prices.image.*.*.*", CFG_NUM, NULL, NULL, NULL,
	  "USD per image, as prices.image.MODEL.QUALITY.WxH" },
	{ "prices.image_tokens.*.input", CFG_NUM, NULL, NULL, NULL,
	  "USD per 1M text input tokens of a token-billed image model" },
	{ "prices.image_tokens.*.cached_input", CFG_NUM, NULL, NULL, NULL,
	  "USD per 1M cached text input tokens of an image model" },
	{ "prices.image_tokens.*.output", CFG_NUM, NULL, NULL, NULL,
	  "USD per 1M output (image) tokens of an image model" },
	{ "prices.image_tokens.*.source", CFG_STR, NULL, NULL, NULL,
	  "where this model's token prices come from" },

	/* Model shutdown dates; loaded from data/shutdowns.yaml under "shutdowns". */
	{ "shutdowns.checked", CFG_STR, NULL, NULL, NULL,
	  "date the shutdown table was last checked" },
	{ "shutdowns.source", CFG_STR, NULL, NULL, NULL,
	  "where the shutdown table comes from" },
	{ "shutdowns.*.date", CFG_STR, NULL, NULL, NULL,
	  "day the model stops answering (YYYY-MM-DD)" },
	{ "shutdowns.*.replacement", CFG_STR, NULL, NULL, NULL,
	  "model suggested in its place" },
	{ "shutdowns.*.source", CFG_STR, NULL, NULL, NULL,
	  "where the date comes from" },
	{ "providers.*.reasoning_models", CFG_LIST, NULL, NULL, NULL,
	  "model patterns (fnmatch) that take max_completion_tokens and no"
	  " temperature" },
	{ "providers.*.reasoning_effort", CFG_ENUM, NULL, NULL,
	  "none|minimal|low|medium|high|xhigh|max",
	  "reasoning_effort sent to reasoning models, unset = not sent" },

	{ "batch.completion_window", CFG_STR, "24h", NULL, NULL,
	  "Batch API completion window" },
	{ "batch.poll_interval", CFG_INT, "30", NULL, NULL,
	  "seconds between Batch API status polls" },
};

const struct config_key *
config_keys(size_t *n_out)
{
	*n_out = ARRAY_SIZE(keys);
	return keys;
}

/* Number of '.'-separated parts of s. */
static size_t
nparts(const char *s)
{
	size_t k = 1;

	for (; *s; s++)
		k += *s == '.';
	return k;
}

/* End of the first n parts of s: the '.' after them or the final NUL. */
static const char *
skip_parts(const char *s, size_t n)
{
	const char *e = s;

	for (;;) {
		e += strcspn(e, ".");
		if (--n == 0 || *e == '\0')
			return e;
		e++;
	}
}

/* Is s[0..n) one of the '|'-separated `names`? */
static int
name_allowed(const char *names, const char *s, size_t n)
{
	const char *p = names;

	for (;;) {
		size_t m = strcspn(p, "|");

		if (m == n && strncmp(p, s, n) == 0)
			return 1;
		if (p[m] == '\0')
			return 0;
		p += m + 1;
	}
}

/*
 * Walks pattern and key part by part.  The first '*' takes as many parts
 * as the pattern leaves over, so the parts after it line up from the end;
 * a later '*' takes one.  `names`, when set, restricts the first '*'.
 * Keys with an empty part ("a..b", ".a", "a.") never match.
 */
static int
match(const char *pat, const char *key, const char *names)
{
	size_t lit = strcspn(pat, "*"), kp, pp;
	int first = 1;

	if (strncmp(pat, key, lit) != 0)	/* cheap test that rejects most rows */
		return 0;
	kp = nparts(key);
	pp = nparts(pat);
	if (kp < pp || strstr(key, "..") || *key == '.' ||
	    (*key && key[strlen(key) - 1] == '.'))
		return 0;
	for (;;) {
		size_t pn = strcspn(pat, ".");
		int star = pn == 1 && *pat == '*';
		size_t take = star && first ? kp - pp + 1 : 1;
		const char *ke = skip_parts(key, take);
		size_t kn = (size_t)(ke - key);

		if (!star && (kn != pn || strncmp(pat, key, pn) != 0))
			return 0;
		if (star && (kn == 0 ||
			     (first && names && !name_allowed(names, key, kn))))
			return 0;
		if (star)
			first = 0;
		if (pat[pn] == '\0' || *ke == '\0')
			return pat[pn] == '\0' && *ke == '\0';
		pat += pn + 1;
		key = ke + 1;
	}
}

int
config_key_match(const char *pat, const char *key)
{
	return match(pat, key, NULL);
}

const struct config_key *
config_key_find(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].key, key) == 0)
			return &keys[i];
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strchr(keys[i].key, '*') &&
		    match(keys[i].key, key, keys[i].names))
			return &keys[i];
	return NULL;
}

/*
 * Spells out a wildcard row with the parts of `key` in the '*' places
 * (or with `name` in the first one), so "providers.openai.base_ur"
 * is compared with "providers.openai.base_url", not "providers.*.base_url".
 */
static void
instantiate(const char *pat, const char *key, const char *name, size_t namelen,
	    char *out, size_t n)
{
	size_t kp = nparts(key), pp = nparts(pat), len = 0;
	int first = 1;

	out[0] = '\0';
	for (;;) {
		size_t pn = strcspn(pat, ".");
		int star = pn == 1 && *pat == '*';
		size_t take = star && first && kp >= pp ? kp - pp + 1 : 1;
		const char *ke = *key ? skip_parts(key, take) : key;
		const char *s = pat;
		size_t sn = pn;

		if (star && first && name) {
			s = name;
			sn = namelen;
		} else if (star && ke > key) {
			s = key;
			sn = (size_t)(ke - key);
		}
		if (star)
			first = 0;
		if (len + sn + 2 > n)
			return;
		memcpy(out + len, s, sn);
		len += sn;
		out[len] = '\0';
		if (pat[pn] == '\0')
			return;
		out[len++] = '.';
		out[len] = '\0';
		pat += pn + 1;
		key = *ke ? ke + 1 : ke;
	}
}

/* Keeps cand in best when it is closer to key than anything so far. */
static void
consider(const char *key, const char *cand, char *best, size_t n,
	 size_t *bestd)
{
	size_t d;

	size_t kl = strlen(key), cl = strlen(cand);

	/* the distance is at least the length difference: skip hopeless ones */
	if (strcmp(key, cand) == 0 || (kl > cl ? kl - cl : cl - kl) >= *bestd)
		return;
	d = suggest_distance(key, cand);
	if (d < *bestd && strlen(cand) < n) {
		*bestd = d;
		memcpy(best, cand, strlen(cand) + 1);
	}
}

int
config_key_suggest(const char *key, char *out, size_t n)
{
	size_t limit = 2 + strlen(key) / 10, bestd = limit + 1;
	char cand[256];

	if (n == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *names = keys[i].names;

		if (!strchr(keys[i].key, '*')) {
			consider(key, keys[i].key, out, n, &bestd);
			continue;
		}
		if (!names) {
			instantiate(keys[i].key, key, NULL, 0, cand, sizeof cand);
			consider(key, cand, out, n, &bestd);
			continue;
		}
		for (const char *p = names;; p += strcspn(p, "|") + 1) {
			instantiate(keys[i].key, key, p, strcspn(p, "|"), cand,
				    sizeof cand);
			consider(key, cand, out, n, &bestd);
			if (p[strcspn(p, "|")] == '\0')
				break;
		}
	}
	if (!out[0]) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
