/*
 * cluster_local.c: the driver of local clustering, and cluster naming.
 *
 * Design note.  A run goes: tokenise each keyword into a sorted bag of
 * stemmed words (tokenize.c); fold keywords with the same bag into one node
 * (so duplicates and reorderings cluster together for free and cost
 * nothing); vectorise the nodes and find each one's nearest neighbours
 * (cl_feat.c), keeping edges of at least `threshold` similarity; find
 * the graph's communities by modularity (cl_comm.c), or for the ai
 * method's name matching merge by average link while clusters are at least
 * `threshold` similar (cl_merge.c); dissolve new clusters smaller than
 * min_size; name and number what is left (here).
 *
 * Determinism.  Nodes are numbered in byte order of their bag, every later step
 * breaks ties by node number or by a hash of node numbers, and each parallel
 * step writes only its own slots, so the partition depends neither on the
 * thread count nor on input order.  Input order shows only among keywords
 * that normalise to the same bag: the naming tie-break below ends with the
 * input index.  New clusters are numbered largest first, then by the byte
 * order of their names.
 */
#include "compat.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cl_result_priv.h"
#include "cluster_local_priv.h"
#include "par.h"
#include "tokenize.h"

/*
 * The threshold: average link merges clusters at least this similar, and
 * the neighbour graph of both ways keeps edges of at least half of it.
 * 0.15 was measured on the small sets (bench/quality/RESULTS.md).
 */
#define CL_DEFAULT_THRESHOLD 0.15
/*
 * Graphs of fewer nodes are merged by average link, larger ones by
 * communities.  With resolution gamma a community cannot hold much more
 * than 1/gamma of the graph's edge weight, which splits a tiny input that
 * is mostly one topic; average link has no such limit but caps cluster size
 * at about knn / threshold.  Measured with the adaptive resolution,
 * communities win from the hand-written sets of 184 to 331 keywords up
 * (bench/quality/RESULTS.md); below 100 keywords there is no labelled set,
 * and average link keeps a handful of keywords on one topic together.
 */
#define CL_SMALL_NODES 100
/*
 * The resolution choice (cl_comm.c): inputs of at least this many content
 * words a keyword on average are sentences and keep the resolution 2.5;
 * measured 2.6 to 3.3 on keyword lists, 5.6 to 6.2 on utterances and
 * titles.  Shorter ones climb gamma 1, 2, ... CL_GAMMA_MAX and keep the
 * finest rung before coverage drops below CL_CLIFF of the next coarser.
 */
#define CL_SENTENCE_WORDS 4.5
#define CL_CLIFF 0.8
#define CL_GAMMA_MAX 64
#define CL_DEFAULT_MIN_SIZE 2
#define CL_MAX_WORDS 256	/* words of one keyword that are used */
#define CL_MAX_BYTES 65536	/* bytes of normalised words per keyword */

void
cl_tune_default(struct cl_tune *t)
{
	t->beta = 0.3;
	t->stop_weight = 0;
	t->ngram = 3;
	t->knn = 20;
	t->verify = 40;
	t->window = 64;
	t->pairs = 5;
	t->floor = 0.5;
	t->small = CL_SMALL_NODES;
	/*
	 * Resolution 2.5 (for sentences) and weights squared: chosen across
	 * all the sets of bench/quality/RESULTS.md; higher splits the large
	 * intent groups.  Short keywords get the ladder's choice instead.
	 */
	t->gamma = 2.5;
	t->adapt = 1;
	t->sentence = CL_SENTENCE_WORDS;
	t->cliff = CL_CLIFF;
	t->gmax = CL_GAMMA_MAX;
	t->wpow = 2;
	t->times = NULL;
	t->chosen = NULL;
	t->linkage = CL_LOUVAIN;
}

double
cl_local_default_threshold(void)
{
	return CL_DEFAULT_THRESHOLD;
}

/* ---- tokenising ---- */

