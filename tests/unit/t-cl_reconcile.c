/* t-cl_reconcile.c: joining the groups of many model requests. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "cl_reconcile.h"
#include "tap.h"

/* A group as a request answered it: keywords end with NULL. */
struct g {
	int batch;
	const char *name;
	long volume;
	const char *kw[6];
};

/* Reconciles groups g[0..n); NULL (and a diagnostic) on failure. */
static struct cl_rec *
rec(const struct g *g, size_t n)
{
	struct cl_rec *r = cl_rec_new();
	struct ig_err err = { 0, "" };

	for (size_t i = 0; r && i < n; i++) {
		long id = cl_rec_group(r, g[i].batch, g[i].name, g[i].volume);

		for (size_t k = 0; id >= 0 && g[i].kw[k]; k++)
			if (cl_rec_keyword(r, id, g[i].kw[k]) < 0)
				id = -1;
		if (id != (long)i) {
			diag("adding group %zu failed", i);
			cl_rec_free(r);
			return NULL;
		}
	}
	if (r && cl_rec_run(r, &err) < 0) {
		diag("cl_rec_run: %s", err.msg);
		cl_rec_free(r);
		return NULL;
	}
	return r;
}

static int
together(const struct cl_rec *r, size_t a, size_t b)
{
	return r && cl_rec_cluster_of(r, a) == cl_rec_cluster_of(r, b);
}

static const char *
name_of(const struct cl_rec *r, size_t g)
{
	return r ? cl_rec_name(r, cl_rec_cluster_of(r, g)) : NULL;
}

static void
test_keys(void)
{
	static const char *const same[] = {
		"running shoes", "Running Shoes", "Running Shoe", "Shoes, Running",
		"Best Running Shoes", "Running Shoes Guide", "Running Shoe Options",
		"All About Running Shoes", "Running Shoes for Beginners",
		"Top Running Shoes: Tips and Ideas",
	};
	char *want = cl_rec_key(same[0]), *k;

	for (size_t i = 1; i < ARRAY_SIZE(same); i++) {
		k = cl_rec_key(same[i]);
		is_str(k, want, "key: '%s' is '%s'", same[i], same[0]);
		free(k);
	}
	k = cl_rec_key("Womens Running Shoes");
	ok(k && strcmp(k, want), "key: an audience word is kept");
	free(k);
	{
		char *x = cl_rec_key("Running Shoes Women");
		char *y = cl_rec_key("women's running shoes");

		is_str(x, y, "key: order and apostrophes do not matter");
		free(x);
		free(y);
	}
	k = cl_rec_key("Tips");
	is_str(k, "tip", "key: a name of only generic words keeps them");
	free(k);
	free(want);
}

/* The same topic named alike by three requests is one cluster. */
static void
test_same_names(void)
{
	const struct g g[] = {
		{ 1, "Running Shoes", -1, { "best running shoes", NULL } },
		{ 2, "running shoe", -1, { "cheap running shoes", NULL } },
		{ 3, "Best Running Shoes Guide", -1, { "running shoes sale", NULL } },
		{ 3, "Sourdough Bread", -1, { "sourdough starter", NULL } },
	};
	struct cl_rec *r = rec(g, ARRAY_SIZE(g));

	ok(together(r, 0, 1) && together(r, 0, 2), "names alike join across requests");
	ok(!together(r, 0, 3), "... and nothing else");
	is_int(r ? cl_rec_nclusters(r) : 0, 2, "two clusters");
	cl_rec_free(r);
}

/*
 * Request 1 kept "Brand Boots Women" and "Womens Brand Boots" apart; request
 * 2's "brand boots women" may join one of them, never both, and goes to
 * the one whose keywords it shares.
 */
static void
test_request_kept_apart(void)
{
	const struct g g[] = {
		{ 1, "Norvik Boots Women", -1, { "norvik boots women", "norvik boots women sale", NULL } },
		{ 1, "Womens Norvik Boots", -1, { "womens norvik hiking boots", NULL } },
		{ 2, "norvik boots women", -1, { "womens norvik hiking boots waterproof", NULL } },
		{ 3, "Norvik Boots for Women", -1, { "norvik boots women 2025", NULL } },
	};
	struct cl_rec *r = rec(g, ARRAY_SIZE(g));

	ok(!together(r, 0, 1), "one request's groups with one name stay apart");
	ok(together(r, 1, 2), "... another request's joins the one it shares words with");
	ok(together(r, 0, 3) && !together(r, 0, 1),
	   "... and a third request's joins the other, still apart");
	is_int(r ? cl_rec_nclusters(r) : 0, 2, "two clusters");
	cl_rec_free(r);
}

/*
 * Request 1 kept "Sneakers" and "Running Shoes" apart.  Request 2's
 * "Sneakers" joins request 1's by name, and its keywords name "Running
 * Shoes": still the two of request 1 never meet.
 */
static void
test_transitive(void)
{
	const struct g g[] = {
		{ 1, "Sneakers", -1, { "sneakers", "white sneakers", NULL } },
		{ 1, "Running Shoes", -1, { "running shoes", "sneakers running shoes", NULL } },
		{ 2, "Sneakers", -1, { "running shoes sale", "sneakers sale", NULL } },
	};
	struct cl_rec *r = rec(g, ARRAY_SIZE(g));

	ok(together(r, 0, 2), "same names join");
	ok(!together(r, 0, 1) && !together(r, 1, 2),
	   "groups one request separated stay apart after other joins");
	cl_rec_free(r);
}

