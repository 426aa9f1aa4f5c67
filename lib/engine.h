/*
 * engine.h: runs records through the phases INIT, PREP, AI_CALL, PARSE,
 * SAVE and DONE, many at once.
 *
 * Design: one thread writes.  The main thread reads input; a pool of
 * --jobs worker threads (and a few spare) runs each record's PREP to
 * SAVE, each with its own HTTP client, so every slow request overlaps the
 * others; the writer thread owns the workspace's write connection while
 * the pool runs and writes the records out.  Nobody else writes: INIT
 * (the main thread's validation and claims) and every save of a worker
 * (worker_save(): a claim, a call's log row, a paid answer in the cache,
 * a record's results, a job's final steps) is a request on one queue.
 * The writer runs what is queued in one short BEGIN IMMEDIATE transaction
 * (group commit: many records, one commit), each request in a savepoint
 * of its own, and settles the requests only once the COMMIT returned: a
 * waiting worker goes on, an INIT's job is queued for the pool, an ended
 * job is done (or failed with the workspace's error, when the COMMIT, the
 * BEGIN or SQLite's own rollback lost its writes).  Then it writes the
 * records of settled jobs in input order (or as they settle with
 * --unordered), so "printed means saved" holds by construction, and a
 * downstream stage starts at once.  Workers read through read-only
 * connections of their own (WAL), which see every save they waited for.
 * A claim is thus committed before its request goes out, and a paid
 * answer is in the cache before its results are saved; a paid answer
 * whose commit failed is tried again (issue 15: not paid twice).  Each
 * job's final state is set once, by the writer.  We chose threads over
 * libcurl's multi interface because a record's work is a short sequential
 * story (prompt, call, maybe a repair call, parse, save, maybe download
 * images) that reads best as straight-line code; the pool bounds the
 * number in flight and the shared rate limiter adapts it.
 *
 * The library never prints: what a run has to say (phases, records done
 * or failed, retries, messages, the summary) goes as events (events.h) to
 * one reporter, run_opts.on_event or the filters' own (progress.h).
 *
 * A function (ideas, write, ...) is a struct fn_ops.  Memory: the engine
 * owns jobs; fn data hung on a job is freed with fn_ops.free.
 */
#ifndef IG_ENGINE_H
#define IG_ENGINE_H

#include <stdatomic.h>

#include <cjson/cJSON.h>

#include "compat.h"
#include "config.h"
#include "err.h"
#include "events.h"
#include "progress.h"
#include "workspace.h"

struct run;
struct worker;
struct job;
struct provider;
struct http_client;

enum phase { PH_INIT, PH_PREP, PH_AI_CALL, PH_PARSE, PH_SAVE, PH_DONE };
const char *phase_name(enum phase ph);

/* What a run was asked to do; filled by opt.c from the command line. */
struct run_opts {
	const char *program;
	const char *workspace;		/* NULL = config */
	const char *config_file;
	const char *prompt_file;	/* --prompt */
	const char *model;		/* --model, for this program's function */
	int jobs;			/* 0 = config run.jobs */
	int unordered, dry_run, no_cache, refresh, keep_going, batch;
	int json;			/* --json: JSON lines on a terminal too */
	double max_cost;		/* < 0 = config run.max_cost */
	int progress;			/* enum progress_mode, -1 = config */
	int verbosity;			/* enum msg_level */
	const char *cmdline;		/* the arguments as typed, secrets masked; for runs.args */
	char *records;			/* JSON lines from flags (--title), read instead of stdin */
	char **inputs;			/* files ("-" = stdin); NULL = stdin */
	int ninputs;
	long *ids;			/* records to take from the workspace */
	size_t nids;
	int all;			/* --all / --queued / --pending */
	unsigned flags;			/* RUN_* switches of one program */
	/* Settings given as flags: "key=value" pairs applied last (owned). */
	char *sets[32];
	int nsets;
	/*
	 * Where the run's events go (events.h); NULL = the filters' own
	 * reporter on stderr (progress.h) in the --progress mode.
	 */
	ev_fn on_event;
	void *event_ctx;
};

