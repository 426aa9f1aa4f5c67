/* t-http.c: header parsing, backoff, and real requests against httpd-mini.py. */
#include "compat.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "http.h"
#include "ratelimit.h"
#include "tap.h"

#define KEY "sk-test-live-QWERTYUIOPASDFGHJKL0123456789"

static pid_t srv_pid;
static int port;
static char base[64];

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
start_server(void)
{
	char pf[] = "/tmp/t-http-port.XXXXXX", script[512];
	const char *src = getenv("IGNY8_SRC");
	FILE *f;
	int fd = mkstemp(pf);

	close(fd);
	unlink(pf);
	snprintf(script, sizeof script, "%s/tests/unit/httpd-mini.py",
		 src ? src : ".");
	srv_pid = fork();
	if (srv_pid == 0) {
		execlp("python3", "python3", script, pf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && !port; i++) {
		f = fopen(pf, "r");
		if (f) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
		}
		if (!port)
			usleep(50000);
	}
	unlink(pf);
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
}

static void
stop_server(void)
{
	if (srv_pid > 0) {
		kill(srv_pid, SIGTERM);
		waitpid(srv_pid, NULL, 0);
	}
}

/* Retry log written by on_retry. */
static int nretry;
static double last_wait;
static char last_why[128];
static atomic_int cancel_flag;
static int cancel_on_retry;

static void
on_retry(void *ctx, int attempt, double wait_s, const char *why)
{
	(void)ctx;
	nretry = attempt;
	last_wait = wait_s;
	snprintf(last_why, sizeof last_why, "%s", why);
	if (cancel_on_retry)
		cancel_flag = 1;
}

static char debug_log[8192];

static void
on_debug(void *ctx, const char *line)
{
	size_t n = strlen(debug_log);

	(void)ctx;
	snprintf(debug_log + n, sizeof debug_log - n, "%s\n", line);
}

static atomic_int refused_flag;
static int dest_next;		/* the next request's enum http_dest */

static struct http_opts
opts(void)
{
	struct http_opts o = { 0 };

	o.connect_timeout_ms = 2000;
	o.timeout_ms = 5000;
	o.max_retries = 2;
	o.max_retry_wait = 60;
	o.on_retry = on_retry;
	o.on_debug = on_debug;
	o.cancel = &cancel_flag;
	return o;
}

/* Sends one request on a fresh client, a 2xx body into sink if not NULL. */
static int
run_sink(const struct http_opts *o, const char *method, const char *path,
	 const char *body, FILE *sink, struct http_resp *r, struct ig_err *e)
{
	char url[256];
	struct http_req q = { 0 };
	struct http_client *c = http_client_new(o);
	int rc;

	snprintf(url, sizeof url, "%s%s", base, path);
	q.method = method;
	q.url = url;
	q.bearer = KEY;
	q.body = body;
	q.body_len = body ? strlen(body) : 0;
	q.dest = dest_next;
	nretry = 0;
	last_why[0] = '\0';
	debug_log[0] = '\0';
	ig_err_clear(e);
	http_resp_release(r);
	r->sink = sink;
	rc = http_send(c, &q, r, e);
	http_client_free(c);
	return rc;
}

static int
run(const struct http_opts *o, const char *method, const char *path,
    const char *body, struct http_resp *r, struct ig_err *e)
{
	return run_sink(o, method, path, body, NULL, r, e);
}

static void
test_retry_after(void)
{
	long now = 1445412420;	/* Wed, 21 Oct 2015 07:27:00 GMT */

	ok(http_parse_retry_after("5", now) == 5, "retry-after seconds");
	ok(fabs(http_parse_retry_after("0.25", now) - 0.25) < 1e-9,
	   "retry-after fractional");
	ok(http_parse_retry_after(" 3 ", now) == 3, "retry-after spaces");
	ok(http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 60,
	   "retry-after IMF date");
	ok(http_parse_retry_after("Wednesday, 21-Oct-15 07:28:30 GMT", now) ==
	   90, "retry-after RFC 850 date");
	ok(http_parse_retry_after("Wed Oct 21 07:29:00 2015", now) == 120,
	   "retry-after asctime date");
	ok(http_parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == 0,
	   "retry-after past date is no wait");
	ok(http_parse_retry_after("garbage", now) == -1, "retry-after garbage");
	ok(http_parse_retry_after("-5", now) == -1, "retry-after negative");
	ok(http_parse_retry_after("", now) == -1, "retry-after empty");
	ok(http_parse_retry_after("1e3", now) == -1, "retry-after exponent");
	ok(http_parse_retry_after("inf", now) == -1, "retry-after inf");
	ok(http_parse_retry_after("5s", now) == -1, "retry-after with unit");
	ok(http_parse_retry_after(NULL, now) == -1, "retry-after NULL");
}

