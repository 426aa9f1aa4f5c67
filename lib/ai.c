/* ai.c: the one model call path (see ai.h). */
#include "compat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai.h"
#include "batch.h"
#include "bodies.h"
#include "buf.h"
#include "cache.h"
#include "cost.h"
#include "engine_priv.h"
#include "json.h"
#include "msg.h"
#include "provider.h"

/*
 * functions.<fn>.<key> when the prompt's front matter should not win over
 * it: the user set it and the prompt's value, if any, is the shipped
 * one's; or the prompt gives none.  NULL otherwise (see prompt.h).
 */
static const char *
fn_setting(struct run *run, const char *fn, const struct prompt *p, const char *key,
	   int prompt_has)
{
	char k[128];
	const char *v;

	snprintf(k, sizeof k, "functions.%s.%s", fn, key);
	v = config_get(run->cfg, k);
	if (!v || !*v)
		return NULL;
	if (p && prompt_own_setting(p, key))
		return NULL;
	return !prompt_has || config_user_set(run->cfg, k) ? v : NULL;
}

const char *
ai_model(struct run *run, const char *fn, const struct prompt *p)
{
	const char *m = p ? prompt_model(p) : NULL, *c;

	if (run->opts->model && !strcmp(fn, run->fn->name))
		return run->opts->model;
	if ((c = fn_setting(run, fn, p, "model", m != NULL)))
		return c;
	return m;
}

int
ai_budget_reserve(struct run *run, double usd, struct ig_err *err)
{
	double spent;
	int ok;

	pthread_mutex_lock(&run->lock);
	spent = run->t.cost;
	ok = run->max_cost <= 0 || spent + run->reserved + usd <= run->max_cost;
	if (ok)
		run->reserved += usd;
	pthread_mutex_unlock(&run->lock);
	if (ok)
		return 0;
	atomic_store(&run->budget_hit, 1);
	atomic_store(&run->stop, 1);
	return ig_err_set(err, IG_EBUDGET,
			  "not started: spend $%.4f plus what is in flight or queued could pass"
			  " --max-cost $%.4f", spent, run->max_cost);
}

int
ai_budget_active(const struct run *run)
{
	return run->max_cost > 0 && !run->opts->dry_run;	/* set once, at start */
}

void
ai_budget_settle(struct run *run, double reserved, double actual)
{
	pthread_mutex_lock(&run->lock);
	run->reserved -= reserved;
	if (run->reserved < 0)
		run->reserved = 0;
	if (actual >= 0)
		run->t.cost += actual;
	else
		run->t.cost_unknown++;
	pthread_mutex_unlock(&run->lock);
}

/*
 * No single call reads or writes this many tokens, nor costs this much: a
 * server saying so is wrong, not busy (context windows are a few million
 * tokens at most).
 */
#define AI_MAX_TOKENS 100000000L
#define AI_MAX_COST 1000.0

/*
 * Whether the figures a server sent for a call can be logged and summed:
 * counts whole and in range, no more cached tokens than were read, a cost
 * finite and in range.  A cost of exactly -1 is ours: "unknown".
 */
static int
believable(const struct ai_logrec *r)
{
	const long t[] = { r->tokens_in, r->tokens_out, r->tokens_cached };

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i] < 0 || t[i] > AI_MAX_TOKENS)
			return 0;
	if (r->tokens_cached > r->tokens_in)
		return 0;
	return r->cost == -1 || (isfinite(r->cost) && r->cost >= 0 &&
				 r->cost <= AI_MAX_COST);
}

struct log_row {
	long run_id;
	const struct config *cfg;
	const struct job *job;
	const struct ai_logrec *r;
	long *id_out;
};

