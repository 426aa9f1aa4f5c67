/* igny8-publish: content, image or task records in, publish records out. */
#include "compat.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fn.h"
#include "opt.h"

static const char usage[] =
	"usage: igny8-publish [options] --to TARGET [FILE...]\n"
	"       igny8-publish [options] --to TARGET --all | --task ID...\n"
	"  -a, --all              every article in the workspace\n"
	"      --task ID          this task's article (repeatable)\n"
	"      --to TARGET        wordpress, hugo, jekyll or astro (publish.to)\n"
	"      --dir DIR          the static site's root folder (publish.dir)\n"
	"      --status STATUS    draft, publish, pending or future (publish.status)\n"
	"      --date DATE        YYYY-MM-DDTHH:MM:SS (UTC), for future posts\n"
	"      --recreate         make a post deleted on the site again\n";

enum { OPT_TASK = OPT_FIRST_LOCAL, OPT_TO, OPT_DIR, OPT_STATUS, OPT_DATE, OPT_RECREATE };

/* An ISO 8601 UTC date as WordPress and the generators take it. */
static int
check_date(const char *arg, struct ig_err *err)
{
	struct tm tm = { 0 };
	const char *end = strptime(arg, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!end || (*end && strcmp(end, "Z")))
		return ig_err_set(err, IG_EUSAGE, "--date '%s': expected "
				  "YYYY-MM-DDTHH:MM:SS", arg);
	return 0;
}

static int
option(struct run_opts *o, int c, const char *arg, struct ig_err *err)
{
	switch (c) {
	case 'a': o->all = 1; return 0;
	case OPT_RECREATE: o->flags |= RUN_RECREATE; return 0;
	case OPT_TASK: return opt_add_id(o, arg, "task", err);
	case OPT_TO: return opt_setting(o, "--to", "publish.to", arg, err);
	case OPT_DIR: return opt_setting(o, "--dir", "publish.dir", arg, err);
	case OPT_STATUS: return opt_setting(o, "--status", "publish.status", arg, err);
	case OPT_DATE:
		if (check_date(arg, err) < 0)
			return -1;
		return opt_setting(o, "--date", "publish.date", arg, err);
	default: return 1;
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		OPT_COMMON_LONG,
		{ "all", no_argument, NULL, 'a' },
		{ "task", required_argument, NULL, OPT_TASK },
		{ "to", required_argument, NULL, OPT_TO },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "date", required_argument, NULL, OPT_DATE },
		{ "recreate", no_argument, NULL, OPT_RECREATE },
		{ NULL, 0, NULL, 0 },
	};
	static const struct opt_cmd cmd = { usage, "a", longopts, option, &fn_publish };

	return opt_main(argc, argv, &cmd);
}
