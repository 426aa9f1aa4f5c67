/* t-seo.c: slugs, character lengths, cuts and the article checks. */
#include "compat.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seo_check.h"
#include "slug.h"
#include "tap.h"

/* ok() that s matches the extended regular expression re. */
#define like(s, re, desc) like_at((s), (re), (desc), __FILE__, __LINE__)
static void
like_at(const char *s, const char *re, const char *desc, const char *file, int line)
{
	regex_t rx;
	int m = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) == 0 &&
		regexec(&rx, s, 0, NULL, 0) == 0;

	regfree(&rx);
	tap_ok(m, file, line, "%s", desc);
	if (!m)
		diag("'%s' does not match /%s/", s, re);
}

static const char *
slug(const char *s, size_t max)
{
	static char out[256];
	char *r = slug_make(s, max);

	snprintf(out, sizeof out, "%s", r ? r : "(null)");
	free(r);
	return out;
}

static const char *
cut(const char *s, size_t max)
{
	static char out[512];
	char *r = seo_cut(s, max);

	snprintf(out, sizeof out, "%s", r ? r : "(null)");
	free(r);
	return out;
}

/* The problems seo_check finds in the JSON article a (static). */
static const char *
check(const char *a, const char *pk, long words, const char *outline, int *n)
{
	static char out[2048];
	cJSON *ans = cJSON_Parse(a), *ol = outline ? cJSON_Parse(outline) : NULL;
	struct seo_want w = { pk, words, ol };
	struct buf b = BUF_INIT(0);

	*n = seo_check(ans, &w, &b);
	snprintf(out, sizeof out, "%s", buf_str(&b));
	buf_release(&b);
	cJSON_Delete(ans);
	cJSON_Delete(ol);
	return out;
}

static void
test_slug(void)
{
	is_str(slug("Caf\xc3\xa9 cr\xc3\xa8me", 80), "cafe-creme", "accents go: Café crème");
	is_str(slug("Stra\xc3\x9f" "e & \xc3\x86sir", 80), "strasse-aesir", "ß and Æ spelled");
	is_str(slug("  Some Slug!  ", 80), "some-slug", "punctuation and ends");
	is_str(slug("\xd0\x9a\xd0\xbe\xd1\x84\xd0\xb5 \xd0\x94\xd0\xbe\xd0\xbc", 80),
	       "\xd0\xba\xd0\xbe\xd1\x84\xd0\xb5-\xd0\xb4\xd0\xbe\xd0\xbc",
	       "Cyrillic stays, lower case");
	is_str(slug("alpha beta gamma", 12), "alpha-beta", "cut between words");
	is_str(slug("!!!", 80), "", "no letters: empty");
}

static void
test_cut(void)
{
	/* 70 Cyrillic characters are 140 bytes: characters count, not bytes. */
	char ru[256] = "";

	for (int i = 0; i < 10; i++)
		strcat(ru, "\xd1\x81\xd0\xbb\xd0\xbe\xd0\xb2\xd0\xbe\xd0\xbc ");	/* "словом " */
	ru[strlen(ru) - 1] = '\0';
	is_int((long)seo_chars(ru), 69, "seo_chars counts characters");
	is_int((long)seo_chars(cut(ru, 160)), 69, "a 69-character text is not cut at 160");
	is_str(cut("A meta title that is far too long", 20), "A meta title that is",
	       "cut at a word");
	is_int((long)seo_chars(cut(ru, 60)), 55, "Cyrillic cut to 60 characters at a word");
	is_str(cut("Averyveryverylongwordwithoutspaces", 10), "Averyveryv",
	       "no space: cut at the character");
}

