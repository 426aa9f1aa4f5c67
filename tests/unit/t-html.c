/* t-html.c: unit tests for the normalizer, sanitizer and HTML readers. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "html.h"
#include "tap.h"

static struct ig_err err;

/* Sanitized output, owned by a small ring so tests need not free. */
static const char *
keep(char *s)
{
	static char *ring[16];
	static size_t next;

	free(ring[next]);
	ring[next] = s;
	next = (next + 1) % ARRAY_SIZE(ring);
	return s;
}

static const char *
san(const char *html)
{
	return keep(html_sanitize(html, strlen(html), &err));
}

static const char *
norm(const char *text, enum html_input hint)
{
	ig_err_clear(&err);
	return keep(html_normalize(text, strlen(text), hint, NULL, &err));
}

static int
contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

/* Safe, a fixed point of html_sanitize, and free of the usual payloads. */
static int
sound(const char *out)
{
	char *again;
	int same;

	if (!out || !html_is_safe(out))
		return 0;
	again = html_sanitize(out, strlen(out), &err);
	same = again && strcmp(again, out) == 0;
	free(again);
	return same && !contains(out, "<script") && !contains(out, "onerror") &&
	       !contains(out, "onload") && !contains(out, "style=") &&
	       !contains(out, "javascript") && !contains(out, "data:");
}

static void
test_markdown(void)
{
	const char *h;

	h = norm("# Title\n\nSome *text* and **bold**.\n", HTML_IN_AUTO);
	is_str(h, "<h2>Title</h2>\n<p>Some <em>text</em> and "
		  "<strong>bold</strong>.</p>\n", "markdown: h1 demoted, inline");
	h = norm("- a\n- b\n\n1. x\n2. y\n", HTML_IN_AUTO);
	is_str(h, "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>x</li>\n"
		  "<li>y</li>\n</ol>\n", "markdown: lists");
	h = norm("| a | b |\n|---|---|\n| 1 | 2 |\n", HTML_IN_MARKDOWN);
	ok(contains(h, "<th>a</th>") && contains(h, "<td>2</td>"),
	   "markdown: tables");
	h = norm("~~gone~~ and https://example.com/x", HTML_IN_AUTO);
	ok(contains(h, "<del>gone</del>") &&
	   contains(h, "<a href=\"https://example.com/x\">"),
	   "markdown: strikethrough and autolinks");
	h = norm("para one\nstill one\n\npara two", HTML_IN_AUTO);
	is_str(h, "<p>para one\nstill one</p>\n<p>para two</p>\n",
	       "plain text paragraphs");
	h = norm("text <script>alert(1)</script> <b onclick=x>b</b>",
		 HTML_IN_MARKDOWN);
	ok(sound(h) && contains(h, "<b>b</b>"),
	   "raw HTML in Markdown is sanitized");
	h = norm("```\nx < 1 && y\n```\n\nafter", HTML_IN_AUTO);
	ok(contains(h, "<pre><code>x &lt; 1 &amp;&amp; y\n</code></pre>"),
	   "inner code fence stays code");
}

