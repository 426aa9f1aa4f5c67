/* prompt.c: prompt registry: resolution, front matter and placeholder rendering. */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "json.h"
#include "prompt.h"
#include "suggest.h"
#include "yamljson.h"

const char *const prompt_functions[] = {
	"cluster", "ideas", "write", "image_prompts", "image", "negative", NULL
};

struct prompt {
	atomic_int refs;	/* a run shares one resolved prompt among threads */
	char *source;
	char *body;
	cJSON *meta;	/* front matter, an object (possibly empty) */
	cJSON *own;	/* the user's file's own front matter; NULL when shipped */
	char *schema_json;	/* the schema printed once, for every request */
};

struct prompt_var {
	char *name, *value;
};

struct prompt_vars {
	struct prompt_var *v;
	size_t n, cap;
};

#define MAX_PROMPT_BYTES (1024 * 1024)

int
prompt_function_known(const char *fn)
{
	for (const char *const *f = prompt_functions; *f; f++)
		if (!strcmp(*f, fn))
			return 1;
	return 0;
}

static char *
read_file(const char *path, struct ig_err *err)
{
	struct buf b = BUF_INIT(MAX_PROMPT_BYTES);
	char chunk[8192];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp) {
		ig_err_set(err, IG_ENOINPUT, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if (buf_append(&b, chunk, n) < 0)
			break;
	fclose(fp);
	if (b.toobig) {
		buf_release(&b);
		ig_err_set(err, IG_EDATA, "%s: larger than %d bytes", path, MAX_PROMPT_BYTES);
		return NULL;
	}
	return buf_detach(&b);
}

/* Splits "---\nyaml\n---\nbody" into its parts; no front matter = all body. */
static int
split_front(const char *text, const char **yaml, size_t *ylen, const char **body)
{
	const char *end;

	if (strncmp(text, "---\n", 4) != 0) {
		*yaml = NULL;
		*ylen = 0;
		*body = text;
		return 0;
	}
	end = strstr(text + 3, "\n---\n");
	if (!end) {
		end = strstr(text + 3, "\n---");
		if (!end || end[4] != '\0')
			return -1;
	}
	*yaml = text + 4;
	*ylen = (size_t)(end + 1 - (text + 4));
	*body = end[4] ? end + 5 : end + 4;
	return 0;
}

/* A failed print leaves NULL, and requests print the schema themselves. */
static void
print_schema(struct prompt *p)
{
	const cJSON *schema = prompt_schema(p);

	free(p->schema_json);
	p->schema_json = schema ? json_dump(schema) : NULL;
}

struct prompt *
prompt_parse(const char *fn, const char *text, const char *name,
	     struct ig_err *err)
{
	const char *yaml, *body;
	size_t ylen;
	struct prompt *p;

	(void)fn;
	if (split_front(text, &yaml, &ylen, &body) < 0) {
		ig_err_set(err, IG_EDATA, "%s: front matter has no closing '---'", name);
		return NULL;
	}
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	atomic_init(&p->refs, 1);
	p->source = strdup(name);
	p->body = strdup(body);
	p->meta = yaml ? yaml_to_json(yaml, ylen, name, err) : cJSON_CreateObject();
	if (!p->meta || !cJSON_IsObject(p->meta)) {
		if (p->meta)
			ig_err_set(err, IG_EDATA, "%s: front matter is not a mapping", name);
		prompt_free(p);
		return NULL;
	}
	p->own = cJSON_Duplicate(p->meta, 1);
	print_schema(p);
	return p;
}

struct prompt *
prompt_bound_items(struct prompt *p, const char *member, long max)
{
	const cJSON *arr = json_obj(json_obj(prompt_schema(p), "properties"), member);
	const cJSON *had = cJSON_GetObjectItemCaseSensitive(arr, "maxItems");
	struct prompt *b;
	cJSON *target;

	if (!arr || (cJSON_IsNumber(had) && had->valuedouble <= (double)max))
		return prompt_ref(p);
	if (!(b = calloc(1, sizeof *b)))
		return NULL;
	atomic_init(&b->refs, 1);
	b->source = strdup(p->source);
	b->body = strdup(p->body);
	b->meta = cJSON_Duplicate(p->meta, 1);
	target = b->meta ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(b->meta, "schema"), "properties"), member)
			 : NULL;
	if (!b->source || !b->body || !target) {
		prompt_free(b);
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(target, "maxItems");
	cJSON_AddNumberToObject(target, "maxItems", (double)max);
	print_schema(b);
	return b;
}

