/* json.c: model-answer JSON extraction, shape checking, getters, printing. */
#include "compat.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

static int
wanted(const cJSON *v, enum json_want want)
{
	switch (want) {
	case JSON_OBJECT:
		return cJSON_IsObject(v);
	case JSON_ARRAY:
		return cJSON_IsArray(v);
	default:
		return v != NULL;
	}
}

int
json_finite(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return isfinite(v->valuedouble);
	for (const cJSON *c = v ? v->child : NULL; c; c = c->next)
		if (!json_finite(c))
			return 0;
	return 1;
}

/* Parses exactly s[0..len) (surrounding whitespace allowed). */
static cJSON *
parse_exact(const char *s, size_t len, enum json_want want)
{
	const char *end = NULL;
	cJSON *v;

	while (len && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
		s++, len--;
	if (!len)
		return NULL;
	v = cJSON_ParseWithLengthOpts(s, len, &end, 0);
	if (!v)
		return NULL;
	while (end && end < s + len &&
	       (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
		end++;
	if ((end && end != s + len) || !wanted(v, want) || !json_finite(v)) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

/* Tries the body of every ``` fence; returns the first that parses. */
static cJSON *
from_fences(const char *s, size_t len, enum json_want want)
{
	const char *p = s, *end = s + len;

	while (p < end) {
		const char *open = memmem(p, (size_t)(end - p), "```", 3);
		const char *body, *close;
		cJSON *v;

		if (!open)
			break;
		body = memchr(open + 3, '\n', (size_t)(end - open - 3));
		if (!body)
			break;
		body++;
		close = memmem(body, (size_t)(end - body), "```", 3);
		if (!close)
			close = end; /* an unclosed fence: the model stopped */
		v = parse_exact(body, (size_t)(close - body), want);
		if (v)
			return v;
		p = close + (close < end ? 3 : 0);
		if (close == end)
			break;
	}
	return NULL;
}

/* Length of the balanced value starting at s[0] ('{' or '['), or 0. */
static size_t
balanced_len(const char *s, size_t len)
{
	char stack[256];
	size_t depth = 0;
	int in_str = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (depth == sizeof stack)
				return 0;
			stack[depth++] = c == '{' ? '}' : ']';
		} else if (c == '}' || c == ']') {
			if (!depth || stack[depth - 1] != c)
				return 0;
			if (--depth == 0)
				return i + 1;
		}
	}
	return 0;
}

static cJSON *
from_balanced(const char *s, size_t len, enum json_want want)
{
	for (size_t i = 0; i < len; i++) {
		size_t n;
		cJSON *v;

		if (s[i] != '{' && s[i] != '[')
			continue;
		if (want == JSON_OBJECT && s[i] != '{')
			continue;
		if (want == JSON_ARRAY && s[i] != '[')
			continue;
		n = balanced_len(s + i, len - i);
		if (!n)
			continue;
		v = parse_exact(s + i, n, want);
		if (v)
			return v;
	}
	return NULL;
}

cJSON *
json_extract(const char *text, size_t len, enum json_want want,
	     struct ig_err *err)
{
	cJSON *v;

	if (!text || !len) {
		ig_err_set(err, IG_EPROTO, "empty answer");
		return NULL;
	}
	if ((v = parse_exact(text, len, want)) ||
	    (v = from_fences(text, len, want)) ||
	    (v = from_balanced(text, len, want)))
		return v;
	ig_err_set(err, IG_EPROTO, "no JSON %s found in the answer",
		   want == JSON_ARRAY ? "array" : want == JSON_OBJECT ? "object" : "value");
	return NULL;
}

static int
type_matches(const cJSON *v, const char *t)
{
	if (!strcmp(t, "object"))
		return cJSON_IsObject(v);
	if (!strcmp(t, "array"))
		return cJSON_IsArray(v);
	if (!strcmp(t, "string"))
		return cJSON_IsString(v);
	if (!strcmp(t, "number"))
		return cJSON_IsNumber(v);
	if (!strcmp(t, "integer"))
		return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
		       v->valuedouble == floor(v->valuedouble);
	if (!strcmp(t, "boolean"))
		return cJSON_IsBool(v);
	if (!strcmp(t, "null"))
		return cJSON_IsNull(v);
	return 1;
}

static int
check_type(const cJSON *v, const cJSON *type)
{
	const cJSON *t;

	if (!type)
		return 1;
	if (cJSON_IsString(type))
		return type_matches(v, type->valuestring);
	cJSON_ArrayForEach(t, type)
		if (cJSON_IsString(t) && type_matches(v, t->valuestring))
			return 1;
	return 0;
}

/*
 * Where the checker is, as a chain of frames on the stack; the "$.a[2].b"
 * text is only built when there is something to report.
 */
struct jpath {
	const struct jpath *up;
	const char *key;	/* member name, or NULL for an array index */
	int idx;
};

static void
path_text(const struct jpath *p, struct buf *out)
{
	if (!p) {
		buf_putc(out, '$');
		return;
	}
	path_text(p->up, out);
	if (p->key)
		buf_printf(out, ".%s", p->key);
	else
		buf_printf(out, "[%d]", p->idx);
}

static int check_fail(struct ig_err *err, const struct jpath *p, const char *fmt, ...)
	IG_PRINTF(3, 4);

static int
check_fail(struct ig_err *err, const struct jpath *p, const char *fmt, ...)
{
	struct buf b = BUF_INIT(0);
	va_list ap;

	path_text(p, &b);
	buf_puts(&b, ": ");
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ig_err_set(err, IG_EPROTO, "%s", buf_str(&b));
	buf_release(&b);
	return -1;
}

/*
 * The keywords of one schema node the checker reads, found in one pass over
 * its members instead of one lookup each; as with a lookup, the first of
 * two members with the same name counts.
 */
struct rules {
	const cJSON *type, *en, *required, *properties, *items;
	const cJSON *max_length, *min_items, *max_items;
};

static const cJSON **
rule_slot(struct rules *r, const char *key)
{
	switch (key[0]) {
	case 't':
		return strcmp(key, "type") ? NULL : &r->type;
	case 'e':
		return strcmp(key, "enum") ? NULL : &r->en;
	case 'r':
		return strcmp(key, "required") ? NULL : &r->required;
	case 'p':
		return strcmp(key, "properties") ? NULL : &r->properties;
	case 'i':
		return strcmp(key, "items") ? NULL : &r->items;
	case 'm':
		return !strcmp(key, "maxLength") ? &r->max_length
		       : !strcmp(key, "minItems") ? &r->min_items
		       : !strcmp(key, "maxItems") ? &r->max_items
						  : NULL;
	default:
		return NULL;
	}
}

static void
rules_read(const cJSON *schema, struct rules *r)
{
	memset(r, 0, sizeof *r);
	/* A member without a name ends the search, as it does for cJSON. */
	for (const cJSON *k = schema ? schema->child : NULL; k && k->string;
	     k = k->next) {
		const cJSON **slot = rule_slot(r, k->string);

		if (slot && !*slot)
			*slot = k;
	}
}

/* A numeric keyword's value, or -1 when absent or not a number. */
static double
rule_num(const cJSON *k)
{
	return cJSON_IsNumber(k) ? k->valuedouble : -1;
}

static int check_at(const cJSON *v, const cJSON *schema, const struct jpath *p,
		    struct ig_err *err);

static int
check_object(const cJSON *v, const struct rules *r, const struct jpath *p,
	     struct ig_err *err)
{
	const cJSON *name, *s;

	cJSON_ArrayForEach(name, r->required) {
		/* A nullable required member may be null but must be there. */
		if (cJSON_IsString(name) &&
		    !cJSON_GetObjectItemCaseSensitive(v, name->valuestring))
			return check_fail(err, p, "missing member '%s'",
					  name->valuestring);
	}
	cJSON_ArrayForEach(s, r->properties) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(v, s->string);
		struct jpath here = { p, s->string, 0 };

		if (m && check_at(m, s, &here, err) < 0)
			return -1;
	}
	return 0;
}

static int
check_array(const cJSON *v, const struct rules *r, const struct jpath *p,
	    struct ig_err *err)
{
	int n = cJSON_GetArraySize(v);
	double mn = rule_num(r->min_items), mx = rule_num(r->max_items);
	const cJSON *e;
	int i = 0;

	if (mn >= 0 && n < mn)
		return check_fail(err, p, "%d items, at least %.0f expected", n, mn);
	if (mx >= 0 && n > mx)
		return check_fail(err, p, "%d items, at most %.0f allowed", n, mx);
	if (!r->items)
		return 0;
	cJSON_ArrayForEach(e, v) {
		struct jpath here = { p, NULL, i++ };

		if (check_at(e, r->items, &here, err) < 0)
			return -1;
	}
	return 0;
}

static int
check_enum(const cJSON *v, const cJSON *en, const struct jpath *p, struct ig_err *err)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, en)
		if (cJSON_Compare(v, e, 1))
			return 0;
	if (cJSON_IsString(v))
		return check_fail(err, p, "'%.80s' is not an allowed value", v->valuestring);
	return check_fail(err, p, "value not allowed");
}

