/* cache.c: the workspace response cache, keyed by SHA-256 (OpenSSL libcrypto). */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <openssl/evp.h>

#include "cache.h"

/*
 * Every request is hashed, so the digest is fetched from its provider once:
 * OpenSSL 3 looks the algorithm up anew on every EVP_sha256() use, which
 * cost a third as much as the hashing itself.
 */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

void
cache_key(const char *base_url, const char *body, char out[CACHE_KEY_LEN])
{
	static const char hex[] = "0123456789abcdef";
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	pthread_once(&sha256_once, fetch_sha256);
	EVP_DigestInit_ex(ctx, sha256 ? sha256 : EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, base_url, strlen(base_url));
	EVP_DigestUpdate(ctx, "\n", 1);
	EVP_DigestUpdate(ctx, body, strlen(body));
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	for (unsigned int i = 0; i < n && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * (n < 32 ? n : 32)] = '\0';
}

int
cache_get(struct ws *ws, const char *key, struct cache_hit *hit)
{
	sqlite3_stmt *st = ws_cached(ws, "SELECT response, tokens_in, tokens_out,"
					  " tokens_cached FROM cache WHERE key = ?", NULL);
	int found = 0;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		hit->response = strdup((const char *)sqlite3_column_text(st, 0));
		hit->tokens_in = (long)sqlite3_column_int64(st, 1);
		hit->tokens_out = (long)sqlite3_column_int64(st, 2);
		hit->tokens_cached = (long)sqlite3_column_int64(st, 3);
		found = hit->response != NULL;
	}
	ws_done(st);
	return found;
}

int
cache_put(struct ws *ws, const char *key, const char *function,
	  const char *model, const char *response, long tokens_in,
	  long tokens_out, long tokens_cached, struct ig_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	int rc = 0;

	ws_now(now);
	st = ws_cached(ws, "INSERT OR REPLACE INTO cache (key, function, model,"
			    " response, tokens_in, tokens_out, tokens_cached, created_at)"
			    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, response, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, tokens_in);
	sqlite3_bind_int64(st, 6, tokens_out);
	sqlite3_bind_int64(st, 7, tokens_cached);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "caching an answer");
	ws_done(st);
	return rc;
}