struct prompt *
prompt_ref(struct prompt *p)
{
	if (p)
		atomic_fetch_add(&p->refs, 1);
	return p;
}

void
prompt_free(struct prompt *p)
{
	if (!p || atomic_fetch_sub(&p->refs, 1) > 1)
		return;
	free(p->source);
	free(p->body);
	cJSON_Delete(p->meta);
	cJSON_Delete(p->own);
	free(p->schema_json);
	free(p);
}

char *
prompt_default_text(const char *fn, struct ig_err *err)
{
	char rel[128], *path, *text;

	snprintf(rel, sizeof rel, "prompts/%s.md", fn);
	path = config_datafile(rel);
	if (!path) {
		ig_err_set(err, IG_ECONFIG,
			   "no default prompt '%s' (is igny8 installed? set IGNY8_DATADIR)",
			   rel);
		return NULL;
	}
	text = read_file(path, err);
	free(path);
	return text;
}

char *
prompt_ws_get(struct ws *ws, const char *fn)
{
	sqlite3_stmt *st;
	char *body = NULL;

	if (!ws)
		return NULL;
	st = ws_prepare(ws, "SELECT body FROM prompts WHERE function = ?", NULL);
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, fn, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		body = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return body;
}

int
prompt_ws_set(struct ws *ws, const char *fn, const char *body,
	      struct ig_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	int rc = 0;

	if (!prompt_function_known(fn))
		return ig_err_set(err, IG_EUSAGE, "unknown prompt '%s'", fn);
	ws_now(now);
	st = ws_prepare(ws, body ? "INSERT INTO prompts (function, body, updated_at)"
				   " VALUES (?1, ?2, ?3) ON CONFLICT (function)"
				   " DO UPDATE SET body = ?2, updated_at = ?3"
				 : "DELETE FROM prompts WHERE function = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, fn, -1, SQLITE_STATIC);
	if (body) {
		sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ws_fail(ws, err, "saving the prompt");
	sqlite3_finalize(st);
	return rc;
}

/* Text of the first level that has one, and its name; NULL if none. */
static char *
find_override(struct ws *ws, const char *fn, const char *override,
	      const char *run_file, char **name_out, struct ig_err *err)
{
	char *text, path[4096];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	FILE *fp;

	if (override && *override) {
		*name_out = strdup("record prompt_override");
		return strdup(override);
	}
	if (run_file) {
		*name_out = strdup(run_file);
		return read_file(run_file, err);
	}
	if ((text = prompt_ws_get(ws, fn))) {
		*name_out = strdup("workspace");
		return text;
	}
	/* A relative XDG_CONFIG_HOME is ignored (XDG spec), as config.c does. */
	if (xdg && xdg[0] == '/')
		snprintf(path, sizeof path, "%s/igny8/prompts/%s.md", xdg, fn);
	else
		snprintf(path, sizeof path, "%s/.config/igny8/prompts/%s.md",
			 home ? home : ".", fn);
	if ((fp = fopen(path, "r"))) {
		fclose(fp);
		*name_out = strdup(path);
		return read_file(path, err);
	}
	return NULL;
}

struct prompt *
prompt_resolve(struct ws *ws, const char *fn, const char *override,
	       const char *run_file, struct ig_err *err)
{
	struct prompt *def, *over;
	char *text, *name = NULL;

	if (!prompt_function_known(fn)) {
		ig_err_set(err, IG_ESOFTWARE, "unknown prompt function '%s'", fn);
		return NULL;
	}
	if (!(text = prompt_default_text(fn, err)))
		return NULL;
	def = prompt_parse(fn, text, "default", err);
	free(text);
	if (!def)
		return NULL;
	cJSON_Delete(def->own);
	def->own = NULL;
	ig_err_clear(err);
	text = find_override(ws, fn, override, run_file, &name, err);
	if (!text) {
		free(name);
		if (err->code != IG_OK) {
			prompt_free(def);
			return NULL;
		}
		return def;
	}
	over = prompt_parse(fn, text, name, err);
	free(text);
	free(name);
	if (!over) {
		prompt_free(def);
		return NULL;
	}
	/* Front-matter keys the override leaves out come from the default. */
	for (cJSON *m = def->meta->child; m; m = m->next)
		if (!cJSON_GetObjectItemCaseSensitive(over->meta, m->string))
			cJSON_AddItemToObject(over->meta, m->string,
					      cJSON_Duplicate(m, 1));
	prompt_free(def);
	print_schema(over);
	return over;
}

const char *
prompt_source(const struct prompt *p)
{
	return p->source;
}

const char *
prompt_body(const struct prompt *p)
{
	return p->body;
}

const char *
prompt_system(const struct prompt *p)
{
	return json_str(p->meta, "system");
}

const cJSON *
prompt_schema(const struct prompt *p)
{
	return json_obj(p->meta, "schema");
}

const char *
prompt_schema_json(const struct prompt *p)
{
	return p->schema_json;
}

const char *
prompt_schema_name(const struct prompt *p)
{
	const char *n = json_str(p->meta, "schema_name");

	return n ? n : "igny8_answer";
}

const char *
prompt_model(const struct prompt *p)
{
	return json_str(p->meta, "model");
}

long
prompt_max_tokens(const struct prompt *p)
{
	return json_long(p->meta, "max_tokens", -1);
}

double
prompt_temperature(const struct prompt *p)
{
	return json_num(p->meta, "temperature", NAN);
}

int
prompt_own_setting(const struct prompt *p, const char *key)
{
	return p->own && cJSON_GetObjectItemCaseSensitive(p->own, key) != NULL;
}

const cJSON *
prompt_meta(const struct prompt *p)
{
	return p->meta;
}

struct prompt_vars *
prompt_vars_new(void)
{
	return calloc(1, sizeof(struct prompt_vars));
}

void
prompt_vars_free(struct prompt_vars *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].name);
		free(v->v[i].value);
	}
	free(v->v);
	free(v);
}

