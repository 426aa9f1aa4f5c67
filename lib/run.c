/*
 * run.c: one invocation of a filter: settings, workspace, run row, signal
 * handling, input, the pool, the summary and the exit status.
 */
#include "compat.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "batch.h"
#include "buf.h"
#include "engine_priv.h"
#include "http.h"
#include "json.h"
#include "interrupt.h"
#include "jsonl.h"
#include "msg.h"
#include "prompt.h"
#include "provider.h"
#include "retire.h"

static void
warn_cb(const char *msg)
{
	ig_warnf("%s", msg);
}

static int
apply_flags(struct run *run, struct ig_err *err)
{
	struct run_opts *o = run->opts;
	char key[128];

	for (int i = 0; i < o->nsets; i++) {
		const char *eq = strchr(o->sets[i], '=');
		size_t n = eq ? (size_t)(eq - o->sets[i]) : 0;

		if (!eq || n >= sizeof key)
			return ig_err_set(err, IG_EUSAGE, "bad setting '%s'", o->sets[i]);
		memcpy(key, o->sets[i], n);
		key[n] = '\0';
		if (config_set(run->cfg, key, eq + 1, "command line", err) < 0)
			return -1;
	}
	if (o->workspace && config_set(run->cfg, "workspace", o->workspace,
				       "--workspace", err) < 0)
		return -1;
	return 0;
}

/*
 * Closes the rows of runs whose process died (SIGKILL, power loss): they
 * end as 'died', which also frees their tasks for this run (ws_run_dead).
 */
static void
reap_runs(struct ws *ws, long self)
{
	sqlite3_stmt *st = ws_prepare(ws, "SELECT id FROM runs WHERE ended_at IS NULL"
				      " AND id != ?", NULL);
	long dead[64];
	size_t n = 0;
	char now[32];
	int rc;

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, self);
	while (n < ARRAY_SIZE(dead) && sqlite3_step(st) == SQLITE_ROW)
		if (ws_run_dead(ws, (long)sqlite3_column_int64(st, 0)))
			dead[n++] = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	ws_now(now);
	for (size_t i = 0; i < n; i++) {
		st = ws_prepare(ws, "UPDATE runs SET status = 'died', ended_at = ?"
			       " WHERE id = ? AND ended_at IS NULL", NULL);
		if (!st)
			return;
		sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, dead[i]);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return;
		ws_run_release_tasks(ws, dead[i], NULL);
	}
}

/*
 * Registers the run, closes the rows of dead runs (their tasks are then
 * reclaimed as they come) and drops their unsent batch items.
 */
static int
open_workspace(struct run *run, struct ig_err *err)
{
	struct buf args = BUF_INIT(4096);

	const struct run_opts *o = run->opts;
	struct stat sb;
	/* Asking for workspace data needs a workspace; records make one. */
	int ask = o->all || o->nids, existed;

	run->ws_path = strdup(config_str(run->cfg, "workspace"));
	if (!run->ws_path)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	existed = stat(run->ws_path, &sb) == 0;
	/*
	 * A dry run works on a copy: it sends nothing and saves nothing.  Where
	 * there is no workspace, asking for its data fails naming the path.
	 */
	run->ws = ws_open(run->ws_path, ask && !existed ? WS_OPEN
			  : o->dry_run ? WS_SCRATCH : WS_CREATE, err);
	if (!run->ws)
		return -1;
	if (!existed && stat(run->ws_path, &sb) == 0)
		ig_notef("created workspace %s", run->ws_path);
	if (run->opts->cmdline)
		buf_puts(&args, run->opts->cmdline);
	for (int i = 0; !run->opts->cmdline && run->opts->inputs && i < run->opts->ninputs; i++)
		buf_printf(&args, "%s%s", i ? " " : "", run->opts->inputs[i]);
	if (args.data)
		ig_redact(args.data);	/* a key pasted anywhere on the line */
	run->run_id = ws_run_start(run->ws, run->opts->program, buf_str(&args), err);
	buf_release(&args);
	if (run->run_id < 0)
		return -1;
	reap_runs(run->ws, run->run_id);
	batch_reap(run->ws);
	progress_set_workspace(run->progress, run->ws_path);	/* the live display */
	return 0;
}

