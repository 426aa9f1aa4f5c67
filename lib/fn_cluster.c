/*
 * fn_cluster.c: keyword clustering (the audit's auto_cluster), the run
 * around its three methods: input, method choice, the local method,
 * saving and output.  See cluster_priv.h for the life of a run.
 *
 * Clustering needs every keyword at once, so collect() only upserts and
 * remembers; the work happens after the input.  Keywords already in a
 * cluster are not clustered again (unless --rebuild), so rerunning the same
 * input sends nothing and changes nothing; their clusters are re-emitted.
 * All clusters of a run and their keyword assignments are saved in one
 * transaction: an interrupted run leaves no half-made cluster.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cl_name.h"
#include "cluster_local.h"
#include "cluster_priv.h"
#include "config.h"
#include "fn.h"
#include "json.h"
#include "keyword.h"
#include "msg.h"
#include "provider.h"
#include "records.h"
#include "workspace.h"

/* ---- state ---- */

static void
item_release(struct cl_item *it)
{
	if (!it->pooled) {
		free(it->keyword);
		free(it->norm);
		free(it->sector);
		free(it->intent);
	}
	free(it->vec);
}

void
cl_group_release(struct cl_group *g)
{
	free(g->name);
	free(g->norm);
	free(g->description);
	free(g->member);
}

int
cl_group_add(struct cl_group *g, size_t item)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		size_t *m = realloc(g->member, cap * sizeof *m);
		if (!m)
			return -1;
		g->member = m;
		g->cap = cap;
	}
	g->member[g->n++] = item;
	return 0;
}

static void
state_free(void *p)
{
	struct cl_state *st = p;

	for (size_t i = 0; st->in && i < st->nin; i++)
		item_release(&st->in[i]);
	for (size_t i = 0; i < st->nitem; i++)
		item_release(&st->item[i]);
	for (size_t i = 0; i < st->nex; i++) {
		free(st->ex[i].name);
		free(st->ex[i].norm);
	}
	for (size_t i = 0; i < st->nraw; i++)
		cl_group_release(&st->raw[i]);
	free(st->in);
	free(st->in_id);
	free(st->pool);
	free(st->seen);
	free(st->item);
	free(st->ex);
	free(st->raw);
	free(st->embed_model);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static struct cl_state *
state(struct run *run)
{
	struct cl_state *st = run_data(run);

	if (!st && (st = calloc(1, sizeof *st))) {
		pthread_mutex_init(&st->lock, NULL);
		run_set_data(run, st);
		run_set_data_free(run, state_free);
		st->data_version = ws_data_version(run_ws(run));
		/*
		 * Every keyword of the input is upserted, read back and
		 * updated in this run: with SQLite's default 2 MB cache the
		 * keyword index spilled and was read again (at 100,000
		 * keywords, 89,000 preads; bench/RESULTS.md).
		 */
		ws_cache_size(run_ws(run), WS_BIG_CACHE);
	}
	return st;
}

/* Appends to an item array (grows it); returns the slot or NULL. */
static struct cl_item *
item_push(struct cl_item **arr, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct cl_item *a = realloc(*arr, c * sizeof *a);
		if (!a)
			return NULL;
		*arr = a;
		*cap = c;
	}
	memset(&(*arr)[*n], 0, sizeof **arr);
	return &(*arr)[(*n)++];
}

static char *
col_dup(sqlite3_stmt *st, int c)
{
	const char *s = (const char *)sqlite3_column_text(st, c);

	return s ? strdup(s) : NULL;
}

/* The columns item_fill() reads, in its order. */
#define ITEM_COLS "id, keyword, norm, volume, sector, coalesce(cluster_id, 0), intent"

/* Fills an item from a row of ITEM_COLS; returns its cluster (0 = none). */
static long
item_fill(struct cl_item *it, sqlite3_stmt *st)
{
	it->id = (long)sqlite3_column_int64(st, 0);
	it->keyword = col_dup(st, 1);
	it->norm = col_dup(st, 2);
	it->volume = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1
		     : (long)sqlite3_column_int64(st, 3);
	it->sector = col_dup(st, 4);
	it->intent = col_dup(st, 6);
	it->fixed = -1;
	return (long)sqlite3_column_int64(st, 5);
}

static int
item_filled(const struct cl_item *it, sqlite3_stmt *st)
{
	return it->keyword && it->norm && (it->sector || !sqlite3_column_text(st, 4)) &&
	       (it->intent || !sqlite3_column_text(st, 6));
}

/* Fills an item from keywords row `id`; *cluster_out gets its cluster (0 = none). */
static int
item_load(struct ws *ws, long id, struct cl_item *it, long *cluster_out,
	  struct ig_err *err)
{
	sqlite3_stmt *st = ws_cached(ws, "SELECT " ITEM_COLS " FROM keywords WHERE id = ?", err);
	int rc = -1;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*cluster_out = item_fill(it, st);
		if (item_filled(it, st)) {
			rc = 0;
		} else {
			item_release(it);
			ig_err_set(err, IG_ESOFTWARE, "out of memory");
		}
	} else {
		ig_err_set(err, IG_ENOINPUT, "no keyword with id %ld in the workspace", id);
	}
	ws_done(st);
	return rc;
}

/* ---- INIT: one keyword record ---- */

/*
 * Adds id to the set of input ids: 1 when new, 0 when seen, -1 on out of
 * memory.  A hash set, so a million-keyword input dedups in linear time.
 */
static int
seen_add(struct cl_state *st, long id)
{
	size_t mask, h;

	if ((st->nin + 1) * 2 > st->capseen) {
		size_t cap = st->capseen ? st->capseen * 2 : 1024;
		long *s = calloc(cap, sizeof *s);
		if (!s)
			return -1;
		for (size_t i = 0; i < st->capseen; i++) {
			if (!st->seen[i])
				continue;
			h = (size_t)st->seen[i] * 0x9E3779B97F4A7C15u & (cap - 1);
			while (s[h])
				h = (h + 1) & (cap - 1);
			s[h] = st->seen[i];
		}
		free(st->seen);
		st->seen = s;
		st->capseen = cap;
	}
	mask = st->capseen - 1;
	for (h = (size_t)id * 0x9E3779B97F4A7C15u & mask; st->seen[h]; h = (h + 1) & mask)
		if (st->seen[h] == id)
			return 0;
	st->seen[h] = id;
	return 1;
}