static void
test_input_forms(void)
{
	const char *h;

	h = norm("<html><head><title>T</title></head><body><h2>S</h2>"
		 "<p>x</p></body></html>", HTML_IN_AUTO);
	is_str(h, "<h2>S</h2>\n<p>x</p>\n", "HTML: wrappers and head dropped");
	h = norm("{\"title\":\"t\",\"body\":\"<p>from <b>json</b></p>\"}",
		 HTML_IN_AUTO);
	is_str(h, "<p>from <b>json</b></p>\n", "JSON object body member");
	h = norm("{\"content\":\"## Head\\n\\ntext\"}", HTML_IN_AUTO);
	is_str(h, "<h2>Head</h2>\n<p>text</p>\n", "JSON content as Markdown");
	h = norm("{\"html\":\"<p>h</p>\",\"content\":\"<p>c</p>\"}",
		 HTML_IN_AUTO);
	is_str(h, "<p>c</p>\n", "JSON: content before html");
	h = norm("```md\n![i](/i.png)<img src=x onerror=alert(1)>\n```",
		 HTML_IN_AUTO);
	is_str(h, "<p><img src=\"/i.png\" alt=\"i\"><img src=\"x\"></p>\n",
	       "markdown image kept, raw handler dropped");
	h = norm("\"<p>a string</p>\"", HTML_IN_AUTO);
	is_str(h, "<p>a string</p>\n", "JSON string");
	h = norm("{\"title\":\"only\"}", HTML_IN_AUTO);
	ok(!h && err.code == IG_EDATA, "JSON object without body: EDATA");
	h = norm("```html\n<p>fenced</p>\n<ul><li>x</li></ul>\n```\n",
		 HTML_IN_AUTO);
	is_str(h, "<p>fenced</p>\n<ul>\n<li>x</li>\n</ul>\n",
	       "```html fence stripped");
	h = norm("```markdown\n# T\n", HTML_IN_AUTO);
	is_str(h, "<h2>T</h2>\n", "unclosed markdown fence stripped");
	h = norm("  \n\t ", HTML_IN_AUTO);
	ok(!h && err.code == IG_EDATA, "blank reply: EDATA");
	h = norm("<script>x</script><style>p{}</style>", HTML_IN_HTML);
	ok(!h && err.code == IG_EDATA, "nothing left: EDATA");
	h = norm("Intro text\n<div>a</div><div>b</div>", HTML_IN_AUTO);
	is_str(h, "<p>Intro text\n</p>\n<p>a</p>\n<p>b</p>\n",
	       "HTML: loose text and divs become paragraphs");
}

static const char *const hostile[] = {
	"<script>alert(1)</script>",
	"<SCRIPT SRC=//x.js></SCRIPT>",
	"<scr<script>ipt>alert(1)</script>",
	"<script/xss src=x></script>",
	"<<script>alert(1);//<</script>",
	"<img src=x onerror=alert(1)>",
	"<img src=\"javascript:alert(1)\">",
	"<a href=\"javascript:alert(1)\">x</a>",
	"<a href=\"JaVaScRiPt:alert(1)\">x</a>",
	"<a href=\"java\tscript:alert(1)\">x</a>",
	"<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
	"<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;"
	"&#58;alert(1)\">x</a>",
	"<a href=\" \x01javascript:alert(1)\">x</a>",
	"<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
	"<a href=\"vbscript:msgbox\">x</a>",
	"<a href=\"javascript&colon;alert(1)\">x</a>",
	"<svg onload=alert(1)><script>x</script></svg>",
	"<iframe src=\"https://evil.example.com\"></iframe>",
	"<p style=\"background:url(javascript:x)\">s</p>",
	"<style>body{background:red}</style>",
	"<math><mi xlink:href=\"javascript:x\">m</mi></math>",
	"<object data=x></object><embed src=x>",
	"<form action=x><input onfocus=alert(1) autofocus></form>",
	"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
	"<template><script>x</script></template>",
	"<div><span><x-foo><b>deep <i>unknown</i></b></x-foo></span></div>",
	"<p><b><i>unclosed <a href=https://example.com>link",
	"<!-- <script>x</script> --><?php echo 1 ?>",
	"<meta http-equiv=refresh content=\"0;url=javascript:x\">",
	"<link rel=stylesheet href=javascript:x>",
	"<a href=javascript&colon;alert(1)>x</a>",
	"<img src=\"x\" alt=\"\" onerror=\"x\" style=\"x\" class=c id=i>",
	"<table><tr><td onclick=x>1</td></tr></table>",
	"<ul><li>a</li><p>stray</p>text</ul>",
	"<p>1<ul><li>x</li></ul>2</p>",
	/* fuzz finds: an implied <tr> must close like a real one */
	"<ul><li>a<table>>t<r<td>1<p>2</ul><div><span><h1>t</h1></span></div>",
	/* character references to controls are scrubbed like raw ones */
	"<a href=\"x&#xd;y\" title=\"&#x80;&#0;&#xfffe;\">&#13;&#x1;</a>",
};

