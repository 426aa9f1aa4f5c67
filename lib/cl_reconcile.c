/*
 * cl_reconcile.c: reconcile the groups of many model requests.
 *
 * Design.  Groups are nodes of a union-find; each root keeps the set of
 * requests ("batches") its groups came from, and two roots merge only when
 * those sets are disjoint.  That one check keeps every request's partition
 * whatever merged before: groups one request separated can never meet,
 * not even through a chain of merges.  (The earlier pass kept only the
 * first batch's number after a merge and so let a request's own groups
 * meet again; see issue 22.)  Existing clusters are batch 0, so they never
 * merge with each other either.
 *
 * Joining, in two passes:
 *  1. By name.  Groups whose name keys (cl_rec_key: case, plural, word
 *     order, generic words) are equal join.  When one request returned two
 *     groups with one key ("Womens X", "X women"), each is a slot; the
 *     other requests' groups go to the compatible slot whose keywords are
 *     most alike (cosine below), then the one with more groups.
 *  2. By keywords, for names the key cannot see (a synonym: "Sneakers"
 *     beside "Running Shoes").  Two clusters join when they name each
 *     other: one's name is a keyword of the other (the same words: a
 *     request named its group "RN" and another put the keyword "RN" in
 *     "Registered Nurses"), or all words of one's name are in one keyword
 *     of the other ("norvik running shoes kids" in the cluster called
 *     "Norvik Sneakers for Kids") and all words of the other's name occur
 *     among the first's words.  Pairs that pass go best TF-IDF cosine
 *     of their words first, each checked again against the clusters as
 *     they have grown.  Keyword likeness alone was measured and dropped: at any
 *     cosine threshold it joined distinct topics of one brand or product
 *     (ARI 1.0 -> 0.95 with identical names; bench/quality/ai/RESULTS.md),
 *     the same failure that cost the earlier pass 0.3 ARI (issue 22).
 *
 * Naming: a cluster with an existing cluster keeps its name; otherwise the
 * name key with most weight wins, then the spelling of that key with most
 * weight, where a group weighs its keywords' summed volume when any volume
 * of the cluster is known, else 1 (one request, one vote); ties go to the
 * earlier group.  So a name twenty requests agreed on beats a one-keyword
 * group's narrower name, unless volumes say that keyword is searched more
 * than the twenty groups' keywords together.
 */
#include "compat.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cl_reconcile.h"
#include "keyword.h"
#include "strmap.h"
#include "tokenize.h"


/*
 * Words that do not change a group's topic, as models add them to names
 * ("Running Shoes Guide", "Best Running Shoes", "All About Running Shoes",
 * "Running Shoe Options").  Stemmed like the names before comparing.
 */
static const char generic_words[] =
	"all about basics beginner beginners best complete everything guide "
	"guides idea ideas info information intro introduction option options "
	"overview tip tips top ultimate";

struct vec {
	uint32_t *t;		/* term ids, ascending */
	double *w;		/* TF-IDF weights */
	size_t n;
	double norm;		/* Euclidean length of w */
};

struct grp {
	int batch;		/* request number; 0 = existing cluster */
	char *name, *key;
	long volume;		/* summed volume, < 0 unknown */
	uint32_t *tf;		/* term ids of its name's words, then of each
				   keyword's, each run ascending */
	size_t ntf, captf;
	size_t nname;		/* tf[0..nname) is the name */
	size_t *kend;		/* keyword i ends at tf[kend[i]] */
	size_t nkw, capkw;
	uint32_t *kid;		/* term ids of its key's words, ascending */
	size_t nkid;
};

/* What a union-find root knows about its cluster. */
struct root {
	int *batch;		/* its groups' requests, ascending, distinct */
	size_t nbatch;
	size_t ngroups;
	struct vec v;		/* summed vectors of its groups */
};

struct cl_rec {
	struct grp *g;
	size_t n, cap;
	char **term;		/* interned words */
	uint32_t *df;		/* groups using each word */
	size_t nterm, capterm;
	uint32_t *tab;		/* open addressing: term id + 1, 0 = empty */
	size_t captab;
	size_t *parent;
	size_t *next;		/* circular list of each cluster's groups */
	struct root *root;	/* by group index; meaningful at roots */
	size_t *cluster;	/* per group, after run */
	size_t ncl;
	size_t *namer;		/* per cluster */
	char **name;		/* per cluster */
};

struct cl_rec *
cl_rec_new(void)
{
	return calloc(1, sizeof(struct cl_rec));
}