/*
 * Fills it from a new keywords row: what INSERT wrote is what a read
 * back would give, so a new keyword (most of a first run's input) costs
 * no SELECT.  Takes norm.
 */
static int
item_new(struct cl_item *it, long id, const struct kw_fields *f, char *norm)
{
	it->id = id;
	it->norm = norm;
	it->keyword = strdup(f->keyword);
	it->volume = f->volume;
	it->sector = f->sector ? strdup(f->sector) : NULL;
	it->intent = f->intent ? strdup(f->intent) : NULL;
	it->fixed = 0;
	return it->keyword && (it->sector || !f->sector) && (it->intent || !f->intent) ? 0 : -1;
}

/*
 * A record naming a keyword by text is upserted; one with only an id is
 * looked up.  *norm_out gets the normalised keyword of a new row (to
 * free), NULL otherwise.
 */
static long
take_keyword(struct ws *ws, const cJSON *rec, struct kw_fields *f,
	     char **norm_out, struct ig_err *err)
{
	int inserted = 0;
	long id;

	*norm_out = NULL;
	if (!cJSON_GetObjectItemCaseSensitive(rec, "keyword") &&
	    cJSON_GetObjectItemCaseSensitive(rec, "id"))
		return rec_id(rec, "keyword", err);
	if (kw_from_record(rec, f, err) < 0 || !(*norm_out = kw_normalize(f->keyword, err)))
		return -1;
	/*
	 * No savepoint of its own (INIT runs in the writer's transaction):
	 * each statement of the upsert is atomic, and an insert that found
	 * the keyword changed nothing, so a failure leaves nothing to undo.
	 * Two statements fewer a keyword.
	 */
	if (kw_upsert_norm(ws, f, *norm_out, &id, &inserted, err) < 0)
		goto fail;
	if (!inserted) {
		free(*norm_out);
		*norm_out = NULL;
	}
	return id;
fail:
	free(*norm_out);
	*norm_out = NULL;
	return -1;
}

static int
cluster_collect(struct run *run, const cJSON *rec, struct ig_err *err)
{
	struct cl_state *st = state(run);
	struct kw_fields f;
	struct cl_item *it;
	char *norm;
	long id, cid;
	int dup;

	if (!st)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if ((id = take_keyword(run_ws(run), rec, &f, &norm, err)) < 0)
		return -1;
	/* 0: a duplicate of an earlier line */
	if ((dup = seen_add(st, id)) <= 0 || !(it = item_push(&st->in, &st->nin, &st->capin))) {
		free(norm);
		return dup == 0 ? 0 : ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	if (norm) {
		if (item_new(it, id, &f, norm) < 0)
			return ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return 0;
	}
	if (item_load(run_ws(run), id, it, &cid, err) < 0) {
		st->nin--;
		return -1;
	}
	/* `fixed` of an input keyword: its cluster id at input time, 0 = none. */
	it->fixed = cid;
	return 0;
}

/*
 * --all: every keyword of the workspace in one pass over the table,
 * as cluster_collect() would take each by id (the --ids before it are
 * kept and not taken twice).
 */
static int
cluster_take_all(struct run *run, struct ig_err *err)
{
	struct cl_state *st = state(run);
	sqlite3_stmt *q = ws_prepare(run_ws(run), "SELECT " ITEM_COLS " FROM keywords"
					      " ORDER BY id", err);
	struct cl_item tmp, *it;
	int rc = q ? 0 : -1, dup, step = SQLITE_DONE;

	if (!st)
		rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
	while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
		memset(&tmp, 0, sizeof tmp);
		tmp.fixed = item_fill(&tmp, q);
		if ((dup = seen_add(st, tmp.id)) == 0) {
			item_release(&tmp);
			continue;
		}
		if (dup < 0 || !item_filled(&tmp, q) ||
		    !(it = item_push(&st->in, &st->nin, &st->capin))) {
			item_release(&tmp);
			rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
			break;
		}
		*it = tmp;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = ws_fail(run_ws(run), err, "reading the keywords");
	sqlite3_finalize(q);
	return rc;
}

/* ---- after the input: the method and its jobs ---- */

static int
is_loopback(const char *url)
{
	return strstr(url, "://127.0.0.1") || strstr(url, "://localhost") ||
	       strstr(url, "://[::1]");
}

/* auto: ai when the cluster provider can be called, else local. */
static int
pick_method(struct run *run, struct ig_err *err)
{
	const char *m = config_str(run_config(run), "cluster.method");
	struct ig_err e = { 0 };
	struct provider *p;

	if (!strcmp(m, "local"))
		return CM_LOCAL;
	if (!strcmp(m, "embed"))
		return CM_EMBED;
	if (!strcmp(m, "ai"))
		return CM_AI;
	p = run_provider(run, "cluster", &e);
	if (p && (provider_has_key(p) || is_loopback(provider_base_url(p))))
		return CM_AI;
	(void)err;
	ig_notef("no API key: clustering offline (--method local)");
	return CM_LOCAL;
}

static int
load_existing(struct run *run, struct cl_state *st, struct ig_err *err)
{
	sqlite3_stmt *q = ws_prepare(run_ws(run), "SELECT id, name, name_norm FROM clusters"
					      " ORDER BY id", err);
	size_t cap = 0;

	if (!q)
		return -1;
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (st->nex == cap) {
			struct cl_exist *e;
			cap = cap ? cap * 2 : 16;
			if (!(e = realloc(st->ex, cap * sizeof *e))) {
				sqlite3_finalize(q);
				return ig_err_set(err, IG_ESOFTWARE, "out of memory");
			}
			st->ex = e;
		}
		st->ex[st->nex].id = (long)sqlite3_column_int64(q, 0);
		st->ex[st->nex].name = col_dup(q, 1);
		st->ex[st->nex].norm = col_dup(q, 2);
		st->nex++;
	}
	sqlite3_finalize(q);
	return 0;
}

