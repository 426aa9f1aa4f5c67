/* t-imgfile.c: image sniffing, header sizes, refusals and atomic writes. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgfile.h"
#include "tap.h"

/* Images made by tests/fakeapi/fakeapi.py (png_bytes, jpeg_bytes, webp_bytes). */
static const unsigned char png_16x8[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x08,
	0x08, 0x02, 0x00, 0x00, 0x00, 0x7f, 0x14, 0xe8, 0xc0, 0x00, 0x00, 0x00,
	0x13, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x38, 0x35, 0xbd, 0x91,
	0x24, 0xc4, 0x30, 0xaa, 0x81, 0x16, 0x1a, 0x00, 0xb4, 0xd0, 0xf1, 0x01,
	0x23, 0xdc, 0x09, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
	0xae, 0x42, 0x60, 0x82,
};

static const unsigned char jpeg_24x40[] = {
	0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
	0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43,
	0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x28,
	0x00, 0x18, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xd9,
};

static const unsigned char webp_300x200[] = {
	0x52, 0x49, 0x46, 0x46, 0x18, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
	0x56, 0x50, 0x38, 0x4c, 0x0c, 0x00, 0x00, 0x00, 0x2f, 0x2b, 0xc1, 0x31,
	0x00, 0xe8, 0x48, 0x7d, 0x8a, 0xde, 0xff, 0x00,
};

/* The first 30 bytes of a lossy WebP (VP8 key frame) of 640x480. */
static const unsigned char webp_vp8[30] = {
	'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P',
	'V', 'P', '8', ' ', 10, 0, 0, 0,
	0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01,
};

/* An extended WebP (VP8X) header of 4000x3000. */
static const unsigned char webp_vp8x[30] = {
	'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P',
	'V', 'P', '8', 'X', 10, 0, 0, 0,
	0, 0, 0, 0, 0x9f, 0x0f, 0x00, 0xb7, 0x0b, 0x00,
};

static void
check_ok(const unsigned char *d, size_t n, enum img_format want, long w, long h,
	 const char *what)
{
	struct img_info info = { 0 };
	struct ig_err err = { 0 };

	is_int(imgfile_sniff(d, n), want, "%s: sniffed", what);
	ok(imgfile_check(d, n, want, 0, &info, &err) == 0, "%s: accepted", what);
	if (err.code)
		diag("%s", err.msg);
	is_int(info.width, w, "%s: width", what);
	is_int(info.height, h, "%s: height", what);
}

static void
check_bad(const unsigned char *d, size_t n, enum img_format claimed,
	  const char *want_msg, const char *what)
{
	struct img_info info = { 0 };
	struct ig_err err = { 0 };

	ok(imgfile_check(d, n, claimed, 0, &info, &err) < 0 && err.code == IG_EPROTO &&
	   strstr(err.msg, want_msg), "%s refused", what);
	if (!strstr(err.msg, want_msg))
		diag("message: %s", err.msg);
}

static void
test_formats(void)
{
	static const char html[] = "<!DOCTYPE html><html><body>403</body></html>\n";
	unsigned char junk[64];
	struct img_info info;
	struct ig_err err = { 0 };

	check_ok(png_16x8, sizeof png_16x8, IMG_PNG, 16, 8, "png");
	check_ok(jpeg_24x40, sizeof jpeg_24x40, IMG_JPEG, 24, 40, "jpeg");
	check_ok(webp_300x200, sizeof webp_300x200, IMG_WEBP, 300, 200, "webp lossless");
	check_ok(webp_vp8, sizeof webp_vp8, IMG_WEBP, 640, 480, "webp lossy");
	check_ok(webp_vp8x, sizeof webp_vp8x, IMG_WEBP, 4000, 3000, "webp extended");
	check_bad((const unsigned char *)html, strlen(html), IMG_PNG,
		  "an HTML or XML page", "an HTML page");
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	check_bad(junk, sizeof junk, IMG_PNG, "unrecognised bytes", "random bytes");
	check_bad(junk, 0, IMG_UNKNOWN, "an empty body", "an empty body");
	check_bad(png_16x8, sizeof png_16x8, IMG_JPEG, "is png, not the jpeg",
		  "a PNG claimed as JPEG");
	check_bad(png_16x8, sizeof png_16x8 - 20, IMG_PNG, "truncated", "a cut-off PNG");
	check_bad(jpeg_24x40, sizeof jpeg_24x40 / 2, IMG_JPEG, "truncated",
		  "a cut-off JPEG");
	check_bad(webp_300x200, 20, IMG_WEBP, "truncated", "a cut-off WebP");
	ok(imgfile_check(png_16x8, sizeof png_16x8, IMG_UNKNOWN, 10, &info, &err) < 0 &&
	   strstr(err.msg, "image.max_bytes"), "over the size cap refused");
	ok(imgfile_check(png_16x8, sizeof png_16x8, IMG_UNKNOWN, 0, &info, &err) == 0,
	   "any known format when none is claimed");
}

static void
test_names(void)
{
	is_int(imgfile_format_parse("image/png"), IMG_PNG, "image/png");
	is_int(imgfile_format_parse("IMAGE/JPEG; q=1"), IMG_JPEG, "image/jpeg with parameters");
	is_int(imgfile_format_parse("jpg"), IMG_JPEG, "jpg");
	is_int(imgfile_format_parse("WEBP"), IMG_WEBP, "WEBP");
	is_int(imgfile_format_parse("text/html"), IMG_UNKNOWN, "text/html");
	is_int(imgfile_format_parse(NULL), IMG_UNKNOWN, "NULL");
	is_str(imgfile_ext(IMG_JPEG), "jpg", "jpeg files end in .jpg");
	is_str(imgfile_format_name(IMG_WEBP), "webp", "webp name");
}

static void
test_write(void)
{
	char dir[] = "/tmp/t-imgfile.XXXXXX", sub[256], path[512];
	struct ig_err err = { 0 };
	struct stat st;
	FILE *fp;
	unsigned char back[256];
	size_t n;

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(sub, sizeof sub, "%s/a/b", dir);
	ok(imgfile_mkdirs(sub, &err) == 0, "mkdirs makes parents");
	ok(imgfile_mkdirs(sub, &err) == 0, "mkdirs twice is fine");
	ok(imgfile_write(sub, "x.png", png_16x8, sizeof png_16x8, &err) == 0, "write");
	snprintf(path, sizeof path, "%s/x.png", sub);
	fp = fopen(path, "rb");
	n = fp ? fread(back, 1, sizeof back, fp) : 0;
	if (fp)
		fclose(fp);
	ok(n == sizeof png_16x8 && !memcmp(back, png_16x8, n), "read back the same bytes");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "mode 0644");
	ok(imgfile_write(sub, "x.png", jpeg_24x40, sizeof jpeg_24x40, &err) == 0 &&
	   stat(path, &st) == 0 && st.st_size == (off_t)sizeof jpeg_24x40,
	   "rewrite replaces the file");
	ok(imgfile_write(sub, "../y.png", png_16x8, 8, &err) < 0, "a '/' in the name is refused");
	snprintf(path, sizeof path, "%s/nope/none", dir);
	ok(imgfile_write(path, "x.png", png_16x8, 8, &err) < 0 && err.code == IG_EIO &&
	   strstr(err.msg, "nope"), "a missing directory is an I/O error naming it");
	unlink(path);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	ok(system(path) == 0, "cleanup");
}

int
main(void)
{
	test_formats();
	test_names();
	test_write();
	return done_testing();
}
