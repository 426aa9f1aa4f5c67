/*
 * http.c: the only libcurl user: one request path with one retry policy.
 *
 * Design note.  The policy follows openai-python (_base_client.py): retry
 * 408, 409, 429, >= 500 and transport failures; obey x-should-retry; take
 * the server's wait from retry-after-ms, then retry-after (seconds or an
 * HTTP date); otherwise back off 0.5 * 2^n s capped at 8 s with up to 25%
 * downward jitter.  Unlike the SDK, a server wait longer than the caller's
 * max_retry_wait fails at once with IG_ETEMP so cron can come back later,
 * a 429 without Retry-After waits for one request's share of the
 * x-ratelimit-reset-* time, and a 429 under an announced limit is paced by
 * the limiter without counting as a retry.  Every text that leaves this
 * file goes through ig_redact().
 */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "netaddr.h"
#include "ratelimit.h"

#ifndef IG_VERSION
#define IG_VERSION "dev"
#endif

#define DEF_CONNECT_MS 10000L
#define DEF_TIMEOUT_MS 300000L
#define DEF_MAX_BODY ((size_t)64 << 20)
#define DEF_MAX_WAIT 120.0
#define GET_MAX_REDIRS 3L
#define SLEEP_SLICE 0.05	/* seconds between cancel checks */
#define RAW_SNIPPET 200		/* bytes of a non-JSON error body shown */

struct http_client {
	CURL *curl;
	struct http_opts o;		/* copy with defaults filled in */
	char errbuf[CURL_ERROR_SIZE];	/* curl's detail for the last attempt */
	struct curl_slist *hdrs;	/* this attempt's header list */
	curl_mime *mime;		/* this attempt's multipart body */
	struct http_resp *resp;		/* this attempt's, for on_body */
	int sink_errno;			/* why resp->sink failed, 0 if it did not */
	int dest;			/* this attempt's enum http_dest */
	char blocked[96];		/* "10.0.0.1 (a private address)", or "" */
};

/* What one attempt ended with, for the retry decision and the message. */
struct attempt {
	CURLcode cc;
	int retry;			/* worth another attempt */
	double server_wait;		/* Retry-After wait, 0 if none */
	double hint;			/* x-ratelimit-reset-* wait on a 429 */
	char why[128];			/* "429 Too Many Requests", "timeout ..." */
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * One share handle for the process: every worker's client uses the same
 * DNS cache and TLS session cache, so a run against the HTTPS API
 * resolves the host once and resumes one TLS session instead of paying a
 * full handshake per thread.  Connections stay with each client: libcurl
 * (7.88, CURLSHOPT_SHARE(3)) does not support sharing the connection
 * cache between concurrent threads, and each worker keeps its own
 * connection alive across its requests anyway.
 */
static CURLSH *share;
static pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
static int share_users;		/* http_global_init() calls not yet cleaned up */

static void
share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
	(void)h, (void)access, (void)ud;
	pthread_mutex_lock(&share_mu[data]);
}

static void
share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	(void)h, (void)ud;
	pthread_mutex_unlock(&share_mu[data]);
}

void
http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (share_users++ > 0)
		return;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&share_mu[i], NULL);
	/* Without it every client keeps its own caches, as before: no error. */
	share = curl_share_init();
	if (share &&
	    (curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
	     curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
	     curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
	     curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) !=
		     CURLSHE_OK)) {
		curl_share_cleanup(share);
		share = NULL;
	}
}

void
http_global_cleanup(void)
{
	if (share_users == 0 || --share_users > 0) {
		curl_global_cleanup();
		return;
	}
	if (share)
		curl_share_cleanup(share);
	share = NULL;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&share_mu[i]);
	curl_global_cleanup();
}

struct http_client *
http_client_new(const struct http_opts *opts)
{
	struct http_client *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	if (opts)
		c->o = *opts;
	if (c->o.connect_timeout_ms <= 0)
		c->o.connect_timeout_ms = DEF_CONNECT_MS;
	if (c->o.timeout_ms <= 0)
		c->o.timeout_ms = DEF_TIMEOUT_MS;
	if (c->o.max_retries < 0)
		c->o.max_retries = 0;
	if (c->o.max_retry_wait <= 0)
		c->o.max_retry_wait = DEF_MAX_WAIT;
	if (c->o.max_body == 0)
		c->o.max_body = DEF_MAX_BODY;
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		return NULL;
	}
	return c;
}

void
http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

static void
reset_headers(struct http_resp *r)
{
	r->content_type[0] = '\0';
	r->request_id[0] = '\0';
	r->retry_after = -1;
	r->retry_after_ms = 0;
	r->should_retry = -1;
	r->limits.limit_requests = r->limits.remaining_requests = -1;
	r->limits.limit_tokens = r->limits.remaining_tokens = -1;
	r->limits.reset_requests = r->limits.reset_tokens = -1;
}

void
http_resp_init(struct http_resp *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->body, 0);
	reset_headers(r);
}

void
http_resp_release(struct http_resp *r)
{
	buf_release(&r->body);
	http_resp_init(r);
}

/* ---- header parsing ---------------------------------------------------- */

/*
 * A non-negative decimal "12", "0.5", ".5", parsed by hand so that the
 * locale's decimal point cannot change the result.  Sets *end past it.
 */
