/*
 * cluster_vec.c: average-link clustering of unit vectors (see cluster_vec.h).
 *
 * Design note.  Every cluster keeps the sum S of its members' unit vectors,
 * so the average cosine of a vector u to cluster A is u.S_A / |A| and the
 * average link of A and B is S_A.S_B / (|A| |B|): exact, and O(dim) each.
 * A leader pass in a fixed order seeds the clusters in O(n k dim); up to
 * CV_PASSES reassignment passes undo the order's accidents; the merge pass
 * is classic agglomeration over the new clusters with a nearest-neighbour
 * cache and Lance-Williams updates of a k x k link matrix, skipped when k is
 * above CV_MERGE_MAX (the matrix would not fit; the leader pass has done
 * most of the work by then).  Ties break on the lower index, and indices
 * come from the sort order, never from input order.
 */
#include "compat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cl_result_priv.h"
#include "cluster_local_priv.h"
#include "cluster_vec.h"

#define CV_DEFAULT_THRESHOLD 0.5
#define CV_PASSES 5
#define CV_MERGE_MAX 4000
/*
 * From this many keywords on, clusters are the communities of the exact
 * CV_KNN-nearest-neighbour graph (edges of at least half the threshold),
 * found as for the local method (cl_comm.c), because average link caps
 * cluster size there too; see cluster_local.c's CL_SMALL_NODES.
 */
#define CV_COMMUNITY_MIN 1000
#define CV_KNN 20

/* Working state of one run. */
struct cv_work {
	const char *const *kw;
	const double *vol;
	size_t n, dim, nfixed;
	double t;
	double *u;		/* n unit vectors */
	double *sum;		/* cap cluster sums */
	size_t *count;		/* cap cluster sizes */
	size_t k, cap;		/* clusters so far, allocated */
	long *of;		/* per keyword */
	size_t *order;		/* free keywords in processing order */
	size_t nfree;
};

double
cl_vec_default_threshold(void)
{
	return CV_DEFAULT_THRESHOLD;
}

static double
dot(const double *a, const double *b, size_t dim)
{
	double s = 0;

	for (size_t i = 0; i < dim; i++)
		s += a[i] * b[i];
	return s;
}

static double
volume(const struct cv_work *w, size_t i)
{
	return w->vol && w->vol[i] >= 0 ? w->vol[i] : -1;
}

/* A free keyword's sort key: volume first, then bytes, then input index. */
struct cv_key {
	double vol;
	const char *kw;
	size_t i;
};

static int
cmp_key(const void *pa, const void *pb)
{
	const struct cv_key *a = pa, *b = pb;
	int c;

	if (a->vol != b->vol)
		return a->vol > b->vol ? -1 : 1;
	c = strcmp(a->kw, b->kw);
	if (c)
		return c;
	return (a->i > b->i) - (a->i < b->i);
}

static int
sort_free(struct cv_work *w)
{
	struct cv_key *k = malloc((w->nfree + 1) * sizeof *k);

	if (!k)
		return -1;
	for (size_t j = 0; j < w->nfree; j++) {
		k[j].i = w->order[j];
		k[j].vol = volume(w, k[j].i);
		k[j].kw = w->kw[k[j].i];
	}
	qsort(k, w->nfree, sizeof *k, cmp_key);
	for (size_t j = 0; j < w->nfree; j++)
		w->order[j] = k[j].i;
	free(k);
	return 0;
}

static int
grow(struct cv_work *w)
{
	size_t cap = w->cap ? w->cap * 2 : 16;
	double *s;
	size_t *c;

	if (w->k < w->cap)
		return 0;
	if (!(s = realloc(w->sum, cap * w->dim * sizeof *s)))
		return -1;
	w->sum = s;
	if (!(c = realloc(w->count, cap * sizeof *c)))
		return -1;
	w->count = c;
	w->cap = cap;
	return 0;
}

