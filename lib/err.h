/*
 * err.h: error reports passed up from the library, and the exit statuses the
 * binaries turn them into.
 *
 * The library never prints and never exits: a failing function returns a
 * negative value (or NULL) and fills the caller's struct ig_err with an exit
 * class and a complete message ("what: why", no program name, no newline).
 * Only cmd/ decides whether that ends the program.  Messages never carry an
 * API key; code that might echo server text runs it through ig_redact().
 */
#ifndef IG_ERR_H
#define IG_ERR_H

#include "compat.h"

/* Exit statuses, built on sysexits(3); listed in every man page's EXIT STATUS. */
enum ig_exit {
	IG_OK = 0,		/* everything asked for was done */
	IG_EPARTIAL = 1,	/* some records failed, the rest were done */
	IG_EBUDGET = 2,		/* --max-cost reached: stopped starting work */
	IG_EUSAGE = 64,		/* bad command line */
	IG_EDATA = 65,		/* bad input record or file content */
	IG_ENOINPUT = 66,	/* input file or workspace row missing */
	IG_EUNAVAIL = 69,	/* API unavailable after retries */
	IG_ESOFTWARE = 70,	/* internal error (a bug) */
	IG_EIO = 74,		/* I/O error, including a failed write of stdout */
	IG_ETEMP = 75,		/* rate-limited or temporary failure: try later */
	IG_EPROTO = 76,		/* API answered with a malformed body */
	IG_ENOPERM = 77,	/* API key missing or rejected */
	IG_ECONFIG = 78,	/* configuration missing or invalid */
	IG_EINTR = 130		/* interrupted by SIGINT or SIGTERM */
};

#define IG_ERR_MSGLEN 1024

struct ig_err {
	int code;		  /* an enum ig_exit value; IG_OK when clear */
	char msg[IG_ERR_MSGLEN];  /* "what: why", empty when clear */
};

/* Sets code and message; always returns -1 so callers can "return ig_err_set(...)". */
int ig_err_set(struct ig_err *err, int code, const char *fmt, ...)
	IG_PRINTF(3, 4);

/* Prefixes the existing message with "what: " (for context as errors rise). */
int ig_err_prefix(struct ig_err *err, const char *fmt, ...) IG_PRINTF(2, 3);

void ig_err_clear(struct ig_err *err);

/* Name of an exit status ("usage", "data", ...), for docs and tests. */
const char *ig_exit_name(int code);
/* The words a user knows for a stored status name ("noperm": "key
 * rejected", "tempfail": "try later"); other text is returned as it is. */
const char *ig_status_words(const char *name);

/*
 * Registers a secret (an API key) that must never be shown, and masks every
 * registered secret inside s in place.  Registration copies the string.
 */
void ig_secret_add(const char *secret);
void ig_redact(char *s);
void ig_secrets_free(void);

/*
 * Keeps secrets out of core files: sets RLIMIT_CORE to 0 and marks the
 * process not dumpable (which also keeps other processes of the user from
 * attaching a debugger), unless the environment variable IGNY8_CORE_DUMPS
 * is 1, for debugging.  Call first thing in main, before any key is read.
 * Returns 0, or -1 when the system refused (errno set).
 */
int ig_core_dumps_off(void);

#endif
