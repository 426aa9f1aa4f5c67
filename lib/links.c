/*
 * links.c: the site's articles a new article may link to, and the check of
 * the links it holds (see links.h).  Relatedness is deliberately simple:
 * the same cluster, then shared words of the title and primary keyword,
 * which is what a reader following a link expects to find.
 */
#include "compat.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "links.h"
#include "seo_check.h"

/* Articles read, newest first: enough for any one site's related set. */
#define LINKS_READ 2000
/* An href or link text quoted in a problem is cut to this many bytes. */
#define LINKS_QUOTE 80

struct article {
	char *title, *slug, *keyword;
	char *url;	/* the URL offered for it */
	int score;	/* words shared with the new article */
	int same;	/* in the new article's cluster */
};

struct links {
	struct article *a;	/* all the site's articles */
	int n;
	int *offer;		/* indexes into a, best first */
	int noffer;
	char *origin;		/* "scheme://host" of site.url, or NULL */
};

/* Words that say nothing of a topic, not counted as shared. */
static const char *const stop[] = {
	"the", "and", "for", "with", "how", "what", "why", "who", "your", "you",
	"are", "from", "that", "this", "best", "guide", "top", "into", "vs",
	NULL,
};

/* Link text that does not say where the link goes, folded. */
static const char *const vague[] = {
	"here", "click here", "click", "this", "this article", "this post",
	"this guide", "this page", "read more", "more", "learn more", "see more",
	"find out more", "link", "article", "post", "website", "our guide",
	"our article", "see here", "read this", NULL,
};

