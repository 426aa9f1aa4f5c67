/*
 * publish_wp.c: an article to WordPress through its REST API.
 *
 * Endpoints (https://developer.wordpress.org/rest-api/reference/): posts,
 * media, categories and tags under /wp-json/wp/v2/, authenticated with an
 * Application Password sent as HTTP Basic credentials
 * (https://make.wordpress.org/core/2020/11/05/application-passwords-integration-guide/).
 * A term is found by slug (GET ?slug=) or created, one worker at a time;
 * when another client made it meanwhile WordPress answers 400 term_exists
 * with the id in data.term_id, which is taken.  Media are uploaded as multipart/form-data
 * with their alt text.  What was sent last is kept as a digest in the
 * workspace, so an unchanged article costs one GET (the post still there?)
 * and nothing else; a changed one updates the same post.
 */
#include "compat.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "http.h"
#include "json.h"
#include "publish.h"

#define MAX_IMAGE (64u << 20)

struct term {
	const char *tax;		/* "categories" or "tags" */
	char *name;
	long id;
};

struct pub_wp {
	char *base;			/* ".../wp-json/wp/v2" */
	char *auth;			/* "Authorization: Basic ..." (a secret) */
	const char *status, *date;	/* borrowed from the run's settings */
	int recreate, dry_run;
	/*
	 * Guards terms and terms_client, and is held across the requests
	 * that find or create a term: two workers creating the same term at
	 * once would make two (WordPress checks for a duplicate, then
	 * inserts, without a lock).  terms_client has no idle hook, so its
	 * user keeps the workspace lock meanwhile and no worker can wait for
	 * this lock while another waits for the workspace.
	 */
	pthread_mutex_t lock;
	struct http_client *terms_client;
	struct term *terms;
	size_t nterms;
};

struct pub_wp *
pub_wp_new(const struct pub_wp_opts *o, struct ig_err *err)
{
	struct pub_wp *wp;
	unsigned char *enc;
	char *cred;
	size_t n, alen;

	if (!o->user || !*o->user || !o->password || !*o->password) {
		ig_err_set(err, IG_ENOPERM, "no WordPress credentials: set wordpress.user "
			   "and WORDPRESS_APP_PASSWORD");
		return NULL;
	}
	if (!(wp = calloc(1, sizeof *wp)))
		goto oom;
	pthread_mutex_init(&wp->lock, NULL);
	n = strlen(o->user) + strlen(o->password) + 2;
	cred = malloc(n);
	enc = malloc(4 * (n / 3 + 1) + 1);
	alen = 4 * (n / 3 + 1) + sizeof "Authorization: Basic ";
	wp->base = malloc(strlen(o->url) + sizeof "/wp-json/wp/v2");
	wp->auth = malloc(alen);
	wp->terms_client = http_client_new(o->http);
	if (!cred || !enc || !wp->base || !wp->auth || !wp->terms_client) {
		free(cred);
		free(enc);
		pub_wp_free(wp);
		goto oom;
	}
	snprintf(cred, n, "%s:%s", o->user, o->password);
	EVP_EncodeBlock(enc, (const unsigned char *)cred, (int)(n - 1));
	snprintf(wp->auth, alen, "Authorization: Basic %s", (char *)enc);
	/* Neither the password nor its encoding may show in any message. */
	ig_secret_add(o->password);
	ig_secret_add((char *)enc);
	memset(cred, 0, n);
	free(cred);
	free(enc);
	snprintf(wp->base, strlen(o->url) + sizeof "/wp-json/wp/v2", "%s/wp-json/wp/v2",
		 o->url);
	wp->status = o->status;
	wp->date = o->date;
	wp->recreate = o->recreate;
	wp->dry_run = o->dry_run;
	return wp;
oom:
	ig_err_set(err, IG_ESOFTWARE, "out of memory");
	return NULL;
}

void
pub_wp_free(struct pub_wp *wp)
{
	if (!wp)
		return;
	for (size_t i = 0; i < wp->nterms; i++)
		free(wp->terms[i].name);
	free(wp->terms);
	http_client_free(wp->terms_client);
	free(wp->base);
	free(wp->auth);
	pthread_mutex_destroy(&wp->lock);
	free(wp);
}

