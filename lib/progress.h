/*
 * progress.h: the filters' reporter, one consumer of a run's events
 * (events.h) that shows them on stderr.
 *
 * Modes: PROGRESS_TTY keeps a live display on stderr, one line per running
 * stage of the pipeline (done/total and failed, the phases in flight,
 * spend, ETA, the current record; see board.h and display.h), and prints
 * messages and the summary as "program: text" lines; PROGRESS_JSON writes
 * every event, messages and the summary included, as one JSON object per
 * line, and nothing else; PROGRESS_NONE prints the messages and the
 * summary line only.  "auto" means TTY when stderr is a terminal (and TERM
 * is not "dumb"), else none.  In every mode, once the workspace is known,
 * the stage publishes its line on the workspace's board, for the stage
 * that draws and for `igny8 status --watch`.  Thread-safe.
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
/*
 * The workspace is known: the stage's line goes on its board from now on,
 * and the display (PROGRESS_TTY) starts.  p may be NULL.
 */
void progress_set_workspace(struct progress *p, const char *ws_path);
/* Stops the display and takes the stage's line off the board. */
void progress_free(struct progress *p);

/* The reporter: an ev_fn whose ctx is a struct progress. */
void progress_event(void *ctx, const struct ev *ev);

#endif
