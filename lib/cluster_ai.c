/*
 * cluster_ai.c: the ai method of igny8-cluster: the model groups and names
 * the keywords (prompts/cluster.md), cluster.batch_size keywords per
 * request, each request a job so --jobs runs them side by side.
 *
 * Reconciling.  A topic whose keywords fell into two batches comes back as
 * two groups, so finish() joins the groups of all requests and the
 * existing clusters with cl_reconcile.c, which keeps each request's
 * partition (groups one request separated never meet), joins by name key
 * and then by keyword likeness, and names each cluster by the name most
 * requests used.  We chose this free, deterministic pass over a second
 * model call that would reconcile the names: it costs nothing, caches
 * nothing, and the prompt already shows the model the existing names to
 * reuse.  Keywords the model made up are ignored; keywords it left out stay
 * unclustered and are counted.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "ai.h"
#include "cl_reconcile.h"
#include "cluster_priv.h"
#include "config.h"
#include "fn.h"
#include "json.h"
#include "keyword.h"
#include "prompt.h"

int
cl_ai_start(struct run *run, struct cl_state *st, struct ig_err *err)
{
	long bs = config_int(run_config(run), "cluster.batch_size");
	size_t *idx = malloc((st->nwork + 1) * sizeof *idx);
	int no = 0, rc = 0;

	if (!idx)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if (bs < 1)
		bs = 1;
	for (size_t i = 0; i < st->nwork; i++)
		idx[i] = i;
	for (size_t i = 0; rc == 0 && i < st->nwork; i += (size_t)bs) {
		size_t n = st->nwork - i < (size_t)bs ? st->nwork - i : (size_t)bs;
		rc = cl_submit(run, ++no, idx + i, n, err);
	}
	st->nbatch = no;
	free(idx);
	return rc;
}

/* The prompt's variables: this batch's keywords and the existing names. */
static struct prompt_vars *
batch_vars(struct run *run, const struct cl_state *st, const struct cl_job *cj)
{
	struct prompt_vars *v = prompt_vars_new();
	cJSON *kw = cJSON_CreateArray(), *ex = cJSON_CreateArray();
	const char *sector = NULL;
	char *s;

	for (size_t i = 0; i < cj->n; i++) {
		const struct cl_item *it = &st->item[cj->idx[i]];
		cJSON_AddItemToArray(kw, cJSON_CreateString(it->keyword));
		if (!sector)
			sector = it->sector;
	}
	for (size_t i = 0; i < st->nex; i++)
		cJSON_AddItemToArray(ex, cJSON_CreateString(st->ex[i].name));
	fn_common_vars(run, v, sector);
	s = cJSON_PrintUnformatted(kw);
	prompt_vars_set(v, "keywords", s);
	free(s);
	s = cJSON_PrintUnformatted(ex);
	prompt_vars_set(v, "existing", s);
	free(s);
	cJSON_Delete(kw);
	cJSON_Delete(ex);
	return v;
}

/* The batch item with this normalised keyword not yet claimed, or -1. */
static long
find_item(const struct cl_state *st, const struct cl_job *cj, const char *norm)
{
	for (size_t i = 0; i < cj->n; i++)
		if (!strcmp(st->item[cj->idx[i]].norm, norm))
			return st->item[cj->idx[i]].claimed ? -2 : (long)cj->idx[i];
	return -1;
}

/* One answered group; members claimed from the batch.  0 = empty group. */
static int
take_group(struct cl_state *st, const struct cl_job *cj, const cJSON *c,
	   struct cl_group *g, long *invented)
{
	const cJSON *k;
	const char *name = json_str(c, "name");

	memset(g, 0, sizeof *g);
	g->exist = -1;
	cJSON_ArrayForEach(k, json_arr(c, "keywords")) {
		char *norm = cJSON_IsString(k) ? kw_normalize(k->valuestring, NULL) : NULL;
		long i = norm ? find_item(st, cj, norm) : -1;

		free(norm);
		if (i == -1)
			(*invented)++;
		if (i < 0)
			continue;
		st->item[i].claimed = 1;
		if (cl_group_add(g, (size_t)i) < 0)
			return -1;
	}
	if (!g->n || !name || !(g->norm = kw_normalize(name, NULL))) {
		for (size_t i = 0; i < g->n; i++)
			st->item[g->member[i]].claimed = 0;
		cl_group_release(g);
		return 0;
	}
	g->name = strdup(name);
	g->description = strdup(json_str(c, "description") ? json_str(c, "description") : "");
	g->batch = cj->no;
	return 1;
}

static int
push_raw(struct cl_state *st, struct cl_group *g)
{
	if (st->nraw == st->capraw) {
		size_t cap = st->capraw ? st->capraw * 2 : 16;
		struct cl_group *r = realloc(st->raw, cap * sizeof *r);
		if (!r)
			return -1;
		st->raw = r;
		st->capraw = cap;
	}
	st->raw[st->nraw++] = *g;
	return 0;
}

static int
take_answer(struct cl_state *st, const struct cl_job *cj, const cJSON *answer,
	    struct ig_err *err)
{
	const cJSON *c;
	struct cl_group g;
	long invented = 0, dropped = 0;
	int order = 0, rc = 0;

