/* jsonl.c: bounded JSON-lines reader and flushing writer. */
#include "compat.h"

#include <errno.h>
#include <stdatomic.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "json.h"
#include "jsonl.h"

int
utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		if (i + n >= len)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * Whether a string of the line holds an escaped NUL: cJSON would decode it
 * into the string and every C consumer would then see the text cut there.
 * Escapes are read pairwise so that "\\u0000" (a backslash, then text)
 * does not count.
 */
static int
has_nul_escape(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && i + 6 <= len && !memcmp(s + i + 2, "0000", 4))
			return 1;
		i++;
	}
	return 0;
}

cJSON *
jsonl_parse_line(const char *line, size_t len, struct ig_err *err)
{
	const char *end = NULL;
	cJSON *rec;

	if (!utf8_valid(line, len)) {
		ig_err_set(err, IG_EDATA, "invalid UTF-8");
		return NULL;
	}
	if (memchr(line, '\0', len)) {
		ig_err_set(err, IG_EDATA, "NUL byte in line");
		return NULL;
	}
	if (has_nul_escape(line, len)) {
		ig_err_set(err, IG_EDATA, "NUL character (\\u0000) in a string");
		return NULL;
	}
	rec = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (!rec) {
		size_t col = end ? (size_t)(end - line) + 1 : 0;
		const char *at = cJSON_GetErrorPtr();
		if (at && at >= line && at <= line + len)
			col = (size_t)(at - line) + 1;
		ig_err_set(err, IG_EDATA, "not valid JSON (near column %zu)", col);
		return NULL;
	}
	while (end && end < line + len &&
	       (*end == ' ' || *end == '\t' || *end == '\r'))
		end++;
	if (end && end < line + len) {
		cJSON_Delete(rec);
		ig_err_set(err, IG_EDATA, "trailing text after the JSON value at column %zu",
			   (size_t)(end - line) + 1);
		return NULL;
	}
	if (!cJSON_IsObject(rec)) {
		cJSON_Delete(rec);
		ig_err_set(err, IG_EDATA, "record is not a JSON object");
		return NULL;
	}
	if (!json_finite(rec)) {
		cJSON_Delete(rec);
		ig_err_set(err, IG_EDATA, "number out of range");
		return NULL;
	}
	return rec;
}

int
jsonl_read_line(FILE *fp, struct buf *b, size_t max, size_t *len)
{
	int c;

	buf_reset(b);
	*len = 0;
	/* Each FILE here is read by one thread only: no stdio lock per byte. */
	while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
		if (*len < max && buf_putc(b, c) < 0)
			return -1;
		(*len)++;
	}
	return c != EOF || *len > 0;
}

static int
is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/*
 * A line as a record: JSON when it starts with '{' (after blanks), else
 * the plain text record the reader takes, if any, else an error that
 * says what was expected.
 */
