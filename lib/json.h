/*
 * json.h: the one JSON extractor for model answers, a small shape checker,
 * typed getters over cJSON, and a printer that writes cJSON's compact text
 * into a struct buf.
 *
 * Models wrap JSON in prose and code fences, or stop half-way.  The
 * extractor tries, in order: the whole text; each fenced code block; the
 * first balanced object or array (string- and escape-aware) that parses.
 * The shape checker validates the result against the subset of JSON Schema
 * our prompt files use (type, properties, required, items, enum, minItems,
 * maxItems, maxLength), naming the path of the first mismatch.  The
 * printer gives exactly cJSON_PrintUnformatted's bytes, several times
 * faster, and can splice into text being built (request bodies).
 *
 * Ownership: returned cJSON trees belong to the caller (cJSON_Delete);
 * getters return borrowed pointers into the tree.
 */
#ifndef IG_JSON_H
#define IG_JSON_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "compat.h"
#include "err.h"

enum json_want { JSON_ANY, JSON_OBJECT, JSON_ARRAY };

/* Returns the extracted value or NULL with err (IG_EPROTO) set. */
cJSON *json_extract(const char *text, size_t len, enum json_want want,
		    struct ig_err *err);

/*
 * True when every number in v is finite.  cJSON reads an out-of-range
 * number such as 1e999 as infinity and prints it as null, so such a value
 * would not survive being written out; readers refuse it instead.
 */
int json_finite(const cJSON *v);

/* 0 when value matches schema, else -1 with err naming the path ("$.a[2].b"). */
int json_check(const cJSON *value, const cJSON *schema, struct ig_err *err);

/*
 * Cuts every array of value (through object properties and array items)
 * to the schema's maxItems, keeping the first ones: more than was asked is
 * not a malformed answer, only more.  Returns the number of items dropped.
 */
long json_cut_items(cJSON *value, const cJSON *schema);

/* Borrowed string member, or NULL when absent or not a string. */
const char *json_str(const cJSON *obj, const char *key);
/* Number member, or def when absent or not a number. */
double json_num(const cJSON *obj, const char *key, double def);
long json_long(const cJSON *obj, const char *key, long def);
/* Member of the given cJSON type, or NULL. */
cJSON *json_obj(const cJSON *obj, const char *key);
cJSON *json_arr(const cJSON *obj, const char *key);

/* Adds a string member, or null when s is NULL. */
void json_add_str(cJSON *obj, const char *key, const char *s);

/* Compact text of v (malloc'd, caller frees); NULL when v can't be printed. */
char *json_dump(const cJSON *v);

/*
 * Appends v's compact text to b, byte for byte what cJSON_PrintUnformatted
 * gives (request bodies are hashed into cache keys), without cJSON's
 * print buffer.  Returns 0, or -1 when b fails or v has a node of no type.
 */
int json_put(struct buf *b, const cJSON *v);
/* Appends s as a string literal escaped as cJSON does it; NULL as "". */
int json_put_str(struct buf *b, const char *s);
/* Appends d as cJSON prints a number (null when not finite). */
int json_put_num(struct buf *b, double d);

#endif
