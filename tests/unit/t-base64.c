/* t-base64.c: the base64 decoder, RFC 4648 vectors and bad input. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "tap.h"

/* Decodes s and compares with want (NULL = must fail). */
static void
check(const char *s, const char *want, const char *what)
{
	unsigned char *out;
	size_t n;
	int rc = base64_decode(s, strlen(s), 0, &out, &n);

	if (!want) {
		ok(rc < 0 && !out, "refused: %s", what);
		return;
	}
	ok(rc == 0 && n == strlen(want) && !memcmp(out, want, n), "%s", what);
	free(out);
}

int
main(void)
{
	unsigned char *out;
	size_t n;

	/* RFC 4648 section 10. */
	check("", "", "empty");
	check("Zg==", "f", "f");
	check("Zm8=", "fo", "fo");
	check("Zm9v", "foo", "foo");
	check("Zm9vYg==", "foob", "foob");
	check("Zm9vYmE=", "fooba", "fooba");
	check("Zm9vYmFy", "foobar", "foobar");
	check("Zm9vYg", "foob", "padding is optional");
	check("Zm9v\nYmFy\r\n", "foobar", "line breaks are skipped");
	check("Zm9v YmFy", "foobar", "spaces are skipped");
	check("Zm9vY", NULL, "a lone trailing sextet");
	check("Zm9v!mFy", NULL, "a byte outside the alphabet");
	check("Zg==Zg==", NULL, "data after padding");
	check("Zm9v=", NULL, "padding after a whole quantum");
	check("Zg===", NULL, "too much padding");
	check("Zm9-", NULL, "the URL-safe alphabet");
	check("<html>", NULL, "an HTML page");

	ok(base64_decode("/+/+", 4, 0, &out, &n) == 0 && n == 3 &&
	   out[0] == 0xff && out[1] == 0xef && out[2] == 0xfe, "high bytes");
	free(out);
	ok(base64_decode("Zm9vYmFy", 8, 5, &out, &n) < 0 && !out,
	   "output over the cap is refused");
	ok(base64_decode("Zm9vYmFy", 8, 6, &out, &n) == 0 && n == 6,
	   "output at the cap is taken");
	free(out);
	return done_testing();
}