static void
test_duration(void)
{
	ok(http_parse_duration("1s") == 1, "duration 1s");
	ok(http_parse_duration("6m0s") == 360, "duration 6m0s");
	ok(fabs(http_parse_duration("12ms") - 0.012) < 1e-12, "duration 12ms");
	ok(fabs(http_parse_duration("1h2m3.5s") - 3723.5) < 1e-9,
	   "duration 1h2m3.5s");
	ok(fabs(http_parse_duration("1.5m") - 90) < 1e-9, "duration 1.5m");
	ok(fabs(http_parse_duration("250us") - 250e-6) < 1e-15, "duration us");
	ok(fabs(http_parse_duration("7\xc2\xb5s") - 7e-6) < 1e-15,
	   "duration micro sign");
	ok(http_parse_duration("0") == 0, "duration 0");
	ok(http_parse_duration("") == -1, "duration empty");
	ok(http_parse_duration("abc") == -1, "duration abc");
	ok(http_parse_duration("5") == -1, "duration without unit");
	ok(http_parse_duration("1x") == -1, "duration bad unit");
	ok(http_parse_duration("-1s") == -1, "duration negative");
	ok(http_parse_duration("1s junk") == -1, "duration trailing junk");
	ok(http_parse_duration(NULL) == -1, "duration NULL");
}

static void
test_backoff(void)
{
	static const double cap[] = { 0.5, 1, 2, 4, 8, 8, 8 };
	int bad = 0, varied = 0;
	double first = http_backoff(0), b;

	for (int a = 0; a < 7; a++)
		for (int i = 0; i < 2000; i++) {
			b = http_backoff(a);
			if (b > cap[a] || b < cap[a] * 0.75)
				bad++;
			if (a == 0 && b != first)
				varied = 1;
		}
	is_int(bad, 0, "backoff within [0.75, 1] of min(0.5*2^n, 8)");
	ok(varied, "backoff is jittered");
	ok(http_backoff(1000) <= 8 && http_backoff(1000) >= 6,
	   "backoff capped at 8 s for huge attempts");
	ok(http_backoff(-3) <= 0.5, "backoff of a negative attempt is small");
}

static void
test_header_lines(void)
{
	struct http_resp r;
	const char *l;

	http_resp_init(&r);
	l = "HTTP/1.1 429 Too Many Requests\r\n";
	http_parse_header_line(&r, l, strlen(l));
	is_int(r.status, 429, "status line sets status");
	l = "Retry-After: 7\r\n";
	http_parse_header_line(&r, l, strlen(l));
	ok(r.retry_after == 7, "Retry-After header parsed");
	l = "retry-after-ms: 250\r\n";
	http_parse_header_line(&r, l, strlen(l));
	ok(fabs(r.retry_after - 0.25) < 1e-9, "retry-after-ms wins");
	l = "retry-after: 9";
	http_parse_header_line(&r, l, strlen(l));
	ok(fabs(r.retry_after - 0.25) < 1e-9, "retry-after-ms not overridden");
	l = "X-Should-Retry: false\r\n";
	http_parse_header_line(&r, l, strlen(l));
	is_int(r.should_retry, 0, "x-should-retry false");
	l = "x-should-retry: TRUE";
	http_parse_header_line(&r, l, strlen(l));
	is_int(r.should_retry, 1, "x-should-retry true");
	l = "X-Request-Id: req_\x01" "abc\r\n";
	http_parse_header_line(&r, l, strlen(l));
	is_str(r.request_id, "req_abc", "x-request-id without controls");
	l = "x-ratelimit-reset-tokens: 6m0s\r\n";
	http_parse_header_line(&r, l, strlen(l));
	ok(r.limits.reset_tokens == 360, "x-ratelimit-reset-tokens");
	l = "x-ratelimit-remaining-requests: 0\r\n";
	http_parse_header_line(&r, l, strlen(l));
	is_int(r.limits.remaining_requests, 0, "remaining-requests 0");
	l = "x-ratelimit-limit-requests: lots\r\n";
	http_parse_header_line(&r, l, strlen(l));
	is_int(r.limits.limit_requests, -1, "bad count is -1");
	l = "HTTP/2 200\r\n";
	http_parse_header_line(&r, l, strlen(l));
	ok(r.status == 200 && r.retry_after == -1 && r.should_retry == -1 &&
	   r.request_id[0] == 0 && r.limits.reset_tokens == -1,
	   "a new status line forgets the old headers");
	http_resp_release(&r);
}

