/*
 * report_html.c: `igny8 report --html DIR`, the workspace as a small static
 * site a person can look at: an index with the spend charts (inline SVG),
 * the clusters with their keywords and ideas, and one page per article
 * with its images.  Self-contained: one inline style sheet, no script, no
 * font or style from elsewhere, images copied under DIR/images/.  Every
 * file is written atomically, so a browser never sees half a page.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "imgfile.h"
#include "links.h"
#include "publish.h"
#include "report.h"

#define MAX_IMAGE (64u << 20)

static const char style[] =
	"body{font:16px/1.5 sans-serif;margin:2em auto;max-width:60em;padding:0 1em;"
	"color:#222;background:#fff}"
	"h1,h2{line-height:1.2}table{border-collapse:collapse;margin:1em 0}"
	"td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left}"
	"td.n{text-align:right}img{max-width:100%;height:auto}"
	"nav a{margin-right:1em}.muted{color:#666}"
	"figure{margin:1.5em 0}svg text{font:12px sans-serif}";

static void
esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		default: buf_putc(b, *s); break;
		}
	}
}

static const char *
col(sqlite3_stmt *st, int c)
{
	const char *s = (const char *)sqlite3_column_text(st, c);

	return s ? s : "";
}

static void
head(struct buf *b, const char *title, const char *root)
{
	buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		 "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	esc(b, title);
	buf_printf(b, "</title><style>%s</style></head><body>\n<nav>"
		   "<a href=\"%sindex.html\">Overview</a>"
		   "<a href=\"%sclusters.html\">Clusters and ideas</a></nav>\n",
		   style, root, root);
}

static int
put(const char *dir, const char *name, struct buf *b, struct ig_err *err)
{
	buf_puts(b, "</body></html>\n");
	if (b->toobig)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	return imgfile_write(dir, name, b->data, b->len, err);
}

/* A bar chart of (label, value) rows as inline SVG, values in dollars. */
static void
bar_chart(struct buf *b, sqlite3_stmt *st, const char *what)
{
	double vals[64], max = 0;
	char labels[64][64];
	int known[64];
	size_t n = 0;

	while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(labels[n], sizeof labels[n], "%s", col(st, 0));
		vals[n] = sqlite3_column_double(st, 1);
		known[n] = sqlite3_column_int(st, 2) > 0;
		if (vals[n] > max)
			max = vals[n];
		n++;
	}
	if (n == 0) {
		buf_printf(b, "<p class=\"muted\">No AI calls yet: no spend %s.</p>\n", what);
		return;
	}
	buf_printf(b, "<svg role=\"img\" aria-label=\"spend %s\" width=\"640\" "
		   "height=\"%zu\" viewBox=\"0 0 640 %zu\">\n", what, n * 26 + 10, n * 26 + 10);
	for (size_t i = 0; i < n; i++) {
		double w = max > 0 ? vals[i] / max * 400 : 0;

		buf_printf(b, "<text x=\"0\" y=\"%zu\">", i * 26 + 20);
		esc(b, labels[i]);
		buf_printf(b, "</text><rect x=\"140\" y=\"%zu\" width=\"%.1f\" height=\"18\" "
			   "fill=\"#3b7dd8\"/><text x=\"%.1f\" y=\"%zu\">", i * 26 + 6,
			   w < 1 ? 1 : w, 150 + (w < 1 ? 1 : w), i * 26 + 20);
		/* A group whose every call had no known price is not $0. */
		if (known[i])
			buf_printf(b, "$%.4f</text>\n", vals[i]);
		else
			buf_puts(b, "unknown</text>\n");
	}
	buf_puts(b, "</svg>\n");
}

static int
spend(struct buf *b, struct ws *ws, const char *key, const char *what,
      struct ig_err *err)
{
	char sql[256];
	sqlite3_stmt *st;

	snprintf(sql, sizeof sql, "SELECT %s, total(cost), count(cost) FROM ai_log GROUP BY 1 "
		 "ORDER BY 1", key);
	if (!(st = ws_prepare(ws, sql, err)))
		return -1;
	bar_chart(b, st, what);
	sqlite3_finalize(st);
	return 0;
}