/* A synonym joins when each name is in the other's keywords. */
static void
test_synonym(void)
{
	const struct g g[] = {
		{ 1, "Running Shoes", -1, { "running shoes", "best sneakers for running", NULL } },
		{ 2, "Running Shoes", -1, { "running shoes 2025", NULL } },
		{ 3, "Sneakers", -1, { "cheap sneakers", "running shoes sneakers", NULL } },
		{ 4, "Trail Running Shoes", -1, { "trail running shoes", "trail shoes", NULL } },
		{ 5, "Norvik Running Shoes", -1, { "norvik running shoes", NULL } },
		{ 6, "Norvik Running Shoes for Kids", -1, { "norvik running shoes kids", NULL } },
	};
	struct cl_rec *r = rec(g, ARRAY_SIZE(g));

	ok(together(r, 0, 2), "a synonym named in each other's keywords joins");
	ok(!together(r, 0, 3), "a narrower topic stays apart (its name is not in the other's words)");
	ok(!together(r, 4, 5), "a brand's product for kids stays apart from the product");
	ok(!together(r, 0, 4), "a brand's product stays apart from the product");
	is_str(name_of(r, 2), "Running Shoes", "the name two requests used wins");
	cl_rec_free(r);
}

/* A group named as a keyword of another cluster joins that cluster. */
static void
test_name_is_keyword(void)
{
	const struct g g[] = {
		{ 1, "Registered Nurses", -1, { "rn", "staff nurse", NULL } },
		{ 2, "RN", -1, { "charge nurse", "nurse case manager", NULL } },
		{ 2, "Nurse Practitioners", -1, { "nurse practitioner", NULL } },
		{ 3, "Staff", -1, { "staffing agency", NULL } },
	};
	struct cl_rec *r = rec(g, ARRAY_SIZE(g));

	ok(together(r, 0, 1), "a name that is another cluster's keyword joins it");
	ok(!together(r, 0, 2), "... nothing else does");
	ok(!together(r, 0, 3), "... a name that is only part of a keyword stays apart");
	cl_rec_free(r);
}

/* Names: most requests, or most volume; a lone narrower name loses. */
static void
test_naming(void)
{
	const struct g a[] = {
		{ 1, "Best Running Shoes", -1, { "a1", NULL } },
		{ 2, "Running Shoes", -1, { "a2", NULL } },
		{ 3, "Running Shoes", -1, { "a3", NULL } },
		{ 4, "running shoe", -1, { "a4", NULL } },
	};
	const struct g v[] = {
		{ 1, "Running Shoes", 10, { "a1", NULL } },
		{ 2, "Running Shoes", 20, { "a2", NULL } },
		{ 3, "Best Running Shoes", 500, { "a3", NULL } },
		{ 4, "running shoe", -1, { "a4", NULL } },
	};
	struct cl_rec *r = rec(a, ARRAY_SIZE(a));

	is_str(name_of(r, 0), "Running Shoes", "the spelling most requests used, not the first");
	is_int(r ? cl_rec_namer(r, 0) : 9, 1, "... taken from its first group");
	cl_rec_free(r);
	r = rec(v, ARRAY_SIZE(v));
	is_str(name_of(r, 0), "Best Running Shoes", "with volumes, the most searched spelling");
	cl_rec_free(r);
}

/* Existing clusters keep their names and never merge with each other. */
static void
test_existing(void)
{
	const struct g g[] = {
		{ 0, "Running Shoes", -1, { "running shoes", NULL } },
		{ 0, "running shoe", -1, { "running shoe", NULL } },
		{ 1, "Best Running Shoes", -1, { "running shoes uk", NULL } },
		{ 2, "Kombucha", -1, { "kombucha", NULL } },
	};
	struct cl_rec *r = rec(g, ARRAY_SIZE(g));

	ok(!together(r, 0, 1), "existing clusters never merge");
	ok(together(r, 0, 2), "a new group joins the existing cluster of its name");
	is_str(name_of(r, 2), "Running Shoes", "... which keeps its name");
	is_int(r ? cl_rec_cluster_of(r, 1) : 9, 1, "existing clusters are numbered first");
	is_int(r ? cl_rec_cluster_of(r, 3) : 9, 2, "... then new ones");
	cl_rec_free(r);
}

/* Two clusters never get names that normalise alike. */
static void
test_unique_names(void)
{
	const struct g g[] = {
		{ 1, "Running Shoes", -1, { "a", NULL } },
		{ 1, "running shoes", -1, { "b", NULL } },
		{ 1, "RUNNING SHOES", -1, { "c", NULL } },
	};
	struct cl_rec *r = rec(g, ARRAY_SIZE(g));

	is_int(r ? cl_rec_nclusters(r) : 0, 3, "one request's three groups stay three");
	is_str(name_of(r, 0), "Running Shoes", "the first keeps its name");
	is_str(name_of(r, 1), "running shoes 2", "the second is numbered");
	is_str(name_of(r, 2), "RUNNING SHOES 3", "the third too");
	cl_rec_free(r);
}

int
main(void)
{
	test_keys();
	test_same_names();
	test_request_kept_apart();
	test_transitive();
	test_synonym();
	test_name_is_keyword();
	test_naming();
	test_existing();
	test_unique_names();
	return done_testing();
}