struct tok_ctx {
	struct cl_work *w;
	struct buf *buf;	/* per worker */
	const char ***words;	/* per worker, CL_MAX_WORDS each */
	size_t *nwords;		/* per worker */
	int oom;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted words joined by spaces; stopwords dropped when weighted 0 and
 * something else is left. */
static char *
make_bag(const char **word, size_t nw, double stop_weight)
{
	size_t i, d = 0, len = 0;
	char *bag, *p;
	int content = 0;

	for (i = 0; i < nw; i++)
		content |= !tok_is_stopword(word[i], strlen(word[i]));
	for (i = 0; i < nw; i++)
		if (stop_weight > 0 || !content ||
		    !tok_is_stopword(word[i], strlen(word[i])))
			word[d++] = word[i];
	qsort(word, d, sizeof *word, cmp_str);
	for (i = 0; i < d; i++)
		len += strlen(word[i]) + 1;
	bag = malloc(len + 1);
	if (!bag)
		return NULL;
	p = bag;
	for (i = 0; i < d; i++) {
		if (i > 0)
			*p++ = ' ';
		len = strlen(word[i]);
		memcpy(p, word[i], len);
		p += len;
	}
	*p = '\0';
	return bag;
}

static void
tok_range(void *p, unsigned worker, size_t lo, size_t hi)
{
	struct tok_ctx *c = p;
	struct buf *b = &c->buf[worker];
	const char **word = c->words[worker];
	long nw, i;
	const char *s;

	for (; lo < hi && !c->oom; lo++) {
		buf_reset(b);
		nw = tok_words(c->w->kw[lo], b);
		if (nw < 0 && !b->toobig) {
			c->oom = 1;
			return;
		}
		s = buf_str(b);
		for (i = 0; i < nw && i < CL_MAX_WORDS; i++, s += strlen(s) + 1)
			word[i] = s;
		c->nwords[worker] += (size_t)i;
		c->w->bag[lo] = make_bag(word, (size_t)i, c->w->tune.stop_weight);
		if (!c->w->bag[lo]) {
			c->oom = 1;
			return;
		}
		c->w->bag_hash[lo] = cl_hash(c->w->bag[lo],
		    strlen(c->w->bag[lo]), 0x626167);
	}
}

static int
tokenize_all(struct cl_work *w, size_t *nwords_out)
{
	struct tok_ctx c;
	unsigned t;
	int rc = -1;

	memset(&c, 0, sizeof c);
	c.w = w;
	w->bag = calloc(w->n + 1, sizeof *w->bag);
	w->bag_hash = malloc((w->n + 1) * sizeof *w->bag_hash);
	c.buf = calloc(w->nthreads, sizeof *c.buf);
	c.words = calloc(w->nthreads, sizeof *c.words);
	c.nwords = calloc(w->nthreads, sizeof *c.nwords);
	if (!w->bag || !w->bag_hash || !c.buf || !c.words || !c.nwords)
		goto out;
	for (t = 0; t < w->nthreads; t++) {
		buf_init(&c.buf[t], CL_MAX_BYTES);
		c.words[t] = malloc(CL_MAX_WORDS * sizeof **c.words);
		if (!c.words[t])
			goto out;
	}
	par_for(w->nthreads, w->n, 1024, tok_range, &c);
	if (!c.oom)
		rc = 0;
	for (t = 0; nwords_out && t < w->nthreads; t++)
		*nwords_out += c.nwords[t];
out:
	for (t = 0; c.buf && t < w->nthreads; t++) {
		buf_release(&c.buf[t]);
		if (c.words)
			free(c.words[t]);
	}
	free(c.buf);
	free(c.words);
	free(c.nwords);
	return rc;
}

static void
free_bags(struct cl_work *w)
{
	size_t i;

	for (i = 0; w->bag && i < w->n; i++)
		free(w->bag[i]);
	free(w->bag);
	free(w->bag_hash);
	w->bag = NULL;
	w->bag_hash = NULL;
}

/* ---- nodes ---- */

static const struct cl_work *sort_w;	/* qsort has no context argument */

static long
label_of(const struct cl_work *w, size_t i)
{
	return w->fixed ? w->fixed[i] : -1;
}

static int
cmp_kw(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct cl_work *w = sort_w;
	long li, lj;
	int c;

	/* byte order of bags, not hash order: neighbours get near numbers,
	 * which halves the graph phase (cache) and makes posting windows
	 * sorted-neighbourhood samples (bench/quality/RESULTS.md) */
	c = strcmp(w->bag[i], w->bag[j]);
	if (c)
		return c;
	li = label_of(w, i);
	lj = label_of(w, j);
	if (li != lj)
		return li < lj ? -1 : 1;
	return (i > j) - (i < j);
}

static int
same_bag(const struct cl_work *w, size_t i, size_t j)
{
	return w->bag_hash[i] == w->bag_hash[j] && strcmp(w->bag[i], w->bag[j]) == 0;
}

/*
 * One node per (bag, existing cluster); free keywords whose bag also occurs
 * in an existing cluster join the lowest such cluster's node.
 */
static int
make_nodes(struct cl_work *w)
{
	size_t i, j, g, k = 0;
	long l;

	w->order = malloc((w->n + 1) * sizeof *w->order);
	w->nstart = malloc((w->n + 1) * sizeof *w->nstart);
	w->nlabel = malloc((w->n + 1) * sizeof *w->nlabel);
	w->mult = malloc((w->n + 1) * sizeof *w->mult);
	if (!w->order || !w->nstart || !w->nlabel || !w->mult)
		return -1;
	for (i = 0; i < w->n; i++)
		w->order[i] = i;
	sort_w = w;
	qsort(w->order, w->n, sizeof *w->order, cmp_kw);
	for (i = 0; i < w->n; i = g) {
		for (g = i + 1; g < w->n && same_bag(w, w->order[i], w->order[g]); g++)
			;
		/* free members sort first; they ride with the first label run */
		for (j = i; j < g; ) {
			w->nstart[k] = j;
			while (j < g && label_of(w, w->order[j]) < 0)
				j++;
			l = j < g ? label_of(w, w->order[j]) : -1;
			while (j < g && label_of(w, w->order[j]) == l)
				j++;
			w->nlabel[k] = l;
			w->mult[k] = (uint32_t)(j - w->nstart[k]);
			k++;
		}
	}
	w->nnodes = k;
	w->nstart[k] = w->n;
	return 0;
}

/* ---- result ---- */

struct res_ctx {
	struct cl_work *w;
	struct cl_result *r;
	double *cent;		/* per node: summed similarity inside its cluster */
	size_t *csize;		/* per root node */
	long *clab;		/* per root node: cluster number, or -1 */
	size_t *crep;		/* per root node: representative keyword */
	size_t *node_of;	/* per keyword */
};

static double
vol(const struct cl_work *w, size_t i)
{
	return w->vol && w->vol[i] >= 0 ? w->vol[i] : -1;
}

/* Is keyword i a better name than keyword j for their shared cluster? */
static int
better_name(const struct res_ctx *c, size_t i, size_t j)
{
	const struct cl_work *w = c->w;
	double ci = c->cent[c->node_of[i]], cj = c->cent[c->node_of[j]];
	size_t li, lj;
	int s;

	if (vol(w, i) != vol(w, j))
		return vol(w, i) > vol(w, j);
	if (ci != cj)
		return ci > cj;
	li = strlen(w->kw[i]);
	lj = strlen(w->kw[j]);
	if (li != lj)
		return li < lj;
	s = strcmp(w->kw[i], w->kw[j]);
	return s ? s < 0 : i < j;
}

static void
centrality(struct res_ctx *c)
{
	const struct cl_work *w = c->w;
	size_t k, i, kn = w->tune.knn;
	uint32_t j;

	for (k = 0; k < w->nnodes; k++) {
		c->cent[k] = (double)w->mult[k] - 1;
		for (i = 0; i < kn; i++) {
			j = w->nbr[k * kn + i];
			if (j != CL_NONE && w->root[j] == w->root[k])
				c->cent[k] += (double)w->nsim[k * kn + i] * w->mult[j];
		}
	}
}

static const struct res_ctx *sort_c;

/* Largest first, then by name, then by the name's input index. */
static int
cmp_new(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct res_ctx *c = sort_c;
	int s;

	if (c->csize[x] != c->csize[y])
		return c->csize[x] > c->csize[y] ? -1 : 1;
	s = strcmp(c->w->kw[c->crep[x]], c->w->kw[c->crep[y]]);
	if (s)
		return s;
	return (c->crep[x] > c->crep[y]) - (c->crep[x] < c->crep[y]);
}

/* Numbers the new clusters that are big enough; others stay -1. */
static int
number_new(struct res_ctx *c, size_t min_size)
{
	const struct cl_work *w = c->w;
	size_t k, nn = 0, *list;

	list = malloc((w->nnodes + 1) * sizeof *list);
	if (!list)
		return -1;
	for (k = 0; k < w->nnodes; k++)
		if (w->root[k] == k && c->clab[k] < 0 && c->csize[k] >= min_size &&
		    w->nf[k] > 0)
			list[nn++] = k;
	sort_c = c;
	qsort(list, nn, sizeof *list, cmp_new);
	for (k = 0; k < nn; k++)
		c->clab[list[k]] = (long)(w->nfixed + k);
	c->r->nclusters = w->nfixed + nn;
	free(list);
	return 0;
}

static int
fill_result(struct res_ctx *c)
{
	struct cl_work *w = c->w;
	struct cl_result *r = c->r;
	size_t k, i, x;
	uint32_t root;
	long l;

	r->cluster = malloc((w->n + 1) * sizeof *r->cluster);
	r->rep = malloc((r->nclusters + 1) * sizeof *r->rep);
	r->size = calloc(r->nclusters + 1, sizeof *r->size);
	r->cent = malloc((w->n + 1) * sizeof *r->cent);
	if (!r->cluster || !r->rep || !r->size || !r->cent)
		return -1;
	for (l = 0; (size_t)l < r->nclusters; l++)
		r->rep[l] = (size_t)-1;
	for (k = 0; k < w->nnodes; k++) {
		root = w->root[k];
		l = c->clab[root];
		for (i = w->nstart[k]; i < w->nstart[k + 1]; i++) {
			x = w->order[i];
			r->cluster[x] = l;
			r->cent[x] = c->cent[k];
			if (l < 0)
				continue;
			r->size[l]++;
			if (r->rep[l] == (size_t)-1 || better_name(c, x, r->rep[l]))
				r->rep[l] = x;
		}
	}
	return 0;
}

static int
build_result(struct cl_work *w, size_t min_size, struct cl_result *r)
{
	struct res_ctx c;
	size_t k, i, x;
	uint32_t root;
	int rc = -1;

	memset(&c, 0, sizeof c);
	c.w = w;
	c.r = r;
	c.cent = malloc((w->nnodes + 1) * sizeof *c.cent);
	c.csize = calloc(w->nnodes + 1, sizeof *c.csize);
	c.clab = malloc((w->nnodes + 1) * sizeof *c.clab);
	c.crep = malloc((w->nnodes + 1) * sizeof *c.crep);
	c.node_of = malloc((w->n + 1) * sizeof *c.node_of);
	if (!c.cent || !c.csize || !c.clab || !c.crep || !c.node_of)
		goto out;
	centrality(&c);
	for (k = 0; k < w->nnodes; k++) {
		c.clab[k] = -1;
		c.crep[k] = (size_t)-1;
	}
	for (k = 0; k < w->nnodes; k++) {
		root = w->root[k];
		c.csize[root] += w->mult[k];
		if (w->nlabel[k] >= 0)
			c.clab[root] = w->nlabel[k];
		for (i = w->nstart[k]; i < w->nstart[k + 1]; i++)
			c.node_of[w->order[i]] = k;
	}
	/* provisional names, used to order the new clusters */
	for (k = 0; k < w->nnodes; k++) {
		root = w->root[k];
		x = w->order[w->nstart[k]];
		for (i = w->nstart[k]; i < w->nstart[k + 1]; i++)
			if (better_name(&c, w->order[i], x))
				x = w->order[i];
		if (c.crep[root] == (size_t)-1 || better_name(&c, x, c.crep[root]))
			c.crep[root] = x;
	}
	if (number_new(&c, min_size) == 0 && fill_result(&c) == 0)
		rc = 0;
out:
	free(c.cent);
	free(c.csize);
	free(c.clab);
	free(c.crep);
	free(c.node_of);
	return rc;
}

/* ---- entry points ---- */

static void
work_release(struct cl_work *w)
{
	free_bags(w);
	free(w->order);
	free(w->nstart);
	free(w->nlabel);
	free(w->mult);
	free(w->foff);
	free(w->nf);
	free(w->fid);
	free(w->fw);
	free(w->fword);
	free(w->df);
	free(w->nbr);
	free(w->nsim);
	free(w->root);
}

static int
check_args(const char *const *kw, const long *fixed, size_t nfixed, size_t n,
    double t, struct ig_err *err)
{
	size_t i;

	if (!(t > 0 && t <= 1))
		return ig_err_set(err, IG_EUSAGE,
		    "threshold %g: must be in (0,1]", t);
	if (n >= UINT32_MAX || nfixed >= (size_t)LONG_MAX)
		return ig_err_set(err, IG_EDATA,
		    "%zu keywords: too many (at most %u)", n, UINT32_MAX - 1);
	for (i = 0; i < n; i++) {
		if (!kw[i])
			return ig_err_set(err, IG_ESOFTWARE,
			    "keyword %zu: null pointer", i);
		if (fixed && (fixed[i] < -1 || (fixed[i] >= 0 &&
		    (size_t)fixed[i] >= nfixed)))
			return ig_err_set(err, IG_EDATA,
			    "keyword %zu: existing cluster %ld out of range "
			    "(%zu clusters)", i, fixed[i], nfixed);
	}
	return 0;
}

/* Process CPU time: phase figures that a busy machine distorts less. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Records the time since *t0 as phase p, for the bench. */
static void
lap(struct cl_work *w, int p, double *t0)
{
	double t = now();

	if (w->tune.times)
		w->tune.times[p] = t - *t0;
	*t0 = t;
}

static int
run(struct cl_work *w, size_t min_size, struct cl_result *r)
{
	double t0 = now();

	if (tokenize_all(w, NULL) < 0)
		return -1;
	lap(w, 0, &t0);
	if (make_nodes(w) < 0)
		return -1;
	lap(w, 1, &t0);
	if (cl_feat_build(w) < 0)
		return -1;
	free_bags(w);
	lap(w, 2, &t0);
	if (cl_feat_graph(w) < 0)
		return -1;
	/*
	 * The vectors' ids and weights are done with (cl_comm() reads only
	 * fword, nf and foff): freed before the community graph is built,
	 * the largest allocation of a run (at 1,000,000 keywords the peak
	 * fell by about this much; bench/RESULTS.md).
	 */
	free(w->fid);
	free(w->fw);
	w->fid = NULL;
	w->fw = NULL;
	lap(w, 3, &t0);
	if (cl_merge(w) < 0)
		return -1;
	lap(w, 4, &t0);
	if (build_result(w, min_size, r) < 0)
		return -1;
	lap(w, 5, &t0);
	return 0;
}

int
cl_local_run_tuned(const char *const *keywords, const double *volumes,
    const long *fixed, size_t nfixed_clusters, size_t n,
    const struct cl_local_opts *opts, const struct cl_tune *tune,
    struct cl_result **out, struct ig_err *err)
{
	struct cl_work w;
	struct cl_result *r;
	size_t min_size = opts && opts->min_size ? opts->min_size :
	    CL_DEFAULT_MIN_SIZE;
	int link;

