/*
 * cluster_embed.c: the embed method of igny8-cluster: a vector per keyword
 * from the provider's /v1/embeddings, kept in the workspace's embeddings
 * table by (normalised keyword, model) so a keyword is paid for once, then
 * clustered offline by cluster_vec.c.  Requests carry at most
 * CL_EMBED_BATCH inputs and CL_EMBED_BYTES bytes (the API takes 2048 inputs
 * and 300k tokens; smaller requests retry cheaper) and run as jobs, so
 * --jobs sends them side by side.  The normalised form is what is embedded,
 * so two spellings of one keyword share a vector.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "ai.h"
#include "cluster_priv.h"
#include "cluster_vec.h"
#include "config.h"
#include "cost.h"
#include "provider.h"

#define CL_EMBED_BATCH 512
#define CL_EMBED_BYTES (512 * 1024)

static const char *
embed_model(struct run *run)
{
	const char *m = config_getf(run_config(run), "functions.embed.model");

	return m && *m ? m : "text-embedding-3-small";
}

/* The cached vector of an item, if any and of the run's length. */
static void
from_cache(sqlite3_stmt *q, struct cl_state *st, struct cl_item *it)
{
	size_t bytes, dim;

	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, it->norm, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_ROW)
		return;
	bytes = (size_t)sqlite3_column_bytes(q, 0);
	dim = bytes / sizeof(float);
	if (!dim || bytes % sizeof(float) || (st->dim && dim != st->dim))
		return;
	if (!(it->vec = malloc(bytes)))
		return;
	memcpy(it->vec, sqlite3_column_blob(q, 0), bytes);
	st->dim = dim;
}

int
cl_embed_start(struct run *run, struct cl_state *st, struct ig_err *err)
{
	sqlite3_stmt *q = ws_prepare(run_ws(run), "SELECT vector FROM embeddings"
					      " WHERE norm = ? AND model = ?", err);
	size_t *idx = malloc((st->nitem + 1) * sizeof *idx), n = 0, bytes = 0;
	int no = 0, rc = 0;

	if (!q || !idx || !(st->embed_model = strdup(embed_model(run)))) {
		sqlite3_finalize(q);
		free(idx);
		return err->code ? -1 : ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	sqlite3_bind_text(q, 2, st->embed_model, -1, SQLITE_STATIC);
	for (size_t i = 0; i < st->nitem; i++)
		from_cache(q, st, &st->item[i]);
	sqlite3_finalize(q);
	for (size_t i = 0; rc == 0 && i <= st->nitem; i++) {
		size_t len = i < st->nitem ? strlen(st->item[i].norm) + 1 : 0;

		if (n && (i == st->nitem || n == CL_EMBED_BATCH ||
			  bytes + len > CL_EMBED_BYTES)) {
			rc = cl_submit(run, ++no, idx, n, err);
			n = bytes = 0;
		}
		if (i < st->nitem && !st->item[i].vec) {
			idx[n++] = i;
			bytes += len;
		}
	}
	free(idx);
	return rc;
}

/* Under --dry-run: the request that would be sent, as a record. */
static void
dry_run(struct job *job, struct provider *p, const char *model, long tokens,
	size_t n, double usd, int known)
{
	cJSON *rec = cJSON_CreateObject();

	cJSON_AddStringToObject(rec, "type", "request");
	cJSON_AddStringToObject(rec, "function", "embed");
	cJSON_AddStringToObject(rec, "record", job_ref(job));
	cJSON_AddStringToObject(rec, "provider", provider_name(p));
	cJSON_AddStringToObject(rec, "model", model);
	cJSON_AddNumberToObject(rec, "inputs", (double)n);
	cJSON_AddNumberToObject(rec, "est_tokens_in", (double)tokens);
	if (known)
		cJSON_AddNumberToObject(rec, "est_cost", usd);
	else
		cJSON_AddNullToObject(rec, "est_cost");
	job_emit(job, rec);
	job_note(job, "dry run: nothing sent");
}

struct vectors {
	const struct cl_state *st;
	const struct cl_job *cj;
	float **vecs;
	size_t dim;
};

/* Keeps the new vectors in the workspace, as one unit (worker_save()). */
static int
put_vectors(struct ws *ws, void *arg, struct ig_err *err)
{
	struct vectors *a = arg;
	const struct cl_state *st = a->st;
	const struct cl_job *cj = a->cj;
	float **vecs = a->vecs;
	size_t dim = a->dim;
	sqlite3_stmt *q;
	int rc = 0;

	q = ws_prepare(ws, "INSERT OR REPLACE INTO embeddings (norm, model, vector)"
			   " VALUES (?, ?, ?)", err);
	for (size_t i = 0; q && rc == 0 && i < cj->n; i++) {
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, st->item[cj->idx[i]].norm, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, st->embed_model, -1, SQLITE_STATIC);
		sqlite3_bind_blob(q, 3, vecs[i], (int)(dim * sizeof(float)), SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE)
			rc = ws_fail(ws, err, "saving an embedding");
	}
	sqlite3_finalize(q);
	return !q || rc < 0 ? -1 : 0;
}

