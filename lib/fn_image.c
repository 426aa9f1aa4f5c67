/*
 * fn_image.c: images for an article (the audit's generate_images).
 *
 * One ai_chat call ("image_prompts") reads the article and answers a
 * featured-image prompt and in-article prompts, each tied to an H2
 * section.  Each prompt becomes one image per device (image.devices), in
 * the size image.sizes.<kind>.<device>, from image.provider.  The bytes
 * are checked (magic bytes, header size, image.max_bytes), written under
 * a name we make, and saved as an images row, one transaction each.
 *
 * Reruns are free: an image whose row is done is not asked for again, and
 * the extraction answer comes from ai_chat's cache.  Every rule of the
 * model is checked in INIT, so a bad size stops the run before any call.
 */
#include "compat.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ai.h"
#include "config.h"
#include "cost.h"
#include "engine.h"
#include "fn.h"
#include "html.h"
#include "image_api.h"
#include "imgfile.h"
#include "json.h"
#include "prompt.h"
#include "provider.h"
#include "records.h"
#include "workspace.h"

#define MAX_DEVICES 4
#define ARTICLE_CHARS 12000	/* of article text in the extraction prompt */

struct image_job {
	long task_id;
	int only_insert;	/* every image is done: --insert, then re-emit */
};

/* The run's image settings, read once per job. */
struct image_cfg {
	const struct config *cfg;
	const char *provider, *model, *format, *quality;
	char model_buf[128];	/* the provider's own model, when model is it */
	char devices[MAX_DEVICES][16];
	int ndevices;
	long in_article;	/* in-article images wanted */
	size_t max_bytes;
	int allow_loopback;	/* image.allow_loopback */
	int need_price;		/* --max-cost: every image must be priced */
};

/* One image to have: a prompt of the answer, for one device. */
struct slot {
	const char *kind;	/* "featured" or "in_article" */
	int position;		/* 0 featured, 1.. in-article */
	const char *device;
	const char *section;	/* H2 text, NULL for featured */
	const char *prompt;	/* the model's prompt, before the style */
	const char *alt;	/* the model's alt text, NULL when none */
	const char *caption;	/* its caption, NULL when none */
};

/* Everything gen_one needs, built once per job in work(). */
struct image_ctx {
	struct worker *w;
	struct job *job;
	struct image_cfg ic;
	struct provider *prov;
	const struct prompt *tmpl;
	char *style, *negative;
	char *dir;		/* absolute image directory, made on first use */
	long task_id;
};

/* ---- settings ---- */

/*
 * -m, else image.model.  The shipped image.model gives way to the one
 * model image.provider serves when it is another provider's, so that
 * --provider runware alone works; a model the user chose does not.
 */
static int
image_model(struct run *run, struct image_cfg *ic, struct ig_err *err)
{
	const struct config *cfg = run_config(run);
	const char *m = run_opts(run)->model, *served;

	if (!m || !*m)
		m = config_str(cfg, "image.model");
	if (!m || !*m)
		return ig_err_set(err, IG_ECONFIG, "no image model (set image.model or --model)");
	ic->model = m;
	served = config_getf(cfg, "image_models.%s.provider", m);
	if (m == run_opts(run)->model || !served || !*served || !ic->provider ||
	    !strcmp(served, ic->provider) || config_user_set(cfg, "image.model"))
		return 0;
	if (image_provider_model(cfg, ic->provider, m, ic->model_buf, sizeof ic->model_buf,
				 err) < 0)
		return -1;
	ic->model = ic->model_buf;
	return 0;
}

static int
read_cfg(struct run *run, struct image_cfg *ic, struct ig_err *err)
{
	const struct config *cfg = run_config(run);
	const char *d = config_str(cfg, "image.devices");

	memset(ic, 0, sizeof *ic);
	ic->cfg = cfg;
	ic->provider = config_str(cfg, "image.provider");
	ic->format = config_str(cfg, "image.format");
	ic->max_bytes = (size_t)config_int(cfg, "image.max_bytes");
	ic->allow_loopback = config_bool(cfg, "image.allow_loopback");
	ic->need_price = ai_budget_active(run);
	/* image.max_images counts the featured image. */
	ic->in_article = config_int(cfg, "image.max_images") - 1;
	if (image_model(run, ic, err) < 0)
		return -1;
	ic->quality = image_quality(cfg, ic->provider, ic->model);
	if (ic->in_article < 0)
		return ig_err_set(err, IG_ECONFIG, "image.max_images: must be 1 or more");
	for (const char *p = d; p && *p;) {
		size_t n = strcspn(p, ",");

		if (ic->ndevices == MAX_DEVICES || n == 0 || n >= sizeof ic->devices[0])
			return ig_err_set(err, IG_ECONFIG, "image.devices: bad list '%s'", d);
		memcpy(ic->devices[ic->ndevices], p, n);
		ic->devices[ic->ndevices++][n] = '\0';
		p += n + (p[n] == ',');
	}
	if (!ic->ndevices)
		return ig_err_set(err, IG_ECONFIG, "image.devices: no device");
	return 0;
}