/* Characters in UTF-8 text, as JSON Schema's maxLength counts them. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int
check_at(const cJSON *v, const cJSON *schema, const struct jpath *p,
	 struct ig_err *err)
{
	struct rules r;
	double maxlen;

	rules_read(schema, &r);
	maxlen = rule_num(r.max_length);
	if (!check_type(v, r.type))
		return check_fail(err, p, "expected %s",
				  cJSON_IsString(r.type) ? r.type->valuestring
							 : "another type");
	if (r.en && check_enum(v, r.en, p, err) < 0)
		return -1;
	if (cJSON_IsString(v) && maxlen >= 0 && utf8_chars(v->valuestring) > maxlen)
		return check_fail(err, p, "longer than %.0f characters", maxlen);
	if (cJSON_IsObject(v))
		return check_object(v, &r, p, err);
	if (cJSON_IsArray(v))
		return check_array(v, &r, p, err);
	return 0;
}

long
json_cut_items(cJSON *value, const cJSON *schema)
{
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(schema, "maxItems");
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
	long cut = 0;
	cJSON *v;

	if (cJSON_IsArray(value)) {
		while (cJSON_IsNumber(max) && max->valuedouble >= 0 &&
		       cJSON_GetArraySize(value) > max->valuedouble) {
			cJSON_DeleteItemFromArray(value, cJSON_GetArraySize(value) - 1);
			cut++;
		}
		if (cJSON_IsObject(items))
			cJSON_ArrayForEach(v, value)
				cut += json_cut_items(v, items);
	} else if (cJSON_IsObject(value) && cJSON_IsObject(props)) {
		cJSON_ArrayForEach(v, value)
			cut += json_cut_items(v, cJSON_GetObjectItemCaseSensitive(props,
										    v->string));
	}
	return cut;
}

int
json_check(const cJSON *value, const cJSON *schema, struct ig_err *err)
{
	return schema ? check_at(value, schema, NULL, err) : 0;
}

const char *
json_str(const cJSON *obj, const char *key)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

double
json_num(const cJSON *obj, const char *key, double def)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(m) ? m->valuedouble : def;
}

long
json_long(const cJSON *obj, const char *key, long def)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(m) || m->valuedouble > 9e15 || m->valuedouble < -9e15)
		return def;
	return (long)m->valuedouble;
}

cJSON *
json_obj(const cJSON *obj, const char *key)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsObject(m) ? m : NULL;
}

cJSON *
json_arr(const cJSON *obj, const char *key)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsArray(m) ? m : NULL;
}

void
json_add_str(cJSON *obj, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(obj, key, s);
	else
		cJSON_AddNullToObject(obj, key);
}

char *
json_dump(const cJSON *v)
{
	struct buf b = BUF_INIT(0);

	if (json_put(&b, v) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/*
 * Bytes from p that a JSON string carries as they are: all but controls,
 * '"' and '\\' (the bytes cJSON escapes), looked up rather than compared
 * since request bodies put kilobytes through here.
 */