static void
test_check(void)
{
	const char *good = "{\"title\":\"Espresso grinder guide\","
		"\"meta_title\":\"Espresso grinder guide for home\","
		"\"meta_description\":\"An espresso grinder guide: burrs, settings and cleaning,"
		" explained for home baristas.\",\"slug\":\"espresso-grinder-guide\","
		"\"body\":\"<p>An espresso grinder guide answers one question.</p>"
		"<h2>Choosing an espresso grinder guide</h2><p>one two three four five six</p>"
		"<h2>Caring for it</h2><p>seven eight nine ten</p>\"}";
	int n;

	is_str(check(good, "espresso grinder guide", 30, "[{\"h2\":\"Choosing\"},"
		     "{\"h2\":\"Caring for the grinder\"}]", &n), "", "a good article passes");
	is_int(n, 0, "no problem");
	like(check(good, "espresso grinder guide", 100, NULL, &n),
	     "body has 25 words, asked for about 100", "too short for its target");
	like(check(good, "espresso grinder guide", 10, NULL, &n),
	     "body has 25 words, asked for about 10", "too long for its target");
	like(check(good, "espresso grinder guide", 0, "[{\"h2\":\"Price comparison table\"}]", &n),
	     "the outline's section 'Price comparison table' is not an H2", "a section missing");
	like(check(good, "burr grinder", 0, NULL, &n), "not in the title; .*not in the meta_title;"
	     " .*meta_description; .*first paragraph; .*any H2 heading; .*slug does not contain"
	     " 'burr-grinder'", "the primary keyword is missing everywhere");
	is_int(n, 6, "six problems");
	like(check("{\"title\":\"Caf\xc3\xa9 guide\",\"meta_title\":\"cafe guide\","
		   "\"meta_description\":\"x\",\"slug\":\"cafe\",\"body\":\"<p>caf\xc3\xa9 text</p>"
		   "<h2>CAF\xc3\x89 things</h2>\"}", "Cafe", 0, NULL, &n),
	     "^meta_description is 1 characters, not 50 to 160; the primary keyword is not in the meta_description$",
	     "accents and case fold in matching; a short description is caught");
	like(check("{\"title\":\"t\",\"meta_title\":\"\xd0\xb0\xd0\xb1\xd0\xb2\xd0\xb3"
		   "\xd0\xb4\xd0\xb5\xd0\xb6\xd0\xb7\xd0\xb8\xd0\xb9\xd0\xb0\xd0\xb1\xd0\xb2"
		   "\xd0\xb3\xd0\xb4\xd0\xb5\xd0\xb6\xd0\xb7\xd0\xb8\xd0\xb9\xd0\xb0\xd0\xb1"
		   "\xd0\xb2\xd0\xb3\xd0\xb4\xd0\xb5\xd0\xb6\xd0\xb7\xd0\xb8\xd0\xb9\xd0\xb0"
		   "\xd0\xb1\xd0\xb2\xd0\xb3\xd0\xb4\xd0\xb5\xd0\xb6\xd0\xb7\xd0\xb8\xd0\xb9\","
		   "\"meta_description\":\"A description long enough to pass the lower bound of fifty.\","
		   "\"slug\":\"t\",\"body\":\"<p>x</p>\"}", NULL, 0, NULL, &n), "^$",
	     "a 36-character Cyrillic meta title (72 bytes) passes");
	like(check("{\"title\":\"t\",\"meta_title\":\"0123456789012345678901234567890123456789"
		   "01234567890123456789x\",\"meta_description\":\"A description long enough to"
		   " pass the lower bound of fifty.\",\"slug\":\"t\",\"body\":\"<p>x</p>\"}",
		   NULL, 0, NULL, &n), "^meta_title is 61 characters, not 1 to 60$",
	     "a 61-character meta title is caught");
}

/* seo_fold()'s ASCII path against utf8proc's, for every ASCII byte. */
static void
test_fold(void)
{
	int bad = 0;

	for (int c = 1; c < 0x80; c++) {
		char in[16], tail[32];
		char *a, *u;

		snprintf(in, sizeof in, "Ab%cZ%c", c, c);
		/* a non-ASCII letter (folded to "e") sends the same text
		 * through utf8proc */
		snprintf(tail, sizeof tail, "%s\xc3\x89", in);
		a = seo_fold(in);
		u = seo_fold(tail);
		if (!a || !u || strncmp(u, a, strlen(a)) || strcmp(u + strlen(a), "e"))
			if (bad++ < 5)
				diag("byte 0x%02x: ascii \"%s\", utf8proc \"%s\"", c, a, u);
		free(a);
		free(u);
	}
	ok(bad == 0, "ASCII folds as utf8proc folds it, every byte (%d differ)", bad);
}

int
main(void)
{
	test_fold();
	test_slug();
	test_cut();
	test_check();
	return done_testing();
}