void
cl_rec_free(struct cl_rec *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->g[i].name);
		free(r->g[i].key);
		free(r->g[i].tf);
		free(r->g[i].kid);
		free(r->g[i].kend);
		if (r->root) {
			free(r->root[i].batch);
			free(r->root[i].v.t);
			free(r->root[i].v.w);
		}
	}
	for (size_t i = 0; i < r->nterm; i++)
		free(r->term[i]);
	for (size_t i = 0; r->name && i < r->ncl; i++)
		free(r->name[i]);
	free(r->g), free(r->term), free(r->df), free(r->tab);
	free(r->parent), free(r->next), free(r->root), free(r->cluster);
	free(r->namer), free(r->name);
	free(r);
}

/* ---- words ---- */

static int
grow_tab(struct cl_rec *r)
{
	size_t cap = r->captab ? r->captab * 2 : 1024;
	uint32_t *t = calloc(cap, sizeof *t);

	if (!t)
		return -1;
	for (size_t i = 0; i < r->nterm; i++) {
		size_t h = ig_fnv1a(r->term[i]) & (cap - 1);
		while (t[h])
			h = (h + 1) & (cap - 1);
		t[h] = (uint32_t)i + 1;
	}
	free(r->tab);
	r->tab = t;
	r->captab = cap;
	return 0;
}

/* The id of word w, added if new; -1 when out of memory. */
static long
intern(struct cl_rec *r, const char *w)
{
	size_t h;

	if ((r->nterm + 1) * 2 > r->captab && grow_tab(r) < 0)
		return -1;
	for (h = ig_fnv1a(w) & (r->captab - 1); r->tab[h];
	     h = (h + 1) & (r->captab - 1))
		if (!strcmp(r->term[r->tab[h] - 1], w))
			return r->tab[h] - 1;
	if (r->nterm == r->capterm) {
		size_t cap = r->capterm ? r->capterm * 2 : 256;
		char **t = realloc(r->term, cap * sizeof *t);
		uint32_t *d = t ? realloc(r->df, cap * sizeof *d) : NULL;

		if (t)
			r->term = t;
		if (!d)
			return -1;
		r->df = d;
		r->capterm = cap;
	}
	if (!(r->term[r->nterm] = strdup(w)))
		return -1;
	r->df[r->nterm] = 0;
	r->tab[h] = (uint32_t)r->nterm + 1;
	return (long)r->nterm++;
}

