/* t-cl_comm.c: the resolution communities are found at (lib/cl_comm.c). */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_local.h"
#include "cluster_local_priv.h"
#include "tap.h"

#define NFINE 1200		/* 200 topics of 6 short keywords */
#define NSENT 1200		/* sentences of 8 to 10 words */

static char fine[NFINE][64], sent[NSENT][128];
static const char *fkw[NFINE], *frev[NFINE], *skw[NSENT];

/* A made-up word of topic t (distinct for every t < 26^3). */
static void
word(char *out, size_t len, unsigned t, const char *stem)
{
	snprintf(out, len, "%s%c%c%c", stem, 'a' + t % 26, 'a' + t / 26 % 26,
	    'a' + t / 676 % 26);
}

/*
 * SEO-sized topics: each a made-up head term of two words with six short
 * variants; the modifiers are shared by every topic, and every fifth topic
 * shares its first word with the next (so that coarse resolutions merge
 * them, as they merge real neighbouring topics).
 */
static void
make_fine(void)
{
	static const char *const mod[] = { "", "best", "cheap", "buy", "review",
		"near me" };
	char a[16], b[16];
	size_t i;

	for (i = 0; i < NFINE; i++) {
		unsigned t = (unsigned)(i / 6);

		word(a, sizeof a, t - t % 5 / 2, "ka");
		word(b, sizeof b, t, "lo");
		snprintf(fine[i], sizeof fine[i], "%s %s %s", mod[i % 6], a, b);
		fkw[i] = fine[i];
		frev[NFINE - 1 - i] = fine[i];
	}
}

/* Utterances: 40 intents, each a verb and an object in a long sentence. */
static void
make_sentences(void)
{
	static const char *const frame[] = {
		"please %s the %s kitchen lights tomorrow morning quickly",
		"assistant %s my %s playlist during evening workout session",
		"remind family %s every %s before monday breakfast meeting",
	};
	char v[16], o[16];
	size_t i;

	for (i = 0; i < NSENT; i++) {
		unsigned t = (unsigned)(i % 40);

		word(v, sizeof v, t, "ve");
		word(o, sizeof o, (unsigned)(i / 40 % 30) + 100 * (t % 4), "ob");
		snprintf(sent[i], sizeof sent[i], frame[i % 3], v, o);
		skw[i] = sent[i];
	}
}

static struct cl_result *
run(const char *const *kw, size_t n, unsigned threads, int adapt,
    double gamma, double *chosen)
{
	struct cl_local_opts o = { 0, threads, 0, 0 };
	struct cl_tune t;
	struct ig_err err = { 0, "" };
	struct cl_result *r = NULL;

	cl_tune_default(&t);
	t.adapt = adapt;
	t.gamma = gamma;
	t.chosen = chosen;
	if (cl_local_run_tuned(kw, NULL, NULL, 0, n, &o, &t, &r, &err) < 0)
		diag("cl_local_run_tuned: %s", err.msg);
	return r;
}

/* Pairs of keywords of different topics (topic = index / per) in one cluster. */
static size_t
mixed(const struct cl_result *r, size_t n, size_t per)
{
	size_t i, j, bad = 0;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			bad += i / per != j / per && cl_result_cluster_of(r, i) >= 0 &&
			    cl_result_cluster_of(r, i) == cl_result_cluster_of(r, j);
	return bad;
}

static void
test_fine_topics(void)
{
	double g = 0, gfix = 0;
	struct cl_result *a = run(fkw, NFINE, 1, 1, 2.5, &g);
	struct cl_result *fix = run(fkw, NFINE, 1, 0, 2.5, &gfix);
	size_t bad, badfix;

	if (!a || !fix) {
		ok(0, "clustered");
		goto out;
	}
	ok(g >= 8 && g <= 64, "short keywords: the ladder chose %g (8 to 64)", g);
	ok(gfix == 2.5, "without adapt the fixed resolution is used");
	bad = mixed(a, NFINE, 6);
	badfix = mixed(fix, NFINE, 6);
	ok(bad * 4 < badfix, "fewer topics merged than at 2.5 (%zu pairs, %zu at 2.5)",
	    bad, badfix);
	ok(bad < NFINE, "neighbouring topics mostly apart (%zu mixed pairs)", bad);
out:
	cl_result_free(a);
	cl_result_free(fix);
}

static void
test_sentences(void)
{
	double g = 0;
	struct cl_result *r = run(skw, NSENT, 1, 1, 2.5, &g);

	ok(g == 2.5, "sentences use the sentence resolution (%g)", g);
	cl_result_free(r);
}

static void
test_determinism(void)
{
	double g1 = 0, g2 = 0;
	struct cl_result *a = run(fkw, NFINE, 1, 1, 2.5, &g1);
	struct cl_result *b = run(frev, NFINE, 4, 1, 2.5, &g2);
	size_t i, diff = 0;

	if (!a || !b) {
		ok(0, "clustered");
		goto out;
	}
	ok(g1 == g2 && g1 > 0, "the same resolution for any order and threads");
	for (i = 0; i < NFINE; i++)
		diff += cl_result_cluster_of(a, i) !=
		    cl_result_cluster_of(b, NFINE - 1 - i);
	is_int((long)diff, 0, "the same clusters, numbers too");
out:
	cl_result_free(a);
	cl_result_free(b);
}

int
main(void)
{
	make_fine();
	make_sentences();
	test_fine_topics();
	test_sentences();
	test_determinism();
	return done_testing();
}
