/*
 * fn_write.c: articles from ideas (the audit's generate_content).
 *
 * An idea becomes a task (queued), the task runs (running, then done,
 * failed or flagged, with its error), and the answer goes through the
 * content normalizer: whatever the model sent (HTML, Markdown, JSON with
 * HTML inside) becomes sanitized HTML before it is saved.
 */
#include "compat.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai.h"
#include "config.h"
#include "fn.h"
#include "html.h"
#include "json.h"
#include "lang.h"
#include "links.h"
#include "msg.h"
#include "prompt.h"
#include "provider.h"
#include "records.h"
#include "seo_check.h"
#include "slug.h"
#include "task.h"
#include "workspace.h"

/* At most this many bytes of an article's text go to moderation. */
#define MODERATION_CHARS 100000
/* Output tokens besides the body's: the other fields and reasoning. */
#define WRITE_TOKENS_HEADROOM 2500

struct write_job {
	long task_id;
	int redo;		/* a finished task written anew (--refresh) */
};

/*
 * Adds the stored JSON array in column `col` of st to rec as `name`, when
 * there is one: absent when empty, so that records stay as they were.
 */
static void
add_array(cJSON *rec, const char *name, sqlite3_stmt *st, int col)
{
	const char *txt = (const char *)sqlite3_column_text(st, col);
	cJSON *v = txt ? cJSON_Parse(txt) : NULL;

	if (cJSON_GetArraySize(v) > 0)
		cJSON_AddItemToObject(rec, name, v);
	else
		cJSON_Delete(v);
}

/*
 * The task's content record, with what the editor must verify and what
 * the checks found (from the workspace, so that a rerun writes the same).
 */
static void
emit_content(struct ws *ws, struct job *job, long task_id, const char *format)
{
	sqlite3_stmt *st = ws_cached(ws, "SELECT id, verify, checks FROM content"
				     " WHERE task_id = ?", NULL);
	cJSON *rec = NULL;

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, task_id);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (rec = rec_get(ws, "content", (long)sqlite3_column_int64(st, 0), NULL))) {
		add_array(rec, "verify", st, 1);
		add_array(rec, "checks", st, 2);
	}
	ws_done(st);
	if (!rec)
		return;
	if (format && !strcmp(format, "markdown")) {
		char *md = html_to_markdown(json_str(rec, "html"));
		if (md)
			cJSON_AddStringToObject(rec, "markdown", md);
		free(md);
	}
	job_emit(job, rec);
}

static int
write_init(struct run *run, struct job *job, const cJSON *rec, struct ig_err *err)
{
	struct ws *ws = run_ws(run);
	const char *type = json_str(rec, "type");
	struct write_job *wj;
	long task_id;
	int dup, redo = 0;

	if (type && !strcmp(type, "idea"))
		task_id = task_from_idea(ws, rec_id(rec, "idea", err), run_id(run), err);
	else
		task_id = task_from_record(ws, rec, err);
	if (task_id < 0)
		return -1;
	if ((dup = fn_take_ref(run, job, err, "task:%ld", task_id)) != 0)
		return dup < 0 ? -1 : INIT_DONE;
	switch (task_claimable(ws, task_id, err)) {
	case TASK_DONE:
		if (run_opts(run)->refresh) {
			job_note(job, "done already: written anew (--refresh)");
			redo = 1;
			break;
		}
		job_note(job, "done already: its article is written out again, nothing"
			 " is sent (--refresh writes it anew)");
		emit_content(ws, job, task_id, config_str(run_config(run), "write.format"));
		return 1;
	case TASK_BUSY:
		ig_warnf("task:%ld: running in another live process; skipped", task_id);
		return 1;
	case TASK_ERROR:
		return -1;
	default:
		break;
	}
	if (!(wj = calloc(1, sizeof *wj)))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	wj->task_id = task_id;
	wj->redo = redo;
	job_set_data(job, wj);
	return 0;
}

/* The outline as the prompt shows it: "## H2" and "### H3", each with its
 * note on the next line (a note in brackets read as part of the heading). */