static void
set_body(struct http_resp *r, const char *s)
{
	buf_reset(&r->body);
	buf_puts(&r->body, s);
}

static void
test_error_message(void)
{
	struct http_resp r;
	char m[512];

	http_resp_init(&r);
	set_body(&r, "{\"error\":{\"message\":\"bad\\nthing\",\"type\":\"x\","
		 "\"param\":null,\"code\":null}}");
	http_error_message(&r, m, sizeof m);
	is_str(m, "bad\\nthing", "openai message, null param/code omitted");
	set_body(&r, "{\"detail\":\"Not authenticated\"}");
	http_error_message(&r, m, sizeof m);
	is_str(m, "Not authenticated", "detail message");
	set_body(&r, "{\"error\":\"model not found\"}");
	http_error_message(&r, m, sizeof m);
	is_str(m, "model not found", "error string");
	set_body(&r, "{\"errors\":[{\"code\":\"x\",\"message\":\"m\"}]}");
	http_error_message(&r, m, sizeof m);
	is_str(m, "m (code 'x')", "runware single error");
	set_body(&r, "{\"unrelated\":1}");
	http_error_message(&r, m, sizeof m);
	is_str(m, "{\"unrelated\":1}", "unknown JSON shown raw");
	set_body(&r, "");
	http_error_message(&r, m, sizeof m);
	is_str(m, "", "empty body, empty message");
	set_body(&r, "abcdefghij");
	http_error_message(&r, m, 6);
	is_str(m, "abcde", "message cut to the output size");
	http_resp_release(&r);
}

static void
test_ok_and_headers(void)
{
	struct http_opts o = opts();
	struct http_resp r;
	struct ig_err e;
	int rc;
	char want[128];

	http_resp_init(&r);
	rc = run(&o, "GET", "/ok", NULL, &r, &e);
	is_int(rc, 0, "GET /ok succeeds");
	is_int(r.status, 200, "GET /ok status 200");
	is_int(r.attempts, 1, "GET /ok one attempt");
	is_str(r.content_type, "application/json", "content type recorded");
	is_str(r.request_id, "req_ok_1", "x-request-id recorded");
	ok(strstr(buf_str(&r.body), "\"ok\": true") != NULL, "body read");

	rc = run(&o, "POST", "/echo", "{\"a\":1}", &r, &e);
	is_int(rc, 0, "POST /echo succeeds");
	snprintf(want, sizeof want, "\"user-agent\": \"igny8/%s\"", IG_VERSION);
	ok(strstr(buf_str(&r.body), want) != NULL, "User-Agent igny8/version");
	ok(strstr(buf_str(&r.body), "\"authorization\": \"Bearer " KEY "\"")
	   != NULL, "Authorization: Bearer sent");
	ok(strstr(buf_str(&r.body), "\"content-type\": \"application/json\"")
	   != NULL, "JSON content type sent");
	ok(strstr(buf_str(&r.body), "gzip") != NULL, "gzip accepted");
	ok(strstr(buf_str(&r.body), "\"body\": \"{\\\"a\\\":1}\"") != NULL,
	   "body sent");
	ok(strstr(buf_str(&r.body), "\"method\": \"POST\"") != NULL,
	   "method POST");
	snprintf(want, sizeof want, "POST %s/echo 7 bytes\nHTTP 200 in ", base);
	ok(strncmp(debug_log, want, strlen(want)) == 0,
	   "debug lines for request and response");
	if (strncmp(debug_log, want, strlen(want)) != 0)
		diag("debug log: %s", debug_log);
	ok(strstr(debug_log, "x-request-id req_echo_") != NULL,
	   "debug line names the request id");

	rc = run(&o, "GET", "/ok?key=" KEY, NULL, &r, &e);
	ok(rc == 0 && strstr(debug_log, KEY) == NULL &&
	   strstr(debug_log, "key=[REDACTED]") != NULL,
	   "debug lines are redacted");

	rc = run(&o, "GET", "/gzip", NULL, &r, &e);
	ok(rc == 0 && strstr(buf_str(&r.body), "xxxxxxxx") != NULL,
	   "gzip body decoded");

	rc = run(&o, "GET", "/ratelimit-headers", NULL, &r, &e);
	ok(rc == 0 && r.limits.limit_requests == 60 &&
	   r.limits.remaining_requests == 59 && r.limits.reset_requests == 1 &&
	   r.limits.limit_tokens == 150000 &&
	   r.limits.remaining_tokens == 149984 &&
	   r.limits.reset_tokens == 360, "x-ratelimit-* headers parsed");
	http_resp_release(&r);
}

