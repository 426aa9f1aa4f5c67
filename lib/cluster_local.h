/*
 * cluster_local.h: offline, deterministic keyword clustering
 * (igny8-cluster --method local).
 *
 * Keywords become TF-IDF vectors over stemmed words and character trigrams;
 * similarity is a blend of word and trigram cosine.  Candidate neighbours
 * come from an inverted index over words and word pairs, scanning a bounded
 * window of each posting list so the cost stays near-linear; clusters are
 * the communities of that neighbour graph by modularity (Louvain), or, on
 * request, average-link merges while at least the threshold.  See
 * cluster_local.c for the design note and bench/quality/RESULTS.md for the
 * measurements.
 *
 * Ownership: cl_local_run() copies nothing it keeps from its inputs; the
 * result belongs to the caller and is released with cl_result_free().
 */
#ifndef IG_CLUSTER_LOCAL_H
#define IG_CLUSTER_LOCAL_H

#include "compat.h"

#include <stddef.h>

#include "err.h"
#include "cl_result.h"

enum cl_local_link {
	CL_LINK_COMMUNITY,	/* default: communities of graphs of 1,000 nodes
				   and more, average link below */
	CL_LINK_AVERAGE		/* average link: merge while >= threshold */
};

struct cl_local_opts {
	double threshold;	/* in (0,1]; 0 = default.  Average link merges
				   at it; the graph keeps edges >= half of it */
	unsigned threads;	/* 0 = number of CPUs, capped at 8 */
	size_t min_size;	/* new clusters smaller than this are dissolved to
				   unclustered; 0 = default (2) */
	int link;		/* enum cl_local_link */
};

/*
 * Clusters n keywords (UTF-8, already trimmed; normalised internally).
 * volumes: NULL or n search volumes, negative (or NaN) = unknown.
 * fixed: NULL, or n values: -1 = free keyword, k >= 0 = already in existing
 * cluster k (k < nfixed_clusters).  Existing clusters keep their index and
 * never merge with each other; free keywords join one when similar enough,
 * else form new clusters numbered from nfixed_clusters upward (largest
 * first), or stay unclustered (-1).  opts may be NULL for the defaults.
 * Returns 0 and sets *out, or -1 with err filled (IG_EDATA for a bad fixed
 * value or threshold, IG_ESOFTWARE for out of memory).
 * The partition depends only on the multiset of (keyword, fixed) pairs, not
 * on input order or thread count; see cluster_local.c for tie rules.
 * A cluster's representative is the member with the highest known volume;
 * without volumes, the most central member (highest summed similarity to
 * the rest of its cluster), then the shortest.
 */
int cl_local_run(const char *const *keywords, const double *volumes,
    const long *fixed, size_t nfixed_clusters, size_t n,
    const struct cl_local_opts *opts, struct cl_result **out,
    struct ig_err *err);

/* The threshold used when opts->threshold is 0. */
double cl_local_default_threshold(void);

#endif
