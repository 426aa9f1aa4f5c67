/* err.c: error reports, exit-status names and secret redaction. */
#include "compat.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "err.h"

int
ig_err_set(struct ig_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	ig_redact(err->msg);
	return -1;
}

int
ig_err_prefix(struct ig_err *err, const char *fmt, ...)
{
	char head[IG_ERR_MSGLEN], out[2 * IG_ERR_MSGLEN + 2];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	snprintf(out, sizeof out, "%s: %s", head, err->msg);
	memcpy(err->msg, out, sizeof err->msg - 1);
	err->msg[sizeof err->msg - 1] = '\0';
	return -1;
}

void
ig_err_clear(struct ig_err *err)
{
	err->code = IG_OK;
	err->msg[0] = '\0';
}

/* The name stored in runs.status, and the words reports show for it. */
static const struct {
	int code;
	const char *name, *words;
} exit_names[] = {
	{ IG_OK, "ok", "ok" },
	{ IG_EPARTIAL, "partial", "some failed" },
	{ IG_EBUDGET, "budget", "budget reached" },
	{ IG_EUSAGE, "usage", "bad usage" },
	{ IG_EDATA, "data", "bad input" },
	{ IG_ENOINPUT, "noinput", "input missing" },
	{ IG_EUNAVAIL, "unavailable", "API unavailable" },
	{ IG_ESOFTWARE, "software", "internal error" },
	{ IG_EIO, "ioerr", "write failed" },
	{ IG_ETEMP, "tempfail", "try later" },
	{ IG_EPROTO, "protocol", "bad answer" },
	{ IG_ENOPERM, "noperm", "key rejected" },
	{ IG_ECONFIG, "config", "bad config" },
	{ IG_EINTR, "interrupted", "interrupted" },
};

const char *
ig_status_words(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(exit_names); i++)
		if (!strcmp(exit_names[i].name, name))
			return exit_names[i].words;
	return name ? name : "-";
}

const char *
ig_exit_name(int code)
{
	for (size_t i = 0; i < ARRAY_SIZE(exit_names); i++)
		if (exit_names[i].code == code)
			return exit_names[i].name;
	return "unknown";
}

/*
 * Secrets are few (one key per provider) and redaction runs only on error
 * and log text, so a small locked list is plenty.
 */
#define MAX_SECRETS 16
static char *secrets[MAX_SECRETS];
static size_t nsecrets;
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;

void
ig_secret_add(const char *secret)
{
	if (!secret || strlen(secret) < 4)
		return;
	pthread_mutex_lock(&secrets_lock);
	for (size_t i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], secret) == 0)
			goto out;
	if (nsecrets < MAX_SECRETS) {
		char *copy = strdup(secret);
		if (copy)
			secrets[nsecrets++] = copy;
	}
out:
	pthread_mutex_unlock(&secrets_lock);
}

/*
 * Marks every byte that belongs to an occurrence of any secret, then masks
 * each marked run at once: a secret inside or overlapping another is then
 * hidden whole, whichever was registered first.  A run becomes "[REDACTED]"
 * cut to the run's length, so the text never grows (callers redact in place
 * in fixed buffers).
 */
void
ig_redact(char *s)
{
	static const char mask[] = "[REDACTED]";
	size_t len, w = 0;
	char *hit;

	if (!s || !*s)
		return;
	len = strlen(s);
	pthread_mutex_lock(&secrets_lock);
	if (!nsecrets) {
		pthread_mutex_unlock(&secrets_lock);
		return;
	}
	hit = calloc(len, 1);
	for (size_t i = 0; hit && i < nsecrets; i++) {
		size_t n = strlen(secrets[i]);
		for (char *p = s; (p = strstr(p, secrets[i])) != NULL; p++)
			memset(hit + (p - s), 1, n);
	}
	pthread_mutex_unlock(&secrets_lock);
	if (!hit) {
		/* Out of memory: hide everything rather than risk a key. */
		snprintf(s, len + 1, "%s", mask);
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t j = i, m;

		if (!hit[i]) {
			s[w++] = s[i++];
			continue;
		}
		while (j < len && hit[j])
			j++;
		m = j - i < sizeof mask - 1 ? j - i : sizeof mask - 1;
		memcpy(s + w, mask, m);
		w += m;
		i = j;
	}
	s[w] = '\0';
	free(hit);
}

void
ig_secrets_free(void)
{
	pthread_mutex_lock(&secrets_lock);
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	nsecrets = 0;
	pthread_mutex_unlock(&secrets_lock);
}

/*
 * A core file holds the whole address space: the environment with its
 * OPENAI_API_KEY, every request's Authorization header, the registered
 * copies above.  RLIMIT_CORE alone is not enough when core_pattern pipes
 * to a handler, which ignores the limit; a process that is not dumpable
 * leaves no core either way.
 */
int
ig_core_dumps_off(void)
{
	const char *keep = getenv("IGNY8_CORE_DUMPS");
	struct rlimit none = { 0, 0 };
	int rc = 0;

	if (keep && strcmp(keep, "1") == 0)
		return 0;
	if (setrlimit(RLIMIT_CORE, &none) < 0)
		rc = -1;
#ifdef __linux__
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		rc = -1;
#endif
	return rc;
}
