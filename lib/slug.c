/* slug.c: transliterated URL slugs (see slug.h). */
#include "compat.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "buf.h"
#include "slug.h"

/* Letters NFKD leaves whole; spellings from common transliteration use. */
static const struct {
	utf8proc_int32_t cp;
	const char *ascii;
} extra[] = {
	{ 0x00df, "ss" }, { 0x00e6, "ae" }, { 0x00f8, "o" }, { 0x0153, "oe" },
	{ 0x0142, "l" }, { 0x0111, "d" }, { 0x00f0, "d" }, { 0x00fe, "th" },
	{ 0x0131, "i" },
};

static const char *
spelled(utf8proc_int32_t cp)
{
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		if (extra[i].cp == cp)
			return extra[i].ascii;
	return NULL;
}

static int
wordish(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

char *
slug_make(const char *s, size_t max)
{
	utf8proc_uint8_t *folded = NULL;
	struct buf b = BUF_INIT(0);
	size_t lastword = 0;
	int dash = 0;

	/* Compatibility decomposition, case folded, marks stripped: é -> e. */
	if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &folded,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT |
			 UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD) < 0)
		folded = (utf8proc_uint8_t *)strdup("");
	if (!folded)
		return NULL;
	for (const utf8proc_uint8_t *p = folded; *p;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
		utf8proc_uint8_t enc[4];
		const char *sp;
		size_t before = b.len;

		if (n <= 0)
			break;
		p += n;
		if (!wordish(cp)) {
			dash = 1;
			continue;
		}
		if (dash && b.len) {
			lastword = b.len;
			buf_putc(&b, '-');
		}
		dash = 0;
		if ((sp = spelled(cp)))
			buf_puts(&b, sp);
		else
			buf_append(&b, enc, (size_t)utf8proc_encode_char(cp, enc));
		if (b.len > max) {
			/* Cut between words; inside the first word, before this letter. */
			b.len = lastword ? lastword : before;
			b.data[b.len] = '\0';
			break;
		}
	}
	free(folded);
	if (b.toobig) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}