/* Adds the content words of text to group g's terms. */
static int
add_words(struct cl_rec *r, struct grp *g, const char *text)
{
	struct buf b = BUF_INIT(0);
	long nw = tok_words(text, &b);
	const char *w = buf_str(&b);
	int rc = nw < 0 ? -1 : 0;

	for (long i = 0; rc == 0 && i < nw; i++, w += strlen(w) + 1) {
		long id;

		if (tok_is_stopword(w, strlen(w)))
			continue;
		if ((id = intern(r, w)) < 0)
			rc = -1;
		else if (g->ntf == g->captf) {
			size_t cap = g->captf ? g->captf * 2 : 16;
			uint32_t *t = realloc(g->tf, cap * sizeof *t);

			if (!t)
				rc = -1;
			else
				g->tf = t, g->captf = cap;
		}
		if (rc == 0)
			g->tf[g->ntf++] = (uint32_t)id;
	}
	buf_release(&b);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 if word w is in the generic words (as stemmed in gen[0..ngen)). */
static int
is_generic(const char *const *gen, size_t ngen, const char *w)
{
	for (size_t i = 0; i < ngen; i++)
		if (!strcmp(gen[i], w))
			return 1;
	return 0;
}

char *
cl_rec_key(const char *name)
{
	struct buf gb = BUF_INIT(0), nb = BUF_INIT(0), out = BUF_INIT(0);
	long ngen = tok_words(generic_words, &gb);
	long nw = tok_words(name, &nb);
	const char **gen = NULL, **w = NULL;
	size_t nkeep = 0;
	const char *p;
	char *res = NULL;

	if (ngen < 0 || nw < 0)
		goto out;
	gen = malloc(((size_t)ngen + 1) * sizeof *gen);
	w = malloc(((size_t)nw + 1) * sizeof *w);
	if (!gen || !w)
		goto out;
	p = buf_str(&gb);
	for (long i = 0; i < ngen; i++, p += strlen(p) + 1)
		gen[i] = p;
	p = buf_str(&nb);
	for (long i = 0; i < nw; i++, p += strlen(p) + 1)
		if (!tok_is_stopword(p, strlen(p)) &&
		    !is_generic(gen, (size_t)ngen, p))
			w[nkeep++] = p;
	/* A name of only generic words ("Tips") is its own topic. */
	if (nkeep == 0) {
		p = buf_str(&nb);
		for (long i = 0; i < nw; i++, p += strlen(p) + 1)
			w[nkeep++] = p;
	}
	qsort(w, nkeep, sizeof *w, cmp_str);
	buf_puts(&out, "");
	for (size_t i = 0; i < nkeep; i++)
		if (i == 0 || strcmp(w[i], w[i - 1]))
			buf_printf(&out, "%s%s", out.len ? " " : "", w[i]);
	res = buf_detach(&out);
out:
	buf_release(&gb), buf_release(&nb), buf_release(&out);
	free(gen), free(w);
	return res;
}

/* ---- adding groups ---- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* g->kid from g->key (its words are already stemmed and distinct). */
static int
key_ids(struct cl_rec *r, struct grp *g)
{
	size_t n = 1;
	char *k = strdup(g->key), *w = k, *sp;

	for (const char *p = g->key; *p; p++)
		n += *p == ' ';
	if (!k || !(g->kid = malloc(n * sizeof *g->kid))) {
		free(k);
		return -1;
	}
	for (; w && *w; w = sp ? sp + 1 : NULL) {
		long id;

		if ((sp = strchr(w, ' ')))
			*sp = '\0';
		if ((id = intern(r, w)) < 0) {
			free(k);
			return -1;
		}
		g->kid[g->nkid++] = (uint32_t)id;
	}
	free(k);
	qsort(g->kid, g->nkid, sizeof *g->kid, cmp_u32);
	return 0;
}

long
cl_rec_group(struct cl_rec *r, int batch, const char *name, long volume)
{
	struct grp *g;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct grp *ng = realloc(r->g, cap * sizeof *ng);

		if (!ng)
			return -1;
		r->g = ng;
		r->cap = cap;
	}
	g = &r->g[r->n];
	memset(g, 0, sizeof *g);
	g->batch = batch;
	g->volume = volume;
	if (!(g->name = strdup(name)) || !(g->key = cl_rec_key(name)) ||
	    key_ids(r, g) < 0 || add_words(r, g, name) < 0) {
		free(g->name), free(g->key), free(g->tf), free(g->kid);
		return -1;
	}
	g->nname = g->ntf;
	return (long)r->n++;
}

int
cl_rec_keyword(struct cl_rec *r, long g, const char *keyword)
{
	struct grp *x = &r->g[g];

	if (x->nkw == x->capkw) {
		size_t cap = x->capkw ? x->capkw * 2 : 8;
		size_t *k = realloc(x->kend, cap * sizeof *k);

		if (!k)
			return -1;
		x->kend = k;
		x->capkw = cap;
	}
	if (add_words(r, x, keyword) < 0)
		return -1;
	x->kend[x->nkw++] = x->ntf;
	return 0;
}

/* ---- vectors ---- */

static void
set_norm(struct vec *v)
{
	double s = 0;

	for (size_t i = 0; i < v->n; i++)
		s += v->w[i] * v->w[i];
	v->norm = sqrt(s);
}

/* Group g's vector: term frequency times log(1 + groups / df). */
static int
make_vec(struct cl_rec *r, const uint32_t *tf, size_t ntf, struct vec *v)
{
	size_t k = 0;

	v->t = malloc((ntf + 1) * sizeof *v->t);
	v->w = malloc((ntf + 1) * sizeof *v->w);
	if (!v->t || !v->w)
		return -1;
	for (size_t i = 0; i < ntf; i++) {
		double idf = log(1.0 + (double)r->n / r->df[tf[i]]);

		if (k > 0 && v->t[k - 1] == tf[i]) {
			v->w[k - 1] += idf;
		} else {
			v->t[k] = tf[i];
			v->w[k++] = idf;
		}
	}
	v->n = k;
	set_norm(v);
	return 0;
}

static double
cosine(const struct vec *a, const struct vec *b)
{
	double dot = 0;
	size_t i = 0, j = 0;

	if (a->norm == 0 || b->norm == 0)
		return 0;
	while (i < a->n && j < b->n) {
		if (a->t[i] < b->t[j])
			i++;
		else if (a->t[i] > b->t[j])
			j++;
		else
			dot += a->w[i++] * b->w[j++];
	}
	return dot / (a->norm * b->norm);
}

