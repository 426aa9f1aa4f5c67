/*
 * sanitize.c: the allowlist walker that re-serializes a libxml2 HTML tree.
 *
 * Design note.  The output must be safe and also a fixed point: parsing it
 * again with libxml2 and walking it must give the same bytes.  libxml2
 * keeps every text node and never re-nests what it has parsed, so trouble
 * only comes from what this walker changes (unwrapping, dropping).  The
 * walker therefore enforces a small content model of its own on the output:
 * each output element is a frame with a context saying what it may hold
 * (inline only, flow, list items, rows, ...).  An item that does not fit is
 * either wrapped in an implied element (text at the top level gets a <p>,
 * stray content in a <ul> an <li>, in a <table> a <tr><td>) or unwrapped
 * (a <ul> inside a <p> leaves only its text).  Since the output obeys the
 * model, the second walk finds nothing to change.
 */
#include "compat.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "buf.h"
#include "html.h"
#include "html_priv.h"

/* Where an element may stand (its kind) ... */
enum { K_INLINE, K_BLOCK, K_LI, K_DTDD, K_TSECT, K_TR, K_CELL, K_FIGCAP };

/* ... and what its children may be (its context). */
enum { C_TOP, C_INLINE, C_FLOW, C_FIGURE, C_LIST, C_DL, C_TABLE, C_TSECT,
	C_ROW };

#define TF_DROP 1	/* drop with all contents */
#define TF_VOID 2	/* no end tag, no children */
#define TF_BREAK 4	/* unwrapping it separates words and paragraphs */

static const char *const a_attrs[] = { "href", "title", NULL };
static const char *const img_attrs[] = { "src", "alt", "width", "height",
	NULL };
static const char *const cell_attrs[] = { "colspan", "rowspan", NULL };
static const char *const ol_attrs[] = { "start", NULL };

struct tag {
	const char *name;		/* libxml2 lower-cases names */
	const char *out;		/* emitted as; NULL: unwrapped or dropped */
	unsigned char kind;		/* K_* */
	unsigned char ctx;		/* C_* of its children */
	unsigned char flags;		/* TF_* */
	const char *const *attrs;	/* allowed attributes, in output order */
};

