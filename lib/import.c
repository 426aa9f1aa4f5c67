/*
 * import.c: reading keyword files of several formats into kw_fields rows.
 *
 * The design note is in import.h.  Rows pass three gates in order: the
 * format's own syntax (JSON, CSV quoting), the field checks here (UTF-8,
 * numbers), then kw_upsert(); a data error from any of them is a "bad row"
 * and follows the one policy in bad_row().
 */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "csv.h"
#include "import.h"
#include "jsonl.h"

#define KW_MAX_LEN 500	/* bytes; the same limit kw_from_record() applies */

static const char *const format_names[] = { "auto", "jsonl", "text", "csv" };

int
imp_format_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++)
		if (strcmp(s, format_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
imp_format_name(int format)
{
	if (format < 0 || (size_t)format >= ARRAY_SIZE(format_names))
		return "unknown";
	return format_names[format];
}

/* --- decoding ------------------------------------------------------- */

static int
put_utf8(struct buf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80)
		u[0] = (char)cp, n = 1;
	else if (cp < 0x800)
		u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	else if (cp < 0x10000)
		u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
		u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	else
		u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)),
		n = 4;
	return buf_append(b, u, n);
}

static char *
from_utf16(const unsigned char *s, size_t len, int be, size_t *len_out,
	   struct ig_err *err)
{
	struct buf b = BUF_INIT(0);

