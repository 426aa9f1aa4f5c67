/* provider.c: OpenAI-shaped API calls over the one HTTP path. */
#include "compat.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "provider.h"
#include "ratelimit.h"

struct provider {
	char *name;
	char *base_url;		/* without a trailing slash */
	char *key;		/* NULL when none is configured */
	int max_completion;	/* send max_completion_tokens, else max_tokens */
	int send_temperature;
	char *reasoning;	/* comma-separated fnmatch patterns, or NULL */
	char *effort;		/* reasoning_effort sent to those, or NULL */
	enum rf_mode rf;
	char *org, *project;
	struct http_opts opts;
	struct ratelimit *rl;
	char *hdr_org, *hdr_project;	/* "OpenAI-Organization: ..." */
};

static char *
dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static char *
hdr(const char *name, const char *value)
{
	size_t n;
	char *h;

	if (!value || !*value)
		return NULL;
	n = strlen(name) + strlen(value) + 3;
	if ((h = malloc(n)))
		snprintf(h, n, "%s: %s", name, value);
	return h;
}

/* A numeric provider setting, or def when unset. */
static double
pnum(const struct config *cfg, const char *name, const char *field, double def)
{
	const char *v = config_provider(cfg, name, field);

	return v && *v ? atof(v) : def;
}

static int
load_profile(struct provider *p, const struct config *cfg, int jobs)
{
	const char *tp = config_provider(cfg, p->name, "token_param");
	const char *rf = config_provider(cfg, p->name, "response_format");
	const char *b = config_provider(cfg, p->name, "send_temperature");

	p->max_completion = !tp || !strcmp(tp, "max_completion_tokens");
	p->send_temperature = !b || !strcmp(b, "true") || !strcmp(b, "1") ||
			      !strcmp(b, "yes") || !strcmp(b, "on");
	p->reasoning = dup_or_null(config_provider(cfg, p->name, "reasoning_models"));
	p->effort = dup_or_null(config_provider(cfg, p->name, "reasoning_effort"));
	p->rf = rf && !strcmp(rf, "json_object") ? RF_JSON_OBJECT
		: rf && !strcmp(rf, "none")	  ? RF_NONE
						  : RF_JSON_SCHEMA;
	p->opts.connect_timeout_ms =
		(long)(pnum(cfg, p->name, "connect_timeout", 10) * 1000);
	p->opts.timeout_ms =
		(long)(pnum(cfg, p->name, "timeout", 300) * 1000);
	p->opts.max_retries = (int)pnum(cfg, p->name, "max_retries", 5);
	p->opts.max_retry_wait =
		pnum(cfg, p->name, "max_retry_wait", 120);
	p->opts.max_body = (size_t)config_int(cfg, "run.max_body");
	p->rl = rl_new((long)pnum(cfg, p->name, "rpm", 0),
		       (long)pnum(cfg, p->name, "tpm", 0),
		       jobs > 0 ? jobs : 1);
	p->opts.rl = p->rl;
	p->hdr_org = hdr("OpenAI-Organization", config_provider(cfg, p->name, "organization"));
	p->hdr_project = hdr("OpenAI-Project", config_provider(cfg, p->name, "project"));
	return p->rl ? 0 : -1;
}

struct provider *
provider_new(const struct config *cfg, const char *name, int jobs,
	     struct ig_err *err)
{
	struct provider *p = calloc(1, sizeof *p);
	const char *url = config_provider(cfg, name, "base_url");
	size_t n;

