/*
 * html.h: turn whatever a model returned into clean, safe HTML, and read
 * that HTML back (text, word count, headings, Markdown, figure insertion).
 *
 * Ownership: every function returning char * (or char **) hands a malloc'd
 * result to the caller, who frees it (html_strv_free() for vectors).  Input
 * strings are only borrowed.  NULL means failure: with an err parameter the
 * reason is in *err, without one it was an allocation failure.
 *
 * The sanitized form ("safe HTML") is what html_sanitize() emits, and every
 * other producer here (html_normalize, html_insert_figures) ends with it:
 *  - only these elements: p h2 h3 h4 h5 h6 ul ol li a strong em b i del
 *    blockquote code pre table thead tbody tr th td br hr figure figcaption
 *    img sup sub dl dt dd.  h1 becomes h2 (the caller owns the title);
 *    div, span and other unknown elements are unwrapped, their text kept;
 *  - script, style, iframe, object, embed, form, svg, math, noscript,
 *    template, head, title and kin are dropped with all their contents, as
 *    are comments and processing instructions;
 *  - only these attributes, always double-quoted: a[href title],
 *    img[src alt width height], th/td[colspan rowspan], ol[start]; numbers
 *    must be 1-4 digits.  URLs must be http, https, mailto, relative or a
 *    fragment; a link without one is unwrapped, an image without one is
 *    dropped.  No class, id, style or on* attribute ever survives;
 *  - top-level text is wrapped in <p>; lists hold only li, tables only
 *    rows and cells; nesting is capped (deeper content is flattened to text);
 *  - text is valid UTF-8 with &, <, > (and " in attributes) escaped;
 *  - output is deterministic and a fixed point: sanitizing it again gives
 *    the same bytes.
 *
 * Threads: the functions share no state of their own; libxml2 is
 * initialized once through pthread_once.
 */
#ifndef IG_HTML_H
#define IG_HTML_H

#include "compat.h"

#include <stddef.h>

struct ig_err;

/* Inputs larger than this are refused (IG_EDATA). */
#define HTML_MAX_INPUT (32u << 20)

enum html_input {
	HTML_IN_AUTO,	   /* block-level tags mean HTML, else Markdown */
	HTML_IN_HTML,	   /* the text is HTML */
	HTML_IN_MARKDOWN   /* the text is Markdown (plain text is Markdown) */
};

/*
 * Turns a model reply into safe HTML.  A JSON object's "body", "content" or
 * "html" string member (first found, in that order) or a JSON string is
 * unwrapped first; a ```html / ```markdown fence around the whole reply is
 * stripped (its language overrides AUTO).  Markdown (CommonMark plus tables,
 * strikethrough and autolinks) goes through md4c; raw HTML inside it is
 * sanitized like any other.  <html>/<head>/<body> wrappers vanish; headings
 * are kept (h1 as h2): dropping a repeated title is the caller's business.
 * Returns NULL with IG_EDATA when the input is empty, too big, a JSON object
 * with none of those members, or has no content left after sanitizing.
 * When text_out is not NULL, *text_out gets the visible text of the result,
 * the bytes html_to_text(result, 0) would return, without a second parse
 * (NULL when NULL is returned).
 */
char *html_normalize(const char *reply, size_t len, enum html_input hint,
		     char **text_out, struct ig_err *err);

/*
 * Parses any bytes as HTML (invalid UTF-8 and NULs become U+FFFD, other
 * control characters go) and re-serializes only the allowlist above.
 * Returns "" when nothing is left; NULL with IG_EDATA when len is over
 * HTML_MAX_INPUT, or IG_ESOFTWARE when out of memory.
 */
char *html_sanitize(const char *html, size_t len, struct ig_err *err);

/*
 * Returns 1 if html is in the sanitized form as far as safety goes: every
 * tag and attribute is on the allowlist, every URL passes the scheme check,
 * every '&' starts an entity and every '<' a tag.  An independent lexer (not
 * the sanitizer's code), for tests, the fuzzer and paranoid callers.
 */
int html_is_safe(const char *html);

/*
 * Returns 1 if url is allowed in href/src: http, https, mailto, relative or
 * fragment.  Blanks and controls are ignored when finding the scheme, and
 * a '&' before the path is refused (an entity libxml2 does not know, like
 * "&colon;", could turn into a colon in a browser).
 */
int html_url_ok(const char *url);

struct html_figure {
	const char *after_h2;  /* heading text of the section; NULL: the end */
	const char *src;       /* image URL; must pass html_url_ok() */
	const char *alt;       /* alt text; NULL for none */
	const char *caption;   /* figcaption text; NULL or "" for none */
};

/*
 * Returns a copy of html (sanitized) with each figure placed as
 * <figure><img src alt><figcaption>..</figcaption></figure> at the end of
 * the section opened by the top-level h2 whose text matches after_h2
 * (NFKC case-folded, white space collapsed), that is just before the next
 * top-level h2, or at the end of the document when there is no such h2.
 * A figure whose src already appears in an <img> is skipped, so
 * reruns change nothing.  *ninserted_out (if not NULL) gets the count.
 * Returns NULL with IG_EDATA for an unsafe or empty src (nothing inserted),
 * IG_ESOFTWARE when out of memory.
 */
char *html_insert_figures(const char *html, const struct html_figure *figs,
			  size_t nfigs, size_t *ninserted_out,
			  struct ig_err *err);

/* Words (runs of non-space characters) in the visible text of html. */
size_t html_word_count(const char *html);

/*
 * Visible text of html: blocks end with a newline, runs of white space in
 * text become one space, images and dropped elements give nothing.  At most
 * maxlen bytes (0: no limit), cut at a UTF-8 character boundary.
 */
char *html_to_text(const char *html, size_t maxlen);

/*
 * Words in a visible text: runs of characters other than ASCII white space
 * and U+00A0.  html_word_count(h) is html_text_words(html_to_text(h, 0)).
 */
size_t html_text_words(const char *text);

/*
 * Cuts text in place to at most maxlen bytes (0: no limit) at a UTF-8
 * character boundary, as html_to_text's maxlen does.
 */
void html_text_cut(char *text, size_t maxlen);

/*
 * Texts of the top-level h2 headings (h1 counts as h2), in order, white
 * space collapsed (the sections html_insert_figures can find): a
 * NULL-terminated vector, its length in *n_out if not NULL.
 * Free with html_strv_free().
 */
char **html_h2_list(const char *html, size_t *n_out);
void html_strv_free(char **v);

/*
 * Markdown for html (sanitized first): ATX headings, paragraphs, nested
 * lists, links, images, emphasis, code spans and fenced code, block quotes,
 * horizontal rules; tables and definition lists stay as HTML blocks.  Text
 * is escaped so md4c renders it back to the same content.
 */
char *html_to_markdown(const char *html);

#endif
