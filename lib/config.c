/*
 * config.c: the settings store, its typed getters, and the layers that
 * fill it (YAML files through libyaml's event parser, the environment,
 * flags).
 *
 * The store is a sorted array of key/value/origin strings: a few hundred
 * keys at most (the price table is the bulk), read far more often than
 * written, and config_each() wants them sorted anyway.  Every value is
 * checked against its key row when it is set, so getters never fail.
 */
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "buf.h"
#include "config.h"

#ifndef IG_DATADIR
#define IG_DATADIR "/usr/local/share/igny8"
#endif
#ifndef IG_SYSCONFDIR
#define IG_SYSCONFDIR "/etc"
#endif

#define MAX_FILE (4 << 20)	/* config files are small; the cap stops /dev/zero */
#define MAX_DEPTH 32		/* nesting deeper than any key in the table */
#define MAX_KEY 512		/* longest dotted key accepted */

struct entry {
	char *key;
	char *value;
	char *origin;		/* "default", "file:line", "ENV", "--flag" */
	unsigned gen;		/* load that set it (duplicate check), 0 = none */
	int shipped;		/* from the table or the shipped data files */
};

struct config {
	struct entry *v;	/* sorted by key */
	size_t n, cap;
	unsigned gen;		/* number of the YAML load in progress */
	int loading;		/* inside config_load_buffer */
	int has_secret;		/* the current load set a secret */
	int shipping;		/* loading the table or shipped data */
	void (*warn)(const char *msg);
};

/* Index of key, or where it would go (with *found = 0). */
static size_t
find(const struct config *cfg, const char *key, int *found)
{
	size_t lo = 0, hi = cfg->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(cfg->v[mid].key, key);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct entry *
lookup(const struct config *cfg, const char *key)
{
	int found;
	size_t i = find(cfg, key, &found);

	return found ? &cfg->v[i] : NULL;
}

/* Stores copies of value and origin under key; -1 when out of memory. */
static int
put(struct config *cfg, const char *key, const char *value,
    const char *origin, unsigned gen)
{
	char *v = strdup(value), *o = strdup(origin);
	int found;
	size_t i = find(cfg, key, &found);
	struct entry *e;

	if (!v || !o)
		goto fail;
	if (found) {
		e = &cfg->v[i];
		free(e->value);
		free(e->origin);
		e->value = v;
		e->origin = o;
		e->gen = gen;
		e->shipped = cfg->shipping;
		return 0;
	}
	if (cfg->n == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 128;
		struct entry *nv = realloc(cfg->v, cap * sizeof *nv);

		if (!nv)
			goto fail;
		cfg->v = nv;
		cfg->cap = cap;
	}
	e = &cfg->v[i];
	memmove(e + 1, e, (cfg->n - i) * sizeof *e);
	e->key = strdup(key);
	if (!e->key) {
		memmove(e, e + 1, (cfg->n - i) * sizeof *e);
		goto fail;
	}
	e->value = v;
	e->origin = o;
	e->gen = gen;
	e->shipped = cfg->shipping;
	cfg->n++;
	return 0;
fail:
	free(v);
	free(o);
	return -1;
}

struct config *
config_new(void)
{
	struct config *cfg = calloc(1, sizeof *cfg);
	const struct config_key *rows;
	size_t n;

	if (!cfg)
		return NULL;
	rows = config_keys(&n);
	cfg->shipping = 1;
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].def || strchr(rows[i].key, '*'))
			continue;
		if (put(cfg, rows[i].key, rows[i].def, "default", 0) < 0) {
			config_free(cfg);
			return NULL;
		}
	}
	cfg->shipping = 0;
	return cfg;
}

void
config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++) {
		free(cfg->v[i].key);
		free(cfg->v[i].value);
		free(cfg->v[i].origin);
	}
	free(cfg->v);
	free(cfg);
}

