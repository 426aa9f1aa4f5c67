/* t-cluster_local.c: the offline keyword clustering engine. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_local.h"
#include "tap.h"

static const char *const topics[] = {
	"running shoes", "best running shoes", "running shoes for women",
	"womens running shoe", "cheap running shoes", "running shoes men",
	"iphone 15 case", "iphone 15 cases", "best iphone 15 case",
	"iphone 15 pro case", "leather iphone 15 case",
	"sourdough bread recipe", "how to make sourdough bread",
	"easy sourdough bread", "sourdough bread starter",
	"quantum chromodynamics lecture",
};
#define NT ARRAY_SIZE(topics)

static struct cl_result *
run(const char *const *kw, const double *vol, const long *fixed,
    size_t nfixed, size_t n, unsigned threads)
{
	struct cl_local_opts o = { 0, threads, 0 };
	struct ig_err err = { 0, "" };
	struct cl_result *r = NULL;

	if (cl_local_run(kw, vol, fixed, nfixed, n, &o, &r, &err) < 0)
		diag("cl_local_run: %s", err.msg);
	return r;
}

static int
same(const struct cl_result *r, size_t i, size_t j)
{
	return cl_result_cluster_of(r, i) >= 0 &&
	    cl_result_cluster_of(r, i) == cl_result_cluster_of(r, j);
}

static void
test_groups(void)
{
	struct cl_result *r = run(topics, NULL, NULL, 0, NT, 1);
	size_t i;
	int ok1 = 1;

	ok(r != NULL, "clusters the topic sample");
	if (!r)
		return;
	for (i = 1; i < 6; i++)
		ok1 &= same(r, 0, i);
	ok(ok1, "running-shoe variants share a cluster");
	ok(same(r, 6, 7) && same(r, 6, 8) && same(r, 6, 10), "iphone case variants share a cluster");
	ok(same(r, 11, 12) && same(r, 11, 13), "sourdough variants share a cluster");
	ok(!same(r, 0, 6) && !same(r, 0, 11) && !same(r, 6, 11), "the three topics stay apart");
	is_int(cl_result_cluster_of(r, 15), -1, "unrelated keyword is unclustered");
	is_int(cl_result_nclusters(r), 3, "three clusters");
	is_int(cl_result_cluster_of(r, 0), 0, "largest cluster is numbered first");
	is_str(topics[cl_result_representative(r, 0)], "running shoes",
	    "without volumes the most central, shortest keyword names it");
	cl_result_free(r);
}

static void
test_volume_naming(void)
{
	double vol[NT];
	struct cl_result *r;
	size_t i;

	for (i = 0; i < NT; i++)
		vol[i] = -1;
	vol[2] = 900;		/* running shoes for women */
	vol[0] = 500;
	r = run(topics, vol, NULL, 0, NT, 1);
	ok(r != NULL, "runs with volumes");
	if (!r)
		return;
	is_str(topics[cl_result_representative(r, cl_result_cluster_of(r, 0))],
	    "running shoes for women", "highest volume names the cluster");
	cl_result_free(r);
}

/* Same partition, same numbers, over thread counts and repeated runs. */
static void
test_determinism(void)
{
	struct cl_result *a = run(topics, NULL, NULL, 0, NT, 1), *b;
	unsigned t;
	size_t i;
	int same_all;

	for (t = 1; t <= 4; t++) {
		b = run(topics, NULL, NULL, 0, NT, t);
		same_all = a && b;
		for (i = 0; same_all && i < NT; i++)
			same_all = cl_result_cluster_of(a, i) == cl_result_cluster_of(b, i);
		ok(same_all, "%u thread(s) give the single-thread result", t);
		cl_result_free(b);
	}
	cl_result_free(a);
}