	pthread_mutex_lock(&st->lock);
	cJSON_ArrayForEach(c, json_arr(answer, "clusters")) {
		int t = take_group(st, cj, c, &g, &invented);
		if (t < 0 || (t > 0 && (g.order = order++, push_raw(st, &g) < 0))) {
			rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
			break;
		}
	}
	for (size_t i = 0; i < cj->n; i++)
		dropped += !st->item[cj->idx[i]].claimed;
	st->dropped += dropped;
	st->invented += invented;
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int
cl_ai_work(struct worker *w, struct job *job, struct ig_err *err)
{
	struct run *run = worker_run(w);
	struct cl_state *st = run_data(run);
	struct cl_job *cj = job_data(job);
	struct prompt_vars *v;
	struct prompt *p;
	cJSON *answer = NULL;
	int rc;

	job_phase(job, PH_PREP);
	p = worker_prompt(w, "cluster", NULL, err);
	if (!p)
		return -1;
	v = batch_vars(run, st, cj);
	rc = ai_chat(w, job, "cluster", p, v, &answer, err);
	if (rc == AI_OK) {
		job_phase(job, PH_SAVE);
		rc = take_answer(st, cj, answer, err);
	} else if (rc == AI_DRY_RUN) {
		rc = 0;
	}
	cJSON_Delete(answer);
	prompt_vars_free(v);
	prompt_free(p);
	return rc;
}

/* ---- reconciling, in finish(): see cl_reconcile.h ---- */

/* Answers arrive in any order; reconcile them in request order. */
static int
cmp_raw(const void *pa, const void *pb)
{
	const struct cl_group *a = pa, *b = pb;

	if (a->batch != b->batch)
		return a->batch < b->batch ? -1 : 1;
	return (a->order > b->order) - (a->order < b->order);
}

/* Summed known volume of a group's members, -1 if none is known. */
static long
group_volume(const struct cl_state *st, const struct cl_group *g)
{
	long v = -1;

	for (size_t i = 0; i < g->n; i++)
		if (st->item[g->member[i]].volume >= 0)
			v = (v < 0 ? 0 : v) + st->item[g->member[i]].volume;
	return v;
}

/* Existing clusters (batch 0, with their members) then the answered groups. */
static int
feed(const struct cl_state *st, struct cl_rec *r)
{
	for (size_t i = 0; i < st->nex; i++)
		if (cl_rec_group(r, 0, st->ex[i].name, -1) < 0)
			return -1;
	for (size_t k = 0; k < st->nitem; k++)
		if (st->item[k].fixed >= 0 &&
		    cl_rec_keyword(r, st->item[k].fixed,
				   st->item[k].keyword) < 0)
			return -1;
	for (size_t g = 0; g < st->nraw; g++) {
		const struct cl_group *raw = &st->raw[g];
		long id = cl_rec_group(r, raw->batch, raw->name,
				       group_volume(st, raw));

		if (id < 0)
			return -1;
		for (size_t i = 0; i < raw->n; i++)
			if (cl_rec_keyword(r, id,
					   st->item[raw->member[i]].keyword) < 0)
				return -1;
	}
	return 0;
}

/* Cluster c as a group to save: an existing cluster, or a new one named. */
static int
head(const struct cl_state *st, const struct cl_rec *r, size_t c,
     struct cl_group *f)
{
	size_t namer = cl_rec_namer(r, c);
	const char *d;

	memset(f, 0, sizeof *f);
	f->exist = -1;
	if (namer < st->nex) {
		f->exist = (long)namer;
		return (f->norm = strdup(st->ex[namer].norm)) ? 0 : -1;
	}
	d = st->raw[namer - st->nex].description;
	f->name = strdup(cl_rec_name(r, c));
	f->norm = f->name ? kw_normalize(f->name, NULL) : NULL;
	f->description = strdup(d ? d : "");
	return f->name && f->norm && f->description ? 0 : -1;
}

int
cl_ai_groups(struct run *run, struct cl_state *st, struct cl_group **out,
	     size_t *n_out, struct ig_err *err)
{
	struct cl_rec *r = cl_rec_new();
	struct cl_group *f = NULL;
	size_t nf = 0;
	int rc = -1;

	(void)run;
	*out = NULL;
	*n_out = 0;
	if (st->nraw)
		qsort(st->raw, st->nraw, sizeof *st->raw, cmp_raw);
	if (!r || feed(st, r) < 0)
		goto oom;
	if (cl_rec_run(r, err) < 0)
		goto out;
	nf = cl_rec_nclusters(r);
	if (!(f = calloc(nf + 1, sizeof *f)))
		goto oom;
	*out = f;
	*n_out = nf;
	for (size_t c = 0; c < nf; c++)
		if (head(st, r, c, &f[c]) < 0)
			goto oom;
	for (size_t g = 0; g < st->nraw; g++) {
		struct cl_group *dst = &f[cl_rec_cluster_of(r, st->nex + g)];

		for (size_t i = 0; i < st->raw[g].n; i++)
			if (cl_group_add(dst, st->raw[g].member[i]) < 0)
				goto oom;
	}
	rc = 0;
	goto out;
oom:
	rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
out:
	cl_rec_free(r);
	return rc;
}
