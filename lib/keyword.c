/* keyword.c: keyword normalisation and storage. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "json.h"
#include "keyword.h"
#include "tokenize.h"

/*
 * Collapses runs of white space to one space and trims both ends, in
 * place.  Returns s, or NULL (s freed) when nothing is left.
 */
static char *
squeeze(char *s, struct ig_err *err)
{
	char *w = s;
	int space = 0;

	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = 0;
		*w++ = *p;
	}
	*w = '\0';
	if (!*s) {
		free(s);
		ig_err_set(err, IG_EDATA, "keyword is empty");
		return NULL;
	}
	return s;
}

/*
 * What the utf8proc options below do to ASCII, without the decomposition
 * into code points that costs most of an import's normalising: NFKC
 * leaves ASCII as it is, case folding lowers A-Z, and STRIPCC turns
 * tab, line feed, vertical tab, form feed and carriage return into a
 * space and drops the other controls.  t-keyword checks every ASCII byte
 * against utf8proc.  NULL when s has a byte above 0x7f.
 */
static char *
ascii_fold(const char *s)
{
	size_t n = tok_ascii_len(s);
	char *out, *w;

	if (n == SIZE_MAX)
		return NULL;
	if (!(out = w = malloc(n + 1)))
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\v' || *p == '\f' || *p == '\r')
			*w++ = ' ';
		else if (*p >= 'A' && *p <= 'Z')
			*w++ = (char)(*p + ('a' - 'A'));
		else if (*p >= 0x20 && *p != 0x7f)
			*w++ = (char)*p;
	}
	*w = '\0';
	return out;
}

char *
kw_normalize(const char *s, struct ig_err *err)
{
	utf8proc_uint8_t *folded = NULL;
	utf8proc_ssize_t n;
	char *ascii = ascii_fold(s);

	if (ascii)
		return squeeze(ascii, err);
	n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &folded,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
				 UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
				 UTF8PROC_IGNORE | UTF8PROC_STRIPCC);
	if (n < 0) {
		ig_err_set(err, IG_EDATA, "keyword is not valid UTF-8");
		return NULL;
	}
	return squeeze((char *)folded, err);
}

enum { M_TYPE, M_INTENT, M_SECTOR, M_KEYWORD, M_VOLUME, M_DIFFICULTY, M_N };

/*
 * The members kw_from_record() reads, each the first of its name as
 * cJSON_GetObjectItemCaseSensitive() finds it, in one pass over the
 * record: a piped keyword list reads millions, and eight lookups cost
 * more than the upsert's own string compares.
 */
static void
kw_members(const cJSON *rec, const cJSON *m[M_N])
{
	static const char *const names[M_N] = { "type", "intent", "sector", "keyword",
						"volume", "difficulty" };
	const cJSON *c;

	for (int i = 0; i < M_N; i++)
		m[i] = NULL;
	cJSON_ArrayForEach(c, rec) {
		for (int i = 0; c->string && i < M_N; i++)
			if (!m[i] && !strcmp(c->string, names[i])) {
				m[i] = c;
				break;
			}
	}
}

static const char *
str_of(const cJSON *v)
{
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
kw_from_record(const cJSON *rec, struct kw_fields *f, struct ig_err *err)
{
	static const char *const strings[] = { "type", "intent", "sector" };
	const cJSON *m[M_N], *v;
	const char *type;

	kw_members(rec, m);
	/* A value of the wrong kind is an error, not a member left out. */
	for (int i = M_TYPE; i <= M_SECTOR; i++)
		if (m[i] && !cJSON_IsNull(m[i]) && !cJSON_IsString(m[i]))
			return ig_err_set(err, IG_EDATA, "'%s' must be a string", strings[i]);
	if ((type = str_of(m[M_TYPE])) && strcmp(type, "keyword") != 0)
		return ig_err_set(err, IG_EDATA, "expected a keyword record, got type '%s'", type);
	f->keyword = str_of(m[M_KEYWORD]);
	if (!f->keyword)
		return ig_err_set(err, IG_EDATA, "missing string member 'keyword'");
	if (strlen(f->keyword) > 500)
		return ig_err_set(err, IG_EDATA, "keyword longer than 500 bytes");
	f->volume = -1;
	f->difficulty = -1;
	if ((v = m[M_VOLUME]) && !cJSON_IsNull(v)) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e15)
			return ig_err_set(err, IG_EDATA, "'volume' must be a non-negative number");
		f->volume = (long)v->valuedouble;
	}
	if ((v = m[M_DIFFICULTY]) && !cJSON_IsNull(v)) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 100)
			return ig_err_set(err, IG_EDATA, "'difficulty' must be a number from 0 to 100");
		f->difficulty = v->valuedouble;
	}
	f->intent = str_of(m[M_INTENT]);
	f->sector = str_of(m[M_SECTOR]);
	return 0;
}