static int
by_exist_id(const void *a, const void *b)
{
	const struct cl_exist *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Index of existing cluster id in st->ex (sorted by id), or -1. */
static long
exist_index(const struct cl_state *st, long id)
{
	struct cl_exist key = { id, NULL, NULL };
	const struct cl_exist *at = st->nex ? bsearch(&key, st->ex, st->nex, sizeof *st->ex,
						       by_exist_id) : NULL;

	return at ? (long)(at - st->ex) : -1;
}

/*
 * src becomes an item (fixed: its existing cluster, or -1 to be
 * clustered), its strings moved: after the input the input list is
 * needed only for its ids, and a million keywords held twice were a
 * third of the run's memory.
 */
static int
move_item(struct cl_state *st, struct cl_item *src, long fixed)
{
	struct cl_item *it = item_push(&st->item, &st->nitem, &st->capitem);

	if (!it)
		return -1;
	*it = *src;
	it->fixed = fixed;
	src->keyword = src->norm = src->sector = src->intent = NULL;
	src->vec = NULL;
	return 0;
}

static char *
pool_put(char **p, char *s)
{
	char *at = *p;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	memcpy(at, s, n);
	*p += n;
	free(s);
	return at;
}

/*
 * Moves the items' strings into one block.  Made one at a time on the
 * writer between the input's records and jobs, they kept nearly every
 * page the input had used from going back to the system: at a million
 * keywords, 200 MB more at the clustering's peak.  The local method never
 * matches by the normalised form, so it is dropped.
 */
static int
pack_strings(struct cl_state *st)
{
	size_t total = 1;
	char *p;

	for (size_t i = 0; i < st->nitem; i++) {
		struct cl_item *it = &st->item[i];

		if (st->method == CM_LOCAL) {
			free(it->norm);
			it->norm = NULL;
		}
		total += strlen(it->keyword) + 1 + (it->norm ? strlen(it->norm) + 1 : 0) +
			 (it->sector ? strlen(it->sector) + 1 : 0) +
			 (it->intent ? strlen(it->intent) + 1 : 0);
	}
	if (!(p = st->pool = malloc(total)))
		return -1;
	for (size_t i = 0; i < st->nitem; i++) {
		struct cl_item *it = &st->item[i];

		it->keyword = pool_put(&p, it->keyword);
		it->norm = pool_put(&p, it->norm);
		it->sector = pool_put(&p, it->sector);
		it->intent = pool_put(&p, it->intent);
		it->pooled = 1;
	}
#ifdef __GLIBC__
	/* the freed pieces go back now: the clustering maps its arrays afresh */
	malloc_trim(0);
#endif
	return 0;
}

/*
 * After the input only the input keywords' ids are needed (for the
 * output): at a million keywords, their items and the set of ids held
 * 100 MB through the clustering.
 */
static int
keep_ids(struct cl_state *st)
{
	if (!(st->in_id = malloc((st->nin + 1) * sizeof *st->in_id)))
		return -1;
	for (size_t i = 0; i < st->nin; i++) {
		st->in_id[i] = st->in[i].id;
		item_release(&st->in[i]);
	}
	free(st->in);
	free(st->seen);
	st->in = NULL;
	st->seen = NULL;
	st->capin = st->capseen = 0;
	return pack_strings(st);
}

/* Members of existing clusters become fixed items (local and embed). */
static int
load_fixed(struct run *run, struct cl_state *st, struct ig_err *err)
{
	sqlite3_stmt *q = ws_prepare(run_ws(run), "SELECT " ITEM_COLS " FROM keywords"
					      " WHERE cluster_id IS NOT NULL ORDER BY id", err);
	struct cl_item tmp;
	long ex;
	int rc = q ? 0 : -1;

	while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
		memset(&tmp, 0, sizeof tmp);
		ex = exist_index(st, item_fill(&tmp, q));
		if (!item_filled(&tmp, q) || (ex >= 0 && move_item(st, &tmp, ex) < 0))
			rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
		item_release(&tmp);
	}
	sqlite3_finalize(q);
	return rc;
}

/* --rebuild deletes every cluster, and with them their ideas (CASCADE). */
static int
check_rebuild(struct run *run, struct ig_err *err)
{
	sqlite3_stmt *q = ws_prepare(run_ws(run), "SELECT count(*), count(DISTINCT"
					      " cluster_id) FROM ideas", err);
	long ideas = 0, clusters = 0;

	if (!q)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW) {
		ideas = (long)sqlite3_column_int64(q, 0);
		clusters = (long)sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	if (ideas && !(run_opts(run)->flags & RUN_FORCE))
		return ig_err_set(err, IG_EUSAGE, "--rebuild would delete %ld ideas of %ld "
				  "clusters: add --force to delete them", ideas, clusters);
	return 0;
}

