/* igny8-ideas: cluster records in, content idea records out. */
#include "compat.h"

#include "fn.h"
#include "opt.h"

static const char usage[] =
	"usage: igny8-ideas [options] [FILE...]\n"
	"       igny8-ideas [options] --all | --cluster ID...\n"
	"  -a, --all              every cluster in the workspace\n"
	"      --cluster ID       this cluster (repeatable)\n"
	"      --topic TEXT       ideas for this topic (repeatable)\n"
	"      --count N          ideas per cluster (default ideas.count)\n"
	"      --more             add ideas to clusters that have some\n"
	"      --batch            queue the requests for the Batch API (half price);\n"
	"                         'igny8 batch collect' saves the answers\n";

enum { OPT_CLUSTER = OPT_FIRST_LOCAL, OPT_COUNT, OPT_MORE, OPT_TOPIC };

static int
option(struct run_opts *o, int c, const char *arg, struct ig_err *err)
{
	long n;

	switch (c) {
	case 'a': o->all = 1; return 0;
	case OPT_MORE: o->flags |= RUN_MORE; return 0;
	case OPT_BATCH: o->batch = 1; return 0;
	case OPT_CLUSTER: return opt_add_id(o, arg, "cluster", err);
	case OPT_TOPIC: return opt_add_record(o, "cluster", "topic", arg, err);
	case OPT_COUNT:
		if (opt_long(arg, "count", 1, 50, &n, err) < 0)
			return -1;
		return opt_setting(o, "--count", "ideas.count", arg, err);
	default: return 1;
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		OPT_COMMON_LONG,
		{ "all", no_argument, NULL, 'a' },
		{ "cluster", required_argument, NULL, OPT_CLUSTER },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "more", no_argument, NULL, OPT_MORE },
		{ "topic", required_argument, NULL, OPT_TOPIC },
		{ "batch", no_argument, NULL, OPT_BATCH },
		{ NULL, 0, NULL, 0 },
	};
	static const struct opt_cmd cmd = { usage, "a", longopts, option, &fn_ideas };

	return opt_main(argc, argv, &cmd);
}
