/* csv.c: RFC 4180 records from text in memory, with bounded fields. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"

struct csv {
	const char *p, *end;	/* unread text */
	char delim;
	size_t max_field;
	long line;		/* line the next record starts on */
	long rec_line;		/* line the current record started on */
	struct buf data;	/* the current record's fields, NUL-separated */
	size_t off[CSV_MAX_FIELDS]; /* start of each field in data */
	size_t n;		/* fields in the current record */
};

struct csv *
csv_new(const char *text, size_t len, char delim, size_t max_field)
{
	struct csv *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->p = text;
	c->end = text + len;
	c->delim = delim;
	c->max_field = max_field ? max_field : CSV_MAX_FIELD;
	c->line = 1;
	buf_init(&c->data, 0);
	return c;
}

void
csv_free(struct csv *c)
{
	if (!c)
		return;
	buf_release(&c->data);
	free(c);
}

/* Consumes a line end at c->p if there is one; returns 1 if it did. */
static int
eat_eol(struct csv *c)
{
	if (c->p < c->end && *c->p == '\r') {
		c->p++;
		if (c->p < c->end && *c->p == '\n')
			c->p++;
	} else if (c->p < c->end && *c->p == '\n') {
		c->p++;
	} else {
		return 0;
	}
	c->line++;
	return 1;
}

/* Skips to the end of the current record after an error, quote-aware. */
static void
skip_record(struct csv *c, int quoted)
{
	while (c->p < c->end) {
		if (*c->p == '"') {
			quoted = !quoted;
			c->p++;
		} else if (!quoted && eat_eol(c)) {
			return;
		} else {
			if (*c->p == '\n' || (*c->p == '\r' && (c->p + 1 == c->end ||
							       c->p[1] != '\n')))
				c->line++;
			c->p++;
		}
	}
}

static int
put(struct csv *c, size_t start, char ch)
{
	if (c->data.len - start >= c->max_field)
		return -1;
	return buf_putc(&c->data, ch);
}

/*
 * Reads one field at c->p into data.  Returns 1 if a delimiter follows,
 * 0 at the end of the record, -1 on error (err set).
 */
static int
read_field(struct csv *c, struct ig_err *err)
{
	size_t start = c->data.len;
	int quoted = 0;

	if (c->p < c->end && *c->p == '"') {
		quoted = 1;
		c->p++;
	}
	while (c->p < c->end) {
		char ch = *c->p;

		if (ch == '\0') {
			/* C strings would end there: the rest of the field is lost. */
			skip_record(c, quoted);
			return ig_err_set(err, IG_EDATA, "NUL byte in a field");
		}
		if (quoted && ch == '"') {
			if (c->p + 1 < c->end && c->p[1] == '"') {
				c->p++;
			} else {
				quoted = 0; /* closing quote; any text after it is kept */
				c->p++;
				continue;
			}
		} else if (!quoted && ch == c->delim) {
			c->p++;
			return 1;
		} else if (!quoted && (ch == '\n' || ch == '\r')) {
			eat_eol(c);
			return 0;
		} else if (ch == '\n' || (ch == '\r' && (c->p + 1 == c->end ||
							  c->p[1] != '\n'))) {
			c->line++;
		}
		if (put(c, start, ch) < 0) {
			skip_record(c, quoted);
			return ig_err_set(err, IG_EDATA, "field longer than %zu bytes",
					  c->max_field);
		}
		c->p++;
	}
	if (quoted)
		return ig_err_set(err, IG_EDATA, "unterminated quoted field");
	return 0;
}

int
csv_next(struct csv *c, struct ig_err *err)
{
	int more;

	buf_reset(&c->data);
	c->n = 0;
	if (c->p >= c->end)
		return 0;
	c->rec_line = c->line;
	do {
		if (c->n == CSV_MAX_FIELDS) {
			skip_record(c, 0);
			return ig_err_set(err, IG_EDATA, "more than %d fields",
					  CSV_MAX_FIELDS);
		}
		c->off[c->n++] = c->data.len;
		more = read_field(c, err);
		if (more < 0 || buf_putc(&c->data, '\0') < 0) {
			c->n = 0;
			return -1;
		}
	} while (more);
	return 1;
}

size_t
csv_nfields(const struct csv *c)
{
	return c->n;
}

const char *
csv_field(const struct csv *c, size_t i)
{
	return i < c->n ? c->data.data + c->off[i] : "";
}

long
csv_line(const struct csv *c)
{
	return c->rec_line;
}

int
csv_blank(const struct csv *c)
{
	return c->n == 1 && c->data.data[0] == '\0';
}

char
csv_sniff(const char *text, size_t len)
{
	static const char cand[] = { ',', '\t', ';' };
	char best = ',';
	size_t best_n = 1;

	for (size_t i = 0; i < ARRAY_SIZE(cand); i++) {
		struct csv *c = csv_new(text, len, cand[i], 0);
		size_t most = 0;

		for (int r = 0; c && r < 10 && csv_next(c, NULL) >= 0 &&
				csv_nfields(c) > 0; r++)
			if (csv_nfields(c) > most)
				most = csv_nfields(c);
		csv_free(c);
		if (most > best_n) {
			best = cand[i];
			best_n = most;
		}
	}
	return best;
}