static char *
outline_text(const cJSON *outline)
{
	struct buf b = BUF_INIT(0);
	const cJSON *sec, *sub;

	cJSON_ArrayForEach(sec, outline) {
		buf_printf(&b, "## %s\n", json_str(sec, "h2") ? json_str(sec, "h2") : "");
		if (json_str(sec, "note") && *json_str(sec, "note"))
			buf_printf(&b, "Must say: %s\n", json_str(sec, "note"));
		cJSON_ArrayForEach(sub, json_arr(sec, "h3")) {
			buf_printf(&b, "### %s\n", json_str(sub, "heading") ?
				   json_str(sub, "heading") : "");
			if (json_str(sub, "note") && *json_str(sub, "note"))
				buf_printf(&b, "Must say: %s\n", json_str(sub, "note"));
		}
	}
	if (!b.len)
		buf_puts(&b, "(no outline: choose sensible sections)\n");
	return buf_detach(&b);
}

/* A task option: the task's own options first, then the run's settings. */
static const char *
task_opt(const cJSON *opts, const struct config *cfg, const char *name)
{
	char key[64];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(opts, name);
	static __thread char num[32];

	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		snprintf(num, sizeof num, "%.0f", v->valuedouble);
		return num;
	}
	snprintf(key, sizeof key, "write.%s", name);
	return config_str(cfg, key);
}

/* The target length: the task's option, then the idea's own, then write.words. */
static long
target_words(const struct config *cfg, const cJSON *task, const cJSON *idea)
{
	const cJSON *opts = json_obj(task, "options");
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(opts, "words");

	if (!o && idea && json_long(idea, "word_count", 0) > 0)
		return json_long(idea, "word_count", 0);
	return atol(task_opt(opts, cfg, "words"));
}

/* The search intent most keywords of the idea's cluster carry. */
static char *
cluster_intent(struct ws *ws, const cJSON *idea)
{
	cJSON *cl;
	char *intent = NULL;

	if (!idea || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(idea, "cluster_id")))
		return NULL;
	if ((cl = rec_get(ws, "cluster", json_long(idea, "cluster_id", 0), NULL)) &&
	    json_str(cl, "intent"))
		intent = strdup(json_str(cl, "intent"));
	cJSON_Delete(cl);
	return intent;
}

static struct prompt_vars *
write_vars(struct worker *w, const cJSON *task, const cJSON *idea,
	   const struct links *links)
{
	const struct config *cfg = run_config(worker_run(w));
	const cJSON *opts = json_obj(task, "options");
	struct prompt_vars *v = prompt_vars_new();
	char *kw = json_dump(idea ? json_arr(idea, "keywords") : NULL);
	char *ol = outline_text(idea ? json_arr(idea, "outline") : NULL);
	char *intent = cluster_intent(worker_ws(w), idea);
	char *related = links_prompt(links);

	fn_common_vars(worker_run(w), v, NULL);
	prompt_vars_set(v, "title", json_str(task, "title"));
	prompt_vars_set(v, "description", idea ? json_str(idea, "description") : "");
	prompt_vars_set(v, "content_type", idea && json_str(idea, "content_type") ?
			json_str(idea, "content_type") : "post");
	prompt_vars_set(v, "structure", idea && json_str(idea, "structure") ?
			json_str(idea, "structure") : "guide");
	prompt_vars_set(v, "primary_keyword", idea && json_str(idea, "primary_keyword") ?
			json_str(idea, "primary_keyword") : json_str(task, "title"));
	prompt_vars_set(v, "keywords", kw ? kw : "[]");
	prompt_vars_set(v, "outline", ol);
	prompt_vars_setf(v, "words", "%ld", target_words(cfg, task, idea));
	prompt_vars_set(v, "intent", intent ? intent : "informational (assumed)");
	prompt_vars_set(v, "tone", task_opt(opts, cfg, "tone"));
	prompt_vars_set(v, "language", lang_name(task_opt(opts, cfg, "language")));
	if (*task_opt(opts, cfg, "audience"))
		prompt_vars_set(v, "audience", task_opt(opts, cfg, "audience"));
	prompt_vars_set(v, "format", !strcmp(task_opt(opts, cfg, "format"), "markdown")
			? "Markdown" : "HTML");
	prompt_vars_set(v, "related", related ? related : "(none yet: write no links)");
	free(kw);
	free(ol);
	free(intent);
	free(related);
	return v;
}

/*
 * The site's articles this one may link to, ranked by the words of its
 * title, primary keyword and keywords.
 */