/* The call's ai_log row (a worker_save() unit). */
static int
log_insert(struct ws *ws, void *arg, struct ig_err *err)
{
	struct log_row *a = arg;
	const struct ai_logrec *r = a->r;
	const struct job *job = a->job;
	sqlite3_stmt *st;
	char now[32];

	ws_now(now);
	st = ws_cached(ws, "INSERT INTO ai_log (run_id, function, record, provider,"
			   " model, endpoint, outcome, http_status, attempts, tokens_in,"
			   " tokens_out, tokens_cached, cost, batch, cached, duration_ms,"
			   " error, request_id, created_at)"
			   " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, a->run_id);
	sqlite3_bind_text(st, 2, r->function, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, job ? job->ref : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, r->http_status);
	sqlite3_bind_int(st, 9, r->attempts);
	sqlite3_bind_int64(st, 10, r->tokens_in);
	sqlite3_bind_int64(st, 11, r->tokens_out);
	sqlite3_bind_int64(st, 12, r->tokens_cached);
	if (r->cost >= 0)
		sqlite3_bind_double(st, 13, r->cost);
	sqlite3_bind_int(st, 14, r->batch);
	sqlite3_bind_int(st, 15, r->cached);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)llround(r->seconds * 1000));
	sqlite3_bind_text(st, 17, r->error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 18, r->request_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 19, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ws_fail(ws, err, "logging the call");
		ws_done(st);
		return -1;
	}
	ws_done(st);
	*a->id_out = ws_last_id(ws);
	/* The bodies only explain the row: a failure to keep them is not the call's. */
	bodies_keep(ws, a->cfg, *a->id_out, r->request_body, r->response_body, NULL);
	return 0;
}

long
ai_log(struct worker *w, struct job *job, const struct ai_logrec *given)
{
	struct run *run = w->run;
	struct ai_logrec fixed = *given, *r = &fixed;
	struct ig_err e = { 0 };
	long id = -1;

	if (!believable(r)) {
		run_msg(run, EV_WARNING, "%s: the server's figures for this call are not believable "
			 "(tokens %ld in, %ld out, %ld cached; cost %g): logged as unknown",
			 job ? job->ref : r->function, r->tokens_in, r->tokens_out,
			 r->tokens_cached, r->cost);
		r->tokens_in = r->tokens_out = r->tokens_cached = 0;
		r->cost = -1;
	}

	pthread_mutex_lock(&run->lock);
	run->t.tokens_in += r->tokens_in;
	run->t.tokens_out += r->tokens_out;
	run->t.tokens_cached += r->tokens_cached;
	if (r->settled)
		;	/* counted by ai_budget_settle() with the reservation */
	else if (r->cost >= 0)
		run->t.cost += r->cost;
	else if (!r->cached)
		run->t.cost_unknown++;
	pthread_mutex_unlock(&run->lock);
	run_report(run, &(struct ev){ .type = EV_USAGE, .tokens_in = r->tokens_in,
				      .tokens_out = r->tokens_out,
				      .cost = r->cost > 0 ? r->cost : 0 });
	if (worker_save(w, log_insert, &(struct log_row){ run->run_id, run->cfg, job, r, &id },
			&e) < 0)
		id = -1;
	if (job && id > 0)
		job_add_log_id(job, id);
	return id;
}

/* Everything one chat exchange needs, built once per ai_chat(). */
struct exchange {
	struct run *run;
	struct worker *w;
	struct job *job;
	const char *fn;
	struct provider *prov;
	struct chat_req req;
	char *user, *system;
	const struct prompt *p;
	const struct ai_opts *o;	/* may be NULL */
	int batch;		/* the reply at hand came from a batch */
	int settled;		/* its cost was counted by ai_budget_settle() */
	/* for the call log: the body sent, and the reply when it did not come
	 * over HTTP (a cached answer, a batch's line); borrowed, may be NULL */
	const char *sent, *reply;
};

