/*
 * cl_merge.c: average-link agglomeration over the sparse neighbour graph.
 *
 * The similarity of two clusters is the summed similarity of their member
 * pairs over the product of their sizes, edges missing from the graph
 * counting as zero.  Merging runs in rounds (reciprocal agglomerative
 * clustering): every cluster whose row changed finds its best neighbour,
 * and each pair of clusters that are each other's best, at or above the
 * threshold, merges.  Average link is reducible, so this yields the same
 * tree as merging one best pair at a time, while whole rounds parallelise
 * and only rows next to a merge are touched.  Ties go to a hash of the pair
 * of node numbers, which pairs up equal-similarity groups quickly and does
 * not depend on input order.  Existing clusters (labels) never merge with
 * each other: edges between two of them are dropped.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "cluster_local_priv.h"
#include "par.h"

/*
 * Similarities are summed as integers (units of 2^-20), so a sum is the same
 * whatever the order of its terms: both ends of an edge see the same value,
 * which keeps "each other's best" exact and rounds always progressing.
 */
#define SIM_ONE 1048576.0

struct edge {
	uint32_t to;		/* a live cluster (named by one member node) */
	uint64_t s;		/* summed similarity of member pairs, fixed point */
};

struct row {
	struct edge *e;
	uint32_t len, cap;
};

struct merge {
	struct cl_work *w;
	struct row *row;
	uint32_t *par;		/* cluster a merged cluster went into, else itself */
	double *size;		/* keywords per live cluster */
	long *label;		/* existing cluster, or -1 */
	uint32_t *best;		/* best neighbour, CL_NONE if none */
	double *bestv;		/* its average similarity */
	uint32_t *joined;	/* survivors of this round's merges */
	uint32_t *dirty;	/* clusters whose row changed this round */
	size_t ndirty;
	uint8_t *mark;		/* in next round's dirty list */
	uint32_t *next;
	size_t nnext;
	int oom;
};

static int
row_add(struct row *r, uint32_t to, uint64_t s)
{
	struct edge *e;
	uint32_t cap;

	if (r->len == r->cap) {
		cap = r->cap ? r->cap * 2 : 4;
		e = realloc(r->e, cap * sizeof *e);
		if (!e)
			return -1;
		r->e = e;
		r->cap = cap;
	}
	r->e[r->len].to = to;
	r->e[r->len++].s = s;
	return 0;
}

static int
cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	return (x->to > y->to) - (x->to < y->to);
}

