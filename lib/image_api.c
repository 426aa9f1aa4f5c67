/* image_api.c: OpenAI and Runware image clients and model rules (see image_api.h). */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cjson/cJSON.h>

#include "base64.h"
#include "buf.h"
#include "http.h"
#include "image_api.h"
#include "json.h"
#include "provider.h"

void
image_res_init(struct image_res *r)
{
	memset(r, 0, sizeof *r);
	r->cost = -1;
}

void
image_res_release(struct image_res *r)
{
	free(r->data);
	free(r->url);
	free(r->request);
	free(r->response);
	image_res_init(r);
}

/* ---- rules ---- */

int
image_size_parse(const char *s, long *w, long *h)
{
	char *end;

	*w = *h = 0;
	if (s && !strcmp(s, "auto"))
		return 0;
	if (!s || *s < '1' || *s > '9')
		return -1;
	*w = strtol(s, &end, 10);
	if (*end != 'x' || end[1] < '1' || end[1] > '9')
		return -1;
	*h = strtol(end + 1, &end, 10);
	if (*end || *w > 99999 || *h > 99999)
		return -1;
	return 0;
}

/* True when the comma-separated list holds item. */
static int
list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && !strncmp(p, item, n))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static const char *
rule(const struct config *cfg, const char *model, const char *field)
{
	const char *v = config_getf(cfg, "image_models.%s.%s", model, field);

	return v && *v ? v : NULL;
}

static long
rule_int(const struct config *cfg, const char *model, const char *field)
{
	const char *v = rule(cfg, model, field);

	return v ? strtol(v, NULL, 10) : 0;
}

/* A model we have rules for: its section names a provider or sizes. */
static int
has_rules(const struct config *cfg, const char *model)
{
	return rule(cfg, model, "provider") || rule(cfg, model, "sizes") ||
	       rule(cfg, model, "formats");
}

/* The side rules of "any"-size models (min_side, max_side, ...). */
static int
check_sides(const struct config *cfg, const char *model, const char *setting,
	    const char *size, long w, long h, struct ig_err *err)
{
	long min = rule_int(cfg, model, "min_side"), max = rule_int(cfg, model, "max_side");
	long mult = rule_int(cfg, model, "multiple_of"), px = rule_int(cfg, model, "max_pixels");
	const char *asp = rule(cfg, model, "max_aspect");
	double aspect = asp ? strtod(asp, NULL) : 0;
	long lo = w < h ? w : h, hi = w < h ? h : w;

#define REFUSE(why, field) \
	ig_err_set(err, IG_ECONFIG, "%s: %s is not accepted by model '%s' (%s: " \
		   "image_models.%s.%s)", setting, size, model, why, model, field)
	if (min && lo < min)
		return REFUSE("a side is under min_side", "min_side");
	if (max && hi > max)
		return REFUSE("a side is over max_side", "max_side");
	if (mult && (w % mult || h % mult))
		return REFUSE("sides must be multiples of multiple_of", "multiple_of");
	if (px && w * h > px)
		return REFUSE("more pixels than max_pixels", "max_pixels");
	if (aspect > 0 && (double)hi / (double)lo > aspect)
		return REFUSE("longer than max_aspect to one", "max_aspect");
#undef REFUSE
	return 0;
}

static int
check_size(const struct config *cfg, const char *provider, const char *model,
	   const char *setting, const char *size, struct ig_err *err)
{
	const char *sizes = rule(cfg, model, "sizes");
	long w, h;

	if (image_size_parse(size, &w, &h) < 0)
		return ig_err_set(err, IG_ECONFIG, "%s: '%s' is not a size (WxH or auto)",
				  setting, size);
	if (!strcmp(provider, "runware") && !w)
		return ig_err_set(err, IG_ECONFIG, "%s: Runware needs a size as WxH, "
				  "not '%s'", setting, size);
	if (!has_rules(cfg, model) || list_has(sizes, size))
		return 0;
	if (!w || (sizes && !list_has(sizes, "any")))
		return ig_err_set(err, IG_ECONFIG, "%s: size '%s' is not accepted by "
				  "model '%s' (image_models.%s.sizes: %s)", setting, size,
				  model, model, sizes ? sizes : "unset");
	return check_sides(cfg, model, setting, size, w, h, err);
}