static void
bind_fields(sqlite3_stmt *st, const struct kw_fields *f, const char *norm,
	    const char *now)
{
	sqlite3_bind_text(st, 1, f->keyword, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, norm, -1, SQLITE_STATIC);
	if (f->volume >= 0)
		sqlite3_bind_int64(st, 3, f->volume);
	if (f->difficulty >= 0)
		sqlite3_bind_double(st, 4, f->difficulty);
	if (f->intent)
		sqlite3_bind_text(st, 5, f->intent, -1, SQLITE_STATIC);
	if (f->sector)
		sqlite3_bind_text(st, 6, f->sector, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
}

/*
 * Runs one of the upsert statements; returns the row id a SELECT read or
 * an INSERT made (0 when it inserted nothing), 0 for an UPDATE, -1 on
 * failure.
 */
static long
kw_step(struct ws *ws, const char *sql, int inserting, const struct kw_fields *f,
	const char *norm, const char *now, struct ig_err *err)
{
	sqlite3_stmt *st = ws_cached(ws, sql, err);
	long id = 0;
	int rc;

	if (!st)
		return -1;
	/* Statements use a subset of ?1..?7; binding an absent one is a no-op. */
	bind_fields(st, f, norm, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = (long)sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		id = ws_fail(ws, err, "saving a keyword");
	else if (inserting && sqlite3_changes(ws_db(ws)) > 0)
		id = (long)sqlite3_last_insert_rowid(ws_db(ws));
	ws_done(st);
	return id;
}

int
kw_upsert_norm(struct ws *ws, const struct kw_fields *f, const char *norm,
	       long *id_out, int *inserted_out, struct ig_err *err)
{
	/* Not RETURNING, which cost a third of a million-row import
	 * (bench/RESULTS-cluster.md): a row is new when it changed one. */
	static const char ins[] =
		"INSERT INTO keywords (keyword, norm, volume, difficulty, intent, sector,"
		" created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
		" ON CONFLICT (norm) DO NOTHING";
	/* Only known values overwrite, and only a real change touches updated_at,
	 * so rerunning the same input changes nothing. */
	static const char upd[] =
		"UPDATE keywords SET volume = coalesce(?3, volume),"
		" difficulty = coalesce(?4, difficulty),"
		" intent = coalesce(?5, intent), sector = coalesce(?6, sector),"
		" updated_at = ?7 WHERE norm = ?2 AND ((?3 IS NOT NULL AND ?3 IS NOT volume)"
		" OR (?4 IS NOT NULL AND ?4 IS NOT difficulty)"
		" OR (?5 IS NOT NULL AND ?5 IS NOT intent)"
		" OR (?6 IS NOT NULL AND ?6 IS NOT sector))";
	char now[32];
	long id;

	ws_now(now);
	id = kw_step(ws, ins, 1, f, norm, now, err);
	if (inserted_out)
		*inserted_out = id > 0;
	if (id == 0 && kw_step(ws, upd, 0, f, norm, now, err) >= 0)
		id = kw_step(ws, "SELECT id FROM keywords WHERE norm = ?2", 0,
			     f, norm, now, err);
	if (id == 0)
		ig_err_set(err, IG_ESOFTWARE, "a keyword was neither saved nor found");
	if (id <= 0)
		return -1;
	*id_out = id;
	return 0;
}

int
kw_upsert(struct ws *ws, const struct kw_fields *f, long *id_out,
	  int *inserted_out, struct ig_err *err)
{
	char *norm = kw_normalize(f->keyword, err);
	int rc;

	if (!norm)
		return -1;
	rc = kw_upsert_norm(ws, f, norm, id_out, inserted_out, err);
	free(norm);
	return rc;
}