static void
dry_run(struct exchange *x, const char *body)
{
	struct run *run = x->run;
	cJSON *rec = cJSON_CreateObject(), *b = cJSON_Parse(body);
	long tin = cost_estimate_tokens(body);
	double usd = 0;
	int known = cost_estimate_text(run->cfg, x->req.model, body,
				       x->req.max_tokens, &usd) == 0;

	cJSON_AddStringToObject(rec, "type", "request");
	cJSON_AddStringToObject(rec, "function", x->fn);
	cJSON_AddStringToObject(rec, "record", x->job->ref);
	cJSON_AddStringToObject(rec, "provider", provider_name(x->prov));
	cJSON_AddNumberToObject(rec, "est_tokens_in", (double)tin);
	cJSON_AddNumberToObject(rec, "est_tokens_out_max", (double)x->req.max_tokens);
	if (known)
		cJSON_AddNumberToObject(rec, "est_cost", usd);
	else
		cJSON_AddNullToObject(rec, "est_cost");
	cJSON_AddItemToObject(rec, "body", b ? b : cJSON_CreateNull());
	job_emit(x->job, rec);
	pthread_mutex_lock(&run->lock);
	run->est_cost += usd;
	pthread_mutex_unlock(&run->lock);
	job_note(x->job, "dry run: nothing sent");
}

static double
call_cost(struct exchange *x, const struct chat_res *res)
{
	struct ai_logrec r = { 0 };
	double usd;

	if (cost_text(x->run->cfg, x->req.model, res->tokens_in, res->tokens_cached,
		      res->tokens_out, x->batch, &usd) < 0)
		return -1;
	/* Figures ai_log() will refuse are not summed here either. */
	r.tokens_in = res->tokens_in;
	r.tokens_out = res->tokens_out;
	r.tokens_cached = res->tokens_cached;
	r.cost = usd;
	return believable(&r) ? usd : -1;
}

static void
log_call(struct exchange *x, const struct chat_res *res, const char *outcome,
	 const char *error, int cached, double seconds)
{
	struct ai_logrec r = { 0 };

	r.function = x->fn;
	r.provider = provider_name(x->prov);
	r.model = x->req.model;
	r.endpoint = "/chat/completions";
	r.outcome = outcome;
	r.error = error;
	r.request_id = res->request_id[0] ? res->request_id : NULL;
	r.http_status = res->http_status;
	r.attempts = res->attempts;
	r.tokens_in = cached ? 0 : res->tokens_in;
	r.tokens_out = cached ? 0 : res->tokens_out;
	r.tokens_cached = cached ? 0 : res->tokens_cached;
	r.cached = cached;
	r.batch = x->batch;
	r.cost = cached ? 0 : call_cost(x, res);
	r.settled = x->settled;
	r.seconds = seconds;
	r.request_body = x->sent;
	r.response_body = res->body ? res->body : x->reply;
	ai_log(x->w, x->job, &r);
}

/*
 * The call just logged brought an answer that cannot be used: its row says
 * so (outcome error, with why), so that 'igny8 log --outcome error' finds
 * the paid call behind a failed record.
 */
struct unusable {
	long log_id;
	const struct ig_err *why;
};

static int
mark_unusable(struct ws *ws, void *arg, struct ig_err *err)
{
	struct unusable *a = arg;
	sqlite3_stmt *st = ws_cached(ws, "UPDATE ai_log SET outcome = 'error', error = ?"
					 " WHERE id = ?", err);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, a->why->msg, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->log_id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ws_fail(ws, err, "logging the call");
	ws_done(st);
	return rc;
}

static void
log_unusable(struct exchange *x, const struct ig_err *why)
{
	struct ig_err e = { 0 };

	if (x->job->nlog)
		worker_save(x->w, mark_unusable,
			    &(struct unusable){ x->job->log_ids[x->job->nlog - 1], why }, &e);
}

/* Turns an answer text into checked JSON, or sets err. */
static cJSON *
parse_answer(struct exchange *x, const char *text, struct ig_err *err)
{
	const cJSON *schema = prompt_schema(x->p);
	cJSON *v = json_extract(text, strlen(text),
				cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(schema, "type")) ||
						!schema ? JSON_ANY : JSON_OBJECT,
				err);

	if (v && schema && json_cut_items(v, schema) > 0)
		job_note(x->job, "the answer had more items than the schema allows;"
			 " kept the first");
	if (v && json_check(v, schema, err) < 0) {
		cJSON_Delete(v);
		v = NULL;
	}
	return v;
}

/*
 * A 400/404 that names the model or a parameter gets the setting that
 * changes it, since that is what the user has to do next.
 */
