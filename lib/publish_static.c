/*
 * publish_static.c: an article as a Markdown file with YAML front matter
 * in a static site generator's content folder, its images beside it.
 *
 * Each generator's documented layout:
 *   hugo    content/posts/SLUG/index.md, a leaf bundle whose images sit in
 *           the same folder (https://gohugo.io/content-management/page-bundles/;
 *           front matter fields: https://gohugo.io/content-management/front-matter/)
 *   jekyll  _posts/YYYY-MM-DD-SLUG.md (https://jekyllrb.com/docs/posts/),
 *           images under assets/images/SLUG/ linked from the site root, since
 *           Jekyll does not copy files beside a post
 *           (https://jekyllrb.com/docs/posts/#including-images-and-resources)
 *   astro   src/content/blog/SLUG/index.md, a content collection entry whose
 *           images are linked as ./NAME (https://docs.astro.build/en/guides/
 *           content-collections/, https://docs.astro.build/en/guides/images/)
 * Files are written atomically and only when their bytes change, so that a
 * site kept in git shows only real changes after a rerun.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "html.h"
#include "imgfile.h"
#include "json.h"
#include "publish.h"

/* Largest image file copied, as image.max_bytes' default. */
#define MAX_IMAGE (64u << 20)

struct layout {
	char mddir[4096];	/* folder of the Markdown file */
	char mdname[512];	/* its name */
	char imgdir[4096];	/* folder of the images */
	char link[600];		/* prefix of an image's link */
	char url[600];		/* the page's path on the site, "" unknown */
};

static int
layout(enum pub_target t, const char *dir, const struct pub_article *a,
       const char *date, struct layout *l)
{
	int n = 0;

	switch (t) {
	case PUB_HUGO:
		n = snprintf(l->mddir, sizeof l->mddir, "%s/content/posts/%s", dir, a->slug);
		snprintf(l->mdname, sizeof l->mdname, "index.md");
		snprintf(l->link, sizeof l->link, "%s", "");
		snprintf(l->url, sizeof l->url, "/posts/%s/", a->slug);
		break;
	case PUB_ASTRO:
		n = snprintf(l->mddir, sizeof l->mddir, "%s/src/content/blog/%s", dir,
			     a->slug);
		snprintf(l->mdname, sizeof l->mdname, "index.md");
		snprintf(l->link, sizeof l->link, "./");
		snprintf(l->url, sizeof l->url, "/blog/%s/", a->slug);
		break;
	case PUB_JEKYLL:
		n = snprintf(l->mddir, sizeof l->mddir, "%s/_posts", dir);
		snprintf(l->mdname, sizeof l->mdname, "%.10s-%s.md", date, a->slug);
		snprintf(l->imgdir, sizeof l->imgdir, "%s/assets/images/%s", dir, a->slug);
		snprintf(l->link, sizeof l->link, "/assets/images/%s/", a->slug);
		l->url[0] = '\0';
		return n < 0 || (size_t)n >= sizeof l->mddir ? -1 : 0;
	case PUB_WORDPRESS:
		return -1;
	}
	snprintf(l->imgdir, sizeof l->imgdir, "%s", l->mddir);
	return n < 0 || (size_t)n >= sizeof l->mddir ? -1 : 0;
}

/* A YAML list of strings in flow style, each a JSON (so YAML) string. */
static void
yaml_list(struct buf *b, const char *key, const cJSON *arr)
{
	const cJSON *e;
	int first = 1;

	buf_printf(b, "%s: [", key);
	cJSON_ArrayForEach(e, arr) {
		buf_puts(b, first ? "" : ", ");
		json_put_str(b, e->valuestring);
		first = 0;
	}
	buf_puts(b, "]\n");
}

static void
yaml_str(struct buf *b, const char *key, const char *value)
{
	buf_printf(b, "%s: ", key);
	json_put_str(b, value);
	buf_putc(b, '\n');
}

/* "2026-12-04T23:37:39Z" as Jekyll's "2026-12-04 23:37:39 +0000". */
static void
jekyll_date(const char *iso, char *out, size_t n)
{
	snprintf(out, n, "%.10s %.8s +0000", iso, strlen(iso) > 11 ? iso + 11 : "00:00:00");
}