static size_t
plain_len(const unsigned char *p)
{
	static const unsigned char esc[256] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		['"'] = 1, ['\\'] = 1
	};
	size_t n = 0;

	while (!esc[p[n]])
		n++;
	return n;
}

static int
put_escape(struct buf *b, unsigned char c)
{
	static const char named[32] = {
		['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',
		['\t'] = 't'
	};
	char e[8];

	if (c < 32 && !named[c]) {
		snprintf(e, sizeof e, "\\u%04x", c);
		return buf_append(b, e, 6);
	}
	e[0] = '\\';
	e[1] = c < 32 ? named[c] : (char)c;
	return buf_append(b, e, 2);
}

int
json_put_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int rc = buf_putc(b, '"');

	while (rc == 0 && *p) {
		size_t n = plain_len(p);

		rc = buf_append(b, p, n);
		p += n;
		if (rc == 0 && *p)
			rc = put_escape(b, *p++);
	}
	return rc ? rc : buf_putc(b, '"');
}

/* Digits of a whole number below 1e15, which "%1.15g" prints exactly so. */
static int
put_whole(struct buf *b, double d)
{
	char s[24], *p = s + sizeof s;
	unsigned long long u = (unsigned long long)fabs(d);

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (d < 0)
		*--p = '-';
	return buf_append(b, p, (size_t)(s + sizeof s - p));
}

