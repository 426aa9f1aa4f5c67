/*
 * records.h: workspace rows as the JSON records that travel on the pipes.
 *
 * Every record has "type" and the workspace "id", so any stage can take
 * the previous stage's records or just their ids.  Columns holding JSON
 * (outline, keywords, tags, ...) come back as JSON, not strings.  One
 * builder serves the filters and `igny8 export`; see igny8-records(5).
 */
#ifndef IG_RECORDS_H
#define IG_RECORDS_H

#include <cjson/cJSON.h>

#include "compat.h"
#include "err.h"
#include "workspace.h"

/* Record types and their tables: keyword, cluster, idea, task, content, image. */
const char *rec_table(const char *type);

/* The record of one row (caller frees), or NULL with err (IG_ENOINPUT). */
cJSON *rec_get(struct ws *ws, const char *type, long id, struct ig_err *err);

/*
 * A cluster record's members, built apart from the workspace: from any
 * thread, while the writer saves what they will match.  A member's
 * strings are borrowed for the call; volume -1 = unknown.
 */
struct rec_member {
	const char *keyword, *intent;
	double volume;
};
struct rec_members;
struct rec_members *rec_members_new(const struct rec_member *m, size_t n);
void rec_members_free(struct rec_members *rm);
/* Moves rm's members (keywords, keyword_count, total_volume, intent) into rec; takes rm. */
void rec_members_attach(cJSON *rec, struct rec_members *rm);
/*
 * rec_get() of cluster id when rm holds exactly the members the workspace
 * has for it: reads only the cluster's row.  Takes rm.
 */
cJSON *rec_cluster_with(struct ws *ws, long id, struct rec_members *rm,
			struct ig_err *err);

/* 0 when the row exists, else -1 with err (IG_ENOINPUT, or IG_EIO). */
int rec_exists(struct ws *ws, const char *type, long id, struct ig_err *err);

/* A record from the current row of any SELECT; JSON columns parsed. */
cJSON *rec_from_row(sqlite3_stmt *st, const char *type);

/* The id a record names (its "id" member), or -1 with err. */
long rec_id(const cJSON *rec, const char *type, struct ig_err *err);

#endif
