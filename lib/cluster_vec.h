/*
 * cluster_vec.h: deterministic clustering of embedding vectors
 * (igny8-cluster --method embed).
 *
 * Similarity is the cosine of two vectors; the similarity of a keyword to
 * a cluster, and of two clusters, is the average cosine over all pairs
 * (average link), computed exactly from each cluster's vector sum.  Free
 * keywords are taken in a fixed order (highest volume, then byte order of
 * the keyword) and join the most similar cluster when it is at least the
 * threshold, else lead a new one; a few reassignment passes then move
 * keywords to a better cluster, and new clusters merge, most similar pair
 * first, while their average link is at least the threshold.  Existing
 * (fixed) clusters never merge with each other and keep their members.
 *
 * Ownership: cl_vec_run() keeps nothing of its inputs; the result belongs
 * to the caller and is released with cl_result_free().
 */
#ifndef IG_CLUSTER_VEC_H
#define IG_CLUSTER_VEC_H

#include "compat.h"

#include <stddef.h>

#include "err.h"
#include "cl_result.h"

struct cl_vec_opts {
	double threshold;	/* average cosine in (0,1]; 0 = default */
	size_t min_size;	/* new clusters smaller are dissolved; 0 = 2 */
};

struct cl_result;			/* opaque result */

/*
 * Clusters n keywords given their vectors (vecs[i] has dim floats, any
 * length but not all zero).  keywords order ties, so the partition does not
 * depend on input order; volumes may be NULL (negative = unknown).  fixed
 * is NULL or n values as in cl_local_run(): -1 free, k < nfixed_clusters
 * already in existing cluster k.  New clusters are numbered from
 * nfixed_clusters, largest first, then by their representative's bytes.
 * Returns 0 with *out, or -1 with err (IG_EDATA bad argument,
 * IG_ESOFTWARE out of memory).
 */
int cl_vec_run(const char *const *keywords, const float *const *vecs,
	       size_t dim, const double *volumes, const long *fixed,
	       size_t nfixed_clusters, size_t n, const struct cl_vec_opts *opts,
	       struct cl_result **out, struct ig_err *err);

double cl_vec_default_threshold(void);
#endif
