/*
 * buf.h: a growable byte buffer with a hard cap (a caller-owned struct).
 *
 * The data is always NUL-terminated.  Appending past `max` fails and sets
 * `toobig`, so every reader of outside data (HTTP bodies, input lines, model
 * replies) has a limit.  buf_detach() hands the bytes to the caller (free()).
 */
#ifndef IG_BUF_H
#define IG_BUF_H

#include "compat.h"

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;   /* NUL-terminated; NULL until the first append */
	size_t len;   /* bytes used, not counting the NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* cap on len; 0 means no cap */
	int toobig;   /* set once an append would pass max */
};

#define BUF_INIT(max_) { NULL, 0, 0, (max_), 0 }

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/*
 * Makes room for extra more bytes up front, so a builder that knows its
 * size allocates once.  Fails (-1) and sets toobig as an append of that
 * size would, so on a capped buffer reserve only what will be appended.
 */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
/* buf_putc()'s way when the byte does not fit as things stand. */
int buf_putc_grow(struct buf *b, int c);

/*
 * Appends one byte.  Inline (as git's strbuf_addch) because the renderers
 * and escapers put text a byte at a time: while the byte fits under both
 * the allocation and the cap it is stored at once.
 */
static inline int
buf_putc(struct buf *b, int c)
{
	if (b->len + 1 < b->cap && (!b->max || b->len < b->max)) {
		b->data[b->len++] = (char)c;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_putc_grow(b, c);
}

int buf_printf(struct buf *b, const char *fmt, ...) IG_PRINTF(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Returns the data (never NULL: "" for an empty buffer) and resets b. */
char *buf_detach(struct buf *b);
/* Borrowed view, "" when empty. */
const char *buf_str(const struct buf *b);

#endif
