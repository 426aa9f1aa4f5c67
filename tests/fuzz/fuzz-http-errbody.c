/*
 * fuzz-http-errbody.c: libFuzzer harness for http_error_message(), which
 * turns any server error body (JSON or not) into a short redacted line.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct http_resp r;
	char out[600];

	if (!init) {
		ig_secret_add("sk-fuzz-secret");
		init = 1;
	}
	http_resp_init(&r);
	buf_append(&r.body, data, size);
	http_error_message(&r, out, sizeof out);
	/* The result is one line: no raw control characters, no secret. */
	for (size_t i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20)
			abort();
	if (strstr(out, "sk-fuzz-secret"))
		abort();
	http_resp_release(&r);
	return 0;
}