static void
test_hostile(void)
{
	size_t i;
	int all = 1;

	for (i = 0; i < ARRAY_SIZE(hostile); i++) {
		const char *h = san(hostile[i]);

		if (!sound(h)) {
			all = 0;
			diag("unsound: %s -> %s", hostile[i], h ? h : "NULL");
		}
	}
	ok(all, "%zu hostile inputs give sound output", ARRAY_SIZE(hostile));
	is_str(san("<a href=\"JaVaScRiPt:alert(1)\">x</a>"), "<p>x</p>\n",
	       "bad link unwrapped, text kept");
	is_str(san("<img src=x onerror=alert(1) alt=\"a&quot;b\">"),
	       "<p><img src=\"x\" alt=\"a&quot;b\"></p>\n",
	       "img: handler dropped, quote escaped");
	is_str(san("<p onclick=x style=y class=c id=i>t</p>"), "<p>t</p>\n",
	       "no on*, style, class or id");
	is_str(san("<svg onload=alert(1)><p>in svg</p></svg>ok"),
	       "<p>ok</p>\n", "svg dropped with contents");
	is_str(san("a<style>p{}</style><iframe>f</iframe>b"),
	       "<p>ab</p>\n", "style and iframe contents gone");
	is_str(san("<x-a><x-b>nested</x-b></x-a>"), "<p>nested</p>\n",
	       "unknown tags unwrapped");
	is_str(san("<a href=\"https://example.com/?a=1&amp;b=<2>\" title='t\"'>l</a>"),
	       "<p><a href=\"https://example.com/?a=1&amp;b=&lt;2&gt;\" "
	       "title=\"t&quot;\">l</a></p>\n", "attributes escaped");
	is_str(san("5 < 6 & 7 > 3"), "<p>5 &lt; 6 &amp; 7 &gt; 3</p>\n",
	       "text escaped");
	is_str(san("<a href=\"mailto:a@b\">m</a><a href=\"#x\">f</a>"
		   "<a href=\"/rel\">r</a>"),
	       "<p><a href=\"mailto:a@b\">m</a><a href=\"#x\">f</a>"
	       "<a href=\"/rel\">r</a></p>\n",
	       "mailto, fragment and relative links kept");
	is_str(san("<td colspan=2 rowspan=x>c</td><ol start=3 type=a>"
		   "<li>i</li></ol><img src=/i width=10 height=\"1e9\">"),
	       "<p>c</p>\n<ol start=\"3\">\n<li>i</li>\n</ol>\n"
	       "<p><img src=\"/i\" width=\"10\"></p>\n",
	       "numeric attributes checked; stray cell unwrapped");
	is_str(san("<ul><li>a</li>x<li>b</li></ul>"),
	       "<ul>\n<li>a</li>\n<li>x</li>\n<li>b</li>\n</ul>\n",
	       "stray list text gets its own li");
	is_str(san("<p>1<span><ul><li>x</li></ul></span>2</p>"),
	       "<p>1 x 2</p>\n", "list inside a paragraph flattened");
	is_str(san("<a href=/a>1<x-y><a href=/b>2</a></x-y></a>"),
	       "<p><a href=\"/a\">12</a></p>\n", "nested links unwrapped");
}

/* HTML5's void elements, and names libxml2 and the allowlist never saw. */
static const char *const voids[] = {
	"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame",
	"hr", "img", "input", "keygen", "link", "meta", "param", "source",
	"track", "wbr", "x-unknown", "foo", "blink", "my-widget",
};

