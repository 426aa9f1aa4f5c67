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
 * The writer commits after running requests for this long, so that other
 * processes waiting on the workspace's write lock are not kept out and a
 * worker waiting for its save is not held up behind a long INIT stream.
 */
#define TXN_MAX 0.02
/*
 * A stream of INITs alone (a keyword list piped into igny8-cluster) may
 * run this long in one transaction: nobody waits on it but the input, and
 * each commit rewrites every index page its inserts touched, so at a
 * million keywords 20 ms transactions wrote gigabytes to the WAL.  Other
 * processes wait at most this long for the write lock (their busy wait
 * is a minute).  Reading a million keywords took 11.1 s with 0.5 s here,
 * 9.3 s with 2 s.
 */
#define TXN_INIT_MAX 2.0

/* Set on the writer thread, which must never wait for itself. */
static _Thread_local int on_writer;

/* Its state settled, so its records may go out.  Caller holds the lock. */
static int
finished(const struct job *j)
{
	return j->state == JOB_DONE || j->state == JOB_FAILED || j->state == JOB_SKIPPED;
}

/*
 * Wakes the writer when output can go on: in order, only the first job
 * unwritten holds it up, so a job ending behind it wakes nobody (the
 * writer takes it in the same pass).  Caller holds the lock.
 */
static void
wake_writer(struct run *run)
{
	if (run->opts->unordered || (run->head && finished(run->head)))
		pthread_cond_signal(&run->done_cv);
}

/* ---- the write queue ---- */

/* Appends rq to the writer's queue (under lock). */
static void
queue_locked(struct run *run, struct save_req *rq)
{
	rq->next = NULL;
	if (run->sq_tail)
		run->sq_tail->next = rq;
	else
		run->sq_head = rq;
	run->sq_tail = rq;
	pthread_cond_signal(&run->done_cv);
}

void
run_request(struct run *run, struct save_req *rq)
{
	pthread_mutex_lock(&run->lock);
	queue_locked(run, rq);
	/* Cancel does not end the wait: the writer settles every request. */
	while (rq->cv && !rq->done)
		pthread_cond_wait(rq->cv, &run->lock);
	pthread_mutex_unlock(&run->lock);
}

/* Settles what a synchronous request's waiter reads. */
static void
wake_saver(struct run *run, struct save_req *rq, int ok)
{
	(void)run;
	(void)ok;
	rq->done = 1;
	pthread_cond_signal(rq->cv);
}

static int
save(struct worker *w, save_fn fn, void *arg, int keep, struct ig_err *err)
{
	struct ws *ws = w->run->ws;
	struct save_req rq = { 0 };
	int rc;

	if (!w->pooled) {
		/* After the pool (finish): the main thread owns the connection. */
		if (ws_begin(ws, err) < 0)
			return -1;
		if ((rc = fn(ws, arg, err)) < 0) {
			ws_rollback(ws);
			return -1;
		}
		return ws_commit(ws, err) < 0 ? -1 : rc;
	}
	rq.fn = fn;
	rq.arg = arg;
	rq.unit = 1;
	rq.keep = keep;
	rq.settled = wake_saver;
	rq.cv = &w->saved_cv;
	run_request(w->run, &rq);
	if (rq.rc < 0)
		*err = rq.err;
	return rq.rc;
}

int
worker_save(struct worker *w, save_fn fn, void *arg, struct ig_err *err)
{
	return save(w, fn, arg, 0, err);
}

int
worker_keep(struct worker *w, save_fn fn, void *arg, struct ig_err *err)
{
	return save(w, fn, arg, 1, err);
}

/* Runs one request on the write connection, inside the open transaction. */
static void
run_one(struct run *run, struct save_req *rq)
{
	struct ws *ws = run->ws;

	ig_err_clear(&rq->err);
	if (rq->unit && ws_begin(ws, &rq->err) < 0) {
		rq->rc = -1;
		return;
	}
	rq->rc = rq->fn(ws, rq->arg, &rq->err);
	if (rq->rc < 0 && !rq->err.code)
		ig_err_set(&rq->err, IG_ESOFTWARE, "a workspace write failed");
	if (rq->unit) {
		if (rq->rc < 0)
			ws_rollback(ws);
		else if (ws_commit(ws, &rq->err) < 0)
			rq->rc = -1;
	}
}