/* image.sizes.<kind>.<device>, or NULL for a device without sizes. */
static const char *
slot_size(const struct image_cfg *ic, const char *kind, const char *device)
{
	const char *s = config_getf(ic->cfg, "image.sizes.%s.%s", kind, device);

	return s && *s ? s : NULL;
}

/*
 * Under --max-cost an image of unknown price could spend without bound:
 * refuse to start, naming the price to set.
 */
static int
priced(const struct image_cfg *ic, const char *size, struct ig_err *err)
{
	const char *q = ic->quality && strcmp(ic->quality, "auto") ? ic->quality : NULL;
	double usd;

	if (!ic->need_price ||
	    cost_estimate_image(ic->cfg, ic->model, q ? q : "auto", size, &usd) == 0)
		return 0;
	return ig_err_set(err, IG_ECONFIG, "--max-cost: no price for a %s image "
			  "of model '%s'; set prices.image.%s.%s.%s (USD per image)",
			  size, ic->model, ic->model, q ? q : !strcmp(ic->provider,
			  "runware") ? "standard" : "high", size);
}

/* Every size, quality and format against the model's rules, before any call. */
static int
validate_cfg(const struct image_cfg *ic, struct ig_err *err)
{
	static const char *const kinds[] = { "featured", "in_article" };
	char setting[96];

	for (int d = 0; d < ic->ndevices; d++)
		for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
			const char *size = slot_size(ic, kinds[k], ic->devices[d]);

			snprintf(setting, sizeof setting, "image.sizes.%s.%s", kinds[k],
				 ic->devices[d]);
			if (!size)
				return ig_err_set(err, IG_ECONFIG, "image.devices: no size "
						  "for device '%s' (%s)", ic->devices[d], setting);
			if (image_validate(ic->cfg, ic->provider, ic->model, setting, size,
					   err) < 0 || priced(ic, size, err) < 0)
				return -1;
		}
	return 0;
}

/* ---- workspace ---- */

static long
one_long(struct ws *ws, const char *sql, long a, const char *b, const char *c)
{
	sqlite3_stmt *st = ws_prepare(ws, sql, NULL);
	long v = -1;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (c)
		sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Every configured device has a done featured image and every in-article
 * position, and no image is pending or failed. */
static int
all_done(struct ws *ws, long task_id, const struct image_cfg *ic)
{
	long positions = one_long(ws, "SELECT count(DISTINCT position) FROM images"
				      " WHERE task_id = ? AND kind = 'in_article'",
				  task_id, NULL, NULL);

	if (one_long(ws, "SELECT count(*) FROM images WHERE task_id = ?"
			 " AND status <> 'done'", task_id, NULL, NULL) != 0)
		return 0;
	for (int d = 0; d < ic->ndevices; d++) {
		if (one_long(ws, "SELECT count(*) FROM images WHERE task_id = ?"
				 " AND kind = ? AND device = ?", task_id, "featured",
			     ic->devices[d]) < 1)
			return 0;
		if (one_long(ws, "SELECT count(*) FROM images WHERE task_id = ?"
				 " AND kind = ? AND device = ?", task_id, "in_article",
			     ic->devices[d]) != positions)
			return 0;
	}
	return 1;
}

static void
emit_all(struct ws *ws, struct job *job, long task_id)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT id FROM images WHERE task_id = ?"
					  " AND status = 'done' ORDER BY kind = 'in_article',"
					  " position, device", NULL);

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, task_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *rec = rec_get(ws, "image", (long)sqlite3_column_int64(st, 0), NULL);
		if (rec)
			job_emit(job, rec);
	}
	sqlite3_finalize(st);
}