static struct links *
site_links(struct ws *ws, long task_id, const cJSON *task, const cJSON *idea,
	   const struct config *cfg, struct ig_err *err)
{
	struct buf about = BUF_INIT(0);
	const cJSON *k, *kws = idea ? json_arr(idea, "keywords") : NULL;
	struct links *l;

	buf_printf(&about, "%s %s", json_str(task, "title") ? json_str(task, "title") : "",
		   idea && json_str(idea, "primary_keyword") ?
		   json_str(idea, "primary_keyword") : "");
	cJSON_ArrayForEach(k, kws)
		buf_printf(&about, " %s", cJSON_IsString(k) ? k->valuestring :
			   json_str(k, "keyword") ? json_str(k, "keyword") : "");
	l = links_load(ws, task_id, idea ? json_long(idea, "cluster_id", 0) : 0,
		       buf_str(&about), config_str(cfg, "site.url"), err);
	buf_release(&about);
	return l;
}

struct article {
	char *html, *meta_title, *meta_desc, *slug;
	cJSON *checks;	/* what is still wrong after the repair turn (strings) */
	char *text;	/* visible text of html: word count, moderation */
	size_t words;
	int flagged;
	cJSON *moderation;
};

static void
article_release(struct article *a)
{
	free(a->html);
	free(a->text);
	free(a->meta_title);
	free(a->meta_desc);
	free(a->slug);
	cJSON_Delete(a->checks);
	cJSON_Delete(a->moderation);
}

static void
put_text(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '&')
			buf_puts(b, "&amp;");
		else if (*s == '<')
			buf_puts(b, "&lt;");
		else if (*s == '>')
			buf_puts(b, "&gt;");
		else
			buf_putc(b, *s);
	}
}

/*
 * The key takeaways go after the first paragraph (the direct answer stays
 * first), the FAQ at the end, so that they are published with the body.
 */
static char *
with_extras(const char *html, const cJSON *ans)
{
	const cJSON *takeaways = json_arr(ans, "key_takeaways"), *faq = json_arr(ans, "faq");
	const cJSON *it;
	const char *first = strstr(html, "</p>");
	size_t at = first ? (size_t)(first + 4 - html) : 0;
	struct buf b = BUF_INIT(0);

	buf_append(&b, html, at);
	if (cJSON_GetArraySize(takeaways) > 0) {
		buf_puts(&b, "\n<h2>Key takeaways</h2>\n<ul>\n");
		cJSON_ArrayForEach(it, takeaways) {
			buf_puts(&b, "<li>");
			put_text(&b, cJSON_GetStringValue(it));
			buf_puts(&b, "</li>\n");
		}
		buf_puts(&b, "</ul>\n");
	}
	buf_puts(&b, html + at);
	if (cJSON_GetArraySize(faq) > 0) {
		buf_puts(&b, "\n<h2>Frequently asked questions</h2>\n");
		cJSON_ArrayForEach(it, faq) {
			buf_puts(&b, "<h3>");
			put_text(&b, json_str(it, "question"));
			buf_puts(&b, "</h3>\n<p>");
			put_text(&b, json_str(it, "answer"));
			buf_puts(&b, "</p>\n");
		}
	}
	return buf_detach(&b);
}

/* Called by ai_chat() on a fresh answer: a problem goes to the repair turn. */
static int
check_answer(const cJSON *ans, void *ctx, struct ig_err *err)
{
	struct buf why = BUF_INIT(0);
	int rc = 0;

	if (seo_check(ans, ctx, &why) > 0)
		rc = ig_err_set(err, IG_EPROTO, "%s", buf_str(&why));
	buf_release(&why);
	return rc;
}

/*
 * PARSE: normalise the body and hold the answer to the checks once more
 * (after a repair turn, what is still wrong is flagged, not failed): the
 * meta fields are cut to their length in characters as a last resort,
 * links that leave the site are removed, the slug is transliterated.
 */
static int
parse_article(struct job *job, const cJSON *ans, const char *title,
	      const struct seo_want *want, struct article *a, struct ig_err *err)
{
	const char *body = json_str(ans, "body");
	const char *slug = json_str(ans, "slug");
	struct buf why = BUF_INIT(0);
	char *html, *kept;
	int removed = 0, n;

	html = html_normalize(body, strlen(body), HTML_IN_AUTO, &a->text, err);
	if (!html)
		return ig_err_prefix(err, "article body");
	a->words = html_text_words(a->text);
	if (a->words == 0) {
		free(html);
		return ig_err_set(err, IG_EPROTO, "article body has no text");
	}
	n = seo_check(ans, want, &why);
	if (links_shortfall(want->links, html, &why, n) > 0) {
		char *all = buf_detach(&why), *save = NULL;

		job_note(job, "check: %s", all);
		a->checks = cJSON_CreateArray();
		for (char *t = strtok_r(all, ";", &save); t; t = strtok_r(NULL, ";", &save))
			cJSON_AddItemToArray(a->checks, cJSON_CreateString(t + (*t == ' ')));
		free(all);
	}
	buf_release(&why);
	kept = links_keep(want->links, html, &removed);
	free(html);
	if (removed)
		job_note(job, "%d link%s to no article of the site removed", removed,
			 removed == 1 ? "" : "s");
	a->html = kept ? with_extras(kept, ans) : NULL;
	free(kept);
	a->meta_title = seo_cut(json_str(ans, "meta_title"), SEO_META_TITLE_MAX);
	a->meta_desc = seo_cut(json_str(ans, "meta_description"), SEO_META_DESC_MAX);
	a->slug = slug_make(slug && *slug ? slug : title, 80);
	if (a->slug && !*a->slug) {
		free(a->slug);
		a->slug = slug_make(title, 80);
	}
	if (!a->html || !a->meta_title || !a->meta_desc || !a->slug)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	return 0;
}

