/* t-cl_name.c: a cluster's head term when volumes are unknown. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "cl_name.h"
#include "tap.h"

/* The head term of n keywords, or "(none)". */
static char *
head(const char *const *kw, size_t n)
{
	char *name = NULL;

	if (cl_name_head(kw, n, &name) < 0)
		return strdup("(oom)");
	return name ? name : strdup("(none)");
}

static void
check(const char *const *kw, size_t n, const char *want, const char *what)
{
	char *got = head(kw, n);

	is_str(got, want, "%s", what);
	free(got);
}

int
main(void)
{
	static const char *const shoes[] = {
		"leather running shoes womens uk", "best running shoes",
		"running shoes for women", "womens running shoe",
		"cheap running shoes", "running shoes men",
	};
	static const char *const cases[] = {
		"iphone 15 case", "iphone 15 pro case", "clear iphone 15 case",
		"magsafe iphone case", "leather iphone case", "waterproof running shoes",
	};
	static const char *const sentences[] = {
		"what will the weather be like tomorrow in Paris",
		"is it going to rain in London today",
		"weather forecast for the weekend",
		"will it be sunny on Saturday",
		"what's the weather in Berlin",
	};
	static const char *const mixed[] = {
		"Espresso Machine", "espresso machines under 200",
		"best espresso machine for home", "espresso grinder",
	};
	static const char *const apart[] = { "garden hose", "quantum physics", "sourdough" };
	static const char *const stop[] = {
		"shoes for running", "shoes for hiking", "shoes for walking",
	};
	static const char *const longp[] = {
		"alpha beta gamma delta epsilon zeta",
		"alpha beta gamma delta epsilon zeta eta",
		"alpha beta gamma delta epsilon zeta theta",
	};

	check(shoes, ARRAY_SIZE(shoes), "running shoes",
	    "a long-tail central member gives way to the shared phrase");
	check(cases, ARRAY_SIZE(cases), "iphone case",
	    "words in order with a gap make a phrase (iphone ... case)");
	check(sentences, ARRAY_SIZE(sentences), "weather",
	    "a cluster of sentences is named by its shared word, not a sentence");
	check(mixed, ARRAY_SIZE(mixed), "espresso machine",
	    "case and plural variants count as one phrase, shown lower-cased");
	check(apart, ARRAY_SIZE(apart), "(none)",
	    "no phrase in most members: no head term (the caller falls back)");
	check(stop, ARRAY_SIZE(stop), "shoes",
	    "no phrase ends with a stopword ('shoes for')");
	check(longp, ARRAY_SIZE(longp), "alpha beta gamma delta",
	    "at most four words, unbroken phrases first");
	check(shoes, 1, "(none)", "one member is not a shared phrase");

	{
		double c[ARRAY_SIZE(shoes)];
		size_t i, best = 0;

		ok(cl_name_centrality(shoes, ARRAY_SIZE(shoes), c) == 0, "centrality");
		for (i = 1; i < ARRAY_SIZE(shoes); i++)
			if (c[i] > c[best])
				best = i;
		/* running, shoes and women(s) each recur; "best" does not */
		is_str(shoes[best], "running shoes for women",
		    "the member whose words the others share most is most central");
		ok(c[0] < c[1] && c[0] < c[4],
		    "a long tail of rare words is less central");
	}
	return done_testing();
}
