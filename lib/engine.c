/* engine.c: the record loop, worker pool and ordered writer (see engine.h). */
#include "compat.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "engine_priv.h"
#include "http.h"
#include "json.h"
#include "jsonl.h"
#include "msg.h"
#include "prompt.h"
#include "provider.h"

atomic_int engine_cancel;

static const char *const phase_names[] = {
	"INIT", "PREP", "AI_CALL", "PARSE", "SAVE", "DONE"
};

const char *
phase_name(enum phase ph)
{
	return phase_names[ph];
}

double
engine_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run_wait(struct run *run, pthread_cond_t *cv);

/*
 * A transaction is handed on for at most this long, so that other
 * processes waiting on the workspace's write lock are not kept out.
 */
#define HANDOVER_MAX 0.02

/* Whether this thread holds its run's db_lock, and the change count then. */
static _Thread_local int db_held;
static _Thread_local long held_changes;

static int finished(struct run *run, struct job *j);
static void ended(struct run *run, long gen, int ok, const struct ig_err *e);

/*
 * SQLite rolled the open transaction back by itself (SQLITE_FULL, IOERR,
 * NOMEM): it failed like a failed commit, and what follows runs in
 * autocommit until the next session begins one.  Caller holds db_lock.
 */
static void
check_lost(struct run *run)
{
	struct ig_err e = { 0 };

	if (!ws_session_lost(run->ws))
		return;
	ig_err_set(&e, IG_EIO, "%s: a write failed and SQLite rolled back the"
		   " transaction: nothing in it was saved", ws_path(run->ws));
	if (run->txn_gen)
		ended(run, run->txn_gen, 0, &e);
	run->txn_gen = 0;
}

int
run_db_lock(struct run *run, struct ig_err *err)
{
	int rc;

	__atomic_add_fetch(&run->db_waiting, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&run->db_lock);
	__atomic_sub_fetch(&run->db_waiting, 1, __ATOMIC_SEQ_CST);
	db_held = 1;
	check_lost(run);
	rc = ws_session_begin(run->ws, err);
	if (rc == 1) {
		run->txn_gen = ++run->gen_seq;
		run->txn_start = engine_now();
	} else if (rc < 0) {
		/* No transaction: what the holder writes commits by itself. */
		run->txn_gen = 0;
	}
	held_changes = ws_total_changes(run->ws);
	return rc < 0 ? -1 : 0;
}

/* What the job wrote since the last look is in the open transaction. */
static void
note_writes(struct run *run, struct job *job)
{
	long n = ws_total_changes(run->ws);

	if (n != held_changes && job && run->txn_gen)
		job->dirty_gen = run->txn_gen;
	held_changes = n;
	check_lost(run);
}

/*
 * Wakes the writer when output can go on: in order, only the first job
 * unwritten holds it up, so a job ending behind it wakes nobody (the
 * writer takes it in the same pass).  Caller holds the lock.
 */
static void
wake_writer(struct run *run)
{
	if (run->opts->unordered || (run->head && finished(run, run->head)))
		pthread_cond_signal(&run->done_cv);
}

static void
ended(struct run *run, long gen, int ok, const struct ig_err *e)
{
	pthread_mutex_lock(&run->lock);
	if (ok) {
		run->committed = gen;
	} else {
		if (run->nfailed < (int)ARRAY_SIZE(run->failed))
			run->failed[run->nfailed++] = gen;
		run->commit_err = *e;
		run->stop = 1;
	}
	pthread_cond_broadcast(&run->commit_cv);
	wake_writer(run);
	pthread_mutex_unlock(&run->lock);
}

/* 1 when transaction gen is committed, -1 when its commit failed, else 0. */
static int
gen_state(const struct run *run, long gen)
{
	for (int i = 0; i < run->nfailed; i++)
		if (run->failed[i] == gen)
			return -1;
	/* More failures than kept: from the first on, none is trusted. */
	if (run->nfailed == (int)ARRAY_SIZE(run->failed) && gen >= run->failed[0])
		return -1;
	/* Transactions end in order, so any up to the last committed one that
	 * did not fail was committed. */
	return gen <= run->committed ? 1 : 0;
}