/* Reversed input: same partition (cluster numbers may only follow names). */
static void
test_order(void)
{
	const char *rev[NT];
	struct cl_result *a, *b;
	size_t i, j;
	int agree = 1;

	for (i = 0; i < NT; i++)
		rev[i] = topics[NT - 1 - i];
	a = run(topics, NULL, NULL, 0, NT, 2);
	b = run(rev, NULL, NULL, 0, NT, 2);
	for (i = 0; a && b && i < NT; i++)
		for (j = 0; j < NT; j++)
			agree &= same(a, i, j) == same(b, NT - 1 - i, NT - 1 - j);
	ok(a && b && agree, "reversed input gives the same partition");
	for (i = 0; a && b && i < NT; i++)
		agree &= cl_result_cluster_of(a, i) == cl_result_cluster_of(b, NT - 1 - i);
	ok(a && b && agree, "and the same cluster numbers");
	cl_result_free(a);
	cl_result_free(b);
}

static void
test_fixed(void)
{
	const char *kw[] = {
		"running shoes", "trail running shoes",		/* existing 0 */
		"garden hose", "expandable garden hose",	/* existing 1 */
		"best running shoes", "garden hose reel",	/* free */
		"sourdough bread recipe", "easy sourdough bread",
		"running shoes for women",
	};
	long fixed[] = { 0, 0, 1, 1, -1, -1, -1, -1, 0 };
	long bad[] = { 0, 0, 1, 7, -1, -1, -1, -1, 0 };
	struct cl_local_opts o = { 0, 1, 0 };
	struct ig_err err = { 0, "" };
	struct cl_result *r = run(kw, NULL, fixed, 3, ARRAY_SIZE(kw), 2);

	ok(r != NULL, "runs with existing clusters");
	if (!r)
		return;
	is_int(cl_result_cluster_of(r, 4), 0, "free keyword joins existing cluster 0");
	is_int(cl_result_cluster_of(r, 5), 1, "free keyword joins existing cluster 1");
	is_int(cl_result_cluster_of(r, 6), 3, "new cluster numbered after existing ones");
	is_int(cl_result_cluster_of(r, 7), 3, "its other member");
	is_int(cl_result_cluster_of(r, 8), 0, "fixed keyword keeps its cluster");
	is_int(cl_result_nclusters(r), 4, "existing plus new clusters");
	is_int(cl_result_size(r, 2), 0, "empty existing cluster kept");
	ok(cl_result_representative(r, 2) == (size_t)-1, "and has no representative");
	cl_result_free(r);
	r = NULL;
	ok(cl_local_run(kw, NULL, bad, 3, ARRAY_SIZE(kw), &o, &r, &err) < 0 &&
	    err.code == IG_EDATA && r == NULL, "out-of-range existing cluster is IG_EDATA");
	diag("%s", err.msg);
}

static void
test_edges(void)
{
	const char *one[] = { "running shoes" };
	const char *uni[] = { "café", "CAFE", "Café!", "tea house" };
	const char *dup[] = { "garden hose", "garden hose", "quantum physics" };
	struct cl_local_opts o = { 1.5, 1, 0 };
	struct ig_err err = { 0, "" };
	struct cl_result *r;

	r = run(NULL, NULL, NULL, 0, 0, 1);
	ok(r && cl_result_nclusters(r) == 0, "empty input: no clusters");
	cl_result_free(r);
	r = run(NULL, NULL, NULL, 2, 0, 1);
	ok(r && cl_result_nclusters(r) == 2, "empty input keeps existing clusters");
	cl_result_free(r);
	r = run(one, NULL, NULL, 0, 1, 1);
	ok(r && cl_result_cluster_of(r, 0) == -1 && cl_result_nclusters(r) == 0,
	    "one keyword stays unclustered");
	cl_result_free(r);
	r = run(uni, NULL, NULL, 0, 4, 1);
	ok(r && same(r, 0, 1) && same(r, 0, 2), "café, CAFE and Café! cluster together");
	ok(r && cl_result_cluster_of(r, 3) == -1, "tea house does not");
	cl_result_free(r);
	r = run(dup, NULL, NULL, 0, 3, 1);
	ok(r && same(r, 0, 1), "duplicates form a cluster");
	ok(r && cl_result_cluster_of(r, 2) == -1 && cl_result_nclusters(r) == 1,
	    "and nothing else joins");
	is_int(r ? cl_result_representative(r, 0) : 9, 0, "first duplicate names it");
	cl_result_free(r);
	r = NULL;
	ok(cl_local_run(one, NULL, NULL, 0, 1, &o, &r, &err) < 0 &&
	    err.code == IG_EUSAGE, "threshold above 1 is refused");
	ok(cl_local_default_threshold() > 0 && cl_local_default_threshold() <= 1,
	    "default threshold is in (0,1]");
}

