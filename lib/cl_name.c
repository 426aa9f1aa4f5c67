/*
 * cl_name.c: the head term of a cluster without volumes (see cl_name.h).
 *
 * Also the order of a cluster's members when volumes do not decide it.
 *
 * Why an n-gram and not a member: the most central member of a cluster is
 * often a long-tail phrase ("leather running shoes womens uk") or, for
 * question-like keywords, a whole sentence; people search the shorter
 * phrase most members share ("running shoes").  Words are compared stemmed
 * (so "shoe" and "shoes" count as one) and shown as most members write
 * them.  Phrases that begin or end with a stopword ("shoes for") are no
 * names.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cl_name.h"
#include "strmap.h"
#include "tokenize.h"

#define MAX_MEMBERS 256		/* the most central members looked at */
#define MAX_WORDS 16		/* words of a member looked at */

struct gram {
	char *key;		/* stemmed words, space-separated */
	char *text;		/* the words as normalised, space-separated */
	size_t member;
	size_t words;
	size_t gaps;		/* words skipped inside the phrase */
};

static int
cmp_gram(const void *a, const void *b)
{
	const struct gram *x = a, *y = b;
	int s = strcmp(x->key, y->key);

	if (s)
		return s;
	if ((s = strcmp(x->text, y->text)))
		return s;
	return (x->member > y->member) - (x->member < y->member);
}

static char *
join(char *const *w, const size_t *len, size_t n)
{
	size_t i, t = 0;
	char *s, *p;

	for (i = 0; i < n; i++)
		t += len[i] + 1;
	if (!(s = malloc(t + 1)))
		return NULL;
	for (p = s, i = 0; i < n; i++) {
		memcpy(p, w[i], len[i]);
		p += len[i];
		*p++ = ' ';
	}
	p[n ? -1 : 0] = '\0';
	return s;
}

/* Bytes that separate the words a name is made of. */
static int
is_sep(unsigned char c)
{
	return c <= ' ' || strchr(",;:!?()[]{}\"/|<>*", c) != NULL;
}

/*
 * Splits kw into words as written (ASCII lower-cased) and their keys: the
 * word's stemmed tokens (tokenize.h), so "Shoes" and "shoe" compare equal.
 * A word with no token (a lone "&") is dropped.  Returns the word count.
 */
static size_t
split_words(const char *kw, char **word, size_t *wl, char **key, size_t *kl,
    struct buf *b)
{
	size_t nw = 0, i, len;
	const char *p = kw, *q;
	char *t;

	while (*p && nw < MAX_WORDS) {
		while (*p && is_sep((unsigned char)*p))
			p++;
		for (q = p; *q && !is_sep((unsigned char)*q); q++)
			;
		if (q == p)
			break;
		len = (size_t)(q - p);
		buf_reset(b);
		t = len < 256 ? strndup(p, len) : NULL;
		if (t && tok_words(t, b) > 0 &&
		    (word[nw] = strndup(p, len)) != NULL) {
			for (i = 0; i < len; i++)
				if (word[nw][i] >= 'A' && word[nw][i] <= 'Z')
					word[nw][i] = (char)(word[nw][i] - 'A' + 'a');
			/* tokens are NUL-separated: one key with spaces */
			for (i = 0; i < b->len; i++)
				if (b->data[i] == '\0')
					b->data[i] = ' ';
			kl[nw] = b->len && b->data[b->len - 1] == ' ' ? b->len - 1 : b->len;
			key[nw] = strndup(b->data, kl[nw]);
			wl[nw] = len;
			if (!key[nw]) {
				free(word[nw]);
				free(t);
				break;
			}
			nw++;
		}
		free(t);
		p = q;
	}
	return nw;
}

/* One member's words, and where its phrases go. */
struct member_words {
	char **word, **key;
	size_t *wl, *kl, nw, m;
	struct gram **g;
	size_t *ng, *cap;
};