	*out = NULL;
	memset(&w, 0, sizeof w);
	link = opts && opts->link == CL_LINK_AVERAGE;
	w.t = opts && opts->threshold != 0 ? opts->threshold : CL_DEFAULT_THRESHOLD;
	if (check_args(keywords, fixed, nfixed_clusters, n, w.t, err) < 0)
		return -1;
	w.n = n;
	w.kw = keywords;
	w.vol = volumes;
	w.fixed = fixed;
	w.nfixed = nfixed_clusters;
	w.nthreads = opts && opts->threads ? opts->threads : par_ncpu(8);
	if (w.nthreads > 8)
		w.nthreads = 8;
	if (tune)
		w.tune = *tune;
	else
		cl_tune_default(&w.tune);
	if (link)
		w.tune.linkage = CL_AVERAGE;
	if (w.tune.window < 2)
		w.tune.window = 2;
	if (w.tune.knn < 1)
		w.tune.knn = 1;
	r = calloc(1, sizeof *r);
	if (!r || run(&w, min_size, r) < 0) {
		work_release(&w);
		cl_result_free(r);
		return ig_err_set(err, IG_ESOFTWARE,
		    "clustering %zu keywords: out of memory", n);
	}
	r->n = n;
	work_release(&w);
	*out = r;
	return 0;
}

int
cl_local_run(const char *const *keywords, const double *volumes,
    const long *fixed, size_t nfixed_clusters, size_t n,
    const struct cl_local_opts *opts, struct cl_result **out,
    struct ig_err *err)
{
	return cl_local_run_tuned(keywords, volumes, fixed, nfixed_clusters, n,
	    opts, NULL, out, err);
}

int
cl_local_tokenize_only(const char *const *keywords, size_t n,
    unsigned threads, size_t *nwords_out)
{
	struct cl_work w;
	int rc;

	memset(&w, 0, sizeof w);
	w.n = n;
	w.kw = keywords;
	w.nthreads = threads ? threads : par_ncpu(8);
	cl_tune_default(&w.tune);
	*nwords_out = 0;
	rc = tokenize_all(&w, nwords_out);
	free_bags(&w);
	return rc;
}