/* Each %s is an element; every word around it must survive. */
static const struct {
	const char *fmt;
	int words;
} spots[] = {
	{ "<%s>A B<p>C</p>", 3 },
	{ "<h2>H</h2><p>A</p><%s src=x><p>B after</p><h2>End</h2><p>C</p>", 6 },
	{ "<p>A <%s> B</p><p>C</p>", 3 },
	{ "<p>A <%s/> B</p><p>C</p>", 3 },
	{ "<p>A <%s></%s> B</p><p>C</p>", 3 },
	{ "<ul><li>A <%s></li><li>B</li></ul><p>C</p>", 3 },
	{ "<table><tr><td>A <%s> B</td></tr></table><p>C</p>", 3 },
	{ "<p>A <b>B <%s></b> C</p>", 3 },
	{ "<p>A</p><p>B</p>C<%s>", 3 },
	{ "<p>A B C<%s>", 3 },
};

static void
test_void_elements(void)
{
	char in[256];
	size_t i, j;
	int all = 1;

	for (i = 0; i < ARRAY_SIZE(voids); i++)
		for (j = 0; j < ARRAY_SIZE(spots); j++) {
			const char *h;

			snprintf(in, sizeof(in), spots[j].fmt, voids[i],
				 voids[i]);
			h = san(in);
			if (sound(h) &&
			    html_word_count(h) == (size_t)spots[j].words)
				continue;
			all = 0;
			diag("lost words: %s -> %s", in, h ? h : "NULL");
		}
	ok(all, "%zu void and unknown elements in %zu places keep the rest",
	   ARRAY_SIZE(voids), ARRAY_SIZE(spots));
	is_str(san("<h2>H</h2><p>A</p><embed src=x><p>B after</p><h2>End</h2>"
		   "<p>C</p>"),
	       "<h2>H</h2>\n<p>A</p>\n<p>B after</p>\n<h2>End</h2>\n<p>C</p>\n",
	       "embed: only the element goes");
	is_str(san("<p>a<video src=v><track src=t>fallback</video>b</p>"),
	       "<p>ab</p>\n", "video and its content dropped, not what follows");
	is_str(san("<br>"), "", "a lone br gives nothing");
	is_str(san("<p>a</p><br><br/><p>b</p><br>"), "<p>a</p>\n<p>b</p>\n",
	       "br between blocks dropped, no <p><br></p>");
	is_str(san("a<br>b<br>"), "<p>a<br>b<br></p>\n",
	       "br inside text kept");
	is_str(san("<ul><br><li>x</li></ul>"), "<ul>\n<li>x</li>\n</ul>\n",
	       "br between list items dropped");
}

static void
test_bytes(void)
{
	static const char bad[] = "<p>a\xff\xfe b\0c\x01\x7f d\xc3\xa9"
				  "\xed\xa0\x80\r\ne</p>";
	char big[4096 * 8];
	size_t i;
	char *h, *deep;

	h = html_sanitize(bad, sizeof(bad) - 1, &err);
	is_str(h, "<p>a\xef\xbf\xbd\xef\xbf\xbd b\xef\xbf\xbd" "c d\xc3\xa9"
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\ne</p>\n",
	       "invalid UTF-8, NUL and controls scrubbed");
	free(h);
	deep = malloc(100000 * 3 + 1);
	for (i = 0; i < 100000; i++)
		memcpy(deep + i * 3, "<b>", 3);
	h = html_sanitize(deep, 100000 * 3, &err);
	ok(sound(h), "100000 nested tags: bounded and sound");
	free(h);
	free(deep);
	for (i = 0; i + 8 <= sizeof(big); i += 8)
		memcpy(big + i, "<ul><li>", 8);
	h = html_sanitize(big, sizeof(big), &err);
	ok(sound(h), "deep nested lists: sound");
	free(h);
	ok(!html_sanitize("x", HTML_MAX_INPUT + 1u, &err) &&
	   err.code == IG_EDATA, "oversized input refused");
}

