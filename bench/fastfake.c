/* fastfake: a small, fast fake of the OpenAI chat API for bench/run's
 * concurrency figures only (tests use tests/fakeapi/fakeapi.py).
 *
 *   fastfake --port-file F [--latency-ms N] [--fault-429 RATE] [--seed S]
 *            [--retry-after-ms N] [--log F]
 *
 * Listens on 127.0.0.1, port 0 (the kernel's choice), written to F.
 * HTTP/1.1 with keep-alive, Content-Length bodies, a thread per connection.
 * POST /v1/chat/completions sleeps N ms (each request on its own thread, so
 * concurrently) and answers a chat.completion whose content is an
 * igny8_write answer (an article of five sections, about 8 KB of HTML, the
 * size tests/fakeapi/fakeapi.py writes) when the request names the
 * igny8_write schema, else an igny8_ideas answer with one idea; with --fault-429 RATE a seeded PRNG
 * turns that share of answers into 429s with an OpenAI error body (and, with
 * --retry-after-ms N, `retry-after-ms: N` and, for N >= 1000, `retry-after`
 * in whole seconds rounded up).  Anything else is a 404 JSON error.
 * --log F writes one line per request: METHOD PATH STATUS. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static long latency_ms;
static double fault_rate;
static long retry_after_ms = -1;
static uint64_t rng_state = 3;
static FILE *logf_;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long counter;

/* splitmix64: the fault sequence depends only on the seed (which request
 * draws which number depends on arrival order, as with any shared PRNG). */
static double rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* JSON-escape src (only quotes and backslashes occur) into dst. */
static size_t json_escape(char *dst, const char *src)
{
	size_t n = 0;
	for (; *src; src++) {
		if (*src == '"' || *src == '\\')
			dst[n++] = '\\';
		dst[n++] = *src;
	}
	dst[n] = 0;
	return n;
}

static int respond(int fd, int status, const char *extra, const char *body, int keep)
{
	const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" :
		status == 429 ? "Too Many Requests" : "Bad Request";
	char head[512];
	size_t blen = strlen(body);
	int h = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n%s%s\r\n",
			 status, reason, blen, extra ? extra : "",
			 keep ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
	if (h < 0 || (size_t)h >= sizeof head)
		return -1;
	if (write_all(fd, head, (size_t)h) != 0 || write_all(fd, body, blen) != 0)
		return -1;
	return 0;
}

/* An igny8_write answer: five sections of about 1,600 characters each. */
static void write_answer(char *out, size_t cap, unsigned long n)
{
	static const char *const h2[] = { "What it is", "How to choose one",
		"Getting started", "Common mistakes", "Final thoughts" };
	static const char para[] = "Benchmark prose stands in for a real article here. "
		"It is long enough to make the parser, the sanitizer and the workspace do "
		"the work a real answer makes them do, and plain enough to read. ";
	size_t k = (size_t)snprintf(out, cap, "{\"title\": \"Benchmark article %lu\", "
		"\"meta_title\": \"Benchmark article %lu\", \"meta_description\": "
		"\"Everything you need to know about benchmark topic %lu.\", \"slug\": "
		"\"benchmark-article-%lu\", \"primary_keyword\": \"benchmark topic %lu\", "
		"\"secondary_keywords\": [\"best benchmark topic\"], \"key_takeaways\": "
		"[\"It is a benchmark.\", \"It is plain.\", \"It is long enough.\"], "
		"\"faq\": [], \"verify\": [], \"tags\": "
		"[\"benchmark\"], \"categories\": [\"Guides\"], \"body\": \"",
		n, n, n, n, n);
	for (size_t i = 0; i < sizeof h2 / sizeof h2[0] && k < cap; i++) {
		k += (size_t)snprintf(out + k, cap - k, "<h2>%s</h2>\\n<p>", h2[i]);
		for (int r = 0; r < 8 && k < cap; r++)
			k += (size_t)snprintf(out + k, cap - k, "%s", para);
		if (k < cap)
			k += (size_t)snprintf(out + k, cap - k, "</p>\\n");
	}
	if (k < cap)
		snprintf(out + k, cap - k, "\"}");
}

