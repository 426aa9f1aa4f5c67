/*
 * roundtrip.h: the invariant two harnesses share: a value printed compactly
 * and read back with `parse` is equal, and prints to the same text.
 * cJSON_Compare() looks members up by name, so it cannot match objects
 * that repeat a name; those are compared by their printed text alone.
 */
#ifndef IG_FUZZ_ROUNDTRIP_H
#define IG_FUZZ_ROUNDTRIP_H

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static int
has_dup_keys(const cJSON *v)
{
	for (const cJSON *c = v ? v->child : NULL; c; c = c->next) {
		if (cJSON_IsObject(v))
			for (const cJSON *d = c->next; d; d = d->next)
				if (!strcmp(c->string, d->string))
					return 1;
		if (has_dup_keys(c))
			return 1;
	}
	return 0;
}

/* Aborts unless v survives the round trip; returns its text (free it). */
static char *
roundtrip(const cJSON *v, cJSON *(*parse)(const char *text, size_t len))
{
	char *text = cJSON_PrintUnformatted(v), *again;
	cJSON *back;

	if (!text)
		abort();
	back = parse(text, strlen(text));
	if (!back || (!has_dup_keys(v) && !cJSON_Compare(v, back, 1)))
		abort();
	again = cJSON_PrintUnformatted(back);
	if (!again || strcmp(again, text) != 0)
		abort();
	free(again);
	cJSON_Delete(back);
	return text;
}

#endif