static long
count(struct ws *ws, const char *sql)
{
	sqlite3_stmt *st = ws_prepare(ws, sql, NULL);
	long n = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
index_page(struct ws *ws, const char *dir, struct ig_err *err)
{
	struct buf b = BUF_INIT(0);
	sqlite3_stmt *st;
	int rc = -1;

	head(&b, "igny8 report", "");
	buf_puts(&b, "<h1>igny8 report</h1>\n<p>");
	/* The file's name, not where it lives on this machine. */
	esc(&b, strrchr(ws_path(ws), '/') ? strrchr(ws_path(ws), '/') + 1 : ws_path(ws));
	buf_printf(&b, ": %ld keywords in %ld clusters, %ld ideas, %ld articles, "
		   "%ld images.</p>\n", count(ws, "SELECT count(*) FROM keywords"),
		   count(ws, "SELECT count(*) FROM clusters"),
		   count(ws, "SELECT count(*) FROM ideas"),
		   count(ws, "SELECT count(*) FROM content"),
		   count(ws, "SELECT count(*) FROM images WHERE status = 'done'"));
	buf_printf(&b, "<h2>Spend by day</h2>\n");
	if (spend(&b, ws, "substr(created_at, 1, 10)", "by day", err) < 0)
		goto done;
	buf_printf(&b, "<h2>Spend by function</h2>\n");
	if (spend(&b, ws, "function", "by function", err) < 0)
		goto done;
	if (count(ws, "SELECT count(*) FROM ai_log WHERE cost IS NULL") > 0)
		buf_printf(&b, "<p class=\"muted\">%ld calls of unknown cost are not in "
			   "the charts.</p>\n",
			   count(ws, "SELECT count(*) FROM ai_log WHERE cost IS NULL"));
	buf_puts(&b, "<h2>Articles</h2>\n<ul>\n");
	if (!(st = ws_prepare(ws, "SELECT slug, title, word_count FROM content "
			      "ORDER BY task_id", err)))
		goto done;
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_puts(&b, "<li><a href=\"articles/");
		esc(&b, col(st, 0));
		buf_puts(&b, ".html\">");
		esc(&b, col(st, 1));
		buf_printf(&b, "</a> <span class=\"muted\">%d words</span></li>\n",
			   sqlite3_column_int(st, 2));
	}
	sqlite3_finalize(st);
	buf_puts(&b, "</ul>\n");
	rc = put(dir, "index.html", &b, err);
done:
	buf_release(&b);
	return rc;
}

static int
cluster_keywords(struct buf *b, struct ws *ws, long id, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT keyword, volume, intent FROM keywords"
				      " WHERE cluster_id = ? ORDER BY volume DESC, keyword",
				      err);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	buf_puts(b, "<table><tr><th>Keyword</th><th>Volume</th><th>Intent</th></tr>\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_puts(b, "<tr><td>");
		esc(b, col(st, 0));
		buf_puts(b, "</td><td class=\"n\">");
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			buf_printf(b, "%lld", (long long)sqlite3_column_int64(st, 1));
		buf_puts(b, "</td><td>");
		esc(b, col(st, 2));
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n");
	sqlite3_finalize(st);
	return 0;
}

static int
cluster_ideas(struct buf *b, struct ws *ws, long id, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT title, content_type, description"
				      " FROM ideas WHERE cluster_id = ? ORDER BY id", err);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	buf_puts(b, "<ul>\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_puts(b, "<li><strong>");
		esc(b, col(st, 0));
		buf_puts(b, "</strong> <span class=\"muted\">");
		esc(b, col(st, 1));
		buf_puts(b, "</span><br>");
		esc(b, col(st, 2));
		buf_puts(b, "</li>\n");
	}
	buf_puts(b, "</ul>\n");
	sqlite3_finalize(st);
	return 0;
}

static int
clusters_page(struct ws *ws, const char *dir, struct ig_err *err)
{
	struct buf b = BUF_INIT(0);
	sqlite3_stmt *st = ws_prepare(ws, "SELECT c.id, c.name, c.description,"
				      " count(k.id), total(k.volume) FROM clusters c"
				      " LEFT JOIN keywords k ON k.cluster_id = c.id"
				      " GROUP BY c.id ORDER BY total(k.volume) DESC, c.name",
				      err);
	int rc = 0;

	if (!st)
		return -1;
	head(&b, "Clusters and ideas", "");
	buf_puts(&b, "<h1>Clusters and ideas</h1>\n");
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		long id = (long)sqlite3_column_int64(st, 0);

		buf_printf(&b, "<h2 id=\"c%ld\">", id);
		esc(&b, col(st, 1));
		buf_printf(&b, "</h2>\n<p class=\"muted\">%lld keywords, volume %.0f. ",
			   (long long)sqlite3_column_int64(st, 3),
			   sqlite3_column_double(st, 4));
		esc(&b, col(st, 2));
		buf_puts(&b, "</p>\n<h3>Keywords</h3>\n");
		rc = cluster_keywords(&b, ws, id, err);
		buf_puts(&b, "<h3>Ideas</h3>\n");
		if (rc == 0)
			rc = cluster_ideas(&b, ws, id, err);
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = put(dir, "clusters.html", &b, err);
	buf_release(&b);
	return rc;
}