/* An igny8_ideas answer with one idea. */
static void ideas_answer(char *content, size_t cap, unsigned long n)
{
	snprintf(content, cap,
		 "{\"ideas\": [{\"title\": \"Benchmark topic %lu: a practical guide\", "
		 "\"content_type\": \"post\", \"structure\": \"guide\", "
		 "\"description\": \"An article that answers what people want to know about "
		 "benchmark topic %lu. It covers choosing, using and caring for it.\", "
		 "\"primary_keyword\": \"benchmark topic %lu\", "
		 "\"keywords\": [\"benchmark topic %lu\", \"best benchmark topic\", "
		 "\"how to use benchmark topic\"], \"word_count\": 1200, "
		 "\"outline\": [{\"h2\": \"What is benchmark topic %lu\", \"note\": \"Define it.\", "
		 "\"h3\": [{\"heading\": \"Key point 1\", \"note\": \"Explain it.\"}, "
		 "{\"heading\": \"Key point 2\", \"note\": \"Explain it.\"}]}, "
		 "{\"h2\": \"Choosing benchmark topic %lu\", \"note\": \"Cover choosing.\", "
		 "\"h3\": [{\"heading\": \"Key point 1\", \"note\": \"Explain it.\"}]}]}]}",
		 n, n, n, n, n, n);
}

static int answer_chat(int fd, const char *req, size_t req_len, int keep)
{
	unsigned long n;
	pthread_mutex_lock(&mu);
	n = ++counter;
	double r = fault_rate > 0 ? rng_next() : 1.0;
	pthread_mutex_unlock(&mu);
	if (r < fault_rate) {
		char extra[128] = "";
		if (retry_after_ms >= 0) {
			int k = snprintf(extra, sizeof extra, "retry-after-ms: %ld\r\n",
					 retry_after_ms);
			if (retry_after_ms >= 1000)
				snprintf(extra + k, sizeof extra - (size_t)k, "retry-after: %ld\r\n",
					 (retry_after_ms + 999) / 1000);
		}
		respond(fd, 429, extra,
			"{\"error\": {\"message\": \"Rate limit reached for requests. Please "
			"try again later.\", \"type\": \"requests\", \"param\": null, "
			"\"code\": \"rate_limit_exceeded\"}}", keep);
		return 429;
	}
	static _Thread_local char content[16384], esc[20000], body[24576];
	if (strstr(req, "\"igny8_write\""))
		write_answer(content, sizeof content, n);
	else
		ideas_answer(content, sizeof content, n);
	size_t clen = json_escape(esc, content);
	size_t pt = req_len / 4 + 1, ct = clen / 4 + 1;
	snprintf(body, sizeof body,
		 "{\"id\": \"chatcmpl-fast%lu\", \"object\": \"chat.completion\", "
		 "\"created\": %ld, \"model\": \"gpt-4.1-mini\", \"choices\": [{\"index\": 0, "
		 "\"message\": {\"role\": \"assistant\", \"content\": \"%s\", \"refusal\": null, "
		 "\"annotations\": []}, \"logprobs\": null, \"finish_reason\": \"stop\"}], "
		 "\"usage\": {\"prompt_tokens\": %zu, \"completion_tokens\": %zu, "
		 "\"total_tokens\": %zu, \"prompt_tokens_details\": {\"cached_tokens\": 0}, "
		 "\"completion_tokens_details\": {\"reasoning_tokens\": 0}}, "
		 "\"service_tier\": \"default\", \"system_fingerprint\": \"fp_fastfake\"}",
		 n, (long)time(NULL), esc, pt, ct, pt + ct);
	respond(fd, 200, NULL, body, keep);
	return 200;
}