/* One request's plan for --dry-run: method, URL and body (JSON or a summary). */
static void
plan(struct pub_result *r, const char *method, const char *url, cJSON *body)
{
	cJSON *q = cJSON_CreateObject();

	if (!r->requests)
		r->requests = cJSON_CreateArray();
	cJSON_AddStringToObject(q, "method", method);
	cJSON_AddStringToObject(q, "url", url);
	cJSON_AddItemToObject(q, "body", body ? body : cJSON_CreateNull());
	cJSON_AddItemToArray(r->requests, q);
}

struct call {
	const char *method;
	char url[2048];
	const char *body;		/* JSON, or NULL */
	const struct http_part *parts;
	size_t nparts;
	long status;			/* the answer's HTTP status */
	cJSON *json;			/* its parsed body (owned), NULL if none */
};

/*
 * Sends one request through the one HTTP path; -1 with err naming the
 * endpoint.  call->status and call->json hold the answer either way.
 */
static int
wp_send(struct pub_wp *wp, struct http_client *c, struct call *k, struct ig_err *err)
{
	const char *hdrs[] = { wp->auth, "Accept: application/json", NULL };
	struct http_req req = { 0 };
	struct http_resp resp;
	const char *path = k->url + strlen(wp->base);
	int rc;

	http_resp_init(&resp);
	req.method = k->method;
	req.url = k->url;
	req.headers = hdrs;
	req.body = k->body;
	req.body_len = k->body ? strlen(k->body) : 0;
	req.parts = k->parts;
	req.nparts = k->nparts;
	rc = http_send(c, &req, &resp, err);
	k->status = resp.status;
	k->json = resp.body.len ? cJSON_ParseWithLength(resp.body.data, resp.body.len) : NULL;
	http_resp_release(&resp);
	if (rc < 0 && err->code == IG_ENOPERM)
		return ig_err_prefix(err, "WordPress refused the credentials "
				     "(wordpress.user, wordpress.app_password)");
	if (rc < 0)
		return ig_err_prefix(err, "WordPress %s %s", k->method, path);
	if (!k->json)
		return ig_err_set(err, IG_EPROTO, "WordPress %s %s: the answer is not "
				  "JSON (is wordpress.url the site's address?)", k->method,
				  path);
	return 0;
}

static void
call_release(struct call *k)
{
	cJSON_Delete(k->json);
	k->json = NULL;
}

/* WordPress-like slug: lower-case ASCII letters and digits joined by '-'. */
static void
slugify(const char *name, char *out, size_t n)
{
	size_t j = 0;
	int dash = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p && j + 2 < n; p++) {
		if (isalnum(*p) && *p < 0x80) {
			if (dash && j)
				out[j++] = '-';
			out[j++] = (char)tolower(*p);
			dash = 0;
		} else {
			dash = 1;
		}
	}
	out[j] = '\0';
}

/* The id of a term found before, or 0; under wp->lock. */
static long
term_cached(struct pub_wp *wp, const char *tax, const char *name)
{
	for (size_t i = 0; i < wp->nterms; i++)
		if (wp->terms[i].tax == tax && !strcmp(wp->terms[i].name, name))
			return wp->terms[i].id;
	return 0;
}

/* Remembers a term's id; under wp->lock. */
static void
term_keep(struct pub_wp *wp, const char *tax, const char *name, long id)
{
	struct term *n;

	if ((n = realloc(wp->terms, (wp->nterms + 1) * sizeof *n))) {
		wp->terms = n;
		n[wp->nterms].tax = tax;
		n[wp->nterms].name = strdup(name);
		n[wp->nterms].id = id;
		if (n[wp->nterms].name)
			wp->nterms++;
	}
}

/*
 * The id of the term called name in tax, found by slug or created with
 * c, under wp->lock; 0 in a dry run (the requests are planned instead),
 * -1 with err.
 */
