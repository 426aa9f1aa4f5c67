/*
 * fn_publish.c: igny8-publish's function: each article (a content, image or
 * task record, or --all) once to a static site or a WordPress site, one
 * publish record out, its row kept in the workspace.
 *
 * No model is called: the work phase sends the article (AI_CALL stands for
 * "the request" in the job's steps) and SAVE keeps where it went.
 */
#include "compat.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fn.h"
#include "http.h"
#include "json.h"
#include "publish.h"
#include "records.h"

/* The whole run's settings, read once at the first record. */
struct pub_run {
	enum pub_target t;
	char site[PATH_MAX];		/* absolute folder or site URL */
	char device[64];		/* images of this device (image.devices[0]) */
	const char *status;		/* draft, publish, pending, future */
	const char *date;		/* "" = the article's own */
	struct pub_wp *wp;
	struct http_opts http;
	long *seen;			/* tasks taken, so each goes once */
	size_t nseen, cap;
};

struct pub_job {
	long task_id;
};

static const char *const publish_accepts[] = { "content", "image", "task", NULL };

static void
run_free(void *p)
{
	struct pub_run *pr = p;

	if (!pr)
		return;
	pub_wp_free(pr->wp);
	free(pr->seen);
	free(pr);
}

static int
setup_wp(struct run *run, struct pub_run *pr, struct ig_err *err)
{
	const struct config *cfg = run_config(run);
	const char *url = config_str(cfg, "wordpress.url");
	const char *origin = config_origin(cfg, "wordpress.app_password");
	struct pub_wp_opts o = { 0 };
	size_t n;

	/* A password in argv is seen by every user's ps(1). */
	if (origin && !strcmp(origin, "command line"))
		return ig_err_set(err, IG_EUSAGE, "wordpress.app_password is never taken "
				  "from the command line: use WORDPRESS_APP_PASSWORD");
	if (!url || !*url)
		return ig_err_set(err, IG_ECONFIG, "no WordPress site: set wordpress.url "
				  "or WORDPRESS_URL");
	snprintf(pr->site, sizeof pr->site, "%s", url);
	n = strlen(pr->site);
	while (n > 0 && pr->site[n - 1] == '/')
		pr->site[--n] = '\0';
	o.url = pr->site;
	o.user = config_str(cfg, "wordpress.user");
	o.password = config_str(cfg, "wordpress.app_password");
	o.status = pr->status;
	o.date = pr->date;
	o.recreate = (run_opts(run)->flags & RUN_RECREATE) != 0;
	o.dry_run = run_opts(run)->dry_run;
	pr->http.timeout_ms = config_int(cfg, "wordpress.timeout") * 1000;
	pr->http.max_retries = (int)config_int(cfg, "wordpress.max_retries");
	pr->http.max_body = (size_t)config_int(cfg, "run.max_body");
	pr->http.cancel = run_cancel(run);
	o.http = &pr->http;
	pr->wp = pub_wp_new(&o, err);
	return pr->wp ? 0 : -1;
}

static int
setup_static(struct run *run, struct pub_run *pr, struct ig_err *err)
{
	const char *dir = config_str(run_config(run), "publish.dir");
	char cwd[PATH_MAX];

	if (!dir || !*dir)
		return ig_err_set(err, IG_EUSAGE, "--to %s needs --dir DIR",
				  pub_target_name(pr->t));
	if (dir[0] == '/' || !getcwd(cwd, sizeof cwd))
		snprintf(pr->site, sizeof pr->site, "%s", dir);
	else if ((size_t)snprintf(pr->site, sizeof pr->site, "%s/%s", cwd, dir) >=
		 sizeof pr->site)
		return ig_err_set(err, IG_EUSAGE, "--dir '%s': path too long", dir);
	return 0;
}