static void
test_is_safe(void)
{
	ok(html_is_safe("<p>a &amp; b</p>\n"), "is_safe: plain");
	ok(!html_is_safe("<p onclick=\"x\">a</p>"), "is_safe: handler");
	ok(!html_is_safe("<script>"), "is_safe: script");
	ok(!html_is_safe("<a href=\"jav&amp;#x09;ascript:x\">"),
	   "is_safe: entity before the path refused");
	ok(!html_is_safe("<a href=\"javascript&amp;colon;x\">"),
	   "is_safe: unknown entity refused");
	ok(!html_is_safe("<a href=\"java\tscript:x\">"),
	   "is_safe: tab in scheme");
	ok(!html_is_safe("a & b"), "is_safe: bare ampersand");
	ok(html_url_ok("HTTPS://x") && html_url_ok("a/b:c") &&
	   html_url_ok("?q=javascript:x") && !html_url_ok(" data:x") &&
	   !html_url_ok("\x01javascript:x") && !html_url_ok("ja\nva:x"),
	   "url_ok scheme rules");
}

static void
test_figures(void)
{
	static const char doc[] = "<h2>Intro</h2><p>a</p><h2>Cost  "
				  "<em>Details</em></h2><p>b</p><h2>End</h2>";
	struct html_figure figs[] = {
		{ "cost DETAILS", "/c.png", "cost", "Costs" },
		{ "nowhere", "https://example.com/e.png", "e", NULL },
		{ NULL, "/c.png", "dup", NULL },
	};
	struct html_figure evil = { NULL, "javascript:x", "", NULL };
	size_t n = 99;
	char *once, *twice;

	once = html_insert_figures(doc, figs, 3, &n, &err);
	is_str(once, "<h2>Intro</h2>\n<p>a</p>\n<h2>Cost  <em>Details</em>"
		     "</h2>\n<p>b</p>\n<figure><img src=\"/c.png\" "
		     "alt=\"cost\"><figcaption>Costs</figcaption></figure>\n"
		     "<h2>End</h2>\n<figure><img src=\"https://example.com/e.png\" "
		     "alt=\"e\"></figure>\n",
	       "figures: after matched section, unmatched at end");
	is_int(n, 2, "figures: duplicate src skipped");
	twice = html_insert_figures(once, figs, 3, &n, &err);
	is_str(twice, once, "figures: rerun changes nothing");
	is_int(n, 0, "figures: rerun inserts none");
	free(twice);
	free(once);
	ok(!html_insert_figures(doc, &evil, 1, NULL, &err) &&
	   err.code == IG_EDATA, "figures: unsafe src refused");
	once = html_insert_figures("", figs, 1, &n, &err);
	is_str(once, "<figure><img src=\"/c.png\" alt=\"cost\"><figcaption>"
		     "Costs</figcaption></figure>\n", "figures: empty document");
	free(once);
}

static void
test_readers(void)
{
	char *t, **v;
	size_t n = 0;

	is_int(html_word_count("<h2>Two words</h2><p>and <b>three</b> "
			       "more&nbsp;here</p><script>no no</script>"),
	       6, "word count");
	is_int(html_word_count(""), 0, "word count: empty");
	t = html_to_text("<h2>Head</h2><p>a  <b>b</b>\n c<br>d</p>"
			 "<ul><li>x</li><li>y</li></ul>", 0);
	is_str(t, "Head\na b c\nd\nx\ny\n", "to_text");
	free(t);
	t = html_to_text("<p>\xc3\xa9\xc3\xa9</p>", 3);
	is_str(t, "\xc3\xa9", "to_text: cut at a character boundary");
	free(t);
	v = html_h2_list("<h1>A</h1><p>x</p><h2> B\n c </h2><h3>no</h3>", &n);
	ok(v && n == 2 && !strcmp(v[0], "A") && !strcmp(v[1], "B c") &&
	   !v[2], "h2 list");
	html_strv_free(v);
}

/* The bench's article: five sections of about 1,600 bytes of prose. */
static char *
long_article(void)
{
	static const char *const h2[] = { "What it is", "How to choose one",
		"Getting started", "Common mistakes", "Final thoughts" };
	static const char para[] = "Benchmark prose stands in for a real "
		"article here.  It is long enough to make the parser work.\n";
	char *s = malloc(16384);
	size_t i, r, k = 0;

	for (i = 0; s && i < ARRAY_SIZE(h2); i++) {
		k += (size_t)snprintf(s + k, 16384 - k, "<h2>%s</h2>\n<p>",
				      h2[i]);
		for (r = 0; r < 14; r++)
			k += (size_t)snprintf(s + k, 16384 - k, "%s", para);
		k += (size_t)snprintf(s + k, 16384 - k, "</p>\n");
	}
	return s;
}