static long
find_term(struct pub_wp *wp, struct http_client *c, const char *tax,
	  const char *name, struct pub_result *r, struct ig_err *err)
{
	struct call k = { 0 };
	char slug[200], *body;
	const cJSON *first;
	cJSON *b;
	long id;

	if ((id = term_cached(wp, tax, name)) > 0)
		return id;
	slugify(name, slug, sizeof slug);
	k.method = "GET";
	snprintf(k.url, sizeof k.url, "%s/%s?slug=%s&context=view", wp->base, tax,
		 *slug ? slug : "-");
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "name", name);
	if (*slug)
		cJSON_AddStringToObject(b, "slug", slug);
	if (wp->dry_run) {
		plan(r, "GET", k.url, NULL);
		snprintf(k.url, sizeof k.url, "%s/%s", wp->base, tax);
		plan(r, "POST (when missing)", k.url, b);
		return 0;
	}
	if (*slug && wp_send(wp, c, &k, err) < 0) {
		cJSON_Delete(b);
		call_release(&k);
		return -1;
	}
	first = cJSON_IsArray(k.json) ? cJSON_GetArrayItem(k.json, 0) : NULL;
	id = first ? json_long(first, "id", 0) : 0;
	call_release(&k);
	if (id <= 0) {
		body = json_dump(b);
		k.method = "POST";
		snprintf(k.url, sizeof k.url, "%s/%s", wp->base, tax);
		k.body = body;
		if (wp_send(wp, c, &k, err) == 0) {
			id = json_long(k.json, "id", 0);
		} else if (k.status == 400 && json_str(k.json, "code") &&
			   !strcmp(json_str(k.json, "code"), "term_exists")) {
			id = json_long(json_obj(k.json, "data"), "term_id", 0);
			ig_err_clear(err);
		}
		free(body);
		call_release(&k);
	}
	cJSON_Delete(b);
	if (id <= 0)
		return err->code ? -1 : ig_err_set(err, IG_EPROTO, "WordPress gave no "
						   "id for the %s '%s'", tax, name);
	term_keep(wp, tax, name, id);
	return id;
}

static int
terms(struct pub_wp *wp, const char *tax, const cJSON *names, cJSON *ids,
      struct pub_result *r, struct ig_err *err)
{
	const cJSON *e;
	long id = 0;

	pthread_mutex_lock(&wp->lock);
	cJSON_ArrayForEach(e, names) {
		if ((id = find_term(wp, wp->terms_client, tax, e->valuestring, r,
				    err)) < 0)
			break;
		if (id > 0)
			cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)id));
	}
	pthread_mutex_unlock(&wp->lock);
	return id < 0 ? -1 : 0;
}

/* Whether media item id is still on the site (it may have been deleted there). */
static int
media_there(struct pub_wp *wp, struct http_client *c, long id, struct ig_err *err)
{
	struct call k = { "GET" };
	int rc;

	snprintf(k.url, sizeof k.url, "%s/media/%ld?context=view", wp->base, id);
	rc = wp_send(wp, c, &k, err);
	call_release(&k);
	if (rc < 0 && (k.status == 404 || k.status == 410)) {
		ig_err_clear(err);
		return 0;
	}
	return rc < 0 ? -1 : 1;
}

/*
 * Uploads image i, or reuses the upload of the same bytes a previous run
 * made (trust: without asking the site whether it is still there); its
 * media id and URL go into r->media.  -1 with err.
 */
static int
media(struct pub_wp *wp, struct http_client *c, const struct pub_article *a,
      size_t i, const struct pub_state *prev, int trust, struct pub_result *r,
      struct ig_err *err)
{
	const struct pub_image *im = &a->images[i];
	struct buf data = BUF_INIT(0);
	struct call k = { "POST" };
	char key[32], digest[65];
	const cJSON *old;
	cJSON *m;
	int there;