int
prompt_vars_set(struct prompt_vars *v, const char *name, const char *value)
{
	char *val = strdup(value ? value : "");

	if (!val)
		return -1;
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i].name, name)) {
			free(v->v[i].value);
			v->v[i].value = val;
			return 0;
		}
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct prompt_var *nv = realloc(v->v, cap * sizeof *nv);
		if (!nv) {
			free(val);
			return -1;
		}
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n].name = strdup(name);
	v->v[v->n].value = val;
	v->n++;
	return 0;
}

int
prompt_vars_setf(struct prompt_vars *v, const char *name, const char *fmt, ...)
{
	struct buf b = BUF_INIT(0);
	va_list ap;
	int rc;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rc = prompt_vars_set(v, name, buf_str(&b));
	buf_release(&b);
	return rc;
}

static const char *
var_get(const struct prompt_vars *v, const char *name, size_t len)
{
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->v[i].name) == len && !strncasecmp(v->v[i].name, name, len))
			return v->v[i].value;
	return NULL;
}

static int
unknown_var(const struct prompt_vars *v, const char *ph, size_t len,
	    struct ig_err *err)
{
	struct buf known = BUF_INIT(0);

	for (size_t i = 0; i < v->n; i++)
		buf_printf(&known, "%s%s", i ? ", " : "", v->v[i].name);
	ig_err_set(err, IG_EDATA, "unknown placeholder '%.*s' (known: %s)",
		   (int)len, ph, buf_str(&known));
	buf_release(&known);
	return -1;
}

/* Length of an identifier at s (letters, digits, '_'), 0 if none. */
static size_t
ident_len(const char *s)
{
	size_t n = 0;

	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n;
}

/*
 * Whether a word takes "an": it starts with a vowel sound.  Spelling is a
 * fair guide; the exceptions are the common English words whose first
 * letter does not sound as written ("a user", "a one-off", "an hour").
 */