/* The task a content or task record names, with content to illustrate. */
static long
input_task(struct ws *ws, const cJSON *rec, struct ig_err *err)
{
	const char *type = json_str(rec, "type");
	long id, task;

	if (type && !strcmp(type, "content")) {
		if ((id = rec_id(rec, "content", err)) < 0)
			return -1;
		task = one_long(ws, "SELECT task_id FROM content WHERE id = ?", id, NULL, NULL);
		if (task < 0)
			return ig_err_set(err, IG_ENOINPUT, "no content with id %ld in the "
					  "workspace", id);
		return task;
	}
	if ((task = rec_id(rec, "task", err)) < 0)
		return -1;
	if (one_long(ws, "SELECT id FROM tasks WHERE id = ?", task, NULL, NULL) < 0)
		return ig_err_set(err, IG_ENOINPUT, "no task with id %ld in the workspace", task);
	if (one_long(ws, "SELECT id FROM content WHERE task_id = ?", task, NULL, NULL) < 0)
		return ig_err_set(err, IG_ENOINPUT, "task %ld has no content yet "
				  "(run igny8-write first)", task);
	return task;
}

static int
image_init(struct run *run, struct job *job, const cJSON *rec, struct ig_err *err)
{
	struct ws *ws = run_ws(run);
	struct image_cfg ic;
	struct image_job *ij;
	long task;
	int dup;

	if (read_cfg(run, &ic, err) < 0 || validate_cfg(&ic, err) < 0)
		return -1;
	if ((task = input_task(ws, rec, err)) < 0)
		return -1;
	if ((dup = fn_take_ref(run, job, err, "task:%ld", task)) != 0)
		return dup < 0 ? -1 : INIT_DONE;
	if (all_done(ws, task, &ic) && !(run_opts(run)->flags & RUN_INSERT) &&
	    !run_opts(run)->refresh) {
		job_note(job, "images done already: written out again, nothing is"
			 " sent (--refresh makes them anew)");
		emit_all(ws, job, task);
		return 1;
	}
	if (!(ij = calloc(1, sizeof *ij)))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	ij->task_id = task;
	ij->only_insert = all_done(ws, task, &ic) && !run_opts(run)->refresh;
	job_set_data(job, ij);
	return 0;
}

/* ---- saving ---- */

struct image_row {
	const struct slot *s;
	const char *prompt, *negative, *url, *path, *format, *status, *error;
	long width, height, bytes;
	double cost;		/* < 0 = unknown */
};

static void
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_row(sqlite3_stmt *st, const struct image_ctx *x, const struct image_row *r,
	 const char *now)
{
	sqlite3_bind_int64(st, 1, x->task_id);
	sqlite3_bind_text(st, 2, r->s->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->s->position);
	sqlite3_bind_text(st, 4, r->s->device, -1, SQLITE_STATIC);
	bind_opt(st, 5, r->s->section);
	bind_opt(st, 6, r->prompt);
	bind_opt(st, 7, r->negative);
	sqlite3_bind_text(st, 8, x->ic.provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, x->ic.model, -1, SQLITE_STATIC);
	bind_opt(st, 10, r->url);
	bind_opt(st, 11, r->path);
	if (r->width > 0) {
		sqlite3_bind_int64(st, 12, r->width);
		sqlite3_bind_int64(st, 13, r->height);
		sqlite3_bind_int64(st, 15, r->bytes);
	}
	bind_opt(st, 14, r->format);
	if (r->cost >= 0)
		sqlite3_bind_double(st, 16, r->cost);
	sqlite3_bind_text(st, 17, r->status, -1, SQLITE_STATIC);
	bind_opt(st, 18, r->error);
	sqlite3_bind_text(st, 19, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 20, run_id(worker_run(x->w)));
	bind_opt(st, 21, r->s->alt && *r->s->alt ? r->s->alt : NULL);
	bind_opt(st, 22, r->s->caption && *r->s->caption ? r->s->caption : NULL);
}

struct row_save {
	struct image_ctx *x;
	const struct image_row *r;
	long *id_out;
};

