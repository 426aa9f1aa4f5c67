/*
 * html_check.c: html_is_safe(), a strict lexer for the sanitizer's output.
 *
 * It shares no code with sanitize.c on purpose: the fuzzer and the tests use
 * it to catch the sanitizer letting something through, so it reads the
 * bytes the way a browser would see them, with its own allowlist.
 */
#include "compat.h"

#include <string.h>

#include "html.h"

static const char *const ok_tags[] = {
	"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "strong",
	"em", "b", "i", "del", "blockquote", "code", "pre", "table", "thead",
	"tbody", "tr", "th", "td", "br", "hr", "figure", "figcaption", "img",
	"sup", "sub", "dl", "dt", "dd",
};

/* "tag attr" pairs. */
static const char *const ok_attrs[] = {
	"a href", "a title", "img src", "img alt", "img width", "img height",
	"th colspan", "th rowspan", "td colspan", "td rowspan", "ol start",
};

static int
in_list(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* Reads [a-z0-9]+ into name (at most size-1 bytes); returns its length. */
static size_t
lex_name(const char **pp, char *name, size_t size)
{
	size_t n = 0;
	const char *p = *pp;

	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
		if (n + 1 >= size)
			return 0;
		name[n++] = *p++;
	}
	name[n] = '\0';
	*pp = p;
	return n;
}

/* An entity the sanitizer writes; advances past it. */
static int
lex_entity(const char **pp, int attr, char *c_out)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		     { "&quot;", '"' } };
	size_t i, n = attr ? 4 : 3;

	for (i = 0; i < n; i++) {
		size_t len = strlen(ents[i].ent);

		if (strncmp(*pp, ents[i].ent, len) == 0) {
			*pp += len;
			*c_out = ents[i].c;
			return 1;
		}
	}
	return 0;
}

/*
 * What a browser would take as the scheme: drop every blank and control
 * byte, lower-case, stop at the first ':' unless '/', '?' or '#' came first.
 */
static int
scheme_safe(const char *v)
{
	char s[8];
	size_t n = 0;

	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c <= 0x20 || c == 0x7f)
			continue;
		if (c == '/' || c == '?' || c == '#')
			return 1;
		if (c == '&')
			return 0;	/* may decode to a colon downstream */
		if (c == ':') {
			s[n] = '\0';
			return strcmp(s, "http") == 0 ||
			       strcmp(s, "https") == 0 ||
			       strcmp(s, "mailto") == 0;
		}
		if (n + 1 >= sizeof(s))
			n = sizeof(s) - 1, s[0] = '!';	/* too long: refuse */
		else
			s[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return 1;
}

static int
lex_attr(const char **pp, const char *tag)
{
	char name[16], pair[40], val[4096];
	const char *p = *pp;
	size_t n = 0;

	if (!lex_name(&p, name, sizeof(name)) || strncmp(p, "=\"", 2) != 0)
		return 0;
	p += 2;
	memcpy(pair, tag, strlen(tag));
	pair[strlen(tag)] = ' ';
	memcpy(pair + strlen(tag) + 1, name, strlen(name) + 1);
	if (!in_list(ok_attrs, ARRAY_SIZE(ok_attrs), pair))
		return 0;
	while (*p != '"') {
		char c = *p;

		if (c == '\0' || c == '<' || c == '>')
			return 0;
		if (c != '&')
			p++;
		else if (!lex_entity(&p, 1, &c))
			return 0;
		/* Blanks never decide a scheme: a long value keeps the rest */
		if (n + 1 < sizeof(val) && (unsigned char)c > 0x20 && c != 0x7f)
			val[n++] = c;
	}
	val[n] = '\0';
	*pp = p + 1;
	if (strcmp(name, "href") == 0 || strcmp(name, "src") == 0)
		return scheme_safe(val);
	return 1;
}

static int
lex_tag(const char **pp)
{
	char name[16];
	const char *p = *pp + 1;
	int closing = *p == '/';

	p += closing;
	if (!lex_name(&p, name, sizeof(name)) ||
	    !in_list(ok_tags, ARRAY_SIZE(ok_tags), name))
		return 0;
	while (!closing && *p == ' ') {
		p++;
		if (!lex_attr(&p, name))
			return 0;
	}
	if (*p != '>')
		return 0;
	*pp = p + 1;
	return 1;
}

int
html_is_safe(const char *html)
{
	const char *p = html;
	char c;

	while (*p) {
		if (*p == '<') {
			if (!lex_tag(&p))
				return 0;
		} else if (*p == '&') {
			if (!lex_entity(&p, 0, &c))
				return 0;
		} else if (*p == '>') {
			return 0;
		} else {
			p++;
		}
	}
	return 1;
}