	if (len % 2)
		len--; /* a stray last byte cannot be a character */
	for (size_t i = 0; i < len; i += 2) {
		unsigned long u = be ? (s[i] << 8 | s[i + 1]) : (s[i + 1] << 8 | s[i]);

		if (u >= 0xd800 && u <= 0xdbff && i + 3 < len) {
			unsigned long lo = be ? (s[i + 2] << 8 | s[i + 3])
					      : (s[i + 3] << 8 | s[i + 2]);
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (u >= 0xd800 && u <= 0xdfff) {
			buf_release(&b);
			ig_err_set(err, IG_EDATA, "invalid UTF-16 at byte %zu", i);
			return NULL;
		}
		if (put_utf8(&b, u) < 0) {
			buf_release(&b);
			ig_err_set(err, IG_ESOFTWARE, "out of memory");
			return NULL;
		}
	}
	*len_out = b.len;
	return buf_detach(&b);
}

/* BOM-less UTF-16 still shows itself: ASCII text has a zero in every pair. */
static int
looks_utf16(const unsigned char *s, size_t len, int *be_out)
{
	if (len < 4 || memchr(s, '\0', len) == NULL)
		return 0;
	if (s[0] && !s[1] && s[2] && !s[3])
		return *be_out = 0, 1;
	if (!s[0] && s[1] && !s[2] && s[3])
		return *be_out = 1, 1;
	return 0;
}

char *
imp_decode(const char *raw, size_t len, size_t *len_out, struct ig_err *err)
{
	const unsigned char *s = (const unsigned char *)raw;
	char *out;
	int be;

	if (len >= 2 && s[0] == 0xff && s[1] == 0xfe)
		return from_utf16(s + 2, len - 2, 0, len_out, err);
	if (len >= 2 && s[0] == 0xfe && s[1] == 0xff)
		return from_utf16(s + 2, len - 2, 1, len_out, err);
	if (looks_utf16(s, len, &be))
		return from_utf16(s, len, be, len_out, err);
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		raw += 3, len -= 3;
	if (!(out = malloc(len + 1))) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	memcpy(out, raw, len);
	out[len] = '\0';
	*len_out = len;
	return out;
}

/* --- numbers -------------------------------------------------------- */

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
			 e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int
is_unknown(const char *s)
{
	return !*s || strcmp(s, "-") == 0 || strcmp(s, "\xe2\x80\x94") == 0 ||
	       strcasecmp(s, "n/a") == 0 || strcasecmp(s, "na") == 0;
}

/* Is the separator at s[i] a thousands separator (three digits, then an end)? */
static int
grouping(const char *s, size_t i)
{
	size_t k = i + 1;

	while (k < i + 4 && isdigit((unsigned char)s[k]))
		k++;
	return k == i + 4 && !isdigit((unsigned char)s[k]);
}

/*
 * "1,900" "1 900" "1.9K" "12.5" "2M+" -> a number.  Without a K/M/B suffix
 * a '.' or ',' followed by exactly three digits groups thousands (so both
 * "1,900" and the European "1.900" read as 1900); otherwise it is the
 * decimal point.
 */
static int
parse_amount(const char *in, double *out)
{
	char num[64], *end;
	size_t n = 0, len = strlen(in);
	double mult = 1;
	const char *s = in;

	while (len && in[len - 1] == '+')
		len--;
	if (len && strchr("kKmMbB", in[len - 1])) {
		mult = strchr("kK", in[len - 1]) ? 1e3 :
		       strchr("mM", in[len - 1]) ? 1e6 : 1e9;
		len--;
	}
	for (size_t i = 0; i < len && n < sizeof num - 1; i++) {
		char c = s[i];

		if (isdigit((unsigned char)c))
			num[n++] = c;
		else if (c == ' ' || c == '\'')
			continue;
		else if ((unsigned char)c == 0xc2 && i + 1 < len &&
			 (unsigned char)s[i + 1] == 0xa0)
			i++; /* no-break space */
		else if ((c == ',' || c == '.') && (mult > 1 || !grouping(s, i)))
			num[n++] = '.';
		else if (c != ',' && c != '.')
			return -1;
	}
	num[n] = '\0';
	if (!n || !isdigit((unsigned char)num[0]))
		return -1;
	errno = 0;
	*out = strtod(num, &end) * mult;
	if (*end || errno || !isfinite(*out) || *out > 1e15)
		return -1;
	return 0;
}

int
imp_parse_volume(const char *text, long *out)
{
	static const char *const seps[] = { "\xe2\x80\x93", "\xe2\x80\x94", " to ",
					    "-" };
	char tmp[128], *s, *cut;
	double v;

	*out = -1;
	if (strlen(text) >= sizeof tmp)
		return -1;
	memcpy(tmp, text, strlen(text) + 1);
	s = trim(tmp);
	if (is_unknown(s))
		return 0;
	if (*s == '<') {
		/* "<10": only the lower bound is known, and it is zero. */
		*out = 0;
		return parse_amount(trim(s + 1), &v);
	}
	if (*s == '>')
		s = trim(s + 1);
	for (size_t i = 0; i < ARRAY_SIZE(seps); i++)
		if ((cut = strstr(s + 1, seps[i])) != NULL) {
			*cut = '\0'; /* a range: keep the lower bound */
			break;
		}
	if (parse_amount(trim(s), &v) < 0)
		return -1;
	*out = lround(v);
	return 0;
}

int
imp_parse_difficulty(const char *text, double *out)
{
	static const struct { const char *name; double v; } levels[] = {
		{ "low", 25 }, { "medium", 50 }, { "high", 75 },
	};
	char tmp[64], *s, *end;
	size_t n;

	*out = -1;
	if (strlen(text) >= sizeof tmp)
		return -1;
	memcpy(tmp, text, strlen(text) + 1);
	s = trim(tmp);
	if (is_unknown(s))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
		if (strcasecmp(s, levels[i].name) == 0)
			return *out = levels[i].v, 0;
	n = strlen(s);
	if (n && s[n - 1] == '%')
		s[n - 1] = '\0';
	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno || !(*out >= 0 && *out <= 100)) {
		*out = -1;
		return -1;
	}
	return 0;
}

/* --- rows ----------------------------------------------------------- */

struct parse {
	const char *name;		/* file name for messages */
	const struct imp_opts *o;
	imp_row_cb row;
	void *ctx;
	struct imp_stats *st;
	char where[300];		/* "name:line" of the current row */
};

static void
set_where(struct parse *p, long line)
{
	snprintf(p->where, sizeof p->where, "%s:%ld", p->name, line);
}

/* The one bad-row policy: skip and report, or fail with the location. */
static int
bad_row(struct parse *p, const char *why, struct ig_err *err)
{
	if (!p->o->keep_going)
		return ig_err_set(err, IG_EDATA, "%s: %s", p->where, why);
	p->st->skipped++;
	if (p->o->on_skip)
		p->o->on_skip(p->where, why, p->o->ctx);
	return 0;
}