int
cl_submit(struct run *run, int no, const size_t *idx, size_t n, struct ig_err *err)
{
	struct cl_job *cj = malloc(sizeof *cj + n * sizeof cj->idx[0]);
	struct job *job;
	char ref[32];

	snprintf(ref, sizeof ref, "batch:%d", no);
	if (!cj || !(job = run_new_job(run, ref))) {
		free(cj);
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	cj->no = no;
	cj->n = n;
	state(run)->njobs++;
	memcpy(cj->idx, idx, n * sizeof *idx);
	job_set_data(job, cj);
	return run_submit(run, job);
}

static int
cluster_input_end(struct run *run, struct ig_err *err)
{
	struct cl_state *st = state(run);
	int rebuild = run_opts(run)->flags & RUN_REBUILD;

	if (!st)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if (rebuild && check_rebuild(run, err) < 0)
		return -1;
	st->method = pick_method(run, err);
	if (!rebuild && load_existing(run, st, err) < 0)
		return -1;
	for (size_t i = 0; i < st->nin; i++)
		if ((rebuild || !st->in[i].fixed) && move_item(st, &st->in[i], -1) < 0)
			return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if (keep_ids(st) < 0)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	st->nwork = st->nitem;
	if (!st->nwork)
		return 0;	/* all clustered already: nothing to send */
	if (st->method != CM_AI && !rebuild && load_fixed(run, st, err) < 0)
		return -1;
	if (st->method == CM_AI)
		return cl_ai_start(run, st, err);
	if (st->method == CM_EMBED)
		return cl_embed_start(run, st, err);
	return 0;
}

static int
cluster_work(struct worker *w, struct job *job, struct ig_err *err)
{
	struct cl_state *st = run_data(worker_run(w));
	int rc = st->method == CM_AI ? cl_ai_work(w, job, err)
				     : cl_embed_work(w, job, err);

	if (rc == 0) {
		pthread_mutex_lock(&st->lock);
		st->nok++;
		pthread_mutex_unlock(&st->lock);
	}
	return rc;
}

/*
 * A rebuild replaces the old clusters only with a whole new set: when a
 * request failed, deleting them would leave keywords (and, with --force,
 * ideas) with nothing in their place.
 */
static int
rebuild_incomplete(struct run *run, const struct cl_state *st)
{
	if (!(run_opts(run)->flags & RUN_REBUILD) || st->nok >= st->njobs)
		return 0;
	ig_warnf("--rebuild kept the existing clusters: %d of %d requests failed",
		 st->njobs - st->nok, st->njobs);
	return 1;
}

/* ---- groups ---- */

/* No count in it: the description must stay true as keywords join. */
static char *
local_description(const char *rep)
{
	char buf[640];

	snprintf(buf, sizeof buf, "Searches around \"%.500s\", grouped by shared "
		 "words.", rep);
	return strdup(buf);
}

/* Orders a group's members: volume, then centrality, then keyword. */
static const struct cl_state *sort_st;
static const double *sort_cent;

static int
by_rank(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct cl_item *p = &sort_st->item[x], *q = &sort_st->item[y];
	double cx = sort_cent ? sort_cent[x] : 0, cy = sort_cent ? sort_cent[y] : 0;
	int s;

	if (p->volume != q->volume)
		return p->volume < q->volume ? 1 : -1;
	if (cx != cy)
		return cx < cy ? 1 : -1;
	if ((s = strcmp(p->keyword, q->keyword)))
		return s;
	return (x > y) - (x < y);
}

/* Head term of a group without volumes, or NULL (then rep names it). */
static int
head_term(const struct cl_state *st, const struct cl_group *g, char **out)
{
	const char **kw;
	int rc;

	*out = NULL;
	for (size_t i = 0; i < g->n; i++)
		if (st->item[g->member[i]].volume >= 0)
			return 0;
	if (!(kw = malloc((g->n + 1) * sizeof *kw)))
		return -1;
	for (size_t i = 0; i < g->n; i++)
		kw[i] = st->item[g->member[i]].keyword;
	rc = cl_name_head(kw, g->n, out);
	free(kw);
	return rc;
}

struct name_ix {
	const char *norm;
	long group;		/* -1 = an existing cluster */
};

static int
by_norm(const void *a, const void *b)
{
	const struct name_ix *x = a, *y = b;
	int s = strcmp(x->norm, y->norm);

	return s ? s : (x->group > y->group) - (x->group < y->group);
}

/*
 * A head term another cluster already has (an existing one, or a larger
 * new one) would merge the two when saved: those groups take their
 * representative's keyword instead, which no other cluster can hold.
 */
static int
unique_names(struct cl_state *st, struct cl_group *g, size_t ng,
	     const size_t *rep, struct ig_err *err)
{
	struct name_ix *ix = calloc(st->nex + ng + 1, sizeof *ix);
	size_t n = 0;
	int rc = -1;

	if (!ix)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	for (size_t i = 0; i < st->nex; i++)
		ix[n++] = (struct name_ix){ st->ex[i].norm, -1 };
	for (size_t c = st->nex; c < ng; c++)
		if (!(g[c].norm = kw_normalize(g[c].name, err)))
			goto out;
		else
			ix[n++] = (struct name_ix){ g[c].norm, (long)c };
	qsort(ix, n, sizeof *ix, by_norm);
	for (size_t i = 1; i < n; i++) {
		struct cl_group *d;

		if (ix[i].group < 0 || strcmp(ix[i].norm, ix[i - 1].norm))
			continue;
		d = &g[ix[i].group];
		if (!strcmp(d->name, st->item[rep[ix[i].group]].keyword))
			continue;
		free(d->name);
		if (!(d->name = strdup(st->item[rep[ix[i].group]].keyword)))
			goto oom;
	}
	rc = 0;
out:
	for (size_t c = st->nex; c < ng; c++) {
		free(g[c].norm);
		g[c].norm = NULL;
	}
	free(ix);
	return rc;
oom:
	ig_err_set(err, IG_ESOFTWARE, "out of memory");
	goto out;
}

int
cl_groups_from(struct cl_state *st, const long *cluster_of, const size_t *rep,
	       const double *cent, size_t nclusters, struct cl_group **out,
	       size_t *n_out, struct ig_err *err)
{
	struct cl_group *g = calloc(nclusters + 1, sizeof *g);

	*out = g;
	*n_out = nclusters;
	if (!g)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	for (size_t c = 0; c < nclusters; c++)
		g[c].exist = c < st->nex ? (long)c : -1;
	for (size_t i = 0; i < st->nwork; i++)
		if (cluster_of[i] >= 0 && cl_group_add(&g[cluster_of[i]], i) < 0)
			return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	sort_st = st;
	sort_cent = cent;
	for (size_t c = 0; c < nclusters; c++)
		if (g[c].n > 1)
			qsort(g[c].member, g[c].n, sizeof *g[c].member, by_rank);
	for (size_t c = st->nex; c < nclusters; c++) {
		if (head_term(st, &g[c], &g[c].name) < 0)
			return ig_err_set(err, IG_ESOFTWARE, "out of memory");
		if (!g[c].name && !(g[c].name = strdup(st->item[rep[c]].keyword)))
			return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	if (unique_names(st, g, nclusters, rep, err) < 0)
		return -1;
	for (size_t c = st->nex; c < nclusters; c++)
		if (!(g[c].description = local_description(g[c].name)))
			return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	return 0;
}

static int
local_groups(struct run *run, struct cl_state *st, struct cl_group **out,
	     size_t *n_out, struct ig_err *err)
{
	const char **kw = calloc(st->nitem + 1, sizeof *kw);
	double *vol = calloc(st->nitem + 1, sizeof *vol);
	long *fixed = calloc(st->nitem + 1, sizeof *fixed), *of = NULL;
	size_t *rep = NULL, nc = 0;
	double *cent = NULL;
	struct cl_local_opts o = { 0 };
	struct cl_result *r = NULL;
	int rc = -1;

	o.threshold = config_num(run_config(run), "cluster.threshold");
	if (!kw || !vol || !fixed) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < st->nitem; i++) {
		kw[i] = st->item[i].keyword;
		vol[i] = (double)st->item[i].volume;
		fixed[i] = st->item[i].fixed;
	}
	/* The pages read so far are not needed while the core runs. */
	sqlite3_db_release_memory(ws_db(run_ws(run)));
	if (cl_local_run(kw, vol, fixed, st->nex, st->nitem, &o, &r, err) < 0)
		goto out;
	nc = cl_result_nclusters(r);
	of = calloc(st->nitem + 1, sizeof *of);
	rep = calloc(nc + 1, sizeof *rep);
	cent = calloc(st->nitem + 1, sizeof *cent);
	if (!of || !rep || !cent) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < st->nitem; i++)
		of[i] = cl_result_cluster_of(r, i);
	for (size_t c = 0; c < nc; c++)
		rep[c] = cl_result_representative(r, c);
	for (size_t i = 0; i < st->nitem; i++)
		cent[i] = cl_result_centrality(r, i);
	rc = cl_groups_from(st, of, rep, cent, nc, out, n_out, err);
out:
	cl_result_free(r);
	free(kw), free(vol), free(fixed), free(of), free(rep), free(cent);
	return rc;
}

