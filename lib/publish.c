/* publish.c: articles and their publish rows, read from and saved to the workspace. */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "json.h"
#include "publish.h"

static const char *const target_names[] = { "wordpress", "hugo", "jekyll", "astro" };

int
pub_target_parse(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(target_names); i++)
		if (!strcmp(name, target_names[i]))
			return (int)i;
	return -1;
}

const char *
pub_target_name(enum pub_target t)
{
	return target_names[t];
}

static char *
col_dup(sqlite3_stmt *st, int c)
{
	const char *s = (const char *)sqlite3_column_text(st, c);

	return strdup(s ? s : "");
}

/* A JSON array of strings from a column, [] when absent or not an array. */
static cJSON *
col_strings(sqlite3_stmt *st, int c)
{
	const char *s = (const char *)sqlite3_column_text(st, c);
	cJSON *v = s ? cJSON_Parse(s) : NULL, *out = cJSON_CreateArray(), *e;

	if (!cJSON_IsArray(v)) {
		cJSON_Delete(v);
		return out;
	}
	cJSON_ArrayForEach(e, v)
		if (cJSON_IsString(e) && *e->valuestring)
			cJSON_AddItemToArray(out, cJSON_CreateString(e->valuestring));
	cJSON_Delete(v);
	return out;
}

static const char *
mime_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && (!strcmp(dot, ".jpg") || !strcmp(dot, ".jpeg")))
		return "image/jpeg";
	if (dot && !strcmp(dot, ".webp"))
		return "image/webp";
	return "image/png";
}

static int
add_image(struct pub_article *a, sqlite3_stmt *st)
{
	const char *path = (const char *)sqlite3_column_text(st, 3);
	const char *sec = (const char *)sqlite3_column_text(st, 4);
	const char *dot = strrchr(path, '.');
	struct pub_image *im, *n;
	char name[512];

	for (size_t i = 0; i < a->nimages; i++)
		if (!strcmp(a->images[i].path, path))
			return 0;
	if (!(n = realloc(a->images, (a->nimages + 1) * sizeof *n)))
		return -1;
	a->images = n;
	im = &a->images[a->nimages++];
	memset(im, 0, sizeof *im);
	im->id = (long)sqlite3_column_int64(st, 0);
	im->featured = !strcmp((const char *)sqlite3_column_text(st, 1), "featured");
	im->position = sqlite3_column_int(st, 2);
	im->path = strdup(path);
	im->alt = strdup(sec && *sec ? sec : a->title);
	/* Named after the article so that a site's media library reads well. */
	if (im->featured)
		snprintf(name, sizeof name, "%s-featured%s", a->slug, dot ? dot : "");
	else
		snprintf(name, sizeof name, "%s-%zu%s", a->slug, a->nimages - 1,
			 dot ? dot : "");
	im->name = strdup(name);
	im->mime = strdup(mime_of(path));
	return im->path && im->alt && im->name && im->mime ? 0 : -1;
}

static int
load_images(struct ws *ws, struct pub_article *a, const char *device,
	    struct ig_err *err)
{
	/* The featured first, then in-article by position; this device first. */
	/* The image's own alt text, else its section's heading (add_image). */
	sqlite3_stmt *st = ws_prepare(ws, "SELECT id, kind, position, path,"
				      " coalesce(nullif(alt, ''), section), device = ? FROM images WHERE task_id = ? AND"
				      " status = 'done' AND path IS NOT NULL"
				      " ORDER BY kind = 'in_article', device != ?, position",
				      err);
	int rc = 0, have_featured = 0;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->task_id);
	sqlite3_bind_text(st, 3, device, -1, SQLITE_STATIC);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 3);
		int featured = !strcmp((const char *)sqlite3_column_text(st, 1),
				       "featured");
		int mine = sqlite3_column_int(st, 5);

		/* One featured image; every image the HTML shows. */
		if ((mine && !(featured && have_featured)) || strstr(a->html, path)) {
			rc = add_image(a, st);
			have_featured |= featured;
		}
	}
	sqlite3_finalize(st);
	return rc < 0 ? ig_err_set(err, IG_ESOFTWARE, "out of memory") : 0;
}

int
pub_article_load(struct ws *ws, long task_id, const char *device,
		 struct pub_article *a, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT id, title, slug, meta_description,"
				      " html, created_at, tags, categories FROM content"
				      " WHERE task_id = ?", err);
	int rc;

	memset(a, 0, sizeof *a);
	a->task_id = task_id;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, task_id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? ig_err_set(err, IG_ENOINPUT,
				"task %ld has no article", task_id) :
			ws_fail(ws, err, "reading the article");
	}
	a->content_id = (long)sqlite3_column_int64(st, 0);
	a->title = col_dup(st, 1);
	a->slug = col_dup(st, 2);
	a->description = col_dup(st, 3);
	a->html = col_dup(st, 4);
	a->date = col_dup(st, 5);
	a->tags = col_strings(st, 6);
	a->categories = col_strings(st, 7);
	sqlite3_finalize(st);
	if (!a->title || !a->slug || !a->description || !a->html || !a->date)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if (!*a->slug || strchr(a->slug, '/') || a->slug[0] == '.')
		return ig_err_set(err, IG_EDATA, "task %ld: bad slug '%s'", task_id,
				  a->slug);
	return load_images(ws, a, device, err);
}