/* The "scheme://host" start of url (lower case), or NULL. */
static char *
origin_of(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	char *o;

	if (!p || p == url)
		return NULL;
	p += 3;
	p += strcspn(p, "/?#");
	if (!(o = strndup(url, (size_t)(p - url))))
		return NULL;
	for (char *c = o; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return o;
}

/* The folded words of s worth matching, space-separated with one at each
 * end (" burr grinder "), so a word is found as " word ". */
static char *
words_of(const char *s)
{
	char *f = seo_fold(s), *save = NULL;
	struct buf b = BUF_INIT(0);
	const char *sep = " \t\r\n,.:;!?()[]\"'/&-|";

	buf_putc(&b, ' ');
	for (char *t = f ? strtok_r(f, sep, &save) : NULL; t; t = strtok_r(NULL, sep, &save)) {
		int skip = strlen(t) < 3;

		for (int i = 0; !skip && stop[i]; i++)
			skip = !strcmp(t, stop[i]);
		if (!skip) {
			buf_puts(&b, t);
			buf_putc(&b, ' ');
		}
	}
	free(f);
	return buf_detach(&b);
}

/* How many words of `have` (as words_of() makes them) are in `about`. */
static int
shared(const char *have, const char *about)
{
	int n = 0;

	for (const char *p = have; *p;) {
		const char *e = strchr(p + 1, ' ');
		char w[128];

		if (!e)
			break;
		if (e - p > 1 && (size_t)(e - p + 1) < sizeof w) {
			memcpy(w, p, (size_t)(e - p + 1));
			w[e - p + 1] = '\0';
			n += strstr(about, w) != NULL;
		}
		p = e;
	}
	return n;
}

static char *
dup_col(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return strdup(s ? s : "");
}

/*
 * The URL offered for an article: where it was published when known (a
 * path made absolute on the site), else the slug at the site's root,
 * WordPress's "post name" permalink.
 */
static char *
url_of(const char *published, const char *slug, const char *site_url)
{
	struct buf b = BUF_INIT(0);
	size_t sl = site_url ? strlen(site_url) : 0;

	while (sl > 0 && site_url[sl - 1] == '/')
		sl--;
	if (published && *published && strstr(published, "://"))
		return strdup(published);
	if (published && *published == '/') {
		buf_append(&b, site_url ? site_url : "", sl);
		buf_puts(&b, published);
		return buf_detach(&b);
	}
	buf_append(&b, site_url ? site_url : "", sl);
	buf_putc(&b, '/');
	buf_puts(&b, slug);
	buf_putc(&b, '/');
	return buf_detach(&b);
}

static int
better(const struct article *x, const struct article *y)
{
	if (x->same != y->same)
		return x->same > y->same;
	return x->score > y->score;
}

/* Chooses the offered articles: the same cluster's, then by shared words;
 * ties keep the newest first (the order read). */
static int
choose(struct links *l)
{
	if (!(l->offer = calloc(LINKS_OFFER, sizeof *l->offer)))
		return -1;
	for (int i = 0; i < l->n; i++) {
		int at;

		if (!l->a[i].same && l->a[i].score == 0)
			continue;
		if (l->noffer == LINKS_OFFER && !better(&l->a[i], &l->a[l->offer[LINKS_OFFER - 1]]))
			continue;
		at = l->noffer < LINKS_OFFER ? l->noffer++ : LINKS_OFFER - 1;
		while (at > 0 && better(&l->a[i], &l->a[l->offer[at - 1]])) {
			l->offer[at] = l->offer[at - 1];
			at--;
		}
		l->offer[at] = i;
	}
	return 0;
}

struct links *
links_load(struct ws *ws, long task_id, long cluster_id, const char *about,
	   const char *site_url, struct ig_err *err)
{
	static const char sql[] =
		"SELECT c.title, c.slug, c.primary_keyword, i.cluster_id,"
		" (SELECT p.url FROM publish p WHERE p.task_id = c.task_id"
		"  AND p.status = 'published' AND p.url IS NOT NULL"
		"  ORDER BY p.updated_at DESC LIMIT 1)"
		/* CROSS JOIN: newest articles first, through content_recent
		 * (schema 6), so that LIMIT ends the scan; the planner
		 * otherwise starts from every done task and sorts them all. */
		" FROM content c CROSS JOIN tasks t ON t.id = c.task_id"
		" LEFT JOIN ideas i ON i.id = t.idea_id"
		" WHERE c.task_id != ?1 AND t.status = 'done'"
		" AND c.slug IS NOT NULL AND c.slug != ''"
		/* The same title again is the same article rewritten (a
		 * one-off run makes a task each time), not a related one. */
		" AND lower(t.title) != coalesce((SELECT lower(title) FROM tasks WHERE id = ?1), '')"
		" ORDER BY c.id DESC LIMIT ?2";
	struct links *l = calloc(1, sizeof *l);
	sqlite3_stmt *st = ws_cached(ws, sql, err);
	char *mine = words_of(about);
	int bad = !l || !mine;

	if (!st) {
		free(l);
		free(mine);
		return NULL;
	}
	if (!bad && !(l->a = calloc(LINKS_READ, sizeof *l->a)))
		bad = 1;
	sqlite3_bind_int64(st, 1, task_id);
	sqlite3_bind_int(st, 2, LINKS_READ);
	while (!bad && sqlite3_step(st) == SQLITE_ROW) {
		struct article *a = &l->a[l->n++];
		struct buf t = BUF_INIT(0);
		char *have;

		a->title = dup_col(st, 0);
		a->slug = dup_col(st, 1);
		a->keyword = dup_col(st, 2);
		a->url = url_of((const char *)sqlite3_column_text(st, 4), a->slug, site_url);
		a->same = cluster_id > 0 && sqlite3_column_int64(st, 3) == cluster_id;
		buf_puts(&t, a->title ? a->title : "");
		buf_putc(&t, ' ');
		buf_puts(&t, a->keyword ? a->keyword : "");
		have = words_of(buf_str(&t));
		buf_release(&t);
		a->score = have ? shared(have, mine) : 0;
		free(have);
		bad = !a->title || !a->slug || !a->keyword || !a->url;
	}
	ws_done(st);
	free(mine);
	if (!bad && site_url && *site_url && !(l->origin = origin_of(site_url)))
		bad = strstr(site_url, "://") != NULL;
	if (bad || choose(l) < 0) {
		links_free(l);
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	return l;
}

void
links_free(struct links *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->n; i++) {
		free(l->a[i].title);
		free(l->a[i].slug);
		free(l->a[i].keyword);
		free(l->a[i].url);
	}
	free(l->a);
	free(l->offer);
	free(l->origin);
	free(l);
}

int
links_offered(const struct links *l)
{
	return l ? l->noffer : 0;
}

char *
links_prompt(const struct links *l)
{
	struct buf b = BUF_INIT(0);

	if (links_offered(l) == 0)
		buf_puts(&b, "(none yet: write no links)");
	for (int i = 0; i < links_offered(l); i++) {
		const struct article *a = &l->a[l->offer[i]];

		buf_printf(&b, "%s- \"%s\" (primary keyword: %s): %s", i ? "\n" : "",
			   a->title, *a->keyword ? a->keyword : a->title, a->url);
	}
	return buf_detach(&b);
}

/* Percent-decodes s[0..len) into out (a slug may be sent encoded). */
static void
decode(const char *s, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], '\0' };

			buf_putc(out, (char)strtol(hex, NULL, 16));
			i += 2;
		} else {
			buf_putc(out, (char)tolower((unsigned char)s[i]));
		}
	}
}