/* A threshold of 1 only merges equal word bags; a low one merges more. */
static void
test_threshold(void)
{
	struct cl_local_opts hi = { 1.0, 1, 0 }, lo = { 0.05, 1, 0 };
	struct ig_err err = { 0, "" };
	struct cl_result *a = NULL, *b = NULL;

	cl_local_run(topics, NULL, NULL, 0, NT, &hi, &a, &err);
	cl_local_run(topics, NULL, NULL, 0, NT, &lo, &b, &err);
	/* "running shoes for women" and "womens running shoe": same bag */
	ok(a && cl_result_nclusters(a) == 2 && same(a, 6, 7) && same(a, 2, 3),
	    "threshold 1: only keywords with the same stemmed words cluster");
	ok(b && cl_result_nclusters(b) >= 1 && cl_result_nclusters(b) <= 3,
	    "low threshold: few clusters");
	cl_result_free(a);
	cl_result_free(b);
}

/*
 * 3,000 generated keywords (past the size where communities take over from
 * average link): 1 and 4 threads and reversed input give one partition,
 * and each made-up topic mostly stays in one cluster.
 */
#define NBIG 3000

static void
test_big(void)
{
	static char buf[NBIG][48];
	static const char *const mod[] = { "best", "cheap", "for kids", "review",
		"near me", "how to clean", "price", "used", "mini", "pro" };
	const char *kw[NBIG], *rev[NBIG];
	struct cl_local_opts o1 = { 0, 1, 0, 0 }, o4 = { 0, 4, 0, 0 };
	struct ig_err err = { 0, "" };
	struct cl_result *a = NULL, *b = NULL, *c = NULL;
	size_t i, j, diff = 0, split = 0;

	for (i = 0; i < NBIG; i++) {
		/* topic t: two made-up words; modifiers shared by all topics */
		unsigned t = (unsigned)(i % 60);

		snprintf(buf[i], sizeof buf[i], "%s zo%ck%c ba%cu%c %s %zu",
		    mod[(i / 60) % 10], 'a' + t % 26, 'a' + t / 26, 'a' + t % 7,
		    'a' + t / 7, mod[(i / 600) % 10], i / 6000);
		kw[i] = buf[i];
		rev[NBIG - 1 - i] = buf[i];
	}
	ok(cl_local_run(kw, NULL, NULL, 0, NBIG, &o1, &a, &err) == 0 &&
	    cl_local_run(kw, NULL, NULL, 0, NBIG, &o4, &b, &err) == 0 &&
	    cl_local_run(rev, NULL, NULL, 0, NBIG, &o4, &c, &err) == 0,
	    "clusters %d keywords three times", NBIG);
	if (!a || !b || !c)
		goto out;
	for (i = 0; i < NBIG; i++) {
		diff += cl_result_cluster_of(a, i) != cl_result_cluster_of(b, i);
		diff += cl_result_cluster_of(a, i) != cl_result_cluster_of(c, NBIG - 1 - i);
	}
	is_int((long)diff, 0, "same clusters, numbers too, for any threads or order");
	for (i = 0; i < 60; i++)
		for (j = i + 60; j < NBIG; j += 60)
			split += cl_result_cluster_of(a, j) != cl_result_cluster_of(a, i);
	ok(split < NBIG / 10, "topics stay together (%zu of %d apart)", split, NBIG);
out:
	cl_result_free(a);
	cl_result_free(b);
	cl_result_free(c);
}

int
main(void)
{
	test_groups();
	test_volume_naming();
	test_determinism();
	test_order();
	test_fixed();
	test_edges();
	test_threshold();
	test_big();
	return done_testing();
}