/* Checks the common fields and hands the row on; data errors are bad rows. */
static int
emit(struct parse *p, struct kw_fields *f, struct ig_err *err)
{
	struct ig_err why = { 0 };

	if (!f->sector)
		f->sector = p->o->sector;
	if (!f->keyword || !*f->keyword)
		return bad_row(p, "empty keyword", err);
	if (strlen(f->keyword) > KW_MAX_LEN)
		return bad_row(p, "keyword longer than 500 bytes", err);
	if (!utf8_valid(f->keyword, strlen(f->keyword)) ||
	    (f->intent && !utf8_valid(f->intent, strlen(f->intent))) ||
	    (f->sector && !utf8_valid(f->sector, strlen(f->sector))))
		return bad_row(p, "invalid UTF-8", err);
	if (p->row(f, p->where, p->ctx, &why) == 0)
		return 0;
	if (why.code != IG_EDATA) {
		*err = why;
		return -1;
	}
	return bad_row(p, why.msg, err);
}

/* Calls fn(p, line, len, lineno) for each line of text. */
static int
each_line(struct parse *p, const char *text, size_t len,
	  int (*fn)(struct parse *, char *, long, struct ig_err *),
	  struct ig_err *err)
{
	struct buf line = BUF_INIT(0);
	const char *s = text, *end = text + len;
	long n = 0;
	int rc = 0;

	while (rc == 0 && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);

		buf_reset(&line);
		if (buf_append(&line, s, l) < 0) {
			rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
			break;
		}
		set_where(p, ++n);
		if (l && memchr(s, '\0', l))
			rc = bad_row(p, "NUL byte in line", err);
		else
			rc = fn(p, line.data ? line.data : (char *)"", n, err);
		s += l + 1;
	}
	buf_release(&line);
	return rc;
}

static int
text_line(struct parse *p, char *line, long n, struct ig_err *err)
{
	struct kw_fields f = { NULL, -1, -1, NULL, NULL };
	char *s = trim(line);

	(void)n;
	if (!*s || *s == '#')
		return 0;
	f.keyword = s;
	return emit(p, &f, err);
}

static int
jsonl_line(struct parse *p, char *line, long n, struct ig_err *err)
{
	struct ig_err why = { 0 };
	struct kw_fields f;
	char *s = trim(line);
	cJSON *rec;
	int rc;

	(void)n;
	if (!*s)
		return 0;
	if (!(rec = jsonl_parse_line(s, strlen(s), &why)))
		return bad_row(p, why.msg, err);
	if (kw_from_record(rec, &f, &why) < 0)
		rc = bad_row(p, why.msg, err);
	else
		rc = emit(p, &f, err);
	cJSON_Delete(rec);
	return rc;
}

/* --- CSV exports ---------------------------------------------------- */

enum col { COL_KEYWORD, COL_VOLUME, COL_DIFF, COL_INTENT, COL_SECTOR, NCOL };

/*
 * Header names of the three tools' exports (compared trimmed and without
 * case).  Difficulty has a preference: a real difficulty score beats
 * Keyword Planner's indexed competition, which beats its Low/Medium/High
 * text (or Semrush's 0..1 competitive density).
 */
static const struct {
	const char *name;
	enum col col;
	int rank;	/* lower wins when several columns map to one field */
} headers[] = {
	{ "keyword", COL_KEYWORD, 0 },
	{ "keywords", COL_KEYWORD, 1 },
	{ "avg. monthly searches", COL_VOLUME, 0 },
	{ "volume", COL_VOLUME, 0 },
	{ "search volume", COL_VOLUME, 0 },
	{ "kd", COL_DIFF, 0 },
	{ "keyword difficulty", COL_DIFF, 0 },
	{ "difficulty", COL_DIFF, 0 },
	{ "competition (indexed value)", COL_DIFF, 1 },
	{ "competition", COL_DIFF, 2 },
	{ "intent", COL_INTENT, 0 },
	{ "intents", COL_INTENT, 0 },
	{ "sector", COL_SECTOR, 0 },
};

#define NRANK 3

struct cols {
	long at[NCOL];		/* column index per field, -1 = absent */
	int rank[NCOL];
	long diff[NRANK];	/* difficulty columns by rank, -1 = absent */
};

/* Header cell as compared: trimmed, lower case, BOM and quotes gone. */
static void
header_key(const char *cell, char *out, size_t n)
{
	size_t k = 0;

	if (strncmp(cell, "\xef\xbb\xbf", 3) == 0)
		cell += 3;
	while (*cell == ' ' || *cell == '\t')
		cell++;
	for (; *cell && k + 1 < n; cell++)
		out[k++] = (char)tolower((unsigned char)*cell);
	while (k && (out[k - 1] == ' ' || out[k - 1] == '\t' || out[k - 1] == '\r'))
		k--;
	out[k] = '\0';
}