/* The run's settings, checked once, before the first record is taken. */
static struct pub_run *
setup(struct run *run, struct ig_err *err)
{
	const struct config *cfg = run_config(run);
	struct pub_run *pr = run_data(run);
	const char *to = config_str(cfg, "publish.to");
	const char *devs = config_str(cfg, "image.devices");
	const char *st = config_str(cfg, "publish.status");
	int t = pub_target_parse(to);

	if (pr)
		return pr;
	if (t < 0) {
		ig_err_set(err, IG_EUSAGE, "where to? give --to wordpress, hugo, "
			   "jekyll or astro");
		return NULL;
	}
	if (!(pr = calloc(1, sizeof *pr))) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	run_set_data(run, pr);
	run_set_data_free(run, run_free);
	pr->t = (enum pub_target)t;
	snprintf(pr->device, sizeof pr->device, "%.*s",
		 devs ? (int)strcspn(devs, ",") : 0, devs ? devs : "");
	pr->date = config_str(cfg, "publish.date");
	if (!pr->date)
		pr->date = "";
	pr->status = !st || !strcmp(st, "auto") ?
		     (pr->t == PUB_WORDPRESS ? "draft" : "publish") : st;
	if (!strcmp(pr->status, "future") && !*pr->date) {
		ig_err_set(err, IG_EUSAGE, "--status future needs --date");
		return NULL;
	}
	if ((pr->t == PUB_WORDPRESS ? setup_wp(run, pr, err) :
	     setup_static(run, pr, err)) < 0)
		return NULL;
	return pr;
}

/* The task a record names: a task's id, a content or image record's task_id. */
static long
record_task(const cJSON *rec, struct ig_err *err)
{
	const char *type = json_str(rec, "type");
	long id;

	if (!type || !strcmp(type, "task"))
		return rec_id(rec, "task", err);
	id = json_long(rec, "task_id", -1);
	if (id <= 0)
		return ig_err_set(err, IG_EDATA, "a '%s' record without a task_id", type);
	return id;
}

static int
seen(struct pub_run *pr, long task_id)
{
	long *n;

	for (size_t i = 0; i < pr->nseen; i++)
		if (pr->seen[i] == task_id)
			return 1;
	if (pr->nseen == pr->cap) {
		pr->cap = pr->cap ? pr->cap * 2 : 64;
		if (!(n = realloc(pr->seen, pr->cap * sizeof *n)))
			return -1;
		pr->seen = n;
	}
	pr->seen[pr->nseen++] = task_id;
	return 0;
}

static int
publish_init(struct run *run, struct job *job, const cJSON *rec, struct ig_err *err)
{
	struct pub_run *pr = setup(run, err);
	struct pub_job *pj;
	long task_id;
	int s;

	if (!pr || (task_id = record_task(rec, err)) < 0)
		return -1;
	/* igny8-image writes several records per article; one publish each. */
	if ((s = seen(pr, task_id)) != 0)
		return s < 0 ? ig_err_set(err, IG_ESOFTWARE, "out of memory") : INIT_TAKEN;
	job_set_ref(job, "task:%ld", task_id);
	if (rec_exists(run_ws(run), "task", task_id, err) < 0)
		return -1;
	if (!(pj = calloc(1, sizeof *pj)))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	pj->task_id = task_id;
	job_set_data(job, pj);
	return INIT_RUN;
}

static cJSON *
result_record(const struct pub_run *pr, const struct pub_article *a,
	      const struct pub_result *r, long id)
{
	cJSON *rec = cJSON_CreateObject();

	cJSON_AddStringToObject(rec, "type", "publish");
	if (id > 0)
		cJSON_AddNumberToObject(rec, "id", (double)id);
	cJSON_AddNumberToObject(rec, "task_id", (double)a->task_id);
	cJSON_AddNumberToObject(rec, "content_id", (double)a->content_id);
	cJSON_AddStringToObject(rec, "target", pub_target_name(pr->t));
	cJSON_AddStringToObject(rec, "site", pr->site);
	json_add_str(rec, "remote_id", r->remote_id);
	json_add_str(rec, "url", r->url);
	json_add_str(rec, "path", r->path);
	json_add_str(rec, "status", r->status);
	cJSON_AddStringToObject(rec, "action", r->action ? r->action : "unchanged");
	cJSON_AddNumberToObject(rec, "images", (double)a->nimages);
	return rec;
}

