/* igny8-cluster: keyword records in, topic cluster records out. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "fn.h"
#include "opt.h"

static const char usage[] =
	"usage: igny8-cluster [options] [FILE...]\n"
	"       igny8-cluster [options] --all | --ids ID,...\n"
	"  -a, --all              every keyword in the workspace\n"
	"      --batch-size N     keywords per AI request (cluster.batch_size)\n"
	"      --emit WHAT        clusters (default) or keywords\n"
	"  -f, --force            let --rebuild delete clusters that have ideas\n"
	"      --ids ID,...       these keywords of the workspace\n"
	"      --keyword TEXT     this keyword (repeatable)\n"
	"      --method M         auto, ai, local or embed (cluster.method)\n"
	"      --rebuild          drop every cluster and start over\n"
	"  -t, --threshold X      similarity threshold, 0 < X <= 1 (local, embed)\n";

enum { OPT_BATCH_SIZE = OPT_FIRST_LOCAL, OPT_EMIT, OPT_IDS, OPT_METHOD, OPT_REBUILD, OPT_KEYWORD };

static int
ids(struct run_opts *o, const char *arg, struct ig_err *err)
{
	char *list = strdup(arg), *tok, *save = NULL;
	int rc = list ? 0 : ig_err_set(err, IG_ESOFTWARE, "out of memory");

	for (tok = list ? strtok_r(list, ",", &save) : NULL; tok && rc == 0;
	     tok = strtok_r(NULL, ",", &save))
		rc = opt_add_id(o, tok, "ids", err);
	free(list);
	return rc;
}

static int
option(struct run_opts *o, int c, const char *arg, struct ig_err *err)
{
	double x;

	switch (c) {
	case 'a': o->all = 1; return 0;
	case 'f': o->flags |= RUN_FORCE; return 0;
	case OPT_REBUILD: o->flags |= RUN_REBUILD; return 0;
	case OPT_IDS: return ids(o, arg, err);
	case OPT_KEYWORD: return opt_add_record(o, "keyword", "keyword", arg, err);
	case OPT_BATCH_SIZE:
		return opt_setting(o, "--batch-size", "cluster.batch_size", arg, err);
	case OPT_METHOD: return opt_setting(o, "--method", "cluster.method", arg, err);
	case 't':
		if (opt_double(arg, "threshold", &x, err) < 0)
			return -1;
		if (!(x > 0 && x <= 1))
			return ig_err_set(err, IG_EUSAGE, "--threshold: %s is not in (0,1]", arg);
		return opt_setting(o, "--threshold", "cluster.threshold", arg, err);
	case OPT_EMIT:
		if (!strcmp(arg, "keywords"))
			o->flags |= RUN_EMIT_KEYWORDS;
		else if (strcmp(arg, "clusters"))
			return ig_err_set(err, IG_EUSAGE,
					  "--emit: '%s' is not clusters or keywords", arg);
		return 0;
	default: return 1;
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		OPT_COMMON_LONG,
		{ "all", no_argument, NULL, 'a' },
		{ "batch-size", required_argument, NULL, OPT_BATCH_SIZE },
		{ "emit", required_argument, NULL, OPT_EMIT },
		{ "force", no_argument, NULL, 'f' },
		{ "ids", required_argument, NULL, OPT_IDS },
		{ "keyword", required_argument, NULL, OPT_KEYWORD },
		{ "method", required_argument, NULL, OPT_METHOD },
		{ "rebuild", no_argument, NULL, OPT_REBUILD },
		{ "threshold", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct opt_cmd cmd = { usage, "aft:", longopts, option, &fn_cluster };

	return opt_main(argc, argv, &cmd);
}