static int
moderate(struct worker *w, struct job *job, struct article *a, struct ig_err *err)
{
	struct run *run = worker_run(w);
	struct provider *p = run_provider(run, "moderation", err);
	int rc;
	struct ai_logrec r = { 0 };
	struct provider_bodies bodies = { 0 };
	double t0 = engine_now();

	if (!p)
		return -1;
	html_text_cut(a->text, MODERATION_CHARS);
	rc = provider_moderate(p, worker_client(w, p),
			       config_str(run_config(run), "functions.moderation.model"),
			       a->text, &a->flagged, &a->moderation, &bodies, err);
	r.function = "moderation";
	r.provider = provider_name(p);
	r.model = config_str(run_config(run), "functions.moderation.model");
	r.endpoint = "/moderations";
	r.outcome = rc < 0 ? "error" : a->flagged ? "flagged" : "ok";
	r.error = rc < 0 ? err->msg : NULL;
	r.attempts = 1;
	r.cost = 0; /* the moderation endpoint is free of charge */
	r.seconds = engine_now() - t0;
	r.request_body = bodies.request;
	r.response_body = bodies.response;
	ai_log(w, job, &r);
	provider_bodies_release(&bodies);
	if (rc == 0 && a->flagged)
		job_note(job, "flagged by moderation");
	return rc;
}

struct article_save {
	struct job *job;
	long task_id, run_id;
	const struct task_content *c;
	const char *format;
};

/* The article, and the record written from what was saved (worker_save()). */
static int
put_article(struct ws *ws, void *arg, struct ig_err *err)
{
	struct article_save *x = arg;

	if (task_save_content(ws, x->task_id, x->c, x->run_id, err) < 0)
		return -1;
	if (x->c->flagged)
		return 1;
	/* verify and checks are saved with it, and the record read back. */
	emit_content(ws, x->job, x->task_id, x->format);
	return 0;
}

static int
write_save(struct worker *w, struct job *job, long task_id, const cJSON *ans,
	   const struct article *a, const char *format, struct ig_err *err)
{
	struct task_content c = { 0 };
	int rc;

	job_phase(job, PH_SAVE);
	c.title = json_str(ans, "title");
	c.meta_title = a->meta_title;
	c.meta_description = a->meta_desc;
	c.slug = a->slug;
	c.html = a->html;
	c.format = format;
	c.primary_keyword = json_str(ans, "primary_keyword");
	c.secondary_keywords = json_arr(ans, "secondary_keywords");
	c.tags = json_arr(ans, "tags");
	c.categories = json_arr(ans, "categories");
	c.verify = json_arr(ans, "verify");
	c.checks = a->checks;
	c.word_count = (long)a->words;
	c.flagged = a->flagged;
	c.moderation = a->moderation;
	rc = worker_save(w, put_article, &(struct article_save){ job, task_id,
		run_id(worker_run(w)), &c, format }, err);
	if (rc == 1)
		return ig_err_set(err, IG_EDATA, "flagged by moderation: saved as 'flagged', "
				  "not written");
	return rc;
}

struct task_mark {
	long task_id, run_id;
	const char *what, *error;	/* "start", "requeue", "fail", "restore" */
};

/* A task's status (worker_save()). */
static int
mark_task(struct ws *ws, void *arg, struct ig_err *err)
{
	struct task_mark *m = arg;

	if (!strcmp(m->what, "start"))
		return task_start(ws, m->task_id, m->run_id, err);
	if (!strcmp(m->what, "requeue"))
		task_requeue(ws, m->task_id);
	else if (!strcmp(m->what, "fail"))
		task_fail(ws, m->task_id, m->error);
	else
		task_restore_done(ws, m->task_id, m->error);
	return 0;
}