static void
add_to(struct cv_work *w, size_t i, size_t c, double sign)
{
	double *s = w->sum + c * w->dim, *u = w->u + i * w->dim;

	for (size_t d = 0; d < w->dim; d++)
		s[d] += sign * u[d];
	if (sign > 0) {
		w->count[c]++;
		w->of[i] = (long)c;
	} else {
		w->count[c]--;
		w->of[i] = -1;
	}
}

static long
new_cluster(struct cv_work *w)
{
	if (grow(w) < 0)
		return -1;
	memset(w->sum + w->k * w->dim, 0, w->dim * sizeof *w->sum);
	w->count[w->k] = 0;
	return (long)w->k++;
}

/* Best non-empty cluster for u other than `skip`, and its average cosine. */
static long
best_for(const struct cv_work *w, size_t i, long skip, double *score)
{
	const double *u = w->u + i * w->dim;
	long best = -1;

	*score = -2;
	for (size_t c = 0; c < w->k; c++) {
		double s;

		if ((long)c == skip || !w->count[c])
			continue;
		s = dot(u, w->sum + c * w->dim, w->dim) / (double)w->count[c];
		if (s > *score) {
			*score = s;
			best = (long)c;
		}
	}
	return best;
}

static int
leader_pass(struct cv_work *w)
{
	for (size_t j = 0; j < w->nfree; j++) {
		size_t i = w->order[j];
		double s;
		long c = best_for(w, i, -1, &s);

		if (c < 0 || s < w->t)
			c = new_cluster(w);
		if (c < 0)
			return -1;
		add_to(w, i, (size_t)c, 1);
	}
	return 0;
}

/* Moves free keywords to a clearly better cluster; true when one moved. */
static int
reassign_pass(struct cv_work *w)
{
	int moved = 0;

	for (size_t j = 0; j < w->nfree; j++) {
		size_t i = w->order[j], own = (size_t)w->of[i];
		double so = -2, sb;
		long b;

		add_to(w, i, own, -1);
		if (w->count[own])
			so = dot(w->u + i * w->dim, w->sum + own * w->dim, w->dim) /
			     (double)w->count[own];
		b = best_for(w, i, (long)own, &sb);
		if (b >= 0 && sb >= w->t && sb > so) {
			add_to(w, i, (size_t)b, 1);
			moved = 1;
		} else {
			add_to(w, i, own, 1);
		}
	}
	return moved;
}

static double
cv_link(const struct cv_work *w, size_t a, size_t b)
{
	return dot(w->sum + a * w->dim, w->sum + b * w->dim, w->dim) /
	       ((double)w->count[a] * (double)w->count[b]);
}

/* Two existing clusters never merge; nor do empty ones. */
static int
mergeable(const struct cv_work *w, size_t a, size_t b)
{
	return a != b && w->count[a] && w->count[b] &&
	       (a >= w->nfixed || b >= w->nfixed);
}

/* Row a's best partner into nn[a], nns[a]. */
static void
row_best(const struct cv_work *w, const double *m, size_t a, long *nn, double *nns)
{
	nn[a] = -1;
	nns[a] = -2;
	for (size_t b = 0; b < w->k; b++)
		if (mergeable(w, a, b) && m[a * w->k + b] > nns[a]) {
			nns[a] = m[a * w->k + b];
			nn[a] = (long)b;
		}
}

/* Folds cluster b into a, updating the link matrix (Lance-Williams). */
static void
fold(struct cv_work *w, double *m, size_t a, size_t b)
{
	double na = (double)w->count[a], nb = (double)w->count[b];
	double *sa = w->sum + a * w->dim, *sb = w->sum + b * w->dim;

	for (size_t c = 0; c < w->k; c++) {
		double l = (na * m[a * w->k + c] + nb * m[b * w->k + c]) / (na + nb);
		m[a * w->k + c] = m[c * w->k + a] = l;
	}
	for (size_t d = 0; d < w->dim; d++)
		sa[d] += sb[d];
	w->count[a] += w->count[b];
	w->count[b] = 0;
	for (size_t i = 0; i < w->n; i++)
		if (w->of[i] == (long)b)
			w->of[i] = (long)a;
}