static void
test_retries(void)
{
	struct http_opts o = opts();
	struct http_resp r;
	struct ig_err e;
	double t0;
	int rc;
	char want[256];

	http_resp_init(&r);
	t0 = mono();
	rc = run(&o, "POST", "/429-then-ok", "{}", &r, &e);
	ok(rc == 0 && r.status == 200, "429 then 200 succeeds");
	is_int(r.attempts, 2, "429 then 200: two attempts");
	ok(mono() - t0 >= 1.0 && r.elapsed >= 1.0, "retry-after: 1 honoured");
	ok(nretry == 1 && last_wait == 1, "on_retry told attempt 1, wait 1 s");
	is_str(last_why, "429 Too Many Requests", "on_retry why");

	t0 = mono();
	rc = run(&o, "POST", "/429-ms-then-ok", "{}", &r, &e);
	ok(rc == 0 && r.attempts == 2, "429 with retry-after-ms retried");
	ok(mono() - t0 >= 0.3 && mono() - t0 < 5,
	   "retry-after-ms preferred over retry-after");

	t0 = mono();
	rc = run(&o, "POST", "/429-reset-then-ok", "{}", &r, &e);
	ok(rc == 0 && r.attempts == 2, "429 with reset hint retried");
	ok(mono() - t0 >= 0.4, "x-ratelimit-reset-requests honoured");

	t0 = mono();
	rc = run(&o, "POST", "/429-always", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_ETEMP, "retry-after 500 fails with 75");
	ok(r.attempts == 1 && mono() - t0 < 1, "and fails at once");
	is_str(e.msg, "HTTP 429: server asked to wait 500 s, more than the 60 s "
	       "allowed: Rate limit reached (code 'rate_limit_exceeded')",
	       "wait-too-long message");

	/* An exhausted quota is a refused key: at once, 77, and the run's
	 * other requests are not sent. */
	o.refused = &refused_flag;
	rc = run(&o, "POST", "/429-quota", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_ENOPERM && r.attempts == 1,
	   "429 insufficient_quota: 77 after one attempt");
	is_str(e.msg, "HTTP 429: You exceeded your current quota (code "
	       "'insufficient_quota')", "quota message");
	ok(refused_flag == 429, "quota: the run's refused flag holds the status");
	rc = run(&o, "GET", "/ok", NULL, &r, &e);
	ok(rc == -1 && e.code == IG_ENOPERM && r.attempts == 0,
	   "once refused, the next request is not sent");
	ok(strncmp(e.msg, "not sent: HTTP 429 to another request refused",
		   45) == 0, "and says which answer refused it");
	refused_flag = 0;
	o.refused = NULL;

	rc = run(&o, "POST", "/429-plain", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_ETEMP && r.attempts == 3,
	   "429 after retries is 75 after 3 attempts");
	snprintf(want, sizeof want, "HTTP 429 from 127.0.0.1:%d after 3 "
		 "attempts: busy", port);
	is_str(e.msg, want, "429 message");

	rc = run(&o, "POST", "/500-then-ok", "{}", &r, &e);
	ok(rc == 0 && r.attempts == 2, "500 then 200 succeeds on retry");

	rc = run(&o, "POST", "/500-always", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_EUNAVAIL && r.attempts == 3,
	   "503 after retries is 69");
	snprintf(want, sizeof want, "HTTP 503 from 127.0.0.1:%d after 3 "
		 "attempts: <html>\\n<b>Service\\tUnavailable</b>\\x01\\n"
		 "</html>xxx", port);
	ok(strncmp(e.msg, want, strlen(want)) == 0,
	   "non-JSON body shown with controls escaped");
	ok(strlen(e.msg) < strlen(want) + 220 &&
	   strcmp(e.msg + strlen(e.msg) - 3, "...") == 0,
	   "non-JSON body cut to ~200 bytes");

	rc = run(&o, "POST", "/no-retry", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_EUNAVAIL && r.attempts == 1,
	   "x-should-retry: false stops retries");
	rc = run(&o, "POST", "/retry-400", "{}", &r, &e);
	ok(rc == 0 && r.attempts == 2, "x-should-retry: true retries a 400");

	rc = run(&o, "POST", "/drop-then-ok", "{}", &r, &e);
	ok(rc == 0 && r.attempts == 2, "dropped connection retried");
	is_str(last_why, "connection dropped (empty reply)", "drop why");
	http_resp_release(&r);
}

