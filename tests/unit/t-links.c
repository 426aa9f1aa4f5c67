/*
 * t-links.c: the related articles offered to the writer and the check of
 * the links an answer holds, over a scratch workspace.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>

#include "links.h"
#include "seo_check.h"
#include "workspace.h"
#include "tap.h"

static struct ws *ws;

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

/* Adds a done article: task `id` (of idea `id` in `cluster`, when not 0). */
static void
article(long id, long cluster, const char *title, const char *slug, const char *kw)
{
	char sql[1024], idea[24] = "NULL";
	struct ig_err err = { 0 };

	if (cluster) {
		snprintf(sql, sizeof sql,
			 "INSERT OR IGNORE INTO clusters (id, name, name_norm, created_at, updated_at)"
			 " VALUES (%ld, 'c%ld', 'c%ld', 'now', 'now');"
			 "INSERT INTO ideas (id, cluster_id, title, created_at)"
			 " VALUES (%ld, %ld, '%s', 'now');", cluster, cluster, cluster, id, cluster,
			 title);
		ok(ws_exec(ws, sql, &err) == 0, "idea %ld %s", id, err.msg);
		snprintf(idea, sizeof idea, "%ld", id);
	}
	snprintf(sql, sizeof sql,
		 "INSERT INTO tasks (id, idea_id, title, status, created_at, updated_at)"
		 " VALUES (%ld, %s, '%s', 'done', 'now', 'now');"
		 "INSERT INTO content (task_id, title, slug, primary_keyword, html, created_at,"
		 " updated_at) VALUES (%ld, '%s', '%s', '%s', '<p>x</p>', 'now', 'now');",
		 id, idea, title, id, title, slug, kw);
	ok(ws_exec(ws, sql, &err) == 0, "article %ld %s", id, err.msg);
}

/* The problems links_check (and links_shortfall when short) find (static). */
static const char *
check(const struct links *l, const char *html, int short_too, int *n)
{
	static char out[2048];
	struct buf b = BUF_INIT(0);

	*n = links_check(l, html, &b, 0);
	if (short_too)
		*n = links_shortfall(l, html, &b, *n);
	snprintf(out, sizeof out, "%s", buf_str(&b));
	buf_release(&b);
	return out;
}

static const char *
keep(const struct links *l, const char *html, int *n)
{
	static char out[1024];
	char *r = links_keep(l, html, n);

	snprintf(out, sizeof out, "%s", r ? r : "(null)");
	free(r);
	return out;
}

