/*
 * slug.h: URL slugs.  Latin letters lose their accents ("Café crème" ->
 * "cafe-creme"), a few letters that have no decomposition get their usual
 * spelling (ß -> ss, æ -> ae, ø -> o), and letters of other scripts stay
 * as lower-case UTF-8 (a Russian slug stays Russian, as WordPress keeps
 * it); anything else separates words with one hyphen.
 *
 * Ownership: slug_make() returns a heap string the caller frees (NULL on
 * out of memory); it is "" when s has no letter or digit.
 */
#ifndef IG_SLUG_H
#define IG_SLUG_H

#include <stddef.h>

#include "compat.h"

/* At most max bytes, cut between words when it can be. */
char *slug_make(const char *s, size_t max);

#endif