/* One request; logs it like every AI call.  Returns 0 with vecs filled. */
static int
embed_call(struct worker *w, struct job *job, struct provider *p,
	   const char *model, const char *const *in, size_t n, float **vecs,
	   size_t *dim, long est, struct ig_err *err)
{
	struct run *run = worker_run(w);
	struct ai_logrec r = { 0 };
	struct provider_bodies bodies = { 0 };
	double reserve = 0, t0 = engine_now();
	long tokens = 0;
	int rc;

	cost_embed(run_config(run), model, est, 0, &reserve);
	if (ai_budget_reserve(run, reserve, err) < 0)
		return -1;
	rc = provider_embed(p, worker_client(w, p), model, in, n, vecs, dim,
			    &tokens, &bodies, err);
	if (cost_embed(run_config(run), model, tokens, 0, &r.cost) < 0)
		r.cost = -1;
	/* The reservation becomes the actual cost in one step. */
	ai_budget_settle(run, reserve, r.cost);
	r.settled = 1;
	r.function = "embed";
	r.provider = provider_name(p);
	r.model = model;
	r.endpoint = "/embeddings";
	r.outcome = rc < 0 ? "error" : "ok";
	r.error = rc < 0 ? err->msg : NULL;
	r.tokens_in = tokens;
	r.attempts = 1;
	r.seconds = engine_now() - t0;
	r.request_body = bodies.request;
	r.response_body = bodies.response;
	ai_log(w, job, &r);
	provider_bodies_release(&bodies);
	return rc;
}

int
cl_embed_work(struct worker *w, struct job *job, struct ig_err *err)
{
	struct run *run = worker_run(w);
	struct cl_state *st = run_data(run);
	struct cl_job *cj = job_data(job);
	const char **in = calloc(cj->n + 1, sizeof *in);
	float **vecs = calloc(cj->n + 1, sizeof *vecs);
	struct provider *p;
	size_t dim = 0;
	long est = 0;
	double usd = 0;
	int rc = -1;

	job_phase(job, PH_PREP);
	if (!in || !vecs) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cj->n; i++) {
		in[i] = st->item[cj->idx[i]].norm;
		est += cost_estimate_tokens(in[i]);
	}
	if (!(p = run_provider(run, "embed", err)))
		goto out;
	job_phase(job, PH_AI_CALL);
	if (run_opts(run)->dry_run) {
		int known = cost_embed(run_config(run), st->embed_model, est, 0, &usd) == 0;
		dry_run(job, p, st->embed_model, est, cj->n, usd, known);
		rc = 0;
		goto out;
	}
	if (embed_call(w, job, p, st->embed_model, in, cj->n, vecs, &dim, est, err) < 0)
		goto out;
	job_phase(job, PH_SAVE);
	if (worker_save(w, put_vectors, &(struct vectors){ st, cj, vecs, dim }, err) < 0)
		goto out;
	pthread_mutex_lock(&st->lock);
	if (!st->dim)
		st->dim = dim;
	rc = st->dim == dim ? 0 : ig_err_set(err, IG_EPROTO, "embeddings of %zu "
					     "dimensions, expected %zu", dim, st->dim);
	for (size_t i = 0; rc == 0 && i < cj->n; i++) {
		st->item[cj->idx[i]].vec = vecs[i];
		vecs[i] = NULL;
	}
	pthread_mutex_unlock(&st->lock);
out:
	for (size_t i = 0; vecs && i < cj->n; i++)
		free(vecs[i]);
	free(vecs);
	free(in);
	return rc;
}

/* Clusters the items that have a vector; the rest stay unclustered. */
int
cl_embed_groups(struct run *run, struct cl_state *st, struct cl_group **out,
		size_t *n_out, struct ig_err *err)
{
	size_t m = 0, *map = calloc(st->nitem + 1, sizeof *map), *rep = NULL, nc;
	const char **kw = calloc(st->nitem + 1, sizeof *kw);
	const float **v = calloc(st->nitem + 1, sizeof *v);
	double *vol = calloc(st->nitem + 1, sizeof *vol);
	long *fixed = calloc(st->nitem + 1, sizeof *fixed);
	long *of = calloc(st->nitem + 1, sizeof *of);
	struct cl_vec_opts o = { config_num(run_config(run), "cluster.threshold"), 0 };
	struct cl_result *r = NULL;
	int rc = -1;

	if (!map || !kw || !v || !vol || !fixed || !of) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < st->nitem; i++) {
		of[i] = -1;
		if (!st->item[i].vec)
			continue;
		map[m] = i;
		kw[m] = st->item[i].norm;
		v[m] = st->item[i].vec;
		vol[m] = (double)st->item[i].volume;
		fixed[m++] = st->item[i].fixed;
	}
	if (cl_vec_run(kw, v, st->dim, vol, fixed, st->nex, m, &o, &r, err) < 0)
		goto out;
	nc = cl_result_nclusters(r);
	if (!(rep = calloc(nc + 1, sizeof *rep))) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < m; j++)
		of[map[j]] = cl_result_cluster_of(r, j);
	for (size_t c = st->nex; c < nc; c++)
		rep[c] = map[cl_result_representative(r, c)];
	rc = cl_groups_from(st, of, rep, NULL, nc, out, n_out, err);
out:
	cl_result_free(r);
	free(map), free(kw), free(v), free(vol), free(fixed), free(of), free(rep);
	return rc;
}