static int
parse_decimal(const char *s, double *out, const char **end)
{
	double v = 0, scale = 0.1;
	int digits = 0;

	for (; isdigit((unsigned char)*s); s++, digits++)
		v = v * 10 + (*s - '0');
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++, digits++) {
			v += (*s - '0') * scale;
			scale /= 10;
		}
	}
	if (!digits || !isfinite(v))
		return -1;
	*out = v;
	*end = s;
	return 0;
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A whole value that is one decimal number, spaces allowed around it. */
static double
parse_number(const char *value)
{
	const char *end;
	double v;

	if (parse_decimal(skip_space(value), &v, &end) < 0)
		return -1;
	return *skip_space(end) ? -1 : v;
}

static int
month_index(const char *m)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (strncmp(names + 3 * i, m, 3) == 0 && m[3] == '\0')
			return i;
	return -1;
}

/*
 * RFC 9110 dates: IMF-fixdate, the obsolete RFC 850 form and asctime.
 * Parsed with sscanf, not strptime, whose names follow LC_TIME.
 */
static double
parse_http_date(const char *value, long now)
{
	char wd[16], mon[4];
	int d, y, h, mi, sec, n = -1;
	struct tm tm = { 0 };
	time_t t;

	value = skip_space(value);
	if (sscanf(value, "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d GMT%n", wd, &d,
		   mon, &y, &h, &mi, &sec, &n) != 7 || n < 0) {
		n = -1;
		if (sscanf(value, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d GMT%n",
			   wd, &d, mon, &y, &h, &mi, &sec, &n) == 7 && n > 0)
			y += y < 70 ? 2000 : 1900;
		else if (n = -1, sscanf(value, "%15[A-Za-z] %3s %2d %2d:%2d:%2d "
				"%4d%n", wd, mon, &d, &h, &mi, &sec, &y, &n) != 7)
			n = -1;
	}
	if (n < 0)
		return -1;
	/* RFC 850 puts a '-' right after the month; %3s stops at it. */
	mon[3] = '\0';
	if (*skip_space(value + n) || month_index(mon) < 0 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970 || h < 0 ||
	    mi < 0 || sec < 0)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = month_index(mon);
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	/* A date already past means "no wait", as in the SDK. */
	return t > now ? (double)(t - now) : 0;
}

double
http_parse_retry_after(const char *value, long now)
{
	double v;

	if (!value)
		return -1;
	v = parse_number(value);
	if (v >= 0)
		return v;
	return parse_http_date(value, now);
}

double
http_parse_duration(const char *value)
{
	static const struct {
		const char *unit;
		double sec;
	} units[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "\xc2\xb5s", 1e-6 },
		{ "ms", 1e-3 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
	};
	const char *s;
	double total = 0, v;
	size_t i, n;

	if (!value)
		return -1;
	s = skip_space(value);
	if (strcmp(skip_space(s), "0") == 0)
		return 0;
	if (!*s)
		return -1;
	while (*s && *s != ' ' && *s != '\t') {
		if (parse_decimal(s, &v, &s) < 0)
			return -1;
		/* Longest unit first among those sharing a letter: "ms" vs "m". */
		for (i = 0; i < ARRAY_SIZE(units); i++) {
			n = strlen(units[i].unit);
			if (strncmp(s, units[i].unit, n) == 0)
				break;
		}
		if (i == ARRAY_SIZE(units))
			return -1;
		s += n;
		total += v * units[i].sec;
	}
	if (*skip_space(s) || !isfinite(total))
		return -1;
	return total;
}

/* Copies a header value into a fixed field, dropping control characters. */
static void
copy_field(char *dst, size_t dstsz, const char *v)
{
	size_t j = 0;

	for (; *v && j + 1 < dstsz; v++)
		if ((unsigned char)*v >= 0x20 && *v != 0x7f)
			dst[j++] = *v;
	dst[j] = '\0';
}

static long
parse_count(const char *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || *skip_space(end) || errno || n < 0)
		return -1;
	return n;
}

static void
apply_ratelimit_header(struct http_limits *l, const char *name, const char *v)
{
	if (strcmp(name, "limit-requests") == 0)
		l->limit_requests = parse_count(v);
	else if (strcmp(name, "remaining-requests") == 0)
		l->remaining_requests = parse_count(v);
	else if (strcmp(name, "limit-tokens") == 0)
		l->limit_tokens = parse_count(v);
	else if (strcmp(name, "remaining-tokens") == 0)
		l->remaining_tokens = parse_count(v);
	else if (strcmp(name, "reset-requests") == 0)
		l->reset_requests = http_parse_duration(v);
	else if (strcmp(name, "reset-tokens") == 0)
		l->reset_tokens = http_parse_duration(v);
}

static void
apply_header(struct http_resp *r, const char *name, const char *v)
{
	double d;

	if (strcmp(name, "retry-after-ms") == 0) {
		d = parse_number(v);
		if (d >= 0) {
			r->retry_after = d / 1000;
			r->retry_after_ms = 1;
		}
	} else if (strcmp(name, "retry-after") == 0) {
		d = http_parse_retry_after(v, (long)time(NULL));
		if (d >= 0 && !r->retry_after_ms)
			r->retry_after = d;
	} else if (strcmp(name, "x-should-retry") == 0) {
		if (strcasecmp(v, "true") == 0)
			r->should_retry = 1;
		else if (strcasecmp(v, "false") == 0)
			r->should_retry = 0;
	} else if (strcmp(name, "x-request-id") == 0) {
		copy_field(r->request_id, sizeof r->request_id, v);
	} else if (strcmp(name, "content-type") == 0) {
		copy_field(r->content_type, sizeof r->content_type, v);
	} else if (strncmp(name, "x-ratelimit-", 12) == 0) {
		apply_ratelimit_header(&r->limits, name + 12, v);
	}
}

