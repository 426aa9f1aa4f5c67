/* opt.c: shared option parsing for the filters. */
#include "compat.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "config.h"
#include "msg.h"
#include "opt.h"
#include "jsonl.h"
#include "progress.h"
#include "render.h"

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
	"      --json             JSON lines on stdout even on a terminal\n"
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
	if (!(o->sets[o->nsets] = strdup(kv)))
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	o->nsets++;
	return 0;
}

int
opt_setting(struct run_opts *o, const char *flag, const char *key,
	    const char *value, struct ig_err *err)
{
	char kv[1024];

	if (config_check_value(key, value, flag, err) < 0) {
		err->code = IG_EUSAGE;
		return -1;
	}
	if ((size_t)snprintf(kv, sizeof kv, "%s=%s", key, value) >= sizeof kv)
		return ig_err_set(err, IG_EUSAGE, "%s: value too long", flag);
	return opt_set(o, kv, err);
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

int
opt_add_record(struct run_opts *o, const char *type, const char *field,
	       const char *value, struct ig_err *err)
{
	cJSON *rec = cJSON_CreateObject();
	char *line = NULL, *all;
	size_t had = o->records ? strlen(o->records) : 0;

	if (rec && cJSON_AddStringToObject(rec, "type", type) &&
	    cJSON_AddStringToObject(rec, field, value))
		line = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (!line || !(all = realloc(o->records, had + strlen(line) + 2))) {
		free(line);
		return ig_err_set(err, IG_ESOFTWARE, "out of memory");
	}
	memcpy(all + had, line, strlen(line));
	memcpy(all + had + strlen(line), "\n", 2);
	o->records = all;
	free(line);
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
	case 'm':
		/* As --set functions.<fn>.model= would: a name is needed. */
		if (!*arg)
			return ig_err_set(err, IG_EUSAGE, "--model: the name is empty");
		o->model = arg;
		return 1;
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
	case OPT_JSON: o->json = 1; return 1;
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
	for (int i = 0; i < o->nsets; i++)
		free(o->sets[i]);
	o->nsets = 0;
	free(o->records);
	o->records = NULL;
}

int
opt_usage_error(const char *usage, const struct ig_err *err)
{
	const char *opts = usage;

	/* The synopsis ends where the first option line ("  -x" or "      --x") starts. */
	while ((opts = strchr(opts, '\n')) && opts[1]) {
		size_t sp = strspn(opts + 1, " ");
		if (opts[1 + sp] == '-')
			break;
		opts++;
	}
	if (err && err->msg[0])
		ig_errorf("%s", err->msg);
	fprintf(stderr, "%.*s", opts ? (int)(opts - usage + 1) : (int)strlen(usage), usage);
	fprintf(stderr, "Try '%s --help' for more.\n", msg_prog());
	return IG_EUSAGE;
}

/*
 * The arguments after the program name as one line, for runs.args: words
 * with spaces or quotes single-quoted, and the value of a secret setting
 * given with --set masked (run.c masks the known keys anywhere else).
 */
static char *
cmdline(int argc, char **argv)
{
	struct buf b = BUF_INIT(8192);
	char key[256];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *kv = NULL, *eq;

		if (!strncmp(a, "--set=", 6))
			kv = a + 6;
		else if (i > 1 && !strcmp(argv[i - 1], "--set"))
			kv = a;
		if (b.len)
			buf_putc(&b, ' ');
		if (kv && (eq = strchr(kv, '=')) && (size_t)(eq - kv) < sizeof key) {
			snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
			if (config_is_secret(key)) {
				buf_printf(&b, "%.*s[REDACTED]", (int)(eq + 1 - a), a);
				continue;
			}
		}
		if (*a && !a[strcspn(a, " \t\n'\"\\$`")]) {
			buf_puts(&b, a);
			continue;
		}
		buf_putc(&b, '\'');
		for (; *a; a++)
			buf_puts(&b, *a == '\'' ? "'\\''" : (char[]){ *a, 0 });
		buf_putc(&b, '\'');
	}
	return buf_detach(&b);
}

/* A bare filter on a terminal would wait silently: say what it reads. */
static void
terminal_hint(const struct run_opts *o, const struct fn_ops *fn)
{
	if (o->ninputs || o->records || o->all || o->nids || !isatty(STDIN_FILENO))
		return;
	ig_notef("reading %s records from the terminal (JSON lines%s%s%s); end with Ctrl-D, "
		 "or see --help", fn->input_type, fn->plain_field ? ", or a " : "",
		 fn->plain_field ? fn->plain_field : "", fn->plain_field ? " a line" : "");
}

/* One option: the program's own first, then the shared ones.  Returns 0 to
 * go on, else the exit status to end with (> 0), or -1 for "ok, exit 0". */
static int
one_option(struct run_opts *o, const struct opt_cmd *cmd, int c,
	   struct ig_err *err)
{
	int rc = cmd->option ? cmd->option(o, c, optarg, err) : 1;

	if (rc == 1) {
		rc = opt_common(o, c, optarg, cmd->usage, err);
		if (rc == 2)
			return -1;
		if (rc == 0)
			return opt_usage_error(cmd->usage, NULL);
		rc = rc < 0 ? -1 : 0;
	}
	return rc < 0 ? opt_usage_error(cmd->usage, err) : 0;
}

int
opt_main(int argc, char **argv, const struct opt_cmd *cmd)
{
	struct run_opts o;
	struct ig_err err = { 0 };
	char shortopts[64], *line = cmdline(argc, argv);	/* before getopt reorders argv */
	int c, rc = 0;

	ig_core_dumps_off();	/* before any key is read: none in a core */
	msg_init(argv[0]);
	argv[0] = (char *)msg_prog();	/* getopt's messages name the program */
	opt_init(&o, msg_prog());
	snprintf(shortopts, sizeof shortopts, "%s%s", OPT_COMMON_SHORT,
		 cmd->shortopts ? cmd->shortopts : "");
	while (rc == 0 && (c = getopt_long(argc, argv, shortopts, cmd->longopts,
					   NULL)) != -1)
		rc = one_option(&o, cmd, c, &err);
	if (rc == 0) {
		opt_inputs(&o, argc, argv, optind);
		o.cmdline = line;
		terminal_hint(&o, cmd->fn);
		/* A person reads a terminal; programs read JSON lines. */
		if (!o.json && isatty(STDOUT_FILENO))
			jsonl_set_render(render_record);
		rc = engine_main(cmd->fn, &o);
	} else if (rc < 0) {
		rc = IG_OK;
	}
	opt_release(&o);
	free(line);
	return rc;
}
