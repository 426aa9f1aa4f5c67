/*
 * cl_feat.c: keyword vectors and the sparse neighbour graph.
 *
 * Each node (distinct normalised keyword) gets two L2-normalised TF-IDF
 * parts, stemmed words and character n-grams of those words, scaled so that
 * the dot product of two vectors is (1-beta) * word cosine + beta * n-gram
 * cosine.  Feature ids come from hashes through a dictionary split into a
 * fixed number of partitions, so ids (and float summation order) do not
 * depend on the thread count.
 *
 * Neighbours: every node is posted under its words and under pairs of its
 * rarest words.  Looking a node up scans each of its posting lists whole
 * when short, else only a window of `window` entries around the node's own
 * place, so the cost per node is bounded.  Nodes are numbered in byte order
 * of their sorted word bags, so the window holds the keywords whose words
 * sort nearest (a sorted-neighbourhood sample, better than a random one in
 * measurement).  Word pairs make the sample count: a pair list is short and
 * on topic where a single common word ("shoes") is not.  The best `verify` candidates by shared key weight
 * get an exact dot product, and the `knn` best of those at or above the edge
 * floor are kept.
 */
#include "compat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_local_priv.h"
#include "par.h"
#include "tokenize.h"

#define NPART 8			/* dictionary partitions, fixed for determinism */
#define KIND_GRAM 0u		/* low two bits of a feature hash */
#define KIND_WORD 1u
#define KIND_STOP 2u
#define KIND_STOPGRAM 3u
#define MAXKEYWORDS 64		/* words of one node used as keys */