/* a += b, both sorted by term. */
static int
vec_add(struct vec *a, const struct vec *b)
{
	size_t n = a->n + b->n, i = 0, j = 0, k = 0;
	uint32_t *t = malloc((n + 1) * sizeof *t);
	double *w = malloc((n + 1) * sizeof *w);

	if (!t || !w) {
		free(t), free(w);
		return -1;
	}
	while (i < a->n || j < b->n) {
		if (j == b->n || (i < a->n && a->t[i] < b->t[j])) {
			t[k] = a->t[i], w[k++] = a->w[i++];
		} else if (i == a->n || b->t[j] < a->t[i]) {
			t[k] = b->t[j], w[k++] = b->w[j++];
		} else {
			t[k] = a->t[i], w[k++] = a->w[i++] + b->w[j++];
		}
	}
	free(a->t), free(a->w);
	a->t = t, a->w = w, a->n = k;
	set_norm(a);
	return 0;
}

/* ---- union-find under the requests' partitions ---- */

static size_t
find(struct cl_rec *r, size_t x)
{
	size_t y = x;

	while (r->parent[y] != y)
		y = r->parent[y];
	while (r->parent[x] != y) {
		size_t next = r->parent[x];
		r->parent[x] = y;
		x = next;
	}
	return y;
}

/* 1 if roots a and b share no request, so their groups may be one cluster. */
static int
compatible(const struct root *a, const struct root *b)
{
	size_t i = 0, j = 0;

	while (i < a->nbatch && j < b->nbatch) {
		if (a->batch[i] == b->batch[j])
			return 0;
		if (a->batch[i] < b->batch[j])
			i++;
		else
			j++;
	}
	return 1;
}

/* Merges roots a and b (compatible) under the lower index; -1 on OOM. */
static int
unite(struct cl_rec *r, size_t a, size_t b)
{
	struct root *x, *y;
	int *bt;
	size_t i = 0, j = 0, k = 0, swap;

	if (b < a) {
		size_t t = a;
		a = b;
		b = t;
	}
	x = &r->root[a];
	y = &r->root[b];
	bt = malloc((x->nbatch + y->nbatch) * sizeof *bt);
	if (!bt || vec_add(&x->v, &y->v) < 0) {
		free(bt);
		return -1;
	}
	while (i < x->nbatch || j < y->nbatch)
		if (j == y->nbatch ||
		    (i < x->nbatch && x->batch[i] < y->batch[j]))
			bt[k++] = x->batch[i++];
		else
			bt[k++] = y->batch[j++];
	free(x->batch);
	x->batch = bt;
	x->nbatch = k;
	x->ngroups += y->ngroups;
	free(y->batch), free(y->v.t), free(y->v.w);
	memset(y, 0, sizeof *y);
	r->parent[b] = a;
	swap = r->next[a];
	r->next[a] = r->next[b];
	r->next[b] = swap;
	return 0;
}

/* Sorts each run of g->tf (the name, each keyword) for within(). */
static void
sort_runs(struct grp *g)
{
	qsort(g->tf, g->nname, sizeof *g->tf, cmp_u32);
	for (size_t i = 0, s = g->nname; i < g->nkw; s = g->kend[i++])
		qsort(g->tf + s, g->kend[i] - s, sizeof *g->tf, cmp_u32);
}

static int
setup(struct cl_rec *r)
{
	size_t most = 0;
	uint32_t *tmp;

	r->parent = malloc((r->n + 1) * sizeof *r->parent);
	r->next = malloc((r->n + 1) * sizeof *r->next);
	r->root = calloc(r->n + 1, sizeof *r->root);
	for (size_t i = 0; i < r->n; i++)
		most = r->g[i].ntf > most ? r->g[i].ntf : most;
	tmp = malloc((most + 1) * sizeof *tmp);
	if (!r->parent || !r->next || !r->root || !tmp) {
		free(tmp);
		return -1;
	}
	/* document frequency: each group counts a word once */
	for (size_t i = 0; i < r->n; i++) {
		struct grp *g = &r->g[i];

		sort_runs(g);
		memcpy(tmp, g->tf, g->ntf * sizeof *tmp);
		qsort(tmp, g->ntf, sizeof *tmp, cmp_u32);
		for (size_t k = 0; k < g->ntf; k++)
			if (k == 0 || tmp[k] != tmp[k - 1])
				r->df[tmp[k]]++;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct root *o = &r->root[i];
		struct grp *g = &r->g[i];

		r->parent[i] = r->next[i] = i;
		o->ngroups = 1;
		memcpy(tmp, g->tf, g->ntf * sizeof *tmp);
		qsort(tmp, g->ntf, sizeof *tmp, cmp_u32);
		if (!(o->batch = malloc(sizeof *o->batch)) ||
		    make_vec(r, tmp, g->ntf, &o->v) < 0) {
			free(tmp);
			return -1;
		}
		o->batch[0] = g->batch;
		o->nbatch = 1;
	}
	free(tmp);
	return 0;
}