static int
run_setup(struct run *run, struct ig_err *err)
{
	struct run_opts *o = run->opts;
	int pm;

	run->cfg = config_resolve(o->config_file, warn_cb, err);
	if (!run->cfg || apply_flags(run, err) < 0)
		return -1;
	run->jobs = o->jobs > 0 ? o->jobs : (int)config_int(run->cfg, "run.jobs");
	if (run->jobs < 1)
		run->jobs = 1;
	if (run->jobs > 256)
		run->jobs = 256;
	/*
	 * Jobs bound the requests in flight (the provider's limiter has that
	 * many slots); a worker waiting out a retry holds no slot, so a few
	 * spare workers keep the slots busy meanwhile.  Below four jobs there
	 * are none, so that -j 1 sends requests in input order.
	 */
	run->nworkers = run->jobs + run->jobs / 4;
	run->max_cost = o->max_cost >= 0 ? o->max_cost : config_num(run->cfg, "run.max_cost");
	if (o->no_cache == 0 && !config_bool(run->cfg, "run.cache"))
		o->no_cache = 1;
	pm = o->progress >= 0 ? o->progress
			      : progress_mode_parse(config_str(run->cfg, "run.progress"));
	/* --quiet silences the status line, never the JSON events asked for. */
	if (o->verbosity == MSG_QUIET && pm != PROGRESS_JSON)
		pm = PROGRESS_NONE;
	if (run->progress)
		progress_set_mode(run->progress, pm < 0 ? PROGRESS_AUTO : pm);
	run->summary_due = 1;
	/* Before anything is sent: a model that has shut down stops the run. */
	return open_workspace(run, err) < 0 ? -1 : retire_check_run(run, err);
}

struct input_ctx {
	struct run *run;
	int bad;
};

static void
on_bad(const char *msg, void *ctx)
{
	struct input_ctx *ic = ctx;

	run_msg(ic->run, EV_WARNING, "ignoring %s", msg);
	ic->bad = 1;
}

static int
accepts(const struct fn_ops *fn, const char *type)
{
	for (const char *const *a = fn->accepts; a && *a; a++)
		if (!strcmp(*a, type))
			return 1;
	return 0;
}

/*
 * INIT for one input record, handed to the writer thread; bad records
 * follow the --keep-going policy.
 */
static int
take_record(cJSON *rec, const char *where, void *ctx, struct ig_err *err)
{
	struct input_ctx *ic = ctx;
	struct run *run = ic->run;
	const char *type = json_str(rec, "type");
	int rc;

	if (engine_cancel || run->stop)
		return 1;
	if (!type && cJSON_GetObjectItemCaseSensitive(rec, "type") &&
	    !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rec, "type")))
		rc = ig_err_set(err, IG_EDATA, "'type' must be a string");
	else if (type && !accepts(run->fn, type))
		rc = ig_err_set(err, IG_EDATA, "a '%s' record cannot be taken here "
				"(expected %s)", type, run->fn->accepts[0]);
	else
		return run_init_record(run, rec, where, err);
	ig_err_prefix(err, "%s", where);
	if (!run->opts->keep_going)
		return rc;
	on_bad(err->msg, ic);
	ig_err_clear(err);
	return 0;
}

static int
read_stream(struct run *run, FILE *fp, const char *name, struct ig_err *err)
{
	struct input_ctx ic = { run, 0 };
	struct jsonl_reader r = { 0 };
	int rc;

	r.fp = fp;
	r.name = name;
	r.max_line = (size_t)config_int(run->cfg, "run.max_line");
	r.policy = run->opts->keep_going ? JSONL_KEEP_GOING : JSONL_STOP;
	r.on_bad = on_bad;
	r.plain_type = run->fn->input_type;
	r.plain_field = run->fn->plain_field;
	rc = jsonl_each(&r, take_record, &ic, err);
	/* A signal cut a blocked read short (EINTR): an interrupt, not an I/O error. */
	if (rc < 0 && engine_cancel && err->code == IG_EIO)
		ig_err_set(err, IG_EINTR, "%s: interrupted", name);
	/* An earlier record's INIT failing is what stopped the input, if any. */
	if (run_init_wait(run, err) < 0)
		rc = -1;
	if (rc >= 0 && ic.bad) {
		pthread_mutex_lock(&run->lock);
		run->input_bad = 1;
		pthread_mutex_unlock(&run->lock);
	}
	return rc < 0 ? -1 : 0;
}

