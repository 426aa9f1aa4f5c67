/* tokenize.c: keyword normalisation (utf8proc), word splitting and stemming. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tokenize.h"

/* Sorted, for bsearch.  Question words and "vs" are here because keyword
 * variants add them freely ("how to X", "X vs Y") without changing topic. */
static const char *const stopwords[] = {
	"a", "about", "after", "all", "am", "an", "and", "any", "are", "as",
	"at", "be", "been", "before", "being", "but", "by", "can", "could",
	"did", "do", "does", "doing", "for", "from", "get", "had", "has",
	"have", "he", "her", "here", "him", "his", "how", "i", "if", "im",
	"in", "into", "is", "it", "its", "just", "me", "my", "of", "on",
	"or", "our", "she", "should", "so", "than", "that", "the", "their",
	"them", "then", "there", "these", "they", "this", "those", "to",
	"too", "up", "us", "versus", "very", "vs", "was", "we", "were",
	"what", "when", "where", "which", "who", "why", "will", "with",
	"would", "you", "your",
};

static int
cmp_stop(const void *key, const void *elt)
{
	return strcmp(key, *(const char *const *)elt);
}

int
tok_is_stopword(const char *w, size_t len)
{
	char tmp[16];

	if (len >= sizeof tmp)
		return 0;
	memcpy(tmp, w, len);
	tmp[len] = '\0';
	return bsearch(tmp, stopwords, ARRAY_SIZE(stopwords),
	    sizeof stopwords[0], cmp_stop) != NULL;
}

static int
ends(const char *w, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && memcmp(w + len - n, suf, n) == 0;
}

static int
is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
	    c == 'y';
}

static int
has_vowel(const char *w, size_t len)
{
	while (len--)
		if (is_vowel(w[len]))
			return 1;
	return 0;
}

/* Drops a verb suffix of n bytes if a word with a vowel remains, then undoes
 * consonant doubling ("running" -> "run") except for l, s and z. */
static size_t
strip_verb(const char *w, size_t len, size_t n)
{
	size_t m = len - n;
	char c;

	if (m < 3 || !has_vowel(w, m))
		return len;
	c = w[m - 1];
	if (w[m - 2] == c && !is_vowel(c) && c != 'l' && c != 's' && c != 'z')
		m--;
	return m;
}

/* Harman's S-stemmer for plurals, then -ing/-ed and a final e. */
size_t
tok_stem(char *w, size_t len)
{
	if (len <= 3)
		return len;
	if (ends(w, len, "ies") && !ends(w, len, "eies") && !ends(w, len, "aies")) {
		w[len - 3] = 'y';
		len -= 2;
	} else if (ends(w, len, "es") && !ends(w, len, "aes") &&
	    !ends(w, len, "ees") && !ends(w, len, "oes")) {
		len -= 1;
	} else if (ends(w, len, "s") && !ends(w, len, "us") && !ends(w, len, "ss")) {
		len -= 1;
	}
	if (len >= 6 && ends(w, len, "ing"))
		len = strip_verb(w, len, 3);
	else if (len >= 5 && ends(w, len, "ed") && !ends(w, len, "eed"))
		len = strip_verb(w, len, 2);
	if (len >= 4 && w[len - 1] == 'e')
		len--;
	return len;
}

static int
is_word_cp(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC:
		return 1;
	default:
		return 0;
	}
}

/* Ends the word that starts at byte `start` of out: stems it and adds the NUL. */
static int
end_word(struct buf *out, size_t start, int ascii, long *nwords)
{
	size_t len = out->len - start;
	char *w = out->data + start;

	if (len == 0)
		return 0;
	if (ascii && !tok_is_stopword(w, len))
		out->len = start + tok_stem(w, len);
	(*nwords)++;
	return buf_putc(out, '\0');
}

static int
is_ascii_letter(utf8proc_int32_t cp)
{
	return cp >= 'a' && cp <= 'z';
}

static int
is_ascii_alnum(utf8proc_int32_t cp)
{
	return is_ascii_letter(cp) || (cp >= '0' && cp <= '9');
}

/* Walks normalised UTF-8 (or raw bytes when raw is set) and emits words. */
static long
split(const unsigned char *s, size_t n, int raw, struct buf *out)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t step;
	size_t i = 0, start = out->len;
	long nwords = 0;
	int ascii = 1, inword = 0;

	while (i < n) {
		if (raw) {
			cp = s[i] < 0x80 ? s[i] : 0x80;
			step = 1;
		} else {
			step = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
			if (step <= 0)
				break;
		}
		if (cp == '\'' && inword) {
			i += (size_t)step;
			continue;
		}
		if (raw ? (cp >= 0x80 || is_ascii_alnum(cp)) : is_word_cp(cp)) {
			if (buf_append(out, s + i, (size_t)step) < 0)
				return -1;
			ascii = ascii && is_ascii_letter(cp);
			inword = 1;
		} else if (inword) {
			if (end_word(out, start, ascii, &nwords) < 0)
				return -1;
			start = out->len;
			ascii = 1;
			inword = 0;
		}
		i += (size_t)step;
	}
	if (inword && end_word(out, start, ascii, &nwords) < 0)
		return -1;
	return nwords;
}

/* Not valid UTF-8: fold ASCII case and keep other bytes as word bytes. */
static long
split_raw(const char *s, struct buf *out)
{
	unsigned char *low;
	size_t i, n = strlen(s);
	long r;

	low = malloc(n + 1);
	if (!low)
		return -1;
	for (i = 0; i <= n; i++)
		low[i] = (unsigned char)(s[i] >= 'A' && s[i] <= 'Z' ?
		    s[i] - 'A' + 'a' : s[i]);
	r = split(low, n, 1, out);
	free(low);
	return r;
}

size_t
tok_ascii_len(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if ((unsigned char)s[n] >= 0x80)
			return SIZE_MAX;
	return n;
}

/*
 * For ASCII the utf8proc options below only lower A-Z, and its word
 * characters are exactly [a-z0-9]: split_raw() does the same without
 * decoding code points, which was most of tokenising a keyword list
 * (t-tokenize checks every ASCII byte both ways).
 */
long
tok_words(const char *s, struct buf *out)
{
	utf8proc_uint8_t *norm = NULL;
	utf8proc_ssize_t n;
	long r;

	if (tok_ascii_len(s) != SIZE_MAX)
		return split_raw(s, out);
	n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &norm,
	    UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
	    UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
	    UTF8PROC_IGNORE | UTF8PROC_LUMP);
	if (n < 0)
		return split_raw(s, out);
	r = split(norm, (size_t)n, 0, out);
	free(norm);
	return r;
}
