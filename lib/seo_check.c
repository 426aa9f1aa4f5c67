/*
 * seo_check.c: the checks an article answer gets after its schema (see
 * seo_check.h).  Matching folds case and accents on both sides, so that
 * "Café" in a heading matches the keyword "cafe".
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "html.h"
#include "json.h"
#include "links.h"
#include "seo_check.h"
#include "slug.h"
#include "tokenize.h"

size_t
seo_chars(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

char *
seo_cut(const char *s, size_t max)
{
	size_t i = 0, chars = 0, cut, space = 0;

	/* byte offset of the character after the first max */
	while (s[i] && chars < max) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars++;
		if (s[i] == ' ' && chars > max / 2)
			space = i;
	}
	if (!s[i])
		return strdup(s);
	cut = s[i] == ' ' ? i : space ? space : i;
	while (cut > 0 && s[cut - 1] == ' ')
		cut--;
	return strndup(s, cut);
}

/*
 * For ASCII text the utf8proc options below only lower A-Z: done here,
 * without decoding, since igny8-write folds every earlier article's title
 * to choose related ones (t-seo checks each ASCII byte against utf8proc).
 */
static char *
ascii_fold(const char *s)
{
	size_t n = tok_ascii_len(s);
	char *out;

	if (n == SIZE_MAX)
		return NULL;
	if (!(out = malloc(n + 1)))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	return out;
}

char *
seo_fold(const char *s)
{
	utf8proc_uint8_t *out = NULL;
	char *a = ascii_fold(s ? s : "");

	if (a)
		return a;
	if (utf8proc_map((const utf8proc_uint8_t *)(s ? s : ""), 0, &out,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT |
			 UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD) < 0)
		return strdup("");
	return (char *)out;
}

static int
has_keyword(const char *text, const char *fkw)
{
	char *f = seo_fold(text);
	int yes = f && strstr(f, fkw) != NULL;

	free(f);
	return yes;
}