/* ---- pass 1: names ---- */

/* A group as sorted into name keys: key, then request, then order added. */
struct by_key {
	const char *key;
	int batch;
	size_t g;
};

static int
cmp_by_key(const void *pa, const void *pb)
{
	const struct by_key *x = pa, *y = pb;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (x->batch != y->batch)
		return x->batch < y->batch ? -1 : 1;
	return (x->g > y->g) - (x->g < y->g);
}

/* Joins the groups idx[0..n) of one name key; see the note at the top. */
static int
join_bucket(struct cl_rec *r, const size_t *idx, size_t n, size_t *slot)
{
	size_t nslot = 0, best_n = 0;
	int seed = r->g[idx[0]].batch;

	/* the request that returned most groups of this key seeds the slots */
	for (size_t i = 0, run = 0; i < n; i++) {
		int b = r->g[idx[i]].batch;

		run = i > 0 && b == r->g[idx[i - 1]].batch ? run + 1 : 1;
		if (run > best_n) {
			best_n = run;
			seed = r->g[idx[i]].batch;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (r->g[idx[i]].batch == seed)
			slot[nslot++] = idx[i];
	for (size_t i = 0; i < n; i++) {
		size_t g = idx[i], best = (size_t)-1;
		double bs = -1;

		if (r->g[g].batch == seed)
			continue;
		for (size_t s = 0; s < nslot; s++) {
			size_t rs = find(r, slot[s]);
			double c;

			if (!compatible(&r->root[rs], &r->root[g]))
				continue;
			c = cosine(&r->root[rs].v, &r->root[g].v);
			if (best == (size_t)-1 || c > bs || (c == bs &&
			    r->root[rs].ngroups > r->root[best].ngroups)) {
				best = rs;
				bs = c;
			}
		}
		if (best == (size_t)-1)
			slot[nslot++] = g;
		else if (unite(r, best, g) < 0)
			return -1;
	}
	return 0;
}

static int
join_names(struct cl_rec *r)
{
	struct by_key *k = malloc((r->n + 1) * sizeof *k);
	size_t *idx = malloc((r->n + 1) * sizeof *idx);
	size_t *slot = malloc((r->n + 1) * sizeof *slot);
	int rc = k && idx && slot ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < r->n; i++)
		k[i] = (struct by_key){ r->g[i].key, r->g[i].batch, i };
	if (rc == 0)
		qsort(k, r->n, sizeof *k, cmp_by_key);
	for (size_t i = 0; rc == 0 && i < r->n; i++)
		idx[i] = k[i].g;
	for (size_t lo = 0, hi; rc == 0 && lo < r->n; lo = hi) {
		hi = lo + 1;
		while (hi < r->n && !strcmp(k[hi].key, k[lo].key))
			hi++;
		rc = join_bucket(r, idx + lo, hi - lo, slot);
	}
	free(k), free(idx), free(slot);
	return rc;
}

/* ---- pass 2: each name within the other's words ---- */

/* 1 if the ascending ids k[0..n) are all among the ascending t[0..m). */
static int
within(const uint32_t *k, size_t n, const uint32_t *t, size_t m)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		while (j < m && t[j] < k[i])
			j++;
		if (j == m || t[j] != k[i])
			return 0;
	}
	return n > 0;
}

/* Number of distinct values of the ascending t[0..m). */
static size_t
distinct(const uint32_t *t, size_t m)
{
	size_t d = 0;

	for (size_t i = 0; i < m; i++)
		d += i == 0 || t[i] != t[i - 1];
	return d;
}

/* 1 if all words of key k[0..n) are in one keyword of root b (exact: and
 * that keyword has no other word). */
static int
in_a_keyword(const struct cl_rec *r, const uint32_t *k, size_t n, size_t b,
	     int exact)
{
	size_t h = b;

	do {
		const struct grp *g = &r->g[h];

		for (size_t i = 0, s = g->nname; i < g->nkw; s = g->kend[i++]) {
			size_t len = g->kend[i] - s;

			if (within(k, n, g->tf + s, len) &&
			    (!exact || distinct(g->tf + s, len) == n))
				return 1;
		}
		h = r->next[h];
	} while (h != b);
	return 0;
}

