/*
 * cl_reconcile.h: join the groups that many model requests returned into
 * one set of clusters (igny8-cluster --method ai).
 *
 * Each request's answer is a partition of its own keywords, and the
 * reconcile step keeps every one as a constraint: two groups of one
 * request never end in the same cluster, directly or through any chain of
 * merges.  Within that constraint groups join across requests when their
 * names say the same thing (cl_rec_key), then when each names the other in
 * its keywords (a synonym); each cluster takes the name most of its groups
 * used.  The rules and the measurements behind them are in cl_reconcile.c
 * and bench/quality/ai/RESULTS.md.
 *
 * Ownership: cl_rec copies every string it is given; names it returns
 * belong to it until cl_rec_free().
 */
#ifndef IG_CL_RECONCILE_H
#define IG_CL_RECONCILE_H

#include "compat.h"

#include <stddef.h>

#include "err.h"

struct cl_rec;

struct cl_rec *cl_rec_new(void);
void cl_rec_free(struct cl_rec *r);

/*
 * Adds a group named name that request `batch` (1, 2, ...) returned, or
 * with batch 0 an existing cluster: existing clusters keep their names and
 * never merge with each other.  volume is the summed search volume of its
 * keywords, negative when none is known.  Returns the group's index (0, 1,
 * ... in the order added), or -1 when out of memory.
 */
long cl_rec_group(struct cl_rec *r, int batch, const char *name, long volume);

/* Adds one of group g's keywords (used to compare groups); -1 on OOM. */
int cl_rec_keyword(struct cl_rec *r, long g, const char *keyword);

/*
 * Reconciles the groups added so far into clusters.  0, or -1 with err
 * (IG_ESOFTWARE: out of memory).  Deterministic: the same groups added in
 * the same order give the same clusters and names.
 */
int cl_rec_run(struct cl_rec *r, struct ig_err *err);

/* Number of clusters; they are numbered in the order of their first group. */
size_t cl_rec_nclusters(const struct cl_rec *r);
/* The cluster group g went into. */
size_t cl_rec_cluster_of(const struct cl_rec *r, size_t g);
/*
 * The group cluster c takes its name (and description) from: its existing
 * cluster if it has one, else the one whose name most groups used (by
 * summed volume when volumes are known).
 */
size_t cl_rec_namer(const struct cl_rec *r, size_t c);
/*
 * Cluster c's name: the namer's name, or when that spelling is already
 * another cluster's (in case and Unicode form), the next most used name of
 * c, else the namer's name with " 2", " 3", ... appended.
 */
const char *cl_rec_name(const struct cl_rec *r, size_t c);

/*
 * The name key two names must share to be one topic by name: the name's
 * words, normalised and stemmed as the local method does (tokenize.h),
 * without stopwords and generic words ("guide", "tips", "best", "for
 * beginners", "options", "all about", ...), sorted and joined by one
 * space.  A name of only such words keeps them.  Returns a malloc'd
 * string, or NULL when out of memory.
 */
char *cl_rec_key(const char *name);

#endif