static char *
front_matter_and_body(enum pub_target t, const struct pub_article *a,
		      const char *date, int draft, const struct layout *l)
{
	struct buf b = BUF_INIT(0);
	const char **to = calloc(a->nimages + 1, sizeof *to);
	char **links = calloc(a->nimages + 1, sizeof *links), *html, *md, jd[64];
	cJSON *imgs = cJSON_CreateArray();

	for (size_t i = 0; to && links && i < a->nimages; i++) {
		size_t n = strlen(l->link) + strlen(a->images[i].name) + 1;

		if ((links[i] = malloc(n)))
			snprintf(links[i], n, "%s%s", l->link, a->images[i].name);
		to[i] = links[i] ? links[i] : "";
		cJSON_AddItemToArray(imgs, cJSON_CreateString(to[i]));
	}
	buf_puts(&b, "---\n");
	if (t == PUB_JEKYLL)
		buf_puts(&b, "layout: post\n");
	yaml_str(&b, "title", a->title);
	yaml_str(&b, "slug", a->slug);
	if (t == PUB_JEKYLL) {
		jekyll_date(date, jd, sizeof jd);
		yaml_str(&b, "date", jd);
	} else {
		yaml_str(&b, "date", date);
	}
	/* Astro's blog starter names the date pubDate and the image heroImage. */
	if (t == PUB_ASTRO)
		yaml_str(&b, "pubDate", date);
	yaml_str(&b, "description", a->description);
	yaml_list(&b, "tags", a->tags);
	yaml_list(&b, "categories", a->categories);
	yaml_list(&b, "images", imgs);
	if (t == PUB_ASTRO && a->nimages && a->images[0].featured)
		yaml_str(&b, "heroImage", to[0]);
	if (draft)
		buf_puts(&b, t == PUB_JEKYLL ? "published: false\n" : "draft: true\n");
	buf_puts(&b, "---\n\n");
	html = to ? pub_html_with(a, to) : NULL;
	md = html ? html_to_markdown(html) : NULL;
	if (md)
		buf_puts(&b, md);
	if (b.len && b.data[b.len - 1] != '\n')
		buf_putc(&b, '\n');
	free(md);
	free(html);
	for (size_t i = 0; links && i < a->nimages; i++)
		free(links[i]);
	free(links);
	free(to);
	cJSON_Delete(imgs);
	if (!html || !md || b.toobig) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/*
 * Writes data as dir/name unless the file holds those bytes already.
 * Returns the action ("created", "updated", "unchanged"), or NULL with err.
 */
static const char *
put_file(const char *dir, const char *name, const void *data, size_t n,
	 int dry_run, cJSON *requests, struct ig_err *err)
{
	struct buf old = BUF_INIT(0);
	struct ig_err e = { 0 };
	char path[4700];
	const char *action;
	cJSON *req;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (pub_read_file(path, n + 1, &old, &e) < 0)
		action = access(path, F_OK) == 0 ? "updated" : "created";
	else
		action = old.len == n && !memcmp(old.data, data, n) ? "unchanged" : "updated";
	buf_release(&old);
	if (requests) {
		req = cJSON_CreateObject();
		json_add_str(req, "file", path);
		json_add_str(req, "action", action);
		cJSON_AddNumberToObject(req, "bytes", (double)n);
		cJSON_AddItemToArray(requests, req);
	}
	if (dry_run || !strcmp(action, "unchanged"))
		return action;
	if (imgfile_mkdirs(dir, err) < 0 || imgfile_write(dir, name, data, n, err) < 0)
		return NULL;
	return action;
}

/* Removes the page a previous run wrote at dir/old, if it is still there. */
static int
remove_old(const char *dir, const char *old, cJSON *requests, int dry_run,
	   struct ig_err *err)
{
	char path[4700];
	cJSON *req;

	if (strstr(old, "..") || old[0] == '/')
		return 0;	/* not a path this stage wrote */
	snprintf(path, sizeof path, "%s/%s", dir, old);
	if (access(path, F_OK) != 0)
		return 0;
	if (requests) {
		req = cJSON_CreateObject();
		json_add_str(req, "file", path);
		json_add_str(req, "action", "removed");
		cJSON_AddItemToArray(requests, req);
	}
	if (!dry_run && unlink(path) < 0)
		return ig_err_set(err, IG_EIO, "removing %s: %s", path, strerror(errno));
	return 0;
}

int
pub_static(enum pub_target t, const char *dir, const struct pub_article *a,
	   const char *old, int draft, int dry_run, struct pub_result *r,
	   struct ig_err *err)
{
	struct layout l;
	struct buf img = BUF_INIT(0), all = BUF_INIT(0);
	const char *page, *act;
	char *md, path[4700], digest[65];
	cJSON *req = dry_run ? cJSON_CreateArray() : NULL;
	int rc = -1, changed = 0;

	memset(r, 0, sizeof *r);
	if (layout(t, dir, a, a->date, &l) < 0)
		return ig_err_set(err, IG_ECONFIG, "%s: path too long", dir);
	if (!(md = front_matter_and_body(t, a, a->date, draft, &l))) {
		cJSON_Delete(req);
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	/* Images first, so that a page never links to a file not yet there. */
	for (size_t i = 0; i < a->nimages; i++) {
		if (pub_read_file(a->images[i].path, MAX_IMAGE, &img, err) < 0)
			goto done;
		if (!(act = put_file(l.imgdir, a->images[i].name, img.data, img.len,
				     dry_run, req, err)))
			goto done;
		changed |= strcmp(act, "unchanged") != 0;
		buf_append(&all, img.data, img.len);
	}
	if (!(page = put_file(l.mddir, l.mdname, md, strlen(md), dry_run, req, err)))
		goto done;
	buf_puts(&all, md);
	pub_digest(all.data ? all.data : "", all.len, digest);
	changed |= strcmp(page, "unchanged") != 0;
	/* A new page is created; an old one is updated if any file changed. */
	r->action = !strcmp(page, "created") ? "created" :
		    changed ? "updated" : "unchanged";
	snprintf(path, sizeof path, "%s/%s", l.mddir, l.mdname);
	r->path = strdup(path);
	r->remote_id = strdup(path + strlen(dir) + 1);
	r->url = l.url[0] ? strdup(l.url) : NULL;
	r->status = strdup(draft ? "draft" : "publish");
	r->digest = strdup(digest);
	if (old && *old && strcmp(old, r->remote_id) && remove_old(dir, old, req,
								   dry_run, err) < 0)
		goto done;
	r->requests = req;
	req = NULL;
	rc = 0;
done:
	cJSON_Delete(req);
	buf_release(&img);
	buf_release(&all);
	free(md);
	return rc;
}