/* Appends the phrase of words pos[0..len); -1 on out of memory. */
static int
add_gram(struct member_words *mw, const size_t *pos, size_t len)
{
	char *w[CL_NAME_MAX_WORDS], *k[CL_NAME_MAX_WORDS];
	size_t wl[CL_NAME_MAX_WORDS], kl[CL_NAME_MAX_WORDS], i;
	struct gram *x;

	if (*mw->ng == *mw->cap) {
		*mw->cap = *mw->cap ? *mw->cap * 2 : 64;
		if (!(x = realloc(*mw->g, *mw->cap * sizeof *x)))
			return -1;
		*mw->g = x;
	}
	for (i = 0; i < len; i++) {
		w[i] = mw->word[pos[i]];
		wl[i] = mw->wl[pos[i]];
		k[i] = mw->key[pos[i]];
		kl[i] = mw->kl[pos[i]];
	}
	x = &(*mw->g)[*mw->ng];
	x->key = join(k, kl, len);
	x->text = join(w, wl, len);
	x->member = mw->m;
	x->words = len;
	x->gaps = pos[len - 1] - pos[0] + 1 - len;
	if (!x->key || !x->text || strlen(x->text) > CL_NAME_MAX_BYTES) {
		free(x->key);
		free(x->text);
		return x->key && x->text ? 0 : -1;
	}
	(*mw->ng)++;
	return 0;
}

/*
 * Phrases: words in their order, gaps allowed within a span of SPAN words
 * ("iphone case" in "iphone 15 pro case"), neither end a stopword.
 */
#define SPAN 6

static int
add_from(struct member_words *mw, size_t *pos, size_t len)
{
	size_t i, last;

	if (len > 0 && !tok_is_stopword(mw->key[pos[len - 1]], mw->kl[pos[len - 1]]) &&
	    add_gram(mw, pos, len) < 0)
		return -1;
	if (len == CL_NAME_MAX_WORDS)
		return 0;
	last = len ? pos[len - 1] + 1 : 0;
	for (i = last; i < mw->nw && (len == 0 || i < pos[0] + SPAN); i++) {
		if (len == 0 && tok_is_stopword(mw->key[i], mw->kl[i]))
			continue;
		pos[len] = i;
		if (add_from(mw, pos, len + 1) < 0)
			return -1;
	}
	return 0;
}

/* Appends member m's phrases to *g; -1 on out of memory. */
static int
add_grams(const char *kw, size_t m, struct gram **g, size_t *ng, size_t *cap)
{
	struct buf b;
	char *word[MAX_WORDS], *key[MAX_WORDS];
	size_t wl[MAX_WORDS], kl[MAX_WORDS], i, pos[CL_NAME_MAX_WORDS];
	struct member_words mw = { word, key, wl, kl, 0, m, g, ng, cap };
	int rc;

	buf_init(&b, 4096);
	mw.nw = split_words(kw, word, wl, key, kl, &b);
	rc = add_from(&mw, pos, 0);
	for (i = 0; i < mw.nw; i++) {
		free(word[i]);
		free(key[i]);
	}
	buf_release(&b);
	return rc;
}

/* Is candidate c (cover members) a better name than the best so far? */
static int
better(const struct gram *c, size_t cover, const char *text,
    const struct gram *b, size_t bcover, const char *btext)
{
	if (!b)
		return 1;
	if (c->words != b->words)
		return c->words > b->words;
	if (cover != bcover)
		return cover > bcover;
	if (c->gaps != b->gaps)
		return c->gaps < b->gaps;
	return strcmp(text, btext) < 0;
}