/* Maps the columns of a header record; returns 1 if it has a keyword column. */
static int
map_header(const struct csv *c, struct cols *m)
{
	char key[64];

	for (int i = 0; i < NCOL; i++)
		m->at[i] = -1, m->rank[i] = 99;
	for (int i = 0; i < NRANK; i++)
		m->diff[i] = -1;
	for (size_t i = 0; i < csv_nfields(c); i++) {
		header_key(csv_field(c, i), key, sizeof key);
		for (size_t h = 0; h < ARRAY_SIZE(headers); h++) {
			enum col col = headers[h].col;

			if (strcmp(key, headers[h].name) != 0)
				continue;
			if (col == COL_DIFF && m->diff[headers[h].rank] < 0)
				m->diff[headers[h].rank] = (long)i;
			if (headers[h].rank >= m->rank[col])
				continue;
			m->at[col] = (long)i;
			m->rank[col] = headers[h].rank;
		}
	}
	return m->at[COL_KEYWORD] >= 0;
}

/*
 * Finds the header: for each delimiter, the first of the leading records
 * with a keyword column; the delimiter giving the widest header wins.
 * Returns the header's record index, or -1.
 */
static long
find_header(const char *text, size_t len, char *delim_out)
{
	static const char cand[] = { ',', '\t', ';' };
	size_t best_n = 0;
	long best = -1;

	for (size_t d = 0; d < ARRAY_SIZE(cand); d++) {
		struct csv *c = csv_new(text, len, cand[d], 0);
		struct cols m;
		int rc;

		for (long r = 0; c && r < IMP_HEADER_SCAN; r++) {
			if ((rc = csv_next(c, NULL)) == 0)
				break;
			if (rc < 0 || !map_header(c, &m))
				continue;
			if (csv_nfields(c) > best_n) {
				best_n = csv_nfields(c);
				best = r;
				*delim_out = cand[d];
			}
			break;
		}
		csv_free(c);
	}
	return best;
}