static const struct tag tags[] = {
	{ "a", "a", K_INLINE, C_INLINE, 0, a_attrs },
	{ "b", "b", K_INLINE, C_INLINE, 0, NULL },
	{ "blockquote", "blockquote", K_BLOCK, C_FLOW, 0, NULL },
	{ "br", "br", K_INLINE, C_INLINE, TF_VOID, NULL },
	{ "code", "code", K_INLINE, C_INLINE, 0, NULL },
	{ "dd", "dd", K_DTDD, C_FLOW, 0, NULL },
	{ "del", "del", K_INLINE, C_INLINE, 0, NULL },
	{ "dl", "dl", K_BLOCK, C_DL, 0, NULL },
	{ "dt", "dt", K_DTDD, C_INLINE, 0, NULL },
	{ "em", "em", K_INLINE, C_INLINE, 0, NULL },
	{ "figcaption", "figcaption", K_FIGCAP, C_INLINE, 0, NULL },
	{ "figure", "figure", K_BLOCK, C_FIGURE, 0, NULL },
	{ "h1", "h2", K_BLOCK, C_INLINE, 0, NULL },
	{ "h2", "h2", K_BLOCK, C_INLINE, 0, NULL },
	{ "h3", "h3", K_BLOCK, C_INLINE, 0, NULL },
	{ "h4", "h4", K_BLOCK, C_INLINE, 0, NULL },
	{ "h5", "h5", K_BLOCK, C_INLINE, 0, NULL },
	{ "h6", "h6", K_BLOCK, C_INLINE, 0, NULL },
	{ "hr", "hr", K_BLOCK, C_INLINE, TF_VOID, NULL },
	{ "i", "i", K_INLINE, C_INLINE, 0, NULL },
	{ "img", "img", K_INLINE, C_INLINE, TF_VOID, img_attrs },
	{ "li", "li", K_LI, C_FLOW, 0, NULL },
	{ "ol", "ol", K_BLOCK, C_LIST, 0, ol_attrs },
	{ "p", "p", K_BLOCK, C_INLINE, 0, NULL },
	{ "pre", "pre", K_BLOCK, C_INLINE, 0, NULL },
	{ "strong", "strong", K_INLINE, C_INLINE, 0, NULL },
	{ "sub", "sub", K_INLINE, C_INLINE, 0, NULL },
	{ "sup", "sup", K_INLINE, C_INLINE, 0, NULL },
	{ "table", "table", K_BLOCK, C_TABLE, 0, NULL },
	{ "tbody", "tbody", K_TSECT, C_TSECT, 0, NULL },
	{ "td", "td", K_CELL, C_FLOW, 0, cell_attrs },
	{ "th", "th", K_CELL, C_FLOW, 0, cell_attrs },
	{ "thead", "thead", K_TSECT, C_TSECT, 0, NULL },
	{ "tr", "tr", K_TR, C_ROW, 0, NULL },
	{ "ul", "ul", K_BLOCK, C_LIST, 0, NULL },
	/* dropped with everything inside */
	{ "applet", NULL, 0, 0, TF_DROP, NULL },
	{ "area", NULL, 0, 0, TF_DROP, NULL },
	{ "audio", NULL, 0, 0, TF_DROP, NULL },
	{ "base", NULL, 0, 0, TF_DROP, NULL },
	{ "button", NULL, 0, 0, TF_DROP, NULL },
	{ "canvas", NULL, 0, 0, TF_DROP, NULL },
	{ "datalist", NULL, 0, 0, TF_DROP, NULL },
	{ "dialog", NULL, 0, 0, TF_DROP, NULL },
	{ "embed", NULL, 0, 0, TF_DROP, NULL },
	{ "form", NULL, 0, 0, TF_DROP, NULL },
	{ "frame", NULL, 0, 0, TF_DROP, NULL },
	{ "frameset", NULL, 0, 0, TF_DROP, NULL },
	{ "head", NULL, 0, 0, TF_DROP, NULL },
	{ "iframe", NULL, 0, 0, TF_DROP, NULL },
	{ "input", NULL, 0, 0, TF_DROP, NULL },
	{ "link", NULL, 0, 0, TF_DROP, NULL },
	{ "map", NULL, 0, 0, TF_DROP, NULL },
	{ "math", NULL, 0, 0, TF_DROP, NULL },
	{ "meta", NULL, 0, 0, TF_DROP, NULL },
	{ "noembed", NULL, 0, 0, TF_DROP, NULL },
	{ "noframes", NULL, 0, 0, TF_DROP, NULL },
	{ "noscript", NULL, 0, 0, TF_DROP, NULL },
	{ "object", NULL, 0, 0, TF_DROP, NULL },
	{ "option", NULL, 0, 0, TF_DROP, NULL },
	{ "param", NULL, 0, 0, TF_DROP, NULL },
	{ "picture", NULL, 0, 0, TF_DROP, NULL },
	{ "plaintext", NULL, 0, 0, TF_DROP, NULL },
	{ "script", NULL, 0, 0, TF_DROP, NULL },
	{ "select", NULL, 0, 0, TF_DROP, NULL },
	{ "source", NULL, 0, 0, TF_DROP, NULL },
	{ "style", NULL, 0, 0, TF_DROP, NULL },
	{ "svg", NULL, 0, 0, TF_DROP, NULL },
	{ "template", NULL, 0, 0, TF_DROP, NULL },
	{ "textarea", NULL, 0, 0, TF_DROP, NULL },
	{ "title", NULL, 0, 0, TF_DROP, NULL },
	{ "track", NULL, 0, 0, TF_DROP, NULL },
	{ "video", NULL, 0, 0, TF_DROP, NULL },
	{ "xmp", NULL, 0, 0, TF_DROP, NULL },
	/* unwrapped, but they end a paragraph or separate words */
	{ "address", NULL, 0, 0, TF_BREAK, NULL },
	{ "article", NULL, 0, 0, TF_BREAK, NULL },
	{ "aside", NULL, 0, 0, TF_BREAK, NULL },
	{ "body", NULL, 0, 0, TF_BREAK, NULL },
	{ "caption", NULL, 0, 0, TF_BREAK, NULL },
	{ "center", NULL, 0, 0, TF_BREAK, NULL },
	{ "details", NULL, 0, 0, TF_BREAK, NULL },
	{ "div", NULL, 0, 0, TF_BREAK, NULL },
	{ "fieldset", NULL, 0, 0, TF_BREAK, NULL },
	{ "footer", NULL, 0, 0, TF_BREAK, NULL },
	{ "header", NULL, 0, 0, TF_BREAK, NULL },
	{ "hgroup", NULL, 0, 0, TF_BREAK, NULL },
	{ "html", NULL, 0, 0, TF_BREAK, NULL },
	{ "legend", NULL, 0, 0, TF_BREAK, NULL },
	{ "main", NULL, 0, 0, TF_BREAK, NULL },
	{ "menu", NULL, 0, 0, TF_BREAK, NULL },
	{ "nav", NULL, 0, 0, TF_BREAK, NULL },
	{ "section", NULL, 0, 0, TF_BREAK, NULL },
	{ "summary", NULL, 0, 0, TF_BREAK, NULL },
	{ "tfoot", NULL, 0, 0, TF_BREAK, NULL },
};

