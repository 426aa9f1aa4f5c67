/* t-cache.c: cache keys (SHA-256 of base URL and body) and the cache table. */
#include "compat.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "tap.h"

/* Digests computed with Python's hashlib over "BASE\nBODY". */
static void
test_keys(void)
{
	char key[CACHE_KEY_LEN];

	cache_key("http://127.0.0.1:1/v1", "{\"model\":\"m\"}", key);
	is_str(key, "b7a39309c974977587e183b5898941de41bdec8a6f954b65c34fb860a99afe54",
	       "key of a base URL and a body");
	cache_key("", "", key);
	is_str(key, "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b",
	       "key of nothing is the digest of the newline alone");
	is_int((long)strlen(key), CACHE_KEY_LEN - 1, "64 hex digits");
}

struct hasher {
	int same;
};

/* Many threads hash at once (every worker does): same input, same key. */
static void *
hash_many(void *arg)
{
	struct hasher *h = arg;
	char key[CACHE_KEY_LEN];

	h->same = 1;
	for (int i = 0; i < 500; i++) {
		cache_key("http://127.0.0.1:1/v1", "{\"model\":\"m\"}", key);
		if (strcmp(key, "b7a39309c974977587e183b5898941de41bdec8a6f954b65c34fb860a99afe54"))
			h->same = 0;
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t t[4];
	struct hasher h[4];
	int all = 1;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, hash_many, &h[i]);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		all &= h[i].same;
	}
	ok(all, "four threads hashing at once agree");
}

static void
test_table(void)
{
	char dir[] = "/tmp/t-cache.XXXXXX", path[PATH_MAX], key[CACHE_KEY_LEN];
	struct ig_err err = { 0 };
	struct cache_hit hit = { 0 };
	struct ws *ws;

	if (!mkdtemp(dir))
		exit(1);
	snprintf(path, sizeof path, "%s/c.db", dir);
	if (!(ws = ws_open(path, WS_CREATE, &err)))
		exit(1);
	cache_key("http://127.0.0.1:1/v1", "{}", key);
	is_int(cache_get(ws, key, &hit), 0, "a miss");
	is_int(cache_put(ws, key, "ideas", "m", "{\"ideas\":[]}", 10, 20, 5, &err), 0, "put");
	is_int(cache_get(ws, key, &hit), 1, "then a hit");
	is_str(hit.response, "{\"ideas\":[]}", "with the answer");
	ok(hit.tokens_in == 10 && hit.tokens_out == 20 && hit.tokens_cached == 5,
	   "and its tokens");
	free(hit.response);
	ws_close(ws);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_keys();
	test_threads();
	test_table();
	return done_testing();
}