/* ---- saving ---- */

/*
 * The sector of a new cluster: that of its highest-volume member with one,
 * ties to the keyword first in byte order, so input order does not matter.
 */
static const char *
group_sector(const struct cl_state *st, const struct cl_group *g)
{
	const struct cl_item *best = NULL, *it;

	for (size_t i = 0; i < g->n; i++) {
		it = &st->item[g->member[i]];
		if (it->sector && (!best || it->volume > best->volume ||
		    (it->volume == best->volume && strcmp(it->keyword, best->keyword) < 0)))
			best = it;
	}
	return best ? best->sector : NULL;
}

/* Creates the cluster of a new group, or finds the one with its name. */
static long
save_cluster(struct ws *ws, struct run *run, const struct cl_state *st,
	     const struct cl_group *g, const char *now, struct ig_err *err)
{
	static const char *const method[] = { "local", "ai", "embed" };
	sqlite3_stmt *q;
	char *norm;
	long id = -1;

	if (g->exist >= 0)
		return st->ex[g->exist].id;
	if (!(norm = kw_normalize(g->name, err)))
		return -1;
	q = ws_cached(ws, "INSERT INTO clusters (name, name_norm, description, sector,"
			  " method, created_at, updated_at, run_id) VALUES (?,?,?,?,?,?,?,?)"
			  " ON CONFLICT (name_norm) DO UPDATE SET updated_at = excluded.updated_at"
			  " RETURNING id", err);
	if (q) {
		sqlite3_bind_text(q, 1, g->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, norm, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, g->description, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, group_sector(st, g), -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, method[st->method], -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 7, now, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 8, run_id(run));
		if (sqlite3_step(q) == SQLITE_ROW)
			id = (long)sqlite3_column_int64(q, 0);
		else
			ws_fail(ws, err, "saving a cluster");
	}
	ws_done(q);
	free(norm);
	return id;
}

/* One unassigned input keyword and the group it joins. */
struct pick {
	long id;
	size_t group;
	long cid;		/* the cluster it was saved in, 0 = not set here */
};

static int
by_keyword(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Sets a keyword's cluster unless it has one (a concurrent run's wins): 1 if set. */
static int
assign_one(struct ws *ws, long id, long cid, const char *now, struct ig_err *err)
{
	sqlite3_stmt *q = ws_cached(ws, "UPDATE keywords SET cluster_id = ?, updated_at = ?"
					" WHERE id = ? AND cluster_id IS NULL", err);
	int rc;

	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, cid);
	sqlite3_bind_text(q, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, id);
	rc = sqlite3_step(q) == SQLITE_DONE ? ws_changes(ws) > 0
					    : ws_fail(ws, err, "assigning a keyword");
	ws_done(q);
	return rc;
}

static int
touch_cluster(struct ws *ws, long cid, const char *now, struct ig_err *err)
{
	sqlite3_stmt *q = ws_cached(ws, "UPDATE clusters SET updated_at = ? WHERE id = ?", err);
	int rc = 0;

	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, cid);
	if (sqlite3_step(q) != SQLITE_DONE)
		rc = ws_fail(ws, err, "touching a cluster");
	ws_done(q);
	return rc;
}

/* Groups without a new member change nothing and are not saved. */
static int
has_work(const struct cl_state *st, const struct cl_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (st->item[g->member[i]].fixed < 0)
			return 1;
	return 0;
}

/*
 * The unassigned input keywords of every group that has work, in keyword
 * order: updated in the order of the table, a million assignments touch
 * each page once instead of once per group that has a row on it.
 */
