/* engine_priv.h: the run, worker and job structs, shared by engine.c and ai.c. */
#ifndef IG_ENGINE_PRIV_H
#define IG_ENGINE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "engine.h"
#include "workspace.h"

/*
 * PENDING until a worker takes it (RUNNING) or the run stops (SKIPPED);
 * DONE or FAILED once, by the writer, after its last request (engine.c
 * job_settled).  INIT's outcome is settled by the writer too.
 */
enum job_state { JOB_PENDING, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_SKIPPED };

struct job {		/* run_new_job() sets each field: add new ones there */
	struct run *run;
	long seq;
	char ref[128];		/* "cluster:12", for messages and the log */
	void *data;
	cJSON *out;		/* records to write, an array */
	enum job_state state;
	struct ig_err err;
	cJSON *steps;		/* [{phase, status, ms, note}] */
	int phase;		/* current phase, -1 before INIT */
	double phase_start;
	long *log_ids;
	size_t nlog;
	int batched;		/* the request went into (or waits in) a batch */
	struct ig_err end_err;	/* done and saved, but its final steps were not */
	struct job *next;
};

/*
 * One unit of workspace work handed to the writer thread: fn runs there on
 * the write connection, within the writer's current transaction, and
 * settled() runs after that transaction ended (ok: committed), under the
 * run's lock.  A worker's worker_save() waits on cv for it; the main
 * thread's INIT and a job's end are not waited for.
 */
struct save_req {
	save_fn fn;
	void *arg;
	int unit;		/* in a savepoint of its own */
	int keep;		/* a paid answer: tried again when a commit failed */
	int bulk;		/* an INIT: may share a long transaction with INITs */
	void (*settled)(struct run *run, struct save_req *rq, int ok);
	pthread_cond_t *cv;	/* signalled when settled, or NULL */
	int done;		/* settled */
	int rc;			/* fn's result; -1 also when the commit failed */
	struct ig_err err;
	struct save_req *next;
};

struct provider_slot {
	char *name;
	struct provider *p;
};

struct init_req;

struct run {
	const struct fn_ops *fn;
	struct run_opts *opts;
	struct config *cfg;
	struct ws *ws;
	char *ws_path;
	long run_id;
	struct progress *progress;	/* the default reporter, or NULL */
	ev_fn on_event;			/* the reporter every event goes to */
	void *ev_ctx;
	void (*data_free)(void *);	/* run_set_data_free() */
	struct provider_slot providers[8];
	size_t nproviders;
	int jobs;			/* requests in flight at most */
	int nworkers;			/* threads: jobs and a few spare */
	void *data;			/* the function's run-level state */
	struct {
		const char *fn;
		struct prompt *p;
	} prompts[8];			/* resolved once per run, see worker_prompt */
	size_t nprompts;

	pthread_mutex_t lock;
	/*
	 * Each waiter has its own condition, so that a change wakes only the
	 * thread that can act on it: a new job one worker, a request or a
	 * settled job the writer, a written one the reader held back by the
	 * window (and each worker waits for its saves on its own).
	 */
	pthread_cond_t work_cv, done_cv, space_cv;
	/*
	 * The write connection belongs to the writer thread while the pool
	 * runs (before and after, to the main thread): every other thread
	 * hands it its writes as requests on this queue (FIFO, under lock)
	 * and reads through its own read-only connection.
	 */
	struct save_req *sq_head, *sq_tail;
	long inits;			/* INIT batches not yet settled (under lock) */
	long init_held;			/* input records held for INIT (under lock) */
	struct init_req *init_open;	/* the batch records join (under lock) */
	cJSON *init_trash;		/* collected records, chained, for the reader to free */
	int input_failed;		/* an INIT failed: no more (writer, under lock) */
	struct ig_err input_err;	/* its error (writer, read by main after) */
	pthread_cond_t main_cv;		/* the main thread's waits for the writer */
	struct job *head, *tail;	/* every job not yet written, in order */
	struct job *pending;		/* the first job not yet taken, or NULL */
	long next_seq, unwritten;
	int input_done;			/* no more jobs will be submitted */
	atomic_int stop;		/* budget or failed output: start nothing new */
	atomic_int budget_hit;		/* a call was refused for --max-cost */
	int fatal;			/* IG_ENOPERM reported (writer thread) */
	int said_refusal;		/* the refusal's message was printed (writer) */
	atomic_int refused;		/* a key or quota refused: send no more */

	/*
	 * Totals.  One owner each: t.done, t.failed, t.skipped, submitted,
	 * written, first_fail, commit_err and the write_* fields belong to the writer
	 * thread (then to the main thread once it has joined the writer);
	 * spend, tokens, reserved and est_cost are shared under lock.
	 */
	struct ws_run_totals t;
	long submitted;			/* jobs whose request is in a batch */
	double reserved, max_cost, est_cost;
	int first_fail;			/* exit class of the first failed job */
	struct ig_err commit_err;	/* the first transaction that failed */
	long written;			/* records written to stdout */
	int write_failed;
	struct ig_err write_err;
	int input_bad;			/* a bad record was skipped (under lock) */
	int summary_due;		/* the settings were read: a summary ends the run */
};

struct worker {
	struct run *run;
	struct ws *ws;			/* its read-only connection (worker_ws()) */
	struct job *job;		/* the job being worked on */
	struct {
		struct provider *p;
		struct http_client *c;
	} clients[8];
	size_t nclients;
	struct http_client *site;	/* worker_site_client() */
	int pooled;			/* a pool thread: saves through the writer */
	pthread_cond_t saved_cv;	/* its worker_save() waits here */
	pthread_t thread;
};

void job_free(struct job *job);
void engine_enqueue(struct run *run, struct job *job);
void *worker_main(void *w);	/* takes pending jobs until input is done */
void *writer_main(void *run);	/* writes finished jobs in order */
void worker_release(struct worker *w);
/*
 * Hands rq to the writer thread (any thread but the writer); with rq->cv
 * set, waits until it is settled.  Caller does not hold the lock.
 */
void run_request(struct run *run, struct save_req *rq);
/* Runs fn on the writer thread and waits for its transaction (main thread). */
int run_call(struct run *run, save_fn fn, void *arg, struct ig_err *err);
/*
 * INIT of one input record (main thread): hands rec's members (rec is
 * left empty) to the writer, in a batch with the records read while the
 * writer was busy.  There it makes the record's job (named where), runs
 * fn->init and queues the job once what INIT wrote is committed (or runs
 * fn->collect, with no job); a bad record is skipped there under
 * --keep-going.  -1 with err when an earlier
 * record's INIT failed: the input
 * stops there.  run_init_wait() waits until every record handed over is
 * settled, -1 with err the same way.
 */
int run_init_record(struct run *run, cJSON *rec, const char *where,
		    struct ig_err *err);
int run_init_wait(struct run *run, struct ig_err *err);
extern atomic_int engine_cancel;

#endif
