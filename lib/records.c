/* records.c: rows to pipe records. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_name.h"
#include "json.h"
#include "records.h"

static const struct {
	const char *type, *table, *exists, *select;
} kinds[] = {
	{ "keyword", "keywords", "SELECT 1 FROM keywords WHERE id = ?",
	  "SELECT k.id, k.keyword, k.volume, k.difficulty, k.intent, k.sector,"
	  " k.cluster_id, c.name AS cluster FROM keywords k"
	  " LEFT JOIN clusters c ON c.id = k.cluster_id WHERE k.id = ?" },
	/* Its members' fields are added by add_members(). */
	{ "cluster", "clusters", "SELECT 1 FROM clusters WHERE id = ?",
	  "SELECT id, name, description, sector, method FROM clusters WHERE id = ?" },
	{ "idea", "ideas", "SELECT 1 FROM ideas WHERE id = ?",
	  "SELECT i.id, i.cluster_id, c.name AS cluster, i.title, i.content_type,"
	  " i.structure, i.description, i.primary_keyword, i.keywords, i.outline,"
	  " i.word_count FROM ideas i JOIN clusters c ON c.id = i.cluster_id"
	  " WHERE i.id = ?" },
	{ "task", "tasks", "SELECT 1 FROM tasks WHERE id = ?",
	  "SELECT id, idea_id, title, status, options, prompt_override, error, attempts"
	  " FROM tasks WHERE id = ?" },
	{ "content", "content", "SELECT 1 FROM content WHERE id = ?",
	  "SELECT id, task_id, title, meta_title, meta_description, slug,"
	  " primary_keyword, secondary_keywords, tags, categories, word_count, format,"
	  " status, html FROM content WHERE id = ?" },
	{ "image", "images", "SELECT 1 FROM images WHERE id = ?",
	  "SELECT id, task_id, kind, position, device, section, prompt, negative_prompt,"
	  " alt, caption, provider, model, url, path, width, height, format, bytes, cost,"
	  " status, error FROM images WHERE id = ?" },
};

/* Columns stored as JSON text that records carry as JSON values. */
static int
json_column(const char *name)
{
	static const char *const cols[] = { "keywords", "outline", "secondary_keywords",
		"tags", "categories", "options", "moderation", "steps" };

	for (size_t i = 0; i < ARRAY_SIZE(cols); i++)
		if (!strcmp(name, cols[i]))
			return 1;
	return 0;
}

const char *
rec_table(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].type, type))
			return kinds[i].table;
	return NULL;
}

static cJSON *
column_value(sqlite3_stmt *st, int c, const char *name)
{
	const char *txt;
	cJSON *v;

	switch (sqlite3_column_type(st, c)) {
	case SQLITE_NULL:
	case SQLITE_BLOB: /* vectors are not records */
		return cJSON_CreateNull();
	case SQLITE_INTEGER:
		return cJSON_CreateNumber((double)sqlite3_column_int64(st, c));
	case SQLITE_FLOAT:
		return cJSON_CreateNumber(sqlite3_column_double(st, c));
	default:
		txt = (const char *)sqlite3_column_text(st, c);
		/* The bracket test first: it rules out most text cheaply. */
		if ((*txt == '[' || *txt == '{') && json_column(name) &&
		    (v = cJSON_Parse(txt)) != NULL)
			return v;
		return cJSON_CreateString(txt);
	}
}

cJSON *
rec_from_row(sqlite3_stmt *st, const char *type)
{
	cJSON *rec = cJSON_CreateObject();
	int n = sqlite3_column_count(st);

	cJSON_AddStringToObject(rec, "type", type);
	for (int c = 0; c < n; c++) {
		const char *name = sqlite3_column_name(st, c);

		cJSON_AddItemToObject(rec, name, column_value(st, c, name));
	}
	return rec;
}

struct member {
	const char *keyword, *intent;
	double volume;		/* -1 when unknown */
	int has_volume;
	double cent;		/* cl_name_centrality() */
};

/* Highest volume first (unknown last), then most central, then by keyword. */
static int
by_volume(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	if (x->volume != y->volume)
		return x->volume < y->volume ? 1 : -1;
	if (x->cent != y->cent)
		return x->cent < y->cent ? 1 : -1;
	return strcmp(x->keyword, y->keyword);
}

