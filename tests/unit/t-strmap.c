/* t-strmap.c: the string map behind the run's sets (lib/strmap.c). */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "tap.h"

static int freed;

static void
count_free(void *p)
{
	freed += p != NULL;
	free(p);
}

int
main(void)
{
	struct strmap *m = strmap_new();
	char key[32];
	void **v;
	int added, all = 1;

	ok(m && strmap_count(m) == 0, "a new map is empty");
	ok(strmap_get(m, "a") == NULL, "nothing is found in it");
	v = strmap_put(m, "a", &added);
	ok(v && added && *v == NULL, "a new key gets a NULL value");
	*v = strdup("first");
	v = strmap_put(m, "a", &added);
	ok(v && !added && !strcmp(*v, "first"), "putting it again finds its value");
	ok(strmap_get(m, "") == NULL, "the empty key is a key like any other");
	ok(strmap_put(m, "", &added) && added, "... and can be added");
	/* past several doublings: every key is still found with its value */
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "key %d", i);
		if (!(v = strmap_put(m, key, &added)) || !added)
			all = 0;
		else
			*v = strdup(key);
	}
	ok(all, "5000 keys added");
	is_int((long)strmap_count(m), 5002, "each counted once");
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "key %d", i);
		if (!(v = strmap_get(m, key)) || strcmp(*v, key))
			all = 0;
	}
	ok(all, "each found with its own value after growing");
	ok(strmap_get(m, "key 5000") == NULL, "a key never added is absent");
	ok(strmap_get(m, "KEY 1") == NULL, "keys are compared byte for byte");
	strmap_free(m, count_free);
	is_int(freed, 5001, "free gives every value set to the function");
	strmap_free(NULL, NULL);
	ok(ig_fnv1a("") == 14695981039346656037ULL, "FNV-1a of nothing is its offset basis");
	ok(ig_fnv1a("a") == 0xaf63dc4c8601ec8cULL, "FNV-1a of \"a\" as published");
	return done_testing();
}