/* "HTTP/1.1 200 OK" starts a new response (1xx, redirects): forget the old. */
static void
apply_status_line(struct http_resp *r, const char *line)
{
	const char *p = strchr(line, ' ');
	long st;

	reset_headers(r);
	if (!p)
		return;
	st = strtol(p + 1, NULL, 10);
	if (st >= 100 && st <= 999)
		r->status = st;
}

void
http_parse_header_line(struct http_resp *r, const char *line, size_t len)
{
	char tmp[1024], *colon, *v, *e;
	size_t i;

	/* No header we read is long; a longer line is someone else's. */
	if (len >= sizeof tmp)
		return;
	memcpy(tmp, line, len);
	tmp[len] = '\0';
	if (strlen(tmp) != len)
		return;		/* embedded NUL */
	for (e = tmp + len; e > tmp && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	if (strncmp(tmp, "HTTP/", 5) == 0) {
		apply_status_line(r, tmp);
		return;
	}
	colon = strchr(tmp, ':');
	if (!colon)
		return;
	*colon = '\0';
	for (i = 0; tmp[i]; i++)
		tmp[i] = (char)tolower((unsigned char)tmp[i]);
	v = (char *)skip_space(colon + 1);
	apply_header(r, tmp, v);
}

/* ---- error bodies -------------------------------------------------------- */

/* Appends s to out, escaping control characters, stopping at max bytes of s. */
static void
append_escaped(char *out, size_t outsz, const char *s, size_t max)
{
	size_t j = strlen(out);
	char esc[8];

	for (size_t i = 0; s[i] && i < max && j + 1 < outsz; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch != 0x7f) {
			out[j++] = (char)ch;
			continue;
		}
		if (ch == '\n')
			snprintf(esc, sizeof esc, "\\n");
		else if (ch == '\t')
			snprintf(esc, sizeof esc, "\\t");
		else if (ch == '\r')
			snprintf(esc, sizeof esc, "\\r");
		else
			snprintf(esc, sizeof esc, "\\x%02x", ch);
		if (j + strlen(esc) + 1 > outsz)
			break;
		memcpy(out + j, esc, strlen(esc));
		j += strlen(esc);
	}
	out[j] = '\0';
}

/*
 * Appends server text: redacted first (so a cut cannot leave part of a
 * key), then escaped and cut to max bytes.
 */
static void
append_text(char *out, size_t outsz, const char *s, size_t max)
{
	char *t = strndup(s, 4096);

	if (!t)
		return;
	ig_redact(t);
	append_escaped(out, outsz, t, max);
	free(t);
}

/* Adds ", name 'value'" (or " (name 'value'" first) for a string or number. */
static void
append_detail(char *out, size_t outsz, const char *name, const cJSON *v,
	      int *nd)
{
	char num[32], text[256];
	size_t j;

	if (cJSON_IsString(v) && v->valuestring[0])
		snprintf(text, sizeof text, "%s", v->valuestring);
	else if (cJSON_IsNumber(v))
		snprintf(num, sizeof num, "%g", v->valuedouble),
		    snprintf(text, sizeof text, "%s", num);
	else
		return;
	j = strlen(out);
	snprintf(out + j, outsz - j, "%s%s '", *nd ? ", " : " (", name);
	append_text(out, outsz, text, 200);
	j = strlen(out);
	snprintf(out + j, outsz - j, "'");
	(*nd)++;
}

static void
close_details(char *out, size_t outsz, int nd)
{
	size_t j = strlen(out);

	if (nd)
		snprintf(out + j, outsz - j, ")");
}

/* {"error":{"message","param","code","type"}} or {"error":"text"}. */
static int
format_openai(const cJSON *root, char *out, size_t outsz)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON *m;
	int nd = 0;

	if (cJSON_IsString(e)) {
		append_text(out, outsz, e->valuestring, 400);
		return 0;
	}
	m = cJSON_GetObjectItemCaseSensitive(e, "message");
	if (!cJSON_IsObject(e) || !cJSON_IsString(m))
		return -1;
	append_text(out, outsz, m->valuestring, 400);
	append_detail(out, outsz, "param",
		      cJSON_GetObjectItemCaseSensitive(e, "param"), &nd);
	append_detail(out, outsz, "code",
		      cJSON_GetObjectItemCaseSensitive(e, "code"), &nd);
	close_details(out, outsz, nd);
	return 0;
}

/* Runware: {"errors":[{"code","message","parameter","taskUUID"}, ...]}. */
static int
format_runware(const cJSON *root, char *out, size_t outsz)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "errors");
	const cJSON *e = cJSON_GetArrayItem(a, 0);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
	int nd = 0, n = cJSON_GetArraySize(a);
	size_t j;

	if (!cJSON_IsArray(a) || !cJSON_IsString(m))
		return -1;
	append_text(out, outsz, m->valuestring, 400);
	append_detail(out, outsz, "param",
		      cJSON_GetObjectItemCaseSensitive(e, "parameter"), &nd);
	append_detail(out, outsz, "code",
		      cJSON_GetObjectItemCaseSensitive(e, "code"), &nd);
	append_detail(out, outsz, "task",
		      cJSON_GetObjectItemCaseSensitive(e, "taskUUID"), &nd);
	close_details(out, outsz, nd);
	j = strlen(out);
	if (n > 1)
		snprintf(out + j, outsz - j, " and %d more error%s", n - 1,
			 n > 2 ? "s" : "");
	return 0;
}