/*
 * html_normalize's text, read off its output, against the parsing readers
 * given that output: same bytes, same words, same cuts.
 */
static void
same_text(const char *reply, enum html_input hint, const char *what)
{
	char *text = NULL, *html, *old, *cut;
	size_t max;

	ig_err_clear(&err);
	html = html_normalize(reply, strlen(reply), hint, &text, &err);
	old = html ? html_to_text(html, 0) : NULL;
	ok(html && text && old && strcmp(text, old) == 0 &&
	   html_text_words(text) == html_word_count(html),
	   "one-parse text: %s", what);
	if (!html || !text || !old || strcmp(text, old) != 0) {
		diag("html: %s", html ? html : "-");
		diag("lexed: [%s]", text ? text : "-");
		diag("parsed: [%s]", old ? old : "-");
	}
	for (max = 1; text && max < strlen(text); max += 7) {
		cut = html_to_text(html, max);
		html_text_cut(text, max);
		if (!cut || strcmp(cut, text) != 0)
			break;
		free(cut);
	}
	ok(!text || max >= strlen(text), "one-parse text: %s: cuts", what);
	free(old);
	free(text);
	free(html);
}

static void
test_one_parse(void)
{
	static const struct {
		const char *reply;
		enum html_input hint;
	} cases[] = {
		{ "<p>foo<b>bar</b> baz <i>qux</i>, <a href=\"/x\">a link</a>"
		  "<em>e</em><strong>s</strong><sup>2</sup><sub>i</sub> "
		  "<code>c</code><del>d</del> end</p>", HTML_IN_HTML },
		{ "<ul><li>one</li><li>two <b>b</b><ul><li>nested</li></ul>"
		  "</li></ul><ol start=\"3\"><li>x</li>\n<li> y </li></ol>"
		  "<ul>stray<li>z</li></ul>", HTML_IN_HTML },
		{ "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2 "
		  "&amp; 3</td></tr></table><table> loose <td>c</td></table>",
		  HTML_IN_HTML },
		{ "<p>a &amp; b &lt;c&gt; &quot;q&quot; &#169; &eacute;t"
		  "&eacute; &#x80; &#13; x&#9;y &#12;z &#0; &#xfeff;w</p>",
		  HTML_IN_HTML },
		{ "<p>one&nbsp;two\xc2\xa0three &nbsp; four&#160;</p>",
		  HTML_IN_HTML },
		{ "<pre>\n  keep   this\n\tand  <b>this</b>\r\n</pre><p>after"
		  "</p><pre>x</pre>y", HTML_IN_HTML },
		{ "<p>a<br>b<br/>c</p><hr><blockquote>q<p>r</p></blockquote>"
		  "<figure><img src=\"/i.png\" alt=\"alt\"><figcaption>cap"
		  "</figcaption></figure><dl><dt>t</dt><dd>d</dd>x</dl>",
		  HTML_IN_HTML },
		{ "<div>a<span>b</span><div>c</div>d</div><p>e<div>f</div>g</p>"
		  "<h2>h<p>i</p>j</h2><b>k<p>l</p>m</b><section>n</section>"
		  "<script>no</script><!-- no --><style>no</style>o",
		  HTML_IN_HTML },
		{ "# Title\n\nSome *text* with `code` and a [link](/l).\n\n"
		  "- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n"
		  "    indented code\n\n> quote &amp; <b>raw</b>\n",
		  HTML_IN_MARKDOWN },
		{ "{\"body\": \"<h2>T</h2><p>x\\u00a0y\\r\\nz</p>\"}",
		  HTML_IN_AUTO },
		{ "```html\n<p>fenced</p>\n```", HTML_IN_AUTO },
		{ "plain words\r\nover\flines\twith \x01 controls",
		  HTML_IN_AUTO },
		{ "<p>bad \xff\xfe utf-8 \xef\xbf\xbe and \xc2\x85</p>",
		  HTML_IN_HTML },
	};
	char *art = long_article();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char what[32];

		snprintf(what, sizeof(what), "case %zu", i + 1);
		same_text(cases[i].reply, cases[i].hint, what);
	}
	same_text(art, HTML_IN_AUTO, "8 KB article");
	free(art);
}