/* An output element being written, or the top level (tag NULL). */
struct frame {
	const char *tag;	/* emitted name */
	int ctx;		/* C_*: what it may hold */
	int depth;		/* nesting of this frame in the output */
	int last_inline;	/* the last thing written in it was inline */
	struct frame *wrap;	/* open implied child (<p>, <li>, <tr>...) */
};

struct walk {
	struct buf *out;
	int in_a;		/* inside an <a>: nested links are unwrapped */
	int fail;		/* an append failed (out of memory or too big) */
};

static void place(struct walk *w, struct frame *f, xmlNode *n, int idepth);

static const struct tag *
tag_find(const xmlChar *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tags); i++)
		if (tags[i].name[0] == name[0] &&
		    strcmp(tags[i].name, (const char *)name) == 0)
			return &tags[i];
	return NULL;
}

static void
put(struct walk *w, const char *s)
{
	if (buf_puts(w->out, s) < 0)
		w->fail = 1;
}

int
html_url_ok(const char *url)
{
	char scheme[16];
	size_t n = 0;
	int bad = 0;
	const unsigned char *p = (const unsigned char *)url;

	/* Browsers ignore leading blanks and controls, and tabs and line
	 * breaks anywhere, so "java\tscript:" is a scheme: skip them too. */
	for (; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			continue;
		if (*p == '/' || *p == '?' || *p == '#')
			return 1;
		if (*p == ':')
			break;
		/* An entity libxml2 does not know ("&colon;") must not
		 * become a colon in a browser, here or downstream. */
		if (*p == '&')
			return 0;
		if (isalnum(*p) || *p == '+' || *p == '-' || *p == '.') {
			if (n < sizeof(scheme) - 1)
				scheme[n++] = (char)tolower(*p);
			else
				bad = 1;
		} else {
			bad = 1;	/* not a scheme: refuse rather than guess */
		}
	}
	if (!*p)
		return 1;	/* no colon: a relative reference */
	scheme[n] = '\0';
	if (bad)
		return 0;
	return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 ||
	       strcmp(scheme, "mailto") == 0;
}

/* Width, height, spans and list starts: 1 to 4 digits, nothing else. */
static int
number_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 4 && s[n] == '\0';
}

/* The value of an allowed attribute, or NULL when absent or unsafe. */
static xmlChar *
attr_value(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	const char *s = (const char *)v;
	int good = 1;

	if (!v)
		return NULL;
	if (strcmp(name, "href") == 0 || strcmp(name, "src") == 0)
		good = html_url_ok(s);
	else if (strcmp(name, "title") != 0 && strcmp(name, "alt") != 0)
		good = number_ok(s);
	if (!good) {
		xmlFree(v);
		return NULL;
	}
	return v;
}