void
pub_article_release(struct pub_article *a)
{
	for (size_t i = 0; i < a->nimages; i++) {
		free(a->images[i].path);
		free(a->images[i].alt);
		free(a->images[i].name);
		free(a->images[i].mime);
	}
	free(a->images);
	free(a->title);
	free(a->slug);
	free(a->description);
	free(a->html);
	free(a->date);
	cJSON_Delete(a->tags);
	cJSON_Delete(a->categories);
	memset(a, 0, sizeof *a);
}

char *
pub_html_with(const struct pub_article *a, const char *const *to)
{
	struct buf b = BUF_INIT(0);
	const char *p = a->html;

	/* Each src="PATH" of a known image; the first match at each place wins. */
	while (*p) {
		size_t best = 0, bi = 0;
		const char *at = NULL;

		for (size_t i = 0; i < a->nimages; i++) {
			const char *q = strstr(p, a->images[i].path);

			if (q && (!at || q < at)) {
				at = q;
				bi = i;
				best = strlen(a->images[i].path);
			}
		}
		if (!at) {
			buf_puts(&b, p);
			break;
		}
		buf_append(&b, p, (size_t)(at - p));
		buf_puts(&b, to[bi]);
		p = at + best;
	}
	if (!b.data)
		buf_puts(&b, "");
	return buf_detach(&b);
}

int
pub_state_get(struct ws *ws, long task_id, enum pub_target t, const char *site,
	      struct pub_state *s, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT id, remote_id, url, status, digest,"
				      " media FROM publish WHERE task_id = ? AND"
				      " target = ? AND site = ?", err);
	const char *media;
	int rc;

	memset(s, 0, sizeof *s);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, task_id);
	sqlite3_bind_text(st, 2, pub_target_name(t), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, site, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->id = (long)sqlite3_column_int64(st, 0);
		s->remote_id = col_dup(st, 1);
		s->url = col_dup(st, 2);
		s->status = col_dup(st, 3);
		s->digest = col_dup(st, 4);
		media = (const char *)sqlite3_column_text(st, 5);
		s->media = media ? cJSON_Parse(media) : NULL;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ws_fail(ws, err, "reading the publish table");
	return 0;
}

void
pub_state_release(struct pub_state *s)
{
	free(s->remote_id);
	free(s->url);
	free(s->status);
	free(s->digest);
	cJSON_Delete(s->media);
	memset(s, 0, sizeof *s);
}

void
pub_result_release(struct pub_result *r)
{
	free(r->remote_id);
	free(r->url);
	free(r->path);
	free(r->status);
	free(r->digest);
	cJSON_Delete(r->media);
	cJSON_Delete(r->requests);
	memset(r, 0, sizeof *r);
}

int
pub_state_save(struct ws *ws, long run_id, long task_id, enum pub_target t,
	       const char *site, const struct pub_result *r, long *id_out,
	       struct ig_err *err)
{
	struct pub_state now_s;
	sqlite3_stmt *st = ws_prepare(ws, "INSERT INTO publish (task_id, target, site,"
				      " remote_id, url, path, status, digest, media,"
				      " created_at, updated_at, run_id)"
				      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
				      " ON CONFLICT (task_id, target, site) DO UPDATE SET"
				      " remote_id = excluded.remote_id, url = excluded.url,"
				      " path = excluded.path, status = excluded.status,"
				      " digest = excluded.digest, media = excluded.media,"
				      " updated_at = excluded.updated_at, run_id = excluded.run_id,"
				      " error = NULL", err);
	char now[32], *media = r->media ? json_dump(r->media) : NULL;
	int rc = 0;

	if (!st) {
		free(media);
		return -1;
	}
	ws_now(now);
	sqlite3_bind_int64(st, 1, task_id);
	sqlite3_bind_text(st, 2, pub_target_name(t), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->remote_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->status ? r->status : "published", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, media, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, run_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "saving the publish row");
	sqlite3_finalize(st);
	free(media);
	if (rc == 0 && (rc = pub_state_get(ws, task_id, t, site, &now_s, err)) == 0) {
		*id_out = now_s.id;
		pub_state_release(&now_s);
	}
	return rc;
}

void
pub_digest(const void *data, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

int
pub_read_file(const char *path, size_t max, struct buf *b, struct ig_err *err)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	buf_reset(b);
	b->max = max;
	if (!f)
		return ig_err_set(err, IG_EIO, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_append(b, chunk, n) < 0) {
			fclose(f);
			return ig_err_set(err, IG_EIO, "%s: larger than %zu bytes",
					  path, max);
		}
	if (ferror(f)) {
		fclose(f);
		return ig_err_set(err, IG_EIO, "%s: %s", path, strerror(errno));
	}
	fclose(f);
	if (!b->data)
		buf_puts(b, "");
	return 0;
}