/* Fills each member's centrality among the others; -1 on out of memory. */
static int
rank_members(struct member *m, size_t n)
{
	const char **kw = malloc((n + 1) * sizeof *kw);
	double *c = malloc((n + 1) * sizeof *c);
	int rc = -1;

	if (kw && c) {
		for (size_t i = 0; i < n; i++)
			kw[i] = m[i].keyword;
		if ((rc = cl_name_centrality(kw, n, c)) == 0)
			for (size_t i = 0; i < n; i++)
				m[i].cent = c[i];
	}
	free(kw);
	free(c);
	return rc;
}

struct intent_of {
	const char *intent;
	size_t member;
	double volume;		/* 0 when unknown */
};

static int
by_intent(const void *a, const void *b)
{
	const struct intent_of *x = a, *y = b;
	int c = strcmp(x->intent, y->intent);

	return c ? c : (x->member > y->member) - (x->member < y->member);
}

/*
 * The intent most members share; ties go to more volume, then the name.
 * Members are grouped by sorting, not compared pairwise: a cluster of
 * 60,000 keywords with intents took minutes.  NULL when none has one.
 */
static const char *
vote_intent(const struct member *m, size_t n)
{
	struct intent_of *v = malloc((n + 1) * sizeof *v);
	size_t k = 0, i, j;
	const char *best = NULL;
	size_t best_n = 0;
	double best_v = 0;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		if (m[i].intent)
			v[k++] = (struct intent_of){ m[i].intent, i,
						     m[i].has_volume ? m[i].volume : 0 };
	qsort(v, k, sizeof *v, by_intent);
	for (i = 0; i < k; i = j) {
		double vol = 0;

		for (j = i; j < k && !strcmp(v[j].intent, v[i].intent); j++)
			vol += v[j].volume;	/* in member order, as before */
		/* runs come in name order: a tie keeps the earlier name */
		if (!best || j - i > best_n || (j - i == best_n && vol > best_v)) {
			best = v[i].intent;
			best_n = j - i;
			best_v = vol;
		}
	}
	free(v);
	return best;
}

struct rec_members {
	cJSON *part;		/* keywords, keyword_count, total_volume, intent */
};

/*
 * A cluster record's keywords (by volume), keyword_count, total_volume and
 * intent, from one pass over its members: as subqueries they cost two
 * temporary b-trees and four index scans per cluster.  Sorts m.
 */
static struct rec_members *
members_part(struct member *m, size_t n)
{
	struct rec_members *rm = malloc(sizeof *rm);
	cJSON *part = cJSON_CreateObject(), *kws = cJSON_AddArrayToObject(part, "keywords");
	double total = 0;
	int any = 0, rc = 0;
	const char *intent;

	if (n > 1) {
		rc = rank_members(m, n);
		qsort(m, n, sizeof *m, by_volume);
	}
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(kws, cJSON_CreateString(m[i].keyword));
		if (m[i].has_volume) {
			total += m[i].volume;
			any = 1;
		}
	}
	cJSON_AddNumberToObject(part, "keyword_count", (double)n);
	if (any)
		cJSON_AddNumberToObject(part, "total_volume", total);
	else
		cJSON_AddNullToObject(part, "total_volume");
	if ((intent = vote_intent(m, n)))
		cJSON_AddStringToObject(part, "intent", intent);
	else
		cJSON_AddNullToObject(part, "intent");
	if (!rm || !kws || rc < 0) {
		free(rm);
		cJSON_Delete(part);
		return NULL;
	}
	rm->part = part;
	return rm;
}

struct rec_members *
rec_members_new(const struct rec_member *in, size_t n)
{
	struct member *m = malloc((n + 1) * sizeof *m);
	struct rec_members *rm;

	if (!m)
		return NULL;
	for (size_t i = 0; i < n; i++)
		m[i] = (struct member){ in[i].keyword, in[i].intent, in[i].volume,
					in[i].volume >= 0, 0 };
	rm = members_part(m, n);
	free(m);
	return rm;
}

void
rec_members_free(struct rec_members *rm)
{
	if (rm)
		cJSON_Delete(rm->part);
	free(rm);
}