static void
open_tag(struct walk *w, const struct tag *t, xmlNode *n)
{
	const char *const *a;

	put(w, "<");
	put(w, t->out);
	for (a = t->attrs; a && *a; a++) {
		xmlChar *v = attr_value(n, *a);

		if (!v)
			continue;
		put(w, " ");
		put(w, *a);
		put(w, "=\"");
		if (html_escape(w->out, (const char *)v, 1) < 0)
			w->fail = 1;
		put(w, "\"");
		xmlFree(v);
	}
	put(w, ">");
}

static int
structural(int ctx)
{
	return ctx == C_TOP || ctx == C_LIST || ctx == C_DL ||
	       ctx == C_TABLE || ctx == C_TSECT || ctx == C_ROW;
}

static int
accepts(int ctx, int kind)
{
	switch (ctx) {
	case C_TOP:
		return kind == K_BLOCK;
	case C_INLINE:
		return kind == K_INLINE;
	case C_FLOW:
		return kind == K_INLINE || kind == K_BLOCK;
	case C_FIGURE:
		return kind == K_INLINE || kind == K_BLOCK || kind == K_FIGCAP;
	case C_LIST:
		return kind == K_LI;
	case C_DL:
		return kind == K_DTDD;
	case C_TABLE:
		return kind == K_TSECT || kind == K_TR;
	case C_TSECT:
		return kind == K_TR;
	case C_ROW:
		return kind == K_CELL;
	}
	return 0;
}

/* The implied element that holds stray content of a structural frame. */
static const char *
wrapper_of(int ctx, int *ctx_out)
{
	switch (ctx) {
	case C_TOP:
		*ctx_out = C_INLINE;
		return "p";
	case C_LIST:
		*ctx_out = C_FLOW;
		return "li";
	case C_DL:
		*ctx_out = C_FLOW;
		return "dd";
	case C_TABLE:
	case C_TSECT:
		*ctx_out = C_ROW;
		return "tr";
	case C_ROW:
		*ctx_out = C_FLOW;
		return "td";
	}
	return NULL;
}

/* Would the wrapper chain of a frame with context ctx take this kind? */
static int
wrappers_accept(int ctx, int kind)
{
	int inner;

	while (structural(ctx) && wrapper_of(ctx, &inner)) {
		if (accepts(inner, kind))
			return 1;
		ctx = inner;
	}
	return 0;
}

static void
close_wrapper(struct walk *w, struct frame *f)
{
	struct frame *c = f->wrap;

	if (!c)
		return;
	close_wrapper(w, c);
	if (structural(c->ctx))
		put(w, "\n");	/* as emit() does: same bytes either way */
	put(w, "</");
	put(w, c->tag);
	put(w, ">");
	free(c);
	f->wrap = NULL;
	f->last_inline = 0;
}

/* Opens (or returns) f's implied child; NULL at the depth cap. */
static struct frame *
get_wrapper(struct walk *w, struct frame *f)
{
	struct frame *c;
	int ctx;
	const char *tag;

	if (f->wrap)
		return f->wrap;
	tag = wrapper_of(f->ctx, &ctx);
	if (!tag || f->depth >= HTML_MAX_DEPTH)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		w->fail = 1;
		return NULL;
	}
	c->tag = tag;
	c->ctx = ctx;
	c->depth = f->depth + 1;
	if (w->out->len)
		put(w, "\n");
	put(w, "<");
	put(w, tag);
	put(w, ">");
	f->wrap = c;
	return c;
}

static int
blank(const char *s)
{
	return s[strspn(s, " \t\n\r\f")] == '\0';
}

static void
place_text(struct walk *w, struct frame *f, const char *s)
{
	struct frame *c;

	if (!structural(f->ctx)) {
		if (html_escape(w->out, s, 0) < 0)
			w->fail = 1;
		f->last_inline = 1;
		return;
	}
	/* Blanks between blocks, list items or rows mean nothing. */
	if (blank(s) && !f->wrap)
		return;
	c = get_wrapper(w, f);
	if (c)
		place_text(w, c, s);
}