static int
handing_over(struct run *run)
{
	return __atomic_load_n(&run->db_waiting, __ATOMIC_SEQ_CST) > 0 &&
	       engine_now() - run->txn_start < HANDOVER_MAX;
}

int
run_db_unlock(struct run *run, struct job *job, struct ig_err *err)
{
	struct ig_err e = { 0 };
	int rc = 0;

	note_writes(run, job);
	if (ws_in_txn(run->ws) && !handing_over(run)) {
		rc = ws_session_end(run->ws, 1, &e);
		ended(run, run->txn_gen, rc == 0, &e);
	} else {
		ws_session_end(run->ws, 0, NULL);
	}
	if (rc < 0 && err)
		*err = e;
	db_held = 0;
	pthread_mutex_unlock(&run->db_lock);
	return rc;
}

int
run_db_keep(struct run *run, struct job *job)
{
	note_writes(run, job);
	return __atomic_load_n(&run->db_waiting, __ATOMIC_SEQ_CST) == 0 &&
	       engine_now() - run->txn_start < HANDOVER_MAX;
}

/* Waits, holding nothing, until transaction gen has ended. */
static int
wait_ended(struct run *run, long gen, struct ig_err *err)
{
	int st;

	pthread_mutex_lock(&run->lock);
	while ((st = gen_state(run, gen)) == 0)
		run_wait(run, &run->commit_cv);
	if (st < 0 && err)
		*err = run->commit_err;
	pthread_mutex_unlock(&run->lock);
	return st < 0 ? -1 : 0;
}

static int
pending_writes(struct run *run, struct job *job)
{
	int st;

	note_writes(run, job);
	if (!job || !job->dirty_gen)
		return 0;
	pthread_mutex_lock(&run->lock);
	st = gen_state(run, job->dirty_gen);
	pthread_mutex_unlock(&run->lock);
	return st == 0;
}

int
run_db_durable(struct run *run, struct job *job, struct ig_err *err)
{
	struct ig_err e = { 0 };
	long gen = run->txn_gen;
	int rc;

	if (!pending_writes(run, job))
		return 0;
	if (handing_over(run)) {
		/* Others are queued: whoever of them ends the chain commits. */
		run_db_unlock(run, job, NULL);
		rc = wait_ended(run, job->dirty_gen, err);
		if (run_db_lock(run, rc < 0 ? NULL : err) < 0)
			rc = -1;
		return rc;
	}
	rc = ws_session_commit(run->ws, &e);
	ended(run, gen, rc == 0, &e);
	run->txn_gen = 0;
	/*
	 * The next transaction may not begin (another process kept the write
	 * lock past the busy wait): that is a failed BEGIN, reported as such,
	 * and no generation is numbered for a transaction never opened.
	 */
	if (ws_session_reopen(run->ws, rc < 0 ? NULL : &e) == 0) {
		run->txn_gen = ++run->gen_seq;
		run->txn_start = engine_now();
	} else if (rc == 0) {
		rc = -1;
	}
	held_changes = ws_total_changes(run->ws);
	if (rc < 0 && err)
		*err = e;
	return rc;
}

/* ---- jobs ---- */

void
job_set_data(struct job *job, void *data)
{
	job->data = data;
}

void *
job_data(struct job *job)
{
	return job->data;
}

const char *
job_ref(const struct job *job)
{
	return job->ref;
}

struct run *
job_run(struct job *job)
{
	return job->run;
}

void
job_set_ref(struct job *job, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(job->ref, sizeof job->ref, fmt, ap);
	va_end(ap);
}

void
job_emit(struct job *job, cJSON *rec)
{
	cJSON_AddItemToArray(job->out, rec);
}