/* --dry-run: what would be written or sent, as a request record. */
static cJSON *
dry_record(const struct pub_run *pr, struct job *job, struct pub_result *r)
{
	cJSON *rec = cJSON_CreateObject();

	cJSON_AddStringToObject(rec, "type", "request");
	cJSON_AddStringToObject(rec, "function", "publish");
	cJSON_AddStringToObject(rec, "record", job_ref(job));
	cJSON_AddStringToObject(rec, "target", pub_target_name(pr->t));
	cJSON_AddStringToObject(rec, "site", pr->site);
	cJSON_AddItemToObject(rec, "requests", r->requests ? r->requests :
			      cJSON_CreateArray());
	r->requests = NULL;
	return rec;
}

struct pub_save {
	long run_id;
	const struct pub_run *pr;
	const struct pub_article *a;
	const struct pub_result *r;
	long *id_out;
};

static int
save_state(struct ws *ws, void *arg, struct ig_err *err)
{
	struct pub_save *x = arg;

	return pub_state_save(ws, x->run_id, x->a->task_id, x->pr->t, x->pr->site,
			      x->r, x->id_out, err);
}

static int
save(struct worker *w, struct job *job, const struct pub_run *pr,
     const struct pub_article *a, const struct pub_result *r, long *id,
     struct ig_err *err)
{
	job_phase(job, PH_SAVE);
	return worker_save(w, save_state, &(struct pub_save){ run_id(worker_run(w)), pr,
							      a, r, id }, err);
}

static int
publish_work(struct worker *w, struct job *job, struct ig_err *err)
{
	struct run *run = worker_run(w);
	struct pub_run *pr = run_data(run);
	struct pub_job *pj = job_data(job);
	struct pub_article a;
	struct pub_state prev;
	struct pub_result r = { 0 };
	struct http_client *c;
	int dry = run_opts(run)->dry_run, rc = -1;
	long id = 0;

	job_phase(job, PH_PREP);
	memset(&prev, 0, sizeof prev);
	if (pub_article_load(worker_ws(w), pj->task_id, pr->device, &a, err) < 0 ||
	    pub_state_get(worker_ws(w), pj->task_id, pr->t, pr->site, &prev, err) < 0)
		goto done;
	if (*pr->date && pr->t != PUB_WORDPRESS) {
		free(a.date);
		a.date = strdup(pr->date);
	}
	job_phase(job, PH_AI_CALL);
	if (pr->t != PUB_WORDPRESS) {
		rc = pub_static(pr->t, pr->site, &a, prev.id ? prev.remote_id : NULL,
				!strcmp(pr->status, "draft"), dry, &r, err);
	} else if (!(c = worker_site_client(w, &pr->http))) {
		rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
	} else {
		rc = pub_wp_publish(pr->wp, c, &a, &prev, &r, err);
	}
	if (rc == 0 && !dry)
		rc = save(w, job, pr, &a, &r, &id, err);
	if (rc == 0) {
		job_note(job, "%s", r.action ? r.action : "unchanged");
		job_emit(job, dry ? dry_record(pr, job, &r) : result_record(pr, &a, &r, id));
	}
done:
	pub_result_release(&r);
	pub_state_release(&prev);
	pub_article_release(&a);
	return rc;
}

const struct fn_ops fn_publish = {
	.name = "publish",
	.input_type = "task",
	.accepts = publish_accepts,
	.select_all = "SELECT task_id FROM content ORDER BY task_id",
	.init = publish_init,
	.work = publish_work,
	.free = free,
};