/* The members of cluster id as the workspace has them, or NULL. */
static struct rec_members *
read_members(struct ws *ws, long id)
{
	sqlite3_stmt *st = ws_cached(ws, "SELECT keyword, volume, intent FROM keywords"
					 " WHERE cluster_id = ?", NULL);
	struct member *m = NULL, *nm;
	size_t n = 0, cap = 0;
	struct rec_members *rm = NULL;
	int rc = 0;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *kw = (const char *)sqlite3_column_text(st, 0);
		const char *in = (const char *)sqlite3_column_text(st, 2);

		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(nm = realloc(m, cap * sizeof *m))) {
				rc = -1;
				break;
			}
			m = nm;
		}
		m[n].has_volume = sqlite3_column_type(st, 1) != SQLITE_NULL;
		m[n].volume = m[n].has_volume ? sqlite3_column_double(st, 1) : -1;
		m[n].cent = 0;
		m[n].keyword = strdup(kw ? kw : "");
		m[n].intent = in ? strdup(in) : NULL;
		if (!m[n].keyword || (in && !m[n].intent))
			rc = -1;
		n++;
	}
	ws_done(st);
	if (rc == 0)
		rm = members_part(m, n);
	for (size_t i = 0; i < n; i++) {
		free((char *)m[i].keyword);
		free((char *)m[i].intent);
	}
	free(m);
	return rm;
}

void
rec_members_attach(cJSON *rec, struct rec_members *rm)
{
	cJSON *it;

	while ((it = rm->part->child)) {
		cJSON_DetachItemViaPointer(rm->part, it);
		cJSON_AddItemToObject(rec, it->string, it);
	}
	rec_members_free(rm);
}

/* The type's select (or exists) statement, bound to id; NULL with err. */
static sqlite3_stmt *
kind_stmt(struct ws *ws, const char *type, int exists, long id, struct ig_err *err)
{
	sqlite3_stmt *st;

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(kinds[i].type, type))
			continue;
		st = ws_cached(ws, exists ? kinds[i].exists : kinds[i].select, err);
		if (st)
			sqlite3_bind_int64(st, 1, id);
		return st;
	}
	ig_err_set(err, IG_ESOFTWARE, "unknown record type '%s'", type);
	return NULL;
}

/* The record of one row without a cluster's members, or NULL with err. */
static cJSON *
rec_get_row(struct ws *ws, const char *type, long id, struct ig_err *err)
{
	sqlite3_stmt *st = kind_stmt(ws, type, 0, id, err);
	cJSON *rec = NULL;

	if (!st)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		rec = rec_from_row(st, type);
	else
		ig_err_set(err, IG_ENOINPUT, "no %s with id %ld in the workspace", type, id);
	ws_done(st);
	return rec;
}

cJSON *
rec_get(struct ws *ws, const char *type, long id, struct ig_err *err)
{
	cJSON *rec = rec_get_row(ws, type, id, err);

	if (rec && !strcmp(type, "cluster")) {
		struct rec_members *rm = read_members(ws, id);

		if (!rm) {
			cJSON_Delete(rec);
			ig_err_set(err, IG_ESOFTWARE, "out of memory");
			return NULL;
		}
		rec_members_attach(rec, rm);
	}
	return rec;
}

cJSON *
rec_cluster_with(struct ws *ws, long id, struct rec_members *rm, struct ig_err *err)
{
	cJSON *rec = rec_get_row(ws, "cluster", id, err);

	if (rec)
		rec_members_attach(rec, rm);
	else
		rec_members_free(rm);
	return rec;
}

int
rec_exists(struct ws *ws, const char *type, long id, struct ig_err *err)
{
	sqlite3_stmt *st = kind_stmt(ws, type, 1, id, err);
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	ws_done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return ig_err_set(err, IG_ENOINPUT, "no %s with id %ld in the workspace",
				  type, id);
	return ws_fail(ws, err, "looking up a record");
}

long
rec_id(const cJSON *rec, const char *type, struct ig_err *err)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	const char *t = json_str(rec, "type");

	if (t && strcmp(t, type) != 0)
		return ig_err_set(err, IG_EDATA, "expected a '%s' record, got '%s'", type, t);
	if (!cJSON_IsNumber(id) || id->valuedouble < 1 ||
	    id->valuedouble != (double)(long)id->valuedouble)
		return ig_err_set(err, IG_EDATA, "'%s' record without a valid 'id'", type);
	return (long)id->valuedouble;
}