/* The article href points to, or -1.  href is as the sanitizer writes it
 * (attribute-escaped). */
static int
target(const struct links *l, const char *href)
{
	struct buf path = BUF_INIT(0), u = BUF_INIT(0);
	const char *p, *end, *seg;
	int found = -1;

	/* the attribute's "&amp;" is the URL's "&" */
	for (p = href; *p; p++) {
		buf_putc(&u, *p);
		if (!strncmp(p, "&amp;", 5))
			p += 4;
	}
	for (int i = 0; i < l->n; i++)
		if (!strcmp(buf_str(&u), l->a[i].url)) {
			buf_release(&u);
			return i;
		}
	p = buf_str(&u);
	if (!strncmp(p, "//", 2) || p[strcspn(p, ":/?#")] == ':') {
		const char *host = l->origin ? strstr(l->origin, "://") + 3 : NULL;
		size_t o;

		/* absolute or "//host": only on the site's own scheme and host */
		if (!host)
			p = NULL;
		else if (!strncmp(p, "//", 2) && !strncasecmp(p + 2, host, strlen(host)))
			p += 2 + strlen(host);
		else if (!strncasecmp(p, l->origin, (o = strlen(l->origin))))
			p += o;
		else
			p = NULL;
		if (!p || (*p && !strchr("/?#", *p))) {
			buf_release(&u);
			return -1;
		}
	}
	end = p + strcspn(p, "?#");
	while (end > p && end[-1] == '/')
		end--;
	for (seg = end; seg > p && seg[-1] != '/'; seg--)
		;
	decode(seg, (size_t)(end - seg), &path);
	for (int i = 0; i < l->n && end > seg; i++)
		if (!strcmp(buf_str(&path), l->a[i].slug)) {
			found = i;
			break;
		}
	buf_release(&path);
	buf_release(&u);
	return found;
}

/* One <a href="...">text</a> of normalised HTML. */
struct anchor {
	const char *start, *end;	/* the whole element */
	const char *open_end;		/* just after the opening tag */
	const char *close;		/* the closing tag, or NULL */
	char *href, *text;
};

/* The next anchor at or after p; 0 when there is none. */
static int
next_anchor(const char *p, struct anchor *a)
{
	const char *h, *q;

	memset(a, 0, sizeof *a);
	for (;;) {
		if (!(a->start = strstr(p, "<a ")) || !(q = strchr(a->start, '>')))
			return 0;
		a->open_end = q + 1;
		h = strstr(a->start, "href=\"");
		if (h && h < q)
			break;
		p = a->open_end;
	}
	a->href = strndup(h + 6, strcspn(h + 6, "\""));
	a->close = strstr(a->open_end, "</a>");
	a->end = a->close ? a->close + 4 : a->open_end;
	if (a->close && (a->text = strndup(a->open_end, (size_t)(a->close - a->open_end)))) {
		char *w = a->text;
		int in = 0;

		for (const char *r = a->text; *r; r++) {
			if (*r == '<')
				in = 1;
			else if (*r == '>')
				in = 0;
			else if (!in)
				*w++ = *r;
		}
		*w = '\0';
	}
	return 1;
}

static void
anchor_release(struct anchor *a)
{
	free(a->href);
	free(a->text);
}

/* 1 when link text says nothing of where the link goes. */
static int
vague_text(const char *text)
{
	char *f = seo_fold(text);
	char *s, *e;
	int yes = 0;

	if (!f)
		return 0;
	for (s = f; *s && strchr(" \t\r\n.:;,!?()\"'", *s); s++)
		;
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n.:;,!?()\"'", e[-1]))
		e--;
	*e = '\0';
	yes = !*s || strstr(s, "://") || !strncmp(s, "www.", 4);
	for (int i = 0; !yes && vague[i]; i++)
		yes = !strcmp(s, vague[i]);
	free(f);
	return yes;
}