/* Upserts one image on (task, kind, position, device) (worker_save()). */
static int
put_row(struct ws *ws, void *arg, struct ig_err *err)
{
	struct row_save *a = arg;
	struct image_ctx *x = a->x;
	const struct image_row *r = a->r;
	sqlite3_stmt *st;
	char now[32];
	long id = -1;

	ws_now(now);
	st = ws_prepare(ws, "INSERT INTO images (task_id, kind, position, device, section,"
			    " prompt, negative_prompt, provider, model, url, path, width, height,"
			    " format, bytes, cost, status, error, created_at, updated_at, run_id,"
			    " alt, caption)"
			    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
			    " ?17,?18,?19,?19,?20,?21,?22)"
			    " ON CONFLICT (task_id, kind, position, device)"
			    " DO UPDATE SET section = ?5, prompt = ?6, negative_prompt = ?7,"
			    " provider = ?8, model = ?9, url = ?10, path = ?11, width = ?12,"
			    " height = ?13, format = ?14, bytes = ?15, cost = ?16, status = ?17,"
			    " error = ?18, updated_at = ?19, run_id = ?20, alt = ?21,"
			    " caption = ?22 RETURNING id", err);
	if (st) {
		bind_row(st, x, r, now);
		if (sqlite3_step(st) == SQLITE_ROW)
			id = (long)sqlite3_column_int64(st, 0);
		else
			ws_fail(ws, err, "saving an image");
		sqlite3_finalize(st);
	}
	*a->id_out = id;
	return id < 0 ? -1 : 0;
}

/* Upserts one image, committed; its id or -1. */
static long
save_row(struct image_ctx *x, const struct image_row *r, struct ig_err *err)
{
	long id = -1;

	if (worker_save(x->w, put_row, &(struct row_save){ x, r, &id }, err) < 0)
		return -1;
	return id;
}

/* ---- one image ---- */

/*
 * The negative prompt sent, or NULL: only to a provider with a field for
 * it (Runware's negativePrompt, 2 to 3000 characters:
 * shared/reference/api-contracts.md section 9.2).  OpenAI's image API has
 * none, and a list of what to avoid pasted into the prompt names the very
 * things ("extra fingers") to the model; the template's style line says
 * what is wanted instead.
 */
static const char *
sent_negative(const struct image_ctx *x)
{
	return !strcmp(x->ic.provider, "runware") && *x->negative ? x->negative : NULL;
}

/* The prompt sent: the image template around the model's prompt. */
static char *
full_prompt(struct image_ctx *x, const struct slot *s, struct ig_err *err)
{
	struct prompt_vars *v = prompt_vars_new();
	char *text, *end;

	prompt_vars_set(v, "prompt", s->prompt);
	prompt_vars_set(v, "style", x->style);
	text = prompt_render(prompt_body(x->tmpl), v, err);
	prompt_vars_free(v);
	if (!text)
		return NULL;
	for (end = text + strlen(text); end > text && isspace((unsigned char)end[-1]);)
		*--end = '\0';
	return text;
}

static double
image_cost(const struct image_ctx *x, const struct image_res *res, const char *size)
{
	const char *q = res->quality[0] ? res->quality : x->ic.quality ? x->ic.quality : "auto";
	double usd;

	if (res->cost >= 0)
		return res->cost;	/* Runware's own figure wins */
	if (cost_image(x->ic.cfg, x->ic.model, q, res->size[0] ? res->size : size,
		       res->tokens_in, res->tokens_out, 0, &usd) < 0)
		return -1;
	return usd;
}

static void
log_image(struct image_ctx *x, const struct image_res *res, double cost,
	  double secs, const struct ig_err *err)
{
	struct ai_logrec r = { 0 };

	r.function = "image";
	r.provider = x->ic.provider;
	r.model = x->ic.model;
	r.endpoint = strcmp(x->ic.provider, "runware") ? "/images/generations"
						       : "runware imageInference";
	r.outcome = err ? "error" : "ok";
	r.error = err ? err->msg : NULL;
	r.request_id = res->request_id[0] ? res->request_id : NULL;
	r.http_status = res->http_status;
	r.attempts = res->attempts;
	r.tokens_in = res->tokens_in;
	r.tokens_out = res->tokens_out;
	r.cost = cost;
	r.settled = 1;	/* by call()'s ai_budget_settle() */
	r.seconds = secs;
	r.request_body = res->request;
	r.response_body = res->response;
	ai_log(x->w, x->job, &r);
}

