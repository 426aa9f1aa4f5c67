/*
 * html_md.c: safe HTML to Markdown, for `igny8-write --format markdown`.
 *
 * It walks the sanitized tree, so it only meets the allowlisted elements in
 * their content model.  Containers (list items, block quotes) are rendered
 * into a scratch buffer and then indented or prefixed line by line.  Where
 * Markdown would be ambiguous (emphasis next to punctuation, sup/sub,
 * tables, definition lists) it writes the HTML instead, which Markdown
 * passes through and html_normalize sanitizes again.
 */
#include "compat.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "html.h"
#include "html_priv.h"

static void blocks(const xmlNode *n, int tight, struct buf *out);
static void inlines(const xmlNode *n, struct buf *out);

static int
is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

static int
is_inline(const xmlNode *n)
{
	static const char *const names[] = { "a", "b", "br", "code", "del",
		"em", "i", "img", "strong", "sub", "sup" };
	size_t i;

	if (n->type == XML_TEXT_NODE)
		return 1;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (is(n, names[i]))
			return 1;
	return 0;
}

static char *
prop(const xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/* Text with white space collapsed and Markdown punctuation escaped. */
static void
text(const char *s, struct buf *out)
{
	for (; *s; s++) {
		if (strchr(" \t\n\r\f", *s)) {
			if (!out->len || out->data[out->len - 1] != ' ')
				buf_putc(out, ' ');
			continue;
		}
		if (strchr("\\`*_[]<>&~|", *s))
			buf_putc(out, '\\');
		buf_putc(out, *s);
	}
}

/* Longest run of c in s. */
static size_t
longest_run(const char *s, char c)
{
	size_t run = 0, best = 0;

	for (; *s; s++) {
		run = *s == c ? run + 1 : 0;
		best = run > best ? run : best;
	}
	return best;
}

static void
fence(struct buf *out, char c, size_t n)
{
	while (n--)
		buf_putc(out, c);
}

static void
code_span(const xmlNode *n, struct buf *out)
{
	struct buf b = BUF_INIT(0);
	const char *s;
	size_t ticks;
	int pad;

	html_collect_text(n, &b);
	s = buf_str(&b);
	ticks = longest_run(s, '`') + 1;
	pad = *s == '`' || (b.len && s[b.len - 1] == '`');
	fence(out, '`', ticks);
	buf_puts(out, pad ? " " : "");
	buf_puts(out, s);
	buf_puts(out, pad ? " " : "");
	fence(out, '`', ticks);
	buf_release(&b);
}

/* A link destination: <...> when it holds blanks, brackets or parens. */
static void
destination(const char *url, struct buf *out)
{
	int angle = strpbrk(url, " ()<>") != NULL;

	buf_puts(out, angle ? "<" : "");
	for (; *url; url++) {
		if (*url == '<' || *url == '>')
			buf_puts(out, *url == '<' ? "%3C" : "%3E");
		else if (*url == '\\')
			buf_puts(out, "%5C");
		else if (!strchr("\n\r", *url))
			buf_putc(out, *url);
	}
	buf_puts(out, angle ? ">" : "");
}

static void
title(const char *t, struct buf *out)
{
	if (!t || !*t)
		return;
	buf_puts(out, " \"");
	for (; *t; t++) {
		if (*t == '"' || *t == '\\')
			buf_putc(out, '\\');
		buf_putc(out, strchr("\n\r", *t) ? ' ' : *t);
	}
	buf_putc(out, '"');
}

static void
link(const xmlNode *n, struct buf *out)
{
	char *href = prop(n, "href"), *t = prop(n, "title");

	buf_putc(out, '[');
	inlines(n->children, out);
	buf_puts(out, "](");
	destination(href ? href : "", out);
	title(t, out);
	buf_putc(out, ')');
	xmlFree(href);
	xmlFree(t);
}

static void
image(const xmlNode *n, struct buf *out)
{
	char *src = prop(n, "src"), *alt = prop(n, "alt");

	buf_puts(out, "![");
	text(alt ? alt : "", out);
	buf_puts(out, "](");
	destination(src ? src : "", out);
	buf_putc(out, ')');
	xmlFree(src);
	xmlFree(alt);
}

/*
 * Emphasis: the Markdown delimiter only when the content starts and ends
 * with an ASCII letter or digit (then it always opens and closes, even
 * inside a word); otherwise the HTML element, which cannot be misread.
 */
static void
emphasis(const xmlNode *n, const char *delim, const char *tag,
	 struct buf *out)
{
	struct buf in = BUF_INIT(0);
	const char *s;
	int md;

	inlines(n->children, &in);
	s = buf_str(&in);
	md = delim && in.len && isalnum((unsigned char)s[0]) &&
	     isalnum((unsigned char)s[in.len - 1]);
	if (!in.len) {
		buf_release(&in);
		return;
	}
	buf_printf(out, md ? "%s" : "<%s>", md ? delim : tag);
	buf_append(out, s, in.len);
	buf_printf(out, md ? "%s" : "</%s>", md ? delim : tag);
	buf_release(&in);
}

static void
inline_one(const xmlNode *n, struct buf *out)
{
	if (n->type == XML_TEXT_NODE && n->content)
		text((const char *)n->content, out);
	else if (is(n, "strong") || is(n, "b"))
		emphasis(n, "**", "strong", out);
	else if (is(n, "em") || is(n, "i"))
		emphasis(n, "*", "em", out);
	else if (is(n, "del"))
		emphasis(n, "~~", "del", out);
	else if (is(n, "sup") || is(n, "sub"))
		emphasis(n, NULL, (const char *)n->name, out);
	else if (is(n, "code"))
		code_span(n, out);
	else if (is(n, "a"))
		link(n, out);
	else if (is(n, "img"))
		image(n, out);
	else if (is(n, "br"))
		buf_puts(out, "\\\n");
}

static void
inlines(const xmlNode *n, struct buf *out)
{
	for (; n; n = n->next)
		inline_one(n, out);
}

/* Trims blanks, escapes what would start a block, ends the paragraph. */
static void
paragraph(struct buf *in, int tight, struct buf *out)
{
	const char *s = buf_str(in);
	size_t len = in->len, digits;

	while (len && strchr(" \n", *s))
		s++, len--;
	while (len && strchr(" \n", s[len - 1]) && !(len > 1 &&
						     s[len - 2] == '\\'))
		len--;
	if (!len)
		return;
	digits = strspn(s, "0123456789");
	if (strchr("#-+=", *s) && len) {
		buf_putc(out, '\\');
	} else if (digits && digits < len && strchr(".)", s[digits])) {
		buf_append(out, s, digits);
		buf_putc(out, '\\');
		s += digits, len -= digits;
	}
	buf_append(out, s, len);
	buf_puts(out, tight ? "\n" : "\n\n");
}

/* Returns whether the run wrote anything (blank text between blocks not). */
static int
inline_para(const xmlNode *first, const xmlNode *stop, int tight,
	    struct buf *out)
{
	struct buf in = BUF_INIT(0);
	size_t before = out->len;

	for (; first != stop; first = first->next)
		inline_one(first, &in);
	paragraph(&in, tight, out);
	buf_release(&in);
	return out->len > before;
}

/* Appends in with every line prefixed: first with `first`, the rest with
 * `rest` (blank lines get the prefix without its trailing blanks). */
static void
prefixed(const char *s, const char *first, const char *rest, struct buf *out)
{
	const char *pre = first;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		size_t plen = strlen(pre);

		if (!len)
			while (plen && pre[plen - 1] == ' ')
				plen--;
		buf_append(out, pre, plen);
		buf_append(out, s, len);
		buf_putc(out, '\n');
		s += len + (nl != NULL);
		pre = rest;
	}
}