static void
add_setting_hint(struct exchange *x, struct ig_err *err)
{
	static const struct {
		const char *needle, *fmt;
	} hints[] = {
		{ "param 'model'", "set functions.%s.model or --model" },
		{ "model_not_found", "set functions.%s.model or --model" },
		{ "param 'max_tokens'", "set providers.%s.token_param: max_completion_tokens" },
		{ "param 'max_completion_tokens'", "set providers.%s.token_param: max_tokens" },
		{ "param 'temperature'", "set providers.%s.send_temperature: false" },
		{ "param 'response_format'", "set providers.%s.response_format: json_object or none" },
	};
	char hint[160], msg[IG_ERR_MSGLEN];

	if (err->code != IG_EDATA)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(hints); i++) {
		if (!strstr(err->msg, hints[i].needle))
			continue;
		snprintf(hint, sizeof hint, hints[i].fmt,
			 i < 2 ? x->fn : provider_name(x->prov));
		snprintf(msg, sizeof msg, "%s", err->msg);
		ig_err_set(err, IG_ECONFIG, "%.800s; %s", msg, hint);
		return;
	}
}

/* Logs a reply and classifies its finish reason.  Returns the content. */
static char *
take_reply(struct exchange *x, struct chat_res *res, double t0, struct ig_err *err)
{
	char *content;

	if (res->refusal || !strcmp(res->finish_reason, "content_filter")) {
		ig_err_set(err, IG_EDATA, "the model refused: %.200s",
			   res->refusal ? res->refusal : "content filter");
		log_call(x, res, "refused", err->msg, 0, engine_now() - t0);
		return NULL;
	}
	if (!strcmp(res->finish_reason, "length")) {
		ig_err_set(err, IG_EPROTO, "answer truncated at %ld tokens",
			   res->tokens_out);
		log_call(x, res, "truncated", err->msg, 0, engine_now() - t0);
		return NULL;
	}
	content = res->content;
	res->content = NULL;
	if (!content)
		ig_err_set(err, IG_EPROTO, "answer has no content");
	log_call(x, res, content ? "ok" : "error", content ? NULL : err->msg, 0,
		 engine_now() - t0);
	return content;
}

/* One request: send, log, classify finish reasons.  Returns the content. */
static char *
send_once(struct exchange *x, const char *body, struct chat_res *res,
	  struct ig_err *err)
{
	struct http_client *c = worker_client(x->w, x->prov);
	double t0 = engine_now(), reserve = 0;
	char *content = NULL;
	int rc;

	if (!c) {
		ig_err_set(err, IG_ESOFTWARE, "no HTTP client for provider '%s'",
			   provider_name(x->prov));
		return NULL;
	}
	cost_estimate_text(x->run->cfg, x->req.model, body, x->req.max_tokens, &reserve);
	if (ai_budget_reserve(x->run, reserve, err) < 0)
		return NULL;
	x->sent = body;
	x->reply = NULL;
	rc = provider_chat_send(x->prov, c, body,
				cost_estimate_tokens(body) + x->req.max_tokens, res, err);
	/* The reservation becomes the actual cost in one step. */
	ai_budget_settle(x->run, reserve, call_cost(x, res));
	x->settled = 1;
	if (rc < 0) {
		add_setting_hint(x, err);
		log_call(x, res, "error", err->msg, 0, engine_now() - t0);
	} else {
		content = take_reply(x, res, t0, err);
	}
	x->settled = 0;
	return content;
}

/* The reply a batch brought for this record, taken as if just received. */
static char *
from_batch(struct exchange *x, const struct batch_item *it, struct chat_res *res,
	   struct ig_err *err)
{
	char *content = NULL;

	x->batch = 1;
	x->sent = it->request;
	x->reply = it->response;
	job_note(x->job, "answer from batch %s", it->batch_id);
	if (provider_chat_parse(it->response, strlen(it->response), res, err) < 0) {
		log_call(x, res, "error", err->msg, 0, 0);
	} else {
		res->http_status = 200;
		res->attempts = 1;
		snprintf(res->request_id, sizeof res->request_id, "%s",
			 it->request_id ? it->request_id : "");
		content = take_reply(x, res, engine_now(), err);
	}
	x->batch = 0;
	return content;
}