static int
merge_pass(struct cv_work *w)
{
	size_t k = w->k;
	double *m, *nns;
	long *nn;

	if (k < 2 || k > CV_MERGE_MAX)
		return 0;
	m = malloc(k * k * sizeof *m);
	nns = malloc(k * sizeof *nns);
	nn = malloc(k * sizeof *nn);
	if (!m || !nns || !nn) {
		free(m), free(nns), free(nn);
		return -1;
	}
	for (size_t a = 0; a < k; a++)
		for (size_t b = a; b < k; b++)
			m[a * k + b] = m[b * k + a] = w->count[a] && w->count[b] ?
							  cv_link(w, a, b) : -2;
	for (size_t a = 0; a < k; a++)
		row_best(w, m, a, nn, nns);
	for (;;) {
		size_t a = 0, b;
		double best = -2;

		for (size_t c = 0; c < k; c++)
			if (nn[c] >= 0 && nns[c] > best) {
				best = nns[c];
				a = c;
			}
		if (best < w->t)
			break;
		b = (size_t)nn[a];
		/* Keep the existing cluster, else the lower index. */
		if (b < w->nfixed || (a >= w->nfixed && b < a)) {
			size_t x = a;
			a = b;
			b = x;
		}
		fold(w, m, a, b);
		for (size_t c = 0; c < k; c++)
			if (c == a || nn[c] == (long)a || nn[c] == (long)b || c == b)
				row_best(w, m, c, nn, nns);
			else if (mergeable(w, c, a) && m[c * k + a] > nns[c]) {
				nns[c] = m[c * k + a];
				nn[c] = (long)a;
			}
	}
	free(m), free(nns), free(nn);
	return 0;
}

/* The member naming cluster c (see cluster_vec.h for the rule). */
static size_t
pick_rep(const struct cv_work *w, size_t c)
{
	size_t best = (size_t)-1;
	double bv = 0, bs = 0, v, s;

	for (size_t i = 0; i < w->n; i++) {
		if (w->of[i] != (long)c)
			continue;
		v = volume(w, i);
		s = dot(w->u + i * w->dim, w->sum + c * w->dim, w->dim);
		if (best == (size_t)-1 || v > bv ||
		    (v == bv && (s > bs + 1e-12 ||
				 (fabs(s - bs) <= 1e-12 &&
				  (strlen(w->kw[i]) < strlen(w->kw[best]) ||
				   (strlen(w->kw[i]) == strlen(w->kw[best]) &&
				    strcmp(w->kw[i], w->kw[best]) < 0)))))) {
			best = i;
			bv = v;
			bs = s;
		}
	}
	return best;
}

struct cv_new {
	size_t c, size, rep;
	const char *name;
};

static int
cmp_new(const void *pa, const void *pb)
{
	const struct cv_new *a = pa, *b = pb;
	int c;

	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	c = strcmp(a->name, b->name);
	return c ? c : (a->c > b->c) - (a->c < b->c);
}

