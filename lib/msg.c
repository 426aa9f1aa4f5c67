/* msg.c: program-prefixed diagnostics on stderr, with levels and redaction. */
#include "compat.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "msg.h"

static const char *prog = "igny8";
static enum msg_level level = MSG_NORMAL;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

void
msg_init(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	prog = slash ? slash + 1 : argv0;
}

const char *
msg_prog(void)
{
	return prog;
}

void
msg_set_level(enum msg_level l)
{
	level = l;
}

enum msg_level
msg_level(void)
{
	return level;
}

int
msg_color(void)
{
	const char *nc = getenv("NO_COLOR");

	if (nc && *nc)
		return 0;
	return isatty(STDERR_FILENO);
}

static void (*sink)(void *ctx, enum ev_level level, const char *text);
static void *sink_ctx;

void
msg_set_sink(void (*fn)(void *ctx, enum ev_level level, const char *text), void *ctx)
{
	sink = fn;
	sink_ctx = ctx;
}

const char *
ev_level_name(enum ev_level l)
{
	static const char *const names[] = { "error", "warning", "note", "verbose", "debug" };

	return (size_t)l < ARRAY_SIZE(names) ? names[l] : "note";
}

void
msg_print(enum ev_level l, const char *text)
{
	const char *tag = l == EV_WARNING ? "warning: " : l == EV_DEBUG ? "debug: " : "";

	pthread_mutex_lock(&out_lock);
	fprintf(stderr, "%s: %s%s\n", prog, tag, text);
	fflush(stderr);
	pthread_mutex_unlock(&out_lock);
}

static void
vemit(enum ev_level l, const char *fmt, va_list ap)
{
	char line[4096];

	assert(!strchr(fmt, '\n'));
	vsnprintf(line, sizeof line, fmt, ap);
	ig_redact(line);
	if (sink)
		sink(sink_ctx, l, line);
	else
		msg_print(l, line);
}

#define EMIT(min, l)                            \
	do {                                    \
		va_list ap;                     \
		if (level < (min))              \
			return;                 \
		va_start(ap, fmt);              \
		vemit((l), fmt, ap);            \
		va_end(ap);                     \
	} while (0)

void
ig_errorf(const char *fmt, ...)
{
	EMIT(MSG_QUIET, EV_ERROR);
}

void
ig_warnf(const char *fmt, ...)
{
	EMIT(MSG_NORMAL, EV_WARNING);
}

void
ig_notef(const char *fmt, ...)
{
	EMIT(MSG_NORMAL, EV_NOTE);
}

void
ig_verbosef(const char *fmt, ...)
{
	EMIT(MSG_VERBOSE, EV_VERBOSE);
}

void
ig_debugf(const char *fmt, ...)
{
	EMIT(MSG_DEBUG, EV_DEBUG);
}