/* The text of each <tag>...</tag> in html, tags inside removed. */
static cJSON *
elements(const char *html, const char *tag)
{
	cJSON *arr = cJSON_CreateArray();
	char open[16], close[16];
	const char *p = html, *e;
	size_t olen;

	snprintf(open, sizeof open, "<%s", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	olen = strlen(open);
	while (arr && (p = strstr(p, open))) {
		if (p[olen] != '>' && p[olen] != ' ') {
			p += olen;
			continue;
		}
		if (!(p = strchr(p, '>')) || !(e = strstr(++p, close)))
			break;
		char *txt = strndup(p, (size_t)(e - p)), *w = txt;
		int in = 0;

		for (const char *r = txt; r && *r; r++) {
			if (*r == '<')
				in = 1;
			else if (*r == '>')
				in = 0;
			else if (!in)
				*w++ = *r;
		}
		if (txt) {
			*w = '\0';
			cJSON_AddItemToArray(arr, cJSON_CreateString(txt));
		}
		free(txt);
		p = e;
	}
	return arr;
}

/* An outline heading is there when most of its words are in one H2. */
static int
heading_present(const char *want, const cJSON *h2s)
{
	char *fw = seo_fold(want), *save = NULL;
	const cJSON *h;
	int best = 0, words = 0;

	if (!fw)
		return 1;
	for (char *t = strtok_r(fw, " \t,.:;!?()-/&", &save); t;
	     t = strtok_r(NULL, " \t,.:;!?()-/&", &save)) {
		int hits = 0;

		if (strlen(t) < 3)
			continue;
		words++;
		cJSON_ArrayForEach(h, h2s)
			hits += has_keyword(h->valuestring, t);
		if (hits)
			best++;
	}
	free(fw);
	return words == 0 || best * 2 >= words;
}

/* Kept beside the messages above and in links.c, which it reads. */
const char *
seo_check_name(const char *p)
{
	static const struct {
		const char *prefix, *check;
	} names[] = {
		{ "meta_title", "meta_title" },
		{ "meta_description", "meta_description" },
		{ "body has no usable text", "body" },
		{ "body has", "words" },
		{ "the outline", "outline" },
		{ "the primary keyword", "keyword" },
		{ "the slug", "keyword" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strncmp(p, names[i].prefix, strlen(names[i].prefix)))
			return names[i].check;
	return "links";	/* "the link ...", "the body has N links", "the body links" */
}

int
seo_problem(struct buf *out, int n, const char *fmt, ...)
{
	va_list ap;

	if (n)
		buf_puts(out, "; ");
	va_start(ap, fmt);
	buf_vprintf(out, fmt, ap);
	va_end(ap);
	return n + 1;
}

int
seo_check(const cJSON *ans, const struct seo_want *w, struct buf *out)
{
	const char *body = json_str(ans, "body");
	const char *mt = json_str(ans, "meta_title"), *md = json_str(ans, "meta_description");
	char *text = NULL, *html, *fkw = NULL;
	cJSON *h2s, *ps;
	struct ig_err err = { 0 };
	const cJSON *sec;
	int n = 0;
	size_t c;

	if ((c = seo_chars(mt)) > SEO_META_TITLE_MAX || c == 0)
		n = seo_problem(out, n, "meta_title is %ld characters, not 1 to %d",
			    (long)c, SEO_META_TITLE_MAX);
	if ((c = seo_chars(md)) > SEO_META_DESC_MAX || c < SEO_META_DESC_MIN)
		n = seo_problem(out, n, "meta_description is %ld characters, not %d to %d",
			    (long)c, SEO_META_DESC_MIN, SEO_META_DESC_MAX);
	if (!body || !(html = html_normalize(body, strlen(body), HTML_IN_AUTO, &text, &err)))
		return seo_problem(out, n, "body has no usable text");
	h2s = elements(html, "h2");
	ps = elements(html, "p");
	if (w->words > 0) {
		long words = (long)html_text_words(text);

		if (words * 100 < w->words * SEO_WORDS_LOW_PCT ||
		    words * 100 > w->words * SEO_WORDS_HIGH_PCT)
			n = seo_problem(out, n, "body has %ld words, asked for about %ld",
				    words, w->words);
	}
	cJSON_ArrayForEach(sec, w->outline) {
		const char *want = json_str(sec, "h2");

		if (want && *want && !heading_present(want, h2s))
			n = seo_problem(out, n, "the outline's section '%s' is not an H2 heading",
				    want);
	}
	if (w->primary_keyword && *w->primary_keyword &&
	    (fkw = seo_fold(w->primary_keyword)) && *fkw) {
		const char *where[4] = { "title", "meta_title", "meta_description", NULL };
		const cJSON *h;
		int inh2 = 0;
		char *pslug = slug_make(w->primary_keyword, 200);
		const char *slug = json_str(ans, "slug");

		for (int i = 0; where[i]; i++)
			if (!has_keyword(json_str(ans, where[i]), fkw))
				n = seo_problem(out, n, "the primary keyword is not in the %s",
					    where[i]);
		if (cJSON_GetArraySize(ps) == 0 ||
		    !has_keyword(cJSON_GetArrayItem(ps, 0)->valuestring, fkw))
			n = seo_problem(out, n, "the primary keyword is not in the first paragraph");
		cJSON_ArrayForEach(h, h2s)
			inh2 |= has_keyword(h->valuestring, fkw);
		if (!inh2)
			n = seo_problem(out, n, "the primary keyword is not in any H2 heading");
		if (pslug && *pslug && slug && *slug) {
			char *s = slug_make(slug, 200);

			if (s && !strstr(s, pslug))
				n = seo_problem(out, n, "the slug does not contain '%s'", pslug);
			free(s);
		}
		free(pslug);
	}
	free(fkw);
	if (w->links)
		n = links_check(w->links, html, out, n);
	cJSON_Delete(h2s);
	cJSON_Delete(ps);
	free(html);
	free(text);
	return n;
}