/* Semrush intents read "commercial, informational": keep the first, lower case. */
static char *
first_intent(char *s)
{
	char *comma = strchr(s, ',');

	if (comma)
		*comma = '\0';
	s = trim(s);
	for (char *q = s; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return *s ? s : NULL;
}

static char *
cell(const struct csv *c, const struct cols *m, enum col col)
{
	/* Fields are borrowed but ours to edit until the next record. */
	return m->at[col] < 0 ? NULL : (char *)csv_field(c, (size_t)m->at[col]);
}

/* The best difficulty column that has a value in this row; *rank_out tells which. */
static char *
diff_cell(const struct csv *c, const struct cols *m, int *rank_out)
{
	for (int r = 0; r < NRANK; r++) {
		char *d;

		if (m->diff[r] < 0)
			continue;
		d = (char *)csv_field(c, (size_t)m->diff[r]);
		if (*trim(d)) {
			*rank_out = r;
			return trim(d);
		}
	}
	return NULL;
}

static int
csv_row(struct parse *p, const struct csv *c, const struct cols *m,
	struct ig_err *err)
{
	struct kw_fields f = { NULL, -1, -1, NULL, NULL };
	char *kw = cell(c, m, COL_KEYWORD), *v = cell(c, m, COL_VOLUME);
	char *in = cell(c, m, COL_INTENT), *sec = cell(c, m, COL_SECTOR);
	char why[200], *d;
	int rank = 0;

	if (v && imp_parse_volume(v, &f.volume) < 0) {
		snprintf(why, sizeof why, "bad volume '%.60s'", v);
		return bad_row(p, why, err);
	}
	d = diff_cell(c, m, &rank);
	if (d && rank == NRANK - 1 && strtod(d, NULL) > 0 &&
	    strtod(d, NULL) <= 1 && !strchr(d, '%')) {
		f.difficulty = strtod(d, NULL) * 100; /* Semrush's 0..1 density */
	} else if (d && imp_parse_difficulty(d, &f.difficulty) < 0) {
		snprintf(why, sizeof why, "bad difficulty '%.60s'", d);
		return bad_row(p, why, err);
	}
	f.keyword = kw ? trim(kw) : NULL;
	f.intent = in ? first_intent(in) : NULL;
	f.sector = sec && *trim(sec) ? trim(sec) : NULL;
	return emit(p, &f, err);
}

static int
parse_csv(struct parse *p, const char *text, size_t len, struct ig_err *err)
{
	struct ig_err why = { 0 };
	struct cols m;
	struct csv *c;
	char delim = ',';
	long hdr = find_header(text, len, &delim);
	int rc = 0, got;

	if (hdr < 0)
		return ig_err_set(err, IG_EDATA,
				  "%s: no 'Keyword' column in the first %d rows",
				  p->name, IMP_HEADER_SCAN);
	if (!(c = csv_new(text, len, delim, 0)))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	for (long r = 0; r <= hdr; r++)
		csv_next(c, NULL);
	map_header(c, &m);
	while (rc == 0 && (got = csv_next(c, &why)) != 0) {
		set_where(p, csv_line(c));
		if (got < 0)
			rc = bad_row(p, why.msg, err);
		else if (!csv_blank(c))
			rc = csv_row(p, c, &m, err);
	}
	csv_free(c);
	return rc;
}

/* --- format detection and the drivers ------------------------------- */

static int
by_extension(const char *name)
{
	static const struct { const char *ext; int format; } exts[] = {
		{ ".jsonl", IMP_JSONL }, { ".ndjson", IMP_JSONL },
		{ ".json", IMP_JSONL }, { ".txt", IMP_TEXT },
		{ ".csv", IMP_CSV }, { ".tsv", IMP_CSV },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < ARRAY_SIZE(exts); i++)
		if (strcasecmp(dot, exts[i].ext) == 0)
			return exts[i].format;
	return IMP_AUTO;
}

static int
detect(const char *name, const char *text, size_t len)
{
	int format = by_extension(name);
	const char *s = text;
	char delim;

	if (format != IMP_AUTO)
		return format;
	while (s < text + len && isspace((unsigned char)*s))
		s++;
	if (s < text + len && *s == '{')
		return IMP_JSONL;
	return find_header(text, len, &delim) >= 0 ? IMP_CSV : IMP_TEXT;
}

int
imp_parse(const char *name, const char *text, size_t len,
	  const struct imp_opts *o, imp_row_cb row, void *ctx,
	  struct imp_stats *st, struct ig_err *err)
{
	struct parse p = { name, o, row, ctx, st, "" };
	int format = o->format == IMP_AUTO ? detect(name, text, len) : o->format;

	switch (format) {
	case IMP_JSONL:
		return each_line(&p, text, len, jsonl_line, err);
	case IMP_CSV:
		return parse_csv(&p, text, len, err);
	default:
		return each_line(&p, text, len, text_line, err);
	}
}

/* Reads a whole file ("-" = stdin) into a decoded, malloc'd text. */
/*
 * imp_decode() of raw's bytes, taking them: UTF-8 (most files) loses its
 * BOM in place rather than being copied, which at a million keywords
 * was a tenth of the import.
 */
static char *
decode_buf(struct buf *raw, size_t *len_out, struct ig_err *err)
{
	const unsigned char *s = (const unsigned char *)buf_str(raw);
	size_t len = raw->len;
	char *text;
	int be;

	if ((len >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff))) ||
	    looks_utf16(s, len, &be))
		return imp_decode((const char *)s, len, len_out, err);
	text = buf_detach(raw);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		memmove(text, text + 3, (len -= 3) + 1);
	*len_out = len;
	return text;
}

