/*
 * yamljson.h: a YAML document as a cJSON tree, for prompt front matter
 * (model settings and the answer's JSON schema live there).  Plain scalars
 * that read as numbers, booleans or null become those; quoted scalars stay
 * strings.  Settings files use config.c, which also tracks line numbers.
 */
#ifndef IG_YAMLJSON_H
#define IG_YAMLJSON_H

#include <cjson/cJSON.h>

#include "compat.h"
#include "err.h"

/* Parses text[0..len); `name` is used in messages.  Caller owns the tree. */
cJSON *yaml_to_json(const char *text, size_t len, const char *name,
		    struct ig_err *err);

#endif
