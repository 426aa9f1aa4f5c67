/*
 * t-records.c: the cluster record's member fields, computed in C, against
 * the SQL that defines them (the subqueries records.c used to run), on
 * hand-made ties and on random clusters.
 */
#include "compat.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "records.h"
#include "tap.h"
#include "workspace.h"

/* What the fields mean, as SQL: the reference the C code must match. */
static const char reference[] =
	"SELECT json_object('keywords', (SELECT json_group_array(keyword) FROM"
	"  (SELECT keyword FROM keywords WHERE cluster_id = c.id"
	"   ORDER BY coalesce(volume, -1) DESC, keyword)),"
	" 'keyword_count', (SELECT count(*) FROM keywords WHERE cluster_id = c.id),"
	" 'total_volume', (SELECT sum(volume) FROM keywords WHERE cluster_id = c.id),"
	" 'intent', (SELECT intent FROM keywords WHERE cluster_id = c.id"
	"  AND intent IS NOT NULL GROUP BY intent ORDER BY count(*) DESC,"
	"  sum(coalesce(volume, 0)) DESC, intent LIMIT 1))"
	" FROM clusters c WHERE c.id = ?";

static void
exec(struct ws *ws, const char *sql)
{
	struct ig_err err = { 0 };

	if (ws_exec(ws, sql, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
}

/* The record's member fields as JSON text (caller frees). */
static char *
members(struct ws *ws, long id)
{
	cJSON *rec = rec_get(ws, "cluster", id, NULL), *m = cJSON_CreateObject();
	static const char *const keys[] = { "keywords", "keyword_count",
					    "total_volume", "intent" };
	char *txt;

	for (size_t i = 0; rec && i < ARRAY_SIZE(keys); i++)
		cJSON_AddItemToObject(m, keys[i], cJSON_Duplicate(
			cJSON_GetObjectItemCaseSensitive(rec, keys[i]), 1));
	txt = json_dump(m);
	cJSON_Delete(m);
	cJSON_Delete(rec);
	return txt;
}

/* The reference's JSON, parsed and printed the same way (caller frees). */
static char *
expected(struct ws *ws, long id)
{
	sqlite3_stmt *st = ws_prepare(ws, reference, NULL);
	cJSON *v = NULL;
	char *txt;

	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	txt = json_dump(v);
	cJSON_Delete(v);
	return txt;
}

static int
same(struct ws *ws, long id)
{
	char *got = members(ws, id), *want = expected(ws, id);
	int eq = got && want && !strcmp(got, want);

	if (!eq)
		diag("cluster %ld: got %s, want %s", id, got, want);
	free(got);
	free(want);
	return eq;
}

static void
kw(struct ws *ws, long cluster, const char *keyword, const char *volume,
   const char *intent)
{
	char sql[512];

	snprintf(sql, sizeof sql, "INSERT INTO keywords (keyword, norm, volume, intent,"
		 " cluster_id, created_at, updated_at) VALUES ('%s', '%s', %s, %s, %ld,"
		 " 'now', 'now')", keyword, keyword, volume, intent, cluster);
	exec(ws, sql);
}

static void
cluster(struct ws *ws, long id)
{
	char sql[256];

	snprintf(sql, sizeof sql, "INSERT INTO clusters (id, name, name_norm, method,"
		 " created_at, updated_at) VALUES (%ld, 'c%ld', 'c%ld', 'local',"
		 " 'now', 'now')", id, id, id);
	exec(ws, sql);
}

static void
hand_made(struct ws *ws)
{
	char *got;

	cluster(ws, 1);
	kw(ws, 1, "b", "10", "'informational'");
	kw(ws, 1, "a", "10", "'informational'");
	kw(ws, 1, "c", "NULL", "'commercial'");
	kw(ws, 1, "d", "5", "'commercial'");
	ok(same(ws, 1), "intents tied on count: more volume wins");
	got = members(ws, 1);
	is_str(got, "{\"keywords\":[\"a\",\"b\",\"d\",\"c\"],\"keyword_count\":4,"
	       "\"total_volume\":25,\"intent\":\"informational\"}",
	       "by volume, ties by keyword, unknown volume last");
	free(got);
	cluster(ws, 2);
	kw(ws, 2, "x", "NULL", "'navigational'");
	kw(ws, 2, "y", "NULL", "'commercial'");
	ok(same(ws, 2), "no volumes: total null, intent by name");
	cluster(ws, 3);
	kw(ws, 3, "z", "0", "NULL");
	ok(same(ws, 3), "no intent: null");
	cluster(ws, 4);
	ok(same(ws, 4), "no members");
	exec(ws, "INSERT INTO keywords (keyword, norm, volume, created_at, updated_at)"
	     " VALUES ('w', 'w', 1, 'now', 'now')");	/* in no cluster */
	ok(same(ws, 4), "a keyword in no cluster counts for none");
}

/* The members part rec_members_new() builds, as JSON text (to free). */
static char *
built(const struct rec_member *m, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	struct rec_members *rm = rec_members_new(m, n);
	char *s;

	rec_members_attach(o, rm);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Members given in memory (a run's own groups, the unclustered record). */
static void
in_memory(void)
{
	static const struct rec_member m[] = {
		{ "alpha", NULL, 10 }, { "gamma shoes", "commercial", 10 },
		{ "beta shoes", NULL, 10 }, { "delta", "commercial", -1 },
		{ "big", NULL, 20 },
	};
	char *got = built(m, 5);

	is_str(got, "{\"keywords\":[\"big\",\"beta shoes\",\"gamma shoes\",\"alpha\","
	       "\"delta\"],\"keyword_count\":5,\"total_volume\":50,\"intent\":\"commercial\"}",
	       "volume, then the more central (a shared word), then byte order");
	free(got);
	got = built(m, 0);
	is_str(got, "{\"keywords\":[],\"keyword_count\":0,\"total_volume\":null,"
	       "\"intent\":null}", "no members");
	free(got);
}

static void
random_clusters(struct ws *ws)
{
	static const char *const intents[] = { "NULL", "'commercial'", "'informational'",
					       "'navigational'", "'transactional'" };
	int bad = 0;

	srand(7);
	for (long c = 10; c < 210; c++) {
		int n = rand() % 9;

		cluster(ws, c);
		for (int i = 0; i < n; i++) {
			char name[32], vol[16];

			snprintf(name, sizeof name, "k%ld-%c%d", c, 'a' + rand() % 3, i);
			snprintf(vol, sizeof vol, "%d", rand() % 4 * 10);
			kw(ws, c, name, rand() % 4 ? vol : "NULL", intents[rand() % 5]);
		}
		bad += !same(ws, c);
	}
	is_int(bad, 0, "200 random clusters match the reference");
}

int
main(void)
{
	char path[PATH_MAX];
	struct ig_err err = { 0 };
	struct ws *ws;

	snprintf(path, sizeof path, "%s/t-records-%d.db",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	if (!(ws = ws_open(path, WS_CREATE, &err))) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	hand_made(ws);
	random_clusters(ws);
	in_memory();
	ws_close(ws);
	for (int i = 0; i < 3; i++) {
		char p[PATH_MAX + 8];

		snprintf(p, sizeof p, "%s%s", path, i == 0 ? "" : i == 1 ? "-wal" : "-shm");
		unlink(p);
	}
	return done_testing();
}