/*
 * Sends (or takes the batch's reply), giving a truncated answer one more
 * try, sent directly, with twice the room.
 */
static char *
send_with_room(struct exchange *x, char **body, const struct batch_item *it,
	       struct chat_res *res, struct ig_err *err)
{
	char *content = it ? from_batch(x, it, res, err) : send_once(x, *body, res, err);

	if (!content && !strcmp(res->finish_reason, "length") && x->req.max_tokens > 0) {
		job_note(x->job, "truncated at %ld tokens; retrying with %ld",
			 x->req.max_tokens, x->req.max_tokens * 2);
		x->req.max_tokens *= 2;
		free(*body);
		*body = provider_chat_body(x->prov, &x->req);
		chat_res_release(res);
		content = send_once(x, *body, res, err);
		if (!content && !strcmp(res->finish_reason, "length"))
			ig_err_set(err, IG_EPROTO, "answer truncated twice at %ld tokens "
				   "(raise functions.%s.max_tokens)", x->req.max_tokens, x->fn);
	}
	return content;
}

/* Asks once more with the model's own bad answer and what was wrong. */
static cJSON *
repair(struct exchange *x, const char *bad, struct ig_err *err)
{
	struct chat_res res = { 0 };
	struct buf fu = BUF_INIT(0);
	char *body, *content;
	cJSON *v = NULL;

	job_note(x->job, "malformed answer (%s); one repair attempt", err->msg);
	buf_printf(&fu, "That answer could not be used: %s. Reply again with only "
			"the JSON value that matches the required schema, nothing else.",
		   err->msg);
	x->req.assistant = bad;
	x->req.followup = buf_str(&fu);
	body = provider_chat_body(x->prov, &x->req);
	ig_err_clear(err);
	content = send_once(x, body, &res, err);
	if (content)
		v = parse_answer(x, content, err);
	if (!v && content) {
		ig_err_prefix(err, "malformed answer after a repair attempt");
		log_unusable(x, err);
	}
	free(content);
	free(body);
	chat_res_release(&res);
	buf_release(&fu);
	x->req.assistant = x->req.followup = NULL;
	return v;
}

static int
fn_user_set(const struct exchange *x, const char *key)
{
	char k[128];

	snprintf(k, sizeof k, "functions.%s.%s", x->fn, key);
	return config_user_set(x->run->cfg, k);
}

static int
build(struct exchange *x, const struct prompt_vars *vars, struct ig_err *err)
{
	const char *sys = prompt_system(x->p);
	long mt = prompt_max_tokens(x->p);
	double temp = prompt_temperature(x->p);
	const char *v;

	if (!(x->user = prompt_render(prompt_body(x->p), vars, err)))
		return ig_err_prefix(err, "prompt '%s' (%s)", x->fn, prompt_source(x->p));
	if (sys && !(x->system = prompt_render(sys, vars, err)))
		return ig_err_prefix(err, "system prompt '%s'", x->fn);
	x->req.model = ai_model(x->run, x->fn, x->p);
	if (!x->req.model)
		return ig_err_set(err, IG_ECONFIG, "no model for '%s' (set functions.%s.model "
				  "or --model)", x->fn, x->fn);
	if ((v = fn_setting(x->run, x->fn, x->p, "max_tokens", mt >= 0)))
		mt = atol(v);
	if ((v = fn_setting(x->run, x->fn, x->p, "temperature", !isnan(temp))))
		temp = atof(v);
	x->req.system = x->system;
	x->req.user = x->user;
	x->req.schema = prompt_schema(x->p);
	x->req.schema_name = prompt_schema_name(x->p);
	x->req.schema_json = prompt_schema_json(x->p);	/* printed once per prompt */
	/* A cap sized to the request, unless the user chose one. */
	if (x->o && x->o->max_tokens > 0 && (mt < 0 || x->o->max_tokens < mt) &&
	    !prompt_own_setting(x->p, "max_tokens") && !fn_user_set(x, "max_tokens"))
		mt = x->o->max_tokens;
	x->req.max_tokens = mt;
	x->req.temperature = temp;
	return 0;
}

