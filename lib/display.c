/* display.c: the live display's lines, clipped to the terminal (see display.h). */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/ioctl.h>

#include <utf8proc.h>

#include "display.h"

static int
env_int(const char *name, int dflt)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return dflt;
	n = strtol(v, &end, 10);
	return *end || n < 1 || n > 10000 ? dflt : (int)n;
}

int
display_columns(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return env_int("COLUMNS", 80);
}

int
display_lines(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		return ws.ws_row;
	return env_int("LINES", 24);
}

int
display_can_draw(int fd)
{
	const char *term = getenv("TERM");

	return isatty(fd) && term && *term && strcmp(term, "dumb") != 0;
}

/*
 * The next character of s: its code point in *cp (U+FFFD for a bad byte)
 * and its length in bytes.  A control character would move the cursor, so
 * the caller shows it as '?'.
 */
static size_t
next_char(const char *s, utf8proc_int32_t *cp)
{
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, cp);

	if (n < 1) {
		*cp = 0xFFFD;
		return 1;
	}
	return (size_t)n;
}

static int
is_control(utf8proc_int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xFFFD;
}

static int
char_width(utf8proc_int32_t cp)
{
	return is_control(cp) ? 1 : utf8proc_charwidth(cp);
}

int
display_width(const char *s)
{
	utf8proc_int32_t cp;
	int w = 0;

	while (*s) {
		s += next_char(s, &cp);
		w += char_width(cp);
	}
	return w;
}

/*
 * Appends s in at most cols columns, controls as '?'; a cut text ends in
 * "…".  Returns the columns used.
 */
static int
put_clipped(struct buf *out, const char *s, int cols)
{
	int full = display_width(s), used = 0, w;
	int room = full <= cols ? cols : cols - 1;	/* keep one for "…" */
	utf8proc_int32_t cp;
	size_t n;

	if (cols <= 0)
		return 0;
	while (*s) {
		n = next_char(s, &cp);
		w = char_width(cp);
		if (used + w > room)
			break;
		if (is_control(cp))
			buf_putc(out, '?');
		else
			buf_append(out, s, n);
		used += w;
		s += n;
	}
	if (full > cols) {
		buf_puts(out, "\xe2\x80\xa6");	/* U+2026 HORIZONTAL ELLIPSIS */
		used++;
	}
	return used;
}

static void
fmt_eta(char *out, size_t n, double secs)
{
	if (secs < 60)
		snprintf(out, n, "ETA %.0fs", secs);
	else if (secs < 3600)
		snprintf(out, n, "ETA %dm%02ds", (int)secs / 60, (int)secs % 60);
	else
		snprintf(out, n, "ETA %dh%02dm", (int)secs / 3600, (int)secs % 3600 / 60);
}

/* The stage's name and counts, the one part every line keeps. */
static void
fmt_head(char *out, size_t n, const struct board_row *r)
{
	const char *name = r->program;
	long fin = r->done + r->failed + r->skipped, inflight = 0;
	size_t len;

	if (!strncmp(name, "igny8-", 6))
		name += 6;
	for (int i = 0; i < BOARD_PHASES; i++)
		inflight += r->phases[i];
	if (r->total == 0 && fin == 0 && inflight == 0) {
		snprintf(out, n, "%-7s waiting for input", name);
		return;
	}
	snprintf(out, n, "%-7s %ld/%ld done, %ld failed", name, r->done + r->skipped,
		 r->total > fin ? r->total : fin, r->failed);
	len = strlen(out);
	if (r->skipped && len < n)
		snprintf(out + len, n - len, " (%ld already)", r->skipped);
}

void
display_line(struct buf *out, const struct board_row *r, int width)
{
	char head[128], phases[128] = "", cost[32], eta[32] = "";
	const char *rest[3] = { phases, cost, eta };
	int cols = width > 1 ? width - 1 : 1, used;
	size_t len = 0;

	fmt_head(head, sizeof head, r);
	for (int i = 0; i < BOARD_PHASES; i++)
		if (r->phases[i] > 0 && len < sizeof phases)
			len += (size_t)snprintf(phases + len, sizeof phases - len, "%s%s %ld",
						len ? " " : "", board_phase_names[i],
						r->phases[i]);
	/* Nothing spent on nothing yet: the line says it is waiting, no more. */
	if (r->total > 0 || r->cost > 0)
		snprintf(cost, sizeof cost, "$%.4f", r->cost);
	else
		cost[0] = '\0';
	if (r->eta >= 0 && r->total > r->done + r->failed + r->skipped)
		fmt_eta(eta, sizeof eta, r->eta);
	used = put_clipped(out, head, cols);
	/* In order of worth; what does not fit whole is left out. */
	for (size_t i = 0; i < ARRAY_SIZE(rest); i++) {
		int w = display_width(rest[i]);

		if (w && used + 2 + w <= cols) {
			buf_puts(out, "  ");
			used += 2 + put_clipped(out, rest[i], w);
		}
	}
	if (r->item[0] && cols - used - 2 >= 4) {
		buf_puts(out, "  ");
		put_clipped(out, r->item, cols - used - 2);
	}
}

void
display_block(struct buf *out, const struct board_row *rows, size_t n, int width,
	      int height)
{
	size_t max = height > 2 ? (size_t)height - 1 : 1, shown = n, lines;

	buf_puts(out, DISPLAY_ERASE);
	if (n == 0) {
		put_clipped(out, "no stage is running", width > 1 ? width - 1 : 1);
		buf_putc(out, '\r');
		return;
	}
	if (n > max)
		shown = max - 1;
	for (size_t i = 0; i < shown; i++) {
		if (i)
			buf_puts(out, "\r\n");
		display_line(out, &rows[i], width);
	}
	lines = shown;
	if (shown < n) {
		char more[64];

		snprintf(more, sizeof more, "... and %zu more", n - shown);
		if (shown)
			buf_puts(out, "\r\n");
		put_clipped(out, more, width > 1 ? width - 1 : 1);
		lines++;
	}
	buf_putc(out, '\r');
	if (lines > 1)
		buf_printf(out, "\033[%zuA", lines - 1);
}

int
display_write(int fd, const struct buf *out)
{
	size_t off = 0;
	ssize_t w;

	while (off < out->len) {
		w = write(fd, out->data + off, out->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}
