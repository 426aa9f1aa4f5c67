/*
 * fuzz-html.c: libFuzzer harness for the normalizer and the sanitizer.
 * Aborts when output is not safe (by html_is_safe's independent lexer) or
 * not a fixed point of html_sanitize, when figure insertion is not
 * idempotent, or when the text html_normalize reads off its output is not
 * what html_to_text parses out of it.  Build and run (seed corpus in
 * tests/fuzz/html/):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *	tests/fuzz/fuzz-html.c lib/html*.c lib/sanitize.c lib/err.c lib/buf.c \
 *	$(pkg-config --cflags --libs libxml-2.0 md4c-html libutf8proc libcjson)
 *   mkdir -p corpus && ./a.out -max_total_time=60 corpus tests/fuzz/html
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const char *html)
{
	char *again, *md, *back;

	if (!html_is_safe(html))
		abort();
	again = html_sanitize(html, strlen(html), NULL);
	if (!again || strcmp(again, html) != 0)
		abort();
	free(again);
	md = html_to_markdown(html);
	if (!md)
		abort();
	back = html_normalize(md, strlen(md), HTML_IN_MARKDOWN, NULL, NULL);
	if (back && !html_is_safe(back))
		abort();
	free(back);
	free(md);
}

static void
check_figures(const char *html)
{
	static const struct html_figure figs[] = {
		{ "intro", "https://example.com/1.png", "one", "First" },
		{ NULL, "/2.png", "two & <three>", NULL },
	};
	char *once, *twice;

	once = html_insert_figures(html, figs, 2, NULL, NULL);
	if (!once || !html_is_safe(once))
		abort();
	twice = html_insert_figures(once, figs, 2, NULL, NULL);
	if (!twice || strcmp(once, twice) != 0)
		abort();
	free(once);
	free(twice);
}

/* The text html_normalize hands back is the parsing reader's. */
static void
check_text(const char *html, char *text)
{
	char *parsed = html_to_text(html, 0);

	if (!text || !parsed || strcmp(text, parsed) != 0 ||
	    html_text_words(text) != html_word_count(html))
		abort();
	free(parsed);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ig_err err;
	char *s, *text = NULL;

	s = html_sanitize((const char *)data, size, &err);
	if (!s)
		abort();
	check(s);
	check_figures(s);
	free(s);
	s = html_normalize((const char *)data, size, HTML_IN_AUTO, &text, &err);
	if (s) {
		check(s);
		check_text(s, text);
	}
	free(s);
	return 0;
}