static int
task_mark(struct worker *w, long task_id, const char *what, const char *error,
	  struct ig_err *err)
{
	struct ig_err e = { 0 };

	return worker_save(w, mark_task, &(struct task_mark){ task_id,
		run_id(worker_run(w)), what, error }, err ? err : &e);
}

static int
write_work(struct worker *w, struct job *job, struct ig_err *err)
{
	struct write_job *wj = job_data(job);
	struct run *run = worker_run(w);
	struct ws *ws = worker_ws(w);
	struct article a = { 0 };
	struct seo_want want = { 0 };
	struct ai_opts opts = { 0 };
	struct prompt_vars *v = NULL;
	struct prompt *p = NULL;
	struct links *links = NULL;
	cJSON *task = NULL, *idea = NULL, *ans = NULL;
	const char *format;
	int rc = -1;

	job_phase(job, PH_PREP);
	if (!run_opts(run)->dry_run && task_mark(w, wj->task_id, "start", NULL, err) < 0)
		return -1;
	if (!(task = rec_get(ws, "task", wj->task_id, err)))
		goto out;
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(task, "idea_id")))
		idea = rec_get(ws, "idea", json_long(task, "idea_id", 0), NULL);
	p = worker_prompt(w, "write", json_str(task, "prompt_override"), err);
	if (!p || !(links = site_links(ws, wj->task_id, task, idea, run_config(run), err)))
		goto out;
	v = write_vars(w, task, idea, links);
	format = task_opt(json_obj(task, "options"), run_config(run), "format");
	want.primary_keyword = idea && json_str(idea, "primary_keyword") ?
			       json_str(idea, "primary_keyword") : json_str(task, "title");
	want.words = target_words(run_config(run), task, idea);
	want.outline = idea ? json_arr(idea, "outline") : NULL;
	want.links = links;
	opts.check = check_answer;
	opts.ctx = &want;
	/*
	 * About 1.3 tokens per English word (more in most other languages),
	 * so twice the words covers the body; the rest is the other fields
	 * and a reasoning model's reasoning, which max_completion_tokens
	 * counts too (platform.openai.com/docs/guides/reasoning).  A truncated
	 * answer is asked again with twice the cap.
	 */
	opts.max_tokens = 2 * want.words + WRITE_TOKENS_HEADROOM;
	rc = ai_chat_opts(w, job, "write", p, v, &opts, &ans, err);
	if (rc == AI_DRY_RUN || rc == AI_BATCHED) {
		/* A batched task waits, queued, for 'igny8 batch collect'. */
		if (rc == AI_BATCHED)
			task_mark(w, wj->task_id, "requeue", NULL, NULL);
		rc = 0;
		goto out;
	}
	if (rc < 0 || (rc = parse_article(job, ans, json_str(task, "title"), &want, &a,
					  err)) < 0)
		goto out;
	if ((run_opts(run)->flags & RUN_MODERATE) && (rc = moderate(w, job, &a, err)) < 0)
		goto out;
	rc = write_save(w, job, wj->task_id, ans, &a, format, err);
out:
	article_release(&a);
	cJSON_Delete(ans);
	cJSON_Delete(task);
	cJSON_Delete(idea);
	prompt_vars_free(v);
	prompt_free(p);
	links_free(links);
	return rc;
}

static void
write_failed(struct worker *w, struct job *job, const struct ig_err *err)
{
	struct write_job *wj = job_data(job);

	/* A rewrite that failed keeps the article it had, and its status. */
	if (wj && wj->redo && !run_opts(worker_run(w))->dry_run)
		task_mark(w, wj->task_id, "restore", err->msg, NULL);
	/* Not started for want of budget, or interrupted: still to do. */
	else if (wj && err->code != IG_EBUDGET && err->code != IG_EINTR &&
	    !run_opts(worker_run(w))->dry_run)
		task_mark(w, wj->task_id, "fail", err->msg, NULL);
	else if (wj)
		task_mark(w, wj->task_id, "requeue", NULL, NULL);
}

static const char *const write_accepts[] = { "idea", "task", NULL };

const struct fn_ops fn_write = {
	.name = "write",
	.plain_field = "title",
	.input_type = "task",
	.accepts = write_accepts,
	.select_all = "SELECT id FROM tasks WHERE status IN ('queued', 'failed', 'running')"
		      " ORDER BY id",
	.init = write_init,
	.work = write_work,
	.free = free,
	.failed = write_failed,
};