/*
 * A transaction of INITs alone takes in what was queued since it began,
 * until TXN_INIT_MAX: a collecting function's records leave the window as
 * they are taken, so without this each transaction ended with the queue
 * it started with, and at a million keywords sixty commits each rewrote
 * most of the keyword index.
 */
static void
more_inits(struct run *run, struct save_req *last, double t0)
{
	if (engine_now() - t0 >= TXN_INIT_MAX)
		return;
	pthread_mutex_lock(&run->lock);
	if (run->sq_head && run->sq_head->bulk) {
		last->next = run->sq_head;
		run->sq_head = run->sq_tail = NULL;
	}
	pthread_mutex_unlock(&run->lock);
}

/*
 * Runs the requests of list (linked by next) in one transaction and
 * settles each: fn's own failure is its alone (its savepoint rolled back);
 * a BEGIN that failed, a COMMIT that failed or SQLite's own rollback fails
 * all of them.  Returns the requests left for the next transaction (those
 * past TXN_MAX, and paid answers to try again after a failed commit).
 */
static struct save_req *
run_batch(struct run *run, struct save_req *list)
{
	struct save_req *rq, *rest = NULL, *again = NULL, **tail = &again;
	struct ig_err e = { 0 }, ce = { 0 };
	double t0 = engine_now();
	int begun, ok, init_only = 1;

	/* A BEGIN that failed is said as such ("cannot begin a transaction"). */
	ok = begun = ws_session_begin(run->ws, &e) == 0;
	for (rq = list; ok && rq; rq = rq->next) {
		init_only &= rq->bulk;
		run_one(run, rq);
		if (ws_session_lost(run->ws)) {
			ok = 0;
			ig_err_set(&e, IG_EIO, "%s: a write failed and SQLite rolled back"
				   " the transaction: nothing in it was saved", ws_path(run->ws));
		} else if (rq->next && engine_now() - t0 >= (init_only && rq->next->bulk ?
							   TXN_INIT_MAX : TXN_MAX)) {
			rest = rq->next;
			rq->next = NULL;
		} else if (!rq->next && init_only) {
			more_inits(run, rq, t0);
		}
	}
	/* Commits, or rolls back what is left after a failure. */
	if (begun && ws_session_end(run->ws, ok, &ce) < 0 && ok) {
		ok = 0;
		e = ce;
	}
	pthread_mutex_lock(&run->lock);
	for (rq = list; rq;) {
		struct save_req *next = rq->next;

		if (!ok && rq->keep && rq->keep++ < 3) {
			/* Paid for: tried again in the next transaction. */
			*tail = rq;
			tail = &rq->next;
			rq->next = NULL;
		} else {
			if (!ok) {
				rq->rc = -1;
				rq->err = e;
			}
			rq->settled(run, rq, ok);
		}
		rq = next;
	}
	if (!ok) {
		run->stop = 1;	/* the disk is full, say: send nothing more */
		if (!run->commit_err.code)
			run->commit_err = e;
	}
	pthread_cond_broadcast(&run->space_cv);
	pthread_mutex_unlock(&run->lock);
	*tail = rest;
	return again;
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
	/* Not calloc: a job is mostly two error buffers, cleared by their
	 * first bytes, and an input of a million keywords makes a million. */
	struct job *job = malloc(sizeof *job);

	if (!job)
		return NULL;
	job->run = run;
	job->seq = 0;
	job->data = NULL;
	job->state = JOB_PENDING;
	ig_err_clear(&job->err);
	job->phase = -1;
	job->phase_start = 0;
	job->log_ids = NULL;
	job->nlog = 0;
	job->batched = 0;
	ig_err_clear(&job->end_err);
	job->next = NULL;
	job->out = cJSON_CreateArray();
	job->steps = cJSON_CreateArray();
	snprintf(job->ref, sizeof job->ref, "%s", ref ? ref : "");
	return job;
}