static struct pick *
picks(const struct cl_state *st, const struct cl_group *g, size_t ng,
      size_t *n_out)
{
	struct pick *p;
	size_t n = 0;

	for (size_t i = 0; i < ng; i++)
		for (size_t k = 0; k < g[i].n; k++)
			n += st->item[g[i].member[k]].fixed < 0;
	p = malloc((n + 1) * sizeof *p);
	n = 0;
	for (size_t i = 0; p && i < ng; i++)
		for (size_t k = 0; k < g[i].n; k++)
			if (st->item[g[i].member[k]].fixed < 0) {
				p[n].id = st->item[g[i].member[k]].id;
				p[n].cid = 0;
				p[n++].group = i;
			}
	if (p && n > 1)
		qsort(p, n, sizeof *p, by_keyword);
	*n_out = n;
	return p;
}

/*
 * Saves the groups and assigns their new members.  cid[i] gets group i's
 * cluster (0 = none), *saved the assignments made (by keyword id,
 * ascending; to free), which the output reads instead of the workspace.
 */
static int
save_groups(struct ws *ws, struct run *run, const struct cl_state *st,
	    const struct cl_group *g, size_t ng, long *cid, struct pick **saved,
	    size_t *nsaved, struct ig_err *err)
{
	char *changed = calloc(ng + 1, 1), now[32];
	struct pick *p = NULL;
	size_t np = 0;
	int rc = 0;

	ws_now(now);
	if (!changed || !(p = picks(st, g, ng, &np)))
		rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if (rc == 0 && (run_opts(run)->flags & RUN_REBUILD) &&
	    (ws_exec(ws, "DELETE FROM clusters", err) < 0 ||
	     ws_exec(ws, "UPDATE keywords SET cluster_id = NULL"
			 " WHERE cluster_id IS NOT NULL", err) < 0))
		rc = -1;
	for (size_t i = 0; rc == 0 && i < ng; i++)
		if (has_work(st, &g[i]) &&
		    (cid[i] = save_cluster(ws, run, st, &g[i], now, err)) < 0)
			rc = -1;
		else if (!cid[i] && g[i].exist >= 0)
			cid[i] = st->ex[g[i].exist].id;
	for (size_t i = 0; rc == 0 && i < np; i++) {
		int set = assign_one(ws, p[i].id, cid[p[i].group], now, err);

		if (set < 0)
			rc = -1;
		changed[p[i].group] |= set;
		p[i].cid = set > 0 ? cid[p[i].group] : 0;
	}
	/* An existing cluster that gained members was updated. */
	for (size_t i = 0; rc == 0 && i < ng; i++)
		if (changed[i] && g[i].exist >= 0)
			rc = touch_cluster(ws, cid[i], now, err);
	free(changed);
	*saved = p;
	*nsaved = p ? np : 0;
	return rc;
}

/* The cluster this run saved keyword id in, from save_groups(); 0 = none. */
static long
saved_cluster(const struct pick *saved, size_t n, long id)
{
	struct pick key = { id, 0, 0 };
	const struct pick *at = n ? bsearch(&key, saved, n, sizeof *saved, by_keyword) : NULL;

	return at ? at->cid : 0;
}

/* ---- output ---- */

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/*
 * The record of the input keywords no cluster took, so that the output
 * accounts for every keyword: a cluster record with no id, marked
 * "unclustered", that igny8-ideas skips.  left holds their keyword
 * records; their order is a cluster record's, and no intent is voted.
 */
static cJSON *
unclustered_record(const struct cl_state *st, cJSON **left, size_t n)
{
	static const char *const method[] = { "local", "ai", "embed" };
	struct rec_member *m = malloc((n + 1) * sizeof *m);
	struct rec_members *rm;
	cJSON *rec;

	for (size_t i = 0; m && i < n; i++) {
		const char *kw = json_str(left[i], "keyword");

		m[i] = (struct rec_member){ kw ? kw : "", NULL, json_num(left[i], "volume", -1) };
	}
	rm = m ? rec_members_new(m, n) : NULL;
	free(m);
	if (!rm || !(rec = cJSON_CreateObject())) {
		rec_members_free(rm);
		return NULL;
	}
	cJSON_AddStringToObject(rec, "type", "cluster");
	cJSON_AddNullToObject(rec, "id");
	cJSON_AddTrueToObject(rec, "unclustered");
	cJSON_AddNullToObject(rec, "name");
	cJSON_AddNullToObject(rec, "description");
	cJSON_AddNullToObject(rec, "sector");
	cJSON_AddStringToObject(rec, "method", method[st->method]);
	rec_members_attach(rec, rm);
	return rec;
}

/*
 * The cluster that keyword id is in, as saved (a concurrent run's may
 * have taken it): its id, 0 for none, -1 for no such keyword.  Read on
 * its own: building each keyword's whole record to learn it cost a
 * million-keyword run seconds.
 */
static long
cluster_of(struct ws *ws, long id)
{
	sqlite3_stmt *q = ws_cached(ws, "SELECT coalesce(cluster_id, 0) FROM keywords"
				    " WHERE id = ?", NULL);
	long cid = -1;

	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW)
		cid = (long)sqlite3_column_int64(q, 0);
	ws_done(q);
	return cid;
}

/*
 * Each group's members as its cluster's record lists them, built on a
 * thread of their own while the writer saves the assignments: reading a
 * million keywords back and ranking them took 4 s after the save.
 */
struct group_of {
	long cluster;
	size_t group;
};

struct prebuilt {
	const struct cl_state *st;
	const struct cl_group *g;
	size_t ng;
	struct rec_members **rm;	/* per group; NULL: read it back */
	struct group_of *by_id;		/* saved groups by cluster id */
	size_t nby;
	pthread_t th;
	int started;
};

static struct rec_member
member_of(const struct cl_item *it)
{
	return (struct rec_member){ it->keyword, it->intent, (double)it->volume };
}

