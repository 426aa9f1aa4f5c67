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
int buf_putc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...) IG_PRINTF(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Returns the data (never NULL: "" for an empty buffer) and resets b. */
char *buf_detach(struct buf *b);
/* Borrowed view, "" when empty. */
const char *buf_str(const struct buf *b);

#endif