int
json_put_num(struct buf *b, double d)
{
	char s[32];
	double back;

	if (!isfinite(d))
		return buf_puts(b, "null");
	if (fabs(d) < 1e15 && d == floor(d) && !(d == 0 && signbit(d)))
		return put_whole(b, d);
	/* cJSON's rule: 15 digits when they read back as d, else 17 (the
	 * binaries never leave the C locale, so the point is a '.'). */
	snprintf(s, sizeof s, "%1.15g", d);
	back = strtod(s, NULL);
	if (fabs(back - d) > fmax(fabs(back), fabs(d)) * DBL_EPSILON)
		snprintf(s, sizeof s, "%1.17g", d);
	return buf_puts(b, s);
}

static int
put_children(struct buf *b, const cJSON *v, char open, char close)
{
	if (buf_putc(b, open) < 0)
		return -1;
	for (const cJSON *c = v->child; c; c = c->next) {
		if (c != v->child && buf_putc(b, ',') < 0)
			return -1;
		if (open == '{' &&
		    (json_put_str(b, c->string) < 0 || buf_putc(b, ':') < 0))
			return -1;
		if (json_put(b, c) < 0)
			return -1;
	}
	return buf_putc(b, close);
}

int
json_put(struct buf *b, const cJSON *v)
{
	switch (v ? v->type & 0xff : cJSON_Invalid) {
	case cJSON_NULL:
		return buf_puts(b, "null");
	case cJSON_False:
		return buf_puts(b, "false");
	case cJSON_True:
		return buf_puts(b, "true");
	case cJSON_Number:
		return json_put_num(b, v->valuedouble);
	case cJSON_Raw:
		return v->valuestring ? buf_puts(b, v->valuestring) : -1;
	case cJSON_String:
		return json_put_str(b, v->valuestring);
	case cJSON_Array:
		return put_children(b, v, '[', ']');
	case cJSON_Object:
		return put_children(b, v, '{', '}');
	default:
		return -1;
	}
}