/*
 * Group i's members: those it was given, and the fixed items of its
 * existing cluster (first[i] lists them, linked by next).
 */
static struct rec_members *
group_members(const struct prebuilt *pb, size_t i, const long *first, const long *next)
{
	const struct cl_group *g = &pb->g[i];
	size_t n = g->n;
	struct rec_member *m;
	struct rec_members *rm = NULL;

	for (long k = first[i]; k >= 0; k = next[k])
		n++;
	if (!n || !(m = malloc(n * sizeof *m)))
		return NULL;
	n = 0;
	for (size_t k = 0; k < g->n; k++)
		m[n++] = member_of(&pb->st->item[g->member[k]]);
	for (long k = first[i]; k >= 0; k = next[k])
		m[n++] = member_of(&pb->st->item[k]);
	rm = rec_members_new(m, n);
	free(m);
	return rm;
}

static void *
prebuild_main(void *arg)
{
	struct prebuilt *pb = arg;
	const struct cl_state *st = pb->st;
	long *first = malloc(pb->ng * sizeof *first), *next = malloc(st->nitem * sizeof *next);
	long *group_of_ex = malloc((st->nex + 1) * sizeof *group_of_ex);

	if (first && next && group_of_ex) {
		for (size_t e = 0; e < st->nex; e++)
			group_of_ex[e] = -1;
		for (size_t i = 0; i < pb->ng; i++) {
			first[i] = -1;
			if (pb->g[i].exist >= 0)
				group_of_ex[pb->g[i].exist] = (long)i;
		}
		/* backwards, so that each list comes out in item order */
		for (size_t k = st->nitem; k-- > st->nwork;) {
			long gi = st->item[k].fixed >= 0 ? group_of_ex[st->item[k].fixed] : -1;

			if (gi >= 0) {
				next[k] = first[gi];
				first[gi] = (long)k;
			}
		}
		for (size_t i = 0; i < pb->ng; i++)
			pb->rm[i] = group_members(pb, i, first, next);
	}
	free(first);
	free(next);
	free(group_of_ex);
	return NULL;
}

/*
 * Starts the members' build for the local and embed methods, whose groups
 * hold every member of their cluster (the fixed ones too).  Without it
 * (out of memory, or ai) each record is read back.
 */
static void
prebuild_start(struct prebuilt *pb, const struct cl_state *st,
	       const struct cl_group *g, size_t ng)
{
	memset(pb, 0, sizeof *pb);
	if (st->method == CM_AI || !ng || !(pb->rm = calloc(ng, sizeof *pb->rm)))
		return;
	pb->st = st;
	pb->g = g;
	pb->ng = ng;
	pb->started = pthread_create(&pb->th, NULL, prebuild_main, pb) == 0;
}

static int
by_cluster(const void *a, const void *b)
{
	const struct group_of *x = a, *y = b;

	return (x->cluster > y->cluster) - (x->cluster < y->cluster);
}

/*
 * Two groups saved into one cluster (a name that met another's when
 * saved) each hold only part of it: both are read back.
 */
static void
drop_shared(struct prebuilt *pb)
{
	size_t k = 0;

	for (size_t i = 0; i < pb->nby; i++)
		if ((i == 0 || pb->by_id[i - 1].cluster != pb->by_id[i].cluster) &&
		    (i + 1 == pb->nby || pb->by_id[i + 1].cluster != pb->by_id[i].cluster))
			pb->by_id[k++] = pb->by_id[i];
	pb->nby = k;
}

/*
 * Waits for the build; cid holds each group's cluster as saved.  The
 * members are used only if nobody else has written to the workspace since
 * the input began: then no other run took a keyword or changed a volume,
 * and each cluster holds exactly its group.
 */
static void
prebuild_wait(struct prebuilt *pb, struct ws *ws, const long *cid)
{
	if (!pb->started)
		return;
	pthread_join(pb->th, NULL);
	pb->started = 0;
	if (pb->st->data_version < 0 || ws_data_version(ws) != pb->st->data_version ||
	    !(pb->by_id = malloc((pb->ng + 1) * sizeof *pb->by_id)))
		return;
	for (size_t i = 0; i < pb->ng; i++)
		if (cid[i] > 0 && pb->rm[i])
			pb->by_id[pb->nby++] = (struct group_of){ cid[i], i };
	qsort(pb->by_id, pb->nby, sizeof *pb->by_id, by_cluster);
	drop_shared(pb);
}

static void
prebuild_end(struct prebuilt *pb)
{
	if (pb->started)
		pthread_join(pb->th, NULL);
	for (size_t i = 0; pb->rm && i < pb->ng; i++)
		rec_members_free(pb->rm[i]);
	free(pb->rm);
	free(pb->by_id);
}

/* The record of cluster id: from its prebuilt members, else as rec_get() reads it. */
static cJSON *
cluster_record(struct ws *ws, struct prebuilt *pb, long id)
{
	struct group_of key = { id, 0 }, *at = NULL;
	struct rec_members *rm;

	if (pb->nby)
		at = bsearch(&key, pb->by_id, pb->nby, sizeof *pb->by_id, by_cluster);
	if (!at || !(rm = pb->rm[at->group]))
		return rec_get(ws, "cluster", id, NULL);
	pb->rm[at->group] = NULL;
	return rec_cluster_with(ws, id, rm, NULL);
}

/*
 * The records to write: the clusters of the input keywords, then the
 * unclustered record if any keyword is left; or the keywords.
 */
