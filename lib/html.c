/*
 * html.c: model reply to safe HTML (JSON unwrapping, fence stripping,
 * Markdown through md4c, then sanitize.c), and readers of safe HTML: text,
 * word count, h2 list and figure insertion.  Every reader sanitizes first,
 * so each one sees the same small, shallow tree whatever it was given.
 * Input is scrubbed once: what html_scrub made is not scrubbed again (only
 * text that libxml2 decoded is, as it is escaped on the way out), and the
 * text of html_normalize's own output is read off its bytes instead of
 * being parsed once more (lex_text).
 */
#include "compat.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <md4c-html.h>
#include <utf8proc.h>

#include "buf.h"
#include "err.h"
#include "html.h"
#include "html_priv.h"

#define PARSE_OPTS                                                        \
	(HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |  \
	 HTML_PARSE_NODEFDTD | HTML_PARSE_IGNORE_ENC)

/* Internal documents (md4c output) may exceed HTML_MAX_INPUT. */
#define PARSE_MAX (256u << 20)

static pthread_once_t parser_once = PTHREAD_ONCE_INIT;

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

static int
scrub_char(const unsigned char *p, const unsigned char *end, size_t *adv,
	   struct buf *out)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t n = utf8proc_iterate(p, end - p, &cp);

	*adv = 1;
	if (*p == '\r') {
		*adv += p + 1 < end && p[1] == '\n';
		return buf_putc(out, '\n');
	}
	if (*p == '\n' || *p == '\t')
		return buf_putc(out, *p);
	if (*p == 0 || n < 0)
		return buf_puts(out, replacement);
	*adv = (size_t)n;
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xfeff)
		return 0;
	/* libxml2 rejects noncharacters; give it the replacement instead. */
	if ((cp & 0xfffe) == 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef))
		return buf_puts(out, replacement);
	return buf_append(out, p, (size_t)n);
}

enum { ESC_NONE, ESC_TEXT, ESC_ATTR };

#define BIT(c) ((uint64_t)1 << (c))

/*
 * Bit c set: the character c below 64 is kept as is (from 64 to 126 all
 * are).  Indexed by ESC_*; escaped characters are all below 64.
 */
static const uint64_t plain_low[] = {
	~(uint64_t)0 << 0x20,
	~(uint64_t)0 << 0x20 & ~(BIT('&') | BIT('<') | BIT('>')),
	~(uint64_t)0 << 0x20 & ~(BIT('&') | BIT('<') | BIT('>') | BIT('"')),
};

static int
plain(unsigned char c, int esc)
{
	return c < 64 ? (int)(plain_low[esc] >> c & 1) : c < 0x7f;
}

/* The entity that stands for c in the given escaping, or NULL. */
static const char *
entity(unsigned char c, int esc)
{
	if (esc == ESC_NONE)
		return NULL;
	if (c == '&')
		return "&amp;";
	if (c == '<')
		return "&lt;";
	if (c == '>')
		return "&gt;";
	return c == '"' && esc == ESC_ATTR ? "&quot;" : NULL;
}

/*
 * Scrubbing and escaping in one pass: escaping a scrubbed string equals
 * this, since scrubbing never makes one of the escaped characters.
 */
static int
scrub(const char *s, size_t len, int esc, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	const char *rep;
	size_t adv;
	int rc;

	while (p < end) {
		const unsigned char *q = p;

		while (q < end && plain(*q, esc))
			q++;
		if (q > p && buf_append(out, p, (size_t)(q - p)) < 0)
			return -1;
		if (q == end)
			break;
		rep = entity(*q, esc);
		adv = 1;
		rc = rep ? buf_puts(out, rep) : scrub_char(q, end, &adv, out);
		if (rc < 0)
			return -1;
		p = q + adv;
	}
	return 0;
}

int
html_scrub(const char *s, size_t len, struct buf *out)
{
	return scrub(s, len, ESC_NONE, out);
}

/*
 * Character references can put anything into libxml2's text ("&#xd;",
 * "&#x80;"), which html_parse would scrub when the output is read back:
 * scrub here too, so that the output is a fixed point.
 */
int
html_escape(struct buf *out, const char *s, int attr)
{
	return scrub(s, strlen(s), attr ? ESC_ATTR : ESC_TEXT, out);
}