static cJSON *
last_step(struct job *job)
{
	int n = cJSON_GetArraySize(job->steps);

	return n ? cJSON_GetArrayItem(job->steps, n - 1) : NULL;
}

static void
end_step(struct job *job, const char *status)
{
	cJSON *st = last_step(job);

	if (!st || cJSON_GetObjectItemCaseSensitive(st, "status"))
		return;
	cJSON_AddStringToObject(st, "status", status);
	cJSON_AddNumberToObject(st, "ms",
				floor((engine_now() - job->phase_start) * 1000));
}

/*
 * Test hook, not a feature: IGNY8_TEST_CRASH_AT=PHASE[:N] (PHASE one of
 * PREP, AI_CALL, PARSE, SAVE, DONE) makes the process SIGKILL itself the
 * Nth time (default the first) any job enters PHASE, so the crash tests
 * (tests/e2e/8000-crash.t) can stop a run at an exact point, e.g. with an
 * answer cached but nothing saved.  Unset, it costs one branch per phase.
 */
static int crash_phase = -1;
static long crash_nth, crash_seen;

static void
crash_init(void)
{
	const char *v = getenv("IGNY8_TEST_CRASH_AT"), *colon;

	for (int i = 0; v && i <= PH_DONE; i++) {
		size_t n = strlen(phase_names[i]);
		if (!strncmp(v, phase_names[i], n) && (v[n] == '\0' || v[n] == ':'))
			crash_phase = i;
	}
	colon = v ? strchr(v, ':') : NULL;
	crash_nth = colon ? strtol(colon + 1, NULL, 10) : 1;
}

static void
crash_hook(enum phase ph)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, crash_init);
	if ((int)ph == crash_phase &&
	    __atomic_add_fetch(&crash_seen, 1, __ATOMIC_SEQ_CST) == crash_nth)
		raise(SIGKILL);
}

static void
start_step(struct job *job, enum phase ph)
{
	cJSON *st;

	end_step(job, "ok");
	job->phase = (int)ph;
	job->phase_start = engine_now();
	st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "phase", phase_name(ph));
	cJSON_AddItemToArray(job->steps, st);
	run_report(job->run, &(struct ev){ .type = EV_PHASE, .ref = job->ref,
					    .what = phase_name(ph) });
	if (msg_level() >= MSG_DEBUG)
		run_msg(job->run, EV_DEBUG, "%s: %s", job->ref, phase_name(ph));
}

void
job_phase(struct job *job, enum phase ph)
{
	crash_hook(ph);
	start_step(job, ph);
}

int
job_enter(struct job *job, enum phase ph, struct ig_err *err)
{
	/*
	 * Another process sees the claim while the request is out, and a
	 * crash while saving never costs a second request.  The crash test
	 * hook fires after this, in job_phase().  A commit or BEGIN that
	 * failed while the job waited on the network (worker_idle) stops it
	 * here, before it saves anything outside a transaction.
	 */
	if (job->db_err.code) {
		*err = job->db_err;
		start_step(job, ph);
		return -1;
	}
	if (db_held && run_db_durable(job->run, job, err) < 0) {
		start_step(job, ph);	/* to be ended as the failed one */
		return -1;
	}
	job_phase(job, ph);
	return 0;
}

void
job_note(struct job *job, const char *fmt, ...)
{
	cJSON *st = last_step(job);
	struct buf b = BUF_INIT(0);
	const char *old;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ig_redact(b.data);
	if (st) {
		old = json_str(st, "note");
		if (old) {
			struct buf nb = BUF_INIT(0);
			buf_printf(&nb, "%s; %s", old, buf_str(&b));
			cJSON_ReplaceItemInObject(st, "note", cJSON_CreateString(buf_str(&nb)));
			buf_release(&nb);
		} else {
			cJSON_AddStringToObject(st, "note", buf_str(&b));
		}
	}
	if (msg_level() >= MSG_VERBOSE)
		run_msg(job->run, EV_VERBOSE, "%s: %s", job->ref, buf_str(&b));
	buf_release(&b);
}