static void
test_client_errors(void)
{
	struct http_opts o = opts();
	struct http_resp r;
	struct ig_err e;
	int rc;

	http_resp_init(&r);
	rc = run(&o, "POST", "/400", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_EDATA && r.attempts == 1,
	   "400 is 65 without retry");
	is_str(e.msg, "HTTP 400: Unsupported parameter: 'max_tokens' is not "
	       "supported with this model. Use 'max_completion_tokens' "
	       "instead. (param 'max_tokens', code 'unsupported_parameter')",
	       "400 message from the OpenAI body");
	rc = run(&o, "POST", "/400-echo", "{}", &r, &e);
	ok(rc == -1 && strstr(e.msg, KEY) == NULL &&
	   strstr(e.msg, "provided: [REDACTED]. Check") != NULL,
	   "echoed key redacted from the message");
	rc = run(&o, "POST", "/400-echo-raw", "{}", &r, &e);
	ok(rc == -1 && strstr(e.msg, "sk-live") == NULL &&
	   strstr(e.msg, "Bearer [REDACTED]") != NULL,
	   "key cut at the snippet edge still redacted");
	if (strstr(e.msg, "sk-live"))
		diag("%s", e.msg);
	rc = run(&o, "POST", "/400-echo-long", "{}", &r, &e);
	ok(rc == -1 && strstr(e.msg, "sk-live") == NULL &&
	   strstr(e.msg, "zzz[REDACTED]") != NULL,
	   "key at the JSON message cut still redacted");
	if (strstr(e.msg, "sk-live"))
		diag("%s", e.msg);
	rc = run(&o, "POST", "/402", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_ENOPERM, "402 (no balance) is 77");
	rc = run(&o, "POST", "/400-llama", "{}", &r, &e);
	is_str(e.msg, "HTTP 400: the request exceeds the available context "
	       "size (code '400')", "llama.cpp error shape");
	rc = run(&o, "POST", "/400-runware", "{}", &r, &e);
	is_str(e.msg, "HTTP 400: Invalid value for positivePrompt parameter. "
	       "(param 'positivePrompt', code 'invalidPositivePrompt', task "
	       "'a770f077-f413-47de-9dac-be0b26a35da6') and 1 more error",
	       "Runware error shape");
	rc = run(&o, "POST", "/401", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_ENOPERM && r.attempts == 1, "401 is 77");
	is_str(e.msg, "HTTP 401: Incorrect API key provided. (code "
	       "'invalid_api_key')", "401 message");
	rc = run(&o, "GET", "/404", NULL, &r, &e);
	ok(rc == -1 && e.code == IG_EDATA, "404 is 65");
	is_str(e.msg, "HTTP 404: Not Found", "empty body: reason phrase");
	rc = run(&o, "GET", "/redirect", NULL, &r, &e);
	ok(rc == 0 && strstr(r.request_id, "req_ok") != NULL,
	   "GET follows a redirect");
	rc = run(&o, "POST", "/redirect", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_ECONFIG &&
	   strstr(e.msg, "/ok?from=redirect' not followed") != NULL,
	   "POST does not follow a redirect");

	/* A URL from an answer: public addresses only, on every hop. */
	dest_next = HTTP_DEST_PUBLIC_LOOPBACK;
	rc = run(&o, "GET", "/redirect", NULL, &r, &e);
	ok(rc == 0, "loopback allowed: the redirect is followed");
	if (getenv("IGNY8_NETNS")) {
		rc = run(&o, "GET", "/redirect-metadata", NULL, &r, &e);
		ok(rc == -1 && e.code == IG_EPROTO && r.attempts == 1,
		   "redirect to 169.254.169.254: 76, not retried");
		ok(strstr(e.msg, "refused to connect to 169.254.169.254 (a "
			  "link-local address)") != NULL, "names the address");
		ok(!strstr(debug_log, "169.254.169.254:80") &&
		   !strstr(e.msg, "Failed to connect"), "no connection attempted");
		rc = run(&o, "GET", "/redirect-private", NULL, &r, &e);
		ok(rc == -1 && e.code == IG_EPROTO &&
		   strstr(e.msg, "10.20.30.40 (a private address)") != NULL,
		   "redirect to 10.x refused");
	} else {
		printf("ok %d - redirects off loopback # SKIP no network namespace\n", ++tap_n);
	}
	dest_next = HTTP_DEST_PUBLIC;
	rc = run(&o, "GET", "/ok", NULL, &r, &e);
	ok(rc == -1 && e.code == IG_EPROTO && r.status == 0 &&
	   strstr(e.msg, "127.0.0.1 (a loopback address)") != NULL,
	   "public only: loopback refused before connecting");
	dest_next = HTTP_DEST_ANY;
	http_resp_release(&r);
}