/* Writes checked bytes under our own name; *path_out is malloc'd. */
static int
store(struct image_ctx *x, const struct slot *s, const struct img_info *info,
      const struct image_res *res, char **path_out, struct ig_err *err)
{
	char name[128];
	size_t n;

	if (!x->dir) {
		char *d = ws_image_dir(worker_ws(x->w), config_str(x->ic.cfg, "image.dir"));
		if (!d || imgfile_mkdirs(d, err) < 0) {
			free(d);
			return -1;
		}
		x->dir = realpath(d, NULL);
		free(d);
		if (!x->dir)
			return ig_err_set(err, IG_EIO, "image directory: cannot resolve");
	}
	snprintf(name, sizeof name, "task%ld-%s-%d-%s.%s", x->task_id, s->kind,
		 s->position, s->device, imgfile_ext(info->format));
	if (imgfile_write(x->dir, name, res->data, res->len, err) < 0)
		return -1;
	n = strlen(x->dir) + strlen(name) + 2;
	if ((*path_out = malloc(n)))
		snprintf(*path_out, n, "%s/%s", x->dir, name);
	return *path_out ? 0 : ig_err_set(err, IG_ESOFTWARE, "out of memory");
}

/* The API call with its budget reservation, cost and log row. */
static int
call(struct image_ctx *x, const struct image_req *req, struct image_res *res,
     struct img_info *info, double *cost_out, struct ig_err *err)
{
	struct run *run = worker_run(x->w);
	struct http_client *c = worker_client(x->w, x->prov);
	double reserve = 0, secs;
	struct timespec a, b;
	int rc;

	cost_estimate_image(x->ic.cfg, x->ic.model, req->quality ? req->quality : "auto",
			    req->size, &reserve);
	if (ai_budget_reserve(run, reserve, err) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = strcmp(x->ic.provider, "runware")
		? image_openai(x->prov, c, req, x->ic.max_bytes, res, err)
		: image_runware(x->prov, c, req, x->ic.max_bytes, res, err);
	if (rc == 0)
		rc = imgfile_check(res->data, res->len, res->claimed, x->ic.max_bytes,
				   info, err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	/* An answered call is billed even when its image is refused. */
	*cost_out = res->http_status >= 200 && res->http_status < 300
		? image_cost(x, res, req->size) : 0;
	ai_budget_settle(run, reserve, *cost_out);
	log_image(x, res, *cost_out, secs, rc < 0 ? err : NULL);
	return rc;
}

static void
emit_row(struct image_ctx *x, long id)
{
	cJSON *rec = rec_get(worker_ws(x->w), "image", id, NULL);

	if (rec)
		job_emit(x->job, rec);
}

/* Makes, checks, stores and saves one image; a failure is saved too. */
static int
gen_one(struct image_ctx *x, const struct slot *s, struct ig_err *err)
{
	struct image_req req = { 0 };
	struct image_res res;
	struct img_info info = { 0 };
	struct image_row row = { 0 };
	char *prompt, *path = NULL;
	long id;
	int rc;

	if (!(prompt = full_prompt(x, s, err)))
		return -1;
	req.model = x->ic.model;
	req.prompt = prompt;
	req.negative = sent_negative(x);
	req.size = slot_size(&x->ic, s->kind, s->device);
	req.quality = x->ic.quality;
	req.format = x->ic.format;
	req.allow_loopback = x->ic.allow_loopback;
	image_res_init(&res);
	row.s = s;
	row.prompt = prompt;
	row.negative = sent_negative(x);
	rc = call(x, &req, &res, &info, &row.cost, err);
	if (rc == 0)
		rc = store(x, s, &info, &res, &path, err);
	row.url = res.url;
	row.path = path;
	row.status = rc == 0 ? "done" : "failed";
	row.error = rc == 0 ? NULL : err->msg;
	if (rc == 0) {
		row.format = imgfile_format_name(info.format);
		row.width = info.width;
		row.height = info.height;
		row.bytes = (long)res.len;
	}
	if (rc < 0 && err->code == IG_EBUDGET)
		id = 0;		/* not started: nothing to record */
	else if (rc < 0)
		id = save_row(x, &row, &(struct ig_err){ 0 });	/* keep the first error */
	else if ((id = save_row(x, &row, err)) > 0)
		emit_row(x, id);
	if (rc == 0 && id < 0)
		rc = -1;
	image_res_release(&res);
	free(prompt);
	free(path);
	return rc;
}

/* ---- dry run ---- */

/* The request one slot would send, with its estimated cost. */
static int
dry_one(struct image_ctx *x, const struct slot *s, struct ig_err *err)
{
	struct image_req req = { 0 };
	char uuid[37], *prompt = full_prompt(x, s, err), *body;
	cJSON *rec;
	double usd = 0;
	int known;

	if (!prompt || image_uuid4(uuid, err) < 0) {
		free(prompt);
		return -1;
	}
	req = (struct image_req){ x->ic.model, prompt, sent_negative(x),
				  slot_size(&x->ic, s->kind, s->device), x->ic.quality,
				  x->ic.format };
	body = strcmp(x->ic.provider, "runware") ? image_openai_body(&req)
						 : image_runware_body(&req, uuid);
	known = cost_estimate_image(x->ic.cfg, x->ic.model, req.quality ? req.quality
			: "auto", req.size, &usd) == 0;
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "request");
	cJSON_AddStringToObject(rec, "function", "image");
	cJSON_AddStringToObject(rec, "record", job_ref(x->job));
	cJSON_AddStringToObject(rec, "provider", x->ic.provider);
	cJSON_AddStringToObject(rec, "model", x->ic.model);
	cJSON_AddStringToObject(rec, "kind", s->kind);
	cJSON_AddNumberToObject(rec, "position", s->position);
	cJSON_AddStringToObject(rec, "device", s->device);
	cJSON_AddStringToObject(rec, "size", req.size);
	if (known)
		cJSON_AddNumberToObject(rec, "est_cost", usd);
	else
		cJSON_AddNullToObject(rec, "est_cost");
	cJSON_AddItemToObject(rec, "body", cJSON_Parse(body));
	job_emit(x->job, rec);
	run_add_estimate(worker_run(x->w), usd);
	free(body);
	free(prompt);
	return 0;
}

/* Stands in for the answer --dry-run did not ask for: the most it can hold. */
static cJSON *
placeholder_answer(long in_article)
{
	cJSON *a = cJSON_CreateObject(), *imgs;

	cJSON_AddStringToObject(a, "featured_prompt", "(featured prompt of the image_prompts answer)");
	cJSON_AddStringToObject(a, "featured_alt", "(featured alt text of the answer)");
	imgs = cJSON_AddArrayToObject(a, "images");
	for (long i = 0; i < in_article; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "section", "(a section of the answer)");
		cJSON_AddStringToObject(o, "prompt", "(in-article prompt of the image_prompts answer)");
		cJSON_AddStringToObject(o, "alt", "(alt text of the answer)");
		cJSON_AddStringToObject(o, "caption", "(caption of the answer)");
		cJSON_AddItemToArray(imgs, o);
	}
	return a;
}

