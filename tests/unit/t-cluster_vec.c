/* t-cluster_vec.c: average-link clustering of embedding vectors. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_vec.h"
#include "tap.h"

#define DIM 8

/* Three topics along axes 0, 1 and 2, a little noise on axis 3+i, one loner. */
static const struct {
	const char *kw;
	int axis;
	double vol;
} kws[] = {
	{ "running shoes", 0, 5000 }, { "best running shoes", 0, 900 },
	{ "trail running shoes", 0, 300 }, { "iphone case", 1, 4000 },
	{ "iphone 15 case", 1, 1200 }, { "sourdough bread", 2, 800 },
	{ "sourdough starter", 2, 700 }, { "easy sourdough", 2, -1 },
	{ "quantum chromodynamics", 7, 10 },
};
#define N ARRAY_SIZE(kws)

static float vbuf[N][DIM];

static void
make(const size_t *perm, const char **kw, const float **v, double *vol)
{
	for (size_t j = 0; j < N; j++) {
		size_t i = perm[j];

		memset(vbuf[i], 0, sizeof vbuf[i]);
		vbuf[i][kws[i].axis] = 1;
		if (kws[i].axis != 7)
			vbuf[i][3 + i % 4] = 0.3f;
		kw[j] = kws[i].kw;
		v[j] = vbuf[i];
		vol[j] = kws[i].vol;
	}
}

static struct cl_result *
run(const size_t *perm, const long *fixed, size_t nfixed, double t)
{
	const char *kw[N];
	const float *v[N];
	double vol[N];
	struct cl_vec_opts o = { t, 0 };
	struct ig_err err = { 0, "" };
	struct cl_result *r = NULL;

	make(perm, kw, v, vol);
	if (cl_vec_run(kw, v, DIM, vol, fixed, nfixed, N, &o, &r, &err) < 0)
		diag("cl_vec_run: %s", err.msg);
	return r;
}

static int
together(const struct cl_result *r, size_t i, size_t j)
{
	return cl_result_cluster_of(r, i) >= 0 &&
	       cl_result_cluster_of(r, i) == cl_result_cluster_of(r, j);
}

/*
 * Past 1,000 keywords the vectors are clustered as communities of their
 * neighbour graph: six groups of 250 noisy vectors around six directions,
 * one of them started by an existing cluster that must keep its number.
 * The same partition comes out in reverse input order.
 */
#define BIG 1500
#define BDIM 16

static void
test_big(void)
{
	static float vec[BIG][BDIM];
	static char name[BIG][32];
	const float *v[BIG], *rv[BIG];
	const char *kw[BIG], *rkw[BIG];
	long fixed[BIG];
	struct ig_err err = { 0, "" };
	struct cl_result *a = NULL, *b = NULL;
	unsigned long x = 12345;
	size_t i, d, bad = 0, moved = 0;

	for (i = 0; i < BIG; i++) {
		for (d = 0; d < BDIM; d++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			vec[i][d] = (float)((double)(x >> 40) / (double)(1UL << 24) - 0.5) * 0.9f;
		}
		vec[i][i % 6] += 2.0f;
		snprintf(name[i], sizeof name[i], "topic %zu item %zu", i % 6, i);
		v[i] = vec[i];
		kw[i] = name[i];
		rv[BIG - 1 - i] = vec[i];
		rkw[BIG - 1 - i] = name[i];
		fixed[i] = i < 6 ? 0 : -1;	/* items 0..5: one per topic */
	}
	fixed[1] = fixed[2] = fixed[3] = fixed[4] = fixed[5] = -1;
	ok(cl_vec_run(kw, v, BDIM, NULL, fixed, 1, BIG,
		      &(struct cl_vec_opts){ 0.6, 0 }, &a, &err) == 0, "clusters %d vectors", BIG);
	ok(cl_vec_run(rkw, rv, BDIM, NULL, NULL, 0, BIG,
		      &(struct cl_vec_opts){ 0.6, 0 }, &b, &err) == 0, "and in reverse order");
	if (!a || !b)
		return;
	for (i = 6; i < BIG; i++)
		bad += cl_result_cluster_of(a, i) != cl_result_cluster_of(a, i % 6);
	is_int((long)bad, 0, "each topic is one cluster");
	is_int((long)cl_result_nclusters(a), 6, "six clusters, the existing one included");
	is_int(cl_result_cluster_of(a, 0), 0, "the existing cluster keeps topic 0");
	for (i = 0; i < BIG; i++)
		for (d = 0; d < 6; d++)
			moved += (cl_result_cluster_of(a, i) == cl_result_cluster_of(a, d)) !=
				 (cl_result_cluster_of(b, BIG - 1 - i) ==
				  cl_result_cluster_of(b, BIG - 1 - d));
	is_int((long)moved, 0, "input order does not change the partition");
	cl_result_free(a);
	cl_result_free(b);
}

int
main(void)
{
	static const size_t id[N] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const size_t rev[N] = { 8, 7, 6, 5, 4, 3, 2, 1, 0 };
	long fixed[N] = { 0, -1, -1, -1, -1, -1, -1, -1, -1 };
	struct cl_result *r = run(id, NULL, 0, 0), *r2;
	struct ig_err err = { 0, "" };
	const float *zero[1] = { (float[DIM]){ 0 } };
	const char *one[1] = { "x" };

	ok(r != NULL, "clusters the sample");
	is_int((long)cl_result_nclusters(r), 3, "three topics");
	ok(together(r, 0, 1) && together(r, 1, 2), "running shoes together");
	ok(together(r, 5, 6) && together(r, 6, 7), "sourdough together");
	ok(!together(r, 0, 3) && !together(r, 3, 5), "topics apart");
	is_int(cl_result_cluster_of(r, 8), -1, "the loner stays unclustered");
	ok(cl_result_cluster_of(r, 0) == 0 && cl_result_cluster_of(r, 5) == 1 &&
	   cl_result_cluster_of(r, 3) == 2, "largest first, ties by name");
	is_str(kws[cl_result_representative(r, cl_result_cluster_of(r, 0))].kw,
	       "running shoes", "named by highest volume");
	is_int((long)cl_result_size(r, (size_t)cl_result_cluster_of(r, 3)), 2, "size");

	r2 = run(rev, NULL, 0, 0);
	for (size_t j = 0; j < N; j++)
		ok(cl_result_cluster_of(r2, j) == cl_result_cluster_of(r, rev[j]),
		   "input order does not matter (%zu)", j);
	cl_result_free(r2);
	cl_result_free(r);

	r = run(id, fixed, 1, 0);
	is_int(cl_result_cluster_of(r, 1), 0, "new keyword joins the existing cluster");
	is_int(cl_result_cluster_of(r, 0), 0, "fixed keyword stays");
	is_int((long)cl_result_nclusters(r), 3, "existing plus two new");
	cl_result_free(r);

	r = run(id, NULL, 0, 0.99);
	is_int((long)cl_result_nclusters(r), 0, "a strict threshold clusters nothing");
	cl_result_free(r);

	ok(cl_vec_run(one, zero, DIM, NULL, NULL, 0, 1, NULL, &r, &err) < 0 &&
	   err.code == IG_EDATA, "zero vector is refused: %s", err.msg);
	ok(cl_vec_run(one, zero, DIM, NULL, NULL, 0, 0,
		      &(struct cl_vec_opts){ 1.5, 0 }, &r, &err) < 0,
	   "threshold above 1 is refused");
	test_big();
	return done_testing();
}
