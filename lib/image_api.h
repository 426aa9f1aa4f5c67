/*
 * image_api.h: the image-generation clients: OpenAI's POST
 * /images/generations and Runware's imageInference task, over provider.c
 * and http.c, plus the per-model rules a request is checked against
 * before anything is sent.
 *
 * A model's rules are settings (image_models.<model>.*, shipped in
 * data/defaults.yaml): accepted sizes (a list, or "any" with side rules),
 * qualities, formats and its provider.  A model with no such section is
 * sent as asked, unchecked.
 *
 * Ownership: image_*_body() return malloc'd JSON text; struct image_res
 * owns its data and url until image_res_release().
 */
#ifndef IG_IMAGE_API_H
#define IG_IMAGE_API_H

#include "compat.h"

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "imgfile.h"

struct provider;
struct http_client;

/* One image to make. */
struct image_req {
	const char *model;
	const char *prompt;
	const char *negative;	/* Runware's negativePrompt; NULL or "" = none */
	const char *size;	/* "WxH" or "auto" */
	const char *quality;	/* NULL = not sent */
	const char *format;	/* png, jpeg or webp */
	int allow_loopback;	/* an image URL may be on this host */
};

/* What came back. */
struct image_res {
	unsigned char *data;	/* image bytes (malloc'd), NULL until fetched */
	size_t len;
	enum img_format claimed;	/* format the server said it sent */
	char *url;		/* where the bytes came from; NULL for base64 */
	char quality[16];	/* quality and size the server reported, or "" */
	char size[32];
	double cost;		/* the provider's own price (Runware), -1 if none */
	long tokens_in, tokens_out;	/* OpenAI usage, 0 if none */
	long http_status;
	int attempts;
	char request_id[128];
	/* the bodies sent and received (malloc'd), for the call log; NULL
	 * when none */
	char *request, *response;
};

void image_res_init(struct image_res *r);
void image_res_release(struct image_res *r);

/* "WxH" into *w, *h (1..99999 each); "auto" gives 0, 0.  -1 otherwise. */
int image_size_parse(const char *s, long *w, long *h);

/*
 * Checks one request against the model's rules before any call: that the
 * model is served by `provider`, that `size` (the value of the setting
 * named `setting`, e.g. "image.sizes.featured.mobile") is accepted, and
 * that image.quality and image.format are.  Returns 0, or -1 with err
 * (IG_ECONFIG) naming the setting and the rule that refused it.
 */
int image_validate(const struct config *cfg, const char *provider,
		   const char *model, const char *setting, const char *size,
		   struct ig_err *err);

/*
 * The image model to use with `provider` when the configured one (`model`,
 * from the shipped defaults) is served by another provider: the one model
 * of image_models.* that `provider` serves, copied into out.  Returns 0,
 * or -1 with err (IG_ECONFIG) naming image.model and the candidates.
 */
int image_provider_model(const struct config *cfg, const char *provider,
			 const char *model, char *out, size_t n, struct ig_err *err);

/* The quality to send for model, or NULL when the model takes none. */
const char *image_quality(const struct config *cfg, const char *provider,
			  const char *model);

/* Request bodies (malloc'd JSON), for sending and for --dry-run. */
char *image_openai_body(const struct image_req *req);
char *image_runware_body(const struct image_req *req, const char *task_uuid);

/* A fresh random UUID v4 from getrandom(2), as 36 characters. */
int image_uuid4(char out[37], struct ig_err *err);

/*
 * Makes one image and fetches its bytes (base64-decoded, or downloaded
 * without credentials when the answer is a URL), at most max bytes.  The
 * bytes are not yet checked: see imgfile_check().  Returns 0, or -1 with
 * err (http.c's classes; IG_EPROTO for an answer without an image; IG_EDATA
 * for a task Runware refused).  res holds what is known either way.
 */
int image_openai(struct provider *p, struct http_client *c,
		 const struct image_req *req, size_t max, struct image_res *res,
		 struct ig_err *err);
int image_runware(struct provider *p, struct http_client *c,
		  const struct image_req *req, size_t max, struct image_res *res,
		  struct ig_err *err);

/* Answer parsers, exposed for the unit tests. */
int image_openai_parse(const char *body, size_t len, size_t max,
		       struct image_res *res, struct ig_err *err);
int image_runware_parse(const char *body, size_t len, const char *task_uuid,
			size_t max, struct image_res *res, struct ig_err *err);

/*
 * GETs an http(s) URL without credentials into res->data.  The URL came
 * from an answer: only public addresses are reached, and loopback too
 * when allow_loopback is set (image.allow_loopback); anything else is
 * IG_EPROTO without a connection.
 */
int image_download(struct http_client *c, const char *url, size_t max,
		   int allow_loopback, struct image_res *res,
		   struct ig_err *err);

#endif