/* ---- slots ---- */

/* Id of the slot's done row, 0 when it has none. */
static long
done_id(struct image_ctx *x, const struct slot *s)
{
	sqlite3_stmt *st = ws_prepare(worker_ws(x->w), "SELECT id FROM images WHERE"
				      " task_id = ? AND kind = ? AND position = ? AND"
				      " device = ? AND status = 'done'", NULL);
	long id = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, x->task_id);
	sqlite3_bind_text(st, 2, s->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, s->position);
	sqlite3_bind_text(st, 4, s->device, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* One prompt for every device: done ones re-emitted, the rest made. */
static int
do_prompt(struct image_ctx *x, struct slot *s, int dry, struct ig_err *err)
{
	for (int d = 0; d < x->ic.ndevices; d++) {
		long id;

		s->device = x->ic.devices[d];
		/* --refresh makes a done image anew (its row is replaced). */
		if (!run_opts(worker_run(x->w))->refresh && (id = done_id(x, s)) > 0)
			emit_row(x, id);
		else if ((dry ? dry_one(x, s, err) : gen_one(x, s, err)) < 0)
			return -1;
	}
	return 0;
}

static int
do_answer(struct image_ctx *x, const cJSON *answer, int dry, struct ig_err *err)
{
	struct slot s = { "featured", 0, NULL, NULL, json_str(answer, "featured_prompt"),
			  json_str(answer, "featured_alt"), NULL };
	const cJSON *img;

	if (!s.prompt || !*s.prompt)
		return ig_err_set(err, IG_EPROTO, "image_prompts answer has no featured_prompt");
	if (do_prompt(x, &s, dry, err) < 0)
		return -1;
	s.kind = "in_article";
	cJSON_ArrayForEach(img, json_arr(answer, "images")) {
		if (s.position >= x->ic.in_article)
			break;
		s.section = json_str(img, "section");
		s.prompt = json_str(img, "prompt");
		s.alt = json_str(img, "alt");
		s.caption = json_str(img, "caption");
		if (!s.prompt || !*s.prompt)
			continue;
		s.position++;
		if (do_prompt(x, &s, dry, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- --insert ---- */

/*
 * The in-article figures of the first device, in position order, with the
 * alt text and caption the image prompt step wrote (the section's heading
 * as alt text for images made before it wrote any).  strs gets the four
 * strings of each figure, for the caller to free.
 */
static size_t
load_figures(struct image_ctx *x, struct html_figure *figs, char **strs, size_t max)
{
	sqlite3_stmt *st = ws_prepare(worker_ws(x->w), "SELECT section, path,"
				      " coalesce(nullif(alt, ''), section), caption FROM images"
				      " WHERE task_id = ? AND kind = 'in_article' AND"
				      " device = ? AND status = 'done' AND path IS NOT NULL"
				      " ORDER BY position", NULL);
	size_t n = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, x->task_id);
	sqlite3_bind_text(st, 2, x->ic.devices[0], -1, SQLITE_STATIC);
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < 4; c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);

			strs[4 * n + c] = v ? strdup(v) : NULL;
		}
		figs[n] = (struct html_figure){ strs[4 * n], strs[4 * n + 1], strs[4 * n + 2],
						strs[4 * n + 3] };
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

static int
update_html(struct ws *ws, long task_id, const char *html, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, "UPDATE content SET html = ?, updated_at = ?"
				      " WHERE task_id = ?", err);
	char now[32];
	int rc = 0;

	if (!st)
		return -1;
	ws_now(now);
	sqlite3_bind_text(st, 1, html, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, task_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "saving the article");
	sqlite3_finalize(st);
	return rc;
}

static char *
content_html(struct ws *ws, long task_id, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT html FROM content WHERE task_id = ?", err);
	char *html = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, task_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		html = strdup((const char *)sqlite3_column_text(st, 0));
	else
		ig_err_set(err, IG_ENOINPUT, "task %ld has no content", task_id);
	sqlite3_finalize(st);
	return html;
}

struct figures {
	long task_id;
	const struct html_figure *figs;
	size_t n, added;
};

/* The figures into content.html as one unit (worker_save()). */
static int
put_figures(struct ws *ws, void *arg, struct ig_err *err)
{
	struct figures *a = arg;
	char *html, *out = NULL;
	int rc = -1;

	if ((html = content_html(ws, a->task_id, err)) &&
	    (out = html_insert_figures(html, a->figs, a->n, &a->added, err)) &&
	    (a->added == 0 || update_html(ws, a->task_id, out, err) == 0))
		rc = 0;
	free(html);
	free(out);
	return rc;
}

/* Figures into content.html, in one transaction; reruns insert nothing. */
static int
insert_figures(struct image_ctx *x, struct ig_err *err)
{
	struct html_figure figs[64];
	char *strs[4 * ARRAY_SIZE(figs)] = { 0 };
	struct figures a = { x->task_id, figs, 0, 0 };
	int rc = -1;

	a.n = load_figures(x, figs, strs, ARRAY_SIZE(figs));
	job_phase(x->job, PH_SAVE);
	if ((rc = worker_save(x->w, put_figures, &a, err)) == 0)
		job_note(x->job, "inserted %zu of %zu figures", a.added, a.n);
	for (size_t i = 0; i < 4 * a.n; i++)
		free(strs[i]);
	return rc;
}

/* ---- work ---- */

static char *
trimmed(const char *s)
{
	const char *e;
	char *t, *p;

	while (isspace((unsigned char)*s))
		s++;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]);)
		e--;
	if (!(t = strndup(s, (size_t)(e - s))))
		return NULL;
	/* A template's line breaks are layout, not meaning. */
	for (p = t; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return t;
}

