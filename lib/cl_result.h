/*
 * cl_result.h: a clustering of n keywords, as the offline methods
 * (cluster_local.c over words, cluster_vec.c over embeddings) return it.
 * Clusters 0..nfixed-1 are the existing ones passed in; new ones follow.
 * The result belongs to the caller: cl_result_free().
 */
#ifndef IG_CL_RESULT_H
#define IG_CL_RESULT_H

#include <stddef.h>

struct cl_result;

/* Number of clusters, existing plus new. */
size_t cl_result_nclusters(const struct cl_result *r);
/* Cluster of keyword i, or -1 for unclustered. */
long cl_result_cluster_of(const struct cl_result *r, size_t i);
/*
 * Index of the keyword that names cluster c (the method documents how it
 * chooses), or (size_t)-1 for an existing cluster left without a member.
 */
size_t cl_result_representative(const struct cl_result *r, size_t c);
/*
 * How central keyword i is in its cluster (higher is more central; the
 * scale is the method's), or 0 when the method does not say.
 */
double cl_result_centrality(const struct cl_result *r, size_t i);

/* Keywords in cluster c. */
size_t cl_result_size(const struct cl_result *r, size_t c);
void cl_result_free(struct cl_result *r);

#endif