/* FastAPI-style {"detail":"..."} or a bare {"message":"..."}. */
static int
format_other(const cJSON *root, char *out, size_t outsz)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "detail");

	if (!cJSON_IsString(m))
		m = cJSON_GetObjectItemCaseSensitive(root, "message");
	if (!cJSON_IsString(m))
		return -1;
	append_text(out, outsz, m->valuestring, 400);
	return 0;
}

void
http_error_message(const struct http_resp *r, char *out, size_t outsz)
{
	cJSON *root;
	char *raw;
	int done = -1;

	if (!outsz)
		return;
	out[0] = '\0';
	if (!r->body.len)
		return;
	/* Redact before cutting, so a cut cannot leave half a key showing. */
	root = cJSON_ParseWithLength(r->body.data, r->body.len);
	if (root) {
		done = format_openai(root, out, outsz);
		if (done < 0)
			done = format_runware(root, out, outsz);
		if (done < 0)
			done = format_other(root, out, outsz);
		cJSON_Delete(root);
	}
	if (done == 0) {
		ig_redact(out);
		return;
	}
	raw = strndup(r->body.data, 4096);
	if (!raw)
		return;
	ig_redact(raw);
	out[0] = '\0';
	append_escaped(out, outsz, raw, RAW_SNIPPET);
	if (strlen(raw) > RAW_SNIPPET && strlen(out) + 4 < outsz)
		memcpy(out + strlen(out), "...", 4);
	free(raw);
}

char *
http_path_segment(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* By hand: isalnum() follows the locale. */
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* ---- backoff --------------------------------------------------------------- */

/* xorshift64*, one state per thread, so jitter needs no lock. */
static _Thread_local uint64_t rng_state;

static double
rng_uniform(void)
{
	uint64_t x;

	if (!rng_state) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		rng_state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
			    (uint64_t)(uintptr_t)&rng_state ^
			    (uint64_t)time(NULL) << 32;
		if (!rng_state)
			rng_state = 0x9e3779b97f4a7c15ULL;
	}
	x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}

double
http_backoff(int attempt)
{
	double base = 0.5;

	for (int i = 0; i < attempt && base < 8; i++)
		base *= 2;
	if (base > 8)
		base = 8;
	return base * (1 - 0.25 * rng_uniform());
}

static double
backoff_scale(void)
{
	const char *s = getenv("IGNY8_BACKOFF_SCALE");
	double v;

	if (!s)
		return 1;
	v = parse_number(s);
	return v >= 0 ? v : 1;
}

/* ---- one attempt ----------------------------------------------------------- */

static int
to_sink(const struct http_resp *r)
{
	return r->sink && r->status >= 200 && r->status < 300;
}

/* curl fails the transfer with CURLE_WRITE_ERROR when this returns 0. */
static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct http_client *c = ud;
	struct http_resp *r = c->resp;

	if (to_sink(r)) {
		errno = 0;
		if (fwrite(p, 1, sz * n, r->sink) == sz * n)
			return sz * n;
		c->sink_errno = errno ? errno : EIO;
		return 0;
	}
	if (buf_append(&r->body, p, sz * n) < 0)
		return 0;
	return sz * n;
}

/* An earlier attempt may have written part of a body: start the file over. */
static int
sink_rewind(struct http_client *c, struct http_resp *r)
{
	if (!r->sink)
		return 0;
	if (fseeko(r->sink, 0, SEEK_SET) < 0 ||
	    ftruncate(fileno(r->sink), 0) < 0) {
		c->sink_errno = errno ? errno : EIO;
		return -1;
	}
	clearerr(r->sink);
	return 0;
}

/* Body bytes of this attempt, for the debug line. */
static long long
body_bytes(const struct http_resp *r)
{
	off_t n;

	if (to_sink(r) && (n = ftello(r->sink)) >= 0)
		return (long long)n;
	return (long long)r->body.len;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *ud)
{
	http_parse_header_line(ud, p, sz * n);
	return sz * n;
}

static int
on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
	    curl_off_t un)
{
	atomic_int *cancel = ud;

	(void)dt, (void)dn, (void)ut, (void)un;
	return cancel && *cancel;
}

static void
debugf(struct http_client *c, const char *fmt, ...) IG_PRINTF(2, 3);

static void
debugf(struct http_client *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!c->o.on_debug)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	ig_redact(line);
	c->o.on_debug(c->o.ctx, line);
}

static int
add_header(struct http_client *c, const char *h)
{
	struct curl_slist *l = curl_slist_append(c->hdrs, h);

	if (!l)
		return -1;
	c->hdrs = l;
	return 0;
}

static int
build_headers(struct http_client *c, const struct http_req *req)
{
	char auth[1024];
	int r = 0;

	if (req->bearer && *req->bearer) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s",
			 req->bearer);
		r |= add_header(c, auth);
		/* A store the compiler may not drop; the list's copy: teardown(). */
		explicit_bzero(auth, sizeof auth);
	}
	if (req->body && !req->parts)
		r |= add_header(c, "Content-Type: application/json");
	/* No "Expect: 100-continue" round trip before large bodies. */
	r |= add_header(c, "Expect:");
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		r |= add_header(c, req->headers[i]);
	return r ? -1 : 0;
}