cJSON *
job_steps(const struct job *job)
{
	return cJSON_Duplicate(job->steps, 1);
}

void
job_add_log_id(struct job *job, long id)
{
	long *n = realloc(job->log_ids, (job->nlog + 1) * sizeof *n);

	if (!n)
		return;
	job->log_ids = n;
	job->log_ids[job->nlog++] = id;
}

void
job_free(struct job *job)
{
	if (job->data && job->run->fn->free)
		job->run->fn->free(job->data);
	cJSON_Delete(job->out);
	cJSON_Delete(job->steps);
	free(job->log_ids);
	free(job);
}

struct job *
run_new_job(struct run *run, const char *ref)
{
	struct job *job = calloc(1, sizeof *job);

	if (!job)
		return NULL;
	job->run = run;
	job->out = cJSON_CreateArray();
	job->steps = cJSON_CreateArray();
	job->phase = -1;
	snprintf(job->ref, sizeof job->ref, "%s", ref ? ref : "");
	return job;
}

/* Appends a job in order; finished ones (skipped) are written in turn. */
void
engine_enqueue(struct run *run, struct job *job)
{
	pthread_mutex_lock(&run->lock);
	/*
	 * Backpressure: keep memory bounded when output is slower than input.
	 * The window is wide because one record retrying for a second or two
	 * holds up the output of all behind it, and the pool should not stall.
	 */
	while (run->unwritten > run->nworkers * 16 + 64 && !engine_cancel) {
		/* The pool needs the workspace to drain: never wait holding it. */
		int held = db_held;

		if (held) {
			pthread_mutex_unlock(&run->lock);
			run_db_unlock(run, job, NULL);
			pthread_mutex_lock(&run->lock);
		}
		run_wait(run, &run->space_cv);
		if (held) {
			pthread_mutex_unlock(&run->lock);
			run_db_lock(run, NULL);
			pthread_mutex_lock(&run->lock);
		}
	}
	job->seq = run->next_seq++;
	if (run->tail)
		run->tail->next = job;
	else
		run->head = job;
	run->tail = job;
	run->unwritten++;
	if (job->state == JOB_PENDING) {
		if (!run->pending)
			run->pending = job;
		pthread_cond_signal(&run->work_cv);
	} else {
		wake_writer(run);
	}
	pthread_mutex_unlock(&run->lock);
}

int
run_submit(struct run *run, struct job *job)
{
	job->state = JOB_PENDING;
	run_report(run, &(struct ev){ .type = EV_TOTAL, .n = 1 });
	engine_enqueue(run, job);
	return 0;
}

/* ---- run accessors ---- */

const struct config *
run_config(const struct run *run)
{
	return run->cfg;
}

struct config *
run_config_mut(struct run *run)
{
	return run->cfg;
}

struct ws *
run_ws(struct run *run)
{
	return run->ws;
}

long
run_id(const struct run *run)
{
	return run->run_id;
}

const struct run_opts *
run_opts(const struct run *run)
{
	return run->opts;
}

const char *
run_function(const struct run *run)
{
	return run->fn->name;
}

void
run_set_data(struct run *run, void *data)
{
	run->data = data;
}

void *
run_data(struct run *run)
{
	return run->data;
}

atomic_int *
run_cancel(struct run *run)
{
	(void)run;
	return &engine_cancel;
}

struct progress *
run_progress(struct run *run)
{
	return run->progress;
}

void
run_set_data_free(struct run *run, void (*free_fn)(void *))
{
	run->data_free = free_fn;
}

static int
is_loopback(const char *url)
{
	return strstr(url, "://127.0.0.1") || strstr(url, "://localhost") ||
	       strstr(url, "://[::1]");
}