static int
takes_an(const char *w)
{
	static const char *const a_words[] = { "uni", "use", "usu", "uti", "eu", "one", "once" };
	static const char *const an_words[] = { "hour", "honest", "honor", "honour", "heir" };
	char c = (char)tolower((unsigned char)*w);

	for (size_t i = 0; i < ARRAY_SIZE(a_words); i++)
		if (!strncasecmp(w, a_words[i], strlen(a_words[i])))
			return 0;
	for (size_t i = 0; i < ARRAY_SIZE(an_words); i++)
		if (!strncasecmp(w, an_words[i], strlen(an_words[i])))
			return 1;
	return c && strchr("aeiou", c) != NULL;
}

/*
 * Makes the article just written before a value agree with it: "in a
 * {tone} tone" with "informative" reads "in an informative tone", and
 * "an {x}" with "friendly" reads "a friendly".
 */
static void
agree_article(struct buf *out, const char *val)
{
	char *s = out->data;
	size_t n = out->len, at;
	int an;

	if (!s || !*val)
		return;
	if (n >= 3 && !strcasecmp(s + n - 3, "an ")) {
		an = 1;
		at = n - 3;
	} else if (n >= 2 && !strcasecmp(s + n - 2, "a ")) {
		an = 0;
		at = n - 2;
	} else {
		return;
	}
	if (at > 0 && (isalnum((unsigned char)s[at - 1]) || s[at - 1] == '_'))
		return;
	if (an == takes_an(val))
		return;
	if (an) {	/* "an " -> "a " */
		s[at + 1] = ' ';
		out->len--;
		s[out->len] = '\0';
	} else {	/* "a " -> "an " */
		out->len = at + 1;
		s[out->len] = '\0';
		buf_puts(out, "n ");
	}
}

char *
prompt_render(const char *text, const struct prompt_vars *v, struct ig_err *err)
{
	struct buf out = BUF_INIT(0);
	const char *p = text;

	/* Values are mostly short: the text's size is a fair first guess. */
	buf_reserve(&out, strlen(text) + 256);
	while (*p) {
		size_t n = strcspn(p, "{}[");
		const char *val;

		/* Only '{', '}' and '[' can start anything but plain text. */
		buf_append(&out, p, n);
		p += n;
		if (!*p)
			break;
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			buf_putc(&out, *p);
			p += 2;
		} else if (*p == '{' && (n = ident_len(p + 1)) && p[n + 1] == '}') {
			if (!(val = var_get(v, p + 1, n)))
				goto unknown;
			agree_article(&out, val);
			buf_puts(&out, val);
			p += n + 2;
		} else if (!strncmp(p, "[IGNY8_", 7) && (n = ident_len(p + 7)) &&
			   p[n + 7] == ']') {
			if (!(val = var_get(v, p + 7, n))) {
				n += 6; /* name the whole "[IGNY8_X]" */
				goto unknown;
			}
			agree_article(&out, val);
			buf_puts(&out, val);
			p += n + 8;
		} else {
			buf_putc(&out, *p++);
		}
		continue;
unknown:
		unknown_var(v, p, n + 2, err);
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out);
}

/* ---- checking a user's prompt file (igny8 prompts set) ---- */

/*
 * The placeholders each function fills: fn_common_vars() for the first
 * seven, then the function's own (cluster_ai.c, fn_ideas.c, fn_write.c,
 * fn_image.c), as igny8-prompts(5) lists them.  `negative` is sent as it
 * is, so nothing in it is a placeholder.
 */
#define COMMON_VARS "site_name site_url audience context language sector date "
static const struct {
	const char *fn, *vars;
} fn_vars[] = {
	{ "cluster", COMMON_VARS "keywords existing" },
	{ "ideas", COMMON_VARS "cluster description keywords existing taken count" },
	{ "write", COMMON_VARS "title description content_type structure primary_keyword "
		   "keywords outline words tone format intent related" },
	{ "image_prompts", COMMON_VARS "title headings article count" },
	{ "image", "prompt style" },
};

/* The front-matter keys a prompt file may give (description: a note). */
static const char *const meta_keys[] = {
	"model", "max_tokens", "temperature", "system", "schema_name", "schema", "style",
	"description"
};

