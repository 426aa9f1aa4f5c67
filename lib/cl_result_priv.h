/* cl_result_priv.h: the fields of struct cl_result, for the methods that fill one. */
#ifndef IG_CL_RESULT_PRIV_H
#define IG_CL_RESULT_PRIV_H

#include "cl_result.h"

struct cl_result {
	size_t n;		/* keywords */
	size_t nclusters;	/* existing + new */
	long *cluster;		/* per keyword, -1 = unclustered */
	size_t *rep;		/* per cluster, (size_t)-1 when empty */
	size_t *size;		/* per cluster */
	double *cent;		/* per keyword, or NULL: centrality in its cluster */
};

#endif