/* What image_provider_model() collects from image_models.*.provider. */
struct served {
	const char *provider;
	int n;			/* how many models it serves */
	char names[512];	/* their names, ", " between */
};

static void
served_one(const char *key, const char *value, const char *origin, void *ctx)
{
	struct served *s = ctx;
	const char *name = key + strlen("image_models."), *dot = strrchr(key, '.');
	size_t used = strlen(s->names);

	(void)origin;
	if (strcmp(dot, ".provider") || strcmp(value, s->provider))
		return;
	s->n++;
	snprintf(s->names + used, sizeof s->names - used, "%s%.*s", used ? ", " : "",
		 (int)(dot - name), name);
}

int
image_provider_model(const struct config *cfg, const char *provider,
		     const char *model, char *out, size_t n, struct ig_err *err)
{
	struct served s = { provider, 0, "" };

	config_each(cfg, "image_models.", served_one, &s);
	if (s.n == 1 && (size_t)snprintf(out, n, "%s", s.names) < n)
		return 0;
	return ig_err_set(err, IG_ECONFIG, "image.model: '%s' is not a %s model; set "
			  "image.model (or --model) to %s%s", model, provider,
			  s.n ? "one of: " : "a model described under image_models", s.names);
}

int
image_validate(const struct config *cfg, const char *provider, const char *model,
	       const char *setting, const char *size, struct ig_err *err)
{
	const char *served = rule(cfg, model, "provider");
	const char *q = config_str(cfg, "image.quality"), *f = config_str(cfg, "image.format");
	const char *qs = rule(cfg, model, "qualities"), *fs = rule(cfg, model, "formats");

	if (served && strcmp(served, provider))
		return ig_err_set(err, IG_ECONFIG, "image.model: '%s' is served by %s "
				  "(image_models.%s.provider), not by image.provider '%s'",
				  model, served, model, provider);
	if (check_size(cfg, provider, model, setting, size, err) < 0)
		return -1;
	if (has_rules(cfg, model) && q && *q && strcmp(q, "auto") &&
	    !list_has(qs, q))
		return ig_err_set(err, IG_ECONFIG, "image.quality: '%s' is not accepted "
				  "by model '%s' (image_models.%s.qualities: %s)", q,
				  model, model, qs ? qs : "unset, so only auto");
	if (fs && !list_has(fs, f))
		return ig_err_set(err, IG_ECONFIG, "image.format: '%s' is not accepted by "
				  "model '%s' (image_models.%s.formats: %s)", f, model,
				  model, fs);
	return 0;
}

const char *
image_quality(const struct config *cfg, const char *provider, const char *model)
{
	const char *q = config_str(cfg, "image.quality");

	if (!strcmp(provider, "runware") || !q || !*q)
		return NULL;
	/* Known models get it only when they list qualities. */
	if (has_rules(cfg, model) && !rule(cfg, model, "qualities"))
		return NULL;
	return q;
}

/* ---- requests ---- */

char *
image_openai_body(const struct image_req *req)
{
	cJSON *b = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(b, "model", req->model);
	cJSON_AddStringToObject(b, "prompt", req->prompt);
	cJSON_AddNumberToObject(b, "n", 1);
	cJSON_AddStringToObject(b, "size", req->size);
	if (req->quality)
		cJSON_AddStringToObject(b, "quality", req->quality);
	cJSON_AddStringToObject(b, "output_format", req->format);
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	return text;
}

/* Runware's outputFormat spelling. */
static const char *
runware_format(const char *f)
{
	return !strcmp(f, "jpeg") ? "JPG" : !strcmp(f, "webp") ? "WEBP" : "PNG";
}

char *
image_runware_body(const struct image_req *req, const char *task_uuid)
{
	cJSON *arr = cJSON_CreateArray(), *t = cJSON_CreateObject();
	long w = 0, h = 0;
	char *text;

	image_size_parse(req->size, &w, &h);
	cJSON_AddItemToArray(arr, t);
	cJSON_AddStringToObject(t, "taskType", "imageInference");
	cJSON_AddStringToObject(t, "taskUUID", task_uuid);
	cJSON_AddStringToObject(t, "positivePrompt", req->prompt);
	/* Runware takes 2..3000 characters or no negativePrompt at all. */
	if (req->negative && strlen(req->negative) >= 2)
		cJSON_AddStringToObject(t, "negativePrompt", req->negative);
	cJSON_AddStringToObject(t, "model", req->model);
	cJSON_AddNumberToObject(t, "width", (double)w);
	cJSON_AddNumberToObject(t, "height", (double)h);
	cJSON_AddStringToObject(t, "outputType", "URL");
	cJSON_AddStringToObject(t, "outputFormat", runware_format(req->format));
	cJSON_AddNumberToObject(t, "numberResults", 1);
	cJSON_AddBoolToObject(t, "includeCost", 1);
	text = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	return text;
}