static cJSON *
from_cache(struct exchange *x, const char *key, struct ig_err *err)
{
	struct cache_hit hit = { 0 };
	struct chat_res res = { 0 };
	cJSON *v;

	if (x->run->opts->no_cache || x->run->opts->refresh ||
	    !cache_get(worker_ws(x->w), key, &hit))
		return NULL;
	v = parse_answer(x, hit.response, err);
	if (!v) {
		free(hit.response);
		ig_err_clear(err);
		return NULL;
	}
	job_note(x->job, "cache hit");
	x->reply = hit.response;
	log_call(x, &res, "cached", NULL, 1, 0);
	x->reply = NULL;
	free(hit.response);
	return v;
}

struct batch_new {
	const struct exchange *x;
	const char *key, *body;
	char **pending_out;
};

static int
add_to_batch(struct ws *ws, void *arg, struct ig_err *err)
{
	struct batch_new *a = arg;
	const struct exchange *x = a->x;

	return batch_add(ws, x->run->run_id, x->run->fn->name, x->run->opts->flags,
			 x->fn, provider_name(x->prov), x->job->ref, a->key, a->body,
			 a->pending_out, err);
}

struct item_status {
	const char *custom_id, *status, *error;
};

static int
set_item(struct ws *ws, void *arg, struct ig_err *err)
{
	struct item_status *a = arg;

	return batch_item_set(ws, a->custom_id, a->status, a->error, NULL) < 0
	       ? ws_fail(ws, err, "saving a batch item") : 0;
}

/* Marks a batch item; a failure leaves it as it was, to be offered again. */
static void
item_set(struct worker *w, const char *custom_id, const char *status, const char *error)
{
	struct ig_err e = { 0 };

	worker_save(w, set_item, &(struct item_status){ custom_id, status, error }, &e);
}

/* --batch: queue the request in the run's batch instead of sending it. */
static int
submit(struct exchange *x, const char *key, const char *body, struct ig_err *err)
{
	char *pending = NULL;
	double usd = 0;
	int rc;

	/*
	 * Queued is as good as spent: the batch runs it later, at the batch
	 * price, so --max-cost holds it for the rest of the run.
	 */
	cost_estimate_text(x->run->cfg, x->req.model, body, x->req.max_tokens, &usd);
	usd *= cost_batch_factor(x->run->cfg);
	if (ai_budget_reserve(x->run, usd, err) < 0)
		return -1;
	rc = worker_save(x->w, add_to_batch,
			 &(struct batch_new){ x, key, body, &pending }, err);
	/* Nothing new was queued: nothing to hold. */
	if (rc != BATCH_NONE)
		ai_budget_settle(x->run, usd, 0);
	if (rc < 0)
		return -1;
	if (rc == BATCH_PENDING)
		job_note(x->job, "waiting for batch %s", pending);
	else
		job_note(x->job, "queued for the batch");
	free(pending);
	x->job->batched = 1;
	return AI_BATCHED;
}

struct answer {
	const struct exchange *x;
	const char *key, *text;
	const struct chat_res *res;
	const struct batch_item *it;
};

static int
put_answer(struct ws *ws, void *arg, struct ig_err *err)
{
	struct answer *a = arg;
	const struct chat_res *res = a->res;

	if (a->text && cache_put(ws, a->key, a->x->fn, a->x->req.model, a->text,
				 res->tokens_in, res->tokens_out, res->tokens_cached,
				 err) < 0)
		return -1;
	if (a->it && batch_item_set(ws, a->it->custom_id, "collected", NULL, NULL) < 0)
		return ws_fail(ws, err, "saving a batch item");
	return 0;
}

