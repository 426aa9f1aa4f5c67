/*
 * cluster_local_priv.h: internals shared by cluster_local.c (driver,
 * naming), cl_feat.c (vectors and neighbour graph) and cl_merge.c
 * (agglomeration), plus the tuning knobs the bench and quality scripts vary.
 * Not installed API: the knobs may change with the measurements.
 */
#ifndef IG_CLUSTER_LOCAL_PRIV_H
#define IG_CLUSTER_LOCAL_PRIV_H

#include "compat.h"

#include <stddef.h>
#include <stdint.h>

#include "cluster_local.h"

#define CL_NONE UINT32_MAX	/* empty neighbour slot / no cluster */

enum cl_linkage {
	CL_AVERAGE,		/* average link over the sparse graph */
	CL_SINGLE,		/* connected components of edges >= threshold */
	CL_LOUVAIN		/* modularity communities (cl_comm.c) */
};

struct cl_tune {
	double beta;		/* share of the char n-gram cosine in similarity */
	double stop_weight;	/* stopword weight relative to IDF; 0 drops them */
	unsigned ngram;		/* character n-gram length */
	unsigned knn;		/* neighbours kept per node */
	unsigned verify;	/* candidates whose exact similarity is computed */
	unsigned window;	/* postings scanned per candidate key */
	unsigned pairs;		/* rarest words combined pairwise into keys */
	double floor;		/* edges below floor * threshold are dropped */
	int linkage;		/* enum cl_linkage */
	size_t small;		/* Louvain: fewer nodes use average link */
	double gamma;		/* Louvain: resolution for sentence-like input,
				   or any input when adapt is 0 */
	int adapt;		/* Louvain: choose the resolution (cl_comm.c) */
	double sentence;	/* words per keyword from which gamma is used */
	double cliff;		/* coverage ratio that ends the resolution ladder */
	double gmax;		/* top of the resolution ladder */
	double wpow;		/* Louvain: edge weight = similarity ^ wpow */
	double *chosen;		/* NULL, or gets the resolution used (0: none) */
	double *times;		/* NULL, or CL_NPHASE seconds filled per phase */
};

/* Phases timed into cl_tune.times: tokenise, nodes, vectors, graph, merge, result. */
#define CL_NPHASE 6

/* Working state of one run; nodes are distinct normalised keywords. */
struct cl_work {
	/* inputs */
	size_t n;
	const char *const *kw;
	const double *vol;
	const long *fixed;
	size_t nfixed;
	double t;		/* threshold */
	unsigned nthreads;
	struct cl_tune tune;

	/* tokenisation: per keyword, sorted words joined by ' ' */
	char **bag;
	uint64_t *bag_hash;

	/* nodes, numbered in (bag, label) order */
	size_t nnodes;
	size_t *order;		/* keyword indices, grouped by node */
	size_t *nstart;		/* node k's keywords: order[nstart[k]..nstart[k+1]) */
	long *nlabel;		/* existing cluster of node k, or -1 */
	uint32_t *mult;		/* keywords in node k */

	/* vectors: node k's features fid/fw[foff[k]..foff[k]+nf[k]) */
	size_t *foff;
	uint32_t *nf;
	uint32_t *fid;
	float *fw;
	uint8_t *fword;		/* 1 = word feature (key candidate), 0 = n-gram */
	uint32_t nfeat;
	uint32_t *df;

	/* directed neighbour lists: knn slots per node, CL_NONE padded */
	uint32_t *nbr;
	float *nsim;

	/* agglomeration result: cluster id (a node number) of each node */
	uint32_t *root;
};

void cl_tune_default(struct cl_tune *tune);

/* cl_local_run() with explicit knobs (tune NULL = defaults). */
int cl_local_run_tuned(const char *const *keywords, const double *volumes,
    const long *fixed, size_t nfixed_clusters, size_t n,
    const struct cl_local_opts *opts, const struct cl_tune *tune,
    struct cl_result **out, struct ig_err *err);

/* Only the tokenising pass of a run, for the bench's baseline; 0 or -1. */
int cl_local_tokenize_only(const char *const *keywords, size_t n,
    unsigned threads, size_t *nwords_out);

/* cl_feat.c: builds fid/fw (needs bags and nodes), then nbr/nsim. */
int cl_feat_build(struct cl_work *w);
int cl_feat_graph(struct cl_work *w);

/* cl_merge.c: fills w->root from the neighbour graph. */
int cl_merge(struct cl_work *w);

/* cl_comm.c: fills w->root by Louvain communities of the graph. */
int cl_comm(struct cl_work *w);

/* 64-bit hash of len bytes, seeded so feature kinds don't collide. */
uint64_t cl_hash(const void *p, size_t len, uint64_t seed);

#endif