int
image_uuid4(char out[37], struct ig_err *err)
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ig_err_set(err, IG_ESOFTWARE, "getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);	/* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
		 b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

/* ---- answers ---- */

static int
decode_b64(const char *text, size_t max, struct image_res *res, struct ig_err *err)
{
	if (base64_decode(text, strlen(text), max, &res->data, &res->len) < 0)
		return ig_err_set(err, IG_EPROTO, "image data is not valid base64 "
				  "or is over image.max_bytes (%zu)", max);
	return 0;
}

int
image_openai_parse(const char *body, size_t len, size_t max,
		   struct image_res *res, struct ig_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len), *img, *usage;
	const char *b64, *url;
	int rc = 0;

	if (!root)
		return ig_err_set(err, IG_EPROTO, "image answer is not JSON");
	img = cJSON_GetArrayItem(json_arr(root, "data"), 0);
	usage = json_obj(root, "usage");
	res->tokens_in = json_long(usage, "input_tokens", 0);
	res->tokens_out = json_long(usage, "output_tokens", 0);
	res->claimed = imgfile_format_parse(json_str(root, "output_format"));
	snprintf(res->quality, sizeof res->quality, "%s",
		 json_str(root, "quality") ? json_str(root, "quality") : "");
	snprintf(res->size, sizeof res->size, "%s",
		 json_str(root, "size") ? json_str(root, "size") : "");
	if ((b64 = json_str(img, "b64_json")))
		rc = decode_b64(b64, max, res, err);
	else if ((url = json_str(img, "url")))
		res->url = strdup(url);
	else
		rc = ig_err_set(err, IG_EPROTO, "image answer has no image "
				"(no data[0].b64_json or data[0].url)");
	cJSON_Delete(root);
	return rc;
}

/* "data:image/png;base64,...." */
static int
decode_data_uri(const char *uri, size_t max, struct image_res *res,
		struct ig_err *err)
{
	const char *comma = strchr(uri, ',');

	if (strncmp(uri, "data:", 5) || !comma || !strstr(uri, ";base64,"))
		return ig_err_set(err, IG_EPROTO, "imageDataURI is not a base64 data URI");
	res->claimed = imgfile_format_parse(uri + 5);
	return decode_b64(comma + 1, max, res, err);
}

/* The task's error in errors[], as IG_EDATA. */
static int
runware_task_error(const cJSON *root, const char *task_uuid, struct ig_err *err)
{
	const cJSON *e;
	char msg[512];

	cJSON_ArrayForEach(e, json_arr(root, "errors")) {
		const char *u = json_str(e, "taskUUID");

		if (u && strcmp(u, task_uuid))
			continue;
		snprintf(msg, sizeof msg, "%s", json_str(e, "message") ?
			 json_str(e, "message") : "no message");
		ig_redact(msg);
		return ig_err_set(err, IG_EDATA, "Runware refused the task: %s (code '%s', "
				  "parameter '%s')", msg,
				  json_str(e, "code") ? json_str(e, "code") : "",
				  json_str(e, "parameter") ? json_str(e, "parameter") : "");
	}
	return ig_err_set(err, IG_EPROTO, "Runware answer has no result for task %s",
			  task_uuid);
}

int
image_runware_parse(const char *body, size_t len, const char *task_uuid,
		    size_t max, struct image_res *res, struct ig_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len), *t, *found = NULL;
	const char *s;
	int rc = 0;

	if (!root)
		return ig_err_set(err, IG_EPROTO, "Runware answer is not JSON");
	cJSON_ArrayForEach(t, json_arr(root, "data"))
		if ((s = json_str(t, "taskUUID")) && !strcmp(s, task_uuid) && !found)
			found = t;
	if (!found)
		rc = runware_task_error(root, task_uuid, err);
	else if ((s = json_str(found, "imageURL")))
		res->url = strdup(s);
	else if ((s = json_str(found, "imageBase64Data")))
		rc = decode_b64(s, max, res, err);
	else if ((s = json_str(found, "imageDataURI")))
		rc = decode_data_uri(s, max, res, err);
	else
		rc = ig_err_set(err, IG_EPROTO, "Runware result has no image "
				"(imageURL, imageBase64Data or imageDataURI)");
	if (found)
		res->cost = json_num(found, "cost", -1);
	cJSON_Delete(root);
	return rc;
}