static char *
slurp(const char *path, size_t *len_out, struct ig_err *err)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct buf raw = BUF_INIT(IMP_MAX_FILE);
	char chunk[65536], *text = NULL;
	size_t n;

	if (!fp) {
		ig_err_set(err, errno == ENOENT ? IG_ENOINPUT : IG_EIO,
			   "%s: cannot open: %s", name, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if (buf_append(&raw, chunk, n) < 0)
			break;
	if (raw.toobig)
		ig_err_set(err, IG_EDATA, "%s: larger than %ld bytes", name,
			   IMP_MAX_FILE);
	else if (ferror(fp))
		ig_err_set(err, IG_EIO, "%s: read error: %s", name, strerror(errno));
	else if (!(text = decode_buf(&raw, len_out, err)))
		ig_err_prefix(err, "%s", name);
	if (fp != stdin)
		fclose(fp);
	buf_release(&raw);
	return text;
}

/*
 * --- saving: parsing and saving side by side ---------------------------
 *
 * SQLite's inserts are most of an import and cannot be split, so a thread
 * parses, checks and normalises the rows into batches while the caller's
 * thread saves them: the import takes about as long as its inserts.
 */

#define BATCH_ROWS 4096
#define NBATCH 4		/* batches in flight: a bound on the memory */
#define NONE ((size_t)-1)

struct row {
	size_t keyword, norm, intent, sector;	/* offsets into text, NONE = NULL */
	long volume;
	double difficulty;
};

struct batch {
	struct row row[BATCH_ROWS];
	size_t n;
	struct buf text;
	struct batch *next;
};

struct feed {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	struct batch *free, *full, **full_tail, *cur;
	int parsed;		/* the parser is done (rc in parse_rc) */
	int stop;		/* the saver failed: parse no further */
	int parse_rc;
	struct ig_err parse_err;
	/* the parser's input */
	char *const *paths;
	char **texts;
	size_t *lens;
	int n;
	const struct imp_opts *o;
	struct imp_stats *st;
};

static size_t
put_str(struct buf *b, const char *s)
{
	size_t at = b->len;

	if (!s)
		return NONE;
	return buf_append(b, s, strlen(s) + 1) < 0 ? NONE - 1 : at;
}

/*
 * Hands the current batch to the saver and, with next, waits for an empty
 * one; 0, or -1 once the saver stopped.
 */
static int
push_batch(struct feed *fd, int next)
{
	int rc;

	pthread_mutex_lock(&fd->lock);
	if (fd->cur && fd->cur->n) {
		fd->cur->next = NULL;
		*fd->full_tail = fd->cur;
		fd->full_tail = &fd->cur->next;
		fd->cur = NULL;
		pthread_cond_broadcast(&fd->cv);
	}
	while (next && !fd->cur && !fd->stop) {
		if ((fd->cur = fd->free)) {
			fd->free = fd->cur->next;
			fd->cur->n = 0;
			buf_reset(&fd->cur->text);
		} else {
			pthread_cond_wait(&fd->cv, &fd->lock);
		}
	}
	rc = fd->stop ? -1 : 0;
	pthread_mutex_unlock(&fd->lock);
	return rc;
}

/* The parser's row callback: normalises the row and queues a copy. */
static int
queue_row(const struct kw_fields *f, const char *where, void *ctx,
	  struct ig_err *err)
{
	struct feed *fd = ctx;
	struct batch *b;
	struct row *r;
	char *norm;

	(void)where;
	if ((!fd->cur || fd->cur->n == BATCH_ROWS) && push_batch(fd, 1) < 0)
		return ig_err_set(err, IG_ESOFTWARE, "the import stopped");
	if (!(norm = kw_normalize(f->keyword, err)))
		return -1;	/* a data error: a bad row */
	b = fd->cur;
	r = &b->row[b->n];
	r->keyword = put_str(&b->text, f->keyword);
	r->norm = put_str(&b->text, norm);
	r->intent = put_str(&b->text, f->intent);
	r->sector = put_str(&b->text, f->sector);
	r->volume = f->volume;
	r->difficulty = f->difficulty;
	free(norm);
	if (b->text.toobig || r->keyword == NONE - 1 || r->norm == NONE - 1 ||
	    r->intent == NONE - 1 || r->sector == NONE - 1)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	b->n++;
	return 0;
}

static void *
parse_main(void *arg)
{
	struct feed *fd = arg;
	int rc = 0;

	for (int i = 0; rc == 0 && i < fd->n; i++)
		rc = imp_parse(strcmp(fd->paths[i], "-") == 0 ? "stdin" : fd->paths[i],
			       fd->texts[i], fd->lens[i], fd->o, queue_row, fd, fd->st,
			       &fd->parse_err);
	if (rc == 0)
		push_batch(fd, 0);	/* the last one; a stopped saver says why */
	pthread_mutex_lock(&fd->lock);
	fd->parsed = 1;
	fd->parse_rc = rc;
	pthread_cond_broadcast(&fd->cv);
	pthread_mutex_unlock(&fd->lock);
	return NULL;
}

static const char *
at(const struct batch *b, size_t off)
{
	return off == NONE ? NULL : b->text.data + off;
}

static int
save_batch(struct ws *ws, const struct batch *b, struct imp_stats *st,
	   struct ig_err *err)
{
	sqlite3 *db = ws_db(ws);

	for (size_t i = 0; i < b->n; i++) {
		const struct row *r = &b->row[i];
		struct kw_fields f = { at(b, r->keyword), r->volume, r->difficulty,
				       at(b, r->intent), at(b, r->sector) };
		int before = sqlite3_total_changes(db), inserted = 0;
		long id;

		if (kw_upsert_norm(ws, &f, at(b, r->norm), &id, &inserted, err) < 0)
			return -1;
		st->imported++;
		if (inserted)
			st->inserted++;
		else if (sqlite3_total_changes(db) != before)
			st->updated++;
	}
	return 0;
}

/* Saves what the parser queues until it is done; -1 with err on failure. */
static int
save_all(struct ws *ws, struct feed *fd, struct ig_err *err)
{
	struct batch *b;
	int rc = 0;

	pthread_mutex_lock(&fd->lock);
	for (;;) {
		if (!(b = fd->full)) {
			if (fd->parsed)
				break;
			pthread_cond_wait(&fd->cv, &fd->lock);
			continue;
		}
		if (!(fd->full = b->next))
			fd->full_tail = &fd->full;
		pthread_mutex_unlock(&fd->lock);
		rc = save_batch(ws, b, fd->st, err);
		pthread_mutex_lock(&fd->lock);
		b->next = fd->free;
		fd->free = b;
		if (rc < 0) {
			fd->stop = 1;
			pthread_cond_broadcast(&fd->cv);
			break;
		}
		pthread_cond_broadcast(&fd->cv);
	}
	pthread_mutex_unlock(&fd->lock);
	return rc;
}

/* Parses the texts on a thread of its own and saves the rows here. */
static int
parse_and_save(struct ws *ws, struct feed *fd, struct ig_err *err)
{
	struct batch *all[NBATCH] = { NULL };
	pthread_t th;
	int rc = 0, k;

	pthread_mutex_init(&fd->lock, NULL);
	pthread_cond_init(&fd->cv, NULL);
	fd->full_tail = &fd->full;
	for (k = 0; k < NBATCH; k++) {
		if (!(all[k] = calloc(1, sizeof *all[k]))) {
			rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
			break;
		}
		all[k]->next = fd->free;
		fd->free = all[k];
	}
	if (rc == 0 && pthread_create(&th, NULL, parse_main, fd) != 0)
		rc = ig_err_set(err, IG_ESOFTWARE, "cannot start a thread");
	if (rc == 0) {
		rc = save_all(ws, fd, err);
		pthread_join(th, NULL);
		/* the saver's failure stopped the parser: it is the one to tell */
		if (rc == 0 && fd->parse_rc < 0) {
			*err = fd->parse_err;
			rc = -1;
		}
	}
	for (k = 0; k < NBATCH; k++)
		if (all[k]) {
			buf_release(&all[k]->text);
			free(all[k]);
		}
	pthread_cond_destroy(&fd->cv);
	pthread_mutex_destroy(&fd->lock);
	return rc;
}

int
imp_run(struct ws *ws, char *const *paths, int n, const struct imp_opts *o,
	struct imp_stats *st, struct ig_err *err)
{
	char **texts = calloc((size_t)n + 1, sizeof *texts);
	size_t *lens = calloc((size_t)n + 1, sizeof *lens);
	struct feed fd = { .paths = paths, .texts = texts, .lens = lens, .n = n,
			   .o = o, .st = st };
	int rc = 0, i, cache;

	memset(st, 0, sizeof *st);
	if (!texts || !lens)
		rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
	/* Read everything first: a missing file must not leave half an import,
	 * and a slow stdin must not hold the workspace's write lock. */
	for (i = 0; rc == 0 && i < n; i++)
		if (!(texts[i] = slurp(paths[i], &lens[i], err)))
			rc = -1;
	/* One transaction: the unique index on norm stays in memory. */
	cache = ws_cache_size(ws, WS_BIG_CACHE);
	if (rc == 0)
		rc = ws_begin(ws, err);
	if (rc == 0)
		rc = parse_and_save(ws, &fd, err);
	if (rc == 0 && !o->dry_run)
		rc = ws_commit(ws, err);
	else
		ws_rollback(ws);
	ws_cache_size(ws, cache);
	for (i = 0; texts && i < n; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	if (rc == 0 && st->skipped)
		return ig_err_set(err, IG_EDATA, "skipped %ld bad row%s",
				  st->skipped, st->skipped == 1 ? "" : "s");
	return rc;
}
