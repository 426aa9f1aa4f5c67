/*
 * t-batch.c: finding a batch output line's custom_id without parsing it,
 * and the server's ids as URL path segments.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "http.h"
#include "tap.h"

static void
segment(const char *id, const char *want, const char *what)
{
	char *got = http_path_segment(id);

	is_str(got, want, "path segment: %s", what);
	free(got);
}

/* Scans s (its first len bytes, or all when len is 0) for want (NULL = none). */
static void
check(const char *s, size_t len, const char *want, const char *what)
{
	char out[64];
	const char *got = batch_line_custom_id(s, len ? len : strlen(s), out,
					       sizeof out);

	if (!want)
		ok(got == NULL, "none: %s", what);
	else
		ok(got && !strcmp(got, want), "%s", what);
}

int
main(void)
{
	const char *line = "{\"id\": \"batch_req_1\", \"custom_id\": \"ideas:cluster:2:ab12\","
			   " \"response\": {\"status_code\": 200, \"body\": {}}}";

	segment("batch_abc-123~", "batch_abc-123~", "an ordinary id as it is");
	segment("b x/../y?z#w&%", "b%20x%2F%2E%2E%2Fy%3Fz%23w%26%25",
		"space, slash, dots, query, fragment, percent");
	segment("..", "%2E%2E", "dots never a dot segment");
	segment("\xc3\xa9\n", "%C3%A9%0A", "UTF-8 and controls");
	segment("", "", "empty");
	check(line, 0, "ideas:cluster:2:ab12", "an output line");
	check("{\"custom_id\":\"x\"}", 0, "x", "no spaces");
	check("{ \"custom_id\" :\t\"x\" }", 0, "x", "spaces around the colon");
	check(line, 58, "ideas:cluster:2:ab12", "only the start of the line kept");
	check(line, 50, NULL, "cut inside the value");
	check("{\"response\": {\"custom_id\": \"inner\"}, \"custom_id\": \"outer\"}", 0,
	      "outer", "a key inside the answer is not it");
	check("[{\"custom_id\": \"x\"}]", 0, NULL, "not at the top level");
	check("{\"note\": \"custom_id\", \"custom_id\": \"y\"}", 0, "y",
	      "a value that reads custom_id is not the key");
	check("{\"note\": \"a \\\"custom_id\\\": \\\"z\\\"\", \"custom_id\": \"y\"}", 0,
	      "y", "a quoted key inside a string is not the key");
	check("{\"note\": \"} {\", \"custom_id\": \"y\"}", 0, "y",
	      "brackets inside strings do not nest");
	check("{\"custom_id\": 12}", 0, NULL, "not a string");
	check("{\"custom_id\": \"\"}", 0, NULL, "empty");
	check("{\"custom_id\": \"a\\\"b\"}", 0, NULL, "escaped");
	check("{\"custom_id\": \"a\tb\"}", 0, NULL, "a control character");
	check("{\"custom_id\": \"0123456789012345678901234567890123456789"
	      "0123456789012345678901234\"}", 0, NULL, "longer than the room for it");
	check("{\"custom_id", 0, NULL, "cut inside the key");
	check("", 0, NULL, "an empty line");
	return done_testing();
}