static void
test_markdown_out(void)
{
	static const char src[] =
		"<h2>Title *x*</h2><p>Some <em>em</em>, <strong>bold</strong>"
		", <code>a`b</code> and <a href=\"https://example.com/a b\" "
		"title=\"t\">a link</a>.</p><ul><li>one<ul><li>sub</li></ul>"
		"</li><li>two</li></ul><ol start=\"3\"><li>three</li></ol>"
		"<blockquote><p>q1</p><p>q2</p></blockquote><pre><code>x\n"
		"  y</code></pre><p>1. not a list # or heading</p><hr>"
		"<p><strong>\"quoted\"</strong><img src=\"/i.png\" alt=\"pic\">"
		"</p><table><tr><td>c</td></tr></table>";
	char *md = html_to_markdown(src), *back;
	const char *want =
		"## Title \\*x\\*\n\n"
		"Some *em*, **bold**, ``a`b`` and [a link](<https://example.com/a b>"
		" \"t\").\n\n"
		"- one\n  - sub\n- two\n\n"
		"3. three\n\n"
		"> q1\n>\n> q2\n\n"
		"```\nx\n  y\n```\n\n"
		"1\\. not a list # or heading\n\n"
		"* * *\n\n"
		"<strong>\"quoted\"</strong>![pic](/i.png)\n\n"
		"<table> <tr> <td>c</td> </tr> </table>\n";

	is_str(md, want, "to_markdown");
	back = html_normalize(md, strlen(md), HTML_IN_MARKDOWN, NULL, &err);
	ok(back && contains(back, "<h2>Title *x*</h2>") &&
	   contains(back, "<li>one<ul>") && contains(back, "<ol start=\"3\">")
	   && contains(back, "<code>a`b</code>") &&
	   contains(back, "<p>1. not a list") &&
	   contains(back, "href=\"https://example.com/a%20b\""),
	   "to_markdown renders back through md4c");
	free(back);
	free(md);
	md = html_to_markdown("<ul><li>a</li></ul><ul><li>b</li></ul>"
			      "<figure><img src=\"/f.png\" alt=\"F\">"
			      "<figcaption>Cap <b>x</b></figcaption></figure>"
			      "<p>+ not a list &amp; 2 * 3 <sup>2</sup></p>");
	is_str(md, "- a\n\n* b\n\n![F](/f.png)\n\nCap **x**\n\n"
		   "\\+ not a list \\& 2 \\* 3 <sup>2</sup>\n",
	       "to_markdown: adjacent lists, figure, escapes");
	back = md ? html_normalize(md, strlen(md), HTML_IN_MARKDOWN, NULL, &err)
		  : NULL;
	is_str(back, "<ul>\n<li>a</li>\n</ul>\n<ul>\n<li>b</li>\n</ul>\n"
		     "<p><img src=\"/f.png\" alt=\"F\"></p>\n"
		     "<p>Cap <strong>x</strong></p>\n"
		     "<p>+ not a list &amp; 2 * 3 <sup>2</sup></p>\n",
	       "to_markdown: back through md4c");
	free(back);
	free(md);
}

int
main(void)
{
	test_markdown();
	test_input_forms();
	test_hostile();
	test_void_elements();
	test_bytes();
	test_is_safe();
	test_figures();
	test_readers();
	test_one_parse();
	test_markdown_out();
	while (keep(NULL) && 0)
		;
	return done_testing();
}