static int
too_big(size_t len, struct ig_err *err)
{
	return ig_err_set(err, IG_EDATA, "html: input too big (%zu bytes, "
			  "limit %u)", len, len > PARSE_MAX ? PARSE_MAX :
			  HTML_MAX_INPUT);
}

/*
 * HTML5's void elements, and the obsolete ones browsers also parse as void
 * (HTML Living Standard, 13.1.2 "Elements", and 13.2.6.4.7 "in body").
 */
static const char *const void_tags[] = {
	"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame",
	"hr", "img", "input", "keygen", "link", "meta", "param", "source",
	"track", "wbr",
};

static int
is_void(const xmlChar *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(void_tags); i++)
		if (strcmp(void_tags[i], (const char *)name) == 0)
			return 1;
	return 0;
}

/*
 * libxml2 2.9 does not know embed, source, track, wbr or keygen as void:
 * it makes everything after "<embed>" its children, and dropping the embed
 * then dropped the rest of the article.  A browser closes them at once, so
 * move such children out, to follow the element as its siblings.
 */
static void
hoist_void_children(xmlDoc *doc)
{
	xmlNode *n = doc->children, *c, *at;

	/* Iterative: the nesting may be deep, the C stack is not. */
	while (n) {
		if (n->type == XML_ELEMENT_NODE && n->name && is_void(n->name))
			for (at = n; n->children; at = xmlAddNextSibling(at, c)) {
				c = n->children;
				xmlUnlinkNode(c);
			}
		if (n->children) {
			n = n->children;
			continue;
		}
		while (n && !n->next)
			n = n->parent == (xmlNode *)doc ? NULL : n->parent;
		if (n)
			n = n->next;
	}
}

/* Parses s, which html_scrub made: it has nothing left to scrub. */
static htmlDocPtr
parse_scrubbed(const char *s, size_t len, struct ig_err *err)
{
	htmlDocPtr doc;

	pthread_once(&parser_once, xmlInitParser);
	doc = len ? htmlReadMemory(s, (int)len, NULL, "UTF-8", PARSE_OPTS)
		  : NULL;
	if (doc)
		hoist_void_children(doc);
	if (!doc)	/* empty input: libxml2 gives no document at all */
		doc = htmlNewDocNoDtD(NULL, NULL);
	if (!doc)
		ig_err_set(err, IG_ESOFTWARE, "html: out of memory");
	return doc;
}

htmlDocPtr
html_parse(const char *s, size_t len, struct ig_err *err)
{
	struct buf b = BUF_INIT(0);
	htmlDocPtr doc = NULL;

	/* Scrubbing at most triples it; libxml2 takes an int length. */
	if (len > PARSE_MAX) {
		too_big(len, err);
		return NULL;
	}
	if (html_scrub(s, len, &b) < 0)
		ig_err_set(err, IG_ESOFTWARE, "html: out of memory");
	else
		doc = parse_scrubbed(buf_str(&b), b.len, err);
	buf_release(&b);
	return doc;
}

static char *
serialize(htmlDocPtr doc, struct ig_err *err)
{
	struct buf out = BUF_INIT(0);

	if (html_sanitize_doc(doc, &out) < 0) {
		buf_release(&out);
		ig_err_set(err, IG_ESOFTWARE, "html: out of memory");
		return NULL;
	}
	return buf_detach(&out);
}

/* Serializes doc (NULL: a failed parse, err already set) and frees it. */
static char *
serialize_free(htmlDocPtr doc, struct ig_err *err)
{
	char *s;

	if (!doc)
		return NULL;
	s = serialize(doc, err);
	xmlFreeDoc(doc);
	return s;
}

char *
html_sanitize_big(const char *html, size_t len, struct ig_err *err)
{
	return serialize_free(html_parse(html, len, err), err);
}

char *
html_sanitize(const char *html, size_t len, struct ig_err *err)
{
	if (len > HTML_MAX_INPUT) {
		too_big(len, err);
		return NULL;
	}
	return html_sanitize_big(html, len, err);
}

/* html_sanitize for text html_scrub made, without scrubbing it again. */
static char *
sanitize_scrubbed(const char *s, size_t len, struct ig_err *err)
{
	if (len > HTML_MAX_INPUT) {
		too_big(len, err);
		return NULL;
	}
	return serialize_free(parse_scrubbed(s, len, err), err);
}

