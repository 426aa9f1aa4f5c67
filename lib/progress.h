/*
 * progress.h: what a run shows while it works.
 *
 * Modes: PROGRESS_TTY redraws one status line on stderr (done/total,
 * failures, tokens, cost, ETA); PROGRESS_JSON writes one JSON event per
 * line on stderr for CI (a phase change, a retry, a record's end, the
 * summary); PROGRESS_NONE shows nothing.  "auto" means TTY when stderr is a
 * terminal, else none.  All calls are thread-safe.
 */
#ifndef IG_PROGRESS_H
#define IG_PROGRESS_H

#include <cjson/cJSON.h>

#include "compat.h"

enum progress_mode { PROGRESS_AUTO, PROGRESS_TTY, PROGRESS_JSON, PROGRESS_NONE };

struct progress;

/* Parses "auto|tty|json|none"; -1 if unknown. */
int progress_mode_parse(const char *s);

struct progress *progress_new(enum progress_mode mode, const char *program);
void progress_free(struct progress *p);

/* Known total of records (0 = unknown; may grow). */
void progress_set_total(struct progress *p, long total);
void progress_add_total(struct progress *p, long n);
/* A record entered a phase ("INIT", "AI_CALL", ...). */
void progress_phase(struct progress *p, const char *ref, const char *phase);
/* A request is being retried. */
void progress_retry(struct progress *p, const char *ref, int attempt,
		    double wait, const char *why);
/* Spend so far changed. */
void progress_usage(struct progress *p, long tokens_in, long tokens_out,
		    double cost);
/* A record ended: outcome "done", "failed", "skipped". */
void progress_record(struct progress *p, const char *ref, const char *outcome,
		     const char *error);
/*
 * Any other event: with --progress json, `fields` plus "event": name is
 * written as one line.  Takes ownership of fields (may be NULL).
 */
void progress_event(struct progress *p, const char *name, cJSON *fields);
/* Clears the status line (before other stderr output) and the end summary. */
void progress_clear(struct progress *p);
void progress_summary(struct progress *p, const char *line);

#endif