/* Keeps the words on either side of an unwrapped block apart. */
static void
block_break(struct walk *w, struct frame *f)
{
	const struct buf *b = w->out;

	if (structural(f->ctx)) {
		close_wrapper(w, f);
		return;
	}
	if (f->last_inline && b->len && !strchr(" \n\t", b->data[b->len - 1]))
		put(w, " ");
}

static void
place_children(struct walk *w, struct frame *f, xmlNode *n, int idepth)
{
	xmlNode *c;

	for (c = n->children; c && !w->fail; c = c->next)
		place(w, f, c, idepth + 1);
}

static void
unwrap(struct walk *w, struct frame *f, xmlNode *n, int brk, int idepth)
{
	if (brk)
		block_break(w, f);
	place_children(w, f, n, idepth);
	if (brk)
		block_break(w, f);
}

static void
emit(struct walk *w, struct frame *f, const struct tag *t, xmlNode *n,
     int idepth)
{
	struct frame c = { t->out, t->ctx, f->depth + 1, 0, NULL };
	int is_a = strcmp(t->out, "a") == 0;

	close_wrapper(w, f);
	if (structural(f->ctx) && w->out->len)
		put(w, "\n");
	open_tag(w, t, n);
	f->last_inline = t->kind == K_INLINE;
	if (t->flags & TF_VOID)
		return;
	w->in_a += is_a;
	place_children(w, &c, n, idepth);
	w->in_a -= is_a;
	close_wrapper(w, &c);
	if (structural(c.ctx))
		put(w, "\n");	/* blank: dropped when read back */
	put(w, "</");
	put(w, t->out);
	put(w, ">");
}

/* Links need a safe href and no link around them; images a safe src. */
static int
usable(struct walk *w, const struct tag *t, xmlNode *n)
{
	const char *need = NULL;
	xmlChar *v;

	if (strcmp(t->out, "a") == 0) {
		if (w->in_a)
			return 0;
		need = "href";
	} else if (strcmp(t->out, "img") == 0) {
		need = "src";
	}
	if (!need)
		return 1;
	v = attr_value(n, need);
	xmlFree(v);
	return v != NULL;
}

static void
place_elem(struct walk *w, struct frame *f, xmlNode *n, int idepth)
{
	const struct tag *t = tag_find(n->name);
	struct frame *c;

	if (!t) {
		unwrap(w, f, n, 0, idepth);
		return;
	}
	if (t->flags & TF_DROP)
		return;
	if (!t->out) {
		unwrap(w, f, n, t->flags & TF_BREAK, idepth);
		return;
	}
	/* A <br> between blocks, list items or rows breaks nothing: it
	 * would only come out as an empty "<p><br></p>". */
	if (strcmp(t->out, "br") == 0 &&
	    structural(f->ctx) && !f->wrap)
		return;
	if (!usable(w, t, n)) {
		if (!(t->flags & TF_VOID))
			unwrap(w, f, n, 0, idepth);
		return;
	}
	if (accepts(f->ctx, t->kind) && f->depth < HTML_MAX_DEPTH) {
		emit(w, f, t, n, idepth);
		return;
	}
	if (wrappers_accept(f->ctx, t->kind)) {
		c = get_wrapper(w, f);
		if (c)
			place_elem(w, c, n, idepth);
		return;
	}
	unwrap(w, f, n, t->kind != K_INLINE, idepth);
}

static void
place(struct walk *w, struct frame *f, xmlNode *n, int idepth)
{
	/* libxml2 caps its own nesting; this only guards the C stack. */
	if (idepth > 1024)
		return;
	if (n->type == XML_TEXT_NODE && n->content)
		place_text(w, f, (const char *)n->content);
	else if (n->type == XML_ELEMENT_NODE && n->name)
		place_elem(w, f, n, idepth);
}

int
html_sanitize_doc(htmlDocPtr doc, struct buf *out)
{
	struct walk w = { out, 0, 0 };
	struct frame top = { NULL, C_TOP, 0, 0, NULL };
	xmlNode *n;
	size_t start = out->len;

	for (n = doc->children; n && !w.fail; n = n->next)
		place(&w, &top, n, 0);
	close_wrapper(&w, &top);
	if (out->len > start)
		put(&w, "\n");
	return w.fail ? -1 : 0;
}
