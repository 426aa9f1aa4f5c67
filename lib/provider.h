/*
 * provider.h: model clients for the OpenAI API shape (chat completions,
 * embeddings, images, moderations, models, files and batches) and for
 * Runware's image inference, over http.c.
 *
 * A provider is a named profile from the configuration (providers.<name>.*):
 * base URL, key, which token parameter the server takes, whether it takes
 * a temperature, which response_format it understands, timeouts and rate
 * limits.  No model name lives in code.  A struct provider is shared by all
 * threads; each thread makes its own http client with provider_client().
 */
#ifndef IG_PROVIDER_H
#define IG_PROVIDER_H

#include <math.h>
#include <signal.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "compat.h"
#include "config.h"
#include "err.h"
#include "http.h"

struct provider;

enum rf_mode { RF_JSON_SCHEMA, RF_JSON_OBJECT, RF_NONE };

struct provider *provider_new(const struct config *cfg, const char *name,
			      int jobs, struct ig_err *err);
void provider_free(struct provider *p);
const char *provider_name(const struct provider *p);
const char *provider_base_url(const struct provider *p);
int provider_has_key(const struct provider *p);
struct ratelimit *provider_ratelimit(struct provider *p);

/*
 * A client for this thread: the provider's settings with the cancel flag,
 * hooks and ctx of hooks (which may be NULL: none).
 */
struct http_client *provider_client(struct provider *p, const struct http_opts *hooks);

struct chat_req {
	const char *model;
	const char *system;	/* may be NULL */
	const char *user;
	const char *assistant;	/* a previous answer, for the repair turn; may be NULL */
	const char *followup;	/* user message after it; may be NULL */
	const cJSON *schema;	/* answer schema, may be NULL */
	const char *schema_name;
	long max_tokens;	/* <= 0 = not sent */
	double temperature;	/* NAN = not sent */
	const char *schema_json;	/* json_dump(schema), printed once per
					 * prompt (prompt_schema_json); NULL:
					 * printed for each body */
};

struct chat_res {
	char *content;		/* the answer text (malloc'd), NULL when none */
	char *refusal;		/* set when the model refused */
	char finish_reason[32];
	long tokens_in, tokens_out, tokens_cached;
	long http_status;
	int attempts;
	double elapsed;
	char request_id[128];
	char model[128];	/* model the server says answered */
	char *body;		/* the response body as received (malloc'd),
				 * kept for the call log; NULL when none */
};

void chat_res_release(struct chat_res *r);

/* The request body this provider would send (malloc'd JSON text). */
char *provider_chat_body(const struct provider *p, const struct chat_req *req);
/* Parses a chat completion response body (also used for batch output). */
int provider_chat_parse(const char *body, size_t len, struct chat_res *res,
			struct ig_err *err);
/* POSTs a body from provider_chat_body() and parses the answer. */
int provider_chat_send(struct provider *p, struct http_client *c,
		       const char *body, long est_tokens, struct chat_res *res,
		       struct ig_err *err);

/*
 * The bodies of a call whose answer is returned parsed (embeddings,
 * moderation), kept for the call log: malloc'd, NULL when none (a
 * response is kept even when the call failed, when one came).
 */
struct provider_bodies {
	char *request, *response;
};
void provider_bodies_release(struct provider_bodies *b);

/*
 * Embeddings for n inputs; vectors_out[i] is malloc'd float[*dim_out].
 * bodies (may be NULL) gets what was sent and received.
 */
int provider_embed(struct provider *p, struct http_client *c, const char *model,
		   const char *const *inputs, size_t n, float **vectors_out,
		   size_t *dim_out, long *tokens_out, struct provider_bodies *bodies,
		   struct ig_err *err);

/*
 * Moderation of one text: *flagged_out and the result object (caller
 * frees); bodies (may be NULL) gets what was sent and received.
 */
int provider_moderate(struct provider *p, struct http_client *c,
		      const char *model, const char *text, int *flagged_out,
		      cJSON **result_out, struct provider_bodies *bodies,
		      struct ig_err *err);

/* GET /models: the raw list object (caller frees). */
cJSON *provider_models(struct provider *p, struct http_client *c,
		       struct ig_err *err);

/* Generic JSON call relative to base URL ("/batches"); body may be NULL for GET. */
cJSON *provider_json(struct provider *p, struct http_client *c,
		     const char *method, const char *path, const char *body,
		     struct ig_err *err);
/*
 * One request relative to base URL with this provider's key and headers;
 * resp (initialised by the caller) keeps status, attempts and request id
 * for the call log.  Returns http_send()'s result.
 */
int provider_send(struct provider *p, struct http_client *c, const char *method,
		  const char *path, const char *body, struct http_resp *resp,
		  struct ig_err *err);
/*
 * GET relative to base URL (file contents) into out, a seekable file that
 * is emptied first, not bound by run.max_body: a batch's output file holds
 * thousands of answers in one body.
 */
int provider_get_file(struct provider *p, struct http_client *c,
		      const char *path, FILE *out, struct ig_err *err);
/* Multipart upload of a batch input file; returns the file id (malloc'd). */
char *provider_upload(struct provider *p, struct http_client *c,
		      const char *filename, const char *data, size_t len,
		      const char *purpose, struct ig_err *err);

#endif
