/*
 * cl_name.h: naming a cluster by its head term when volumes are unknown
 * (igny8-cluster's local and embed methods).
 *
 * Ownership: cl_name_head() hands its string to the caller, who frees it.
 */
#ifndef IG_CL_NAME_H
#define IG_CL_NAME_H

#include "compat.h"

#include <stddef.h>

#define CL_NAME_MAX_WORDS 4	/* a head term has at most this many words */
#define CL_NAME_MAX_BYTES 60	/* and at most this many bytes */

/*
 * The head term of a cluster whose members are kw[0..n), most central
 * first: among the phrases of 1 to CL_NAME_MAX_WORDS consecutive words
 * (stemmed for comparison, neither first nor last word a stopword) found
 * in more than half of the members and in at least two, the longest, then
 * the one in most members, then the first in byte order, written as most
 * members write it (normalised: lower case, no punctuation).  Only the
 * first 256 members are read.  Sets *name_out to that phrase, or to NULL
 * when no phrase qualifies; returns 0, or -1 on out of memory.
 */
int cl_name_head(const char *const *kw, size_t n, char **name_out);

/*
 * How central each of kw[0..n) is among the others, into score_out[0..n):
 * the average, over its content words (stemmed, stopwords left out), of
 * how many other members share the word.  "running shoes" scores above
 * "leather running shoes womens uk" in a cluster about running shoes.
 * Returns 0, or -1 on out of memory.
 */
int cl_name_centrality(const char *const *kw, size_t n, double *score_out);

#endif
