/* opt.c: shared option parsing for the filters. */
#include "compat.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "opt.h"
#include "progress.h"

const char opt_common_help[] =
	"  -w, --workspace FILE   workspace database (default ./igny8.db)\n"
	"  -c, --config FILE      extra configuration file\n"
	"  -m, --model NAME       model for this stage\n"
	"  -j, --jobs N           requests in flight (default run.jobs)\n"
	"  -n, --dry-run          show the requests and their cost, send nothing\n"
	"  -k, --keep-going       skip bad input records instead of stopping\n"
	"      --max-cost USD     stop starting requests before spending more\n"
	"      --no-cache         neither read nor write the response cache\n"
	"      --refresh          ignore cached answers, store fresh ones\n"
	"      --unordered        write records as they finish\n"
	"      --prompt FILE      prompt file for this run\n"
	"      --set KEY=VALUE    override one setting\n"
	"      --progress MODE    auto, tty, json or none\n"
	"  -q, --quiet            no progress, notes or warnings\n"
	"  -v, --verbose          more detail; --debug for every step\n"
	"  -h, --help             this help; -V, --version the version\n";

void
opt_init(struct run_opts *o, const char *program)
{
	memset(o, 0, sizeof *o);
	o->program = program;
	o->max_cost = -1;
	o->progress = -1;
	o->verbosity = MSG_NORMAL;
}

int
opt_long(const char *arg, const char *name, long min, long max, long *out,
	 struct ig_err *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return ig_err_set(err, IG_EUSAGE, "--%s: '%s' is not a number from %ld to %ld",
				  name, arg, min, max);
	*out = v;
	return 0;
}

int
opt_double(const char *arg, const char *name, double *out, struct ig_err *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < 0)
		return ig_err_set(err, IG_EUSAGE, "--%s: '%s' is not a non-negative number",
				  name, arg);
	*out = v;
	return 0;
}

int
opt_set(struct run_opts *o, const char *kv, struct ig_err *err)
{
	if (!strchr(kv, '='))
		return ig_err_set(err, IG_EUSAGE, "--set: '%s' is not KEY=VALUE", kv);
	if (o->nsets == (int)ARRAY_SIZE(o->sets))
		return ig_err_set(err, IG_EUSAGE, "--set: too many settings");
	o->sets[o->nsets++] = kv;
	return 0;
}

int
opt_add_id(struct run_opts *o, const char *arg, const char *name,
	   struct ig_err *err)
{
	long id, *ids;

	if (opt_long(arg, name, 1, 1L << 62, &id, err) < 0)
		return -1;
	ids = realloc(o->ids, (o->nids + 1) * sizeof *ids);
	if (!ids)
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	o->ids = ids;
	o->ids[o->nids++] = id;
	return 0;
}

static int
progress_opt(struct run_opts *o, const char *arg, struct ig_err *err)
{
	int m = progress_mode_parse(arg);

	if (m < 0)
		return ig_err_set(err, IG_EUSAGE,
				  "--progress: '%s' is not one of auto, tty, json, none", arg);
	o->progress = m;
	return 1;
}

int
opt_common(struct run_opts *o, int c, const char *arg, const char *usage,
	   struct ig_err *err)
{
	long n;

	switch (c) {
	case 'w': o->workspace = arg; return 1;
	case 'c': o->config_file = arg; return 1;
	case 'm': o->model = arg; return 1;
	case 'j':
		if (opt_long(arg, "jobs", 1, 256, &n, err) < 0)
			return -1;
		o->jobs = (int)n;
		return 1;
	case 'q': o->verbosity = MSG_QUIET; msg_set_level(MSG_QUIET); return 1;
	case 'v': o->verbosity = MSG_VERBOSE; msg_set_level(MSG_VERBOSE); return 1;
	case OPT_DEBUG: o->verbosity = MSG_DEBUG; msg_set_level(MSG_DEBUG); return 1;
	case OPT_PROGRESS: return progress_opt(o, arg, err);
	case 'n': o->dry_run = 1; return 1;
	case 'k': o->keep_going = 1; return 1;
	case OPT_NO_CACHE: o->no_cache = 1; return 1;
	case OPT_REFRESH: o->refresh = 1; return 1;
	case OPT_MAX_COST: return opt_double(arg, "max-cost", &o->max_cost, err) < 0 ? -1 : 1;
	case OPT_UNORDERED: o->unordered = 1; return 1;
	case OPT_PROMPT: o->prompt_file = arg; return 1;
	case OPT_SET: return opt_set(o, arg, err) < 0 ? -1 : 1;
	case 'h':
		fputs(usage, stdout);
		fputs(opt_common_help, stdout);
		return 2;
	case 'V':
		printf("%s %s\n", o->program, IG_VERSION);
		return 2;
	default:
		return 0;
	}
}

void
opt_inputs(struct run_opts *o, int argc, char **argv, int optind_)
{
	o->inputs = argv + optind_;
	o->ninputs = argc - optind_;
}

void
opt_release(struct run_opts *o)
{
	free(o->ids);
	o->ids = NULL;
	o->nids = 0;
}

int
opt_usage_error(const char *usage, const struct ig_err *err)
{
	if (err && err->msg[0])
		ig_errorf("%s", err->msg);
	fputs(usage, stderr);
	fprintf(stderr, "Try '%s --help' for more.\n", msg_prog());
	return IG_EUSAGE;
}