enum {
	RUN_MORE = 1 << 0,		/* igny8-ideas --more */
	RUN_REBUILD = 1 << 1,		/* igny8-cluster --rebuild */
	RUN_EMIT_KEYWORDS = 1 << 2,	/* igny8-cluster --emit keywords */
	RUN_INSERT = 1 << 3,		/* igny8-image --insert */
	RUN_MODERATE = 1 << 4,		/* igny8-write --moderate */
	RUN_FORCE = 1 << 5,		/* igny8-cluster --force */
	RUN_RECREATE = 1 << 6		/* igny8-publish --recreate */
};

enum { INIT_RUN = 0, INIT_DONE = 1, INIT_TAKEN = 2 };

struct fn_ops {
	const char *name;	/* function: config functions.<name>.*, prompts, ai_log */
	const char *prompt;	/* the prompt --prompt replaces; NULL = name */
	const char *input_type;	/* record type taken by id ("cluster", "task") */
	const char *const *accepts;	/* record types accepted on stdin, NULL-terminated */
	/* SQL selecting the ids for --all (one column). */
	const char *select_all;
	/* The member of an input_type record a line of plain text fills
	 * ("title": a line is a task's title); NULL = JSON lines only. */
	const char *plain_field;
	/*
	 * INIT, main thread: check a record and prepare the job.  Return
	 * INIT_RUN to run the job, INIT_DONE when nothing is left to do
	 * (records to re-emit may have been added with job_emit), INIT_TAKEN
	 * when the function keeps the record for later jobs of its own (the
	 * record is not counted as one), -1 for a bad record (err set).
	 */
	int (*init)(struct run *run, struct job *job, const cJSON *rec,
		    struct ig_err *err);
	/*
	 * INIT of a function that only collects its input (and would return
	 * INIT_TAKEN): no job is made for the record.  0, or -1 for a bad
	 * record (err set).  NULL = init.
	 */
	int (*collect)(struct run *run, const cJSON *rec, struct ig_err *err);
	/*
	 * --all, on the writer thread, in place of an INIT for each id that
	 * select_all gives: for a function whose INIT only collects its
	 * input (INIT_TAKEN), one query instead of a record and a job per
	 * row, which were most of the input time of a million keywords.
	 * NULL = one INIT each.
	 */
	int (*take_all)(struct run *run, struct ig_err *err);
	/* PREP..SAVE, in a worker thread.  0 done, -1 failed (err set). */
	int (*work)(struct worker *w, struct job *job, struct ig_err *err);
	/*
	 * Main thread, after the last input record while the pool still runs:
	 * may queue jobs (run_new_job + run_submit) that need all the input,
	 * such as batches of keywords.  NULL = nothing to do.
	 */
	int (*input_end)(struct run *run, struct ig_err *err);
	/* Called on the main thread after all input and jobs are done. */
	int (*finish)(struct run *run, struct worker *w, struct ig_err *err);
	void (*free)(void *data);
	/* Called with the job's error when work failed (e.g. mark a task failed). */
	void (*failed)(struct worker *w, struct job *job, const struct ig_err *err);
};

/* Monotonic seconds, for durations. */
double engine_now(void);

/* Runs a whole filter program; returns the exit status. */
int engine_main(const struct fn_ops *fn, struct run_opts *o);