	snprintf(key, sizeof key, "%ld", im->id);
	if (pub_read_file(im->path, MAX_IMAGE, &data, err) < 0)
		return -1;
	pub_digest(data.data, data.len, digest);
	old = prev->media ? cJSON_GetObjectItemCaseSensitive(prev->media, key) : NULL;
	snprintf(k.url, sizeof k.url, "%s/media", wp->base);
	if (wp->dry_run) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "file", im->name);
		cJSON_AddNumberToObject(m, "bytes", (double)data.len);
		cJSON_AddStringToObject(m, "alt_text", im->alt);
		plan(r, old ? "POST (when changed)" : "POST", k.url, m);
		buf_release(&data);
		return 0;
	}
	if (old && json_str(old, "digest") && !strcmp(json_str(old, "digest"), digest)) {
		there = trust ? 1 : media_there(wp, c, json_long(old, "id", 0), err);
		if (there < 0) {
			buf_release(&data);
			return -1;
		}
		if (there) {
			cJSON_AddItemToObject(r->media, key, cJSON_Duplicate(old, 1));
			buf_release(&data);
			return 0;
		}
	}
	{
		const struct http_part parts[] = {
			{ "file", im->name, im->mime, data.data, data.len },
			{ "alt_text", NULL, NULL, im->alt, strlen(im->alt) },
			{ "title", NULL, NULL, im->alt, strlen(im->alt) },
		};

		k.parts = parts;
		k.nparts = ARRAY_SIZE(parts);
		if (wp_send(wp, c, &k, err) < 0) {
			call_release(&k);
			buf_release(&data);
			return -1;
		}
	}
	buf_release(&data);
	if (json_long(k.json, "id", 0) <= 0 || !json_str(k.json, "source_url")) {
		call_release(&k);
		return ig_err_set(err, IG_EPROTO, "WordPress media upload: no id or "
				  "source_url in the answer");
	}
	m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "id", (double)json_long(k.json, "id", 0));
	cJSON_AddStringToObject(m, "url", json_str(k.json, "source_url"));
	cJSON_AddStringToObject(m, "digest", digest);
	cJSON_AddItemToObject(r->media, key, m);
	call_release(&k);
	return 0;
}

/* The post's JSON body; image paths in the HTML become their media URLs. */
static cJSON *
post_body(struct pub_wp *wp, const struct pub_article *a, const struct pub_result *r,
	  cJSON *cats, cJSON *tags)
{
	const char **to = calloc(a->nimages + 1, sizeof *to);
	cJSON *b = cJSON_CreateObject(), *m;
	char key[32], date[40], *html;

	for (size_t i = 0; to && i < a->nimages; i++) {
		snprintf(key, sizeof key, "%ld", a->images[i].id);
		m = cJSON_GetObjectItemCaseSensitive(r->media, key);
		to[i] = m && json_str(m, "url") ? json_str(m, "url") : a->images[i].path;
	}
	html = to ? pub_html_with(a, to) : NULL;
	cJSON_AddStringToObject(b, "title", a->title);
	cJSON_AddStringToObject(b, "slug", a->slug);
	cJSON_AddStringToObject(b, "excerpt", a->description);
	cJSON_AddStringToObject(b, "content", html ? html : a->html);
	cJSON_AddStringToObject(b, "status", wp->status);
	if (*wp->date) {
		/* date_gmt takes RFC 3339 without a zone, read as UTC. */
		snprintf(date, sizeof date, "%.19s", wp->date);
		cJSON_AddStringToObject(b, "date_gmt", date);
	}
	cJSON_AddItemToObject(b, "categories", cats);
	cJSON_AddItemToObject(b, "tags", tags);
	if (a->nimages && a->images[0].featured) {
		snprintf(key, sizeof key, "%ld", a->images[0].id);
		m = cJSON_GetObjectItemCaseSensitive(r->media, key);
		if (m)
			cJSON_AddNumberToObject(b, "featured_media",
						(double)json_long(m, "id", 0));
	}
	free(html);
	free(to);
	return b;
}

/*
 * Whether the post prev names is still on the site: 1 yes, 0 deleted
 * (gone or in the trash), -1 with err.  *link_out gets its link.
 */
static int
post_there(struct pub_wp *wp, struct http_client *c, const char *id,
	   char **link_out, struct ig_err *err)
{
	struct call k = { "GET" };
	const char *st;
	int rc;

	*link_out = NULL;
	snprintf(k.url, sizeof k.url, "%s/posts/%s?context=edit", wp->base, id);
	rc = wp_send(wp, c, &k, err);
	if (rc < 0 && (k.status == 404 || k.status == 410)) {
		ig_err_clear(err);
		call_release(&k);
		return 0;
	}
	if (rc == 0) {
		st = json_str(k.json, "status");
		rc = st && !strcmp(st, "trash") ? 0 : 1;
		if (rc && json_str(k.json, "link"))
			*link_out = strdup(json_str(k.json, "link"));
	}
	call_release(&k);
	return rc;
}