static int
closed_port(void)
{
	struct sockaddr_in a = { 0 };
	socklen_t n = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), p;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof a);
	getsockname(fd, (struct sockaddr *)&a, &n);
	p = ntohs(a.sin_port);
	close(fd);
	return p;
}

static void
test_transport(void)
{
	struct http_opts o = opts();
	struct http_resp r;
	struct ig_err e;
	struct http_client *c;
	struct http_req q = { 0 };
	char url[128], want[256];
	double t0;
	int rc, p = closed_port();

	http_resp_init(&r);
	o.timeout_ms = 500;
	o.max_retries = 1;
	t0 = mono();
	rc = run(&o, "GET", "/slow", NULL, &r, &e);
	ok(rc == -1 && e.code == IG_EUNAVAIL && r.attempts == 2,
	   "timeout retried, then 69");
	ok(mono() - t0 >= 1.0 && mono() - t0 < 2.5, "two 0.5 s timeouts");
	is_str(last_why, "timeout after 0.5 s", "timeout why");
	ok(strstr(e.msg, "failed after 2 attempts: timeout after 0.5 s") !=
	   NULL, "timeout message");

	o = opts();
	o.max_body = 10000;
	rc = run(&o, "GET", "/huge", NULL, &r, &e);
	ok(rc == -1 && e.code == IG_EPROTO && r.attempts == 1,
	   "body over the cap is 76");
	is_str(e.msg, "response body larger than 10000 bytes", "cap message");

	o = opts();
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/x", p);
	c = http_client_new(&o);
	q.method = "POST";
	q.url = url;
	q.body = "{}";
	q.body_len = 2;
	rc = http_send(c, &q, &r, &e);
	http_client_free(c);
	ok(rc == -1 && e.code == IG_EUNAVAIL && r.attempts == 3,
	   "refused connection retried, then 69");
	snprintf(want, sizeof want, "connection to 127.0.0.1:%d failed after "
		 "3 attempts: connection refused", p);
	ok(strncmp(e.msg, want, strlen(want)) == 0, "refused message");
	if (strncmp(e.msg, want, strlen(want)) != 0)
		diag("%s", e.msg);

	o = opts();
	cancel_flag = 1;
	rc = run(&o, "GET", "/ok", NULL, &r, &e);
	ok(rc == -1 && e.code == IG_EINTR && r.attempts == 0,
	   "cancel before sending");
	cancel_flag = 0;
	cancel_on_retry = 1;
	t0 = mono();
	o.max_retry_wait = 600;
	rc = run(&o, "POST", "/429-always?k=c2", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_EINTR && r.attempts == 1 &&
	   mono() - t0 < 2, "cancel during a retry wait");
	cancel_on_retry = 0;
	cancel_flag = 0;
	http_resp_release(&r);
}

static void
test_multipart(void)
{
	struct http_opts o = opts();
	struct http_part parts[] = {
		{ "purpose", NULL, NULL, "batch", 5 },
		{ "file", "in.jsonl", "application/jsonl", "{\"a\":1}\n", 8 },
	};
	struct http_req q = { 0 };
	struct http_resp r;
	struct ig_err e;
	struct http_client *c = http_client_new(&o);
	char url[128];
	const char *b;

	snprintf(url, sizeof url, "%s/multipart", base);
	q.method = "POST";
	q.url = url;
	q.parts = parts;
	q.nparts = 2;
	http_resp_init(&r);
	ok(http_send(c, &q, &r, &e) == 0, "multipart POST succeeds");
	b = buf_str(&r.body);
	ok(strstr(b, "\"ctype\": \"multipart/form-data\"") != NULL,
	   "multipart content type");
	ok(strstr(b, "\"purpose\": \"batch\"") != NULL, "multipart field");
	ok(strstr(b, "\"file\": {\"filename\": \"in.jsonl\", \"len\": 8, "
		  "\"type\": \"application/jsonl\"}") != NULL, "multipart file");
	if (!strstr(b, "in.jsonl"))
		diag("%s", b);
	http_client_free(c);
	http_resp_release(&r);
}

