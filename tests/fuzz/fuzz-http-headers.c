/*
 * fuzz-http-headers.c: libFuzzer harness for the HTTP header parser.
 * The input is split at newlines; each line goes to http_parse_header_line()
 * as curl would deliver it, and the parsed fields are checked for sanity.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct http_resp *r)
{
	/* Fields must stay NUL-terminated and values in range. */
	if (strlen(r->content_type) >= sizeof r->content_type ||
	    strlen(r->request_id) >= sizeof r->request_id)
		abort();
	if (r->retry_after < -1 || r->should_retry < -1 || r->should_retry > 1)
		abort();
	if (r->limits.reset_requests < -1 || r->limits.reset_tokens < -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct http_resp r;

	http_resp_init(&r);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl ? nl + 1 : end;
		http_parse_header_line(&r, p, (size_t)(nl - p));
		check(&r);
		p = nl;
	}
	http_resp_release(&r);
	return 0;
}
