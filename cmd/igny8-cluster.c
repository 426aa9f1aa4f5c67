/* igny8-cluster: keyword records in, topic cluster records out. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fn.h"
#include "msg.h"
#include "opt.h"

static const char usage[] =
	"usage: igny8-cluster [options] [FILE...]\n"
	"       igny8-cluster [options] --all | --ids ID,...\n"
	"  -a, --all              every keyword in the workspace\n"
	"      --batch-size N     keywords per AI request (cluster.batch_size)\n"
	"      --emit WHAT        clusters (default) or keywords\n"
	"  -f, --force            let --rebuild delete clusters that have ideas\n"
	"      --ids ID,...       these keywords of the workspace\n"
	"      --method M         auto, ai, local or embed (cluster.method)\n"
	"      --rebuild          drop every cluster and start over\n"
	"  -t, --threshold X      similarity threshold, 0 < X <= 1 (local, embed)\n";

enum { OPT_BATCH_SIZE = OPT_FIRST_LOCAL, OPT_EMIT, OPT_IDS, OPT_METHOD, OPT_REBUILD };

/* Settings flags become "key=value" strings that must outlive the run. */
static char sets[3][96];

static int
local_opt(struct run_opts *o, int c, const char *arg, struct ig_err *err)
{
	double x;
	long n;
	char *ids, *tok, *save = NULL;
	int rc = 0;

	switch (c) {
	case OPT_BATCH_SIZE:
		if (opt_long(arg, "batch-size", 1, 2048, &n, err) < 0)
			return -1;
		snprintf(sets[0], sizeof sets[0], "cluster.batch_size=%ld", n);
		return opt_set(o, sets[0], err);
	case OPT_EMIT:
		if (!strcmp(arg, "keywords"))
			o->flags |= RUN_EMIT_KEYWORDS;
		else if (strcmp(arg, "clusters"))
			return ig_err_set(err, IG_EUSAGE, "--emit: '%s' is not clusters or "
					  "keywords", arg);
		return 0;
	case OPT_METHOD:
		if (strcmp(arg, "auto") && strcmp(arg, "ai") && strcmp(arg, "local") &&
		    strcmp(arg, "embed"))
			return ig_err_set(err, IG_EUSAGE, "--method: '%s' is not auto, ai, "
					  "local or embed", arg);
		snprintf(sets[1], sizeof sets[1], "cluster.method=%s", arg);
		return opt_set(o, sets[1], err);
	case 't':
		if (opt_double(arg, "threshold", &x, err) < 0)
			return -1;
		if (!(x > 0 && x <= 1))
			return ig_err_set(err, IG_EUSAGE, "--threshold: %s is not in (0,1]", arg);
		snprintf(sets[2], sizeof sets[2], "cluster.threshold=%s", arg);
		return opt_set(o, sets[2], err);
	case OPT_IDS:
		if (!(ids = strdup(arg)))
			return ig_err_set(err, IG_ESOFTWARE, "out of memory");
		for (tok = strtok_r(ids, ",", &save); tok && rc == 0;
		     tok = strtok_r(NULL, ",", &save))
			rc = opt_add_id(o, tok, "ids", err);
		free(ids);
		return rc;
	}
	return 1;
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
		{ "method", required_argument, NULL, OPT_METHOD },
		{ "rebuild", no_argument, NULL, OPT_REBUILD },
		{ "threshold", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o;
	struct ig_err err = { 0 };
	int c, rc;

	msg_init(argv[0]);
	argv[0] = (char *)msg_prog();	/* getopt's messages name the program */
	opt_init(&o, msg_prog());
	while ((c = getopt_long(argc, argv, OPT_COMMON_SHORT "aft:", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o.all = 1; continue;
		case 'f': o.flags |= RUN_FORCE; continue;
		case OPT_REBUILD: o.flags |= RUN_REBUILD; continue;
		}
		if ((rc = local_opt(&o, c, optarg, &err)) == 1) {
			rc = opt_common(&o, c, optarg, usage, &err);
			if (rc == 2 || rc == 0)
				opt_release(&o);
			if (rc == 2)
				return IG_OK;
			if (rc == 0)
				return opt_usage_error(usage, NULL);
		}
		if (rc < 0) {
			opt_release(&o);
			return opt_usage_error(usage, &err);
		}
	}
	opt_inputs(&o, argc, argv, optind);
	rc = engine_main(&fn_cluster, &o);
	opt_release(&o);
	return rc;
}