static int
build_mime(struct http_client *c, const struct http_req *req)
{
	curl_mimepart *p;

	c->mime = curl_mime_init(c->curl);
	if (!c->mime)
		return -1;
	for (size_t i = 0; i < req->nparts; i++) {
		const struct http_part *hp = &req->parts[i];

		p = curl_mime_addpart(c->mime);
		if (!p || curl_mime_name(p, hp->name) != CURLE_OK ||
		    curl_mime_data(p, hp->data, hp->len) != CURLE_OK)
			return -1;
		if (hp->filename && curl_mime_filename(p, hp->filename))
			return -1;
		if (hp->content_type && curl_mime_type(p, hp->content_type))
			return -1;
	}
	return curl_easy_setopt(c->curl, CURLOPT_MIMEPOST, c->mime) ? -1 : 0;
}

/*
 * Sets an option unless an earlier one failed: a request goes out with
 * every option it was meant to have (its limits, its protocols) or not at
 * all.  cc holds the first failure.
 */
#define SETOPT(cc, h, opt, val) \
	((cc) == CURLE_OK ? ((cc) = curl_easy_setopt((h), (opt), (val))) : (cc))

static int
set_method(struct http_client *c, const struct http_req *req)
{
	CURL *h = c->curl;
	const char *m = req->method ? req->method : "GET";
	CURLcode cc = CURLE_OK;

	if (strcmp(m, "GET") == 0) {
		/* Downloads (image URLs) may sit behind a redirect or two. */
		SETOPT(cc, h, CURLOPT_HTTPGET, 1L);
		SETOPT(cc, h, CURLOPT_FOLLOWLOCATION, 1L);
		SETOPT(cc, h, CURLOPT_MAXREDIRS, GET_MAX_REDIRS);
#if LIBCURL_VERSION_NUM >= 0x075500
		SETOPT(cc, h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
		return cc == CURLE_OK ? 0 : -1;
	}
	if (strcmp(m, "POST") != 0)
		SETOPT(cc, h, CURLOPT_CUSTOMREQUEST, m);
	if (cc == CURLE_OK && req->parts)
		return build_mime(c, req);
	if (req->body || strcmp(m, "POST") == 0) {
		SETOPT(cc, h, CURLOPT_POSTFIELDSIZE_LARGE,
		       (curl_off_t)(req->body ? req->body_len : 0));
		SETOPT(cc, h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	}
	return cc == CURLE_OK ? 0 : -1;
}

/* Refuses ip when the request's destination rule does; notes why. */
static int
dest_refused(struct http_client *c, const char *ip, const char *why)
{
	if (!why)
		return 0;
	snprintf(c->blocked, sizeof c->blocked, "%s (a %s address)", ip, why);
	return 1;
}

/* Every new connection, redirects included: before any packet is sent. */
static curl_socket_t
on_opensocket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_client *c = ud;
	char ip[INET6_ADDRSTRLEN] = "?";
	const void *bin = a->family == AF_INET6
		? (const void *)&((struct sockaddr_in6 *)&a->addr)->sin6_addr
		: (const void *)&((struct sockaddr_in *)&a->addr)->sin_addr;

	(void)purpose;
	inet_ntop(a->family, bin, ip, sizeof ip);
	if (dest_refused(c, ip, netaddr_refusal(&a->addr, a->addrlen,
			 c->dest == HTTP_DEST_PUBLIC_LOOPBACK)))
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype, a->protocol);
}

#if LIBCURL_VERSION_NUM >= 0x075000	/* 7.80.0 */
/*
 * Before every request, on a reused connection too: a redirect may lead
 * to a host whose connection an earlier (API) request left open.
 */
static int
on_prereq(void *ud, char *ip, char *local_ip, int port, int local_port)
{
	struct http_client *c = ud;

	(void)local_ip, (void)port, (void)local_port;
	if (dest_refused(c, ip, netaddr_refusal_text(ip,
			 c->dest == HTTP_DEST_PUBLIC_LOOPBACK)))
		return CURL_PREREQFUNC_ABORT;
	return CURL_PREREQFUNC_OK;
}
#endif

static void
guard_dest(struct http_client *c, const struct http_req *req)
{
	CURL *h = c->curl;

	c->dest = req->dest;
	c->blocked[0] = '\0';
	if (req->dest == HTTP_DEST_ANY)
		return;
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_opensocket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, c);
#if LIBCURL_VERSION_NUM >= 0x075000	/* 7.80.0 */
	curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(h, CURLOPT_PREREQDATA, c);
#endif
	/* Its own connections only, and none left for others to reuse. */
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
}

