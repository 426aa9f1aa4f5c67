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
	uint32_t sorted;	/* e[0..sorted) is in target order */
};

struct scratch {
	struct edge *v;		/* changed entries, then the merged row */
	size_t cap;
};

struct merge {
	struct cl_work *w;
	struct row *row;
	uint32_t *par;		/* cluster a merged cluster went into, else itself */
	double *size;		/* keywords per live cluster */
	long *label;		/* existing cluster, or -1 */
	uint32_t *best;		/* best neighbour, CL_NONE if none */
	double *bestv;		/* its average similarity */
	uint32_t *joined;	/* this round's merges: survivor, merged pairs */
	uint32_t *dirty;	/* clusters whose row changed this round */
	size_t ndirty;
	uint8_t *mark;		/* in next round's dirty list */
	uint8_t *dead;		/* no neighbour at or above the threshold */
	uint32_t *next;
	size_t nnext;
	struct scratch *scr;	/* per worker */
	int oom;		/* a worker ran out of memory */
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

/* Sorts by target: insertion sort for short runs, else quicksort (median of
 * three) -- glibc's qsort would allocate for its merge sort. */
static void
sort_edges(struct edge *e, size_t n)
{
	size_t i, j, lo, hi;
	struct edge x, p;

	while (n > 24) {
		x = e[n / 2];
		if (e[0].to > x.to)
			x = e[0].to > e[n - 1].to ? (e[n - 1].to > x.to ? e[n - 1] : x) : e[0];
		else if (x.to > e[n - 1].to)
			x = e[0].to > e[n - 1].to ? e[0] : e[n - 1];
		lo = 0;
		hi = n - 1;
		for (;;) {
			while (e[lo].to < x.to)
				lo++;
			while (e[hi].to > x.to)
				hi--;
			if (lo >= hi)
				break;
			p = e[lo];
			e[lo++] = e[hi];
			e[hi--] = p;
		}
		/* recurse into the smaller side, loop on the larger */
		if (hi + 1 < n - hi - 1) {
			sort_edges(e, hi + 1);
			e += hi + 1;
			n -= hi + 1;
		} else {
			sort_edges(e + hi + 1, n - hi - 1);
			n = hi + 1;
		}
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

/* The live cluster x went into (no path compression: workers share par). */
static uint32_t
root_of(const struct merge *m, uint32_t x)
{
	while (m->par[x] != x)
		x = m->par[x];
	return x;
}

/*
 * Where row c's entry x points now, or CL_NONE if it is to be dropped.
 * Edges to dead clusters go: a dead cluster's best average is below the
 * threshold, and as a merged cluster's average to it is a weighted mean of
 * its parts' averages, nothing can ever reach the threshold with it.
 */
static uint32_t
target(const struct merge *m, uint32_t c, uint32_t to)
{
	to = root_of(m, to);
	if (to == c || m->dead[to] || (m->label[c] >= 0 && m->label[to] >= 0))
		return CL_NONE;
	return to;
}

/* Appends x to the merged row v, summing it into a same-target last entry. */
static void
put(struct edge *v, size_t *n, struct edge x)
{
	if (*n > 0 && v[*n - 1].to == x.to)
		v[*n - 1].s += x.s;
	else
		v[(*n)++] = x;
}

/*
 * Brings row c up to date: targets mapped to live clusters, self and
 * label-label edges dropped, repeats summed (they are distinct member
 * pairs).  The still-valid sorted prefix is merged with the sorted rest,
 * so a row costs its length plus a sort of what changed.
 */
static int
update_row(struct merge *m, struct scratch *sc, uint32_t c)
{
	struct row *r = &m->row[c];
	struct edge *v, x;
	size_t i, k = 0, nc = 0, out = 0, b, end, need = (size_t)r->len * 2;
	uint32_t to;

	if (sc->cap < need) {
		v = realloc(sc->v, need * sizeof *v);
		if (!v)
			return -1;
		sc->v = v;
		sc->cap = need;
	}
	v = sc->v;
	/* kept prefix entries compact in place; the rest go to v[len..] */
	for (i = 0; i < r->len; i++) {
		to = target(m, c, r->e[i].to);
		if (to == CL_NONE)
			continue;
		x.to = to;
		x.s = r->e[i].s;
		if (i < r->sorted && to == r->e[i].to)
			r->e[k++] = x;
		else
			v[r->len + nc++] = x;
	}
	sort_edges(v + r->len, nc);
	/* merge into v[0..): never overtakes the unread part at v[b..] */
	for (i = 0, b = r->len, end = r->len + nc; i < k || b < end;) {
		if (b == end || (i < k && r->e[i].to <= v[b].to))
			put(v, &out, r->e[i++]);
		else
			put(v, &out, v[b++]);
	}
	if (out > 0)
		memcpy(r->e, v, out * sizeof *v);
	r->len = r->sorted = (uint32_t)out;
	return 0;
}

/* Updates row c, then finds its best neighbour by average similarity. */
static void
refresh(struct merge *m, struct scratch *sc, uint32_t c)
{
	struct row *r = &m->row[c];
	uint32_t i, to, best = CL_NONE;
	double v, bv = 0;
	uint64_t bp = 0, p;

	if (update_row(m, sc, c) < 0) {
		m->oom = 1;
		return;
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

	for (; lo < hi; lo++)
		refresh(m, &m->scr[worker], m->dirty[lo]);
}

static void
mark(struct merge *m, uint32_t c)
{
	if (m->mark[c] || m->par[c] != c || m->dead[c])
		return;
	m->mark[c] = 1;
	m->next[m->nnext++] = c;
}

/*
 * Merges clusters a and b into the larger (on equal sizes the lower
 * number), so that chains of merged names stay short; returns the survivor,
 * or CL_NONE when out of memory.
 */
static uint32_t
join(struct merge *m, uint32_t a, uint32_t b)
{
	struct row *ra, *rb, t;
	uint32_t i, x;

	if (m->size[b] > m->size[a] || (m->size[b] == m->size[a] && b < a)) {
		x = a;
		a = b;
		b = x;
	}
	ra = &m->row[a];
	rb = &m->row[b];
	/* the longer row stays in place and stays sorted; the shorter is appended */
	if (rb->len > ra->len) {
		t = *ra;
		*ra = *rb;
		*rb = t;
	}
	m->par[b] = a;
	m->size[a] += m->size[b];
	if (m->label[b] >= 0)
		m->label[a] = m->label[b];
	for (i = 0; i < rb->len; i++)
		if (row_add(ra, rb->e[i].to, rb->e[i].s) < 0)
			return CL_NONE;
	free(rb->e);
	memset(rb, 0, sizeof *rb);
	return a;
}

/*
 * After a and b merged into a: a must look again, and so must every
 * neighbour whose best was a or b.  Other neighbours keep their best: their
 * average to the merged cluster is a weighted mean of two values no higher
 * than it.  Their rows still name b and are remapped when next refreshed.
 */
static void
mark_after(struct merge *m, uint32_t a, uint32_t b)
{
	uint32_t i, y;

	mark(m, a);
	for (i = 0; i < m->row[a].len; i++) {
		y = root_of(m, m->row[a].e[i].to);
		if (m->best[y] == a || m->best[y] == b)
			mark(m, y);
	}
}

/* One round's merges: every dirty cluster in a reciprocal best pair >= t. */
static int
merge_pairs(struct merge *m)
{
	size_t i, nj = 0;
	uint32_t a, b;

	m->nnext = 0;
	/* first, so that no later row keeps edges to these */
	for (i = 0; i < m->ndirty; i++) {
		a = m->dirty[i];
		m->dead[a] = m->best[a] == CL_NONE || m->bestv[a] < m->w->t;
	}
	for (i = 0; i < m->ndirty; i++) {
		a = m->dirty[i];
		b = m->best[a];
		if (b == CL_NONE || m->bestv[a] < m->w->t || m->best[b] != a)
			continue;
		if (m->par[a] != a || m->par[b] != b)
			continue;	/* pair already joined from b's side */
		m->joined[2 * nj] = join(m, a, b);
		if (m->joined[2 * nj] == CL_NONE)
			return -1;
		m->joined[2 * nj + 1] = m->joined[2 * nj] == a ? b : a;
		nj++;
	}
	/* after all joins, so that marks see final parents */
	for (i = 0; i < nj; i++)
		mark_after(m, m->joined[2 * i], m->joined[2 * i + 1]);
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
		r->len = r->sorted = d;
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
		else if ((first[l] = join(m, first[l], k)) == CL_NONE)
			rc = -1;
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
	for (k = 0; m->scr && k < m->w->nthreads; k++)
		free(m->scr[k].v);
	free(m->scr);
	free(m->size);
	free(m->label);
	free(m->best);
	free(m->bestv);
	free(m->dirty);
	free(m->joined);
	free(m->mark);
	free(m->dead);
	free(m->next);
}

static int
setup(struct merge *m, struct cl_work *w)
{
	size_t k, n = w->nnodes + 1;

	memset(m, 0, sizeof *m);
	m->w = w;
	m->row = calloc(n, sizeof *m->row);
	m->scr = calloc(w->nthreads, sizeof *m->scr);
	m->par = w->root;
	m->size = malloc(n * sizeof *m->size);
	m->label = malloc(n * sizeof *m->label);
	m->best = malloc(n * sizeof *m->best);
	m->bestv = malloc(n * sizeof *m->bestv);
	m->dirty = malloc(n * sizeof *m->dirty);
	m->joined = malloc(n * sizeof *m->joined);
	m->mark = calloc(n, 1);
	m->dead = calloc(n, 1);
	m->next = malloc(n * sizeof *m->next);
	if (!m->row || !m->scr || !m->size || !m->label || !m->best || !m->bestv ||
	    !m->dirty || !m->joined || !m->mark || !m->dead || !m->next)
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
		if (m.oom)
			goto out;
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
	rc = w->tune.linkage == CL_LOUVAIN && w->nnodes >= w->tune.small ?
	    cl_comm(w) :
	    w->tune.linkage == CL_SINGLE ? single_link(w) : average_link(w);
	for (k = 0; rc == 0 && k < w->nnodes; k++)
		find(w->root, (uint32_t)k);
	return rc;
}
