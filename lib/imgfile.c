/* imgfile.c: image sniffing, header dimensions and atomic writes (see imgfile.h). */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgfile.h"

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
static const unsigned char png_iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D',
					    0xae, 0x42, 0x60, 0x82 };

static unsigned long
be16(const unsigned char *p)
{
	return (unsigned long)p[0] << 8 | p[1];
}

static unsigned long
be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	       (unsigned long)p[2] << 8 | p[3];
}

static unsigned long
le16(const unsigned char *p)
{
	return (unsigned long)p[1] << 8 | p[0];
}

static unsigned long
le24(const unsigned char *p)
{
	return (unsigned long)p[2] << 16 | (unsigned long)p[1] << 8 | p[0];
}

static unsigned long
le32(const unsigned char *p)
{
	return le24(p) | (unsigned long)p[3] << 24;
}

enum img_format
imgfile_sniff(const unsigned char *d, size_t n)
{
	if (n >= 8 && !memcmp(d, png_sig, 8))
		return IMG_PNG;
	if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return IMG_JPEG;
	if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return IMG_WEBP;
	return IMG_UNKNOWN;
}

const char *
imgfile_format_name(enum img_format f)
{
	static const char *const names[] = { "unknown", "png", "jpeg", "webp" };

	return names[f];
}

const char *
imgfile_ext(enum img_format f)
{
	static const char *const ext[] = { "bin", "png", "jpg", "webp" };

	return ext[f];
}

enum img_format
imgfile_format_parse(const char *s)
{
	size_t n;

	if (!s)
		return IMG_UNKNOWN;
	while (isspace((unsigned char)*s))
		s++;
	if (!strncasecmp(s, "image/", 6))
		s += 6;
	n = strcspn(s, "; \t");
	if (n == 3 && !strncasecmp(s, "png", 3))
		return IMG_PNG;
	if ((n == 4 && !strncasecmp(s, "jpeg", 4)) || (n == 3 && !strncasecmp(s, "jpg", 3)))
		return IMG_JPEG;
	if (n == 4 && !strncasecmp(s, "webp", 4))
		return IMG_WEBP;
	return IMG_UNKNOWN;
}

static int
png_dims(const unsigned char *d, size_t n, long *w, long *h)
{
	if (n < 24 + sizeof png_iend || memcmp(d + 12, "IHDR", 4))
		return -1;
	/* A PNG ends with IEND: its absence means a cut-off download. */
	if (memcmp(d + n - sizeof png_iend, png_iend, sizeof png_iend))
		return -1;
	*w = (long)be32(d + 16);
	*h = (long)be32(d + 20);
	return 0;
}

/* SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) do not. */
static int
is_sof(int m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

static int
jpeg_dims(const unsigned char *d, size_t n, long *w, long *h)
{
	size_t i = 2, end = n;

	/* The image must end with EOI (trailing NULs are tolerated). */
	while (end > 2 && d[end - 1] == 0)
		end--;
	if (end < 4 || d[end - 2] != 0xff || d[end - 1] != 0xd9)
		return -1;
	while (i + 4 <= n) {
		int m;

		if (d[i] != 0xff)
			return -1;
		while (i + 1 < n && d[i + 1] == 0xff)
			i++;
		m = d[i + 1];
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd8)) {
			i += 2;
			continue;
		}
		if (m == 0xd9 || m == 0xda || i + 4 > n)
			return -1;	/* scan data before any frame header */
		if (is_sof(m)) {
			if (i + 9 > n)
				return -1;
			*h = (long)be16(d + i + 5);
			*w = (long)be16(d + i + 7);
			return 0;
		}
		i += 2 + be16(d + i + 2);
	}
	return -1;
}

static int
webp_dims(const unsigned char *d, size_t n, long *w, long *h)
{
	const unsigned char *c = d + 20;	/* first chunk's data */

	/* RIFF's own length covers the rest of the file. */
	if (n < 30 || le32(d + 4) + 8 > n)
		return -1;
	if (!memcmp(d + 12, "VP8 ", 4)) {
		if (c[3] != 0x9d || c[4] != 0x01 || c[5] != 0x2a)
			return -1;
		*w = (long)(le16(c + 6) & 0x3fff);
		*h = (long)(le16(c + 8) & 0x3fff);
	} else if (!memcmp(d + 12, "VP8L", 4)) {
		if (c[0] != 0x2f)
			return -1;
		*w = (long)(le32(c + 1) & 0x3fff) + 1;
		*h = (long)(le32(c + 1) >> 14 & 0x3fff) + 1;
	} else if (!memcmp(d + 12, "VP8X", 4)) {
		*w = (long)le24(c + 4) + 1;
		*h = (long)le24(c + 7) + 1;
	} else {
		return -1;
	}
	return 0;
}