int
image_download(struct http_client *c, const char *url, size_t max,
	       int allow_loopback, struct image_res *res, struct ig_err *err)
{
	struct http_req req = { 0 };
	struct http_resp resp;
	enum img_format ct;
	int rc;

	if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
		return ig_err_set(err, IG_EPROTO, "image URL is not http(s)");
	req.method = "GET";
	req.url = url;
	req.dest = allow_loopback ? HTTP_DEST_PUBLIC_LOOPBACK : HTTP_DEST_PUBLIC;
	http_resp_init(&resp);
	rc = http_send(c, &req, &resp, err);
	if (rc < 0) {
		ig_err_prefix(err, "downloading the image");
		if (!allow_loopback && strstr(err->msg, "(a loopback address)")) {
			char msg[IG_ERR_MSGLEN];

			snprintf(msg, sizeof msg, "%s", err->msg);
			ig_err_set(err, err->code, "%.900s (set "
				   "image.allow_loopback: true for a local "
				   "server)", msg);
		}
	} else if (max && resp.body.len > max) {
		rc = ig_err_set(err, IG_EPROTO, "image of %zu bytes is over "
				"image.max_bytes (%zu)", resp.body.len, max);
	} else {
		/* The download's own type, when it names one, is the claim. */
		if ((ct = imgfile_format_parse(resp.content_type)) != IMG_UNKNOWN)
			res->claimed = ct;
		res->len = resp.body.len;
		res->data = (unsigned char *)buf_detach(&resp.body);
	}
	http_resp_release(&resp);
	return rc;
}

/* Sends a body and keeps the call's facts in res. */
static int
post_body(struct provider *p, struct http_client *c, const char *path,
     const char *body, struct http_resp *resp, struct image_res *res,
     struct ig_err *err)
{
	int rc;

	http_resp_init(resp);
	rc = provider_send(p, c, "POST", path, body, resp, err);
	res->http_status = resp->status;
	res->attempts = resp->attempts;
	snprintf(res->request_id, sizeof res->request_id, "%s", resp->request_id);
	return rc;
}

/* Hands the bodies of the call to res, for the call log. */
static void
keep_bodies(struct image_res *res, char *body, struct http_resp *resp)
{
	free(res->request);
	free(res->response);
	res->request = body;
	res->response = resp->body.data ? buf_detach(&resp->body) : NULL;
	http_resp_release(resp);
}

int
image_openai(struct provider *p, struct http_client *c,
	     const struct image_req *req, size_t max, struct image_res *res,
	     struct ig_err *err)
{
	char *body = image_openai_body(req);
	struct http_resp resp;
	int rc = post_body(p, c, "/images/generations", body, &resp, res, err);

	if (rc == 0)
		rc = image_openai_parse(buf_str(&resp.body), resp.body.len, max, res, err);
	keep_bodies(res, body, &resp);
	if (res->claimed == IMG_UNKNOWN)
		res->claimed = imgfile_format_parse(req->format);
	if (rc == 0 && res->url && !res->data)
		rc = image_download(c, res->url, max, req->allow_loopback, res,
				    err);
	return rc;
}

int
image_runware(struct provider *p, struct http_client *c,
	      const struct image_req *req, size_t max, struct image_res *res,
	      struct ig_err *err)
{
	char uuid[37], *body;
	struct http_resp resp;
	int rc;

	if (image_uuid4(uuid, err) < 0)
		return -1;
	body = image_runware_body(req, uuid);
	rc = post_body(p, c, "", body, &resp, res, err);
	if (rc == 0)
		rc = image_runware_parse(buf_str(&resp.body), resp.body.len, uuid, max,
					 res, err);
	keep_bodies(res, body, &resp);
	if (res->claimed == IMG_UNKNOWN)
		res->claimed = imgfile_format_parse(req->format);
	if (rc == 0 && res->url && !res->data)
		rc = image_download(c, res->url, max, req->allow_loopback, res,
				    err);
	return rc;
}