/* The value of header NAME in the head [p, end), or NULL; *len its length. */
static const char *header(const char *p, const char *end, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	const char *line = memchr(p, '\n', (size_t)(end - p));
	while (line && line + 1 < end) {
		line++;
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			break;
		if ((size_t)(eol - line) > nl && line[nl] == ':' && !strncasecmp(line, name, nl)) {
			const char *v = line + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = eol;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			*len = (size_t)(ve - v);
			return v;
		}
		line = eol;
	}
	return NULL;
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	size_t cap = 65536, have = 0;
	char *buf = malloc(cap);
	if (!buf)
		goto out;
	for (;;) {
		char *eoh;
		/* Read until the end of the head. */
		while (!(eoh = have >= 4 ? strstr(buf, "\r\n\r\n") : NULL)) {
			if (have + 1 >= cap) {
				respond(fd, 400, NULL, "{\"error\": {\"message\": \"head too big\"}}", 0);
				goto out;
			}
			ssize_t r = recv(fd, buf + have, cap - 1 - have, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				goto out;
			have += (size_t)r;
			buf[have] = 0;
		}
		size_t hlen = (size_t)(eoh - buf) + 4, vl = 0, clen = 0;
		const char *v;
		char method[16] = "", path[512] = "", ver[16] = "";
		if (sscanf(buf, "%15s %511s %15s", method, path, ver) != 3)
			goto out;
		int keep = strcmp(ver, "HTTP/1.0") != 0;
		if ((v = header(buf, eoh + 2, "Connection", &vl)))
			keep = vl == 10 && !strncasecmp(v, "keep-alive", 10) ? 1 :
			       vl == 5 && !strncasecmp(v, "close", 5) ? 0 : keep;
		if (header(buf, eoh + 2, "Transfer-Encoding", &vl)) {
			respond(fd, 400, NULL, "{\"error\": {\"message\": \"chunked bodies are "
				"not supported\"}}", 0);
			goto out;
		}
		if ((v = header(buf, eoh + 2, "Content-Length", &vl)))
			clen = (size_t)strtoul(v, NULL, 10);
		if ((v = header(buf, eoh + 2, "Expect", &vl)) && vl == 12 &&
		    !strncasecmp(v, "100-continue", 12) && have < hlen + clen &&
		    write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0)
			goto out;
		if (hlen + clen + 1 > cap) {
			char *nb = realloc(buf, hlen + clen + 1);
			if (!nb)
				goto out;
			buf = nb;
			cap = hlen + clen + 1;
		}
		while (have < hlen + clen) {
			ssize_t r = recv(fd, buf + have, cap - 1 - have, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				goto out;
			have += (size_t)r;
		}
		char *q = strchr(path, '?');
		if (q)
			*q = 0;
		int status;
		if (!strcmp(method, "POST") && !strcmp(path, "/v1/chat/completions")) {
			if (latency_ms > 0)
				sleep_ms(latency_ms);
			char next = buf[hlen + clen];	/* a pipelined request's first byte */
			buf[hlen + clen] = 0;
			status = answer_chat(fd, buf + hlen, clen, keep);
			buf[hlen + clen] = next;
		} else {
			status = 404;
			respond(fd, 404, NULL, "{\"error\": {\"message\": \"Unknown path.\", "
				"\"type\": \"invalid_request_error\", \"param\": null, "
				"\"code\": \"unknown_url\"}}", keep);
		}
		if (logf_) {
			pthread_mutex_lock(&mu);
			fprintf(logf_, "%s %s %d\n", method, path, status);
			fflush(logf_);
			pthread_mutex_unlock(&mu);
		}
		/* Keep what follows this request (pipelining) for the next round. */
		memmove(buf, buf + hlen + clen, have - hlen - clen);
		have -= hlen + clen;
		buf[have] = 0;
		if (!keep)
			break;
	}
out:
	free(buf);
	close(fd);
	return NULL;
}

static void usage(void)
{
	fputs("usage: fastfake --port-file F [--latency-ms N] [--fault-429 RATE] [--seed S]\n"
	      "                [--retry-after-ms N] [--log F]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *port_file = NULL, *log_path = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (!strcmp(a, "--port-file"))
			port_file = v;
		else if (!strcmp(a, "--latency-ms"))
			latency_ms = strtol(v, NULL, 10);
		else if (!strcmp(a, "--fault-429"))
			fault_rate = strtod(v, NULL);
		else if (!strcmp(a, "--seed"))
			rng_state = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--retry-after-ms"))
			retry_after_ms = strtol(v, NULL, 10);
		else if (!strcmp(a, "--log"))
			log_path = v;
		else
			usage();
	}
	if (!port_file || latency_ms < 0 || fault_rate < 0 || fault_rate > 1)
		usage();
	if (log_path && !(logf_ = fopen(log_path, "w"))) {
		perror(log_path);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof sa;
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 1024) != 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) != 0) {
		perror("fastfake: listen");
		return 1;
	}
	/* Write the port atomically: readers wait for a non-empty file. */
	size_t pl = strlen(port_file);
	char *tmp = malloc(pl + 5);
	if (!tmp)
		return 1;
	memcpy(tmp, port_file, pl);
	memcpy(tmp + pl, ".tmp", 5);
	FILE *pf = fopen(tmp, "w");
	if (!pf || fprintf(pf, "%d\n", ntohs(sa.sin_port)) < 0 || fclose(pf) != 0 ||
	    rename(tmp, port_file) != 0) {
		perror(port_file);
		return 1;
	}
	free(tmp);

	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			perror("fastfake: accept");
			return 1;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		pthread_t t;
		if (pthread_create(&t, &at, conn_main, (void *)(intptr_t)fd) != 0)
			close(fd);
	}
}