static int
check_meta(const cJSON *meta, const char *name, struct ig_err *err)
{
	const char *near;
	const cJSON *sn;
	double t;

	for (const cJSON *m = meta->child; m; m = m->next) {
		size_t i = 0;

		while (i < ARRAY_SIZE(meta_keys) && strcmp(meta_keys[i], m->string))
			i++;
		if (i < ARRAY_SIZE(meta_keys))
			continue;
		near = suggest_nearest(m->string, meta_keys, ARRAY_SIZE(meta_keys));
		return ig_err_set(err, IG_EDATA, "%s: front matter: unknown key '%s'%s%s%s",
				  name, m->string, near ? "; did you mean '" : "",
				  near ? near : "", near ? "'?" : "");
	}
	if (cJSON_HasObjectItem(meta, "max_tokens") && json_long(meta, "max_tokens", 0) < 1)
		return ig_err_set(err, IG_EDATA, "%s: front matter: max_tokens must be a "
				  "whole number of 1 or more", name);
	t = json_num(meta, "temperature", 0);
	if (cJSON_HasObjectItem(meta, "temperature") &&
	    (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(meta, "temperature")) ||
	     t < 0 || t > 2))
		return ig_err_set(err, IG_EDATA, "%s: front matter: temperature must be a "
				  "number from 0 to 2", name);
	for (size_t i = 0; i < ARRAY_SIZE(meta_keys); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, meta_keys[i]);

		if (!v || !strcmp(meta_keys[i], "max_tokens") ||
		    !strcmp(meta_keys[i], "temperature"))
			continue;
		if (!strcmp(meta_keys[i], "schema") ? !cJSON_IsObject(v) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "type")) :
		    !cJSON_IsString(v) || !*v->valuestring)
			return ig_err_set(err, IG_EDATA, "%s: front matter: %s must be %s", name,
					  meta_keys[i], !strcmp(meta_keys[i], "schema") ?
					  "a JSON schema (a mapping with a 'type')" :
					  "a non-empty string");
	}
	/* OpenAI's json_schema name: letters, digits, '_' and '-', 64 at most. */
	sn = cJSON_GetObjectItemCaseSensitive(meta, "schema_name");
	if (sn && (strlen(sn->valuestring) > 64 ||
		   sn->valuestring[strspn(sn->valuestring, "abcdefghijklmnopqrstuvwxyz"
					  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")]))
		return ig_err_set(err, IG_EDATA, "%s: front matter: schema_name '%s' may hold "
				  "only letters, digits, '_' and '-' (64 at most)", name,
				  sn->valuestring);
	return 0;
}

/* Renders text with every known placeholder set: an unknown one fails. */
static int
check_placeholders(const char *fn, const char *text, const char *what, const char *name,
		   struct ig_err *err)
{
	struct prompt_vars *v;
	const char *vars = NULL;
	char *out;

	for (size_t i = 0; i < ARRAY_SIZE(fn_vars); i++)
		if (!strcmp(fn_vars[i].fn, fn))
			vars = fn_vars[i].vars;
	if (!vars || !text)
		return 0;
	if (!(v = prompt_vars_new()))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	for (const char *p = vars; *p;) {
		size_t n = strcspn(p, " ");
		char nm[32];

		snprintf(nm, sizeof nm, "%.*s", (int)n, p);
		prompt_vars_set(v, nm, "x");
		p += n + (p[n] == ' ');
	}
	out = prompt_render(text, v, err);
	prompt_vars_free(v);
	free(out);
	return out ? 0 : ig_err_prefix(err, "%s: %s", name, what);
}

int
prompt_validate(const char *fn, const char *text, const char *name, struct ig_err *err)
{
	struct prompt *p;
	int rc;

	/* What `igny8 prompts show` printed before it printed prompt files. */
	if (!strncmp(text, "# source: ", 10) && strstr(text, "\n# front matter: "))
		return ig_err_set(err, IG_EDATA, "%s: not a prompt file but the listing of an "
				  "older 'igny8 prompts show' (its front matter is a comment); "
				  "run 'igny8 prompts show %s' again", name, fn);
	if (!(p = prompt_parse(fn, text, name, err)))
		return -1;
	rc = check_meta(p->meta, name, err);
	if (rc == 0)
		rc = check_placeholders(fn, p->body, "text", name, err);
	if (rc == 0)
		rc = check_placeholders(fn, prompt_system(p), "system", name, err);
	prompt_free(p);
	return rc;
}
