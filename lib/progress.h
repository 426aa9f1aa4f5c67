/*
 * progress.h: the filters' reporter, one consumer of a run's events
 * (events.h) that shows them on stderr.
 *
 * Modes: PROGRESS_TTY redraws one status line (done/total, failures,
 * tokens, cost, ETA) and prints messages and the summary as
 * "program: text" lines; PROGRESS_JSON writes every event, messages and
 * the summary included, as one JSON object per line, and nothing else;
 * PROGRESS_NONE prints the messages and the summary line only.  "auto"
 * means TTY when stderr is a terminal, else none.  Thread-safe.
 */
#ifndef IG_PROGRESS_H
#define IG_PROGRESS_H

#include "compat.h"
#include "events.h"

enum progress_mode { PROGRESS_AUTO, PROGRESS_TTY, PROGRESS_JSON, PROGRESS_NONE };

struct progress;

/* Parses "auto|tty|json|none"; -1 if unknown. */
int progress_mode_parse(const char *s);

struct progress *progress_new(enum progress_mode mode, const char *program);
/* The mode once the settings are known (messages before it are text). */
void progress_set_mode(struct progress *p, enum progress_mode mode);
void progress_free(struct progress *p);

/* The reporter: an ev_fn whose ctx is a struct progress. */
void progress_event(void *ctx, const struct ev *ev);

#endif