void
config_set_warn(struct config *cfg, void (*warn)(const char *msg))
{
	cfg->warn = warn;
}

static void
warnf(const struct config *cfg, const char *fmt, ...) IG_PRINTF(2, 3);

static void
warnf(const struct config *cfg, const char *fmt, ...)
{
	char msg[IG_ERR_MSGLEN];
	va_list ap;

	if (!cfg->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ig_redact(msg);
	cfg->warn(msg);
}

/* ---- checking one value against its row ---- */

static int
parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int
enum_has(const char *choices, const char *s)
{
	size_t n = strlen(s);

	for (const char *p = choices;; p += strcspn(p, "|") + 1) {
		if (strcspn(p, "|") == n && strncmp(p, s, n) == 0)
			return 1;
		if (p[strcspn(p, "|")] == '\0')
			return 0;
	}
}

/* "a|b|c" as "a, b, c" for messages. */
static void
list_choices(const char *choices, char *out, size_t n)
{
	size_t len = 0;

	for (const char *p = choices; *p && len + 3 < n; p++) {
		if (*p == '|') {
			out[len++] = ',';
			out[len++] = ' ';
		} else {
			out[len++] = *p;
		}
	}
	out[len] = '\0';
}

/*
 * Checks value for row; on success *norm_out is NULL (store value as is)
 * or a canonical spelling in `norm` (booleans as true/false).
 */
static int
check(const struct config_key *row, const char *key, const char *value,
      const char *where, char *norm, size_t normsz, struct ig_err *err)
{
	char *end, choices[256];
	long l;
	double d;
	int b;

	norm[0] = '\0';
	switch (row->type) {
	case CFG_INT:
		errno = 0;
		l = strtol(value, &end, 10);
		if (end == value || *end)
			return ig_err_set(err, IG_ECONFIG,
			    "%s: '%s' must be an integer, not '%s'", where, key,
			    value);
		if (errno == ERANGE || l < 0)
			return ig_err_set(err, IG_ECONFIG,
			    "%s: '%s' must be between 0 and %ld, not '%s'",
			    where, key, LONG_MAX, value);
		snprintf(norm, normsz, "%ld", l);
		return 0;
	case CFG_NUM:
		errno = 0;
		d = strtod(value, &end);
		if (end == value || *end || !isfinite(d) || errno == ERANGE)
			return ig_err_set(err, IG_ECONFIG,
			    "%s: '%s' must be a number, not '%s'", where, key,
			    value);
		if (d < 0)
			return ig_err_set(err, IG_ECONFIG,
			    "%s: '%s' must not be negative, not '%s'", where,
			    key, value);
		return 0;
	case CFG_BOOL:
		b = parse_bool(value);
		if (b < 0)
			return ig_err_set(err, IG_ECONFIG,
			    "%s: '%s' must be true or false, not '%s'", where,
			    key, value);
		snprintf(norm, normsz, "%s", b ? "true" : "false");
		return 0;
	case CFG_ENUM:
		if (enum_has(row->choices, value))
			return 0;
		list_choices(row->choices, choices, sizeof choices);
		return ig_err_set(err, IG_ECONFIG,
		    "%s: '%s' must be one of %s, not '%s'", where, key,
		    choices, value);
	case CFG_STR:
	case CFG_LIST:
	case CFG_SECRET:
		return 0;
	}
	return 0;
}

/* ---- setting keys ---- */

static int
unknown(const char *key, const char *where, struct ig_err *err)
{
	char near[MAX_KEY];

	if (config_key_suggest(key, near, sizeof near) == 0)
		return ig_err_set(err, IG_ECONFIG,
		    "%s: unknown key '%s'; did you mean '%s'?", where, key,
		    near);
	return ig_err_set(err, IG_ECONFIG, "%s: unknown key '%s'", where, key);
}

static int set_key(struct config *cfg, const char *key, const char *value,
		   const char *where, struct ig_err *err);

/* "~/x" under $HOME; other paths as given (relative to the cwd). */
static void
expand_home(const char *path, char *out, size_t n)
{
	const char *home = getenv("HOME");

	if (path[0] == '~' && path[1] == '/' && home && *home)
		snprintf(out, n, "%s%s", home, path + 1);
	else
		snprintf(out, n, "%s", path);
}

/*
 * providers.X.api_key_file: the first line of the file becomes
 * providers.X.api_key now, so layer order decides between the two.
 */
static int
read_key_file(struct config *cfg, const char *key, const char *value,
	      const char *where, struct ig_err *err)
{
	char path[PATH_MAX], line[4096], target[MAX_KEY];
	struct stat st;
	FILE *f;
	size_t n;

	expand_home(value, path, sizeof path);
	f = fopen(path, "r");
	if (!f)
		return ig_err_set(err, IG_ECONFIG, "%s: '%s': cannot open '%s': %s",
		    where, key, path, strerror(errno));
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
		warnf(cfg, "%s holds an API key and is readable by others; "
		      "run 'chmod 600 %s'", path, path);
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	if (n == 0)
		return ig_err_set(err, IG_ECONFIG,
		    "%s: '%s': first line of '%s' is empty", where, key, path);
	snprintf(target, sizeof target, "%.*s", (int)(strlen(key) - 5), key);
	return set_key(cfg, target, line, path, err);
}

int
config_check_value(const char *key, const char *value, const char *where,
		   struct ig_err *err)
{
	const struct config_key *row = config_key_find(key);
	char norm[64];

	if (!row)
		return unknown(key, where, err);
	return check(row, key, value, where, norm, sizeof norm, err);
}

static int
set_key(struct config *cfg, const char *key, const char *value,
	const char *where, struct ig_err *err)
{
	const struct config_key *row = config_key_find(key);
	const struct entry *old;
	char norm[64];
	size_t klen = strlen(key);

	if (!row)
		return unknown(key, where, err);
	if (check(row, key, value, where, norm, sizeof norm, err) < 0)
		return -1;
	old = lookup(cfg, key);
	if (cfg->loading && old && old->gen == cfg->gen)
		return ig_err_set(err, IG_ECONFIG,
		    "%s: duplicate key '%s' (first set at %s)", where, key,
		    old->origin);
	if (row->type == CFG_SECRET) {
		ig_secret_add(value);
		cfg->has_secret = 1;
	}
	if (klen > 13 && strcmp(key + klen - 13, ".api_key_file") == 0 &&
	    strncmp(key, "providers.", 10) == 0 && *value) {
		/* the file being loaded holds a path, not the key */
		int had = cfg->has_secret;

		if (read_key_file(cfg, key, value, where, err) < 0)
			return -1;
		cfg->has_secret = had;
	}
	if (put(cfg, key, norm[0] ? norm : value, where,
		cfg->loading ? cfg->gen : 0) < 0)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	return 0;
}

int
config_set(struct config *cfg, const char *key, const char *value,
	   const char *origin, struct ig_err *err)
{
	return set_key(cfg, key, value, origin ? origin : "set", err);
}

int
config_load_env(struct config *cfg, struct ig_err *err)
{
	const struct config_key *rows;
	size_t n;

	rows = config_keys(&n);
	for (size_t i = 0; i < n; i++) {
		const char *v = rows[i].env ? getenv(rows[i].env) : NULL;

		if (v && *v && set_key(cfg, rows[i].key, v, rows[i].env, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- getters ---- */

const char *
config_get(const struct config *cfg, const char *key)
{
	const struct entry *e = lookup(cfg, key);

	return e ? e->value : NULL;
}

const char *
config_str(const struct config *cfg, const char *key)
{
	const char *v = config_get(cfg, key);

	return v ? v : "";
}

long
config_int(const struct config *cfg, const char *key)
{
	const char *v = config_get(cfg, key);

	return v ? strtol(v, NULL, 10) : 0;
}

/* Values were checked with strtod when set; the C locale is assumed
 * (the binaries never call setlocale for LC_NUMERIC). */
double
config_num(const struct config *cfg, const char *key)
{
	const char *v = config_get(cfg, key);

	return v ? strtod(v, NULL) : 0;
}

int
config_bool(const struct config *cfg, const char *key)
{
	const char *v = config_get(cfg, key);

	return v && parse_bool(v) == 1;
}

int
config_user_set(const struct config *cfg, const char *key)
{
	int found;
	size_t i = find(cfg, key, &found);

	return found && !cfg->v[i].shipped;
}

const char *
config_origin(const struct config *cfg, const char *key)
{
	const struct entry *e = lookup(cfg, key);

	return e ? e->origin : NULL;
}

int
config_is_secret(const char *key)
{
	const struct config_key *row = config_key_find(key);

	return row && row->type == CFG_SECRET;
}

const char *
config_getf(const struct config *cfg, const char *fmt, ...)
{
	char key[MAX_KEY];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(key, sizeof key, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof key)
		return NULL;
	return config_get(cfg, key);
}

void
config_each(const struct config *cfg, const char *prefix,
	    void (*cb)(const char *key, const char *value, const char *origin,
		       void *ctx),
	    void *ctx)
{
	size_t plen = prefix ? strlen(prefix) : 0;

	for (size_t i = 0; i < cfg->n; i++) {
		const struct entry *e = &cfg->v[i];

		if (plen && strncmp(e->key, prefix, plen) != 0)
			continue;
		cb(e->key, config_is_secret(e->key) ? "[REDACTED]" : e->value,
		   e->origin, ctx);
	}
}

/* Defaults for any OpenAI-compatible server (Ollama, llama.cpp, vLLM):
 * the conservative choices that every one of them accepts. */
static const struct {
	const char *field, *value;
} provider_defaults[] = {
	{ "token_param", "max_tokens" },
	{ "send_temperature", "true" },
	{ "response_format", "json_object" },
	{ "connect_timeout", "10" },
	{ "timeout", "300" },
	{ "max_retries", "5" },
	{ "max_retry_wait", "120" },
	{ "rpm", "0" },
	{ "tpm", "0" },
};

const char *
config_provider(const struct config *cfg, const char *provider,
		const char *field)
{
	const char *v = config_getf(cfg, "providers.%s.%s", provider, field);

	if (v)
		return v;
	for (size_t i = 0; i < ARRAY_SIZE(provider_defaults); i++)
		if (strcmp(provider_defaults[i].field, field) == 0)
			return provider_defaults[i].value;
	return NULL;
}

long
config_provider_int(const struct config *cfg, const char *provider,
		    const char *field)
{
	const char *v = config_provider(cfg, provider, field);

	return v ? strtol(v, NULL, 10) : 0;
}

const char *
config_fn(const struct config *cfg, const char *fn, const char *field)
{
	const char *v = config_getf(cfg, "functions.%s.%s", fn, field);

	if (v || strcmp(field, "provider") != 0)
		return v;
	return config_get(cfg, strcmp(fn, "embed") == 0 ? "embed.provider" :
							   "text.provider");
}

/* ---- YAML ---- */

/*
 * The walker keeps the dotted path of the mapping keys above the current
 * event in `path`; each frame remembers how long the path was when it
 * started, so leaving a value or a mapping just truncates it.
 */
enum frame_kind { FR_MAP, FR_SEQ };

struct frame {
	enum frame_kind kind;
	size_t base;		/* path length at the frame's start */
	int have_key;		/* FR_MAP: a key was read, its value is next */
	unsigned long line;	/* line of the key that owns the frame */
};

struct walk {
	struct config *cfg;
	const char *name;	/* file name for messages */
	size_t root;		/* path length of the prefix */
	struct buf path;
	struct buf list;	/* FR_SEQ: the items read so far */
	size_t nitems;
	struct frame st[MAX_DEPTH];
	int depth;		/* frames in st; 0 = at the document root */
	unsigned long line;	/* line of the current event */
	struct ig_err *err;
};

static int
walk_err(struct walk *w, const char *fmt, ...) IG_PRINTF(2, 3);

static int
walk_err(struct walk *w, const char *fmt, ...)
{
	char msg[IG_ERR_MSGLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ig_err_set(w->err, IG_ECONFIG, "%s:%lu: %s", w->name, w->line,
			  msg);
}

/* A plain ~, null or empty scalar: YAML's "no value". */
static int
is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static size_t
nparts(const char *s)
{
	size_t k = 1;

	for (; *s; s++)
		k += *s == '.';
	return k;
}

/* Is key a proper prefix of some row ("providers.ollama", "functions")? */
static int
is_group(const char *key)
{
	const struct config_key *rows;
	char pat[MAX_KEY];
	size_t n;

	rows = config_keys(&n);
	for (size_t i = 0; i < n; i++) {
		snprintf(pat, sizeof pat, "%s", rows[i].key);
		for (char *dot = strrchr(pat, '.'); dot; dot = strrchr(pat, '.')) {
			*dot = '\0';
			/* one part per '*' here: with dotted names any
			 * longer key could be a group ("providers.a.b") */
			if (nparts(pat) == nparts(key) &&
			    config_key_match(pat, key))
				return 1;
		}
	}
	return 0;
}

static int
scalar_text(struct walk *w, const yaml_event_t *ev, const char **out)
{
	*out = (const char *)ev->data.scalar.value;
	if (strlen(*out) != ev->data.scalar.length)
		return walk_err(w, "value contains a NUL byte");
	return 0;
}

/* A mapping key: append it to the path. */
static int
walk_key(struct walk *w, struct frame *f, const char *k)
{
	if (!*k)
		return walk_err(w, "empty key");
	if (w->path.len > 0 && buf_putc(&w->path, '.') < 0)
		return walk_err(w, "key too long");
	if (buf_puts(&w->path, k) < 0)
		return walk_err(w, "key too long");
	f->have_key = 1;
	f->line = w->line;
	return 0;
}

/* The value of a key: set it and drop the key from the path. */
static int
walk_value(struct walk *w, struct frame *f, const yaml_event_t *ev,
	   const char *v)
{
	const char *key = buf_str(&w->path);
	char where[PATH_MAX + 32];

	snprintf(where, sizeof where, "%s:%lu", w->name, w->line);
	if (!config_key_find(key) && is_group(key)) {
		if (!is_null(ev))
			return walk_err(w, "'%s' is a group of settings, "
					"not a setting", key);
		goto done;	/* an empty section such as "providers:" */
	}
	if (set_key(w->cfg, key, is_null(ev) ? "" : v, where, w->err) < 0)
		return -1;
done:
	f->have_key = 0;
	w->path.len = f->base;
	w->path.data[f->base] = '\0';
	return 0;
}

static int
walk_scalar(struct walk *w, const yaml_event_t *ev)
{
	struct frame *f = w->depth ? &w->st[w->depth - 1] : NULL;
	const char *v;

	if (scalar_text(w, ev, &v) < 0)
		return -1;
	if (!f)		/* a document that is one scalar: only "empty" is fine */
		return is_null(ev) ? 0 :
		    walk_err(w, "expected a mapping of settings, not '%.40s'", v);
	if (f->kind == FR_SEQ) {
		if (strchr(v, ','))
			return walk_err(w, "list item '%s' contains ','", v);
		if ((w->nitems++ && buf_putc(&w->list, ',') < 0) ||
		    buf_puts(&w->list, v) < 0)
			return walk_err(w, "list too long");
		return 0;
	}
	if (!f->have_key)
		return walk_key(w, f, v);
	return walk_value(w, f, ev, v);
}

static int
push(struct walk *w, enum frame_kind kind)
{
	struct frame *f;

	if (w->depth == MAX_DEPTH)
		return walk_err(w, "nested too deeply");
	f = &w->st[w->depth++];
	f->kind = kind;
	f->base = w->path.len;
	f->have_key = 0;
	f->line = w->line;
	return 0;
}

static int
walk_start(struct walk *w, enum frame_kind kind)
{
	struct frame *f = w->depth ? &w->st[w->depth - 1] : NULL;

	if (!f && kind == FR_SEQ)
		return walk_err(w, "expected a mapping of settings, not a list");
	if (f && f->kind == FR_SEQ)
		return walk_err(w, "'%s': a list may hold only plain values",
				buf_str(&w->path));
	if (f && !f->have_key)
		return walk_err(w, "a key must be a plain value");
	if (kind == FR_SEQ) {
		buf_reset(&w->list);
		w->nitems = 0;
	}
	if (push(w, kind) < 0)
		return -1;
	if (f)	/* messages about a list or section name its key's line */
		w->st[w->depth - 1].line = f->line;
	return 0;
}

/* End of a mapping or list: a list becomes one comma-joined value. */
static int
walk_end(struct walk *w)
{
	struct frame *f = &w->st[--w->depth], *up;
	char where[PATH_MAX + 32];

	if (f->kind == FR_SEQ) {
		snprintf(where, sizeof where, "%s:%lu", w->name, f->line);
		if (set_key(w->cfg, buf_str(&w->path), buf_str(&w->list), where,
			    w->err) < 0)
			return -1;
	}
	if (w->depth == 0)
		return 0;
	up = &w->st[w->depth - 1];
	up->have_key = 0;
	w->path.len = up->base;
	w->path.data[up->base] = '\0';
	return 0;
}

static int
walk_event(struct walk *w, const yaml_event_t *ev)
{
	w->line = (unsigned long)ev->start_mark.line + 1;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		w->depth = 0;
		w->path.len = w->root;
		if (w->path.data)
			w->path.data[w->root] = '\0';
		return 0;
	case YAML_SCALAR_EVENT:
		return walk_scalar(w, ev);
	case YAML_MAPPING_START_EVENT:
		return walk_start(w, FR_MAP);
	case YAML_SEQUENCE_START_EVENT:
		return walk_start(w, FR_SEQ);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		return walk_end(w);
	case YAML_ALIAS_EVENT:
		return walk_err(w, "YAML aliases are not supported");
	default:
		return 0;
	}
}

static int
syntax_error(const yaml_parser_t *p, const char *name, struct ig_err *err)
{
	const yaml_mark_t *m = p->error == YAML_READER_ERROR ? &p->mark :
							       &p->problem_mark;

	return ig_err_set(err, IG_ECONFIG, "%s:%lu: YAML syntax error: %s%s%s",
	    name, (unsigned long)m->line + 1,
	    p->problem ? p->problem : "unknown problem",
	    p->context ? " " : "", p->context ? p->context : "");
}

int
config_load_buffer(struct config *cfg, const char *name, const char *data,
		   size_t len, const char *prefix, struct ig_err *err)
{
	struct walk w = { .cfg = cfg, .name = name, .err = err };
	yaml_parser_t p;
	yaml_event_t ev;
	int r = 0, done = 0;

	buf_init(&w.path, MAX_KEY);
	buf_init(&w.list, MAX_FILE);
	if (prefix && *prefix && buf_puts(&w.path, prefix) < 0)
		return ig_err_set(err, IG_ECONFIG, "%s: prefix too long", name);
	w.root = w.path.len;
	if (!yaml_parser_initialize(&p))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	cfg->gen++;
	cfg->loading = 1;
	cfg->has_secret = 0;
	while (!done && r == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			r = syntax_error(&p, name, err);
			break;
		}
		r = walk_event(&w, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	cfg->loading = 0;
	yaml_parser_delete(&p);
	buf_release(&w.path);
	buf_release(&w.list);
	return r;
}

/* Reads the whole file into b; errno set on failure. */
static int
slurp(FILE *f, struct buf *b)
{
	char chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_append(b, chunk, n) < 0) {
			errno = EFBIG;
			return -1;
		}
	return ferror(f) ? -1 : 0;
}

int
config_load_file(struct config *cfg, const char *path, const char *prefix,
		 int required, struct ig_err *err)
{
	struct buf b = BUF_INIT(MAX_FILE);
	struct stat st;
	FILE *f = fopen(path, "r");
	int r;

	if (!f && !required && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (!f)
		return ig_err_set(err, IG_ECONFIG, "cannot open config file "
				  "'%s': %s", path, strerror(errno));
	if (fstat(fileno(f), &st) < 0 || S_ISDIR(st.st_mode) ||
	    slurp(f, &b) < 0) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;

		fclose(f);
		buf_release(&b);
		return ig_err_set(err, IG_ECONFIG, "cannot read config file "
				  "'%s': %s", path, strerror(e));
	}
	fclose(f);
	r = config_load_buffer(cfg, path, buf_str(&b), b.len, prefix, err);
	buf_release(&b);
	if (r == 0 && cfg->has_secret && (st.st_mode & 077))
		warnf(cfg, "%s holds an API key and is readable by others; "
		      "run 'chmod 600 %s'", path, path);
	return r;
}

/* ---- data files and layers ---- */

static char *
try_path(const char *dir, const char *mid, const char *rel)
{
	char *p;

	if (asprintf(&p, "%s%s/%s", dir, mid, rel) < 0)
		return NULL;
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

char *
config_datafile(const char *rel)
{
	const char *env = getenv("IGNY8_DATADIR");
	char exe[PATH_MAX], *p = NULL, *slash;
	ssize_t n;

	if (env && *env)
		p = try_path(env, "", rel);
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (!p && n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			p = try_path(exe, "/../share/igny8", rel);
		}
	}
	if (!p)
		p = try_path(IG_DATADIR, "", rel);
	return p;
}

static int
load_data(struct config *cfg, const char *rel, const char *prefix,
	  struct ig_err *err)
{
	char *path = config_datafile(rel);
	int r;

	if (!path) {
		warnf(cfg, "shipped data file '%s' not found (set IGNY8_DATADIR)",
		      rel);
		return 0;
	}
	cfg->shipping = 1;
	r = config_load_file(cfg, path, prefix, 1, err);
	cfg->shipping = 0;
	free(path);
	return r;
}

static int
load_user(struct config *cfg, struct ig_err *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char path[PATH_MAX];

	/* The XDG spec says to ignore a relative XDG_CONFIG_HOME. */
	if (xdg && xdg[0] == '/')
		snprintf(path, sizeof path, "%s/igny8/config.yaml", xdg);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.config/igny8/config.yaml", home);
	else
		return 0;
	return config_load_file(cfg, path, NULL, 0, err);
}

struct config *
config_resolve(const char *file, void (*warn)(const char *msg),
	       struct ig_err *err)
{
	struct config *cfg = config_new();

	if (!cfg) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	config_set_warn(cfg, warn);
	if (load_data(cfg, "defaults.yaml", NULL, err) < 0 ||
	    load_data(cfg, "prices.yaml", "prices", err) < 0 ||
	    load_data(cfg, "shutdowns.yaml", "shutdowns", err) < 0 ||
	    config_load_file(cfg, IG_SYSCONFDIR "/igny8/config.yaml", NULL, 0,
			     err) < 0 ||
	    load_user(cfg, err) < 0 ||
	    config_load_file(cfg, "igny8.yaml", NULL, 0, err) < 0 ||
	    (file && config_load_file(cfg, file, NULL, 1, err) < 0) ||
	    config_load_env(cfg, err) < 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}