static cJSON *
records(struct ws *ws, struct run *run, const struct cl_state *st,
	const struct pick *saved, size_t nsaved, struct prebuilt *pb,
	size_t *unclustered)
{
	int emit_kw = run_opts(run)->flags & RUN_EMIT_KEYWORDS;
	cJSON *out = cJSON_CreateArray(), *rec;
	long *ids = calloc(st->nin + 1, sizeof *ids);
	cJSON **left = calloc(st->nin + 1, sizeof *left);
	size_t n = 0;

	*unclustered = 0;
	for (size_t i = 0; st->in_id && i < st->nin && ids && left; i++) {
		long cid;

		if (emit_kw) {
			if (!(rec = rec_get(ws, "keyword", st->in_id[i], NULL)))
				continue;
			if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(rec, "cluster_id")))
				(*unclustered)++;
			cJSON_AddItemToArray(out, rec);
		} else if ((cid = saved_cluster(saved, nsaved, st->in_id[i])) > 0 ||
			   (cid = cluster_of(ws, st->in_id[i])) > 0) {
			ids[n++] = cid;
		} else if (cid == 0 && (rec = rec_get(ws, "keyword", st->in_id[i], NULL))) {
			left[(*unclustered)++] = rec;
		}
	}
	if (!emit_kw && ids && left) {
		qsort(ids, n, sizeof *ids, cmp_long);
		for (size_t i = 0; i < n; i++)
			if ((i == 0 || ids[i] != ids[i - 1]) &&
			    (rec = cluster_record(ws, pb, ids[i])))
				cJSON_AddItemToArray(out, rec);
		if (*unclustered)
			cJSON_AddItemToArray(out, unclustered_record(st, left, *unclustered));
		for (size_t i = 0; i < *unclustered; i++)
			cJSON_Delete(left[i]);
	}
	free(ids);
	free(left);
	return out;
}

/* Under --dry-run the ids are of rows that were never kept. */
static void
forget_ids(cJSON *recs)
{
	cJSON *r;

	cJSON_ArrayForEach(r, recs) {
		const char *t = json_str(r, "type");
		cJSON_ReplaceItemInObject(r, !strcmp(t, "cluster") ? "id" : "cluster_id",
					  cJSON_CreateNull());
	}
}

static int
build_groups(struct run *run, struct cl_state *st, struct cl_group **g,
	     size_t *ng, struct ig_err *err)
{
	*g = NULL;
	*ng = 0;
	if (!st->nwork)
		return 0;
	if (st->method == CM_AI)
		return cl_ai_groups(run, st, g, ng, err);
	if (st->method == CM_EMBED)
		return cl_embed_groups(run, st, g, ng, err);
	return local_groups(run, st, g, ng, err);
}

/*
 * Saves the groups and builds the records to write in one transaction
 * (rolled back for a dry run, or when a rebuild keeps the old clusters).
 */
static int
save_and_record(struct ws *ws, struct run *run, struct cl_state *st,
		const struct cl_group *g, size_t ng, int keep, cJSON **recs,
		size_t *unclustered, struct ig_err *err)
{
	long *cid = calloc(ng + 1, sizeof *cid);
	struct pick *saved = NULL;
	size_t nsaved = 0;
	struct prebuilt pb;
	int rc, cache;

	/*
	 * Every input keyword is updated in this one transaction.  The cache
	 * holds every page it rewrites (about 256 bytes a keyword): with the
	 * 64 MB of WS_BIG_CACHE a million keywords spilled pages to the WAL
	 * mid-transaction and wrote them again at the commit.  The
	 * clustering's own memory is freed by now.
	 */
	cache = ws_cache_size(ws, st->nwork > 262144 ? -(int)(st->nwork / 4) : WS_BIG_CACHE);
	prebuild_start(&pb, st, g, ng);
	rc = cid ? ws_begin(ws, err) : ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if (rc == 0) {
		rc = keep ? 0 : save_groups(ws, run, st, g, ng, cid, &saved, &nsaved, err);
		prebuild_wait(&pb, ws, cid);
		if (rc == 0)
			*recs = records(ws, run, st, saved, nsaved, &pb, unclustered);
		if (rc < 0 || run_opts(run)->dry_run || keep)
			ws_rollback(ws);
		else
			rc = ws_commit(ws, err);
	}
	prebuild_end(&pb);
	ws_cache_size(ws, cache);
	free(saved);
	free(cid);
	return rc;
}

static int
cluster_finish(struct run *run, struct worker *w, struct ig_err *err)
{
	struct cl_state *st = state(run);
	int dry = run_opts(run)->dry_run, rc, keep;
	struct cl_group *g = NULL;
	size_t ng = 0, unclustered = 0;
	cJSON *recs = NULL, *r;

	if (!st)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	/* A dry run of ai or embed has no answers: its output is the requests. */
	if (dry && st->method != CM_LOCAL && st->nwork)
		return 0;
	keep = rebuild_incomplete(run, st);
	rc = keep ? 0 : build_groups(run, st, &g, &ng, err);
	if (rc == 0)
		rc = save_and_record(worker_ws(w), run, st, g, ng, keep, &recs,
				     &unclustered, err);
	for (size_t i = 0; i < ng; i++)
		cl_group_release(&g[i]);
	free(g);
	if (rc < 0) {
		cJSON_Delete(recs);
		return -1;
	}
	if (dry)
		forget_ids(recs);
	if (st->dropped)
		ig_warnf("the model left out %ld keywords; they stay unclustered", st->dropped);
	if (st->invented)
		ig_notef("ignored %ld keywords the model added that were not asked for",
			 st->invented);
	if (st->nwork)
		ig_notef("clustered %zu keyword%s", st->nwork, st->nwork == 1 ? "" : "s");
	if (unclustered)
		ig_notef("%zu keywords left unclustered (--emit keywords lists them)",
			 unclustered);
	while (rc == 0 && (r = cJSON_DetachItemFromArray(recs, 0)))
		rc = run_emit(run, r, err);
	cJSON_Delete(recs);
	return rc;
}

static const char *const cluster_accepts[] = { "keyword", NULL };

const struct fn_ops fn_cluster = {
	.name = "cluster",
	.plain_field = "keyword",
	.input_type = "keyword",
	.accepts = cluster_accepts,
	.select_all = "SELECT id FROM keywords ORDER BY id",
	.collect = cluster_collect,
	.take_all = cluster_take_all,
	.input_end = cluster_input_end,
	.work = cluster_work,
	.finish = cluster_finish,
	.free = free,
};