/*
 * 1 if the name key of some group of root a is within root b: with whole
 * 0 each word somewhere among b's words, 1 all in one of b's keywords,
 * 2 all in one keyword that has no other word.
 */
static int
key_within(const struct cl_rec *r, size_t a, size_t b, int whole)
{
	size_t g = a;
	const struct vec *v = &r->root[b].v;

	do {
		const struct grp *x = &r->g[g];

		if (whole ? in_a_keyword(r, x->kid, x->nkid, b, whole == 2) :
			    within(x->kid, x->nkid, v->t, v->n))
			return 1;
		g = r->next[g];
	} while (g != a);
	return 0;
}

/*
 * 1 if roots a and b name each other: one's name is a keyword of the other
 * (the same words), or it is whole in a keyword of the other and the
 * other's name words are all among the first's words.
 */
static int
names_meet(const struct cl_rec *r, size_t a, size_t b)
{
	/* the cheap test first: a keyword holds only words of the cluster */
	int ab = key_within(r, a, b, 0), ba = key_within(r, b, a, 0);

	if ((ab && key_within(r, a, b, 2)) || (ba && key_within(r, b, a, 2)))
		return 1;
	if (!ab || !ba)
		return 0;
	return key_within(r, a, b, 1) || key_within(r, b, a, 1);
}

struct pair {
	uint32_t a, b;
	double sim;
};

static int
cmp_pair_ids(const void *pa, const void *pb)
{
	const struct pair *x = pa, *y = pb;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return (x->b > y->b) - (x->b < y->b);
}

static int
cmp_pair_sim(const void *pa, const void *pb)
{
	const struct pair *x = pa, *y = pb;

	if (x->sim != y->sim)
		return x->sim > y->sim ? -1 : 1;
	return cmp_pair_ids(pa, pb);
}

static int
push_pair(struct pair **p, size_t *n, size_t *cap, size_t a, size_t b)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		struct pair *q = realloc(*p, c * sizeof *q);

		if (!q)
			return -1;
		*p = q;
		*cap = c;
	}
	(*p)[*n].a = (uint32_t)(a < b ? a : b);
	(*p)[(*n)++].b = (uint32_t)(a < b ? b : a);
	return 0;
}

/* The word of group g's key that fewest groups use, or -1. */
static long
rarest(const struct cl_rec *r, const struct grp *g)
{
	long best = -1;

	for (size_t i = 0; i < g->nkid; i++)
		if (best < 0 || r->df[g->kid[i]] < r->df[best])
			best = g->kid[i];
	return best;
}

/*
 * Candidate pairs of roots whose names meet: a root's groups' keys each
 * look up the roots using their rarest word, so a pair is only ever
 * scored when one name can be within the other's words.
 */
static int
candidates(struct cl_rec *r, struct pair **out, size_t *n_out)
{
	size_t *start = calloc(r->nterm + 2, sizeof *start), *fill = NULL;
	size_t *stamp = calloc(r->nterm + 1, sizeof *stamp);
	uint32_t *post = NULL;
	struct pair *p = NULL;
	size_t np = 0, cap = 0, k = 0;
	int rc = -1;

	if (!start || !stamp)
		goto out;
	for (size_t i = 0; i < r->n; i++)
		if (r->parent[i] == i)
			for (size_t j = 0; j < r->root[i].v.n; j++)
				start[r->root[i].v.t[j] + 1]++;
	for (size_t t = 0; t < r->nterm; t++)
		start[t + 1] += start[t];
	post = malloc((start[r->nterm] + 1) * sizeof *post);
	fill = malloc((r->nterm + 1) * sizeof *fill);
	if (!post || !fill)
		goto out;
	memcpy(fill, start, r->nterm * sizeof *fill);
	for (size_t i = 0; i < r->n; i++)
		if (r->parent[i] == i)
			for (size_t j = 0; j < r->root[i].v.n; j++)
				post[fill[r->root[i].v.t[j]]++] = (uint32_t)i;
	/* each root looks up each of its keys' rarest words once */
	for (size_t a = 0; a < r->n; a++) {
		size_t g = a;

		if (r->parent[a] != a)
			continue;
		do {
			long t = rarest(r, &r->g[g]);

			g = r->next[g];
			if (t < 0 || stamp[t] == a + 1)
				continue;
			stamp[t] = a + 1;
			for (size_t x = start[t]; x < start[t + 1]; x++)
				if (post[x] != a &&
				    push_pair(&p, &np, &cap, a, post[x]) < 0)
					goto out;
		} while (g != a);
	}
	if (np)
		qsort(p, np, sizeof *p, cmp_pair_ids);
	for (size_t i = 0; i < np; i++) {
		if (i > 0 && p[i].a == p[i - 1].a && p[i].b == p[i - 1].b)
			continue;
		if (!compatible(&r->root[p[i].a], &r->root[p[i].b]) ||
		    !names_meet(r, p[i].a, p[i].b))
			continue;
		p[i].sim = cosine(&r->root[p[i].a].v, &r->root[p[i].b].v);
		p[k++] = p[i];
	}
	rc = 0;
out:
	free(start), free(fill), free(post), free(stamp);
	if (rc < 0)
		free(p);
	*out = rc < 0 ? NULL : p;
	*n_out = k;
	return rc;
}