struct id_list {
	struct run *run;
	long *ids;
	size_t n;
};

/* The ids --all selects (run_call(), on the writer thread). */
static int
select_ids(struct ws *ws, void *arg, struct ig_err *err)
{
	struct id_list *l = arg;
	sqlite3_stmt *st = ws_prepare(ws, l->run->fn->select_all, err);
	size_t cap = 0;
	long *n;
	int rc = st ? 0 : -1;

	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		if (l->n == cap) {
			cap = cap ? cap * 2 : 1024;
			if (!(n = realloc(l->ids, cap * sizeof *n))) {
				rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
				break;
			}
			l->ids = n;
		}
		l->ids[l->n++] = (long)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return rc;
}
static int
take_id(struct input_ctx *ic, long id, struct ig_err *err)
{
	struct run *run = ic->run;
	cJSON *rec = cJSON_CreateObject();
	char where[64];
	int rc;

	cJSON_AddStringToObject(rec, "type", run->fn->input_type);
	cJSON_AddNumberToObject(rec, "id", (double)id);
	snprintf(where, sizeof where, "%s:%ld", run->fn->input_type, id);
	rc = take_record(rec, where, ic, err);
	cJSON_Delete(rec);
	return rc;
}

/* fn->take_all (run_call(), on the writer thread). */
static int
take_all(struct ws *ws, void *arg, struct ig_err *err)
{
	struct run *run = arg;

	(void)ws;
	return run->fn->take_all(run, err);
}

