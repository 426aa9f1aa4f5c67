/* t-report.c: the --since values of igny8 costs, against a fixed clock. */
#include "compat.h"

#include <string.h>
#include <time.h>

#include "report.h"
#include "tap.h"

/* 2026-12-04T10:30:00Z */
#define NOW ((time_t)1796380200)

static const char *
since(const char *s)
{
	static char out[32];

	if (report_since(s, NOW, out, sizeof out) < 0)
		return "(bad)";
	return out;
}

int
main(void)
{
	is_str(since("2026-11-01"), "2026-11-01", "a date as given");
	is_str(since("2026-11-01T08:00:00Z"), "2026-11-01T08:00:00Z", "a timestamp as given");
	is_str(since("today"), "2026-12-04", "today from midnight UTC");
	is_str(since("yesterday"), "2026-12-03", "yesterday from midnight UTC");
	is_str(since("24h"), "2026-12-03T10:30:00Z", "24h back");
	is_str(since("7d"), "2026-11-27T10:30:00Z", "7d back");
	is_str(since("2w"), "2026-11-20T10:30:00Z", "2w back");
	is_str(since("0h"), "2026-12-04T10:30:00Z", "0h is now");
	is_str(since("7"), "(bad)", "a number needs its unit");
	is_str(since("7y"), "(bad)", "an unknown unit");
	is_str(since("7dd"), "(bad)", "trailing text");
	is_str(since("-7d"), "(bad)", "a negative age");
	is_str(since("last week"), "(bad)", "words other than today and yesterday");
	is_str(since("99999999999999d"), "(bad)", "an age past a century");
	is_str(since("2026-1-01"), "(bad)", "a short date");
	return done_testing();
}