static void
test_offer(void)
{
	struct ig_err err = { 0 };
	struct links *l;
	char *p;

	l = links_load(ws, 99, 0, "anything", "", &err);
	ok(l != NULL, "an empty site loads: %s", err.msg);
	is_int(links_offered(l), 0, "nothing offered");
	p = links_prompt(l);
	is_str(p, "(none yet: write no links)", "the prompt says to write no links");
	free(p);
	links_free(l);

	article(1, 1, "Cleaning a burr grinder", "cleaning-burr-grinder", "burr grinder cleaning");
	article(2, 2, "Milk frothing basics", "milk-frothing", "milk frothing");
	article(3, 1, "Tamping pressure", "tamping-pressure", "tamping pressure");
	article(4, 2, "Choosing a burr grinder", "choosing-burr-grinder", "best burr grinder");
	article(5, 0, "Caf\xc3\xa9 cr\xc3\xa8me at home", "cafe-creme", "cafe creme");
	article(7, 3, "Unrelated gardening", "gardening", "garden soil");
	article(8, 3, "\xd0\x9a\xd0\xbe\xd1\x84\xd0\xb5", "\xd0\xba\xd0\xbe\xd1\x84\xd0\xb5",
		"\xd0\xba\xd0\xbe\xd1\x84\xd0\xb5");

	l = links_load(ws, 3, 1, "Espresso burr grinder settings", "https://x.example/", &err);
	ok(l != NULL, "loads: %s", err.msg);
	is_int(links_offered(l), 2, "its cluster's and those sharing words, not the rest");
	p = links_prompt(l);
	is_str(p, "- \"Cleaning a burr grinder\" (primary keyword: burr grinder cleaning):"
	       " https://x.example/cleaning-burr-grinder/\n"
	       "- \"Choosing a burr grinder\" (primary keyword: best burr grinder):"
	       " https://x.example/choosing-burr-grinder/",
	       "same cluster first, then shared words; its own article left out");
	free(p);
	links_free(l);

	/* The same title written again (a one-off run's new task): not offered. */
	article(9, 1, "Tamping pressure", "tamping-pressure-2", "tamping pressure");
	l = links_load(ws, 9, 1, "Tamping pressure", "", &err);
	p = links_prompt(l);
	ok(p && !strstr(p, "tamping-pressure"), "an article of the same title is not related: %s",
	   p ? p : "(null)");
	free(p);
	links_free(l);
	ok(ws_exec(ws, "DELETE FROM content WHERE task_id = 9; DELETE FROM tasks WHERE id = 9;",
		   &err) == 0, "and it goes: %s", err.msg);

	for (long i = 20; i < 30; i++) {
		char slug[32];

		snprintf(slug, sizeof slug, "burr-tips-%ld", i);
		article(i, 0, "Burr grinder tips", slug, "burr tips");
	}
	l = links_load(ws, 99, 0, "burr grinder", "", &err);
	is_int(links_offered(l), LINKS_OFFER, "at most %d are offered", LINKS_OFFER);
	links_free(l);
	ok(ws_exec(ws, "DELETE FROM content WHERE task_id BETWEEN 20 AND 29", &err) == 0,
	   "the tips go %s", err.msg);

	ok(ws_exec(ws, "INSERT INTO publish (task_id, target, site, url, status, created_at,"
		   " updated_at) VALUES (4, 'hugo', 's', '/posts/choosing-burr-grinder/',"
		   " 'published', 'now', 'now')", &err) == 0, "published %s", err.msg);
	l = links_load(ws, 9, 0, "burr grinder", "https://x.example", &err);
	p = links_prompt(l);
	like(p, "https://x.example/posts/choosing-burr-grinder/",
	     "a published article is offered at the path it was published at");
	free(p);
	links_free(l);
}

