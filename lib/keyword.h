/*
 * keyword.h: keyword records: normalisation and upsert into the workspace.
 *
 * Two spellings are the same keyword when their normalised forms match:
 * Unicode NFKC with case folding (utf8proc), whitespace runs collapsed to
 * one space, leading and trailing space removed.
 */
#ifndef IG_KEYWORD_H
#define IG_KEYWORD_H

#include <cjson/cJSON.h>

#include "compat.h"
#include "err.h"
#include "workspace.h"

/* Normalised form (malloc'd), or NULL with err for invalid UTF-8/empty. */
char *kw_normalize(const char *s, struct ig_err *err);

struct kw_fields {
	const char *keyword;	/* as written, required */
	long volume;		/* -1 = unknown */
	double difficulty;	/* < 0 = unknown */
	const char *intent;	/* NULL = unknown */
	const char *sector;	/* NULL = unknown */
};

/* Fills f from a keyword record (borrowed strings).  -1 with err if invalid. */
int kw_from_record(const cJSON *rec, struct kw_fields *f, struct ig_err *err);

/*
 * Inserts the keyword or updates the known fields of an existing one
 * (values given win; unknown ones keep what was stored).  *id_out gets the
 * row id; *inserted_out (may be NULL) whether it was new.
 */
int kw_upsert(struct ws *ws, const struct kw_fields *f, long *id_out,
	      int *inserted_out, struct ig_err *err);

/* kw_upsert() with f->keyword's kw_normalize() already made. */
int kw_upsert_norm(struct ws *ws, const struct kw_fields *f, const char *norm,
		   long *id_out, int *inserted_out, struct ig_err *err);


#endif