int
cl_name_head(const char *const *kw, size_t n, char **name_out)
{
	struct gram *g = NULL;
	size_t ng = 0, cap = 0, i, j, k, cover, bcover = 0, gi, mingaps;
	size_t tcount, best_tcount;
	const char *btext = NULL, *text;
	const struct gram *bg = NULL;
	int rc = -1;

	*name_out = NULL;
	if (n > MAX_MEMBERS)
		n = MAX_MEMBERS;
	for (i = 0; i < n; i++)
		if (add_grams(kw[i], i, &g, &ng, &cap) < 0)
			goto out;
	if (ng > 1)
		qsort(g, ng, sizeof *g, cmp_gram);
	for (i = 0; i < ng; i = j) {
		/* one key: count distinct members, pick its commonest text */
		cover = 0;
		text = NULL;
		best_tcount = 0;
		for (j = i; j < ng && !strcmp(g[j].key, g[i].key); j = k) {
			tcount = 0;
			for (k = j; k < ng && !strcmp(g[k].key, g[j].key) &&
			    !strcmp(g[k].text, g[j].text); k++)
				tcount += k == j || g[k].member != g[k - 1].member;
			if (tcount > best_tcount) {
				best_tcount = tcount;
				text = g[j].text;
			}
		}
		gi = i;
		mingaps = g[i].gaps;
		for (k = i; k < j; k++) {
			size_t l;

			for (l = i; l < k && g[l].member != g[k].member; l++)
				;
			cover += l == k;
			if (g[k].gaps < mingaps) {
				mingaps = g[k].gaps;
				gi = k;
			}
		}
		/* covers most members, and more than one */
		if (cover >= 2 && 2 * cover > n &&
		    better(&g[gi], cover, text, bg, bcover, btext)) {
			btext = text;
			bg = &g[gi];
			bcover = cover;
		}
	}
	if (btext && !(*name_out = strdup(btext)))
		goto out;
	rc = 0;
out:
	for (i = 0; i < ng; i++) {
		free(g[i].key);
		free(g[i].text);
	}
	free(g);
	return rc;
}

/* ---- member order ---- */

struct word_of {
	uint64_t h;		/* hash of a stemmed content word */
	size_t member;
};

static int
cmp_word_of(const void *a, const void *b)
{
	const struct word_of *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return (x->member > y->member) - (x->member < y->member);
}

int
cl_name_centrality(const char *const *kw, size_t n, double *score_out)
{
	struct word_of *v = NULL, *t;
	size_t nv = 0, cap = 0, i, j, k, *nw = calloc(n + 1, sizeof *nw);
	struct buf b;
	const char *p;
	int rc = -1;

	buf_init(&b, 1 << 16);
	if (!nw)
		goto out;
	for (i = 0; i < n; i++) {
		score_out[i] = 0;
		buf_reset(&b);
		if (tok_words(kw[i], &b) < 0)
			continue;
		for (p = b.data; p && p < b.data + b.len; p += strlen(p) + 1) {
			if (tok_is_stopword(p, strlen(p)))
				continue;
			if (nv == cap) {
				cap = cap ? cap * 2 : 256;
				if (!(t = realloc(v, cap * sizeof *t)))
					goto out;
				v = t;
			}
			v[nv++] = (struct word_of){ ig_fnv1a(p), i };
		}
	}
	if (nv > 1)
		qsort(v, nv, sizeof *v, cmp_word_of);
	/* a word repeated in one member counts once for it */
	for (i = 0, k = 0; i < nv; i++)
		if (k == 0 || v[i].h != v[k - 1].h || v[i].member != v[k - 1].member)
			v[k++] = v[i];
	nv = k;
	for (i = 0; i < nv; i = j) {
		for (j = i; j < nv && v[j].h == v[i].h; j++)
			;
		for (k = i; k < j; k++) {
			score_out[v[k].member] += (double)(j - i - 1);
			nw[v[k].member]++;
		}
	}
	for (i = 0; i < n; i++)
		if (nw[i])
			score_out[i] /= (double)nw[i];
	rc = 0;
out:
	buf_release(&b);
	free(v);
	free(nw);
	return rc;
}