static void
sort_edges(struct edge *e, size_t n)
{
	size_t i, j;
	struct edge x;

	if (n > 24) {
		qsort(e, n, sizeof *e, cmp_edge);
		return;
	}
	for (i = 1; i < n; i++) {
		x = e[i];
		for (j = i; j > 0 && e[j - 1].to > x.to; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

/* Tie-break priority of a pair of clusters, symmetric in a and b. */
static uint64_t
pair_prio(uint32_t a, uint32_t b)
{
	uint64_t x = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;

	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	return x ^ (x >> 33);
}

/*
 * Maps row c's targets to live clusters, drops self and label-label edges,
 * sums repeats (sum: they are distinct member pairs), and finds the best.
 */
static void
refresh(struct merge *m, uint32_t c)
{
	struct row *r = &m->row[c];
	uint32_t i, d = 0, to, best = CL_NONE;
	double v, bv = 0;
	uint64_t bp = 0, p;

	for (i = 0; i < r->len; i++) {
		to = m->par[r->e[i].to];
		if (to == c || (m->label[c] >= 0 && m->label[to] >= 0))
			continue;
		r->e[d].to = to;
		r->e[d++].s = r->e[i].s;
	}
	sort_edges(r->e, d);
	r->len = 0;
	for (i = 0; i < d; i++) {
		if (r->len > 0 && r->e[r->len - 1].to == r->e[i].to)
			r->e[r->len - 1].s += r->e[i].s;
		else
			r->e[r->len++] = r->e[i];
	}
	for (i = 0; i < r->len; i++) {
		to = r->e[i].to;
		v = (double)r->e[i].s / (m->size[c] * m->size[to]) / SIM_ONE;
		if (best != CL_NONE && v < bv)
			continue;
		p = pair_prio(c, to);
		if (best == CL_NONE || v > bv || p > bp) {
			best = to;
			bv = v;
			bp = p;
		}
	}
	m->best[c] = best;
	m->bestv[c] = bv;
}

static void
refresh_range(void *p, unsigned worker, size_t lo, size_t hi)
{
	struct merge *m = p;

	(void)worker;
	for (; lo < hi; lo++)
		refresh(m, m->dirty[lo]);
}

static void
mark(struct merge *m, uint32_t c)
{
	if (m->mark[c] || m->par[c] != c)
		return;
	m->mark[c] = 1;
	m->next[m->nnext++] = c;
}

/* Merges cluster b into a; both rows' neighbours must look again. */
static int
join(struct merge *m, uint32_t a, uint32_t b)
{
	struct row *ra = &m->row[a], *rb = &m->row[b];
	uint32_t i;

	m->par[b] = a;
	m->size[a] += m->size[b];
	if (m->label[b] >= 0)
		m->label[a] = m->label[b];
	for (i = 0; i < rb->len; i++)
		if (row_add(ra, rb->e[i].to, rb->e[i].s) < 0)
			return -1;
	free(rb->e);
	memset(rb, 0, sizeof *rb);
	return 0;
}

static void
mark_rows(struct merge *m, uint32_t a)
{
	uint32_t i;

	mark(m, a);
	for (i = 0; i < m->row[a].len; i++)
		mark(m, m->par[m->row[a].e[i].to]);
}

/* One round's merges: every dirty cluster in a reciprocal best pair >= t. */
static int
merge_pairs(struct merge *m)
{
	size_t i;
	uint32_t a, b;
	size_t nj = 0;

	m->nnext = 0;
	for (i = 0; i < m->ndirty; i++) {
		a = m->dirty[i];
		b = m->best[a];
		if (b == CL_NONE || m->bestv[a] < m->w->t || m->best[b] != a)
			continue;
		if (m->par[a] != a || m->par[b] != b)
			continue;	/* pair already joined from b's side */
		if (a > b) {
			b = a;
			a = m->best[b];
		}
		if (join(m, a, b) < 0)
			return -1;
		m->joined[nj++] = a;
	}
	/* after all joins, so that marks see final parents */
	for (i = 0; i < nj; i++)
		mark_rows(m, m->joined[i]);
	return (int)(nj > 0);
}

/* Initial rows: each undirected edge once, scaled by both multiplicities. */
static int
build_rows(struct merge *m)
{
	struct cl_work *w = m->w;
	size_t k, i, kn = w->tune.knn;
	uint32_t j, d, q;
	struct row *r;
	uint64_t s;

	for (k = 0; k < w->nnodes; k++)
		for (i = 0; i < kn && w->nbr[k * kn + i] != CL_NONE; i++) {
			j = w->nbr[k * kn + i];
			s = (uint64_t)(w->nsim[k * kn + i] * SIM_ONE + 0.5) *
			    w->mult[k] * w->mult[j];
			if (row_add(&m->row[k], j, s) < 0 ||
			    row_add(&m->row[j], (uint32_t)k, s) < 0)
				return -1;
		}
	/* an edge found from both ends appears twice with the same value */
	for (k = 0; k < w->nnodes; k++) {
		r = &m->row[k];
		sort_edges(r->e, r->len);
		for (q = 0, d = 0; q < r->len; q++)
			if (d == 0 || r->e[d - 1].to != r->e[q].to)
				r->e[d++] = r->e[q];
		r->len = d;
	}
	return 0;
}

/* Existing clusters start whole: their nodes join the lowest-numbered one. */
static int
premerge(struct merge *m)
{
	struct cl_work *w = m->w;
	uint32_t *first, k;
	long l;
	int rc = 0;

	first = malloc((w->nfixed + 1) * sizeof *first);
	if (!first)
		return -1;
	for (l = 0; (size_t)l < w->nfixed; l++)
		first[l] = CL_NONE;
	for (k = 0; k < w->nnodes && rc == 0; k++) {
		l = w->nlabel[k];
		if (l < 0)
			continue;
		if (first[l] == CL_NONE)
			first[l] = k;
		else
			rc = join(m, first[l], k);
	}
	free(first);
	return rc;
}

static void
release(struct merge *m)
{
	size_t k;

	for (k = 0; m->row && k < m->w->nnodes; k++)
		free(m->row[k].e);
	free(m->row);
	free(m->size);
	free(m->label);
	free(m->best);
	free(m->bestv);
	free(m->dirty);
	free(m->joined);
	free(m->mark);
	free(m->next);
}

static int
setup(struct merge *m, struct cl_work *w)
{
	size_t k, n = w->nnodes + 1;

	memset(m, 0, sizeof *m);
	m->w = w;
	m->row = calloc(n, sizeof *m->row);
	m->par = w->root;
	m->size = malloc(n * sizeof *m->size);
	m->label = malloc(n * sizeof *m->label);
	m->best = malloc(n * sizeof *m->best);
	m->bestv = malloc(n * sizeof *m->bestv);
	m->dirty = malloc(n * sizeof *m->dirty);
	m->joined = malloc(n * sizeof *m->joined);
	m->mark = calloc(n, 1);
	m->next = malloc(n * sizeof *m->next);
	if (!m->row || !m->size || !m->label || !m->best || !m->bestv ||
	    !m->dirty || !m->joined || !m->mark || !m->next)
		return -1;
	for (k = 0; k < w->nnodes; k++) {
		m->par[k] = (uint32_t)k;
		m->size[k] = w->mult[k];
		m->label[k] = w->nlabel[k];
	}
	return 0;
}

static int
average_link(struct cl_work *w)
{
	struct merge m;
	size_t k;
	uint32_t *t;
	int rc = -1, more;

	if (setup(&m, w) < 0 || build_rows(&m) < 0 || premerge(&m) < 0)
		goto out;
	for (k = 0; k < w->nnodes; k++)
		if (m.par[k] == k)
			m.dirty[m.ndirty++] = (uint32_t)k;
	for (;;) {
		par_for(w->nthreads, m.ndirty, 256, refresh_range, &m);
		more = merge_pairs(&m);
		if (more < 0)
			goto out;
		if (!more)
			break;
		for (k = 0; k < m.nnext; k++)
			m.mark[m.next[k]] = 0;
		t = m.dirty;
		m.dirty = m.next;
		m.next = t;
		m.ndirty = m.nnext;
	}
	rc = 0;
out:
	release(&m);
	return rc;
}

static uint32_t
find(uint32_t *par, uint32_t x)
{
	uint32_t r = x, t;

	while (par[r] != r)
		r = par[r];
	while (par[x] != r) {
		t = par[x];
		par[x] = r;
		x = t;
	}
	return r;
}

struct sedge {
	float s;
	uint32_t a, b;
};

static int
cmp_sedge(const void *x, const void *y)
{
	const struct sedge *p = x, *q = y;

	if (p->s != q->s)
		return p->s < q->s ? 1 : -1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return (p->b > q->b) - (p->b < q->b);
}

/* Single link, for comparison: strongest edges first, labels kept apart. */
static int
single_link(struct cl_work *w)
{
	size_t k, i, ne = 0, kn = w->tune.knn;
	struct sedge *e = malloc((w->nnodes * kn + 1) * sizeof *e);
	long *label = malloc((w->nnodes + 1) * sizeof *label);
	uint32_t *first = malloc((w->nfixed + 1) * sizeof *first);
	uint32_t a, b;

	if (!e || !label || !first) {
		free(e);
		free(label);
		free(first);
		return -1;
	}
	for (k = 0; k < w->nfixed; k++)
		first[k] = CL_NONE;
	for (k = 0; k < w->nnodes; k++) {
		w->root[k] = (uint32_t)k;
		label[k] = w->nlabel[k];
		/* an existing cluster starts whole, named by its first node */
		if (label[k] >= 0 && first[label[k]] == CL_NONE)
			first[label[k]] = (uint32_t)k;
		else if (label[k] >= 0)
			w->root[k] = first[label[k]];
		for (i = 0; i < kn && w->nbr[k * kn + i] != CL_NONE; i++)
			if (w->nsim[k * kn + i] >= w->t)
				e[ne++] = (struct sedge){ w->nsim[k * kn + i],
				    (uint32_t)k, w->nbr[k * kn + i] };
	}
	qsort(e, ne, sizeof *e, cmp_sedge);
	for (i = 0; i < ne; i++) {
		a = find(w->root, e[i].a);
		b = find(w->root, e[i].b);
		if (a == b || (label[a] >= 0 && label[b] >= 0 &&
		    label[a] != label[b]))
			continue;
		if (a > b) {
			a ^= b;
			b ^= a;
			a ^= b;
		}
		w->root[b] = a;
		if (label[b] >= 0)
			label[a] = label[b];
	}
	free(e);
	free(label);
	free(first);
	return 0;
}

int
cl_merge(struct cl_work *w)
{
	size_t k;
	int rc;

	w->root = malloc((w->nnodes + 1) * sizeof *w->root);
	if (!w->root)
		return -1;
	rc = w->tune.linkage == CL_SINGLE ? single_link(w) : average_link(w);
	for (k = 0; rc == 0 && k < w->nnodes; k++)
		find(w->root, (uint32_t)k);
	return rc;
}
