/*
 * audit.c: igny8-write's checks on the articles as saved (see audit.h).
 * The target, outline and primary keyword come from the task and its idea
 * as igny8-write takes them; the saved body is the whole article, key
 * takeaways and FAQ included, so its word count runs a little above what
 * igny8-write counted.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "json.h"
#include "jsonl.h"
#include "links.h"
#include "seo_check.h"
#include "slug.h"

/* The checks, in report order (seo_check_name() and the slug's own). */
static const char *const checks[] = {
	"meta_title", "meta_description", "body", "words", "outline", "keyword", "slug",
	"links",
};

/* One article's columns, as the query below selects them. */
enum { C_ID, C_TASK, C_TITLE, C_MTITLE, C_MDESC, C_SLUG, C_HTML, C_PK, C_VERIFY,
       C_OPTIONS, C_IPK, C_IWORDS, C_OUTLINE, C_CLUSTER, C_KEYWORDS };

static const char article_sql[] =
	"SELECT c.id, c.task_id, c.title, c.meta_title, c.meta_description, c.slug,"
	" c.html, c.primary_keyword, c.verify, t.options, i.primary_keyword,"
	" i.word_count, i.outline, i.cluster_id, i.keywords"
	" FROM content c JOIN tasks t ON t.id = c.task_id"
	" LEFT JOIN ideas i ON i.id = t.idea_id WHERE c.task_id = ?";

static const char *
col(sqlite3_stmt *st, int c)
{
	const char *s = (const char *)sqlite3_column_text(st, c);

	return s ? s : "";
}

static cJSON *
col_json(sqlite3_stmt *st, int c)
{
	const char *s = (const char *)sqlite3_column_text(st, c);

	return s ? cJSON_Parse(s) : NULL;
}

/* The target as igny8-write takes it: the task's option, the idea's own,
 * then write.words. */
static long
target(sqlite3_stmt *st, const struct config *cfg)
{
	cJSON *opts = col_json(st, C_OPTIONS);
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(opts, "words");
	long words = cJSON_IsNumber(w) ? (long)w->valuedouble :
		     cJSON_IsString(w) ? strtol(w->valuestring, NULL, 10) : 0;

	cJSON_Delete(opts);
	if (words <= 0 && sqlite3_column_int64(st, C_IWORDS) > 0)
		words = (long)sqlite3_column_int64(st, C_IWORDS);
	return words > 0 ? words : config_int(cfg, "write.words");
}

/* The words the related articles are ranked by, as igny8-write has them. */
static char *
about(sqlite3_stmt *st, const char *pk)
{
	struct buf b = BUF_INIT(0);
	cJSON *kws = col_json(st, C_KEYWORDS);
	const cJSON *k;

	buf_printf(&b, "%s %s", col(st, C_TITLE), pk);
	cJSON_ArrayForEach(k, kws)
		buf_printf(&b, " %s", cJSON_IsString(k) ? k->valuestring :
			   json_str(k, "keyword") ? json_str(k, "keyword") : "");
	cJSON_Delete(kws);
	return buf_detach(&b);
}

/* The article's problems, one string each, in `problems` by check name. */
static int
check_article(struct ws *ws, const struct config *cfg, sqlite3_stmt *st, cJSON *problems,
	      struct ig_err *err)
{
	const char *pk = *col(st, C_IPK) ? col(st, C_IPK) : *col(st, C_PK) ? col(st, C_PK) :
			 col(st, C_TITLE);
	cJSON *ans = cJSON_CreateObject(), *outline = col_json(st, C_OUTLINE);
	char *ab = about(st, pk), *slug = slug_make(col(st, C_SLUG), 200), *all, *save = NULL;
	struct links *l = ab ? links_load(ws, (long)sqlite3_column_int64(st, C_TASK),
					  (long)sqlite3_column_int64(st, C_CLUSTER), ab,
					  config_str(cfg, "site.url"), err) : NULL;
	struct seo_want want = { pk, target(st, cfg), outline, l };
	struct buf why = BUF_INIT(0);
	int n, rc = 0;

	cJSON_AddStringToObject(ans, "title", col(st, C_TITLE));
	cJSON_AddStringToObject(ans, "meta_title", col(st, C_MTITLE));
	cJSON_AddStringToObject(ans, "meta_description", col(st, C_MDESC));
	cJSON_AddStringToObject(ans, "slug", col(st, C_SLUG));
	cJSON_AddStringToObject(ans, "body", col(st, C_HTML));
	if (!l || !slug) {
		/* links_load() said why it failed; the rest is out of memory */
		rc = ab && !l ? -1 : ig_err_set(err, IG_ESOFTWARE, "out of memory");
		goto out;
	}
	n = seo_check(ans, &want, &why);
	n = links_shortfall(l, col(st, C_HTML), &why, n);
	if (strcmp(slug, col(st, C_SLUG)))
		n = seo_problem(&why, n, "slug '%s' is not lower-case words joined by hyphens"
				" ('%s' would be)", col(st, C_SLUG), slug);
	all = buf_detach(&why);
	for (char *t = n && all ? strtok_r(all, ";", &save) : NULL; t;
	     t = strtok_r(NULL, ";", &save)) {
		const char *name;

		t += *t == ' ';
		name = !strncmp(t, "slug ", 5) ? "slug" : seo_check_name(t);
		cJSON_AddItemToArray(json_arr(problems, name), cJSON_CreateString(t));
	}
	free(all);
out:
	buf_release(&why);
	links_free(l);
	free(ab);
	free(slug);
	cJSON_Delete(ans);
	cJSON_Delete(outline);
	return rc;
}