/* Style and negative prompt: the setting when set, else the prompt file's. */
static int
load_templates(struct image_ctx *x, struct prompt **tmpl, struct ig_err *err)
{
	const char *st = config_str(x->ic.cfg, "image.style");
	const char *ng = config_str(x->ic.cfg, "image.negative");
	struct prompt *neg;

	if (!(*tmpl = worker_prompt(x->w, "image", NULL, err)))
		return -1;
	x->tmpl = *tmpl;
	if (!st || !*st)
		st = json_str(prompt_meta(*tmpl), "style");
	x->style = trimmed(st ? st : "");
	if (ng && *ng) {
		x->negative = trimmed(ng);
	} else {
		if (!(neg = worker_prompt(x->w, "negative", NULL, err)))
			return -1;
		x->negative = trimmed(prompt_body(neg));
		prompt_free(neg);
	}
	return x->style && x->negative ? 0 : ig_err_set(err, IG_ESOFTWARE, "out of memory");
}

/* Variables of the extraction prompt: title, H2 list, article text, count. */
static struct prompt_vars *
extract_vars(struct image_ctx *x, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(worker_ws(x->w), "SELECT coalesce(title, ''), html"
				      " FROM content WHERE task_id = ?", err);
	struct prompt_vars *v = NULL;
	struct buf h = BUF_INIT(0);
	char **h2, *text;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, x->task_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		ig_err_set(err, IG_ENOINPUT, "task %ld has no content", x->task_id);
	} else {
		const char *html = (const char *)sqlite3_column_text(st, 1);

		v = prompt_vars_new();
		fn_common_vars(worker_run(x->w), v, NULL);
		prompt_vars_set(v, "title", (const char *)sqlite3_column_text(st, 0));
		h2 = html_h2_list(html, NULL);
		for (size_t i = 0; h2 && h2[i]; i++)
			buf_printf(&h, "<h2>%s</h2>\n", h2[i]);
		html_strv_free(h2);
		prompt_vars_set(v, "headings", h.len ? buf_str(&h) : "(none)");
		text = html_to_text(html, ARTICLE_CHARS);
		prompt_vars_set(v, "article", text ? text : "");
		prompt_vars_setf(v, "count", "%ld", x->ic.in_article);
		free(text);
	}
	sqlite3_finalize(st);
	buf_release(&h);
	return v;
}

