/*
 * seo_check.h: what an article answer (the igny8_write schema) is checked
 * for after it matches its schema: meta title and description lengths in
 * characters, the body's word count against the target, the outline's
 * sections present as H2 headings, and the primary keyword in the title,
 * the meta title and description, the first paragraph, one H2 and the
 * slug; and, when the caller gives the site's articles, the links
 * (links_check() in links.h).
 *
 * Ownership: functions returning char * hand the string to the caller
 * (NULL on out of memory); `out` is the caller's buffer.
 */
#ifndef IG_SEO_CHECK_H
#define IG_SEO_CHECK_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "compat.h"

#define SEO_META_TITLE_MAX 60
#define SEO_META_DESC_MIN 50
#define SEO_META_DESC_MAX 160
/* The body's word count must fall within these percentages of the target. */
#define SEO_WORDS_LOW_PCT 70
#define SEO_WORDS_HIGH_PCT 150

struct links;

struct seo_want {
	const char *primary_keyword;	/* NULL or "": not checked */
	long words;			/* target; 0: not checked */
	const cJSON *outline;		/* the idea's [{h2: ...}], or NULL */
	const struct links *links;	/* the site's articles; NULL: links not checked */
};

/*
 * Appends each problem found in `answer` to out as "what: why" joined by
 * "; " and returns how many there are (0: none).
 */
int seo_check(const cJSON *answer, const struct seo_want *w, struct buf *out);
/* Characters (code points) of UTF-8 text. */
size_t seo_chars(const char *s);
/* s cut to at most max characters, between words when one ends after
 * half of max, with no trailing space. */
char *seo_cut(const char *s, size_t max);
/*
 * The check a problem of seo_check() (or links.h) belongs to, for a
 * report: "meta_title", "meta_description", "words", "outline",
 * "keyword", "links" or "body".
 */
const char *seo_check_name(const char *problem);
/* A case- and accent-folded copy of s (NULL: ""), for matching. */
char *seo_fold(const char *s);
/*
 * Appends one problem to out, after "; " when n (the count so far) is not
 * 0; returns n + 1.
 */
int seo_problem(struct buf *out, int n, const char *fmt, ...) IG_PRINTF(3, 4);

#endif