struct provider *
run_provider(struct run *run, const char *fn, struct ig_err *err)
{
	const char *name = config_getf(run->cfg, "functions.%s.provider", fn);

	if (!name || !*name)
		name = config_str(run->cfg, !strcmp(fn, "embed") ? "embed.provider"
								  : "text.provider");
	return run_provider_named(run, name, err);
}

struct provider *
run_provider_named(struct run *run, const char *name, struct ig_err *err)
{
	struct provider *p = NULL;

	pthread_mutex_lock(&run->lock);
	for (size_t i = 0; i < run->nproviders; i++)
		if (!strcmp(run->providers[i].name, name))
			p = run->providers[i].p;
	if (!p && run->nproviders < ARRAY_SIZE(run->providers)) {
		char *copy = strdup(name);

		p = copy ? provider_new(run->cfg, name, run->jobs, err) : NULL;
		if (p) {
			run->providers[run->nproviders].name = copy;
			run->providers[run->nproviders++].p = p;
		} else {
			if (!copy)
				ig_err_set(err, IG_ESOFTWARE, "out of memory");
			free(copy);
		}
	}
	pthread_mutex_unlock(&run->lock);
	if (p && !provider_has_key(p) && !run->opts->dry_run &&
	    !is_loopback(provider_base_url(p))) {
		ig_err_set(err, IG_ENOPERM,
			   "no API key for provider '%s' (set %s or providers.%s.api_key)",
			   name, !strcmp(name, "openai") ? "OPENAI_API_KEY"
			   : !strcmp(name, "runware") ? "RUNWARE_API_KEY" : "its api_key_file",
			   name);
		return NULL;
	}
	return p;
}

void
run_report(struct run *run, const struct ev *ev)
{
	if (run->on_event)
		run->on_event(run->ev_ctx, ev);
	else if (ev->type == EV_MESSAGE)
		msg_print(ev->level, ev->text);	/* no reporter (out of memory) */
}

static const enum msg_level level_min[] = {
	[EV_ERROR] = MSG_QUIET, [EV_WARNING] = MSG_NORMAL, [EV_NOTE] = MSG_NORMAL,
	[EV_VERBOSE] = MSG_VERBOSE, [EV_DEBUG] = MSG_DEBUG
};

void
run_msg(struct run *run, enum ev_level level, const char *fmt, ...)
{
	char text[4096];
	va_list ap;

	if (msg_level() < level_min[level])
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	ig_redact(text);
	run_report(run, &(struct ev){ .type = EV_MESSAGE, .level = level, .text = text });
}

void
run_add_estimate(struct run *run, double usd)
{
	pthread_mutex_lock(&run->lock);
	run->est_cost += usd;
	pthread_mutex_unlock(&run->lock);
}

/* ---- workers ---- */

struct ws *
worker_ws(struct worker *w)
{
	return w->ws;
}

struct run *
worker_run(struct worker *w)
{
	return w->run;
}

struct prompt *
worker_prompt(struct worker *w, const char *fn, const char *override,
	      struct ig_err *err)
{
	struct run *run = w->run;
	const char *main = run->fn->prompt ? run->fn->prompt : run->fn->name;
	const char *file = !strcmp(fn, main) ? run->opts->prompt_file : NULL;
	struct prompt *p = NULL;

	if (override && *override)
		return prompt_resolve(w->ws, fn, override, file, err);
	pthread_mutex_lock(&run->lock);
	for (size_t i = 0; i < run->nprompts && !p; i++)
		if (!strcmp(run->prompts[i].fn, fn))
			p = prompt_ref(run->prompts[i].p);
	if (!p && (p = prompt_resolve(w->ws, fn, NULL, file, err)) &&
	    run->nprompts < ARRAY_SIZE(run->prompts)) {
		run->prompts[run->nprompts].fn = fn;
		run->prompts[run->nprompts++].p = prompt_ref(p);
	}
	pthread_mutex_unlock(&run->lock);
	return p;
}

