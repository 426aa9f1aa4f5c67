/* cl_result.c: accessors of a clustering result (see cl_result.h). */
#include "compat.h"

#include <stdlib.h>

#include "cl_result_priv.h"

size_t
cl_result_nclusters(const struct cl_result *r)
{
	return r->nclusters;
}

long
cl_result_cluster_of(const struct cl_result *r, size_t i)
{
	return i < r->n ? r->cluster[i] : -1;
}

size_t
cl_result_representative(const struct cl_result *r, size_t c)
{
	return c < r->nclusters ? r->rep[c] : (size_t)-1;
}

double
cl_result_centrality(const struct cl_result *r, size_t i)
{
	return r->cent && i < r->n ? r->cent[i] : 0;
}

size_t
cl_result_size(const struct cl_result *r, size_t c)
{
	return c < r->nclusters ? r->size[c] : 0;
}

void
cl_result_free(struct cl_result *r)
{
	if (!r)
		return;
	free(r->cluster);
	free(r->rep);
	free(r->size);
	free(r->cent);
	free(r);
}
