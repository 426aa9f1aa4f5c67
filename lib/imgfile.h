/*
 * imgfile.h: image bytes we can trust before they reach the disk: which
 * format they really are (magic bytes, never the server's word), their
 * width and height from the header, and an atomic write (temporary file in
 * the same directory, fsync, rename).
 *
 * Only PNG, JPEG and WebP are known; anything else (an HTML error page
 * served as image/png, random bytes, a truncated file) is refused.
 */
#ifndef IG_IMGFILE_H
#define IG_IMGFILE_H

#include "compat.h"

#include <stddef.h>

#include "err.h"

enum img_format { IMG_UNKNOWN = 0, IMG_PNG, IMG_JPEG, IMG_WEBP };

struct img_info {
	enum img_format format;
	long width, height;	/* pixels, from the header */
};

/* The format the bytes start with, IMG_UNKNOWN when none. */
enum img_format imgfile_sniff(const unsigned char *d, size_t n);

/* "png", "jpeg", "webp" ("unknown" for IMG_UNKNOWN). */
const char *imgfile_format_name(enum img_format f);
/* File extension: "png", "jpg", "webp". */
const char *imgfile_ext(enum img_format f);
/*
 * A format from a name or MIME type: png, jpeg, jpg, webp, image/png, ...
 * (case-insensitive, parameters after ';' ignored); IMG_UNKNOWN otherwise.
 */
enum img_format imgfile_format_parse(const char *s);

/* Width and height from the header of a sniffed image; -1 when unreadable. */
int imgfile_dims(const unsigned char *d, size_t n, enum img_format f,
		 long *w_out, long *h_out);

/*
 * Accepts d only when it is a whole image of a known format, of the claimed
 * format (IMG_UNKNOWN = any known one), with readable dimensions and at
 * most max bytes (0 = no cap).  Fills *info.  Returns 0, or -1 with err
 * (IG_EPROTO) saying what the bytes look like instead.
 */
int imgfile_check(const unsigned char *d, size_t n, enum img_format claimed,
		  size_t max, struct img_info *info, struct ig_err *err);

/* Creates dir and its missing parents.  -1 with err (IG_EIO). */
int imgfile_mkdirs(const char *dir, struct ig_err *err);

/*
 * Writes n bytes to dir/name so that a reader sees the old file or the
 * whole new one, never a part: a temporary file in dir, fsync, rename,
 * then fsync of dir.  name must be a plain file name (no '/').  The file
 * gets mode 0644.  Returns 0, or -1 with err (IG_EIO) and no file left.
 */
int imgfile_write(const char *dir, const char *name, const void *d, size_t n,
		  struct ig_err *err);

#endif
