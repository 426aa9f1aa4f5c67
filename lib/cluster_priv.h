/*
 * cluster_priv.h: the state igny8-cluster hangs on its run, shared by
 * fn_cluster.c (input, saving, output, the local method), cluster_ai.c
 * (the ai method) and cluster_embed.c (the embed method).
 *
 * Life of a run: collect() upserts each input keyword and remembers it here;
 * input_end() picks the method, loads the existing clusters and queues the
 * method's jobs (AI batches, embedding requests); the jobs leave their
 * results here under `lock`; finish() turns them into groups, saves all
 * groups in one transaction and writes the records.
 */
#ifndef IG_CLUSTER_PRIV_H
#define IG_CLUSTER_PRIV_H

#include <pthread.h>

#include "compat.h"
#include "engine.h"

enum cl_method { CM_LOCAL, CM_AI, CM_EMBED };

/* A keyword of the input, or (fixed >= 0) a member of an existing cluster. */
struct cl_item {
	long id;		/* keywords.id */
	char *keyword, *norm, *sector, *intent;
	long volume;		/* -1 = unknown */
	long fixed;		/* index into cl_state.ex, -1 = to be clustered */
	float *vec;		/* embed: unit vector of cl_state.dim floats */
	int claimed;		/* ai: put in a group by the model */
	int pooled;		/* its strings live in cl_state.pool */
};

/* An existing cluster. */
struct cl_exist {
	long id;
	char *name, *norm;
};

/* A cluster to save: an existing one gaining members, or a new one. */
struct cl_group {
	long exist;		/* index into cl_state.ex, -1 = new */
	char *name, *norm, *description;
	size_t *member;		/* indexes into cl_state.item */
	size_t n, cap;
	int batch, order;	/* ai: where the model answered it */
};

struct cl_state {
	pthread_mutex_t lock;
	enum cl_method method;
	struct cl_item *in;	/* input keywords, in input order, unique */
	size_t nin, capin;
	long *in_id;		/* after the input: only their ids (in is freed) */
	char *pool;		/* the input items' strings, packed after the input */
	long *seen;		/* open-addressing set of their ids, 0 = empty */
	size_t capseen;
	struct cl_exist *ex;	/* existing clusters by id (none with --rebuild) */
	size_t nex;
	struct cl_item *item;	/* to cluster (fixed -1), then fixed members */
	size_t nitem, nwork, capitem;
	struct cl_group *raw;	/* ai: groups as the batches answered them */
	size_t nraw, capraw;
	int nbatch;
	int njobs, nok;		/* requests queued, and answered (under lock) */
	long dropped, invented;	/* ai: keywords the model left out / made up */
	size_t dim;		/* embed: vector length */
	char *embed_model;
	long data_version;	/* ws_data_version() as the input began */
};

/* Appends a member to a group; -1 on out of memory. */
int cl_group_add(struct cl_group *g, size_t item);
void cl_group_release(struct cl_group *g);

/* The ai method: queue batches (input_end) and reconcile them (finish). */
int cl_ai_start(struct run *run, struct cl_state *st, struct ig_err *err);
int cl_ai_groups(struct run *run, struct cl_state *st, struct cl_group **out,
		 size_t *n_out, struct ig_err *err);
int cl_ai_work(struct worker *w, struct job *job, struct ig_err *err);

/* The embed method: queue embedding requests and cluster the vectors. */
int cl_embed_start(struct run *run, struct cl_state *st, struct ig_err *err);
int cl_embed_groups(struct run *run, struct cl_state *st, struct cl_group **out,
		    size_t *n_out, struct ig_err *err);
int cl_embed_work(struct worker *w, struct job *job, struct ig_err *err);

/*
 * Groups from a partition: cluster c of nclusters (c < nex = existing).
 * A new group is named after rep[c] (the member with the highest volume)
 * when any member has a volume, else by its head term (cl_name.h) over its
 * members ordered by cent (per item, NULL = item order), falling back to
 * rep[c] when no phrase qualifies or another cluster has that name.
 * Members are ordered by volume, then centrality, then keyword.
 */
int cl_groups_from(struct cl_state *st, const long *cluster_of,
		   const size_t *rep, const double *cent, size_t nclusters,
		   struct cl_group **out, size_t *n_out, struct ig_err *err);

/* Job data of both methods: some items; one malloc, freed with free(). */
struct cl_job {
	int no;			/* batch number from 1 */
	size_t n;
	size_t idx[];		/* indexes into cl_state.item */
};

/* Queues a job of n items from idx (ref "batch:NO"). */
int cl_submit(struct run *run, int no, const size_t *idx, size_t n,
	      struct ig_err *err);

#endif