static void
trim_end(struct buf *b)
{
	while (b->len && b->data[b->len - 1] == '\n')
		b->data[--b->len] = '\0';
}

static int
has_p(const xmlNode *li)
{
	for (li = li->children; li; li = li->next)
		if (is(li, "p"))
			return 1;
	return 0;
}

static void
list(const xmlNode *n, int alt, struct buf *out)
{
	char *start = prop(n, "start");
	long num = start ? strtol(start, NULL, 10) : 1;
	int ordered = is(n, "ol");
	const xmlNode *li;

	for (li = n->children; li; li = li->next) {
		struct buf in = BUF_INIT(0);
		char mark[32], indent[32];

		if (!is(li, "li"))
			continue;
		if (ordered)
			snprintf(mark, sizeof(mark), "%ld%c ", num++,
				 alt ? ')' : '.');
		else
			snprintf(mark, sizeof(mark), "%c ", alt ? '*' : '-');
		/* Items without paragraphs stay tight: "- one\n  - sub". */
		blocks(li->children, !has_p(li), &in);
		trim_end(&in);
		memset(indent, ' ', strlen(mark));
		indent[strlen(mark)] = '\0';
		if (in.len)
			prefixed(buf_str(&in), mark, indent, out);
		else	/* an empty item is still an item */
			buf_printf(out, "%.*s\n", (int)strlen(mark) - 1, mark);
		buf_release(&in);
	}
	buf_putc(out, '\n');
	xmlFree(start);
}

