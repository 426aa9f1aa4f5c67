/*
 * msg.h: the binaries' one way to talk on stderr.
 *
 * Every line is "program: text" with no trailing period; formats carry no
 * newline (checked in debug builds).  --quiet silences notes and warnings,
 * never errors.  Text passes through ig_redact() before it is written.
 *
 * While a run is on, msg_set_sink() turns every message into an event of
 * the run's one stream (see events.h) instead of a line: the run's
 * reporter decides how it is shown (a text line, or a JSON event under
 * --progress json).
 */
#ifndef IG_MSG_H
#define IG_MSG_H

#include "compat.h"
#include "events.h"

enum msg_level { MSG_QUIET = 0, MSG_NORMAL = 1, MSG_VERBOSE = 2, MSG_DEBUG = 3 };

/* Sets the program name from argv[0] (its basename); borrowed until exit. */
void msg_init(const char *argv0);
const char *msg_prog(void);
void msg_set_level(enum msg_level level);
enum msg_level msg_level(void);

void ig_errorf(const char *fmt, ...) IG_PRINTF(1, 2);
void ig_warnf(const char *fmt, ...) IG_PRINTF(1, 2);
void ig_notef(const char *fmt, ...) IG_PRINTF(1, 2);
void ig_verbosef(const char *fmt, ...) IG_PRINTF(1, 2);
void ig_debugf(const char *fmt, ...) IG_PRINTF(1, 2);

/*
 * Hands each message that passes the level filter (redacted, without the
 * program prefix) to fn instead of printing it; NULL prints again.  Set
 * and cleared while no other thread talks.
 */
void msg_set_sink(void (*fn)(void *ctx, enum ev_level level, const char *text),
		  void *ctx);
/* Prints one message line now, never through the sink (for reporters). */
void msg_print(enum ev_level level, const char *text);

/* True when colour may be used on stderr (a tty and NO_COLOR unset). */
int msg_color(void);

#endif
