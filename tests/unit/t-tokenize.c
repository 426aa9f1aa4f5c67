/* t-tokenize.c: keyword normalisation, splitting, stemming and stopwords. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"
#include "tokenize.h"

/* Words of s joined by '|', for comparison (static buffer). */
static const char *
words(const char *s)
{
	static char out[512];
	struct buf b = BUF_INIT(0);
	long n, i;
	const char *p;

	out[0] = '\0';
	n = tok_words(s, &b);
	p = buf_str(&b);
	for (i = 0; i < n; i++, p += strlen(p) + 1) {
		if (i)
			strncat(out, "|", sizeof out - strlen(out) - 1);
		strncat(out, p, sizeof out - strlen(out) - 1);
	}
	buf_release(&b);
	return out;
}

/*
 * The ASCII path against utf8proc's: the same text with a word that is
 * not ASCII after it ("\xc3\xa9", folded to "e") takes utf8proc's path
 * and must give the same words and then that one.
 */
static void
test_ascii_path(void)
{
	int bad = 0;

	for (int c = 1; c < 0x80; c++) {
		char form[3][16], want[600], tail[64];

		snprintf(form[0], sizeof form[0], "Ab%cCd", c);
		snprintf(form[1], sizeof form[1], "%cRunning%c", c, c);
		snprintf(form[2], sizeof form[2], "x%c%cY's", c, c);
		for (int k = 0; k < 3; k++) {
			snprintf(want, sizeof want, "%s", words(form[k]));
			snprintf(tail, sizeof tail, "%s \xc3\xa9", form[k]);
			if (*want)
				strncat(want, "|", sizeof want - strlen(want) - 1);
			strncat(want, "e", sizeof want - strlen(want) - 1);
			if (strcmp(words(tail), want) != 0 && bad++ < 5)
				diag("byte 0x%02x form %d: ascii \"%s\", utf8proc \"%s\"",
				     c, k, want, words(tail));
		}
	}
	ok(bad == 0, "ASCII text splits as utf8proc splits it, every byte (%d differ)", bad);
}

int
main(void)
{
	char w[32];

	test_ascii_path();

	is_str(words("Running Shoes"), "run|sho", "case folded and stemmed");
	is_str(words("Café"), words("CAFE"), "accents and case ignored");
	is_str(words("ｃａｆｅ"), "caf", "fullwidth letters folded by NFKC");
	is_str(words("women's  shoes!!"), "women|sho", "apostrophe joins, punctuation splits");
	is_str(words("iphone-15 pro"), "iphon|15|pro", "hyphen splits, digits kept");
	is_str(words("how to make bread"), "how|to|mak|bread", "stopwords not stemmed");
	is_str(words("berries cherries"), "berry|cherry", "ies plural to y");
	is_str(words("boxes glasses"), "box|glass", "es plural and final e");
	is_str(words("東京 ホテル"), "東京|ホテル", "CJK runs are words");
	is_str(words("caf\xe9 bar"), "caf\xe9|bar", "invalid UTF-8 falls back to bytes");
	is_str(words("   "), "", "blank gives no words");
	ok(tok_is_stopword("the", 3), "'the' is a stopword");
	ok(!tok_is_stopword("shoe", 4), "'shoe' is not");
	snprintf(w, sizeof w, "spring");
	is_int(tok_stem(w, 6), 6, "no -ing strip without a vowel left ('spring')");
	snprintf(w, sizeof w, "selling");
	is_int(tok_stem(w, 7), 4, "'selling' keeps its double l");
	return done_testing();
}
