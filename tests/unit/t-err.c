/* t-err.c: error reports, exit-status names and secret redaction. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "tap.h"

static void
test_set(void)
{
	struct ig_err err = { 0 };
	char big[3000];

	is_int(ig_err_set(&err, IG_EDATA, "%s:%d: %s", "stdin", 12, "bad"), -1,
	       "ig_err_set returns -1");
	is_int(err.code, IG_EDATA, "code");
	is_str(err.msg, "stdin:12: bad", "message");
	is_int(ig_err_prefix(&err, "reading '%s'", "f"), -1, "prefix returns -1");
	is_str(err.msg, "reading 'f': stdin:12: bad", "prefix");
	is_int(err.code, IG_EDATA, "prefix keeps the code");
	ig_err_clear(&err);
	ok(err.code == IG_OK && err.msg[0] == '\0', "clear");
	is_int(ig_err_set(NULL, IG_EIO, "x"), -1, "NULL err is allowed");
	is_int(ig_err_prefix(NULL, "x"), -1, "for prefix too");

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ig_err_set(&err, IG_EIO, "%s", big);
	is_int(strlen(err.msg), IG_ERR_MSGLEN - 1, "long message truncated");
	ig_err_set(&err, IG_EIO, "tail");
	ig_err_prefix(&err, "%s", big);
	is_int(strlen(err.msg), IG_ERR_MSGLEN - 1, "long prefix truncated");
	ok(err.msg[0] == 'a', "prefix comes first");
	ig_err_set(&err, IG_EIO, "%.*s", IG_ERR_MSGLEN - 1, big);
	ig_err_prefix(&err, "p");
	ok(!strncmp(err.msg, "p: aaa", 6) && strlen(err.msg) == IG_ERR_MSGLEN - 1,
	   "prefix on a full message keeps the prefix");
}

static void
test_names(void)
{
	static const struct {
		int code;
		const char *name;
	} want[] = {
		{ IG_OK, "ok" },	   { IG_EPARTIAL, "partial" },
		{ IG_EBUDGET, "budget" }, { IG_EUSAGE, "usage" },
		{ IG_EDATA, "data" },	   { IG_ENOINPUT, "noinput" },
		{ IG_EUNAVAIL, "unavailable" }, { IG_ESOFTWARE, "software" },
		{ IG_EIO, "ioerr" },	   { IG_ETEMP, "tempfail" },
		{ IG_EPROTO, "protocol" }, { IG_ENOPERM, "noperm" },
		{ IG_ECONFIG, "config" },  { IG_EINTR, "interrupted" },
	};
	/* The documented numbers (STYLE.md, the EXIT STATUS of every page). */
	static const int sysexits[] = { 0, 1, 2, 64, 65, 66, 69, 70, 74, 75, 76,
					77, 78, 130 };

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		is_str(ig_exit_name(want[i].code), want[i].name, "name of %d",
		       want[i].code);
		is_int(want[i].code, sysexits[i], "%s is %d", want[i].name,
		       sysexits[i]);
	}
	is_str(ig_exit_name(3), "unknown", "3 has no name");
	is_str(ig_exit_name(-1), "unknown", "-1 has no name");
	is_str(ig_exit_name(67), "unknown", "67 (EX_NOUSER) is not ours");
}

static const char *
redact(const char *s)
{
	static char out[IG_ERR_MSGLEN];

	snprintf(out, sizeof out, "%s", s);
	ig_redact(out);
	return out;
}

static void
test_redact(void)
{
	struct ig_err err = { 0 };

	is_str(redact("nothing registered sk-1"), "nothing registered sk-1",
	       "no secrets, no change");
	ig_secret_add("sk-test-live-0123456789abcdef");
	ig_secret_add("sk-test-live-0123456789abcdef");	/* twice: kept once */
	ig_secret_add("abc");				/* too short to register */
	ig_secret_add("wxyz");				/* the shortest kept */
	ig_secret_add(NULL);
	is_str(redact("key sk-test-live-0123456789abcdef rejected"),
	       "key [REDACTED] rejected", "one occurrence");
	is_str(redact("sk-test-live-0123456789abcdef,sk-test-live-0123456789abcdef."),
	       "[REDACTED],[REDACTED].", "every occurrence");
	is_str(redact("sk-test-live-0123456789abcdef0123456789abcdef"),
	       "[REDACTED]0123456789abcdef", "a secret followed by more text");
	is_str(redact("abc abcd"), "abc abcd", "a 3-byte key is never registered");
	is_str(redact("wxyz-wxyzwxyz"), "[RED-[REDACTE",
	       "a short key is masked without growing the text");
	is_str(redact(""), "", "empty text");
	ig_err_set(&err, IG_ENOPERM, "bad key sk-test-live-0123456789abcdef");
	is_str(err.msg, "bad key [REDACTED]", "ig_err_set redacts");

	/* A secret inside another (registered first) and two that overlap
	 * must leave no part of either. */
	ig_secret_add("KEYINNER1234");
	ig_secret_add("sk-test-outer-KEYINNER1234-z");
	ig_secret_add("sk-test-proj-AAAA1111");
	ig_secret_add("1111BBBBcccc");
	is_str(redact("[sk-test-outer-KEYINNER1234-z]"), "[[REDACTED]]",
	       "a longer key around a shorter one is masked whole");
	is_str(redact("x sk-test-proj-AAAA1111BBBBcccc y"), "x [REDACTED] y",
	       "overlapping keys are masked together");
	is_str(redact("KEYINNER1234"), "[REDACTED]", "the inner key alone");
	ig_secrets_free();
	is_str(redact("sk-test-live-0123456789abcdef"), "sk-test-live-0123456789abcdef",
	       "ig_secrets_free forgets them");
}

/* In a child: 1 when dumpable, 2 when RLIMIT_CORE is above 0, summed. */
static int
core_state_after(const char *env)
{
	struct rlimit rl;
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (env)
			setenv("IGNY8_CORE_DUMPS", env, 1);
		else
			unsetenv("IGNY8_CORE_DUMPS");
		getrlimit(RLIMIT_CORE, &rl);
		rl.rlim_cur = rl.rlim_max;	/* as "ulimit -c unlimited" */
		setrlimit(RLIMIT_CORE, &rl);
		if (ig_core_dumps_off() < 0)
			_exit(9);
		getrlimit(RLIMIT_CORE, &rl);
		_exit((prctl(PR_GET_DUMPABLE) == 1) + 2 * (rl.rlim_cur > 0));
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
test_core(void)
{
	struct rlimit rl;

	is_int(core_state_after(NULL), 0, "no core: not dumpable, RLIMIT_CORE 0");
	is_int(core_state_after("0"), 0, "IGNY8_CORE_DUMPS=0: the same");
	getrlimit(RLIMIT_CORE, &rl);
	is_int(core_state_after("1"), rl.rlim_max > 0 ? 3 : 1,
	       "IGNY8_CORE_DUMPS=1 leaves core dumps on");
}

int
main(void)
{
	test_core();
	test_set();
	test_names();
	test_redact();
	return done_testing();
}