void
worker_set_job(struct worker *w, struct job *job)
{
	w->job = job;
}

static void
on_retry(void *ctx, int attempt, double wait, const char *why)
{
	struct worker *w = ctx;
	const char *ref = w->job ? w->job->ref : "request";

	run_report(w->run, &(struct ev){ .type = EV_RETRY, .ref = ref, .attempt = attempt,
					  .wait = wait, .text = why });
	run_msg(w->run, EV_WARNING, "%s: %s; retry %d in %.1f s", ref, why, attempt, wait);
	if (w->job)
		job_note(w->job, "retry %d after %s", attempt, why);
}

/* --debug: each request's steps, already redacted by http.c. */
static void
on_debug(void *ctx, const char *line)
{
	struct worker *w = ctx;

	run_msg(w->run, EV_DEBUG, "%s: %s", w->job ? w->job->ref : "request", line);
}

/*
 * Waiting on the network: what the job wrote so far is committed and other
 * workers may use the workspace meanwhile.  A failed commit fails the job
 * when it ends (run_job), since the hook cannot.
 */
static void
worker_idle(void *ctx, int idle)
{
	struct worker *w = ctx;
	struct ig_err e = { 0 };
	int rc, wait = 0;

	if (!idle) {
		rc = run_db_lock(w->run, &e);
	} else {
		/*
		 * Nothing the job wrote stays uncommitted while it waits.  A
		 * failed commit of only other jobs' writes is theirs: the
		 * writer fails them by their transaction (finished()).
		 */
		wait = pending_writes(w->run, w->job);
		rc = run_db_unlock(w->run, w->job, &e);
		if (wait)
			rc = wait_ended(w->run, w->job->dirty_gen, &e);
		else
			rc = 0;
	}
	if (rc < 0 && w->job && !w->job->db_err.code)
		w->job->db_err = e;
}

struct http_client *
worker_client(struct worker *w, struct provider *p)
{
	struct http_opts hooks = { 0 };
	struct http_client *c;

	for (size_t i = 0; i < w->nclients; i++)
		if (w->clients[i].p == p)
			return w->clients[i].c;
	if (w->nclients == ARRAY_SIZE(w->clients))
		return NULL;
	hooks.cancel = &engine_cancel;
	hooks.refused = &w->run->refused;
	hooks.on_retry = on_retry;
	hooks.on_debug = msg_level() >= MSG_DEBUG ? on_debug : NULL;
	hooks.on_idle = w->pooled ? worker_idle : NULL;
	hooks.ctx = w;
	/* NULL (out of memory) is kept nowhere: http_send() fails on it. */
	if (!(c = provider_client(p, &hooks)))
		return NULL;
	w->clients[w->nclients].p = p;
	w->clients[w->nclients].c = c;
	w->nclients++;
	return c;
}

struct http_client *
worker_site_client(struct worker *w, const struct http_opts *base)
{
	struct http_opts o = *base;

	if (w->site)
		return w->site;
	o.cancel = &engine_cancel;
	o.on_retry = on_retry;
	o.on_debug = msg_level() >= MSG_DEBUG ? on_debug : NULL;
	o.on_idle = w->pooled ? worker_idle : NULL;
	o.ctx = w;
	w->site = http_client_new(&o);
	return w->site;
}

void
worker_release(struct worker *w)
{
	for (size_t i = 0; i < w->nclients; i++)
		http_client_free(w->clients[i].c);
	w->nclients = 0;
	http_client_free(w->site);
	w->site = NULL;
	if (w->ws && w->ws != w->run->ws)
		ws_close(w->ws);
	w->ws = NULL;
}