static int
write_text(FILE *out, sqlite3_stmt *st, const cJSON *problems, const cJSON *verify)
{
	const cJSON *p;

	fprintf(out, "task %lld: %s (%s)\n", (long long)sqlite3_column_int64(st, C_TASK),
		col(st, C_SLUG), col(st, C_TITLE));
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		const cJSON *list = json_arr(problems, checks[i]);

		if (cJSON_GetArraySize(list) == 0)
			fprintf(out, "  ok    %s\n", checks[i]);
		cJSON_ArrayForEach(p, list)
			fprintf(out, "  FAIL  %-17s %s\n", checks[i], p->valuestring);
	}
	if (cJSON_GetArraySize(verify) > 0)
		fprintf(out, "  note  %-17s %d statement%s to check before publishing\n",
			"verify", cJSON_GetArraySize(verify),
			cJSON_GetArraySize(verify) == 1 ? "" : "s");
	return ferror(out) ? -1 : 0;
}

static int
write_json(FILE *out, sqlite3_stmt *st, const cJSON *problems, cJSON *verify, int ok,
	   struct ig_err *err)
{
	cJSON *rec = cJSON_CreateObject(), *arr;
	int rc;

	cJSON_AddStringToObject(rec, "type", "audit");
	cJSON_AddNumberToObject(rec, "task_id", (double)sqlite3_column_int64(st, C_TASK));
	cJSON_AddNumberToObject(rec, "content_id", (double)sqlite3_column_int64(st, C_ID));
	cJSON_AddStringToObject(rec, "slug", col(st, C_SLUG));
	cJSON_AddStringToObject(rec, "title", col(st, C_TITLE));
	cJSON_AddBoolToObject(rec, "ok", ok);
	arr = cJSON_AddArrayToObject(rec, "checks");
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		cJSON *c = cJSON_CreateObject();
		const cJSON *list = json_arr(problems, checks[i]);

		cJSON_AddStringToObject(c, "check", checks[i]);
		cJSON_AddBoolToObject(c, "ok", cJSON_GetArraySize(list) == 0);
		cJSON_AddItemToObject(c, "problems", cJSON_Duplicate(list, 1));
		cJSON_AddItemToArray(arr, c);
	}
	cJSON_AddItemToObject(rec, "verify", verify ? cJSON_Duplicate(verify, 1) :
			      cJSON_CreateArray());
	rc = jsonl_write(out, rec, err);
	cJSON_Delete(rec);
	return rc;
}

/* Audits one task's article; 1 when it fails a check, 0, or -1. */
static int
audit_one(struct ws *ws, const struct config *cfg, long task_id, enum audit_fmt fmt,
	  FILE *out, struct ig_err *err)
{
	sqlite3_stmt *st = ws_prepare(ws, article_sql, err);
	cJSON *problems = cJSON_CreateObject(), *verify = NULL;
	int rc = -1, bad = 0;

	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, task_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		ig_err_set(err, IG_ENOINPUT, "task %ld has no article in the workspace", task_id);
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		cJSON_AddItemToObject(problems, checks[i], cJSON_CreateArray());
	if (check_article(ws, cfg, st, problems, err) < 0)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		bad |= cJSON_GetArraySize(json_arr(problems, checks[i])) > 0;
	verify = col_json(st, C_VERIFY);
	if (fmt == AUDIT_JSON)
		rc = write_json(out, st, problems, verify, !bad, err);
	else if ((rc = write_text(out, st, problems, verify)) < 0)
		ig_err_set(err, IG_EIO, "writing the report failed");
	if (rc == 0)
		rc = bad;
out:
	sqlite3_finalize(st);
	cJSON_Delete(problems);
	cJSON_Delete(verify);
	return rc;
}

int
audit_articles(struct ws *ws, const struct config *cfg, const long *task_ids, size_t n,
	       enum audit_fmt fmt, FILE *out, struct ig_err *err)
{
	long *all = NULL;
	size_t nall = 0, cap = 0;
	int failing = 0, rc = 0;

	if (n == 0) {
		sqlite3_stmt *st = ws_prepare(ws, "SELECT task_id FROM content ORDER BY task_id",
					      err);

		if (!st)
			return -1;
		while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
			long *grown = nall < cap ? all : realloc(all, (cap = 2 * cap + 16) *
								 sizeof *all);

			if (!grown) {
				rc = ig_err_set(err, IG_ESOFTWARE, "out of memory");
				break;
			}
			all = grown;
			all[nall++] = (long)sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		task_ids = all;
		n = nall;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int r = audit_one(ws, cfg, task_ids[i], fmt, out, err);

		if (r < 0)
			rc = -1;
		failing += r > 0;
	}
	if (rc == 0 && fmt == AUDIT_TEXT) {
		fprintf(out, "%zu article%s, %d failing a check\n", n, n == 1 ? "" : "s",
			failing);
		if (ferror(out))
			rc = ig_err_set(err, IG_EIO, "writing the report failed");
	}
	free(all);
	return rc < 0 ? -1 : failing;
}
