/*
 * tokenize.h: split a search keyword into normalised, lightly stemmed words.
 *
 * Normalisation is Unicode NFKC with case folding and accents stripped, so
 * "Café", "CAFE" and "ｃａｆｅ" give the same word.  Words are maximal runs of
 * letters and digits; apostrophes inside a word are dropped ("women's" is
 * "womens"), any other character separates.  English plurals, "-ing", "-ed"
 * and a final "e" are stripped from all-ASCII-letter words ("shoes", "shoe"
 * -> "sho"; "running" -> "run"), which is crude but groups the variants that
 * keyword lists are full of.  Stopwords are reported, never stemmed.
 * Invalid UTF-8 falls back to ASCII case folding of the raw bytes.
 */
#ifndef IG_TOKENIZE_H
#define IG_TOKENIZE_H

#include "compat.h"

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * strlen(s), or SIZE_MAX when s has a byte above 0x7f: the test before
 * each ASCII fast path (tok_words(), kw_normalize(), seo_fold()), which
 * skip utf8proc's decoding when the text is ASCII.
 */
size_t tok_ascii_len(const char *s);

/*
 * Appends each word of s to out followed by a NUL byte and returns the
 * number of words, or -1 if out hit its size cap.
 */
long tok_words(const char *s, struct buf *out);

/* 1 if the (normalised) word w of len bytes is an English stopword. */
int tok_is_stopword(const char *w, size_t len);

/* Stems the all-ASCII lowercase word w in place; returns its new length. */
size_t tok_stem(char *w, size_t len);

#endif