/* Stores the final steps on every ai_log row the job wrote. */
static void
log_steps(struct worker *w, struct job *job, const char *error)
{
	sqlite3_stmt *st;
	char *steps;

	if (!job->nlog || !w->ws)
		return;
	steps = json_dump(job->steps);
	st = ws_cached(w->ws, "UPDATE ai_log SET steps = ?,"
			       " error = coalesce(error, ?) WHERE id = ?", NULL);
	for (size_t i = 0; st && i < job->nlog; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, steps, -1, SQLITE_STATIC);
		if (error)
			sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_int64(st, 3, job->log_ids[i]);
		/* A rollback by SQLite itself fails the job with the rest of
		 * its transaction, and says so (check_lost). */
		if (sqlite3_step(st) != SQLITE_DONE && !job->db_err.code &&
		    !(w->ws == w->run->ws && w->run->txn_gen && !ws_in_txn(w->ws)))
			ws_fail(w->ws, &job->db_err, "saving the steps of the call log");
	}
	ws_done(st);
	free(steps);
}

static void
run_job(struct worker *w, struct job *job)
{
	struct run *run = w->run;
	int rc;

	w->job = job;
	ig_err_clear(&job->err);
	rc = run_db_lock(run, &job->err);
	if (rc == 0)
		rc = run->fn->work(w, job, &job->err);
	if (rc < 0) {
		ig_redact(job->err.msg);
		end_step(job, "failed");
		if (run->fn->failed)
			run->fn->failed(w, job, &job->err);
	} else {
		job_phase(job, PH_DONE);
		end_step(job, "ok");
	}
	log_steps(w, job, rc < 0 ? job->err.msg : NULL);
	if (run_db_unlock(run, job, job->db_err.code ? NULL : &job->db_err) < 0 ||
	    job->db_err.code) {
		/* Its records were not saved: they are not written either. */
		if (rc >= 0) {
			job->err = job->db_err;
			ig_redact(job->err.msg);
			rc = -1;
		}
	}
	w->job = NULL;
	pthread_mutex_lock(&run->lock);
	/* A refused key or quota fails every other record the same way. */
	if (rc < 0 && job->err.code == IG_ENOPERM)
		run->stop = 1;
	job->state = rc < 0 ? JOB_FAILED : JOB_DONE;
	wake_writer(run);
	pthread_mutex_unlock(&run->lock);
}

/* Takes run->pending off the queue; caller holds the lock. */
static struct job *
pop_pending(struct run *run)
{
	struct job *job = run->pending, *j;

	if (!job)
		return NULL;
	for (j = job->next; j && j->state != JOB_PENDING; j = j->next)
		;
	run->pending = j;
	return job;
}

/* Waits on one of the run's conditions, waking now and then to notice a signal. */
static void
run_wait(struct run *run, pthread_cond_t *cv)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 100 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cv, &run->lock, &ts);
}

/* The next job to start, or NULL when input is over; caller holds the lock. */
static struct job *
take_job(struct run *run)
{
	struct job *job;

	for (;;) {
		job = pop_pending(run);
		/* Nobody reads the output any more: pay for nothing else. */
		if (job && !run->stop && jsonl_out_gone(stdout))
			run->stop = 1;
		if (job && (run->stop || engine_cancel)) {
			/* Stopping: what has not started is skipped, not started. */
			job->state = JOB_SKIPPED;
			wake_writer(run);
			continue;
		}
		if (job || run->input_done)
			return job;
		run_wait(run, &run->work_cv);
	}
}

void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	struct job *job;

	for (;;) {
		pthread_mutex_lock(&run->lock);
		job = take_job(run);
		if (job)
			job->state = JOB_RUNNING;
		pthread_mutex_unlock(&run->lock);
		if (!job)
			break;
		run_job(w, job);
	}
	return NULL;
}

/* ---- the writer ---- */

static void
record_ended(struct run *run, struct job *job, const char *outcome, const char *why)
{
	run_report(run, &(struct ev){ .type = EV_RECORD, .ref = job->ref, .what = outcome,
				      .text = why });
}

