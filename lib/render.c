/* render.c: records as text for a terminal (see render.h). */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "json.h"
#include "render.h"

/* A cluster shows this many of its keywords, then how many more it has. */
#define CLUSTER_SHOWN 12

/* A member as text: a string as is, a number without a fraction, else NULL. */
static const char *
member(const cJSON *rec, const char *key, char num[32])
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);

	if (cJSON_IsString(v) && *v->valuestring)
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		snprintf(num, 32, "%.15g", v->valuedouble);
		return num;
	}
	return NULL;
}

/* Appends ", LABEL VALUE" (or "LABEL VALUE" first) when rec has key. */
static void
detail(FILE *out, int *n, const cJSON *rec, const char *key, const char *label)
{
	char num[32];
	const char *v = member(rec, key, num);

	if (!v)
		return;
	fprintf(out, "%s%s%s", (*n)++ ? ", " : " (", label, v);
}

static void
details_end(FILE *out, int n)
{
	fputs(n ? ")\n" : "\n", out);
}

/* The strings of an array member joined by ", "; nothing when empty. */
static void
joined(FILE *out, const char *label, const cJSON *arr)
{
	const cJSON *s;
	int n = 0;

	cJSON_ArrayForEach(s, arr)
		if (cJSON_IsString(s))
			fprintf(out, "%s%s", n++ ? ", " : label, s->valuestring);
	if (n)
		fputc('\n', out);
}

static void
keyword(FILE *out, const cJSON *rec)
{
	int n = 0;

	fprintf(out, "- %s", json_str(rec, "keyword") ? json_str(rec, "keyword") : "?");
	detail(out, &n, rec, "volume", "volume ");
	detail(out, &n, rec, "difficulty", "difficulty ");
	detail(out, &n, rec, "intent", "");
	detail(out, &n, rec, "cluster", "cluster: ");
	details_end(out, n);
}

static void
cluster(FILE *out, const cJSON *rec)
{
	const cJSON *kw, *all = json_arr(rec, "keywords");
	int shown = 0, n = 0, total = cJSON_GetArraySize(all);

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "unclustered")))
		fputs("Not in any cluster", out);
	else
		fprintf(out, "Cluster %ld: %s", json_long(rec, "id", 0),
			json_str(rec, "name") ? json_str(rec, "name") : "?");
	detail(out, &n, rec, "keyword_count", "keywords: ");
	detail(out, &n, rec, "total_volume", "volume ");
	detail(out, &n, rec, "intent", "");
	details_end(out, n);
	if (json_str(rec, "description"))
		fprintf(out, "  %s\n", json_str(rec, "description"));
	cJSON_ArrayForEach(kw, all) {
		if (!cJSON_IsString(kw))
			continue;
		if (shown++ == CLUSTER_SHOWN) {
			fprintf(out, "  - ... and %d more\n", total - CLUSTER_SHOWN);
			break;
		}
		fprintf(out, "  - %s\n", kw->valuestring);
	}
}

static void
idea(FILE *out, const cJSON *rec)
{
	const cJSON *sec, *sub;
	int n = 0;

	fprintf(out, "Idea %ld: %s", json_long(rec, "id", 0),
		json_str(rec, "title") ? json_str(rec, "title") : "?");
	detail(out, &n, rec, "structure", "");
	detail(out, &n, rec, "content_type", "");
	detail(out, &n, rec, "word_count", "words: ");
	details_end(out, n);
	if (json_str(rec, "primary_keyword"))
		fprintf(out, "  Keyword: %s\n", json_str(rec, "primary_keyword"));
	if (json_str(rec, "cluster"))
		fprintf(out, "  Cluster: %s\n", json_str(rec, "cluster"));
	if (json_str(rec, "description"))
		fprintf(out, "  %s\n", json_str(rec, "description"));
	cJSON_ArrayForEach(sec, json_arr(rec, "outline")) {
		fprintf(out, "  - %s\n", json_str(sec, "h2") ? json_str(sec, "h2") : "?");
		cJSON_ArrayForEach(sub, json_arr(sec, "h3"))
			fprintf(out, "    - %s\n", json_str(sub, "heading") ?
				json_str(sub, "heading") : "?");
	}
}

/* The article as Markdown: title, description, body, then its labels. */
static void
content(FILE *out, const cJSON *rec)
{
	const char *md = json_str(rec, "markdown");
	char *conv = md ? NULL : html_to_markdown(json_str(rec, "html") ?
						   json_str(rec, "html") : "");
	int n = 0;

	fprintf(out, "# %s\n\n", json_str(rec, "title") ? json_str(rec, "title") : "?");
	if (json_str(rec, "meta_description"))
		fprintf(out, "> %s\n\n", json_str(rec, "meta_description"));
	md = md ? md : conv;
	/* A blank line before the rule: after a paragraph, "---" would make
	 * it a heading. */
	if (md && *md)
		fprintf(out, "%s%s\n", md, md[strlen(md) - 1] == '\n' ? "" : "\n");
	free(conv);
	fputs("---\n", out);
	fprintf(out, "Article %ld of task %ld", json_long(rec, "id", 0),
		json_long(rec, "task_id", 0));
	detail(out, &n, rec, "word_count", "words: ");
	detail(out, &n, rec, "status", "");
	detail(out, &n, rec, "slug", "slug: ");
	details_end(out, n);
	joined(out, "Keywords: ", json_arr(rec, "secondary_keywords"));
	joined(out, "Tags: ", json_arr(rec, "tags"));
	joined(out, "Categories: ", json_arr(rec, "categories"));
}