static void
test_check(void)
{
	struct ig_err err = { 0 };
	struct links *l = links_load(ws, 9, 1, "burr grinder", "https://x.example", &err);
	int n;

	ok(l != NULL, "loads");
	is_str(check(l, "<p><a href=\"https://x.example/cleaning-burr-grinder/\">cleaning a"
		     " burr grinder</a> and <a href=\"/posts/choosing-burr-grinder/\">choosing"
		     " one</a> <a href=\"#top\">top</a></p>", 1, &n), "",
	       "links to the site's articles pass, by URL or by slug; '#' is not counted");
	is_int(n, 0, "no problem");
	like(check(l, "<a href=\"https://shop.example/cleaning-burr-grinder/\">grinders</a>"
		   " <a href=\"https://x.example/made-up-post/\">made up</a>"
		   " <a href=\"//x.example.evil/gardening\">garden</a>"
		   " <a href=\"mailto:a@x.example\">mail us</a>", 0, &n),
	     "^the link to 'https://shop.example/cleaning-burr-grinder/' is not one of the"
	     " site's articles listed: .*; the link to 'https://x.example/made-up-post/'.*;"
	     " the link to '//x.example.evil/gardening'.*; the link to 'mailto:a@x.example'",
	     "other hosts, unknown slugs, look-alike hosts and mailto: are caught");
	is_int(n, 4, "four problems");
	is_str(check(l, "<a href=\"https://y.test/\">a</a><a href=\"https://y.test/\">b</a>", 0, &n),
	       "the link to 'https://y.test/' is not one of the site's articles listed: link"
	       " only to those, with the URL given", "a URL linked twice is one problem");
	like(check(l, "<a href=\"/gardening\">click here</a> <a href=\"/milk-frothing\">"
		   "https://x.example/milk-frothing</a>", 0, &n),
	     "^the link text 'click here' does not say .*; the link text"
	     " 'https://x.example/milk-frothing' does not say",
	     "vague link text and a bare URL are caught");
	like(check(l, "<a href=\"/gardening\">a</a><a href=\"/milk-frothing\">b b</a>"
		   "<a href=\"/cafe-creme\">c c</a><a href=\"/tamping-pressure\">d d</a>"
		   "<a href=\"/cleaning-burr-grinder\">e e</a>", 0, &n),
	     "^the body has 5 links to the site's articles, not at most 4$", "five are too many");
	like(check(l, "<a href=\"https://X.EXAMPLE/%D0%BA%D0%BE%D1%84%D0%B5?x=1&amp;y=2\">"
		   "Russian coffee</a><a href=\"/gardening/\">soil for gardens</a>", 1, &n), "^$",
	     "an encoded slug, a query and case in the host are read");
	like(check(l, "<p>no links at all</p>", 1, &n),
	     "^the body links to 0 of the site's articles, asked for 2 to 4$",
	     "the shortfall is found by links_shortfall only");
	is_str(check(l, "<p>no links at all</p>", 0, &n), "", "not by links_check");
	is_str(keep(l, "<p>a <a href=\"https://shop.example/x\">shop</a> b <a href=\"/gardening\">"
		    "soil</a> <a href=\"#faq\">faq</a></p>", &n),
	       "<p>a shop b <a href=\"/gardening\">soil</a> <a href=\"#faq\">faq</a></p>",
	       "links_keep removes a link to no article, keeping its text");
	is_int(n, 1, "and counts it");

	{
		char *r = links_retarget(l, "<p><a href=\"https://x.example/gardening/\" title=\"t\">"
					 "soil</a> <a href=\"https://y.test/\">y</a></p>", "", ".html");

		is_str(r ? r : "(null)", "<p><a href=\"gardening.html\">soil</a> <a href=\"https://y.test/\">"
		       "y</a></p>", "links_retarget points the site's articles at their pages");
		free(r);
	}
	links_free(l);
	l = links_load(ws, 9, 1, "burr grinder", "", &err);
	is_str(keep(l, "<a href=\"https://x.example/gardening\">g</a>", &n), "g",
	       "without site.url an absolute link is no article's");
	is_str(keep(l, "<a href=\"/gardening\">g</a>", &n), "<a href=\"/gardening\">g</a>",
	       "a relative one still is");
	links_free(l);
}

/* seo_check holds the links to the repair turn when given the articles. */
static void
test_seo(void)
{
	struct ig_err err = { 0 };
	struct links *l = links_load(ws, 9, 1, "burr grinder", "https://x.example", &err);
	cJSON *ans = cJSON_Parse("{\"title\":\"t\",\"meta_title\":\"t\",\"meta_description\":"
				 "\"A description long enough to pass the lower bound of fifty.\","
				 "\"slug\":\"t\",\"body\":\"<p>x <a href='https://y.test/'>y</a></p>\"}");
	struct seo_want w = { NULL, 0, NULL, l };
	struct buf b = BUF_INIT(0);

	is_int(seo_check(ans, &w, &b), 1, "a link elsewhere is a problem for seo_check");
	like(buf_str(&b), "the link to 'https://y.test/' is not one of", "named");
	buf_release(&b);
	w.links = NULL;
	is_int(seo_check(ans, &w, &b), 0, "not without the articles");
	buf_release(&b);
	cJSON_Delete(ans);
	links_free(l);
}

int
main(void)
{
	struct ig_err err = { 0 };

	if (!(ws = ws_open("t-links.db.missing", WS_SCRATCH, &err))) {
		diag("%s", err.msg);
		return 1;
	}
	test_offer();
	test_check();
	test_seo();
	ws_close(ws);
	return done_testing();
}