static int
join_keywords(struct cl_rec *r)
{
	struct pair *p;
	size_t np;

	if (candidates(r, &p, &np) < 0)
		return -1;
	if (np)
		qsort(p, np, sizeof *p, cmp_pair_sim);
	for (size_t i = 0; i < np; i++) {
		size_t a = find(r, p[i].a), b = find(r, p[i].b);

		/* checked again: either side may have grown since */
		if (a == b || !compatible(&r->root[a], &r->root[b]) ||
		    !names_meet(r, a, b))
			continue;
		if (unite(r, a, b) < 0) {
			free(p);
			return -1;
		}
	}
	free(p);
	return 0;
}

/* ---- naming ---- */

struct vote {
	size_t first;		/* earliest group */
	double weight;		/* summed volume, or number of groups */
	size_t count;		/* number of groups */
};

/* One spelling of a cluster's names, with its key's votes and its own. */
struct spell {
	size_t g;		/* a group with this name */
	struct vote kv, nv;
};

/* 1 if vote a beats vote b. */
static int
beats(const struct vote *a, const struct vote *b)
{
	if (a->weight != b->weight)
		return a->weight > b->weight;
	if (a->count != b->count)
		return a->count > b->count;
	return a->first < b->first;
}

/* Best spelling first: its key's votes, then its own. */
static int
cmp_spell(const void *pa, const void *pb)
{
	const struct spell *a = pa, *b = pb;

	if (beats(&a->kv, &b->kv))
		return -1;
	if (beats(&b->kv, &a->kv))
		return 1;
	if (beats(&a->nv, &b->nv))
		return -1;
	return beats(&b->nv, &a->nv);
}

/* A group as sorted into spellings: key, name, order added. */
struct by_name {
	const char *key, *name;
	size_t g;
};

static int
cmp_by_name(const void *pa, const void *pb)
{
	const struct by_name *x = pa, *y = pb;
	int c = strcmp(x->key, y->key);

	if (!c)
		c = strcmp(x->name, y->name);
	return c ? c : (x->g > y->g) - (x->g < y->g);
}

/*
 * Ranks the spellings of the names of the groups m[0..n) of one cluster,
 * best first, into sp[]; returns how many.  bn is scratch of n entries.
 */
static size_t
rank_names(const struct cl_rec *r, const size_t *m, size_t n,
	   struct by_name *bn, struct spell *sp)
{
	int volumes = 0;
	size_t ns = 0;

	for (size_t i = 0; i < n; i++) {
		volumes |= r->g[m[i]].volume >= 0;
		bn[i].key = r->g[m[i]].key;
		bn[i].name = r->g[m[i]].name;
		bn[i].g = m[i];
	}
	qsort(bn, n, sizeof *bn, cmp_by_name);
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		struct vote kv = { bn[lo].g, 0, 0 };
		size_t first = ns;

		for (hi = lo; hi < n && !strcmp(bn[hi].key, bn[lo].key); hi++) {
			size_t gi = bn[hi].g;
			long vol = r->g[gi].volume;
			double w = !volumes ? 1 : vol > 0 ? (double)vol : 0;

			if (hi == lo || strcmp(bn[hi].name, bn[hi - 1].name))
				sp[ns++] = (struct spell){ gi, { gi, 0, 0 },
							   { gi, 0, 0 } };
			sp[ns - 1].nv.weight += w;
			sp[ns - 1].nv.count++;
			kv.weight += w;
			kv.count++;
			if (bn[hi].g < kv.first)
				kv.first = bn[hi].g;
		}
		for (size_t k = first; k < ns; k++)
			sp[k].kv = kv;
	}
	qsort(sp, ns, sizeof *sp, cmp_spell);
	return ns;
}