static int
read_ids(struct run *run, struct ig_err *err)
{
	const struct run_opts *o = run->opts;
	struct input_ctx ic = { run, 0 };
	struct id_list all = { run, NULL, 0 };
	int bulk = o->all && run->fn->take_all, rc = 0;

	if (o->all && !bulk && run->fn->select_all &&
	    run_call(run, select_ids, &all, err) < 0) {
		free(all.ids);
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < o->nids; i++)
		rc = take_id(&ic, o->ids[i], err);
	for (size_t i = 0; rc == 0 && i < all.n; i++)
		rc = take_id(&ic, all.ids[i], err);
	if (run_init_wait(run, err) < 0)
		rc = -1;
	/* after the --ids, which come first as they did with an INIT each */
	if (rc == 0 && bulk && !engine_cancel)
		rc = run_call(run, take_all, run, err);
	free(all.ids);
	return rc < 0 ? -1 : 0;
}
static int
read_input(struct run *run, struct ig_err *err)
{
	const struct run_opts *o = run->opts;

	if (o->nids || o->all)
		return read_ids(run, err);
	if (o->records) {	/* --title, --keyword */
		FILE *fp = fmemopen(o->records, strlen(o->records), "r");
		int rc;

		if (!fp)
			return ig_err_set(err, IG_ESOFTWARE, "fmemopen: %s", strerror(errno));
		rc = read_stream(run, fp, "the command line", err);
		fclose(fp);
		return rc;
	}
	if (!o->ninputs)
		return read_stream(run, stdin, "stdin", err);
	for (int i = 0; i < o->ninputs; i++) {
		const char *name = o->inputs[i];
		FILE *fp;
		int rc;

		if (!strcmp(name, "-"))
			rc = read_stream(run, stdin, "stdin", err);
		else if (!(fp = fopen(name, "r")) && run->fn->plain_field)
			return ig_err_set(err, IG_ENOINPUT, "%s: %s (a %s is given with --%s TEXT)",
					  name, strerror(errno), run->fn->plain_field,
					  run->fn->plain_field);
		else if (!fp)
			return ig_err_set(err, IG_ENOINPUT, "%s: %s", name, strerror(errno));
		else {
			rc = read_stream(run, fp, name, err);
			fclose(fp);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
run_emit(struct run *run, cJSON *rec, struct ig_err *err)
{
	int rc = 0;

	run_report(run, &(struct ev){ .type = EV_OUTPUT });
	if (!run->write_failed && jsonl_write(stdout, rec, err) < 0) {
		run->write_failed = 1;
		run->write_err = *err;
		rc = -1;
	} else {
		run->written++;
	}
	cJSON_Delete(rec);
	return rc;
}

static int
exit_status(struct run *run, int input_rc, const struct ig_err *err)
{
	/* Records were lost on the way out, closed pipe or not: not a success. */
	if (run->write_failed || jsonl_broken_pipe())
		return IG_EIO;
	if (engine_cancel)
		return IG_EINTR;
	if (input_rc < 0)
		return err->code ? err->code : IG_ESOFTWARE;
	if (run->fatal)
		return run->fatal;
	if (run->budget_hit)
		return IG_EBUDGET;
	if (run->t.failed && run->t.done)
		return IG_EPARTIAL;
	if (run->first_fail)
		return run->first_fail;
	if (run->input_bad)
		return IG_EDATA;
	return IG_OK;
}

/* The last event: the reporter shows it as the summary line or event. */
static void
summary(struct run *run, double secs, int status)
{
	struct ev_summary s = { 0 };

	s.done = run->t.done;
	s.failed = run->t.failed;
	s.skipped = run->t.skipped;
	s.submitted = run->submitted;
	s.written = run->written;
	s.tokens_in = run->t.tokens_in;
	s.tokens_out = run->t.tokens_out;
	s.cost = run->t.cost;
	s.cost_unknown = run->t.cost_unknown;
	s.dry_run = run->opts->dry_run;
	s.est_cost = run->est_cost;
	s.seconds = secs;
	s.status = status;
	run_report(run, &(struct ev){ .type = EV_SUMMARY, .summary = &s });
}

static void
run_release(struct run *run)
{
	for (size_t i = 0; i < run->nprompts; i++)
		prompt_free(run->prompts[i].p);
	if (run->data && run->data_free)
		run->data_free(run->data);
	for (size_t i = 0; i < run->nproviders; i++) {
		provider_free(run->providers[i].p);
		free(run->providers[i].name);
	}
	cJSON_Delete(run->init_trash);	/* none unless the input was cut short */
	ws_close(run->ws);
	free(run->ws_path);
	config_free(run->cfg);
	pthread_mutex_destroy(&run->lock);
	pthread_cond_destroy(&run->work_cv);
	pthread_cond_destroy(&run->done_cv);
	pthread_cond_destroy(&run->space_cv);
	pthread_cond_destroy(&run->main_cv);
}

/* Every module's messages (msg.c) become events of the run's stream. */
static void
msg_to_event(void *ctx, enum ev_level level, const char *text)
{
	run_report(ctx, &(struct ev){ .type = EV_MESSAGE, .level = level, .text = text });
}

/*
 * The run's reporter: the caller's, or the filters' own on stderr, in JSON
 * from the start when --progress json was given (so that even a bad
 * setting is reported as an event), else as text until the settings say.
 */
static void
open_reporter(struct run *run)
{
	struct run_opts *o = run->opts;

	if (o->on_event) {
		run->on_event = o->on_event;
		run->ev_ctx = o->event_ctx;
	} else {
		run->progress = progress_new(o->progress == PROGRESS_JSON ? PROGRESS_JSON
									  : PROGRESS_NONE,
					     o->program);
		run->on_event = run->progress ? progress_event : NULL;
		run->ev_ctx = run->progress;
	}
	msg_set_sink(msg_to_event, run);
}

/*
 * --batch, after the pool: sends the requests the jobs queued as one batch;
 * an interrupted run sends nothing, and its records stay to be submitted.
 */
static int
finish_batch(struct run *run, struct worker *w0, int input_rc, struct ig_err *err)
{
	long n;

	if (input_rc < 0 || engine_cancel) {
		batch_abandon(run->ws, run->run_id);
		return 0;
	}
	if ((n = batch_submit(run, w0, err)) < 0)
		return -1;
	if (n > 0) {
		run_msg(run, EV_NOTE, "submitted %ld request%s to the Batch API; 'igny8 batch collect'"
			 " saves the answers", n, n == 1 ? "" : "s");
	}
	return 0;
}

/* fn->input_end on the writer thread (run_call()): it reads the workspace. */
static int
input_end(struct ws *ws, void *arg, struct ig_err *err)
{
	struct run *run = arg;

	(void)ws;
	return run->fn->input_end(run, err);
}

/*
 * Each worker reads through a connection of its own (three descriptors:
 * the database, its log, its shared memory) beside its HTTP connection:
 * -j 256 needs more than the usual soft limit of 1024, so the run takes
 * what the hard limit allows.
 */
static void
fd_room(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Starts the pool and the writer, feeds input, waits for everything. */
static int
run_pool(struct run *run, struct worker *ws, struct ig_err *err)
{
	struct worker w0 = { 0 };
	pthread_t writer;
	int input_rc, fin_rc = 0;

	fd_room();
	for (int i = 0; i < run->nworkers; i++) {
		ws[i].run = run;
		ws[i].pooled = 1;
		pthread_cond_init(&ws[i].saved_cv, NULL);
		pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]);
	}
	pthread_create(&writer, NULL, writer_main, run);
	input_rc = read_input(run, err);
	if (input_rc == 0 && run->fn->input_end && !engine_cancel)
		input_rc = run_call(run, input_end, run, err);
	pthread_mutex_lock(&run->lock);
	run->input_done = 1;
	pthread_cond_broadcast(&run->work_cv);
	pthread_cond_signal(&run->done_cv);
	pthread_mutex_unlock(&run->lock);
	for (int i = 0; i < run->nworkers; i++) {
		pthread_join(ws[i].thread, NULL);
		pthread_cond_destroy(&ws[i].saved_cv);
	}
	/* The write connection is the main thread's again. */
	pthread_join(writer, NULL);
	w0.run = run;
	w0.ws = run->ws;
	if (input_rc == 0 && run->fn->finish && !engine_cancel)
		fin_rc = run->fn->finish(run, &w0, err);
	if (run->opts->batch && fin_rc == 0)
		fin_rc = finish_batch(run, &w0, input_rc, err);
	worker_release(&w0);
	return input_rc < 0 || fin_rc < 0 ? -1 : 0;
}

int
engine_main(const struct fn_ops *fn, struct run_opts *o)
{
	struct run run = { 0 };
	struct ig_err err = { 0 };
	struct worker *workers = NULL;
	double t0 = engine_now();
	int rc, status;

	run.fn = fn;
	run.opts = o;
	open_reporter(&run);
	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.work_cv, NULL);
	pthread_cond_init(&run.done_cv, NULL);
	pthread_cond_init(&run.space_cv, NULL);
	pthread_cond_init(&run.main_cv, NULL);
	/* Without a watcher, Ctrl-C still ends the run, only less tidily. */
	interrupt_start(&engine_cancel);
	/*
	 * Answers and articles are freed after each record; by default glibc
	 * then hands the top of the heap back to the kernel and faults it in
	 * again for the next (two madvise and two brk calls per article).
	 * SQLite's memory statistics take a global mutex on every allocation
	 * and nothing here reads them.
	 */
#ifdef M_TRIM_THRESHOLD
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
#endif
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	ws_set_cancel(&engine_cancel);
	http_global_init();
	rc = run_setup(&run, &err);
	if (rc == 0) {
		workers = calloc((size_t)run.nworkers, sizeof *workers);
		rc = workers ? run_pool(&run, workers, &err) : -1;
	}
	if (rc < 0 && err.code == IG_OK)
		ig_err_set(&err, IG_ESOFTWARE, "out of memory");
	status = exit_status(&run, rc, &err);
	if (rc < 0 && !run.write_failed && err.code != IG_EINTR)
		run_msg(&run, EV_ERROR, "%s", err.msg);
	if (jsonl_finish(stdout, &err) < 0 && !jsonl_broken_pipe() && status == IG_OK) {
		run_msg(&run, EV_ERROR, "%s", err.msg);
		status = IG_EIO;
	} else if (run.write_failed && !jsonl_broken_pipe()) {
		run_msg(&run, EV_ERROR, "%s", run.write_err.msg);
	}
	if (jsonl_broken_pipe()) {
		/* Quietly, as a filter should, but the run did not finish
		 * (even when only the last flush found the reader gone). */
		status = IG_EIO;
		run.t.status = "interrupted";
		run_msg(&run, EV_NOTE, "standard output was closed: no more requests"
			" started; the run is recorded as interrupted");
	}
	if (run.summary_due)
		summary(&run, engine_now() - t0, status);
	if (run.ws)
		ws_run_end(run.ws, run.run_id, status, &run.t, &err);
	for (int i = 0; workers && i < run.nworkers; i++)
		worker_release(&workers[i]);
	free(workers);
	run_release(&run);
	http_global_cleanup();
	ig_secrets_free();
	msg_set_sink(NULL, NULL);
	progress_free(run.progress);
	return status;
}