int
links_check(const struct links *l, const char *html, struct buf *out, int n)
{
	struct anchor a;
	struct buf seen = BUF_INIT(0);	/* "\n"-joined hrefs said already */
	int links = 0;

	buf_putc(&seen, '\n');
	for (const char *p = html; next_anchor(p, &a); p = a.end, anchor_release(&a)) {
		if (!a.href || a.href[0] == '#')
			continue;
		if (target(l, a.href) < 0) {
			struct buf key = BUF_INIT(0);

			/* one problem per URL, however often it is linked */
			buf_printf(&key, "\n%s\n", a.href);
			if (!strstr(buf_str(&seen), buf_str(&key)))
				n = seo_problem(out, n, "the link to '%.*s' is not one of the"
						" site's articles listed: link only to those,"
						" with the URL given", LINKS_QUOTE, a.href);
			buf_printf(&seen, "%s\n", a.href);
			buf_release(&key);
			continue;
		}
		links++;
		if (vague_text(a.text))
			n = seo_problem(out, n, "the link text '%.*s' does not say what the"
					" linked article is about", LINKS_QUOTE,
					a.text ? a.text : "");
	}
	buf_release(&seen);
	if (links > LINKS_MAX)
		n = seo_problem(out, n, "the body has %d links to the site's articles, not at"
				" most %d", links, LINKS_MAX);
	return n;
}

int
links_shortfall(const struct links *l, const char *html, struct buf *out, int n)
{
	struct anchor a;
	int want = links_offered(l) < LINKS_MIN ? links_offered(l) : LINKS_MIN;
	int distinct = 0;
	char *seen = l && l->n ? calloc((size_t)l->n, 1) : NULL;

	if (want == 0 || !seen) {
		free(seen);
		return n;
	}
	for (const char *p = html; next_anchor(p, &a); p = a.end, anchor_release(&a)) {
		int t = a.href && a.href[0] != '#' ? target(l, a.href) : -1;

		if (t >= 0 && !seen[t]) {
			seen[t] = 1;
			distinct++;
		}
	}
	free(seen);
	if (distinct < want)
		n = seo_problem(out, n, "the body links to %d of the site's articles, asked for"
				" %d to %d", distinct, want, LINKS_MAX);
	return n;
}

char *
links_keep(const struct links *l, const char *html, int *removed_out)
{
	struct buf b = BUF_INIT(0);
	struct anchor a;
	const char *p = html;
	int removed = 0, bad = 0;

	while (next_anchor(p, &a)) {
		if (!a.href || a.href[0] == '#' || target(l, a.href) >= 0) {
			bad |= buf_append(&b, p, (size_t)(a.end - p)) < 0;
		} else {
			/* the tags go; the text stays */
			bad |= buf_append(&b, p, (size_t)(a.start - p)) < 0;
			if (a.close)
				bad |= buf_append(&b, a.open_end,
						  (size_t)(a.close - a.open_end)) < 0;
			removed++;
		}
		p = a.end;
		anchor_release(&a);
	}
	bad |= buf_puts(&b, p) < 0;
	if (bad) {
		buf_release(&b);
		return NULL;
	}
	*removed_out = removed;
	return buf_detach(&b);
}

/* s as an attribute value: a slug edited by hand may hold anything. */
static int
put_attr(struct buf *b, const char *s)
{
	int rc = 0;

	for (; *s && rc == 0; s++)
		rc = *s == '"' ? buf_puts(b, "&quot;") : *s == '&' ? buf_puts(b, "&amp;") :
		     *s == '<' ? buf_puts(b, "&lt;") : *s == '>' ? buf_puts(b, "&gt;") :
		     buf_append(b, s, 1);
	return rc;
}

char *
links_retarget(const struct links *l, const char *html, const char *prefix,
	       const char *suffix)
{
	struct buf b = BUF_INIT(0);
	struct anchor a;
	const char *p = html;
	int bad = 0;

	while (next_anchor(p, &a)) {
		int t = a.href && a.href[0] != '#' ? target(l, a.href) : -1;

		if (t < 0) {
			bad |= buf_append(&b, p, (size_t)(a.end - p)) < 0;
		} else {
			/* the opening tag anew, the text and closing tag as they were */
			bad |= buf_append(&b, p, (size_t)(a.start - p)) < 0;
			bad |= buf_puts(&b, "<a href=\"") < 0;
			bad |= put_attr(&b, prefix) < 0 || put_attr(&b, l->a[t].slug) < 0 ||
			       put_attr(&b, suffix) < 0;
			bad |= buf_puts(&b, "\">") < 0;
			bad |= buf_append(&b, a.open_end, (size_t)(a.end - a.open_end)) < 0;
		}
		p = a.end;
		anchor_release(&a);
	}
	bad |= buf_puts(&b, p) < 0;
	if (bad) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}