static void
write_job(struct run *run, struct job *job)
{
	cJSON *rec;
	struct ig_err err = { 0 };

	if (cJSON_GetArraySize(job->out) > 0)
		run_report(run, &(struct ev){ .type = EV_OUTPUT });
	switch (job->state) {
	case JOB_DONE:
	case JOB_SKIPPED:
		cJSON_ArrayForEach(rec, job->out)
			if (!run->write_failed && jsonl_write(stdout, rec, &err) < 0) {
				/*
				 * Start nothing new, but let the requests in
				 * flight finish and be saved: they are paid
				 * for, and a rerun re-emits them for free.
				 */
				run->write_failed = 1;
				run->write_err = err;
				atomic_store(&run->stop, 1);
			} else {
				run->written++;
			}
		if (job->state == JOB_DONE && job->batched) {
			run->submitted++;
			record_ended(run, job, "submitted", NULL);
		} else if (job->state == JOB_DONE) {
			run->t.done++;
			record_ended(run, job, "done", NULL);
		} else {
			run->t.skipped++;
			record_ended(run, job, "skipped", NULL);
		}
		break;
	case JOB_FAILED:
		if (job->err.code == IG_EINTR) {
			/* Cut short by a signal: not done, not failed; a rerun does it. */
			run->t.skipped++;
			record_ended(run, job, "skipped", "interrupted");
			break;
		}
		/*
		 * Requests in flight meet the same refusal: say it once, in the
		 * server's words, whichever record's request met it (the others
		 * were only "not sent" because of it).
		 */
		if (job->err.code != IG_ENOPERM ||
		    (!run->said_refusal && !strstr(job->err.msg, "not sent: "))) {
			run_msg(run, EV_ERROR, "%s: %s", job->ref, job->err.msg);
			run->said_refusal |= job->err.code == IG_ENOPERM;
		}
		if (job->err.code == IG_ENOPERM)
			run->fatal = IG_ENOPERM;
		run->t.failed++;
		if (!run->first_fail)
			run->first_fail = job->err.code ? job->err.code : IG_ESOFTWARE;
		if (job->err.code == IG_EBUDGET)
			atomic_store(&run->budget_hit, 1);
		record_ended(run, job, "failed", job->err.msg);
		break;
	default:
		break;
	}
}

/*
 * Done and its writes committed, so its records may go out; a job whose
 * transaction failed to commit is failed here.  Caller holds the lock.
 */
static int
finished(struct run *run, struct job *j)
{
	int st;

	if (j->state != JOB_DONE && j->state != JOB_FAILED && j->state != JOB_SKIPPED)
		return 0;
	if (!j->dirty_gen || (st = gen_state(run, j->dirty_gen)) > 0)
		return 1;
	if (st == 0)
		return 0;
	if (j->state != JOB_FAILED) {
		j->state = JOB_FAILED;
		j->err = run->commit_err;
	}
	return 1;
}

/* Writes every finished job that may go out now; caller holds the lock. */
static void
drain(struct run *run)
{
	struct job **pp = &run->head, *prev = NULL;

	while (*pp) {
		struct job *j = *pp;

		if (!finished(run, j)) {
			if (!run->opts->unordered)
				break;
			prev = j;
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		if (run->tail == j)
			run->tail = prev;
		run->unwritten--;
		pthread_mutex_unlock(&run->lock);
		write_job(run, j);
		job_free(j);
		pthread_mutex_lock(&run->lock);
		pthread_cond_signal(&run->space_cv);
		pp = prev ? &prev->next : &run->head;
	}
}

void *
writer_main(void *arg)
{
	struct run *run = arg;

	pthread_mutex_lock(&run->lock);
	for (;;) {
		drain(run);
		if (run->input_done && !run->head)
			break;
		run_wait(run, &run->done_cv);
	}
	pthread_mutex_unlock(&run->lock);
	return NULL;
}
