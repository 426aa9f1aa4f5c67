/*
 * publish.h: the last stage: an article from the workspace to a static
 * site's content folder (Hugo, Jekyll, Astro) or to a WordPress site.
 *
 * An article (struct pub_article) is read from the workspace with its
 * images; what was published where is kept in the workspace's publish
 * table (struct pub_state), one row per task and place, so that a rerun
 * updates what it made before instead of copying it.  Writers return a
 * struct pub_result that becomes the publish record and the new row.
 *
 * Ownership: char * members of the structs here are owned by the struct
 * and freed by its release function; const char * arguments are borrowed.
 */
#ifndef IG_PUBLISH_H
#define IG_PUBLISH_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "compat.h"
#include "err.h"
#include "workspace.h"

enum pub_target { PUB_WORDPRESS, PUB_HUGO, PUB_JEKYLL, PUB_ASTRO };

/* The target called name ("hugo"), or -1. */
int pub_target_parse(const char *name);
const char *pub_target_name(enum pub_target t);

struct pub_image {
	long id;			/* images.id */
	int featured;			/* kind 'featured', else in-article */
	int position;
	char *path;			/* the file in the workspace's image folder */
	char *alt;			/* alt text: the section, or the title */
	char *name;			/* file name to publish it as, "slug-1.png" */
	char *mime;			/* "image/png" */
};

struct pub_article {
	long task_id, content_id;
	char *title, *slug, *description, *html;
	char *date;			/* content.created_at, ISO 8601 UTC */
	cJSON *tags, *categories;	/* arrays of strings, never NULL */
	struct pub_image *images;	/* the featured one first, if any */
	size_t nimages;
};

/*
 * Reads the article of task_id and its finished images: the featured
 * image and the in-article ones of device (the first of image.devices),
 * plus any other image file the article's HTML shows.  0, or -1 with err
 * (IG_ENOINPUT when the task has no article).
 */
int pub_article_load(struct ws *ws, long task_id, const char *device,
		     struct pub_article *a, struct ig_err *err);
void pub_article_release(struct pub_article *a);

/* The article's HTML with each image's path replaced by to[i] (caller frees). */
char *pub_html_with(const struct pub_article *a, const char *const *to);

/* What the publish table says about a task at one place. */
struct pub_state {
	long id;			/* publish.id, 0 = never published there */
	char *remote_id;		/* WordPress post id, or the file written */
	char *url;
	char *status;
	char *digest;			/* of what was sent last */
	cJSON *media;			/* {"<image id>": {"id","url","digest"}} or NULL */
};

/* 0 (s->id == 0 when there is no row), or -1 with err. */
int pub_state_get(struct ws *ws, long task_id, enum pub_target t,
		  const char *site, struct pub_state *s, struct ig_err *err);
void pub_state_release(struct pub_state *s);

/* The outcome of publishing one article, for the record and the row. */
struct pub_result {
	const char *action;		/* created, updated, unchanged, would-* */
	char *remote_id, *url, *path, *status, *digest;
	cJSON *media;			/* as in pub_state, owned */
	cJSON *requests;		/* --dry-run: what would be sent or written */
};

void pub_result_release(struct pub_result *r);

/*
 * Saves r as the row of (task_id, t, site) in the caller's transaction,
 * its id in *id_out.  0, or -1 with err.
 */
int pub_state_save(struct ws *ws, long run_id, long task_id, enum pub_target t,
		   const char *site, const struct pub_result *r, long *id_out,
		   struct ig_err *err);

/* SHA-256 of data as 64 hex digits and a NUL. */
void pub_digest(const void *data, size_t n, char out[65]);

/* Reads a whole file of at most max bytes into b.  0, or -1 with err (IG_EIO). */
int pub_read_file(const char *path, size_t max, struct buf *b,
		  struct ig_err *err);

/* ---- static sites (publish_static.c) ---- */

/*
 * Writes the article into the site rooted at dir following the
 * generator's conventions (see igny8-publish(1)): a Markdown file with
 * YAML front matter and its images, each written atomically and only when
 * its bytes changed.  draft marks the page a draft.  old is the page a
 * previous run wrote (relative to dir, NULL if none): when the slug or
 * date moved the page elsewhere it is removed, so the site has no stale
 * copy.  With dry_run nothing is written and r->requests lists the files.
 * 0, or -1 with err.
 */
int pub_static(enum pub_target t, const char *dir, const struct pub_article *a,
	       const char *old, int draft, int dry_run, struct pub_result *r,
	       struct ig_err *err);

/* ---- WordPress (publish_wp.c) ---- */

struct pub_wp;
struct http_client;
struct http_opts;

struct pub_wp_opts {
	const char *url;		/* site address, without /wp-json */
	const char *user;
	const char *password;		/* Application Password (registered secret) */
	const char *status;		/* draft, publish, pending, future */
	const char *date;		/* for future, "" = none */
	int recreate;			/* a post deleted on the site is made again */
	int dry_run;
	const struct http_opts *http;	/* timeouts, retries, cancel flag */
};

/* Shared by every worker of a run; 0 on success, NULL with err (78). */
struct pub_wp *pub_wp_new(const struct pub_wp_opts *o, struct ig_err *err);
void pub_wp_free(struct pub_wp *wp);

/*
 * Publishes the article through the REST API: its categories and tags
 * (found by slug or created), its images as media with alt text, then the
 * post, created or, when prev names one, updated.  A post deleted on the
 * site fails with IG_EDATA unless recreate.  0, or -1 with err.
 */
int pub_wp_publish(struct pub_wp *wp, struct http_client *c,
		   const struct pub_article *a, const struct pub_state *prev,
		   struct pub_result *r, struct ig_err *err);

#endif