/*
 * Appends a job in order; finished ones (skipped) are written in turn.
 * Caller holds the lock.
 */
static void
enqueue_locked(struct run *run, struct job *job)
{
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
}

/*
 * Backpressure: keep memory bounded when output is slower than input.  The
 * window is wide because one record retrying for a second or two holds up
 * the output of all behind it, and the pool should not stall.  Never on
 * the writer, which makes the room.  Caller holds the lock.
 *
 * INIT records have a window of their own: with the old shared window
 * of about a hundred, a keyword stream of 100,000 was committed in a
 * thousand transactions, each rewriting the pages of the keyword index
 * it touched.  It counts the records read and not yet settled (a job
 * each), or for a collecting function those not yet taken, which are all
 * such a record holds; 65536 was no faster than 16384 and doubled the
 * peak memory at 100,000 (bench/RESULTS-cluster.md).
 */
#define INIT_WINDOW 16384

static void
wait_room(struct run *run)
{
	while (!on_writer && (run->unwritten > run->nworkers * 16 + 64 ||
			      run->init_held >= INIT_WINDOW) && !engine_cancel)
		run_wait(run, &run->space_cv);
}

void
engine_enqueue(struct run *run, struct job *job)
{
	pthread_mutex_lock(&run->lock);
	wait_room(run);
	enqueue_locked(run, job);
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
	struct ig_err e = { 0 };

	/* Opened on first use: a run of few records needs few connections. */
	if (!w->ws && w->pooled && !(w->ws = ws_open_reader(w->run->ws, &e)))
		run_msg(w->run, EV_ERROR, "%s", e.msg);
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
		return prompt_resolve(worker_ws(w), fn, override, file, err);
	pthread_mutex_lock(&run->lock);
	for (size_t i = 0; i < run->nprompts && !p; i++)
		if (!strcmp(run->prompts[i].fn, fn))
			p = prompt_ref(run->prompts[i].p);
	if (!p && (p = prompt_resolve(worker_ws(w), fn, NULL, file, err)) &&
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

/*
 * A job's last request: the final steps on every ai_log row it wrote.
 * Once that commits, the writer settles the job (job_settled).
 */
struct job_end {
	struct save_req rq;
	struct job *job;
	int rc;			/* what work() returned */
};

static int
log_steps(struct ws *ws, void *arg, struct ig_err *err)
{
	struct job_end *e = arg;
	struct job *job = e->job;
	const char *error = e->rc < 0 ? job->err.msg : NULL;
	sqlite3_stmt *st;
	char *steps;
	int rc = 0;

	if (!job->nlog)
		return 0;
	steps = json_dump(job->steps);
	st = ws_cached(ws, "UPDATE ai_log SET steps = ?,"
			   " error = coalesce(error, ?) WHERE id = ?", err);
	for (size_t i = 0; st && rc == 0 && i < job->nlog; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, steps, -1, SQLITE_STATIC);
		if (error)
			sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_int64(st, 3, job->log_ids[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = ws_fail(ws, err, "saving the steps of the call log");
	}
	ws_done(st);
	free(steps);
	return st ? rc : -1;
}

/*
 * The job's one change of final state, on the writer thread after its
 * last request ended: done or failed, as work() said.  Every save of work
 * was committed before it returned (a save that could not be failed the
 * job there), so a done job's records may go out even when only its final
 * steps could not be saved: that is reported, and fails the run, when its
 * records are written.  Caller holds the lock.
 */
static void
job_settled(struct run *run, struct save_req *rq, int ok)
{
	struct job_end *e = (struct job_end *)rq;
	struct job *job = e->job;

	(void)ok;
	if (e->rc >= 0 && rq->rc < 0) {
		job->end_err = rq->err;
		ig_redact(job->end_err.msg);
	}
	job->state = e->rc < 0 ? JOB_FAILED : JOB_DONE;
	wake_writer(run);
	free(e);
}

static void
run_job(struct worker *w, struct job *job)
{
	struct run *run = w->run;
	struct job_end *e = calloc(1, sizeof *e);
	int rc;

	w->job = job;
	ig_err_clear(&job->err);
	rc = run->fn->work(w, job, &job->err);
	/* A refused key or quota fails every other record the same way. */
	if (rc < 0 && job->err.code == IG_ENOPERM)
		atomic_store(&run->stop, 1);
	if (rc < 0) {
		ig_redact(job->err.msg);
		end_step(job, "failed");
		if (run->fn->failed)
			run->fn->failed(w, job, &job->err);
	} else {
		job_phase(job, PH_DONE);
		end_step(job, "ok");
	}
	w->job = NULL;
	if (!e) {
		/* No memory for the request: settled here, as failed. */
		pthread_mutex_lock(&run->lock);
		if (rc >= 0)
			ig_err_set(&job->err, IG_ESOFTWARE, "out of memory");
		job->state = JOB_FAILED;
		wake_writer(run);
		pthread_mutex_unlock(&run->lock);
		return;
	}
	e->job = job;
	e->rc = rc;
	e->rq.fn = log_steps;
	e->rq.arg = e;
	e->rq.unit = 1;
	e->rq.settled = job_settled;
	run_request(run, &e->rq);
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
		if (job->end_err.code) {
			run_msg(run, EV_ERROR, "%s: %s", job->ref, job->end_err.msg);
			if (!run->first_fail)
				run->first_fail = job->end_err.code;
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

/* Writes every finished job that may go out now; caller holds the lock. */
static void
drain(struct run *run)
{
	struct job **pp = &run->head, *prev = NULL;

	while (*pp) {
		struct job *j = *pp;

		if (!finished(j)) {
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

/*
 * The writer: the one thread that writes to the workspace while the pool
 * runs.  It runs the queued requests in short transactions, settles them
 * once each transaction has ended, and writes the records of settled jobs
 * (in order, or as they settle with --unordered).  It ends when input is
 * over and no job and no request is left.
 */
void *
writer_main(void *arg)
{
	struct run *run = arg;
	struct save_req *list, *again = NULL, **tail;

	on_writer = 1;
	pthread_mutex_lock(&run->lock);
	for (;;) {
		drain(run);
		if (run->sq_head || again) {
			/* What is tried again goes first: the queue is in order. */
			for (tail = &again; *tail; tail = &(*tail)->next)
				;
			*tail = run->sq_head;
			list = again;
			run->sq_head = run->sq_tail = NULL;
			pthread_mutex_unlock(&run->lock);
			again = run_batch(run, list);
			pthread_mutex_lock(&run->lock);
			continue;
		}
		if (run->input_done && !run->head)
			break;
		run_wait(run, &run->done_cv);
	}
	pthread_mutex_unlock(&run->lock);
	/*
	 * A transaction that failed stopped the run even when no record
	 * failed with it (it held only call logs, say): the run fails too.
	 */
	if (run->commit_err.code && !run->first_fail) {
		run_msg(run, EV_ERROR, "%s", run->commit_err.msg);
		run->first_fail = run->commit_err.code;
	}
	return NULL;
}

/* ---- the main thread's requests ---- */

int
run_call(struct run *run, save_fn fn, void *arg, struct ig_err *err)
{
	struct save_req rq = { 0 };

	rq.fn = fn;
	rq.arg = arg;
	rq.settled = wake_saver;
	rq.cv = &run->main_cv;
	run_request(run, &rq);
	if (rq.rc < 0)
		*err = rq.err;
	return rq.rc;
}

/*
 * INIT requests carry records in batches: the reader adds each record to
 * the batch the writer has not begun, or queues a new one.  A stream of a
 * million keywords is a few thousand requests, not a million, and a
 * record read from a slow input is never held back for a batch to fill.
 */
#define INIT_BATCH 1024

struct init_rec {
	cJSON *rec;		/* deleted when settled (collect: when taken) */
	struct job *job;	/* made by init_one(), NULL before and for collect */
	size_t where;		/* offset of "name:line" in the batch's wheres */
	int rc;			/* what init returned; -1 also: dropped */
};

struct init_req {
	struct save_req rq;
	struct run *run;
	int begun;		/* the writer took it: it takes no more (under lock) */
	size_t n, cap;
	struct init_rec *r;
	struct buf wheres;
};

/* A record that failed its INIT: skipped (--keep-going) or the input stops. */
static void
init_failed(struct run *run, const char *where, struct ig_err *e)
{
	if (e->code == IG_EDATA || e->code == IG_ENOINPUT)
		ig_err_prefix(e, "%s", where);
	if (run->opts->keep_going && (e->code == IG_EDATA || e->code == IG_ENOINPUT)) {
		run_msg(run, EV_WARNING, "ignoring %s", e->msg);
		pthread_mutex_lock(&run->lock);
		run->input_bad = 1;
		pthread_mutex_unlock(&run->lock);
	} else {
		pthread_mutex_lock(&run->lock);
		run->input_failed = 1;
		run->input_err = *e;
		pthread_mutex_unlock(&run->lock);
	}
}

/*
 * INIT of one record on the writer.  A function that only collects its
 * input (fn->collect) gets no job: a job, its steps and its phase event
 * were most of what a piped keyword cost, and were thrown away.
 */
static void
init_one(struct run *run, struct init_rec *ir, const char *where)
{
	struct ig_err e = { 0 };

	/* Input stops at the first bad record: what was read past it is dropped. */
	if (run->input_failed || engine_cancel) {
		ir->rc = -1;
		return;
	}
	if (run->fn->collect) {
		crash_hook(PH_INIT);
		ir->rc = run->fn->collect(run, ir->rec, &e) < 0 ? -1 : INIT_TAKEN;
	} else if (!(ir->job = run_new_job(run, where))) {
		ir->rc = ig_err_set(&e, IG_ESOFTWARE, "out of memory");
	} else {
		job_phase(ir->job, PH_INIT);
		ir->rc = run->fn->init(run, ir->job, ir->rec, &e);
	}
	if (ir->rc < 0)
		init_failed(run, where, &e);
	else if (ir->rc != INIT_TAKEN)
		run_report(run, &(struct ev){ .type = EV_TOTAL, .n = 1 });
}

/*
 * Chains a collecting function's records onto run->init_trash for the
 * reader to free (under lock): their cJSON_Delete() was a tenth of the
 * writer's time on a keyword stream, and the reader has time to spare.
 * cJSON_Delete() of the first frees them all.
 */
static void
trash_chain(struct run *run, struct init_req *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->r[i].rec) {
			b->r[i].rec->next = run->init_trash;
			run->init_trash = b->r[i].rec;
			b->r[i].rec = NULL;
		}
}

/* Takes the records the writer is done with (under lock), to free outside it. */
static cJSON *
take_trash(struct run *run)
{
	cJSON *t = run->init_trash;

	run->init_trash = NULL;
	return t;
}

/* INIT of a batch of records, on the writer thread (run_init_record()'s requests). */
static int
run_init(struct ws *ws, void *arg, struct ig_err *err)
{
	struct init_req *b = arg;
	struct run *run = b->run;

	(void)ws;
	(void)err;
	pthread_mutex_lock(&run->lock);
	b->begun = 1;
	if (run->init_open == b)
		run->init_open = NULL;
	pthread_mutex_unlock(&run->lock);
	for (size_t i = 0; i < b->n; i++)
		init_one(run, &b->r[i], b->wheres.data + b->r[i].where);
	if (run->fn->collect) {
		/* Nothing of these records is held now: the reader may go on. */
		pthread_mutex_lock(&run->lock);
		trash_chain(run, b);
		run->init_held -= (long)b->n;
		pthread_cond_broadcast(&run->space_cv);
		pthread_mutex_unlock(&run->lock);
	}
	return 0;
}

/*
 * A batch's INITs ended with their transaction: each record's job is
 * queued only now, so that a worker reading the workspace sees what INIT
 * wrote (a claimed task).  A transaction that failed stops the input.
 */
static void
init_settled(struct run *run, struct save_req *rq, int ok)
{
	struct init_req *b = (struct init_req *)rq;

	for (size_t i = 0; i < b->n; i++) {
		struct init_rec *ir = &b->r[i];

		if (!ok && ir->rc >= 0 && !run->input_failed) {
			run->input_failed = 1;
			run->input_err = rq->err;
		}
		if (!ok || ir->rc < 0 || ir->rc == INIT_TAKEN) {
			if (ir->job)
				job_free(ir->job);
		} else {
			/* Already done: its records are re-emitted, nothing is sent. */
			ir->job->state = ir->rc == INIT_DONE ? JOB_SKIPPED : JOB_PENDING;
			enqueue_locked(run, ir->job);
		}
		cJSON_Delete(ir->rec);
	}
	if (!run->fn->collect)
		run->init_held -= (long)b->n;
	if (--run->inits == 0)
		pthread_cond_broadcast(&run->main_cv);
	free(b->r);
	buf_release(&b->wheres);
	free(b);
}

/*
 * A new object holding rec's members, rec left empty: the reader deletes
 * its record after the call, and copying each one cost as much as parsing
 * it.
 */
static cJSON *
take_members(cJSON *rec)
{
	cJSON *o = cJSON_CreateObject();

	if (o && cJSON_IsObject(rec)) {
		o->child = rec->child;
		rec->child = NULL;
	}
	return o;
}

/* The batch a new record joins: the open one, or a new one queued (under lock). */
static struct init_req *
init_batch(struct run *run)
{
	struct init_req *b = run->init_open;

	if (b && !b->begun && b->n < INIT_BATCH)
		return b;
	if (!(b = calloc(1, sizeof *b)))
		return NULL;
	b->run = run;
	b->rq.fn = run_init;
	b->rq.bulk = 1;
	b->rq.arg = b;
	b->rq.settled = init_settled;
	run->init_open = b;
	run->inits++;
	queue_locked(run, &b->rq);
	return b;
}

static int
init_add(struct init_req *b, cJSON *rec, const char *where)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct init_rec *r = realloc(b->r, cap * sizeof *r);

		if (!r)
			return -1;
		b->r = r;
		b->cap = cap;
	}
	b->r[b->n] = (struct init_rec){ rec, NULL, b->wheres.len, 0 };
	if (buf_append(&b->wheres, where, strlen(where) + 1) < 0)
		return -1;
	b->n++;
	return 0;
}

int
run_init_record(struct run *run, cJSON *rec, const char *where,
		struct ig_err *err)
{
	cJSON *o = take_members(rec), *trash;
	struct init_req *b;
	int rc = -1;

	pthread_mutex_lock(&run->lock);
	wait_room(run);
	if (run->input_failed) {
		*err = run->input_err;
	} else if (o && (b = init_batch(run)) && init_add(b, o, where) == 0) {
		run->init_held++;
		o = NULL;
		rc = 0;
	} else {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	trash = take_trash(run);
	pthread_mutex_unlock(&run->lock);
	cJSON_Delete(trash);
	cJSON_Delete(o);
	return rc;
}

int
run_init_wait(struct run *run, struct ig_err *err)
{
	cJSON *trash;
	int rc = 0;

	pthread_mutex_lock(&run->lock);
	while (run->inits > 0)
		pthread_cond_wait(&run->main_cv, &run->lock);
	if (run->input_failed) {
		*err = run->input_err;
		rc = -1;
	}
	trash = take_trash(run);
	pthread_mutex_unlock(&run->lock);
	cJSON_Delete(trash);
	return rc;
}
