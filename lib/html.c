/*
 * html.c: model reply to safe HTML (JSON unwrapping, fence stripping,
 * Markdown through md4c, then sanitize.c), and readers of safe HTML: text,
 * word count, h2 list and figure insertion.  Every reader sanitizes first,
 * so each one sees the same small, shallow tree whatever it was given.
 */
#include "compat.h"

#include <ctype.h>
#include <pthread.h>
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

int
html_scrub(const char *s, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t adv;

	while (p < end) {
		const unsigned char *q = p;

		while (q < end && *q >= 0x20 && *q < 0x7f)
			q++;
		if (q > p && buf_append(out, p, (size_t)(q - p)) < 0)
			return -1;
		if (q == end)
			break;
		if (scrub_char(q, end, &adv, out) < 0)
			return -1;
		p = q + adv;
	}
	return 0;
}

static int
too_big(size_t len, struct ig_err *err)
{
	return ig_err_set(err, IG_EDATA, "html: input too big (%zu bytes, "
			  "limit %u)", len, len > PARSE_MAX ? PARSE_MAX :
			  HTML_MAX_INPUT);
}

htmlDocPtr
html_parse(const char *s, size_t len, struct ig_err *err)
{
	struct buf b = BUF_INIT(0);
	htmlDocPtr doc;

	/* Scrubbing at most triples it; libxml2 takes an int length. */
	if (len > PARSE_MAX) {
		too_big(len, err);
		return NULL;
	}
	pthread_once(&parser_once, xmlInitParser);
	if (html_scrub(s, len, &b) < 0) {
		buf_release(&b);
		ig_err_set(err, IG_ESOFTWARE, "html: out of memory");
		return NULL;
	}
	doc = b.len ? htmlReadMemory(b.data, (int)b.len, NULL, "UTF-8",
				     PARSE_OPTS) : NULL;
	buf_release(&b);
	if (!doc)	/* empty input: libxml2 gives no document at all */
		doc = htmlNewDocNoDtD(NULL, NULL);
	if (!doc)
		ig_err_set(err, IG_ESOFTWARE, "html: out of memory");
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

char *
html_sanitize_big(const char *html, size_t len, struct ig_err *err)
{
	htmlDocPtr doc = html_parse(html, len, err);
	char *s;

	if (!doc)
		return NULL;
	s = serialize(doc, err);
	xmlFreeDoc(doc);
	return s;
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
is_inline(const xmlChar *name)
{
	static const char *const names[] = { "a", "b", "code", "del", "em",
		"i", "img", "strong", "sub", "sup" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(names[i], (const char *)name) == 0)
			return 1;
	return 0;
}

static void
text_put(struct text *t, const char *s, int pre)
{
	for (; *s; s++) {
		if (!pre && strchr(" \t\n\r\f", *s)) {
			t->space = 1;
			continue;
		}
		if (t->out->len && t->nl)
			buf_putc(t->out, '\n');
		else if (t->out->len && t->space &&
			 t->out->data[t->out->len - 1] != '\n')
			buf_putc(t->out, ' ');
		t->nl = t->space = 0;
		buf_putc(t->out, *s);
	}
}

static void
text_walk(struct text *t, const xmlNode *n, int pre)
{
	for (; n; n = n->next) {
		const char *name = (const char *)n->name;

		if (n->type == XML_TEXT_NODE && n->content) {
			text_put(t, (const char *)n->content, pre);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp(name, "br") == 0) {
			t->nl = 1;
			continue;
		}
		if (!is_inline(n->name))
			t->nl = 1;
		text_walk(t, n->children, pre || strcmp(name, "pre") == 0);
		if (!is_inline(n->name))
			t->nl = 1;
	}
}

void
html_collect_text(const xmlNode *n, struct buf *out)
{
	struct text t = { out, 0, 0 };

	text_walk(&t, n->children, 0);
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
	if (out.len)
		buf_putc(&out, '\n');
	if (maxlen && out.len > maxlen) {
		size_t n = maxlen;

		while (n > 0 && (out.data[n] & 0xc0) == 0x80)
			n--;
		out.data[n] = '\0';
		out.len = n;
	}
	return buf_detach(&out);
}

size_t
html_word_count(const char *html)
{
	char *s = html_to_text(html, 0);
	const unsigned char *p;
	size_t words = 0;
	int in_word = 0;

	if (!s)
		return 0;
	for (p = (const unsigned char *)s; *p; p++) {
		/* ASCII blanks and U+00A0, which models like between words */
		int sp = isspace(*p) || (p[0] == 0xc2 && p[1] == 0xa0);

		if (sp && *p == 0xc2)
			p++;
		words += !sp && !in_word;
		in_word = !sp;
	}
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

/* Block-level tags and no Markdown headings or fences: HTML. */
static int
looks_html(const char *s, size_t len)
{
	static const char *const blocks[] = { "p", "div", "h1", "h2", "h3",
		"h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "td",
		"blockquote", "pre", "br", "hr", "section", "article", "main",
		"header", "footer", "html", "body", "figure", "dl" };
	const char *p, *end = s + len;
	int tags = 0;
	size_t i, n;

	for (p = s; p < end; p++) {
		if (*p == '\n' || p == s) {
			const char *q = p + (*p == '\n');

			n = strspn(q, "#");
			if ((n >= 1 && n <= 6 && q[n] == ' ') ||
			    !strncmp(q, "```", 3))
				return 0;
		}
		if (*p != '<' || tags)
			continue;
		n = (size_t)(end - p - 1 - (p[1] == '/'));
		for (i = 0; i < ARRAY_SIZE(blocks); i++) {
			const char *q = p + 1 + (p[1] == '/');
			size_t bl = strlen(blocks[i]);

			if (n > bl && !strncasecmp(q, blocks[i], bl) &&
			    strchr(" \t\n\r/>", q[bl]))
				tags = 1;
		}
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
	html = hint == HTML_IN_HTML ? html_sanitize(s, len, err)
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
 * Scrubs first: the helpers above may then look one byte past a slice,
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

char *
html_normalize(const char *text, size_t len, enum html_input hint,
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
	if (html_scrub(text, len, &b) < 0) {
		ig_err_set(err, IG_ESOFTWARE, "html: out of memory");
		goto out;
	}
	len = b.len;
	s = trim(buf_str(&b), &len);
	if (!len) {
		ig_err_set(err, IG_EDATA, "html: empty reply");
		goto out;
	}
	inner = json_text(s, len, &bad);
	if (bad)
		ig_err_set(err, IG_EDATA, "html: JSON reply has no \"body\", "
			   "\"content\" or \"html\" string");
	else if (inner)
		html = convert(inner, strlen(inner), hint, err);
	else
		html = convert(s, len, hint, err);
out:
	free(inner);
	buf_release(&b);
	return html;
}