static void
code_block(const xmlNode *n, struct buf *out)
{
	struct buf b = BUF_INIT(0);
	const xmlNode *c;
	size_t ticks;

	/* The raw text: html_collect_text would fold the line breaks. */
	for (c = n->children; c; c = c->next) {
		const xmlNode *t = c->type == XML_TEXT_NODE ? c : c->children;

		for (; t; t = t == c ? NULL : t->next)
			if (t->type == XML_TEXT_NODE && t->content)
				buf_puts(&b, (const char *)t->content);
	}
	ticks = longest_run(buf_str(&b), '`') + 1;
	ticks = ticks < 3 ? 3 : ticks;
	fence(out, '`', ticks);
	buf_putc(out, '\n');
	buf_puts(out, buf_str(&b));
	if (b.len && b.data[b.len - 1] != '\n')
		buf_putc(out, '\n');
	fence(out, '`', ticks);
	buf_puts(out, "\n\n");
	buf_release(&b);
}

/* HTML for tables and definition lists, on lines without blank ones. */
static void
passthrough(const xmlNode *n, struct buf *out)
{
	const xmlNode *c;
	const xmlAttr *a;

	if (n->type == XML_TEXT_NODE && n->content) {
		struct buf t = BUF_INIT(0);
		char *p;

		html_escape(&t, (const char *)n->content, 0);
		for (p = t.data; p && *p; p++)
			*p = *p == '\n' ? ' ' : *p;
		buf_puts(out, buf_str(&t));
		buf_release(&t);
		return;
	}
	if (n->type != XML_ELEMENT_NODE)
		return;
	buf_printf(out, "<%s", (const char *)n->name);
	for (a = n->properties; a; a = a->next) {
		char *v = prop(n, (const char *)a->name);

		buf_printf(out, " %s=\"", (const char *)a->name);
		html_escape(out, v ? v : "", 1);
		buf_putc(out, '"');
		xmlFree(v);
	}
	buf_putc(out, '>');
	if (is(n, "br") || is(n, "hr") || is(n, "img"))
		return;
	for (c = n->children; c; c = c->next)
		passthrough(c, out);
	buf_printf(out, "</%s>", (const char *)n->name);
}

static void
block_one(const xmlNode *n, int *prev_list, struct buf *out)
{
	const char *name = (const char *)n->name;
	struct buf in = BUF_INIT(0);
	int was_list = *prev_list;

	*prev_list = 0;
	if (is(n, "p") || is(n, "figcaption") || is(n, "dt")) {
		inline_para(n->children, NULL, 0, out);
	} else if (name[0] == 'h' && name[1] >= '2' && name[1] <= '6') {
		inline_para(n->children, NULL, 0, &in);
		trim_end(&in);
		if (in.len) {
			fence(out, '#', (size_t)(name[1] - '0'));
			buf_putc(out, ' ');
			/* A heading is one line: hard breaks become spaces. */
			for (size_t i = 0; i < in.len; i++)
				if (!(in.data[i] == '\\' && in.data[i + 1] == '\n'))
					buf_putc(out, in.data[i] == '\n' ?
						 ' ' : in.data[i]);
			buf_puts(out, "\n\n");
		}
	} else if (is(n, "ul") || is(n, "ol")) {
		/* Only a list of the same kind would merge with this one. */
		list(n, was_list == name[0], out);
		*prev_list = name[0];
	} else if (is(n, "blockquote")) {
		blocks(n->children, 0, &in);
		trim_end(&in);
		prefixed(buf_str(&in), "> ", "> ", out);
		buf_putc(out, '\n');
	} else if (is(n, "pre")) {
		code_block(n, out);
	} else if (is(n, "hr")) {
		buf_puts(out, "* * *\n\n");
	} else if (is(n, "table") || is(n, "dl")) {
		passthrough(n, out);
		buf_puts(out, "\n\n");
	} else {
		blocks(n->children, 0, out);	/* figure and the like */
	}
	buf_release(&in);
}

/* Renders a run of siblings: inline runs become paragraphs. */
static void
blocks(const xmlNode *n, int tight, struct buf *out)
{
	int prev_list = 0;

	while (n) {
		const xmlNode *stop = n;

		while (stop && is_inline(stop))
			stop = stop->next;
		if (stop != n) {
			if (inline_para(n, stop, tight, out))
				prev_list = 0;
			n = stop;
			continue;
		}
		block_one(n, &prev_list, out);
		n = n->next;
	}
}

char *
html_to_markdown(const char *html)
{
	char *s = html_sanitize_big(html, strlen(html), NULL);
	htmlDocPtr doc = s ? html_parse(s, strlen(s), NULL) : NULL;
	struct buf out = BUF_INIT(0);
	xmlNode *root;

	free(s);
	if (!doc)
		return NULL;
	/* Sanitized output parses as html > body > blocks. */
	root = xmlDocGetRootElement(doc);
	for (root = root ? root->children : NULL; root; root = root->next)
		if (is(root, "body"))
			blocks(root->children, 0, &out);
	xmlFreeDoc(doc);
	trim_end(&out);
	if (out.len)
		buf_putc(&out, '\n');
	return buf_detach(&out);
}
