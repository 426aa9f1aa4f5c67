/* igny8-ideas: cluster records in, content idea records out. */
#include "compat.h"

#include <stdio.h>

#include "err.h"
#include "fn.h"
#include "msg.h"
#include "opt.h"

static const char usage[] =
	"usage: igny8-ideas [options] [FILE...]\n"
	"       igny8-ideas [options] --all | --cluster ID...\n"
	"  -a, --all              every cluster in the workspace\n"
	"      --cluster ID       this cluster (repeatable)\n"
	"      --count N          ideas per cluster (default ideas.count)\n"
	"      --more             add ideas to clusters that have some\n"
	"      --batch            queue the requests for the Batch API (half price);\n"
	"                         'igny8 batch collect' saves the answers\n";

enum { OPT_CLUSTER = OPT_FIRST_LOCAL, OPT_COUNT, OPT_MORE };

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		OPT_COMMON_LONG,
		{ "batch", no_argument, NULL, OPT_BATCH },
		{ "all", no_argument, NULL, 'a' },
		{ "cluster", required_argument, NULL, OPT_CLUSTER },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "more", no_argument, NULL, OPT_MORE },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o;
	struct ig_err err = { 0 };
	char count[64];
	long n;
	int c, rc;

	msg_init(argv[0]);
	argv[0] = (char *)msg_prog();	/* getopt's messages name the program */
	opt_init(&o, msg_prog());
	while ((c = getopt_long(argc, argv, OPT_COMMON_SHORT "a", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o.all = 1; continue;
		case OPT_CLUSTER: rc = opt_add_id(&o, optarg, "cluster", &err); break;
		case OPT_COUNT:
			rc = opt_long(optarg, "count", 1, 50, &n, &err);
			if (rc == 0) {
				snprintf(count, sizeof count, "ideas.count=%ld", n);
				rc = opt_set(&o, count, &err);
			}
			break;
		case OPT_MORE: o.flags |= RUN_MORE; continue;
		case OPT_BATCH: o.batch = 1; continue;
		default:
			rc = opt_common(&o, c, optarg, usage, &err);
			if (rc == 2)
				return IG_OK;
			if (rc == 0)
				return opt_usage_error(usage, NULL);
		}
		if (rc < 0)
			return opt_usage_error(usage, &err);
	}
	opt_inputs(&o, argc, argv, optind);
	rc = engine_main(&fn_ideas, &o);
	opt_release(&o);
	return rc;
}