uint64_t
cl_hash(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	while (len--)
		h = (h ^ *s++) * 0x100000001b3ULL;
	/* splitmix64 finaliser: FNV's low bits are weak, partitions use them */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static const char *
node_bag(const struct cl_work *w, size_t k)
{
	return w->bag[w->order[w->nstart[k]]];
}

static size_t
cp_len(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Upper bound of the features of a bag: each word plus its n-grams. */
static size_t
bag_nfeat(const char *bag, unsigned ng)
{
	size_t n = 0, len, cps;
	const char *e;

	while (*bag) {
		e = strchr(bag, ' ');
		len = e ? (size_t)(e - bag) : strlen(bag);
		cps = cp_len(bag, len) + 2;
		n += 1 + (cps >= ng ? cps - ng + 1 : 1);
		bag += len + (e != NULL);
	}
	return n;
}

/* Emits the n-grams of "<word>" (code points) as hashes of the given kind. */
static size_t
grams(const char *word, size_t len, unsigned ng, unsigned kind, uint64_t *out)
{
	char pad[256 + 2];
	size_t pos[256 + 3], npos = 0, i, n = 0;

	if (len > 256)
		len = 256;
	pad[0] = '<';
	memcpy(pad + 1, word, len);
	pad[len + 1] = '>';
	for (i = 0; i < len + 2; i++)
		if (((unsigned char)pad[i] & 0xc0) != 0x80)
			pos[npos++] = i;
	pos[npos] = len + 2;
	if (npos < ng) {
		out[n++] = (cl_hash(pad, len + 2, 0x6772616d) & ~3ULL) | kind;
		return n;
	}
	for (i = 0; i + ng <= npos; i++)
		out[n++] = (cl_hash(pad + pos[i], pos[i + ng] - pos[i], 0x6772616d) &
		    ~3ULL) | kind;
	return n;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
sort_u64(uint64_t *v, size_t n)
{
	size_t i, j;
	uint64_t x;

	if (n > 32) {
		qsort(v, n, sizeof *v, cmp_u64);
		return;
	}
	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Does the bag hold a word that is not a stopword? */
static int
has_content(const char *bag)
{
	size_t len;
	const char *e;

	while (*bag) {
		e = strchr(bag, ' ');
		len = e ? (size_t)(e - bag) : strlen(bag);
		if (!tok_is_stopword(bag, len))
			return 1;
		bag += len + (e != NULL);
	}
	return 0;
}

struct gen_ctx {
	struct cl_work *w;
	uint64_t *h;		/* feature hashes, node k at foff[k] */
};

/* Hashes node k's features, sorts them and folds repeats into counts (fw). */
static void
gen_node(struct cl_work *w, uint64_t *h, size_t k)
{
	const char *bag = node_bag(w, k), *e;
	uint64_t *o = h + w->foff[k];
	size_t n = 0, len, i, d;
	/* a node of stopwords alone ("how to") keeps them at full weight */
	int stops = has_content(bag);
	unsigned kind;

	while (*bag) {
		e = strchr(bag, ' ');
		len = e ? (size_t)(e - bag) : strlen(bag);
		kind = stops && tok_is_stopword(bag, len) ? KIND_STOP : KIND_WORD;
		o[n++] = (cl_hash(bag, len, 0x776f7264) & ~3ULL) | kind;
		n += grams(bag, len, w->tune.ngram,
		    kind == KIND_STOP ? KIND_STOPGRAM : KIND_GRAM, o + n);
		bag += len + (e != NULL);
	}
	sort_u64(o, n);
	for (i = 0, d = 0; i < n; i++) {
		if (d > 0 && o[d - 1] == o[i]) {
			w->fw[w->foff[k] + d - 1] += 1.0f;
			continue;
		}
		o[d] = o[i];
		w->fw[w->foff[k] + d] = 1.0f;
		d++;
	}
	w->nf[k] = (uint32_t)d;
}

static void
gen_range(void *p, unsigned worker, size_t lo, size_t hi)
{
	struct gen_ctx *c = p;

	(void)worker;
	for (; lo < hi; lo++)
		gen_node(c->w, c->h, lo);
}

static void
count_range(void *p, unsigned worker, size_t lo, size_t hi)
{
	struct gen_ctx *c = p;

	(void)worker;
	for (; lo < hi; lo++)
		c->w->foff[lo] = bag_nfeat(node_bag(c->w, lo), c->w->tune.ngram);
}

/* One dictionary partition: open addressing from hash to local id. */
struct dict {
	uint64_t *key;
	uint32_t *id;
	size_t cap, len;
	uint32_t *df;
	size_t dfcap;
	int oom;
};

static int
dict_grow(struct dict *d)
{
	size_t cap = d->cap ? d->cap * 2 : 1024, i, j;
	uint64_t *key = calloc(cap, sizeof *key);
	uint32_t *id = malloc(cap * sizeof *id);

	if (!key || !id) {
		free(key);
		free(id);
		return -1;
	}
	for (i = 0; i < d->cap; i++) {
		if (!d->key[i])
			continue;
		for (j = (size_t)(d->key[i] >> 20) & (cap - 1); key[j];
		    j = (j + 1) & (cap - 1))
			;
		key[j] = d->key[i];
		id[j] = d->id[i];
	}
	free(d->key);
	free(d->id);
	d->key = key;
	d->id = id;
	d->cap = cap;
	return 0;
}

/* Local id of hash h (never 0: kind bits are set or the hash is not 0). */
static int
dict_get(struct dict *d, uint64_t h, uint32_t *id_out)
{
	size_t j;
	uint32_t *df;

	if ((d->len + 1) * 2 > d->cap && dict_grow(d) < 0)
		return -1;
	h = h ? h : 4;		/* 0 marks an empty slot */
	for (j = (size_t)(h >> 20) & (d->cap - 1); d->key[j];
	    j = (j + 1) & (d->cap - 1))
		if (d->key[j] == h) {
			d->df[d->id[j]]++;
			*id_out = d->id[j];
			return 0;
		}
	if (d->len == d->dfcap) {
		d->dfcap = d->dfcap ? d->dfcap * 2 : 1024;
		df = realloc(d->df, d->dfcap * sizeof *df);
		if (!df)
			return -1;
		d->df = df;
	}
	d->key[j] = h;
	d->id[j] = (uint32_t)d->len;
	d->df[d->len] = 1;
	*id_out = (uint32_t)d->len++;
	return 0;
}

struct dict_ctx {
	struct cl_work *w;
	uint64_t *h;
	struct dict part[NPART];
};

static unsigned
part_of(uint64_t h)
{
	return (unsigned)(h >> 61) & (NPART - 1);
}

/* Partition p assigns local ids to its hashes in node order. */
static void
dict_range(void *p, unsigned worker, size_t lo, size_t hi)
{
	struct dict_ctx *c = p;
	struct cl_work *w = c->w;
	size_t k, i, e;

	(void)worker;
	for (; lo < hi; lo++)
		for (k = 0; k < w->nnodes; k++)
			for (i = 0; i < w->nf[k]; i++) {
				e = w->foff[k] + i;
				if (part_of(c->h[e]) != lo)
					continue;
				if (dict_get(&c->part[lo], c->h[e], &w->fid[e]) < 0) {
					c->part[lo].oom = 1;
					return;
				}
			}
}

struct wt_ctx {
	struct cl_work *w;
	uint64_t *h;
	uint32_t base[NPART];
};

/* Turns node k's counts into the scaled TF-IDF weights and global ids. */
static void
weigh_node(struct wt_ctx *c, size_t k)
{
	struct cl_work *w = c->w;
	size_t i, e0 = w->foff[k];
	double idf, norm[2] = { 0, 0 }, scale[2], x;
	double nn = (double)w->nnodes;
	unsigned kind;
	int isword;

	for (i = 0; i < w->nf[k]; i++) {
		kind = (unsigned)(c->h[e0 + i] & 3);
		w->fid[e0 + i] += c->base[part_of(c->h[e0 + i])];
		idf = log((1.0 + nn) / (1.0 + w->df[w->fid[e0 + i]])) + 1.0;
		x = w->fw[e0 + i] * idf;
		if (kind == KIND_STOP || kind == KIND_STOPGRAM)
			x *= w->tune.stop_weight;
		isword = kind == KIND_WORD || kind == KIND_STOP;
		w->fword[e0 + i] = (uint8_t)(kind == KIND_WORD ? 1 :
		    kind == KIND_STOP ? 2 : 0);
		w->fw[e0 + i] = (float)x;
		norm[isword] += x * x;
	}
	scale[1] = norm[1] > 0 ? sqrt(1.0 - w->tune.beta) / sqrt(norm[1]) : 0;
	scale[0] = norm[0] > 0 ? sqrt(w->tune.beta) / sqrt(norm[0]) : 0;
	for (i = 0; i < w->nf[k]; i++)
		w->fw[e0 + i] = (float)(w->fw[e0 + i] *
		    scale[w->fword[e0 + i] != 0]);
}

static void
weigh_range(void *p, unsigned worker, size_t lo, size_t hi)
{
	(void)worker;
	for (; lo < hi; lo++)
		weigh_node(p, lo);
}

static int
build_dict(struct cl_work *w, uint64_t *h)
{
	struct dict_ctx dc;
	struct wt_ctx wc;
	size_t p, total = 0;
	int rc = 0;

	memset(&dc, 0, sizeof dc);
	dc.w = w;
	dc.h = h;
	par_for(w->nthreads, NPART, 1, dict_range, &dc);
	for (p = 0; p < NPART; p++) {
		wc.base[p] = (uint32_t)total;
		total += dc.part[p].len;
		rc |= -dc.part[p].oom;
	}
	if (rc == 0 && total < UINT32_MAX)
		w->df = malloc((total ? total : 1) * sizeof *w->df);
	if (w->df) {
		for (p = 0; p < NPART; p++)
			if (dc.part[p].len)
				memcpy(w->df + wc.base[p], dc.part[p].df,
				    dc.part[p].len * sizeof *w->df);
		w->nfeat = (uint32_t)total;
		wc.w = w;
		wc.h = h;
		par_for(w->nthreads, w->nnodes, 1024, weigh_range, &wc);
	}
	for (p = 0; p < NPART; p++) {
		free(dc.part[p].key);
		free(dc.part[p].id);
		free(dc.part[p].df);
	}
	return w->df ? 0 : -1;
}

int
cl_feat_build(struct cl_work *w)
{
	struct gen_ctx c = { w, NULL };
	size_t k, total = 0, cnt;
	int rc;

	w->foff = malloc((w->nnodes + 1) * sizeof *w->foff);
	w->nf = malloc((w->nnodes + 1) * sizeof *w->nf);
	if (!w->foff || !w->nf)
		return -1;
	par_for(w->nthreads, w->nnodes, 1024, count_range, &c);
	for (k = 0; k < w->nnodes; k++) {
		cnt = w->foff[k];
		w->foff[k] = total;
		total += cnt;
	}
	w->foff[w->nnodes] = total;
	c.h = malloc((total ? total : 1) * sizeof *c.h);
	w->fid = malloc((total ? total : 1) * sizeof *w->fid);
	w->fw = malloc((total ? total : 1) * sizeof *w->fw);
	w->fword = malloc(total ? total : 1);
	if (!c.h || !w->fid || !w->fw || !w->fword) {
		free(c.h);
		return -1;
	}
	par_for(w->nthreads, w->nnodes, 1024, gen_range, &c);
	rc = build_dict(w, c.h);
	free(c.h);
	return rc;
}

/* ---- neighbour graph ---- */

struct key {
	uint32_t key;		/* hashed word id or word-pair ids */
	float wt;		/* node's weight on it, to rank candidates */
};

static uint32_t
mix32(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* Rarest first, ties by id: the pair keys come from the head of this order. */
static int
rarer(const struct cl_work *w, size_t a, size_t b)
{
	uint32_t da = w->df[w->fid[a]], db = w->df[w->fid[b]];

	return da != db ? da < db : w->fid[a] < w->fid[b];
}

/*
 * Node k's keys: its content words (its stopwords if it has nothing else),
 * then every pair among its `pairs` rarest words.  out holds MAXKEYWORDS +
 * pairs*(pairs-1)/2 entries.
 */
static size_t
node_keys(const struct cl_work *w, size_t k, struct key *out)
{
	size_t word[MAXKEYWORDS], nw = 0, i, j, e, n = 0, x, np;
	uint8_t want = 1;

	for (;;) {
		for (i = 0; i < w->nf[k] && nw < MAXKEYWORDS; i++) {
			e = w->foff[k] + i;
			if (w->fword[e] != want)
				continue;
			/* insertion by rarity keeps the rarest at the front */
			for (j = nw++; j > 0 && rarer(w, e, word[j - 1]); j--)
				word[j] = word[j - 1];
			word[j] = e;
		}
		if (nw > 0 || want == 2)
			break;
		want = 2;
	}
	for (i = 0; i < nw; i++) {
		out[n].key = mix32((uint64_t)w->fid[word[i]] << 1);
		/* > 0 so that a scanned node always lands in `touched` */
		out[n++].wt = w->fw[word[i]] + 1e-6f;
	}
	np = nw < w->tune.pairs ? nw : w->tune.pairs;
	for (i = 0; i < np; i++)
		for (j = i + 1; j < np; j++) {
			x = w->fid[word[i]] < w->fid[word[j]] ?
			    (uint64_t)w->fid[word[i]] << 32 | w->fid[word[j]] :
			    (uint64_t)w->fid[word[j]] << 32 | w->fid[word[i]];
			out[n].key = mix32(x * 0x9e3779b97f4a7c15ULL | 1);
			out[n++].wt = w->fw[word[i]] + w->fw[word[j]];
		}
	return n;
}

/* Postings: (key << 32 | node), sorted; dir[] indexes the top key bits. */
struct post {
	uint64_t *ent;
	size_t len;
	uint32_t *dir;
	unsigned shift;
};

struct graph_ctx {
	struct cl_work *w;
	struct post post;
	size_t *koff;		/* node k's entries start at koff[k] */
	size_t maxkeys;
	float **acc;		/* per worker: partial score per node */
	uint32_t **touched;	/* per worker: nodes with acc != 0 */
	float **dense;		/* per worker: the node's vector, by feature id */
	struct key **keys;	/* per worker */
	int oom;
};

static void
keycount_range(void *p, unsigned worker, size_t lo, size_t hi)
{
	struct graph_ctx *c = p;

	for (; lo < hi; lo++)
		c->koff[lo] = node_keys(c->w, lo, c->keys[worker]);
}

static void
keyfill_range(void *p, unsigned worker, size_t lo, size_t hi)
{
	struct graph_ctx *c = p;
	struct key *k = c->keys[worker];
	size_t i, n;

	for (; lo < hi; lo++) {
		n = node_keys(c->w, lo, k);
		for (i = 0; i < n; i++)
			c->post.ent[c->koff[lo] + i] = (uint64_t)k[i].key << 32 | lo;
	}
}

/* Stable LSD radix sort on the key half; node order within a key survives. */
static int
sort_postings(struct post *p)
{
	uint64_t *tmp = malloc((p->len ? p->len : 1) * sizeof *tmp), *src, *dst, *sw;
	size_t *cnt = calloc(65536, sizeof *cnt), i, sum, c;
	unsigned pass, b;

	if (!tmp || !cnt) {
		free(tmp);
		free(cnt);
		return -1;
	}
	src = p->ent;
	dst = tmp;
	for (pass = 0; pass < 2; pass++) {
		b = 32 + 16 * pass;
		memset(cnt, 0, 65536 * sizeof *cnt);
		for (i = 0; i < p->len; i++)
			cnt[(src[i] >> b) & 0xffff]++;
		for (i = 0, sum = 0; i < 65536; i++) {
			c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < p->len; i++)
			dst[cnt[(src[i] >> b) & 0xffff]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
	free(tmp);		/* two passes: the result is back in p->ent */
	free(cnt);
	return 0;
}

static int
build_dir(struct post *p)
{
	unsigned bits = 4;
	size_t i, nb, j = 0;

	while (bits < 22 && ((size_t)1 << bits) < p->len / 2)
		bits++;
	p->shift = 64 - bits;
	nb = (size_t)1 << bits;
	p->dir = malloc((nb + 1) * sizeof *p->dir);
	if (!p->dir)
		return -1;
	for (i = 0; i <= nb; i++) {
		while (j < p->len && (p->ent[j] >> p->shift) < i)
			j++;
		p->dir[i] = (uint32_t)j;
	}
	return 0;
}

/* First index in [lo, hi) whose entry is >= x. */
static size_t
lower(const uint64_t *v, size_t lo, size_t hi, uint64_t x)
{
	size_t mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Adds wt to the partial score of every node in the scanned part of key's list. */
static void
scan_key(struct graph_ctx *c, unsigned worker, size_t k, const struct key *key)
{
	const struct post *p = &c->post;
	uint64_t base = (uint64_t)key->key << 32;
	size_t b = (size_t)(base >> p->shift), lo, hi, self, win = c->w->tune.window;
	float *acc = c->acc[worker];
	uint32_t *touched = c->touched[worker], j;

	lo = lower(p->ent, p->dir[b], p->dir[b + 1], base);
	hi = lower(p->ent, lo, p->dir[b + 1], base | 0xffffffffULL);
	if (hi - lo > win) {
		self = lower(p->ent, lo, hi, base | k);
		self = self - lo > win / 2 ? self - win / 2 : lo;
		lo = self + win <= hi ? self : hi - win;
		hi = lo + win;
	}
	for (; lo < hi; lo++) {
		j = (uint32_t)p->ent[lo];
		if (j == k)
			continue;
		if (acc[j] == 0)
			touched[++touched[0]] = j;
		acc[j] += key->wt;
	}
}

struct cand {
	float s;
	uint32_t j;
};

/* Better candidate: higher score, then lower node number. */
static int
cand_better(const struct cand *a, const struct cand *b)
{
	return a->s != b->s ? a->s > b->s : a->j < b->j;
}

/* Keeps the best m candidates in a heap whose root is the worst kept. */
static void
heap_push(struct cand *h, size_t *n, size_t m, struct cand x)
{
	size_t i, l, r, best;
	struct cand t;

	if (*n < m) {
		for (i = (*n)++; i > 0 && cand_better(&h[(i - 1) / 2], &x); i = (i - 1) / 2)
			h[i] = h[(i - 1) / 2];
		h[i] = x;
		return;
	}
	if (!cand_better(&x, &h[0]))
		return;
	h[0] = x;
	for (i = 0;; i = best) {
		l = 2 * i + 1;
		r = l + 1;
		best = i;
		if (l < *n && cand_better(&h[best], &h[l]))
			best = l;
		if (r < *n && cand_better(&h[best], &h[r]))
			best = r;
		if (best == i)
			break;
		t = h[i];
		h[i] = h[best];
		h[best] = t;
	}
}

static void
sort_cands(struct cand *v, size_t n)
{
	size_t i, j;
	struct cand x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && cand_better(&x, &v[j - 1]); j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static float
dot(const struct cl_work *w, const float *dense, size_t j)
{
	size_t i, e = w->foff[j];
	float s = 0;

	for (i = 0; i < w->nf[j]; i++)
		s += w->fw[e + i] * dense[w->fid[e + i]];
	return s;
}

/* Finds node k's neighbours and writes its knn slots. */
static void
node_graph(struct graph_ctx *c, unsigned worker, size_t k)
{
	struct cl_work *w = c->w;
	struct key *keys = c->keys[worker];
	float *acc = c->acc[worker], *dense = c->dense[worker];
	uint32_t *touched = c->touched[worker];
	struct cand heap[256], x;
	size_t nk, i, nh = 0, m = w->tune.verify, e = w->foff[k], kept = 0;
	float floor = (float)(w->tune.floor * w->t);

	touched[0] = 0;
	nk = node_keys(w, k, keys);
	for (i = 0; i < nk; i++)
		scan_key(c, worker, k, &keys[i]);
	for (i = 1; i <= touched[0]; i++) {
		x.s = acc[touched[i]];
		x.j = touched[i];
		acc[touched[i]] = 0;
		heap_push(heap, &nh, m, x);
	}
	for (i = 0; i < w->nf[k]; i++)
		dense[w->fid[e + i]] = w->fw[e + i];
	for (i = 0; i < nh; i++)
		heap[i].s = dot(w, dense, heap[i].j);
	for (i = 0; i < w->nf[k]; i++)
		dense[w->fid[e + i]] = 0;
	sort_cands(heap, nh);
	for (i = 0; i < nh && kept < w->tune.knn && heap[i].s >= floor; i++, kept++) {
		w->nbr[k * w->tune.knn + kept] = heap[i].j;
		w->nsim[k * w->tune.knn + kept] = heap[i].s;
	}
	for (; kept < w->tune.knn; kept++)
		w->nbr[k * w->tune.knn + kept] = CL_NONE;
}

static void
graph_range(void *p, unsigned worker, size_t lo, size_t hi)
{
	for (; lo < hi; lo++)
		node_graph(p, worker, lo);
}

static int
alloc_scratch(struct graph_ctx *c)
{
	unsigned t;
	size_t nt = c->w->nthreads, ntouch;

	c->maxkeys = MAXKEYWORDS + (size_t)c->w->tune.pairs * c->w->tune.pairs;
	ntouch = c->w->tune.window < c->w->nnodes / c->maxkeys + 1 ?
	    c->maxkeys * c->w->tune.window : c->w->nnodes;
	c->acc = calloc(nt, sizeof *c->acc);
	c->touched = calloc(nt, sizeof *c->touched);
	c->dense = calloc(nt, sizeof *c->dense);
	c->keys = calloc(nt, sizeof *c->keys);
	if (!c->acc || !c->touched || !c->dense || !c->keys)
		return -1;
	for (t = 0; t < nt; t++) {
		c->acc[t] = calloc(c->w->nnodes + 1, sizeof **c->acc);
		/* distinct nodes: at most window per key, at most all; +1 for
		 * the count in slot 0 */
		c->touched[t] = malloc((ntouch + 1) * sizeof **c->touched);
		c->dense[t] = calloc((size_t)c->w->nfeat + 1, sizeof **c->dense);
		c->keys[t] = malloc(c->maxkeys * sizeof **c->keys);
		if (!c->acc[t] || !c->touched[t] || !c->dense[t] || !c->keys[t])
			return -1;
	}
	return 0;
}

static void
free_scratch(struct graph_ctx *c)
{
	unsigned t;

	for (t = 0; c->acc && t < c->w->nthreads; t++) {
		free(c->acc[t]);
		free(c->touched[t]);
		free(c->dense[t]);
		free(c->keys[t]);
	}
	free(c->acc);
	free(c->touched);
	free(c->dense);
	free(c->keys);
	free(c->koff);
	free(c->post.ent);
	free(c->post.dir);
}

static int
build_postings(struct graph_ctx *c)
{
	struct cl_work *w = c->w;
	size_t k, total = 0, cnt;

	c->koff = malloc((w->nnodes + 1) * sizeof *c->koff);
	if (!c->koff)
		return -1;
	par_for(w->nthreads, w->nnodes, 1024, keycount_range, c);
	for (k = 0; k < w->nnodes; k++) {
		cnt = c->koff[k];
		c->koff[k] = total;
		total += cnt;
	}
	c->koff[w->nnodes] = total;
	c->post.len = total;
	c->post.ent = malloc((total ? total : 1) * sizeof *c->post.ent);
	if (!c->post.ent)
		return -1;
	par_for(w->nthreads, w->nnodes, 1024, keyfill_range, c);
	if (sort_postings(&c->post) < 0)
		return -1;
	return build_dir(&c->post);
}

int
cl_feat_graph(struct cl_work *w)
{
	struct graph_ctx c;
	int rc = -1;

	memset(&c, 0, sizeof c);
	c.w = w;
	if (w->tune.verify > 256)
		w->tune.verify = 256;
	if (w->tune.knn > w->tune.verify)
		w->tune.knn = w->tune.verify;
	w->nbr = malloc((w->nnodes * w->tune.knn + 1) * sizeof *w->nbr);
	w->nsim = malloc((w->nnodes * w->tune.knn + 1) * sizeof *w->nsim);
	if (w->nbr && w->nsim && alloc_scratch(&c) == 0 &&
	    build_postings(&c) == 0) {
		par_for(w->nthreads, w->nnodes, 256, graph_range, &c);
		rc = 0;
	}
	free_scratch(&c);
	return rc;
}
