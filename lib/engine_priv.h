/* engine_priv.h: the run, worker and job structs, shared by engine.c and ai.c. */
#ifndef IG_ENGINE_PRIV_H
#define IG_ENGINE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "engine.h"
#include "workspace.h"

enum job_state { JOB_PENDING, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_SKIPPED };

struct job {
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
	struct ig_err db_err;	/* a workspace commit failed during the job */
	long dirty_gen;		/* transaction holding its latest writes, 0 none */
	struct job *next;
};

struct provider_slot {
	char *name;
	struct provider *p;
};

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
	 * thread that can act on it: a new job one worker, a finished job the
	 * writer, a written one the reader held back by the window.
	 */
	pthread_cond_t work_cv, done_cv, space_cv;
	/*
	 * The workspace connection is shared by every thread of the run, which
	 * keeps one page cache warm instead of one per worker, each emptied
	 * whenever another worker commits.  A thread holds db_lock while it
	 * uses the connection: workers from taking a job until it is done,
	 * letting go while they wait on the network (see worker_idle).  The
	 * transaction is handed from holder to holder while others wait, and
	 * committed by the first holder that leaves nobody waiting (group
	 * commit, see run_db_unlock); txn_gen numbers the open transaction.
	 */
	pthread_mutex_t db_lock;
	int db_waiting;			/* threads blocked on db_lock (atomic) */
	long gen_seq, txn_gen;		/* under db_lock */
	double txn_start;		/* under db_lock */
	long committed;			/* last transaction committed (under lock) */
	long failed[16];		/* those whose commit failed (under lock); */
	int nfailed;			/* a run stops at the first, so few follow */
	struct ig_err commit_err;	/* why the last one failed (under lock) */
	pthread_cond_t commit_cv;	/* signalled when a transaction ends */
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
	 * written, first_fail and the write_* fields belong to the writer
	 * thread (then to the main thread once it has joined the writer);
	 * spend, tokens, reserved and est_cost are shared under lock.
	 */
	struct ws_run_totals t;
	long submitted;			/* jobs whose request is in a batch */
	double reserved, max_cost, est_cost;
	int first_fail;			/* exit class of the first failed job */
	long written;			/* records written to stdout */
	int write_failed;
	struct ig_err write_err;
	int input_bad;			/* main thread: a bad record was skipped */
	int summary_due;		/* the settings were read: a summary ends the run */
};

struct worker {
	struct run *run;
	struct ws *ws;
	struct job *job;		/* the job being worked on */
	struct {
		struct provider *p;
		struct http_client *c;
	} clients[8];
	size_t nclients;
	struct http_client *site;	/* worker_site_client() */
	int pooled;			/* a pool thread: holds db_lock while busy */
	pthread_t thread;
};

void job_free(struct job *job);
void engine_enqueue(struct run *run, struct job *job);
void *worker_main(void *w);	/* takes pending jobs until input is done */
void *writer_main(void *run);	/* writes finished jobs in order */
void worker_release(struct worker *w);
/*
 * db_lock and a workspace session: run_db_lock() takes both (-1 when the
 * transaction cannot begin); run_db_unlock() notes what job (may be NULL)
 * wrote, then commits or hands the transaction on; run_db_durable(), by a
 * holder, returns once what job wrote is committed.
 */
int run_db_lock(struct run *run, struct ig_err *err);
int run_db_unlock(struct run *run, struct job *job, struct ig_err *err);
int run_db_durable(struct run *run, struct job *job, struct ig_err *err);
/*
 * For a holder taking record after record with no wait between them (ids,
 * a regular file): notes what job wrote and returns 1 when it may keep
 * the lock for the next, as long as no other thread waits for it and the
 * transaction is younger than a handover may be; else it should unlock.
 */
int run_db_keep(struct run *run, struct job *job);
extern atomic_int engine_cancel;

#endif