/* Dissolves small new clusters, numbers the rest, fills the result. */
static int
finish(struct cv_work *w, size_t min_size, struct cl_result *r)
{
	struct cv_new *nw = calloc(w->k + 1, sizeof *nw);
	long *map = malloc((w->k + 1) * sizeof *map);
	size_t nn = 0;

	if (!nw || !map) {
		free(nw), free(map);
		return -1;
	}
	for (size_t c = 0; c < w->k; c++)
		map[c] = c < w->nfixed ? (long)c : -1;
	for (size_t c = w->nfixed; c < w->k; c++)
		if (w->count[c] >= min_size) {
			nw[nn].c = c;
			nw[nn].size = w->count[c];
			nw[nn].rep = pick_rep(w, c);
			nw[nn].name = w->kw[nw[nn].rep];
			nn++;
		}
	qsort(nw, nn, sizeof *nw, cmp_new);
	for (size_t j = 0; j < nn; j++)
		map[nw[j].c] = (long)(w->nfixed + j);
	r->n = w->n;
	r->nclusters = w->nfixed + nn;
	r->cluster = malloc((w->n + 1) * sizeof *r->cluster);
	r->rep = malloc((r->nclusters + 1) * sizeof *r->rep);
	r->size = calloc(r->nclusters + 1, sizeof *r->size);
	if (!r->cluster || !r->rep || !r->size) {
		free(nw), free(map);
		return -1;
	}
	for (size_t i = 0; i < w->n; i++) {
		r->cluster[i] = w->of[i] < 0 ? -1 : map[w->of[i]];
		if (r->cluster[i] >= 0)
			r->size[r->cluster[i]]++;
	}
	for (size_t c = 0; c < w->nfixed; c++)
		r->rep[c] = pick_rep(w, c);
	for (size_t j = 0; j < nn; j++)
		r->rep[w->nfixed + j] = nw[j].rep;
	free(nw), free(map);
	return 0;
}

static int
setup(struct cv_work *w, const float *const *vecs, const long *fixed,
      struct ig_err *err)
{
	w->u = malloc((w->n * w->dim + 1) * sizeof *w->u);
	w->of = malloc((w->n + 1) * sizeof *w->of);
	w->order = malloc((w->n + 1) * sizeof *w->order);
	if (!w->u || !w->of || !w->order)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	for (size_t i = 0; i < w->n; i++) {
		double *u = w->u + i * w->dim, len;

		for (size_t d = 0; d < w->dim; d++)
			u[d] = vecs[i][d];
		if (!((len = sqrt(dot(u, u, w->dim))) > 0))
			return ig_err_set(err, IG_EDATA, "keyword '%s' has a zero vector",
					  w->kw[i]);
		for (size_t d = 0; d < w->dim; d++)
			u[d] /= len;
		w->of[i] = -1;
	}
	while (w->k < w->nfixed)
		if (new_cluster(w) < 0)
			return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	for (size_t i = 0; i < w->n; i++) {
		long f = fixed ? fixed[i] : -1;

		if (f < -1 || f >= (long)w->nfixed)
			return ig_err_set(err, IG_EDATA, "keyword %zu: fixed cluster %ld "
					  "out of range", i, f);
		if (f >= 0)
			add_to(w, i, (size_t)f, 1);
		else
			w->order[w->nfree++] = i;
	}
	if (sort_free(w) < 0)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	return 0;
}

static const struct cv_work *sort_w;

static int
cmp_kw(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = strcmp(sort_w->kw[a], sort_w->kw[b]);

	return c ? c : (a > b) - (a < b);
}

/* Node k's CV_KNN most similar others, at least floor, best first. */
static void
knn_of(const struct cv_work *w, const size_t *node, size_t k, double floor,
       uint32_t *nbr, float *nsim)
{
	const double *u = w->u + node[k] * w->dim;
	size_t j, m, len = 0;
	double s;

	for (j = 0; j < w->n; j++) {
		if (j == k || (s = dot(u, w->u + node[j] * w->dim, w->dim)) < floor)
			continue;
		if (len == CV_KNN && s <= nsim[len - 1])
			continue;	/* ties keep the lower node */
		m = len < CV_KNN ? len++ : len - 1;
		for (; m > 0 && nsim[m - 1] < s; m--) {
			nbr[m] = nbr[m - 1];
			nsim[m] = nsim[m - 1];
		}
		nbr[m] = (uint32_t)j;
		nsim[m] = (float)s;
	}
	for (; len < CV_KNN; len++)
		nbr[len] = CL_NONE;
}

/*
 * Communities of the neighbour graph.  Nodes are the keywords in byte
 * order, so neither input order nor anything else changes the result.
 */