/* Sanitizes, then parses the result: the tree every reader walks. */
static htmlDocPtr
clean_doc(const char *html)
{
	char *s = html_sanitize_big(html, strlen(html), NULL);
	htmlDocPtr doc;

	if (!s)
		return NULL;
	doc = html_parse(s, strlen(s), NULL);
	free(s);
	return doc;
}

/* The <body> of a parsed document, created when the document is empty. */
static xmlNode *
body_of(htmlDocPtr doc)
{
	xmlNode *root = xmlDocGetRootElement(doc), *n;

	if (!root) {
		root = xmlNewDocNode(doc, NULL, BAD_CAST "html", NULL);
		if (!root)
			return NULL;
		xmlDocSetRootElement(doc, root);
	}
	for (n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, "body") == 0)
			return n;
	return xmlNewChild(root, NULL, BAD_CAST "body", NULL);
}

/* ---- visible text ---- */

struct text {
	struct buf *out;
	int space;	/* white space seen since the last word */
	int nl;		/* a block ended since the last word */
};

static int
is_inline(const char *name, size_t len)
{
	static const char *const names[] = { "a", "b", "code", "del", "em",
		"i", "img", "strong", "sub", "sup" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return 1;
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Starts a word with what the blanks and blocks before it ask for. */
static void
text_sep(struct text *t)
{
	const struct buf *b = t->out;

	if (b->len && t->nl)
		buf_putc(t->out, '\n');
	else if (b->len && t->space && b->data[b->len - 1] != '\n')
		buf_putc(t->out, ' ');
	t->nl = t->space = 0;
}

/* The end of the words from s on that single spaces join. */
static const char *
words_end(const char *s, const char *end)
{
	for (;;) {
		while (s < end && !is_blank(*s))
			s++;
		if (end - s < 2 || *s != ' ' || is_blank(s[1]))
			return s;
		s++;
	}
}

/*
 * Appends n bytes of text; outside <pre>, blank runs only separate words.
 * Words joined by one space come out as they are, so they go in at once.
 */
static void
text_put(struct text *t, const char *s, size_t n, int pre)
{
	const char *end = s + n, *run;

	if (pre) {
		if (n)
			text_sep(t);
		buf_append(t->out, s, n);
		return;
	}
	while (s < end) {
		for (; s < end && is_blank(*s); s++)
			t->space = 1;
		run = s;
		s = words_end(s, end);
		if (s > run) {
			text_sep(t);
			buf_append(t->out, run, (size_t)(s - run));
		}
	}
}

static void
text_walk(struct text *t, const xmlNode *n, int pre)
{
	for (; n; n = n->next) {
		const char *name = (const char *)n->name;
		int block;

		if (n->type == XML_TEXT_NODE && n->content) {
			const char *text = (const char *)n->content;

			text_put(t, text, strlen(text), pre);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp(name, "br") == 0) {
			t->nl = 1;
			continue;
		}
		block = !is_inline(name, strlen(name));
		t->nl |= block;
		text_walk(t, n->children, pre || strcmp(name, "pre") == 0);
		t->nl |= block;
	}
}

void
html_collect_text(const xmlNode *n, struct buf *out)
{
	struct text t = { out, 0, 0 };

	text_walk(&t, n->children, 0);
}

/* A character reference in sanitized text: one of html_escape's. */
static const char *
lex_ref(struct text *t, const char *s, int pre)
{
	static const char *const refs[] = { "&amp;", "&lt;", "&gt;",
		"&quot;" };
	static const char chars[] = "&<>\"";
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		n = strlen(refs[i]);
		if (strncmp(s, refs[i], n) == 0) {
			text_put(t, &chars[i], 1, pre);
			return s + n;
		}
	}
	text_put(t, s, 1, pre);
	return s + 1;
}

/* A tag: the element starts or ends as text_walk would see it. */
static const char *
lex_tag(struct text *t, const char *s, int *pre)
{
	int end_tag = s[1] == '/';
	const char *name = s + 1 + end_tag, *gt = strchr(name, '>');
	size_t len = strcspn(name, " />");

	if (len == 3 && memcmp(name, "pre", 3) == 0)
		*pre += end_tag ? -1 : 1;
	t->nl |= !is_inline(name, len);	/* <br> too */
	return gt ? gt + 1 : name + strlen(name);
}

/*
 * What text_walk gives for sanitized HTML, read off its bytes instead of a
 * parse.  Sound only for html_sanitize's output: that is a fixed point, so
 * libxml2 parses it to just the elements its tags spell, in that nesting,
 * and its text holds no references but html_escape's.  Blanks that libxml2
 * may drop between blocks do not matter, a block's line break wins.
 */
static void
lex_text(struct text *t, const char *s)
{
	int pre = 0;

	while (*s) {
		size_t n = strcspn(s, "<&");

		text_put(t, s, n, pre > 0);
		s += n;
		if (*s == '&')
			s = lex_ref(t, s, pre > 0);
		else if (*s == '<')
			s = lex_tag(t, s, &pre);
	}
}

/* The final newline and the cut html_to_text makes. */
static char *
text_finish(struct buf *out, size_t maxlen)
{
	char *s;

	if (out->len)
		buf_putc(out, '\n');
	s = buf_detach(out);
	if (s)
		html_text_cut(s, maxlen);
	return s;
}

/* html_to_text(html, 0) for html that html_sanitize made. */
static char *
sanitized_text(const char *html)
{
	struct buf out = BUF_INIT(0);
	struct text t = { &out, 0, 0 };

	lex_text(&t, html);
	return text_finish(&out, 0);
}

char *
html_to_text(const char *html, size_t maxlen)
{
	htmlDocPtr doc = clean_doc(html);
	struct buf out = BUF_INIT(0);
	struct text t = { &out, 0, 0 };

	if (!doc)
		return NULL;
	text_walk(&t, doc->children, 0);
	xmlFreeDoc(doc);
	return text_finish(&out, maxlen);
}

void
html_text_cut(char *text, size_t maxlen)
{
	size_t n = maxlen;

	if (!maxlen || strlen(text) <= maxlen)
		return;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	text[n] = '\0';
}

/*
 * The length of the white space at p: ASCII (isspace in the C locale, which
 * the binaries never leave) or U+00A0, which models like between words; 0
 * when there is none.
 */
static size_t
space_len(const unsigned char *p)
{
	if (*p > ' ')
		return *p == 0xc2 && p[1] == 0xa0 ? 2 : 0;
	return *p == ' ' || (*p >= '\t' && *p <= '\r');
}

size_t
html_text_words(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t words = 0;

	for (;;) {
		while (space_len(p))
			p += space_len(p);
		if (!*p)
			return words;
		words++;
		while (*p && !space_len(p))
			p++;
	}
}

size_t
html_word_count(const char *html)
{
	char *s = html_to_text(html, 0);
	size_t words;

	if (!s)
		return 0;
	words = html_text_words(s);
	free(s);
	return words;
}

/* ---- headings and figures ---- */

static int
is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

/* Heading text with white space collapsed; NULL when out of memory. */
static char *
heading_text(const xmlNode *h)
{
	struct buf b = BUF_INIT(0);

	html_collect_text(h, &b);
	return buf_detach(&b);
}

char **
html_h2_list(const char *html, size_t *n_out)
{
	htmlDocPtr doc = clean_doc(html);
	xmlNode *body, *n;
	char **v = NULL, **nv;
	size_t len = 0;

	if (!doc)
		return NULL;
	body = body_of(doc);
	v = calloc(1, sizeof(*v));
	for (n = body ? body->children : NULL; v && n; n = n->next) {
		if (!is_elem(n, "h2"))
			continue;
		nv = realloc(v, (len + 2) * sizeof(*v));
		if (!nv) {
			html_strv_free(v);
			v = NULL;
			break;
		}
		v = nv;
		v[len] = heading_text(n);
		v[++len] = NULL;
	}
	xmlFreeDoc(doc);
	if (v && n_out)
		*n_out = len;
	return v;
}

void
html_strv_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Scrubbed, blanks collapsed, NFKC case-folded: how headings are matched. */
static char *
match_key(const char *s)
{
	struct buf raw = BUF_INIT(0), col = BUF_INIT(0);
	utf8proc_uint8_t *folded = NULL;
	const char *p;
	int space = 0;

	if (html_scrub(s, strlen(s), &raw) < 0)
		goto out;
	for (p = buf_str(&raw); *p; p++) {
		if (strchr(" \t\n\f", *p)) {
			space = col.len > 0;
			continue;
		}
		if (space)
			buf_putc(&col, ' ');
		space = 0;
		buf_putc(&col, *p);
	}
	utf8proc_map((const utf8proc_uint8_t *)buf_str(&col), 0, &folded,
		     UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
			     UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
out:
	buf_release(&raw);
	buf_release(&col);
	return (char *)folded;
}

/* The top-level h2 matching key, or NULL. */
static xmlNode *
find_h2(xmlNode *body, const char *key)
{
	xmlNode *n;

	for (n = body->children; n; n = n->next) {
		char *text, *k;
		int same;

		if (!is_elem(n, "h2"))
			continue;
		text = heading_text(n);
		k = text ? match_key(text) : NULL;
		same = k && strcmp(k, key) == 0;
		free(text);
		free(k);
		if (same)
			return n;
	}
	return NULL;
}

static int
has_img(const xmlNode *n, const char *src)
{
	for (; n; n = n->next) {
		xmlChar *v;
		int same;

		if (is_elem(n, "img")) {
			v = xmlGetProp(n, BAD_CAST "src");
			same = v && strcmp((const char *)v, src) == 0;
			xmlFree(v);
			if (same)
				return 1;
		}
		if (has_img(n->children, src))
			return 1;
	}
	return 0;
}

static xmlNode *
new_figure(htmlDocPtr doc, const struct html_figure *f)
{
	xmlNode *fig = xmlNewDocNode(doc, NULL, BAD_CAST "figure", NULL);
	xmlNode *img = xmlNewDocNode(doc, NULL, BAD_CAST "img", NULL);
	xmlNode *cap;

	if (!fig || !img) {
		xmlFreeNode(fig);
		xmlFreeNode(img);
		return NULL;
	}
	xmlAddChild(fig, img);
	xmlSetProp(img, BAD_CAST "src", BAD_CAST f->src);
	if (f->alt)
		xmlSetProp(img, BAD_CAST "alt", BAD_CAST f->alt);
	if (f->caption && *f->caption) {
		cap = xmlNewChild(fig, NULL, BAD_CAST "figcaption", NULL);
		if (cap)
			xmlAddChild(cap, xmlNewDocText(doc,
						       BAD_CAST f->caption));
	}
	return fig;
}

/* Inserts one figure at the end of its section; 1 if inserted. */
static int
insert_one(htmlDocPtr doc, xmlNode *body, const struct html_figure *f)
{
	xmlNode *h = NULL, *fig, *next = NULL;
	char *key;

	if (has_img(body, f->src))
		return 0;
	if (f->after_h2) {
		key = match_key(f->after_h2);
		h = key ? find_h2(body, key) : NULL;
		free(key);
	}
	for (next = h ? h->next : NULL; next; next = next->next)
		if (is_elem(next, "h2"))
			break;
	fig = new_figure(doc, f);
	if (!fig)
		return -1;
	if (next)
		xmlAddPrevSibling(next, fig);
	else
		xmlAddChild(body, fig);
	return 1;
}

char *
html_insert_figures(const char *html, const struct html_figure *figs,
		    size_t nfigs, size_t *ninserted_out, struct ig_err *err)
{
	htmlDocPtr doc;
	xmlNode *body;
	size_t i, count = 0;
	char *s;
	int rc = 0;

	for (i = 0; i < nfigs; i++)
		if (!figs[i].src || !*figs[i].src ||
		    !html_url_ok(figs[i].src)) {
			ig_err_set(err, IG_EDATA, "html: figure %zu: unsafe "
				   "or empty image URL", i + 1);
			return NULL;
		}
	s = html_sanitize_big(html, strlen(html), err);
	doc = s ? html_parse(s, strlen(s), err) : NULL;
	free(s);
	if (!doc)
		return NULL;
	body = body_of(doc);
	for (i = 0; body && rc >= 0 && i < nfigs; i++) {
		rc = insert_one(doc, body, &figs[i]);
		count += rc > 0;
	}
	s = body && rc >= 0 ? serialize(doc, err) : NULL;
	if (!s && (!body || rc < 0))
		ig_err_set(err, IG_ESOFTWARE, "html: out of memory");
	xmlFreeDoc(doc);
	if (s && ninserted_out)
		*ninserted_out = count;
	return s;
}

/* ---- model replies ---- */

static const char *
trim(const char *s, size_t *len)
{
	while (*len && isspace((unsigned char)*s))
		s++, (*len)--;
	while (*len && isspace((unsigned char)s[*len - 1]))
		(*len)--;
	return s;
}

/*
 * A JSON object's body/content/html string, or a JSON string, copied;
 * NULL (and *bad set for an object without them) when not JSON like that.
 */
static char *
json_text(const char *s, size_t len, int *bad)
{
	static const char *const keys[] = { "body", "content", "html" };
	cJSON *j, *v = NULL;
	char *copy = NULL;
	size_t i;

	*bad = 0;
	if (!len || (*s != '{' && *s != '"'))
		return NULL;
	j = cJSON_ParseWithLength(s, len);
	if (cJSON_IsString(j))
		v = j;
	for (i = 0; cJSON_IsObject(j) && !v && i < ARRAY_SIZE(keys); i++) {
		v = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
		if (!cJSON_IsString(v))
			v = NULL;
	}
	if (v && v->valuestring)
		copy = strdup(v->valuestring);
	else if (cJSON_IsObject(j))
		*bad = 1;
	cJSON_Delete(j);
	return copy;
}

/* Lines of s starting with ``` (or ~~~), not counting the first. */
static int
inner_fences(const char *s, size_t len)
{
	const char *p = memchr(s, '\n', len), *end = s + len;
	int n = 0;

	while (p && p + 1 < end) {
		p++;
		if (end - p >= 3 && (!strncmp(p, "```", 3) ||
				     !strncmp(p, "~~~", 3)))
			n++;
		p = memchr(p, '\n', (size_t)(end - p));
	}
	return n;
}

/* Strips a fence around the whole reply; its language may set the hint. */
static const char *
unfence(const char *s, size_t *len, enum html_input *hint)
{
	const char *nl, *lang = s + 3;
	size_t llen, n;
	int closed;

	if (*len < 3 || (strncmp(s, "```", 3) && strncmp(s, "~~~", 3)))
		return s;
	nl = memchr(s, '\n', *len);
	if (!nl)
		return s;
	llen = (size_t)(nl - lang);
	trim(lang, &llen);
	n = *len;
	closed = n >= 7 && !strncmp(s + n - 3, s, 3) && s[n - 4] == '\n';
	/* Another fence inside means a code block, not a wrapper. */
	if (inner_fences(s, n) != closed)
		return s;
	if (llen == 4 && !strncasecmp(lang, "html", 4))
		*hint = *hint == HTML_IN_AUTO ? HTML_IN_HTML : *hint;
	else if ((llen == 8 && !strncasecmp(lang, "markdown", 8)) ||
		 (llen == 2 && !strncasecmp(lang, "md", 2)))
		*hint = *hint == HTML_IN_AUTO ? HTML_IN_MARKDOWN : *hint;
	else if (llen)
		return s;
	*len = (size_t)(s + n - (closed ? 3 : 0) - (nl + 1));
	return nl + 1;
}

/* A Markdown heading or fence opens the line at q. */
static int
md_line(const char *q)
{
	size_t n = strspn(q, "#");

	return (n >= 1 && n <= 6 && q[n] == ' ') || !strncmp(q, "```", 3);
}

/* A block-level start or end tag at p, a '<'. */
static int
block_tag(const char *p, const char *end)
{
	static const char *const blocks[] = { "p", "div", "h1", "h2", "h3",
		"h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "td",
		"blockquote", "pre", "br", "hr", "section", "article", "main",
		"header", "footer", "html", "body", "figure", "dl" };
	const char *q = p + 1 + (p[1] == '/');
	size_t n = (size_t)(end - q), i, bl;

	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		bl = strlen(blocks[i]);
		if (n > bl && !strncasecmp(q, blocks[i], bl) &&
		    strchr(" \t\n\r/>", q[bl]))
			return 1;
	}
	return 0;
}

/*
 * Block-level tags and no Markdown headings or fences: HTML.  Once a tag
 * is found only line starts matter, and memchr finds those.
 */
static int
looks_html(const char *s, size_t len)
{
	const char *p = s, *end = s + len, *eol;
	int tags = 0;

	while (p < end) {
		if (md_line(p))
			return 0;
		eol = memchr(p, '\n', (size_t)(end - p));
		for (; !tags && p < (eol ? eol : end); p++)
			if (*p == '<')
				tags = block_tag(p, end);
		p = eol ? eol + 1 : end;
	}
	return tags;
}

static void
md_out(const MD_CHAR *text, MD_SIZE size, void *ud)
{
	buf_append(ud, text, size);
}

static char *
markdown(const char *s, size_t len, struct ig_err *err)
{
	struct buf b = BUF_INIT(0);
	char *html;
	unsigned flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH |
			 MD_FLAG_PERMISSIVEAUTOLINKS;

	if (md_html(s, (MD_SIZE)len, md_out, &b, flags, 0) != 0) {
		buf_release(&b);
		ig_err_set(err, IG_EDATA, "html: markdown conversion failed");
		return NULL;
	}
	/* Escapes can make md4c's output several times the input. */
	html = html_sanitize_big(buf_str(&b), b.len, err);
	buf_release(&b);
	return html;
}

/* Sanitized output shows something: an image or text outside tags. */
static int
has_content(const char *html)
{
	const char *p;

	for (p = html; *p; p++) {
		if (*p == '<') {
			if (!strncmp(p, "<img ", 5))
				return 1;
			p += strcspn(p, ">");
			if (!*p)
				break;
		} else if (!isspace((unsigned char)*p)) {
			return 1;
		}
	}
	return 0;
}

/* The rest of html_normalize, for a reply html_scrub made. */
static char *
convert_clean(const char *s, size_t len, enum html_input hint,
	      struct ig_err *err)
{
	char *html;

	s = trim(s, &len);
	s = unfence(s, &len, &hint);
	s = trim(s, &len);
	if (hint == HTML_IN_AUTO)
		hint = looks_html(s, len) ? HTML_IN_HTML : HTML_IN_MARKDOWN;
	html = hint == HTML_IN_HTML ? sanitize_scrubbed(s, len, err)
				    : markdown(s, len, err);
	if (!html)
		return NULL;
	if (!has_content(html)) {
		free(html);
		ig_err_set(err, IG_EDATA, "html: no content left after "
			   "sanitizing");
		return NULL;
	}
	return html;
}

/*
 * Scrubs first: the helpers above may then look past the end of a slice,
 * at worst reaching the terminating NUL, and md4c and cJSON see no NULs.
 */
static char *
convert(const char *s, size_t len, enum html_input hint, struct ig_err *err)
{
	struct buf b = BUF_INIT(0);
	char *html = NULL;

	if (html_scrub(s, len, &b) < 0)
		ig_err_set(err, IG_ESOFTWARE, "html: out of memory");
	else
		html = convert_clean(buf_str(&b), b.len, hint, err);
	buf_release(&b);
	return html;
}

static char *
normalize(const char *reply, size_t len, enum html_input hint,
	  struct ig_err *err)
{
	struct buf b = BUF_INIT(0);
	char *inner = NULL, *html = NULL;
	const char *s;
	int bad = 0;

	if (len > HTML_MAX_INPUT) {
		too_big(len, err);
		return NULL;
	}
	if (html_scrub(reply, len, &b) < 0) {
		ig_err_set(err, IG_ESOFTWARE, "html: out of memory");
		goto out;
	}
	len = b.len;
	s = trim(buf_str(&b), &len);
	if (!len) {
		ig_err_set(err, IG_EDATA, "html: empty reply");
		goto out;
	}
	/* End the slice at the NUL, as a copy would: looks_html reads on. */
	b.data[s - b.data + len] = '\0';
	inner = json_text(s, len, &bad);
	if (bad)
		ig_err_set(err, IG_EDATA, "html: JSON reply has no \"body\", "
			   "\"content\" or \"html\" string");
	else if (inner)	/* unescaped JSON may hold anything */
		html = convert(inner, strlen(inner), hint, err);
	else
		html = convert_clean(s, len, hint, err);
out:
	free(inner);
	buf_release(&b);
	return html;
}

char *
html_normalize(const char *reply, size_t len, enum html_input hint,
	       char **text_out, struct ig_err *err)
{
	char *html = normalize(reply, len, hint, err);

	if (text_out)
		*text_out = html ? sanitized_text(html) : NULL;
	if (text_out && html && !*text_out) {
		free(html);
		ig_err_set(err, IG_ESOFTWARE, "html: out of memory");
		return NULL;
	}
	return html;
}