static cJSON *
plain_line(const struct jsonl_reader *r, const char *s, size_t n, struct ig_err *why)
{
	size_t lead = strspn(s, " \t"), end = n;
	cJSON *rec;
	char *text;

	if ((lead < n && s[lead] == '{') || !r->plain_field) {
		rec = jsonl_parse_line(s, n, why);
		/* plain text where JSON was expected: say what a line must be */
		if (!rec && lead < n && !strchr("{[", s[lead]) &&
		    !strncmp(why->msg, "not valid JSON", 14))
			ig_err_set(why, IG_EDATA, "not a JSON record: each line must be one "
				   "JSON object (see igny8-records(5))");
		return rec;
	}
	if (!utf8_valid(s, n) || memchr(s, '\0', n)) {
		ig_err_set(why, IG_EDATA, "invalid UTF-8 or a NUL byte in line");
		return NULL;
	}
	while (end > lead && strchr(" \t\r", s[end - 1]))
		end--;
	if (!(text = strndup(s + lead, end - lead)) || !(rec = cJSON_CreateObject())) {
		free(text);
		ig_err_set(why, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	cJSON_AddStringToObject(rec, "type", r->plain_type);
	cJSON_AddStringToObject(rec, r->plain_field, text);
	free(text);
	return rec;
}

static int
bad_line(struct jsonl_reader *r, void *ctx, struct ig_err *err, struct ig_err *why)
{
	char where[256];

	snprintf(where, sizeof where, "%s:%ld", r->name, r->line);
	if (r->policy == JSONL_STOP) {
		ig_err_set(err, IG_EDATA, "%s: %s", where, why->msg);
		return -1;
	}
	r->nbad++;
	if (r->on_bad) {
		char msg[IG_ERR_MSGLEN + 300];
		snprintf(msg, sizeof msg, "%s: %s", where, why->msg);
		r->on_bad(msg, ctx);
	}
	return 0;
}

int
jsonl_each(struct jsonl_reader *r, jsonl_cb cb, void *ctx, struct ig_err *err)
{
	size_t max = r->max_line ? r->max_line : 1024 * 1024;
	struct buf line = BUF_INIT(0);
	struct ig_err why = { 0 };
	char where[256];
	size_t len;
	int got, rc = 0;

	r->line = 0;
	while ((got = jsonl_read_line(r->fp, &line, max, &len)) != 0) {
		cJSON *rec;

		r->line++;
		if (got < 0) {
			rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
			break;
		}
		if (len > max) {
			ig_err_set(&why, IG_EDATA, "line longer than %zu bytes", max);
			if ((rc = bad_line(r, ctx, err, &why)) < 0)
				break;
			continue;
		}
		if (is_blank(buf_str(&line), line.len))
			continue;
		rec = plain_line(r, buf_str(&line), line.len, &why);
		if (!rec) {
			if ((rc = bad_line(r, ctx, err, &why)) < 0)
				break;
			continue;
		}
		snprintf(where, sizeof where, "%s:%ld", r->name, r->line);
		rc = cb(rec, where, ctx, err);
		cJSON_Delete(rec);
		if (rc != 0)
			break;
	}
	if (rc == 0 && ferror(r->fp))
		rc = ig_err_set(err, IG_EIO, "%s: read error: %s", r->name,
				strerror(errno));
	buf_release(&line);
	return rc;
}

/* Set by the thread that writes records, read by workers deciding
 * whether to start another request. */
static atomic_int write_failed;
static atomic_int broken_pipe;
static int write_errno;		/* the first failure's; only the writer touches it */

int
jsonl_broken_pipe(void)
{
	return atomic_load(&broken_pipe);
}

int
jsonl_out_gone(FILE *out)
{
	struct pollfd p = { fileno(out), 0, 0 };

	if (atomic_load(&write_failed))
		return 1;
	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
		atomic_store(&broken_pipe, 1);
		atomic_store(&write_failed, 1);
		return 1;
	}
	return 0;
}

static int
out_failed(struct ig_err *err)
{
	if (!atomic_load(&write_failed)) {
		write_errno = errno ? errno : EIO;
		atomic_store(&broken_pipe, write_errno == EPIPE);
		atomic_store(&write_failed, 1);
	}
	if (atomic_load(&broken_pipe))
		return ig_err_set(err, IG_EIO, "broken pipe");
	return ig_err_set(err, IG_EIO, "write error on standard output: %s",
			  strerror(write_errno ? write_errno : EIO));
}

static int
should_flush(FILE *out)
{
	static int decided = -1;
	struct stat st;

	if (decided < 0)
		decided = !(fstat(fileno(out), &st) == 0 && S_ISREG(st.st_mode));
	return decided;
}

/* Text for a person in place of JSON lines on stdout (jsonl_set_render). */
static int (*renderer)(FILE *out, const cJSON *rec);

void
jsonl_set_render(int (*render)(FILE *out, const cJSON *rec))
{
	renderer = render;
}

int
jsonl_write(FILE *out, const cJSON *rec, struct ig_err *err)
{
	char *s;
	int bad;

	if (atomic_load(&write_failed))
		return out_failed(err);
	if (renderer && out == stdout) {
		errno = 0;
		if (renderer(out, rec) < 0 || fflush(out) == EOF)
			return out_failed(err);
		return 0;
	}
	s = json_dump(rec);
	if (!s)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory printing a record");
	errno = 0;
	bad = fputs(s, out) == EOF || putc('\n', out) == EOF;
	free(s);
	if (!bad && should_flush(out))
		bad = fflush(out) == EOF;
	if (bad)
		return out_failed(err);
	return 0;
}

int
jsonl_finish(FILE *out, struct ig_err *err)
{
	if (atomic_load(&write_failed))
		return out_failed(err);
	errno = 0;
	if (fflush(out) == EOF || ferror(out))
		return out_failed(err);
	return 0;
}