/* The extraction call, then every image of its answer. */
static int
make_images(struct image_ctx *x, struct ig_err *err)
{
	struct run *run = worker_run(x->w);
	struct prompt *ex = NULL, *tmpl = NULL;
	struct prompt_vars *v = NULL;
	cJSON *answer = NULL;
	int rc = -1;

	if (!(x->prov = run_provider_named(run, x->ic.provider, err)) ||
	    load_templates(x, &tmpl, err) < 0 ||
	    !(ex = worker_prompt(x->w, "image_prompts", NULL, err)) ||
	    !(v = extract_vars(x, err)))
		goto out;
	rc = ai_chat(x->w, x->job, "image_prompts", ex, v, &answer, err);
	if (rc == AI_BATCHED) {
		/* The images wait for the batch: 'igny8 batch collect' makes them. */
		rc = 0;
		goto out;
	}
	if (rc == AI_DRY_RUN)
		answer = placeholder_answer(x->ic.in_article);
	if (rc >= 0) {
		job_phase(x->job, PH_AI_CALL);
		rc = do_answer(x, answer, run_opts(run)->dry_run, err);
	}
out:
	cJSON_Delete(answer);
	prompt_vars_free(v);
	prompt_free(ex);
	prompt_free(tmpl);
	return rc;
}

static int
image_work(struct worker *w, struct job *job, struct ig_err *err)
{
	struct image_job *ij = job_data(job);
	struct run *run = worker_run(w);
	struct image_ctx x = { 0 };
	int rc;

	x.w = w;
	x.job = job;
	x.task_id = ij->task_id;
	job_phase(job, PH_PREP);
	if ((rc = read_cfg(run, &x.ic, err)) == 0 && !ij->only_insert)
		rc = make_images(&x, err);
	if (rc == 0 && (run_opts(run)->flags & RUN_INSERT) && !run_opts(run)->dry_run)
		rc = insert_figures(&x, err);
	if (rc == 0 && ij->only_insert)
		emit_all(worker_ws(w), job, x.task_id);
	free(x.style);
	free(x.negative);
	free(x.dir);
	return rc;
}

static const char *const image_accepts[] = { "content", "task", NULL };

const struct fn_ops fn_image = {
	.name = "image",
	.prompt = "image_prompts",
	.input_type = "task",
	.accepts = image_accepts,
	/* --pending: articles whose images are missing, failed or incomplete. */
	.select_all = "SELECT t.id FROM tasks t JOIN content c ON c.task_id = t.id"
		      " WHERE NOT EXISTS (SELECT 1 FROM images i WHERE i.task_id = t.id)"
		      " OR EXISTS (SELECT 1 FROM images i WHERE i.task_id = t.id"
		      " AND i.status <> 'done') ORDER BY t.id",
	.init = image_init,
	.work = image_work,
	.free = free,
};