/* The whole of f (malloc'd, NUL-terminated) and its length. */
static char *
slurp(FILE *f, size_t *len)
{
	long n;
	char *s;

	fflush(f);
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0)
		return NULL;
	rewind(f);
	if (!(s = malloc((size_t)n + 1)))
		return NULL;
	*len = fread(s, 1, (size_t)n, f);
	s[*len] = '\0';
	return s;
}

static int
all_lines(const char *s, size_t len, int n)
{
	char want[16];

	if (len != (size_t)n * 11)
		return 0;
	for (int i = 0; i < n; i++) {
		snprintf(want, sizeof want, "line %05d\n", i);
		if (memcmp(s + (size_t)i * 11, want, 11) != 0)
			return 0;
	}
	return 1;
}

static void
test_sink(void)
{
	struct http_opts o = opts();
	struct http_resp r;
	struct ig_err e;
	struct rlimit rl, small;
	FILE *f = tmpfile();
	char *s = NULL;
	size_t len = 0;
	int rc;

	if (!f) {
		ok(0, "tmpfile: %s", strerror(errno));
		return;
	}
	http_resp_init(&r);
	o.max_body = 10000;
	rc = run_sink(&o, "GET", "/huge?k=sink", NULL, f, &r, &e);
	ok(rc == 0 && r.status == 200 && r.body.len == 0,
	   "a sink takes a 2xx body, not resp->body");
	s = slurp(f, &len);
	ok(s && len == 200003 && strncmp(s, "[1,1,", 5) == 0 &&
	   strcmp(s + len - 3, ",1]") == 0, "the whole body, over max_body");
	free(s);
	ok(strstr(debug_log, "200003 bytes") != NULL,
	   "the debug line counts the file's bytes");

	o = opts();
	rc = run_sink(&o, "GET", "/partial-then-ok", NULL, f, &r, &e);
	ok(rc == 0 && r.attempts == 2, "a partial download is retried");
	is_str(last_why, "partial body", "partial why");
	s = slurp(f, &len);
	ok(s && all_lines(s, len, 6000), "and the file holds one copy");
	free(s);

	rc = run_sink(&o, "GET", "/500-then-ok?k=sink", NULL, f, &r, &e);
	s = slurp(f, &len);
	ok(rc == 0 && r.attempts == 2 && s && strcmp(s, "{\"ok\": true, "
	   "\"n\": 2}") == 0, "500 then 200: only the 200 body in the file");
	free(s);

	rc = run_sink(&o, "GET", "/400?k=sink", NULL, f, &r, &e);
	ok(rc == -1 && e.code == IG_EDATA &&
	   strstr(e.msg, "Unsupported parameter") != NULL,
	   "an error body still makes the message");
	ok(strstr(buf_str(&r.body), "unsupported_parameter") != NULL,
	   "from resp->body");
	s = slurp(f, &len);
	ok(s && len == 0, "the file is left empty");
	free(s);

	/* A full disk, as far as this process can tell: EFBIG past 4 KiB. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &rl);
	small = rl;
	small.rlim_cur = 4096;
	setrlimit(RLIMIT_FSIZE, &small);
	rc = run_sink(&o, "GET", "/huge?k=full", NULL, f, &r, &e);
	setrlimit(RLIMIT_FSIZE, &rl);
	signal(SIGXFSZ, SIG_DFL);
	ok(rc == -1 && e.code == IG_EIO && r.attempts == 1,
	   "a write error on the file is 74, not retried");
	ok(strstr(e.msg, "to a file: ") != NULL &&
	   strstr(e.msg, strerror(EFBIG)) != NULL, "naming the cause");
	if (e.code != IG_EIO)
		diag("%s", e.msg);
	fclose(f);
	http_resp_release(&r);
}

/* One client, several requests: nothing leaks from one into the next. */
static void
test_reuse(void)
{
	struct http_opts o = opts();
	struct http_client *c = http_client_new(&o);
	struct http_req q = { 0 };
	struct http_resp r;
	struct ig_err e;
	char u1[128], u2[128];

	snprintf(u1, sizeof u1, "%s/ok?k=reuse", base);
	snprintf(u2, sizeof u2, "%s/429-ms-then-ok?k=reuse", base);
	http_resp_init(&r);
	q.method = "GET";
	q.url = u2;
	ok(http_send(c, &q, &r, &e) == 0 && r.attempts == 2, "reuse: retried");
	q.url = u1;
	ok(http_send(c, &q, &r, &e) == 0 && r.attempts == 1 &&
	   r.retry_after == -1 && strstr(r.request_id, "req_ok") != NULL,
	   "reuse: second request starts clean");
	q.method = "POST";
	q.body = "{}";
	q.body_len = 2;
	ok(http_send(c, &q, &r, &e) == 0 && strstr(buf_str(&r.body), "\"n\": 2"),
	   "reuse: GET then POST on one handle");
	http_client_free(c);
	http_resp_release(&r);
}

static void
test_limiter(void)
{
	struct http_opts o = opts();
	struct ratelimit *rl = rl_new(0, 0, 4);
	struct http_resp r;
	struct ig_err e;
	double t0;
	int rc;

	http_resp_init(&r);
	o.rl = rl;
	is_int(rl_ceiling(rl), 4, "limiter starts at max_inflight");
	rc = run(&o, "POST", "/429-ms-then-ok?k=rl", "{}", &r, &e);
	ok(rc == 0, "request through the limiter succeeds");
	is_int(rl_ceiling(rl), 4, "a lone 429 leaves the limiter's ceiling");
	http_resp_release(&r);
	http_resp_init(&r);
	rc = run(&o, "POST", "/429-twice-then-ok?k=rl2", "{}", &r, &e);
	ok(rc == 0, "and so does a request answered 429 twice");
	/* Halving needs two rounds of answers (t-ratelimit.c): five are too few. */
	is_int(rl_ceiling(rl), 4, "three 429s in five answers: too few to judge");
	rl_free(rl);
	http_resp_release(&r);

	/* 429s under an announced limit wait their turn, retries or not,
	 * until nothing has succeeded for max_retry_wait. */
	rl = rl_new(0, 0, 4);
	o.rl = rl;
	o.max_retries = 1;
	o.max_retry_wait = 1;
	http_resp_init(&r);
	rc = run(&o, "POST", "/429-limited-then-ok?k=a", "{}", &r, &e);
	ok(rc == 0 && r.attempts == 5, "four 429s under a known limit use no "
	   "retry (%d attempts)", r.attempts);
	http_resp_release(&r);
	rl_free(rl);
	rl = rl_new(0, 0, 4);
	o.rl = rl;
	http_resp_init(&r);
	t0 = mono();
	rc = run(&o, "POST", "/429-limited?k=b", "{}", &r, &e);
	ok(rc == -1 && e.code == IG_ETEMP, "a limit that lets nothing through "
	   "ends the request with 75");
	ok(mono() - t0 >= 0.9 && mono() - t0 < 5 && r.attempts > 2,
	   "after max_retry_wait without progress (%.1f s, %d attempts)",
	   mono() - t0, r.attempts);
	http_resp_release(&r);
	rl_free(rl);
}

/*
 * Some cases name addresses other than 127.0.0.1, which must be refused
 * before connecting: they run only in a network namespace of their own
 * (loopback only), so that a broken check cannot reach any network.
 */
static void
into_netns(char *self)
{
	if (getenv("IGNY8_NETNS") ||
	    system("unshare -rn ip link set lo up 2>/dev/null") != 0)
		return;
	setenv("IGNY8_NETNS", "1", 1);
	execlp("unshare", "unshare", "-rn", "sh", "-c",
	       "ip link set lo up && exec \"$0\"", self, (char *)NULL);
	unsetenv("IGNY8_NETNS");
}

int
main(int argc, char **argv)
{
	(void)argc;
	into_netns(argv[0]);
	setenv("IGNY8_BACKOFF_SCALE", "0.01", 1);
	http_global_init();
	test_retry_after();
	test_duration();
	test_backoff();
	test_header_lines();
	test_error_message();
	start_server();
	ok(port > 0, "test server started on port %d", port);
	if (port > 0) {
		test_ok_and_headers();
		test_retries();
		test_client_errors();
		test_transport();
		test_multipart();
		test_sink();
		test_reuse();
		test_limiter();
	}
	stop_server();
	http_global_cleanup();
	ig_secrets_free();
	return done_testing();
}