int
imgfile_dims(const unsigned char *d, size_t n, enum img_format f, long *w_out,
	     long *h_out)
{
	long w = 0, h = 0;
	int rc = -1;

	switch (f) {
	case IMG_PNG: rc = png_dims(d, n, &w, &h); break;
	case IMG_JPEG: rc = jpeg_dims(d, n, &w, &h); break;
	case IMG_WEBP: rc = webp_dims(d, n, &w, &h); break;
	default: break;
	}
	if (rc < 0 || w <= 0 || h <= 0)
		return -1;
	*w_out = w;
	*h_out = h;
	return 0;
}

/* A few words on what unknown bytes look like, for the error message. */
static const char *
looks_like(const unsigned char *d, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return "an empty body";
	if (n >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf)
		i = 3;
	while (i < n && isspace(d[i]))
		i++;
	if (i < n && d[i] == '<')
		return "an HTML or XML page";
	if (i < n && (d[i] == '{' || d[i] == '['))
		return "a JSON document";
	return "unrecognised bytes";
}

int
imgfile_check(const unsigned char *d, size_t n, enum img_format claimed,
	      size_t max, struct img_info *info, struct ig_err *err)
{
	enum img_format f = imgfile_sniff(d, n);

	if (max && n > max)
		return ig_err_set(err, IG_EPROTO, "image of %zu bytes is over "
				  "image.max_bytes (%zu)", n, max);
	if (f == IMG_UNKNOWN)
		return ig_err_set(err, IG_EPROTO, "not a PNG, JPEG or WebP image "
				  "(%zu bytes of %s)", n, looks_like(d, n));
	if (claimed != IMG_UNKNOWN && f != claimed)
		return ig_err_set(err, IG_EPROTO, "image is %s, not the %s the "
				  "server claimed", imgfile_format_name(f),
				  imgfile_format_name(claimed));
	if (imgfile_dims(d, n, f, &info->width, &info->height) < 0)
		return ig_err_set(err, IG_EPROTO, "corrupt or truncated %s image "
				  "(%zu bytes)", imgfile_format_name(f), n);
	info->format = f;
	return 0;
}

int
imgfile_mkdirs(const char *dir, struct ig_err *err)
{
	char *p = strdup(dir), *s;
	int rc = 0;

	if (!p)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			rc = ig_err_set(err, IG_EIO, "%s: %s", p, strerror(errno));
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

static int
write_all(int fd, const unsigned char *d, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, d, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		d += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Makes the rename itself durable. */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int
imgfile_write(const char *dir, const char *name, const void *d, size_t n,
	      struct ig_err *err)
{
	size_t len = strlen(dir) + strlen(name) + 16;
	char *tmp = malloc(len), *dst = malloc(len);
	int fd = -1, rc = -1, e = 0;

	if (!tmp || !dst) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		goto out;
	}
	/* Names are ours (task1-featured-0-desktop.png); a '/' is a bug. */
	if (strchr(name, '/') || !*name || *name == '.') {
		ig_err_set(err, IG_ESOFTWARE, "bad image file name '%s'", name);
		goto out;
	}
	snprintf(tmp, len, "%s/.%s.XXXXXX", dir, name);
	snprintf(dst, len, "%s/%s", dir, name);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		ig_err_set(err, IG_EIO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (write_all(fd, d, n) < 0 || fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		e = errno ? errno : EIO;
	if (close(fd) < 0 && !e)
		e = errno;
	if (!e && rename(tmp, dst) < 0)
		e = errno;
	if (e) {
		unlink(tmp);
		ig_err_set(err, IG_EIO, "writing %s: %s", dst, strerror(e));
		goto out;
	}
	sync_dir(dir);
	rc = 0;
out:
	free(tmp);
	free(dst);
	return rc;
}