	if (!p) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	if (!url || !*url) {
		free(p);
		ig_err_set(err, IG_ECONFIG, "provider '%s' has no base_url "
			   "(set providers.%s.base_url)", name, name);
		return NULL;
	}
	p->name = strdup(name);
	p->base_url = strdup(url);
	n = strlen(p->base_url);
	while (n && p->base_url[n - 1] == '/')
		p->base_url[--n] = '\0';
	p->key = dup_or_null(config_provider(cfg, name, "api_key"));
	if (p->key)
		ig_secret_add(p->key);
	if (load_profile(p, cfg, jobs) < 0) {
		provider_free(p);
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	return p;
}

void
provider_free(struct provider *p)
{
	if (!p)
		return;
	rl_free(p->rl);
	free(p->name);
	free(p->base_url);
	free(p->key);
	free(p->hdr_org);
	free(p->hdr_project);
	free(p->reasoning);
	free(p->effort);
	free(p);
}

const char *
provider_name(const struct provider *p)
{
	return p->name;
}

const char *
provider_base_url(const struct provider *p)
{
	return p->base_url;
}

int
provider_has_key(const struct provider *p)
{
	return p->key != NULL;
}

struct ratelimit *
provider_ratelimit(struct provider *p)
{
	return p->rl;
}

struct http_client *
provider_client(struct provider *p, const struct http_opts *hooks)
{
	struct http_opts o = p->opts;

	if (hooks) {
		o.cancel = hooks->cancel;
		o.on_retry = hooks->on_retry;
		o.on_debug = hooks->on_debug;
		o.refused = hooks->refused;
		o.ctx = hooks->ctx;
	}
	return http_client_new(&o);
}

/*
 * The chat body is written straight into a buffer rather than built as a
 * cJSON tree and printed: the same bytes (they are hashed into the cache
 * key, so members keep cJSON's order and formatting), at a fraction of the
 * work.  As with cJSON_AddStringToObject, a NULL string leaves its member
 * out.  Each put_* returns 0, or nonzero once the buffer fails.
 */

/*
 * Starts a member: a comma unless the object was just opened, key, colon.
 * Never the body's first byte: that is its '{'.
 */
static int
put_key(struct buf *b, const char *key)
{
	return (b->data[b->len - 1] != '{' && buf_putc(b, ',')) ||
	       json_put_str(b, key) || buf_putc(b, ':');
}

static int
put_str_member(struct buf *b, const char *key, const char *s)
{
	return s && (put_key(b, key) || json_put_str(b, s));
}

static int
put_message(struct buf *b, const char *role, const char *content)
{
	return (b->data[b->len - 1] != '[' && buf_putc(b, ',')) ||
	       buf_putc(b, '{') || put_str_member(b, "role", role) ||
	       put_str_member(b, "content", content) || buf_putc(b, '}');
}

static int
put_messages(struct buf *b, const struct chat_req *req)
{
	if (put_key(b, "messages") || buf_putc(b, '['))
		return -1;
	if (req->system && *req->system && put_message(b, "system", req->system))
		return -1;
	if (put_message(b, "user", req->user))
		return -1;
	if (req->assistant && req->followup &&
	    (put_message(b, "assistant", req->assistant) ||
	     put_message(b, "user", req->followup)))
		return -1;
	return buf_putc(b, ']');
}

static int
put_response_format(const struct provider *p, struct buf *b,
		    const struct chat_req *req)
{
	const char *name = req->schema_name ? req->schema_name : "answer";

	if (!req->schema || p->rf == RF_NONE)
		return 0;
	if (put_key(b, "response_format"))
		return -1;
	if (p->rf == RF_JSON_OBJECT)
		return buf_puts(b, "{\"type\":\"json_object\"}");
	if (buf_puts(b, "{\"type\":\"json_schema\",\"json_schema\":{") ||
	    put_str_member(b, "name", name) || put_key(b, "schema"))
		return -1;
	if (req->schema_json ? buf_puts(b, req->schema_json)
			     : json_put(b, req->schema))
		return -1;
	return buf_puts(b, ",\"strict\":true}}");
}

/*
 * Is model one of the provider's reasoning models?  Those reject max_tokens
 * and any temperature but the default (api-contracts.md 2.1), whatever the
 * profile says for the provider's other models.
 */
static int
is_reasoning(const struct provider *p, const char *model)
{
	char pat[128];

	for (const char *s = p->reasoning; model && s && *s;) {
		size_t n = strcspn(s, ",");

		if (n < sizeof pat) {
			memcpy(pat, s, n);
			pat[n] = '\0';
			if (fnmatch(pat, model, 0) == 0)
				return 1;
		}
		s += n + (s[n] == ',');
	}
	return 0;
}

static int
put_chat(const struct provider *p, struct buf *b, const struct chat_req *req)
{
	int reasoning = is_reasoning(p, req->model);
	const char *tokens = p->max_completion || reasoning ? "max_completion_tokens"
							    : "max_tokens";

	if (buf_putc(b, '{') || put_str_member(b, "model", req->model) ||
	    put_messages(b, req))
		return -1;
	if (req->max_tokens > 0 &&
	    (put_key(b, tokens) || json_put_num(b, (double)req->max_tokens)))
		return -1;
	if (p->send_temperature && !reasoning && !isnan(req->temperature) &&
	    (put_key(b, "temperature") || json_put_num(b, req->temperature)))
		return -1;
	/* Reasoning tokens count against the cap: a lower effort leaves the
	 * answer room (max_completion_tokens, api-contracts.md 2.1). */
	if (reasoning && put_str_member(b, "reasoning_effort", p->effort))
		return -1;
	return put_response_format(p, b, req) || buf_putc(b, '}');
}

/* Room for the whole body, so it is written without a reallocation. */
static size_t
body_size(const struct chat_req *req)
{
	const char *s[] = { req->model, req->system, req->user, req->assistant,
			    req->followup };
	size_t n = 512;

	if (req->schema)
		n += req->schema_json ? strlen(req->schema_json) : 4096;
	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
		n += s[i] ? strlen(s[i]) + strlen(s[i]) / 16 : 0;
	return n;
}

char *
provider_chat_body(const struct provider *p, const struct chat_req *req)
{
	struct buf b = BUF_INIT(0);

	if (buf_reserve(&b, body_size(req)) < 0 || put_chat(p, &b, req)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

void
chat_res_release(struct chat_res *r)
{
	free(r->content);
	free(r->refusal);
	free(r->body);
	memset(r, 0, sizeof *r);
}

static void
read_usage(const cJSON *root, struct chat_res *res)
{
	const cJSON *u = json_obj(root, "usage");
	const cJSON *d = json_obj(u, "prompt_tokens_details");

	res->tokens_in = json_long(u, "prompt_tokens", 0);
	res->tokens_out = json_long(u, "completion_tokens", 0);
	res->tokens_cached = json_long(d, "cached_tokens", 0);
}

int
provider_chat_parse(const char *body, size_t len, struct chat_res *res,
		    struct ig_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *choice, *msg;
	const char *s;

	if (!root)
		return ig_err_set(err, IG_EPROTO, "chat answer is not JSON");
	choice = cJSON_GetArrayItem(json_arr(root, "choices"), 0);
	msg = json_obj(choice, "message");
	if (!msg) {
		cJSON_Delete(root);
		return ig_err_set(err, IG_EPROTO, "chat answer has no choices[0].message");
	}
	read_usage(root, res);
	if ((s = json_str(root, "model")))
		snprintf(res->model, sizeof res->model, "%s", s);
	if ((s = json_str(choice, "finish_reason")))
		snprintf(res->finish_reason, sizeof res->finish_reason, "%s", s);
	if ((s = json_str(msg, "content")))
		res->content = strdup(s);
	if ((s = json_str(msg, "refusal")))
		res->refusal = strdup(s);
	cJSON_Delete(root);
	return 0;
}

static int
send_json(struct provider *p, struct http_client *c, const char *method,
	  const char *path, const char *body, long est_tokens,
	  struct http_resp *resp, struct ig_err *err)
{
	char url[2048];
	const char *headers[3] = { NULL, NULL, NULL };
	size_t nh = 0;
	struct http_req req = { 0 };

	snprintf(url, sizeof url, "%s%s", p->base_url, path);
	if (p->hdr_org)
		headers[nh++] = p->hdr_org;
	if (p->hdr_project)
		headers[nh++] = p->hdr_project;
	req.method = method;
	req.url = url;
	req.bearer = p->key;
	req.headers = headers;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.est_tokens = est_tokens;
	return http_send(c, &req, resp, err);
}

int
provider_send(struct provider *p, struct http_client *c, const char *method,
	      const char *path, const char *body, struct http_resp *resp,
	      struct ig_err *err)
{
	return send_json(p, c, method, path, body, 0, resp, err);
}

int
provider_chat_send(struct provider *p, struct http_client *c, const char *body,
		   long est_tokens, struct chat_res *res, struct ig_err *err)
{
	struct http_resp resp;
	int rc;

	http_resp_init(&resp);
	rc = send_json(p, c, "POST", "/chat/completions", body, est_tokens, &resp, err);
	res->http_status = resp.status;
	res->attempts = resp.attempts;
	res->elapsed = resp.elapsed;
	snprintf(res->request_id, sizeof res->request_id, "%s", resp.request_id);
	if (rc == 0)
		rc = provider_chat_parse(resp.body.data ? resp.body.data : "",
					 resp.body.len, res, err);
	/* An error's body too: it says why, for 'igny8 log --show'. */
	if (resp.body.data)
		res->body = buf_detach(&resp.body);
	http_resp_release(&resp);
	return rc;
}

void
provider_bodies_release(struct provider_bodies *b)
{
	free(b->request);
	free(b->response);
	b->request = b->response = NULL;
}

/* provider_json(), handing the response body to *got_out when not NULL. */
static cJSON *
json_call(struct provider *p, struct http_client *c, const char *method,
	  const char *path, const char *body, char **got_out, struct ig_err *err)
{
	struct http_resp resp;
	cJSON *root = NULL;

	http_resp_init(&resp);
	if (send_json(p, c, method, path, body, 0, &resp, err) == 0) {
		root = cJSON_ParseWithLength(buf_str(&resp.body), resp.body.len);
		if (!root)
			ig_err_set(err, IG_EPROTO, "%s %s: answer is not JSON", method, path);
	}
	if (got_out && resp.body.data)
		*got_out = buf_detach(&resp.body);
	http_resp_release(&resp);
	return root;
}

cJSON *
provider_json(struct provider *p, struct http_client *c, const char *method,
	      const char *path, const char *body, struct ig_err *err)
{
	return json_call(p, c, method, path, body, NULL, err);
}

/* A request body sent: kept in bodies (which takes it), or freed. */
static void
sent(struct provider_bodies *bodies, char *text)
{
	if (bodies) {
		free(bodies->request);
		bodies->request = text;
	} else {
		free(text);
	}
}

int
provider_get_file(struct provider *p, struct http_client *c, const char *path,
		  FILE *out, struct ig_err *err)
{
	struct http_resp resp;
	int rc;

	http_resp_init(&resp);
	resp.sink = out;
	rc = send_json(p, c, "GET", path, NULL, 0, &resp, err);
	http_resp_release(&resp);
	return rc;
}

int
provider_embed(struct provider *p, struct http_client *c, const char *model,
	       const char *const *inputs, size_t n, float **vectors_out,
	       size_t *dim_out, long *tokens_out, struct provider_bodies *bodies,
	       struct ig_err *err)
{
	cJSON *body = cJSON_CreateObject(), *arr, *root, *item;
	char *text;
	size_t got = 0;

	cJSON_AddStringToObject(body, "model", model);
	arr = cJSON_AddArrayToObject(body, "input");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(inputs[i]));
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	root = json_call(p, c, "POST", "/embeddings", text,
			 bodies ? &bodies->response : NULL, err);
	sent(bodies, text);
	if (!root)
		return -1;
	*dim_out = 0;
	*tokens_out = json_long(json_obj(root, "usage"), "prompt_tokens", 0);
	cJSON_ArrayForEach(item, json_arr(root, "data")) {
		long idx = json_long(item, "index", -1);
		cJSON *emb = json_arr(item, "embedding"), *x;
		size_t dim = (size_t)cJSON_GetArraySize(emb), k = 0;

		if (idx < 0 || (size_t)idx >= n || !dim || vectors_out[idx] ||
		    (*dim_out && dim != *dim_out))
			continue;
		*dim_out = dim;
		vectors_out[idx] = malloc(dim * sizeof(float));
		cJSON_ArrayForEach(x, emb)
			vectors_out[idx][k++] = cJSON_IsNumber(x) ? (float)x->valuedouble : 0;
		got++;
	}
	cJSON_Delete(root);
	if (got != n)
		return ig_err_set(err, IG_EPROTO, "embeddings answer has %zu of %zu vectors",
				  got, n);
	return 0;
}

int
provider_moderate(struct provider *p, struct http_client *c, const char *model,
		  const char *text, int *flagged_out, cJSON **result_out,
		  struct provider_bodies *bodies, struct ig_err *err)
{
	cJSON *body = cJSON_CreateObject(), *root, *res;
	char *s;

	if (model && *model)
		cJSON_AddStringToObject(body, "model", model);
	cJSON_AddStringToObject(body, "input", text);
	s = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	root = json_call(p, c, "POST", "/moderations", s,
			 bodies ? &bodies->response : NULL, err);
	sent(bodies, s);
	if (!root)
		return -1;
	res = cJSON_DetachItemFromArray(json_arr(root, "results"), 0);
	cJSON_Delete(root);
	if (!res || !cJSON_IsObject(res)) {
		cJSON_Delete(res);
		return ig_err_set(err, IG_EPROTO, "moderation answer has no results");
	}
	*flagged_out = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "flagged"));
	*result_out = res;
	return 0;
}

cJSON *
provider_models(struct provider *p, struct http_client *c, struct ig_err *err)
{
	return provider_json(p, c, "GET", "/models", NULL, err);
}

char *
provider_upload(struct provider *p, struct http_client *c, const char *filename,
		const char *data, size_t len, const char *purpose,
		struct ig_err *err)
{
	struct http_part parts[2] = {
		{ "purpose", NULL, NULL, purpose, strlen(purpose) },
		{ "file", filename, "application/jsonl", data, len },
	};
	struct http_req req = { 0 };
	struct http_resp resp;
	char url[2048], *id = NULL;
	cJSON *root;

	snprintf(url, sizeof url, "%s/files", p->base_url);
	req.method = "POST";
	req.url = url;
	req.bearer = p->key;
	req.parts = parts;
	req.nparts = 2;
	http_resp_init(&resp);
	if (http_send(c, &req, &resp, err) == 0) {
		root = cJSON_ParseWithLength(buf_str(&resp.body), resp.body.len);
		if (root && json_str(root, "id"))
			id = strdup(json_str(root, "id"));
		else
			ig_err_set(err, IG_EPROTO, "file upload answer has no id");
		cJSON_Delete(root);
	}
	http_resp_release(&resp);
	return id;
}
