/*
 * cluster_ai.c: the ai method of igny8-cluster: the model groups and names
 * the keywords (prompts/cluster.md), cluster.batch_size keywords per
 * request, each request a job so --jobs runs them side by side.
 *
 * Reconciling.  A topic whose keywords fell into two batches comes back as
 * two groups, so finish() merges, in this order: a group named like an
 * existing cluster (same normalised name) joins it; groups with the same
 * normalised name merge; then groups whose name and keywords are
 * near-duplicates by the local similarity measure (cluster_local.c, at
 * CL_NAME_THRESHOLD) merge, into an
 * existing cluster when one is among them, but two groups of one batch are
 * never merged (the model split them on purpose).  We chose this free,
 * deterministic pass over a second model call that would reconcile the
 * names: it costs nothing, caches nothing, and the prompt already shows the
 * model the existing names to reuse.  Keywords the model made up are
 * ignored; keywords it left out stay unclustered and are counted.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "ai.h"
#include "buf.h"
#include "cluster_local.h"
#include "cluster_priv.h"
#include "config.h"
#include "fn.h"
#include "json.h"
#include "keyword.h"
#include "prompt.h"

/* Name similarity above which two group names are one topic. */
#define CL_NAME_THRESHOLD 0.6

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
		rc = job_enter(job, PH_SAVE, err);
		if (rc == 0)
			rc = take_answer(st, cj, answer, err);
	} else if (rc == AI_DRY_RUN) {
		rc = 0;
	}
	cJSON_Delete(answer);
	prompt_vars_free(v);
	prompt_free(p);
	return rc;
}

/* ---- reconciling, in finish() ---- */

static int
cmp_raw(const void *pa, const void *pb)
{
	const struct cl_group *a = pa, *b = pb;

	if (a->batch != b->batch)
		return a->batch < b->batch ? -1 : 1;
	return (a->order > b->order) - (a->order < b->order);
}

/* Moves src's members into dst and releases src. */
static int
absorb(struct cl_group *dst, struct cl_group *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (cl_group_add(dst, src->member[i]) < 0)
			return -1;
	cl_group_release(src);
	memset(src, 0, sizeof *src);
	src->exist = -1;
	return 0;
}

/* Existing clusters first (one slot each), then the new groups. */
static struct cl_group *
group_table(const struct cl_state *st)
{
	struct cl_group *f = calloc(st->nex + st->nraw + 1, sizeof *f);

	for (size_t i = 0; f && i < st->nex; i++) {
		f[i].exist = (long)i;
		f[i].norm = strdup(st->ex[i].norm);
	}
	return f;
}

/* Same normalised name: into the existing cluster or the first such group. */
static size_t
merge_by_name(struct cl_state *st, struct cl_group *f, int *oom)
{
	size_t nf = st->nex;

	for (size_t r = 0; r < st->nraw; r++) {
		size_t j;

		for (j = 0; j < nf; j++)
			if (f[j].norm && !strcmp(f[j].norm, st->raw[r].norm))
				break;
		if (j == nf) {
			f[nf++] = st->raw[r];
			memset(&st->raw[r], 0, sizeof st->raw[r]);
		} else if (absorb(&f[j], &st->raw[r]) < 0) {
			*oom = 1;
		}
	}
	st->nraw = 0;
	return nf;
}

/*
 * What a group is about, for comparing groups: its name and its keywords.
 * Names alone mislead when they differ only in words the measure ignores
 * ("Why guide", "Does guide").  Returns a malloc'd string.
 */
static char *
group_text(const struct cl_state *st, const struct cl_group *f, size_t i)
{
	struct buf b = BUF_INIT(0);

	buf_puts(&b, i < st->nex ? st->ex[i].name : f[i].name);
	if (i < st->nex) {
		for (size_t k = 0; k < st->nitem; k++)
			if (st->item[k].fixed == (long)i)
				buf_printf(&b, " %s", st->item[k].keyword);
	} else {
		for (size_t k = 0; k < f[i].n; k++)
			buf_printf(&b, " %s", st->item[f[i].member[k]].keyword);
	}
	return buf_detach(&b);
}

/* Near-duplicate groups by the local measure; see the note at the top. */
static int
merge_similar(const struct cl_state *st, struct cl_group *f, size_t nf,
	      struct ig_err *err)
{
	char **names = calloc(nf + 1, sizeof *names);
	long *fixed = calloc(nf + 1, sizeof *fixed), *lead = NULL;
	struct cl_local_opts o = { CL_NAME_THRESHOLD, 1, 2, CL_LINK_AVERAGE };
	struct cl_result *r = NULL;
	int rc = -1;

	if (!names || !fixed)
		goto oom;
	for (size_t i = 0; i < nf; i++) {
		if (!(names[i] = group_text(st, f, i)))
			goto oom;
		fixed[i] = i < st->nex ? (long)i : -1;
	}
	if (cl_local_run((const char *const *)names, NULL, fixed, st->nex, nf, &o,
			 &r, err) < 0)
		goto out;
	if (!(lead = malloc((cl_result_nclusters(r) + 1) * sizeof *lead)))
		goto oom;
	for (size_t c = 0; c < cl_result_nclusters(r); c++)
		lead[c] = c < st->nex ? (long)c : -1;
	for (size_t i = st->nex; i < nf; i++) {
		long c = cl_result_cluster_of(r, i), l;

		if (c < 0)
			continue;
		l = lead[c];
		if (l < 0)
			lead[c] = (long)i;
		else if ((l < (long)st->nex || f[l].batch != f[i].batch) &&
			 absorb(&f[l], &f[i]) < 0)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	ig_err_set(err, IG_ESOFTWARE, "out of memory");
out:
	cl_result_free(r);
	for (size_t i = 0; names && i < nf; i++)
		free(names[i]);
	free(names), free(fixed), free(lead);
	return rc;
}

int
cl_ai_groups(struct run *run, struct cl_state *st, struct cl_group **out,
	     size_t *n_out, struct ig_err *err)
{
	struct cl_group *f = group_table(st);
	size_t nf;
	int oom = 0;

	(void)run;
	*out = f;
	*n_out = 0;
	if (!f)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	if (st->nraw)
		qsort(st->raw, st->nraw, sizeof *st->raw, cmp_raw);
	nf = merge_by_name(st, f, &oom);
	*n_out = nf;
	if (oom)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	return merge_similar(st, f, nf, err);
}