/* Saves a good answer in the cache; a batch item is used up with it. */
static void
keep_answer(struct exchange *x, const char *key, const struct chat_res *res,
	    const cJSON *v, const struct batch_item *it)
{
	/* --no-cache (or run.cache: false) neither reads nor writes it. */
	char *txt = x->run->opts->no_cache ? NULL : json_dump(v);
	struct ig_err e = { 0 };

	if (txt || it)
		worker_keep(x->w, put_answer, &(struct answer){ x, key, txt, res, it }, &e);
	free(txt);
}

int
ai_chat(struct worker *w, struct job *job, const char *fn, const struct prompt *p,
	const struct prompt_vars *vars, cJSON **answer_out, struct ig_err *err)
{
	return ai_chat_opts(w, job, fn, p, vars, NULL, answer_out, err);
}

int
ai_chat_opts(struct worker *w, struct job *job, const char *fn, const struct prompt *p,
	     const struct prompt_vars *vars, const struct ai_opts *o, cJSON **answer_out,
	     struct ig_err *err)
{
	struct exchange x = { 0 };
	struct chat_res res = { 0 };
	struct batch_item item = { 0 };
	char key[CACHE_KEY_LEN], *body = NULL, *content = NULL;
	enum batch_state bs = BATCH_NONE;
	cJSON *v = NULL;
	int rc = -1;

	x.run = w->run;
	x.w = w;
	x.job = job;
	x.fn = fn;
	x.p = p;
	x.o = o;
	*answer_out = NULL;
	if (!(x.prov = run_provider(w->run, fn, err)) || build(&x, vars, err) < 0)
		goto out;
	body = provider_chat_body(x.prov, &x.req);
	job_phase(job, PH_AI_CALL);
	if (w->run->opts->dry_run) {
		dry_run(&x, body);
		rc = AI_DRY_RUN;
		goto out;
	}
	bs = batch_lookup(worker_ws(w), fn, job->ref, &item);
	if ((bs == BATCH_ANSWERED || bs == BATCH_FAILED) && item.request) {
		/* The record is asked what it was asked in its batch (the
		 * settings of that run), not what today's settings would ask. */
		free(body);
		body = strdup(item.request);
	}
	cache_key(provider_base_url(x.prov), body, key);
	x.sent = body;
	if (bs == BATCH_PENDING) {
		job_note(job, "waiting for batch %s", item.batch_id);
		job->batched = 1;
		rc = AI_BATCHED;
		goto out;
	}
	if (bs != BATCH_ANSWERED && (v = from_cache(&x, key, err)))
		goto done;
	if (bs != BATCH_ANSWERED && w->run->opts->batch) {
		rc = submit(&x, key, body, err);
		goto out;
	}
	if (bs == BATCH_FAILED) {
		job_note(job, "batch item failed (%s); asking directly", item.error);
		item_set(w, item.custom_id, "retried", item.error);
	}
	if (!(content = send_with_room(&x, &body, bs == BATCH_ANSWERED ? &item : NULL,
				       &res, err)))
		goto out;
	job_phase(job, PH_PARSE);
	if (!(v = parse_answer(&x, content, err))) {
		struct ig_err why = *err;

		ig_err_prefix(&why, "malformed answer");
		log_unusable(&x, &why);
	} else if (o && o->check && o->check(v, o->ctx, err) < 0) {
		/* Well-formed, but not what was asked: the repair turn says why. */
		cJSON_Delete(v);
		v = NULL;
	}
	if (!v && err->code == IG_EPROTO)
		v = repair(&x, content, err);
	if (!v)
		goto out;
	keep_answer(&x, key, &res, v, bs == BATCH_ANSWERED ? &item : NULL);
done:
	if (job->phase != PH_PARSE)	/* a cached answer skipped the call */
		job_phase(job, PH_PARSE);
	*answer_out = v;
	rc = AI_OK;
out:
	/* A batch answer that could not be used is not offered again. */
	if (rc < 0 && bs == BATCH_ANSWERED)
		item_set(w, item.custom_id, "error", err->msg);
	batch_item_release(&item);
	free(content);
	free(body);
	free(x.user);
	free(x.system);
	chat_res_release(&res);
	return rc;
}