/* Copies an article's images to DIR/images/ and writes its page. */
static int
article_page(struct ws *ws, const char *dir, long task_id, const char *device,
	     struct ig_err *err)
{
	struct pub_article a;
	struct buf b = BUF_INIT(0), img = BUF_INIT(0);
	char imgdir[4200], **links = NULL, name[600], *html = NULL;
	const char **to = NULL;
	struct links *l;
	int rc = -1;

	snprintf(imgdir, sizeof imgdir, "%s/images", dir);
	if (pub_article_load(ws, task_id, device, &a, err) < 0)
		goto done;
	to = calloc(a.nimages + 1, sizeof *to);
	links = calloc(a.nimages + 1, sizeof *links);
	if (!to || !links) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < a.nimages; i++) {
		if (pub_read_file(a.images[i].path, MAX_IMAGE, &img, err) < 0 ||
		    imgfile_write(imgdir, a.images[i].name, img.data, img.len, err) < 0)
			goto done;
		snprintf(name, sizeof name, "../images/%s", a.images[i].name);
		if (!(links[i] = strdup(name))) {
			ig_err_set(err, IG_ESOFTWARE, "out of memory");
			goto done;
		}
		to[i] = links[i];
	}
	html = pub_html_with(&a, to);
	/* Links to the site's other articles go to their pages here. */
	if (html && (l = links_load(ws, task_id, 0, "", NULL, err))) {
		char *local = links_retarget(l, html, "", ".html");

		if (local) {
			free(html);
			html = local;
		}
		links_free(l);
	} else if (html) {
		goto done;
	}
	head(&b, a.title, "../");
	buf_puts(&b, "<article><h1>");
	esc(&b, a.title);
	buf_puts(&b, "</h1>\n<p class=\"muted\">");
	esc(&b, a.description);
	buf_puts(&b, "</p>\n");
	if (a.nimages && a.images[0].featured) {
		buf_printf(&b, "<figure><img src=\"%s\" alt=\"", to[0]);
		esc(&b, a.images[0].alt);
		buf_puts(&b, "\"></figure>\n");
	}
	/* The body was sanitized when it was saved (html_sanitize). */
	buf_puts(&b, html ? html : "");
	/* In-article images not placed in the body (no igny8-image --insert). */
	for (size_t i = 0; i < a.nimages; i++) {
		if (a.images[i].featured || strstr(a.html, a.images[i].path))
			continue;
		buf_printf(&b, "\n<figure><img src=\"%s\" alt=\"", to[i]);
		esc(&b, a.images[i].alt);
		buf_puts(&b, "\"></figure>");
	}
	buf_puts(&b, "\n</article>\n");
	snprintf(name, sizeof name, "%s.html", a.slug);
	snprintf(imgdir, sizeof imgdir, "%s/articles", dir);
	rc = put(imgdir, name, &b, err);
done:
	for (size_t i = 0; links && i < a.nimages; i++)
		free(links[i]);
	free(links);
	free(to);
	free(html);
	buf_release(&b);
	buf_release(&img);
	pub_article_release(&a);
	return rc;
}

int
report_html(struct ws *ws, const char *dir, const char *device, struct ig_err *err)
{
	char sub[4200];
	sqlite3_stmt *st;
	long *tasks = NULL, *n;
	size_t len = 0;
	int rc = 0;

	snprintf(sub, sizeof sub, "%s/articles", dir);
	if (imgfile_mkdirs(sub, err) < 0)
		return -1;
	snprintf(sub, sizeof sub, "%s/images", dir);
	if (imgfile_mkdirs(sub, err) < 0)
		return -1;
	if (!(st = ws_prepare(ws, "SELECT task_id FROM content ORDER BY task_id", err)))
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!(n = realloc(tasks, (len + 1) * sizeof *n))) {
			rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
			break;
		}
		tasks = n;
		tasks[len++] = (long)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; rc == 0 && i < len; i++)
		rc = article_page(ws, dir, tasks[i], device, err);
	free(tasks);
	if (rc == 0)
		rc = clusters_page(ws, dir, err);
	if (rc == 0)
		rc = index_page(ws, dir, err);
	return rc;
}