static void
image(FILE *out, const cJSON *rec)
{
	int n = 0;

	fprintf(out, "Image %ld of task %ld", json_long(rec, "id", 0),
		json_long(rec, "task_id", 0));
	detail(out, &n, rec, "kind", "");
	detail(out, &n, rec, "device", "");
	detail(out, &n, rec, "status", "");
	details_end(out, n);
	if (json_str(rec, "section"))
		fprintf(out, "  For: %s\n", json_str(rec, "section"));
	if (json_str(rec, "path"))
		fprintf(out, "  File: %s\n", json_str(rec, "path"));
	if (json_str(rec, "error"))
		fprintf(out, "  Error: %s\n", json_str(rec, "error"));
}

static void
publish(FILE *out, const cJSON *rec)
{
	int n = 0;

	fprintf(out, "Task %ld on %s %s", json_long(rec, "task_id", 0),
		json_str(rec, "target") ? json_str(rec, "target") : "?",
		json_str(rec, "site") ? json_str(rec, "site") : "?");
	detail(out, &n, rec, "action", "");
	detail(out, &n, rec, "status", "");
	details_end(out, n);
	if (json_str(rec, "url"))
		fprintf(out, "  %s\n", json_str(rec, "url"));
	else if (json_str(rec, "path"))
		fprintf(out, "  %s\n", json_str(rec, "path"));
}

static void
task(FILE *out, const cJSON *rec)
{
	int n = 0;

	fprintf(out, "Task %ld: %s", json_long(rec, "id", 0),
		json_str(rec, "title") ? json_str(rec, "title") : "?");
	detail(out, &n, rec, "status", "");
	details_end(out, n);
}

/* igny8-publish's plan: each file it would write, or each HTTP request. */
static void
publish_plan(FILE *out, const cJSON *rec)
{
	const cJSON *q;

	fprintf(out, "Would publish %s to %s %s:\n",
		json_str(rec, "record") ? json_str(rec, "record") : "?",
		json_str(rec, "target") ? json_str(rec, "target") : "?",
		json_str(rec, "site") ? json_str(rec, "site") : "?");
	cJSON_ArrayForEach(q, json_arr(rec, "requests")) {
		if (json_str(q, "file"))
			fprintf(out, "  %s %s\n", json_str(q, "action") ? json_str(q, "action") : "?",
				json_str(q, "file"));
		else
			fprintf(out, "  %s %s\n", json_str(q, "method") ? json_str(q, "method") : "?",
				json_str(q, "url") ? json_str(q, "url") : "?");
	}
}

/* A --dry-run request: what it is for and what it may cost, not its body. */
static void
request(FILE *out, const cJSON *rec)
{
	const cJSON *usd = cJSON_GetObjectItemCaseSensitive(rec, "est_cost");

	if (json_arr(rec, "requests")) {
		publish_plan(out, rec);
		return;
	}

	fprintf(out, "Would send %s %s to %s: about %ld tokens in, at most %ld out, ",
		json_str(rec, "function") ? json_str(rec, "function") : "?",
		json_str(rec, "record") ? json_str(rec, "record") : "?",
		json_str(rec, "provider") ? json_str(rec, "provider") : "?",
		json_long(rec, "est_tokens_in", 0), json_long(rec, "est_tokens_out_max", 0));
	if (cJSON_IsNumber(usd))
		fprintf(out, "at most $%.4f\n", usd->valuedouble);
	else
		fputs("cost unknown\n", out);
}

int
render_puts(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		/* C1 controls are U+0080..U+009F: 0xC2 0x80..0x9F in UTF-8. */
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			putc('?', out);
			p++;
		} else if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7F) {
			putc('?', out);
		} else {
			putc(*p, out);
		}
	}
	return ferror(out) ? -1 : 0;
}

/* rec as text (malloc'd); NULL for a type it does not know, or no memory. */
static char *
render_text(const cJSON *rec)
{
	static const struct {
		const char *type;
		void (*fn)(FILE *, const cJSON *);
	} kinds[] = {
		{ "keyword", keyword }, { "cluster", cluster }, { "idea", idea },
		{ "content", content }, { "image", image }, { "publish", publish },
		{ "task", task }, { "request", request },
	};
	const char *type = json_str(rec, "type");
	char *text = NULL;
	size_t len;
	FILE *out;

	for (size_t i = 0; type && i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(kinds[i].type, type))
			continue;
		if (!(out = open_memstream(&text, &len)))
			return NULL;
		kinds[i].fn(out, rec);
		/* A keyword is one line of a list; the rest are blocks. */
		if (strcmp(type, "keyword"))
			fputc('\n', out);
		if (fclose(out) != 0) {
			free(text);
			return NULL;
		}
		return text;
	}
	return NULL;
}

int
render_record(FILE *out, const cJSON *rec)
{
	char *text = render_text(rec), *line;
	int rc;

	if (text) {
		rc = render_puts(out, text);
		free(text);
		return rc;
	}
	/* A type this does not know, or no memory to render it: JSON, which
	 * escapes every control character. */
	if (!(line = json_dump(rec))) {
		errno = ENOMEM;
		return -1;
	}
	fprintf(out, "%s\n", line);
	free(line);
	return ferror(out) ? -1 : 0;
}