static int
setup(struct http_client *c, const struct http_req *req, struct http_resp *resp)
{
	CURL *h = c->curl;
	CURLcode cc = CURLE_OK;

	/* curl_easy_reset keeps the connection cache: reuse survives. */
	curl_easy_reset(h);
	c->errbuf[0] = '\0';
	SETOPT(cc, h, CURLOPT_URL, req->url);
	SETOPT(cc, h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(cc, h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
	SETOPT(cc, h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
	SETOPT(cc, h, CURLOPT_USERAGENT, "igny8/" IG_VERSION);
	SETOPT(cc, h, CURLOPT_ERRORBUFFER, c->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(cc, h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	SETOPT(cc, h, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(cc, h, CURLOPT_WRITEDATA, c);
	SETOPT(cc, h, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(cc, h, CURLOPT_HEADERDATA, resp);
	/* A file takes what the disk takes; error bodies hit the buffer's cap. */
	if (!resp->sink)
		SETOPT(cc, h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->o.max_body);
	SETOPT(cc, h, CURLOPT_NOPROGRESS, 0L);
	SETOPT(cc, h, CURLOPT_XFERINFOFUNCTION, on_progress);
	SETOPT(cc, h, CURLOPT_XFERINFODATA, (void *)c->o.cancel);
	if (share)
		SETOPT(cc, h, CURLOPT_SHARE, share);
	if (cc != CURLE_OK)
		return -1;
	guard_dest(c, req);
	/* Niceties a build of libcurl may lack (zlib, keepalive): no failure. */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (build_headers(c, req) < 0 || set_method(c, req) < 0)
		return -1;
	return curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs) == CURLE_OK ? 0 : -1;
}

static void
teardown(struct http_client *c)
{
	/* The Authorization header holds the key: wipe it before it is freed. */
	for (struct curl_slist *l = c->hdrs; l; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(c->hdrs);
	c->hdrs = NULL;
	curl_mime_free(c->mime);
	c->mime = NULL;
}

static CURLcode
perform(struct http_client *c, const struct http_req *req,
	struct http_resp *resp)
{
	double t0 = mono();
	CURLcode cc;

	resp->status = 0;
	buf_reset(&resp->body);
	resp->body.max = c->o.max_body;
	reset_headers(resp);
	c->resp = resp;
	c->sink_errno = 0;
	if (sink_rewind(c, resp) < 0)
		return CURLE_WRITE_ERROR;
	if (setup(c, req, resp) < 0) {
		teardown(c);
		return CURLE_OUT_OF_MEMORY;
	}
	debugf(c, "%s %s %zu bytes", req->method ? req->method : "GET",
	       req->url, req->parts ? (size_t)0 : req->body_len);
	cc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	teardown(c);
	/* stdio may hold the last of the body: a full disk shows here. */
	if (cc == CURLE_OK && resp->sink && fflush(resp->sink) != 0) {
		c->sink_errno = errno ? errno : EIO;
		cc = CURLE_WRITE_ERROR;
	}
	if (cc == CURLE_OK)
		debugf(c, "HTTP %ld in %.3f s, %lld bytes%s%s", resp->status,
		       mono() - t0, body_bytes(resp),
		       resp->request_id[0] ? ", x-request-id " : "",
		       resp->request_id);
	else
		debugf(c, "failed after %.3f s: %s", mono() - t0,
		       c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
	return cc;
}

/* ---- the retry decision ---------------------------------------------------- */

static const char *
reason(long st)
{
	static const struct {
		long st;
		const char *text;
	} t[] = {
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 402, "Payment Required" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 413, "Payload Too Large" },
		{ 422, "Unprocessable Entity" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (t[i].st == st)
			return t[i].text;
	return "";
}

/* Transport failures that a fresh attempt may cure, and how to say them. */
static int
net_retryable(struct http_client *c, CURLcode cc, char *why, size_t n)
{
	curl_off_t us = 0;
	long oserr = 0;

	if (c->blocked[0]) {
		snprintf(why, n, "refused to connect to %s", c->blocked);
		return 0;
	}
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		/*
		 * A reused connection also has a connect time of 0; only a
		 * transfer that never got as far as sending is stuck in
		 * connect.
		 */
		if (curl_easy_getinfo(c->curl, CURLINFO_PRETRANSFER_TIME_T,
				      &us) == CURLE_OK && us == 0)
			snprintf(why, n, "connect timeout after %g s",
				 (double)c->o.connect_timeout_ms / 1000);
		else
			snprintf(why, n, "timeout after %g s",
				 (double)c->o.timeout_ms / 1000);
		return 1;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
		snprintf(why, n, "%s", oserr == ECONNREFUSED ?
			 "connection refused" : "could not connect");
		return 1;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(why, n, "could not resolve host");
		return 1;
	case CURLE_GOT_NOTHING:
		snprintf(why, n, "connection dropped (empty reply)");
		return 1;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		snprintf(why, n, "connection dropped");
		return 1;
	case CURLE_PARTIAL_FILE:
		snprintf(why, n, "partial body");
		return 1;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(why, n, "TLS handshake failed");
		return 1;
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		snprintf(why, n, "HTTP/2 stream error");
		return 1;
	default:
		snprintf(why, n, "%s", curl_easy_strerror(cc));
		return 0;
	}
}

/*
 * A 429 without Retry-After: the reset is when the window is full again
 * (api-contracts.md 1.2), so with the limit known the wait is one
 * request's share of it; without, the whole reset is the only bound.
 */
static double
reset_share(long limit, long remaining, double reset)
{
	if (remaining != 0 || reset <= 0)
		return 0;
	return limit > 0 ? reset / (double)limit : reset;
}

static double
ratelimit_hint(const struct http_limits *l)
{
	double w = reset_share(l->limit_requests, l->remaining_requests,
			       l->reset_requests);
	double t = reset_share(l->limit_tokens, l->remaining_tokens,
			       l->reset_tokens);

	return t > w ? t : w;
}

/*
 * A 429 whose error code is insufficient_quota: out of credits or over the
 * spend cap, which no wait cures (api-contracts.md 1.1, from OpenAI's
 * error-code guide: "429 - You exceeded your current quota").
 */
static int
quota_exhausted(const struct http_resp *r)
{
	cJSON *root, *e, *code;
	int yes;

	if (r->status != 429 || !r->body.len)
		return 0;
	root = cJSON_ParseWithLength(r->body.data, r->body.len);
	e = cJSON_GetObjectItemCaseSensitive(root, "error");
	code = cJSON_GetObjectItemCaseSensitive(e, "code");
	yes = cJSON_IsString(code) &&
	      strcmp(code->valuestring, "insufficient_quota") == 0;
	cJSON_Delete(root);
	return yes;
}

/*
 * A 429 under a limit the server announced (x-ratelimit-limit-*) is the
 * limiter's to pace, not a fault: the request waits its turn without
 * using up a retry, for as long as the provider still answers others.
 */
static int
paced_429(const struct http_client *c, const struct http_resp *r)
{
	return c->o.rl && r->status == 429 && !quota_exhausted(r) &&
	       (r->limits.limit_requests > 0 || r->limits.limit_tokens > 0) &&
	       rl_stalled(c->o.rl) < c->o.max_retry_wait;
}

/* An answer that refuses the key itself: no retry, no other request helps. */
static int
refusal(const struct http_resp *r)
{
	/* 402 is Runware's "insufficient balance": the key can't be used. */
	return r->status == 401 || r->status == 402 || r->status == 403 ||
	       quota_exhausted(r);
}

static void
judge(struct http_client *c, const struct http_resp *r, struct attempt *a)
{
	long st = r->status;

	a->server_wait = a->hint = 0;
	if (a->cc != CURLE_OK) {
		a->retry = net_retryable(c, a->cc, a->why, sizeof a->why);
		return;
	}
	snprintf(a->why, sizeof a->why, "%ld%s%s", st, *reason(st) ? " " : "",
		 reason(st));
	a->retry = st == 408 || st == 409 || st == 429 || st >= 500;
	if (r->should_retry >= 0)
		a->retry = r->should_retry;
	if (quota_exhausted(r))
		a->retry = 0;
	if (r->retry_after > 0)
		a->server_wait = r->retry_after;
	else if (st == 429)
		a->hint = ratelimit_hint(&r->limits);
}

/* Sleeps in slices so that a signal's cancel flag ends the wait quickly. */
static int
sleep_cancellable(double s, atomic_int *cancel)
{
	double end = mono() + s, left;
	struct timespec ts;

	while ((left = end - mono()) > 0) {
		if (cancel && *cancel)
			return -1;
		if (left > SLEEP_SLICE)
			left = SLEEP_SLICE;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
	return cancel && *cancel ? -1 : 0;
}

/* "host:port" of the URL, for messages; the URL itself may hold a key. */
static void
url_hostport(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;

	snprintf(out, n, "server");
	if (!u)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
		CURLUE_OK)
		snprintf(out, n, "%s:%s", host, port);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

static int
fail_network(struct http_client *c, const struct http_req *req,
	     const struct http_resp *r, const struct attempt *a,
	     struct ig_err *err)
{
	char hp[300];

	url_hostport(req->url, hp, sizeof hp);
	if (c->blocked[0])
		return ig_err_set(err, IG_EPROTO, "refused to connect to %s "
				  "for %s, a URL from the answer", c->blocked, hp);
	switch (a->cc) {
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (c->sink_errno)
			return ig_err_set(err, IG_EIO,
			    "writing the response from %s to a file: %s", hp,
			    strerror(c->sink_errno));
		if (r->body.toobig || a->cc == CURLE_FILESIZE_EXCEEDED)
			return ig_err_set(err, IG_EPROTO,
			    "response body larger than %zu bytes",
			    c->o.max_body);
		return ig_err_set(err, IG_ESOFTWARE,
		    "out of memory reading the response from %s", hp);
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return ig_err_set(err, IG_ECONFIG, "bad URL '%s': %s",
		    req->url, a->why);
	case CURLE_OUT_OF_MEMORY:
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	default:
		break;
	}
	return ig_err_set(err, IG_EUNAVAIL,
	    "connection to %s failed after %d attempt%s: %s%s%s%s", hp,
	    r->attempts, r->attempts == 1 ? "" : "s", a->why,
	    c->errbuf[0] ? " (" : "", c->errbuf, c->errbuf[0] ? ")" : "");
}

static int
fail_status(struct http_client *c, const struct http_req *req,
	    const struct http_resp *r, struct ig_err *err)
{
	char msg[600], hp[300], *loc = NULL;
	long st = r->status;
	const char *sep;

	http_error_message(r, msg, sizeof msg);
	if (!msg[0])
		snprintf(msg, sizeof msg, "%s", reason(st));
	sep = msg[0] ? ": " : "";
	url_hostport(req->url, hp, sizeof hp);
	if (refusal(r))
		return ig_err_set(err, IG_ENOPERM, "HTTP %ld%s%s", st, sep, msg);
	if (st == 429 || st == 409)
		return ig_err_set(err, IG_ETEMP,
		    "HTTP %ld from %s after %d attempt%s%s%s", st, hp, r->attempts,
		    r->attempts == 1 ? "" : "s", sep, msg);
	if (st >= 500 || st == 408)
		return ig_err_set(err, IG_EUNAVAIL,
		    "HTTP %ld from %s after %d attempt%s%s%s", st, hp,
		    r->attempts, r->attempts == 1 ? "" : "s", sep, msg);
	if (st < 400) {
		curl_easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &loc);
		return ig_err_set(err, IG_ECONFIG,
		    "HTTP %ld: redirect to '%s' not followed (check the URL)",
		    st, loc ? loc : "?");
	}
	return ig_err_set(err, IG_EDATA, "HTTP %ld%s%s", st, sep, msg);
}

static int
fail_wait(const struct http_resp *r, double wait, double max,
	  struct ig_err *err)
{
	char msg[600];

	http_error_message(r, msg, sizeof msg);
	return ig_err_set(err, IG_ETEMP,
	    "HTTP %ld: server asked to wait %.0f s, more than the %g s allowed%s%s",
	    r->status, wait, max, msg[0] ? ": " : "", msg);
}

static int
cancelled(const struct http_client *c)
{
	return c->o.cancel && *c->o.cancel;
}

static int
refused(const struct http_client *c)
{
	return c->o.refused && *c->o.refused;
}

/*
 * One attempt under the limiter; returns -1 when cancelled, -2 when
 * another request of the run was refused meanwhile (nothing sent).
 */
static int
attempt_once(struct http_client *c, const struct http_req *req,
	     struct http_resp *resp, struct attempt *a)
{
	struct rl_ticket tk;

	if (c->o.rl && rl_acquire(c->o.rl, req->est_tokens, c->o.cancel, &tk) < 0)
		return -1;
	if (refused(c)) {
		if (c->o.rl)
			rl_release(c->o.rl, 0, NULL, &tk);
		return -2;
	}
	a->cc = perform(c, req, resp);
	resp->attempts++;
	/* Before the slot is given back, so no waiting sender goes ahead. */
	if (a->cc == CURLE_OK && c->o.refused && refusal(resp))
		*c->o.refused = (int)resp->status;	/* for "not sent" */
	if (c->o.rl) {
		rl_release(c->o.rl, a->cc == CURLE_OK ? resp->status : 0,
			   &resp->limits, &tk);
		if (a->cc == CURLE_OK && resp->status == 429 &&
		    resp->retry_after > 0)
			rl_hold(c->o.rl, resp->retry_after);
	}
	if (a->cc == CURLE_ABORTED_BY_CALLBACK && cancelled(c))
		return -1;
	return 0;
}

/*
 * The wait before the next try, or -1 when the server's wait is too long.
 * A Retry-After is obeyed exactly, as by the SDK; a reset hint only
 * lengthens the backoff, and is ignored past max_retry_wait since it is
 * when the window is full again, not a demand.
 */
static double
next_wait(struct http_client *c, const struct attempt *a, int n)
{
	double w = http_backoff(n) * backoff_scale();

	if (a->server_wait > c->o.max_retry_wait)
		return -1;
	if (a->server_wait > 0)
		return a->server_wait;
	if (a->hint > w && a->hint <= c->o.max_retry_wait)
		return a->hint;
	return w;
}

static int
send_retrying(struct http_client *c, const struct http_req *req,
	      struct http_resp *resp, struct ig_err *err)
{
	double t0 = mono(), wait;
	struct attempt a;
	int rc;

	if (req->bearer)
		ig_secret_add(req->bearer);
	resp->attempts = 0;
	for (int n = 0;; n++) {
		if (cancelled(c))
			break;
		rc = attempt_once(c, req, resp, &a);
		if (rc == -1)
			break;
		if (rc == -2)
			return ig_err_set(err, IG_ENOPERM, "not sent: HTTP %d "
					  "to another request refused the API "
					  "key or quota", (int)*c->o.refused);
		resp->elapsed = mono() - t0;
		if (a.cc == CURLE_OK && resp->status < 300)
			return 0;
		judge(c, resp, &a);
		if (a.cc == CURLE_OK && a.retry && paced_429(c, resp) &&
		    a.server_wait <= c->o.max_retry_wait) {
			n--;	/* not a failed try: see paced_429() */
			if (sleep_cancellable(a.server_wait > 0 ? a.server_wait :
					      a.hint, c->o.cancel) < 0)
				break;
			continue;
		}
		if (!a.retry || n >= c->o.max_retries)
			return a.cc == CURLE_OK ? fail_status(c, req, resp, err) :
				fail_network(c, req, resp, &a, err);
		wait = next_wait(c, &a, n);
		if (wait < 0)
			return fail_wait(resp, a.server_wait,
					 c->o.max_retry_wait, err);
		if (c->o.on_retry)
			c->o.on_retry(c->o.ctx, n + 1, wait, a.why);
		if (sleep_cancellable(wait, c->o.cancel) < 0)
			break;
	}
	resp->elapsed = mono() - t0;
	return ig_err_set(err, IG_EINTR, "interrupted");
}

int
http_send(struct http_client *c, const struct http_req *req,
	  struct http_resp *resp, struct ig_err *err)
{
	/* worker_client() found no room or memory for a client. */
	if (!c)
		return ig_err_set(err, IG_ESOFTWARE, "no HTTP client for this request");
	return send_retrying(c, req, resp, err);
}