/* Run-level accessors. */
const struct config *run_config(const struct run *run);
struct config *run_config_mut(struct run *run);
struct ws *run_ws(struct run *run);
long run_id(const struct run *run);
const struct run_opts *run_opts(const struct run *run);
const char *run_function(const struct run *run);
atomic_int *run_cancel(struct run *run);
struct progress *run_progress(struct run *run);
/* Function state for the whole run (freed by the function's finish). */
void run_set_data(struct run *run, void *data);
void *run_data(struct run *run);
/* Queues another job (from init or finish); the engine owns it. */
struct job *run_new_job(struct run *run, const char *ref);
int run_submit(struct run *run, struct job *job);
/* Writes a record to stdout now (from finish, main thread). */
int run_emit(struct run *run, cJSON *rec, struct ig_err *err);
/*
 * Frees the run data with free_fn when the run ends, whether or not finish
 * ran (bad input, an interrupt); for state that finish cannot always free.
 */
void run_set_data_free(struct run *run, void (*free_fn)(void *));
/* The provider for a function's chat calls (functions.<fn>.provider). */
struct provider *run_provider(struct run *run, const char *fn,
			      struct ig_err *err);
/* The provider called `name` (image.provider), shared like run_provider's. */
struct provider *run_provider_named(struct run *run, const char *name,
				    struct ig_err *err);
/* Hands an event to the run's reporter (events.h); any thread. */
void run_report(struct run *run, const struct ev *ev);
/* A message event at level, if the verbosity lets it through. */
void run_msg(struct run *run, enum ev_level level, const char *fmt, ...)
	IG_PRINTF(3, 4);
/* Adds a --dry-run estimate of a call not made through ai_chat. */
void run_add_estimate(struct run *run, double usd);

/* Job accessors. */
void job_set_data(struct job *job, void *data);
void *job_data(struct job *job);
const char *job_ref(const struct job *job);
void job_set_ref(struct job *job, const char *fmt, ...) IG_PRINTF(2, 3);
/* Takes ownership of rec; written when the job is done. */
void job_emit(struct job *job, cJSON *rec);
/* Marks the start of a phase (ends the previous step). */
void job_phase(struct job *job, enum phase ph);
/* Notes a step detail ("cache hit", "repair attempt"). */
void job_note(struct job *job, const char *fmt, ...) IG_PRINTF(2, 3);
/* The job's steps so far as a JSON array (caller frees). */
cJSON *job_steps(const struct job *job);
void job_add_log_id(struct job *job, long id);
struct run *job_run(struct job *job);

/*
 * The prompt of a function for this run (prompt_resolve() with the run's
 * --prompt), resolved once per run and shared; a record's own override is
 * resolved each time.  Release it with prompt_free().
 */
struct prompt;
struct prompt *worker_prompt(struct worker *w, const char *fn,
			     const char *override, struct ig_err *err);

/* Worker accessors. */
struct ws *worker_ws(struct worker *w);
struct run *worker_run(struct worker *w);
/* This worker's HTTP client for a provider (created on first use). */
struct http_client *worker_client(struct worker *w, struct provider *p);
/*
 * This worker's HTTP client for a site that is not a model provider (a
 * WordPress site): base's timeouts and retries with the worker's cancel,
 * retry, debug and idle hooks; created on first use, one per worker.
 */
struct http_opts;
struct http_client *worker_site_client(struct worker *w,
				       const struct http_opts *base);
void worker_set_job(struct worker *w, struct job *job);
/*
 * Workspace writes of a worker, as a unit: fn runs on the run's write
 * connection with arg, inside a savepoint (a failing fn rolls back alone),
 * and worker_save() returns fn's result once the transaction holding it is
 * committed, or -1 with err when fn, the BEGIN or the COMMIT failed.  fn
 * may read what it writes; it must not wait on the network.
 */
typedef int (*save_fn)(struct ws *ws, void *arg, struct ig_err *err);
int worker_save(struct worker *w, save_fn fn, void *arg, struct ig_err *err);
/*
 * worker_save() for what was paid for (an answer for the cache): when the
 * transaction holding it could not be committed (a full disk), it is
 * tried again in the next ones, twice, before it fails, so that a rerun
 * once there is room does not pay for it again.
 */
int worker_keep(struct worker *w, save_fn fn, void *arg, struct ig_err *err);

#endif
