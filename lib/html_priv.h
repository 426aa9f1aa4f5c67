/*
 * html_priv.h: what html.c, sanitize.c and html_md.c share: the scrubbed
 * libxml2 parse and the sanitizing serializer over a parsed tree.
 */
#ifndef IG_HTML_PRIV_H
#define IG_HTML_PRIV_H

#include "compat.h"

#include <libxml/HTMLparser.h>

struct buf;
struct ig_err;

/* Maximum element nesting in sanitized output; deeper tags are unwrapped. */
#define HTML_MAX_DEPTH 32

/*
 * Appends s to out as valid UTF-8: bad sequences, NULs and noncharacters
 * become U+FFFD, CR and CRLF become LF, other C0/C1 controls and a BOM go.
 */
int html_scrub(const char *s, size_t len, struct buf *out);

/* Scrubs and parses any bytes; NULL with err set on failure.  xmlFreeDoc(). */
htmlDocPtr html_parse(const char *s, size_t len, struct ig_err *err);

/*
 * html_sanitize without the HTML_MAX_INPUT cap (up to 256 MiB), for
 * documents made here: md4c output, or readers given sanitized output.
 */
char *html_sanitize_big(const char *html, size_t len, struct ig_err *err);

/* Appends the sanitized serialization of doc to out; -1 if out fails. */
int html_sanitize_doc(htmlDocPtr doc, struct buf *out);

/* Appends s scrubbed, with &, <, > (and " when attr) escaped. */
int html_escape(struct buf *out, const char *s, int attr);

/* Appends the text under n with white space runs collapsed to one space. */
void html_collect_text(const xmlNode *n, struct buf *out);

#endif