static int
send_post(struct pub_wp *wp, struct http_client *c, const char *id, const char *body,
	  struct pub_result *r, struct ig_err *err)
{
	struct call k = { "POST" };
	char num[32];

	if (id)
		snprintf(k.url, sizeof k.url, "%s/posts/%s", wp->base, id);
	else
		snprintf(k.url, sizeof k.url, "%s/posts", wp->base);
	k.body = body;
	if (wp_send(wp, c, &k, err) < 0) {
		call_release(&k);
		return -1;
	}
	if (json_long(k.json, "id", 0) <= 0) {
		call_release(&k);
		return ig_err_set(err, IG_EPROTO, "WordPress post: no id in the answer");
	}
	snprintf(num, sizeof num, "%ld", json_long(k.json, "id", 0));
	r->remote_id = strdup(num);
	r->url = json_str(k.json, "link") ? strdup(json_str(k.json, "link")) : NULL;
	r->status = strdup(json_str(k.json, "status") ? json_str(k.json, "status") : "");
	call_release(&k);
	return 0;
}

int
pub_wp_publish(struct pub_wp *wp, struct http_client *c, const struct pub_article *a,
	       const struct pub_state *prev, struct pub_result *r, struct ig_err *err)
{
	cJSON *cats = cJSON_CreateArray(), *tags = cJSON_CreateArray(), *body = NULL;
	const char *id = prev->id && prev->remote_id && *prev->remote_id ?
			 prev->remote_id : NULL;
	char *text = NULL, *link = NULL, digest[65], url[2048];
	int rc = -1, there = 0;

	memset(r, 0, sizeof *r);
	r->media = cJSON_CreateObject();
	if (id && !wp->dry_run && (there = post_there(wp, c, id, &link, err)) < 0)
		goto done;
	if (id && !wp->dry_run && !there && !wp->recreate) {
		ig_err_set(err, IG_EDATA, "post %s was deleted on the site; not "
			   "recreated (--recreate makes it again)", id);
		goto done;
	}
	if (!there)
		id = NULL;
	if (terms(wp, "categories", a->categories, cats, r, err) < 0 ||
	    terms(wp, "tags", a->tags, tags, r, err) < 0)
		goto done;
	/*
	 * First as sent last time: when that gives the same post, the article
	 * is unchanged and its media need no check.  Else the media are
	 * checked (and uploaded again where deleted) and the body rebuilt.
	 */
	for (int trust = id && prev->digest ? 1 : 0; trust >= 0; trust--) {
		cJSON_Delete(r->media);
		r->media = cJSON_CreateObject();
		for (size_t i = 0; i < a->nimages; i++)
			if (media(wp, c, a, i, prev, trust, r, err) < 0)
				goto done;
		cJSON_Delete(body);
		free(text);
		body = post_body(wp, a, r, cJSON_Duplicate(cats, 1),
				 cJSON_Duplicate(tags, 1));
		text = json_dump(body);
		pub_digest(text, strlen(text), digest);
		if (trust && !strcmp(prev->digest, digest))
			break;
	}
	if (wp->dry_run) {
		if (id || prev->id)
			snprintf(url, sizeof url, "%s/posts/%s", wp->base, prev->remote_id);
		else
			snprintf(url, sizeof url, "%s/posts", wp->base);
		plan(r, "POST", url, body);
		body = NULL;
		r->action = prev->id ? "would-update" : "would-create";
		rc = 0;
		goto done;
	}
	if (id && prev->digest && !strcmp(prev->digest, digest)) {
		/* Sent before exactly so: nothing to do. */
		r->remote_id = strdup(id);
		r->url = link ? strdup(link) : (prev->url ? strdup(prev->url) : NULL);
		r->status = strdup(prev->status ? prev->status : wp->status);
		r->action = "unchanged";
	} else if (send_post(wp, c, id, text, r, err) < 0) {
		goto done;
	} else {
		r->action = id ? "updated" : "created";
	}
	r->digest = strdup(digest);
	rc = 0;
done:
	cJSON_Delete(cats);
	cJSON_Delete(tags);
	cJSON_Delete(body);
	free(text);
	free(link);
	return rc;
}
