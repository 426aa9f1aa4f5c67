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
#include "msg.h"
#include "prompt.h"
#include "provider.h"
#include "records.h"
#include "task.h"
#include "workspace.h"

/* At most this many bytes of an article's text go to moderation. */
#define MODERATION_CHARS 100000

struct write_job {
	long task_id;
	int redo;		/* a finished task written anew (--refresh) */
};

static void
emit_content(struct ws *ws, struct job *job, long task_id, const char *format)
{
	sqlite3_stmt *st = ws_cached(ws, "SELECT id FROM content WHERE task_id = ?", NULL);
	cJSON *rec = NULL;

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, task_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		rec = rec_get(ws, "content", (long)sqlite3_column_int64(st, 0), NULL);
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

/* The outline as the prompt shows it: "## H2 — note" and "### H3 — note". */
static char *
outline_text(const cJSON *outline)
{
	struct buf b = BUF_INIT(0);
	const cJSON *sec, *sub;

	cJSON_ArrayForEach(sec, outline) {
		buf_printf(&b, "## %s", json_str(sec, "h2") ? json_str(sec, "h2") : "");
		if (json_str(sec, "note"))
			buf_printf(&b, " (%s)", json_str(sec, "note"));
		buf_putc(&b, '\n');
		cJSON_ArrayForEach(sub, json_arr(sec, "h3")) {
			buf_printf(&b, "### %s", json_str(sub, "heading") ?
				   json_str(sub, "heading") : "");
			if (json_str(sub, "note"))
				buf_printf(&b, " (%s)", json_str(sub, "note"));
			buf_putc(&b, '\n');
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

static struct prompt_vars *
write_vars(struct worker *w, const cJSON *task, const cJSON *idea)
{
	const struct config *cfg = run_config(worker_run(w));
	const cJSON *opts = json_obj(task, "options");
	struct prompt_vars *v = prompt_vars_new();
	char *kw = json_dump(idea ? json_arr(idea, "keywords") : NULL);
	char *ol = outline_text(idea ? json_arr(idea, "outline") : NULL);

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
	prompt_vars_set(v, "words", task_opt(opts, cfg, "words"));
	prompt_vars_set(v, "tone", task_opt(opts, cfg, "tone"));
	prompt_vars_set(v, "language", lang_name(task_opt(opts, cfg, "language")));
	if (*task_opt(opts, cfg, "audience"))
		prompt_vars_set(v, "audience", task_opt(opts, cfg, "audience"));
	prompt_vars_set(v, "format", !strcmp(task_opt(opts, cfg, "format"), "markdown")
			? "Markdown" : "HTML");
	free(kw);
	free(ol);
	return v;
}

/* Cuts s to at most max bytes at a word boundary, on a UTF-8 boundary. */
static char *
clip(const char *s, size_t max)
{
	size_t n = strlen(s), cut = max;
	char *out;

	if (n <= max)
		return strdup(s);
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	for (size_t i = cut; i > max / 2; i--)
		if (s[i] == ' ') {
			cut = i;
			break;
		}
	while (cut > 0 && s[cut - 1] == ' ')
		cut--;
	out = strndup(s, cut);
	return out;
}

/* A slug of lowercase ASCII words joined by hyphens (from s, or the title). */
static char *
slugify(const char *s)
{
	char *out = malloc(strlen(s) + 1), *w = out;
	int dash = 0;

	if (!out)
		return NULL;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c) && c < 0x80) {
			if (dash && w != out)
				*w++ = '-';
			*w++ = (char)tolower(c);
			dash = 0;
		} else {
			dash = 1;
		}
	}
	*w = '\0';
	if (w - out > 80)
		out[80] = '\0';
	return out;
}

struct article {
	char *html, *meta_title, *meta_desc, *slug;
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
	cJSON_Delete(a->moderation);
}

/* PARSE: normalise the body and enforce the field limits. */
static int
parse_article(const cJSON *ans, const char *title, struct article *a,
	      struct ig_err *err)
{
	const char *body = json_str(ans, "body");
	const char *slug = json_str(ans, "slug");

	a->html = html_normalize(body, strlen(body), HTML_IN_AUTO, &a->text,
				 err);
	if (!a->html)
		return ig_err_prefix(err, "article body");
	a->words = html_text_words(a->text);
	if (a->words == 0)
		return ig_err_set(err, IG_EPROTO, "article body has no text");
	a->meta_title = clip(json_str(ans, "meta_title"), 60);
	a->meta_desc = clip(json_str(ans, "meta_description"), 160);
	a->slug = slugify(slug && *slug ? slug : title);
	if (!a->slug || !*a->slug) {
		free(a->slug);
		a->slug = slugify(title);
	}
	return 0;
}

static int
moderate(struct worker *w, struct job *job, struct article *a, struct ig_err *err)
{
	struct run *run = worker_run(w);
	struct provider *p = run_provider(run, "moderation", err);
	int rc;
	struct ai_logrec r = { 0 };
	double t0 = engine_now();

	if (!p)
		return -1;
	html_text_cut(a->text, MODERATION_CHARS);
	rc = provider_moderate(p, worker_client(w, p),
			       config_str(run_config(run), "functions.moderation.model"),
			       a->text, &a->flagged, &a->moderation, err);
	r.function = "moderation";
	r.provider = provider_name(p);
	r.model = config_str(run_config(run), "functions.moderation.model");
	r.endpoint = "/moderations";
	r.outcome = rc < 0 ? "error" : a->flagged ? "flagged" : "ok";
	r.error = rc < 0 ? err->msg : NULL;
	r.attempts = 1;
	r.cost = 0; /* the moderation endpoint is free of charge */
	r.seconds = engine_now() - t0;
	ai_log(w, job, &r);
	if (rc == 0 && a->flagged)
		job_note(job, "flagged by moderation");
	return rc;
}

static int
write_save(struct worker *w, struct job *job, long task_id, const cJSON *ans,
	   const struct article *a, const char *format, struct ig_err *err)
{
	struct task_content c = { 0 };

	if (job_enter(job, PH_SAVE, err) < 0)
		return -1;
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
	c.word_count = (long)a->words;
	c.flagged = a->flagged;
	c.moderation = a->moderation;
	if (task_save_content(worker_ws(w), task_id, &c, run_id(worker_run(w)), err) < 0)
		return -1;
	if (a->flagged)
		return ig_err_set(err, IG_EDATA, "flagged by moderation: saved as 'flagged', "
				  "not written");
	emit_content(worker_ws(w), job, task_id, format);
	return 0;
}

static int
write_work(struct worker *w, struct job *job, struct ig_err *err)
{
	struct write_job *wj = job_data(job);
	struct run *run = worker_run(w);
	struct ws *ws = worker_ws(w);
	struct article a = { 0 };
	struct prompt_vars *v = NULL;
	struct prompt *p = NULL;
	cJSON *task = NULL, *idea = NULL, *ans = NULL;
	const char *format;
	int rc = -1;

	job_phase(job, PH_PREP);
	if (!run_opts(run)->dry_run && task_start(ws, wj->task_id, run_id(run), err) < 0)
		return -1;
	if (!(task = rec_get(ws, "task", wj->task_id, err)))
		goto out;
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(task, "idea_id")))
		idea = rec_get(ws, "idea", json_long(task, "idea_id", 0), NULL);
	p = worker_prompt(w, "write", json_str(task, "prompt_override"), err);
	if (!p)
		goto out;
	v = write_vars(w, task, idea);
	format = task_opt(json_obj(task, "options"), run_config(run), "format");
	rc = ai_chat(w, job, "write", p, v, &ans, err);
	if (rc == AI_DRY_RUN || rc == AI_BATCHED) {
		/* A batched task waits, queued, for 'igny8 batch collect'. */
		if (rc == AI_BATCHED)
			task_requeue(ws, wj->task_id);
		rc = 0;
		goto out;
	}
	if (rc < 0 || (rc = parse_article(ans, json_str(task, "title"), &a, err)) < 0)
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
	return rc;
}

static void
write_failed(struct worker *w, struct job *job, const struct ig_err *err)
{
	struct write_job *wj = job_data(job);

	/* A rewrite that failed keeps the article it had, and its status. */
	if (wj && wj->redo && !run_opts(worker_run(w))->dry_run)
		task_restore_done(worker_ws(w), wj->task_id, err->msg);
	/* Not started for want of budget, or interrupted: still to do. */
	else if (wj && err->code != IG_EBUDGET && err->code != IG_EINTR &&
	    !run_opts(worker_run(w))->dry_run)
		task_fail(worker_ws(w), wj->task_id, err->msg);
	else if (wj)
		task_requeue(worker_ws(w), wj->task_id);
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
