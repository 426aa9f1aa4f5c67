/*
 * http.h: the only user of libcurl: one request path with one retry policy.
 *
 * http_send() performs a request and retries it on 408, 409, 429, 5xx,
 * timeouts and dropped connections with exponential backoff and jitter,
 * honouring retry-after-ms, retry-after (seconds or HTTP date) and
 * x-should-retry, up to max_retries.  It classifies the final failure into
 * an ig_exit code.  Bodies are capped, unless streamed to a file (a batch's
 * output, many answers in one body).  Nothing it reports contains the
 * Authorization header or any registered secret.
 *
 * A struct http_client holds one curl easy handle (connection reuse) and is
 * used by one thread at a time; give each worker thread its own.
 */
#ifndef IG_HTTP_H
#define IG_HTTP_H

#include <stdatomic.h>
#include <stdio.h>

#include "buf.h"
#include "compat.h"
#include "err.h"

struct http_client;
struct ratelimit;

struct http_opts {
	long connect_timeout_ms;	/* 0 = 10 s */
	long timeout_ms;		/* whole request, 0 = 300 s */
	int max_retries;		/* retries after the first attempt, >= 0 */
	double max_retry_wait;		/* seconds, 0 = 120; longer server waits fail (75) */
	size_t max_body;		/* response cap in bytes, 0 = 64 MiB */
	atomic_int *cancel;	/* set by a signal: stop waiting, fail */
	struct ratelimit *rl;		/* shared limiter, may be NULL */
	/* Called before each retry wait, from the sending thread. */
	void (*on_retry)(void *ctx, int attempt, double wait_s, const char *why);
	/* One redacted line per request and response step, or NULL. */
	void (*on_debug)(void *ctx, const char *line);
	/*
	 * Shared by the clients of one run, may be NULL: set here when an
	 * answer refuses the key or the quota (IG_ENOPERM), to its HTTP
	 * status; once set, later requests fail the same way without being
	 * sent.
	 */
	atomic_int *refused;
	void *ctx;			/* passed to the hooks */
};

/* One part of a multipart/form-data body (file uploads). */
struct http_part {
	const char *name;
	const char *filename;		/* NULL for a plain field */
	const char *content_type;	/* NULL = default */
	const char *data;
	size_t len;
};

/*
 * Where a request may connect.  The configured API may be anywhere; a URL
 * taken from an answer (an image to download) only to public addresses,
 * checked on the resolved address of every connection and again before
 * every request, redirects included (see netaddr.h).
 */
enum http_dest {
	HTTP_DEST_ANY,			/* a URL the user configured */
	HTTP_DEST_PUBLIC,		/* a server's URL: public addresses only */
	HTTP_DEST_PUBLIC_LOOPBACK	/* and loopback, for local servers */
};

struct http_req {
	const char *method;		/* "GET", "POST" */
	const char *url;
	const char *bearer;		/* API key for Authorization, may be NULL */
	const char *const *headers;	/* extra "Name: value", NULL-terminated, may be NULL */
	const char *body;		/* JSON body (Content-Type application/json) */
	size_t body_len;
	const struct http_part *parts;	/* multipart instead of body, may be NULL */
	size_t nparts;
	long est_tokens;		/* for the token-per-minute limiter, 0 = unknown */
	int dest;			/* enum http_dest, 0 = any */
};

/* What the rate-limit headers said; -1 where absent. */
struct http_limits {
	long limit_requests, remaining_requests;
	long limit_tokens, remaining_tokens;
	double reset_requests, reset_tokens;	/* seconds */
};

struct http_resp {
	long status;			/* last HTTP status, 0 if none */
	struct buf body;		/* last response body */
	/*
	 * Set after http_resp_init() to download a 2xx body into this file
	 * (seekable, opened for writing) instead of body: rewound and
	 * truncated before each attempt, so a retry leaves one copy, and not
	 * capped by max_body.  Error bodies still go to body.  NULL = body.
	 */
	FILE *sink;
	char content_type[128];
	char request_id[128];		/* x-request-id, "" if none */
	double retry_after;		/* seconds from the last response, -1 if none */
	int retry_after_ms;		/* retry_after came from retry-after-ms */
	int should_retry;		/* x-should-retry: 1 true, 0 false, -1 absent */
	struct http_limits limits;
	int attempts;			/* 1 + retries made */
	double elapsed;			/* seconds, all attempts and waits */
};

void http_global_init(void);
void http_global_cleanup(void);

struct http_client *http_client_new(const struct http_opts *opts);
void http_client_free(struct http_client *c);

void http_resp_init(struct http_resp *r);
void http_resp_release(struct http_resp *r);

/*
 * Sends req, retrying as described above.  Returns 0 when a response with
 * status < 300 arrived (GET follows up to 3 redirects, POST none; an
 * unfollowed 3xx is IG_ECONFIG), else -1 with err set: IG_ENOPERM for 401/403,
 * and at once for a 429 with error code insufficient_quota; IG_ETEMP for
 * another 429 after retries (or a wait longer than max_retry_wait),
 * IG_EUNAVAIL for 5xx/network after retries, IG_EDATA for other 4xx,
 * IG_EINTR when cancelled, IG_EPROTO for a body over max_body or a
 * destination req->dest refuses (not retried, nothing sent), IG_EIO when
 * resp->sink cannot be written.  For 4xx the server's error message (OpenAI,
 * llama.cpp and Runware shapes) is in err->msg, redacted.  resp holds the
 * last response either way.
 *
 * The computed backoff (not a server-given wait) is multiplied by the
 * environment variable IGNY8_BACKOFF_SCALE (default 1; tests use 0.01).
 */
int http_send(struct http_client *c, const struct http_req *req,
	      struct http_resp *resp, struct ig_err *err);

/*
 * The server's error text from an error body, redacted, control characters
 * escaped, at most outsz - 1 bytes: "message (param 'p', code 'c')" for
 * OpenAI/llama.cpp/Runware JSON, else up to ~200 bytes of the raw body.
 * Empty when the body is empty.
 */
void http_error_message(const struct http_resp *r, char *out, size_t outsz);

/*
 * s as one URL path segment: every byte but ASCII letters, digits, '-',
 * '_' and '~' percent-encoded ('.' too, so that "." and ".." stay names),
 * for ids a server chose.  Returns a malloc'd string, NULL when out of
 * memory.
 */
char *http_path_segment(const char *s);

/* Header parsing, exposed for the unit tests and the fuzzer. */
double http_parse_retry_after(const char *value, long now);	/* -1 if invalid */
double http_parse_duration(const char *value);	/* "1s", "6m0s", "12ms"; -1 if invalid */
/* Applies one raw header line (with or without CRLF) to r's header fields. */
void http_parse_header_line(struct http_resp *r, const char *line, size_t len);

/*
 * Backoff before retry number `attempt` (0-based) without a server hint:
 * min(0.5 * 2^attempt, 8) * (1 - 0.25 * random), unscaled.  Thread-safe.
 */
double http_backoff(int attempt);

#endif