static int
community_pass(struct cv_work *w)
{
	struct cl_work cw;
	size_t *node = malloc((w->n + 1) * sizeof *node), k;
	long *cid = malloc((w->n + 1) * sizeof *cid), c;
	int rc = -1;

	memset(&cw, 0, sizeof cw);
	cl_tune_default(&cw.tune);
	cw.tune.knn = CV_KNN;
	cw.nnodes = w->n;
	cw.nfixed = w->nfixed;
	cw.nbr = malloc((w->n * CV_KNN + 1) * sizeof *cw.nbr);
	cw.nsim = malloc((w->n * CV_KNN + 1) * sizeof *cw.nsim);
	cw.nlabel = malloc((w->n + 1) * sizeof *cw.nlabel);
	cw.root = malloc((w->n + 1) * sizeof *cw.root);
	if (!node || !cid || !cw.nbr || !cw.nsim || !cw.nlabel || !cw.root)
		goto out;
	for (k = 0; k < w->n; k++)
		node[k] = k;
	sort_w = w;
	qsort(node, w->n, sizeof *node, cmp_kw);
	for (k = 0; k < w->n; k++) {
		cw.nlabel[k] = w->of[node[k]];	/* fixed ones are placed */
		knn_of(w, node, k, w->t / 2, cw.nbr + k * CV_KNN, cw.nsim + k * CV_KNN);
	}
	if (cl_comm(&cw) < 0)
		goto out;
	/* a community takes its existing cluster's number, or a new one */
	for (k = 0; k < w->n; k++)
		cid[k] = -1;
	for (k = 0; k < w->n; k++)
		if (cw.nlabel[k] >= 0)
			cid[cw.root[k]] = cw.nlabel[k];
	for (k = 0; k < w->n; k++) {
		if (cw.nlabel[k] >= 0)
			continue;
		if ((c = cid[cw.root[k]]) < 0 && (c = cid[cw.root[k]] = new_cluster(w)) < 0)
			goto out;
		add_to(w, node[k], (size_t)c, 1);
	}
	rc = 0;
out:
	free(node);
	free(cid);
	free(cw.nbr);
	free(cw.nsim);
	free(cw.nlabel);
	free(cw.root);
	return rc;
}

static void
work_release(struct cv_work *w)
{
	free(w->u);
	free(w->sum);
	free(w->count);
	free(w->of);
	free(w->order);
}

int
cl_vec_run(const char *const *keywords, const float *const *vecs, size_t dim,
	   const double *volumes, const long *fixed, size_t nfixed_clusters,
	   size_t n, const struct cl_vec_opts *opts, struct cl_result **out,
	   struct ig_err *err)
{
	struct cv_work w = { keywords, volumes, n, dim, nfixed_clusters, 0 };
	struct cl_result *r;
	size_t min_size = opts && opts->min_size ? opts->min_size : 2;
	int rc = -1, pass = 0;

	*out = NULL;
	w.t = opts && opts->threshold > 0 ? opts->threshold : CV_DEFAULT_THRESHOLD;
	if (!(w.t > 0 && w.t <= 1))
		return ig_err_set(err, IG_EDATA, "threshold %g is not in (0,1]", w.t);
	if (!dim && n)
		return ig_err_set(err, IG_EDATA, "vectors have no dimensions");
	if (!(r = calloc(1, sizeof *r)))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if (setup(&w, vecs, fixed, err) < 0)
		goto out;
	if (n >= CV_COMMUNITY_MIN) {
		if (community_pass(&w) < 0)
			goto oom;
	} else {
		if (leader_pass(&w) < 0)
			goto oom;
		while (pass++ < CV_PASSES && reassign_pass(&w))
			;
		if (merge_pass(&w) < 0)
			goto oom;
	}
	if (finish(&w, min_size, r) < 0)
		goto oom;
	*out = r;
	r = NULL;
	rc = 0;
	goto out;
oom:
	ig_err_set(err, IG_ESOFTWARE, "out of memory");
out:
	cl_result_free(r);
	work_release(&w);
	return rc;
}