/* 1 if the normalised spelling s is among taken[0..n). */
static int
is_taken(char *const *taken, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(taken[i], s))
			return 1;
	return 0;
}

/* Picks and dedupes each cluster's name; norms[] collects their spellings. */
static int
name_clusters(struct cl_rec *r)
{
	size_t *m = malloc((r->n + 1) * sizeof *m);
	size_t *rank = malloc((r->n + 1) * sizeof *rank);
	struct by_name *bn = malloc((r->n + 1) * sizeof *bn);
	struct spell *sp = malloc((r->n + 1) * sizeof *sp);
	char **norms = calloc(r->ncl + 1, sizeof *norms);
	int rc = m && rank && bn && sp && norms ? 0 : -1;

	r->namer = malloc((r->ncl + 1) * sizeof *r->namer);
	r->name = calloc(r->ncl + 1, sizeof *r->name);
	if (!r->namer || !r->name)
		rc = -1;
	/* groups by cluster (counting sort), each cluster's in order added */
	if (rc == 0) {
		for (size_t c = 0; c <= r->ncl; c++)
			rank[c] = 0;
		for (size_t g = 0; g < r->n; g++)
			rank[r->cluster[g] + 1]++;
		for (size_t c = 0; c < r->ncl; c++)
			rank[c + 1] += rank[c];
		for (size_t g = 0; g < r->n; g++)
			m[rank[r->cluster[g]]++] = g;
	}
	for (size_t lo = 0, hi, c = 0; rc == 0 && lo < r->n; lo = hi, c++) {
		size_t nr, k, suffix = 2;
		char *norm = NULL;

		for (hi = lo + 1; hi < r->n && r->cluster[m[hi]] == c; hi++)
			;
		nr = rank_names(r, m + lo, hi - lo, bn, sp);
		for (k = 0; k < nr; k++)
			rank[k] = sp[k].g;
		/* an existing cluster keeps its name (it is saved already) */
		for (k = lo; k < hi; k++)
			if (r->g[m[k]].batch == 0)
				rank[0] = m[k], nr = 1;
		for (k = 0; k < nr; k++) {
			free(norm);
			if (!(norm = kw_normalize(r->g[rank[k]].name, NULL)))
				norm = strdup(r->g[rank[k]].name);
			if (!norm || !is_taken(norms, c, norm))
				break;
		}
		r->namer[c] = rank[k < nr ? k : 0];
		if (norm && k == nr) {
			struct buf b = BUF_INIT(0);

			do {
				buf_reset(&b);
				buf_printf(&b, "%s %zu", r->g[r->namer[c]].name,
					   suffix++);
				free(norm);
				norm = kw_normalize(buf_str(&b), NULL);
			} while (norm && is_taken(norms, c, norm));
			r->name[c] = buf_detach(&b);
		} else {
			r->name[c] = strdup(r->g[r->namer[c]].name);
		}
		norms[c] = norm;
		if (!norm || !r->name[c])
			rc = -1;
	}
	for (size_t c = 0; norms && c < r->ncl; c++)
		free(norms[c]);
	free(norms), free(m), free(rank), free(bn), free(sp);
	return rc;
}

/* ---- run ---- */

int
cl_rec_run(struct cl_rec *r, struct ig_err *err)
{
	size_t *id;

	if (setup(r) < 0 || join_names(r) < 0 || join_keywords(r) < 0)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	r->cluster = malloc((r->n + 1) * sizeof *r->cluster);
	id = malloc((r->n + 1) * sizeof *id);
	if (!r->cluster || !id) {
		free(id);
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	/* a root is its cluster's lowest group: numbered by first group */
	for (size_t i = 0; i < r->n; i++) {
		size_t x = find(r, i);

		if (x == i)
			id[i] = r->ncl++;
		r->cluster[i] = id[x];
	}
	free(id);
	if (name_clusters(r) < 0)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	return 0;
}

size_t
cl_rec_nclusters(const struct cl_rec *r)
{
	return r->ncl;
}

size_t
cl_rec_cluster_of(const struct cl_rec *r, size_t g)
{
	return r->cluster[g];
}

size_t
cl_rec_namer(const struct cl_rec *r, size_t c)
{
	return r->namer[c];
}

const char *
cl_rec_name(const struct cl_rec *r, size_t c)
{
	return r->name[c];
}
