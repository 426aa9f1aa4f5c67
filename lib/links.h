/*
 * links.h: internal links.  The site is the workspace: its articles are
 * the content of tasks that are done.  Before an article is written,
 * links_load() reads them and picks the related ones the writer is
 * offered (same cluster first, then those sharing words with the new
 * article's title and keywords); after, every link of the answer is held
 * against all of them, not only those offered.
 *
 * A link's target is an article when its href is the URL the prompt gave
 * for it, or a relative or same-origin (site.url's scheme and host) URL
 * whose last path segment is the article's slug.  "#" anchors inside the
 * page are neither checked nor counted.
 *
 * Ownership: links_load() returns a heap object freed by links_free();
 * functions returning char * hand the string to the caller (NULL on out of
 * memory).
 */
#ifndef IG_LINKS_H
#define IG_LINKS_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "compat.h"
#include "err.h"
#include "workspace.h"

/* At most this many related articles are offered to the writer. */
#define LINKS_OFFER 8
/* An answer places between LINKS_MIN (or fewer when fewer are offered)
 * and LINKS_MAX links to the site's articles. */
#define LINKS_MIN 2
#define LINKS_MAX 4

struct links;

/*
 * The site's articles but task_id's own.  cluster_id (0: none) ranks the
 * same cluster's first; `about` (the title, primary keyword and keywords,
 * as free text) ranks the rest by the words they share with it; site_url
 * (may be NULL or "") makes the URLs offered absolute.  NULL with err set
 * on a database error or out of memory.
 */
struct links *links_load(struct ws *ws, long task_id, long cluster_id, const char *about,
			 const char *site_url, struct ig_err *err);
void links_free(struct links *l);
/* How many related articles are offered. */
int links_offered(const struct links *l);
/*
 * The prompt's {related} variable: one line per related article,
 * '- "Title" (primary keyword: kw): URL', or a line saying there are none
 * and that no link is to be written.
 */
char *links_prompt(const struct links *l);
/*
 * The problems of the links in html (normalised HTML) worth a repair
 * turn: a link whose target is not one of the site's articles, link text
 * that does not say what the target is about ("click here", a bare URL),
 * more than LINKS_MAX links.  Each is appended to out as by seo_problem()
 * after the n already there; returns the new count.
 */
int links_check(const struct links *l, const char *html, struct buf *out, int n);
/*
 * Fewer links to distinct articles than asked for (LINKS_MIN, or as many
 * as are offered when fewer): a flag on the record, not worth rewriting
 * the article for.  Appends it as links_check() does.
 */
int links_shortfall(const struct links *l, const char *html, struct buf *out, int n);
/* html without the links whose target is not one of the site's articles
 * (their text stays); *removed_out counts them. */
char *links_keep(const struct links *l, const char *html, int *removed_out);
/*
 * html with each link to one of the site's articles pointing at prefix,
 * the article's slug and suffix instead (a static copy of the site:
 * "", ".html"); other links are left as they are.
 */
char *links_retarget(const struct links *l, const char *html, const char *prefix,
		     const char *suffix);

#endif
