/*
 * igny8.c: the workspace command.  Global options, then a subcommand from
 * the table below; each subcommand parses its own options and calls the
 * library.  An unknown subcommand runs igny8-<name> from this program's
 * directory, as git does, so the pipeline filters are "igny8 cluster" too.
 */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "audit.h"
#include "batch.h"
#include "board.h"
#include "bodies.h"
#include "buf.h"
#include "config.h"
#include "display.h"
#include "prompt.h"
#include "err.h"
#include "export.h"
#include "fn.h"
#include "http.h"
#include "import.h"
#include "jsonl.h"
#include "merge.h"
#include "msg.h"
#include "opt.h"
#include "report.h"
#include "suggest.h"
#include "task_admin.h"
#include "workspace.h"

struct ctx {
	const char *workspace;	/* -w, else the "workspace" setting */
	const char *config;	/* -c FILE, NULL = the usual search */
	struct config *cfg;	/* settings, for subcommands that need them */
};

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct ctx *ctx);
	const char *usage;	/* synopsis and options, printed by --help */
};

static const struct subcmd *find_subcmd(const char *name);

/* Prints usage: --help to stdout with 0, a usage error to stderr with 64. */
static int
usage(const char *name, int status)
{
	const struct subcmd *s = find_subcmd(name);

	fputs(s->usage, status ? stderr : stdout);
	return status;
}

/* Reports err as "igny8: what: message" and returns its exit status. */
static int
fail(const char *what, const struct ig_err *err)
{
	ig_errorf("%s: %s", what, err->msg);
	return err->code ? err->code : IG_ESOFTWARE;
}

static int
parse_long(const char *s, long min, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return end == s || *end || errno || *out < min ? -1 : 0;
}

/* Ends a subcommand that wrote to stdout: a failed write is exit 74. */
static int
finish(const char *what, struct ws *ws, int rc, struct ig_err *err)
{
	if (rc == 0 && jsonl_finish(stdout, err) < 0)
		rc = -1;
	ws_close(ws);
	if (rc < 0)
		return jsonl_broken_pipe() ? IG_EIO : fail(what, err);
	return IG_OK;
}

static int
open_ws(struct ctx *ctx, struct ws **ws_out, struct ig_err *err)
{
	*ws_out = ws_open(ctx->workspace, WS_OPEN, err);
	return *ws_out ? 0 : -1;
}

/*
 * The options of the subcommands that only take --json and at most
 * `maxargs` operands.  Returns -1 to go on, else the exit status.
 */
static int
json_args(const char *name, int argc, char **argv, int maxargs, int *json)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 } };
	int c;

	optind = 0;
	*json = 0;
	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		if (c != 'j')
			return usage(name, c == 'h' ? IG_OK : IG_EUSAGE);
		*json = 1;
	}
	if (argc - optind > maxargs)
		return usage(name, IG_EUSAGE);
	return -1;
}

/* --- init ----------------------------------------------------------- */

static const char init_usage[] =
	"usage: igny8 [-w FILE] init\n"
	"Creates the workspace, or brings an existing one to the current schema.\n";

static int
cmd_init(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct ig_err err = { 0 };
	struct stat st;
	struct ws *ws;
	int c, existed = stat(ctx->workspace, &st) == 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return usage("init", c == 'h' ? IG_OK : IG_EUSAGE);
	if (optind != argc)
		return usage("init", IG_EUSAGE);
	if (!(ws = ws_open(ctx->workspace, WS_CREATE, &err)))
		return fail("init", &err);
	ig_notef("%s workspace %s (schema %d)", existed ? "using existing" : "created",
		 ws_path(ws), ws_schema_version(ws));
	ws_close(ws);
	return IG_OK;
}

/* --- import --------------------------------------------------------- */

static const char import_usage[] =
	"usage: igny8 import [-f auto|jsonl|text|csv] [-s SECTOR] [-kn] [FILE...]\n"
	"Imports keywords from JSON lines, plain text (one per line, '#' comments)\n"
	"or the CSV exports of Google Keyword Planner, Ahrefs and Semrush (UTF-8\n"
	"or UTF-16; comma, tab or semicolon).  FILE '-' or none reads stdin.\n"
	"  -f, --format FMT   input format (default auto: by extension, then content)\n"
	"  -s, --sector S     sector for rows that name none\n"
	"  -n, --dry-run      report what would change, save nothing\n"
	"  -k, --keep-going   skip bad rows with a warning, save the rest, exit 65\n"
	"All files are one transaction: without -k the first bad row (exit 65) or\n"
	"a missing file (exit 66) leaves the workspace unchanged.\n";

static void
import_skip(const char *where, const char *why, void *ctx)
{
	(void)ctx;
	ig_warnf("import: %s: ignoring row: %s", where, why);
}

static int
cmd_import(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "sector", required_argument, NULL, 's' },
		{ 0 } };
	struct imp_opts o = { IMP_AUTO, NULL, 0, 0, import_skip, NULL };
	static char *std_in[] = { "-" };
	struct imp_stats st;
	struct ig_err err = { 0 };
	struct ws *ws;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "f:hkns:", opts, NULL)) != -1) {
		if (c == 'f' && (o.format = imp_format_parse(optarg)) < 0) {
			ig_errorf("import: unknown format '%s'", optarg);
			return usage("import", IG_EUSAGE);
		} else if (c == 'k') {
			o.keep_going = 1;
		} else if (c == 'n') {
			o.dry_run = 1;
		} else if (c == 's') {
			o.sector = optarg;
		} else if (c != 'f') {
			return usage("import", c == 'h' ? IG_OK : IG_EUSAGE);
		}
	}
	if (open_ws(ctx, &ws, &err) < 0)
		return fail("import", &err);
	rc = optind < argc ? imp_run(ws, argv + optind, argc - optind, &o, &st, &err)
			   : imp_run(ws, std_in, 1, &o, &st, &err);
	ws_close(ws);
	if (rc == 0 || st.skipped)
		ig_notef("import: %s %ld keyword%s (%ld new, %ld updated), skipped %ld row%s%s",
			 o.dry_run ? "would import" : "imported", st.imported,
			 st.imported == 1 ? "" : "s", st.inserted, st.updated, st.skipped,
			 st.skipped == 1 ? "" : "s", o.dry_run ? " (dry run)" : "");
	if (rc < 0)
		return fail("import", &err);
	return IG_OK;
}

/* --- status, export, costs, runs, log ------------------------------- */

static const char status_usage[] =
	"usage: igny8 status [--json | --watch]\n"
	"Shows the workspace path, schema version and row counts by status.\n"
	"  --watch   show the stages running on the workspace, a line each, until\n"
	"            interrupted (not on a terminal: once)\n";

static volatile sig_atomic_t watch_stop;

static void
on_watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/*
 * --watch: the board's lines (board.h), redrawn four times a second on a
 * terminal until SIGINT or SIGTERM, which end it with status 0; else
 * printed once, unclipped, for a script.
 */
static int
status_watch(const char *ws_path)
{
	struct sigaction sa = { .sa_handler = on_watch_signal };
	struct timespec tick = { 0, 250 * 1000 * 1000L };
	struct board_row *rows;
	struct buf b = BUF_INIT(0);
	size_t n;

	if (!isatty(STDOUT_FILENO)) {
		n = board_read(ws_path, &rows);
		for (size_t i = 0; i < n; i++) {
			display_line(&b, &rows[i], 4096);
			buf_putc(&b, '\n');
		}
		free(rows);
		fputs(buf_str(&b), stdout);
		buf_release(&b);
		return finish("status", NULL, 0, &(struct ig_err){ 0 });
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!watch_stop) {
		n = board_read(ws_path, &rows);
		buf_reset(&b);
		display_block(&b, rows, n, display_columns(STDOUT_FILENO),
			      display_lines(STDOUT_FILENO));
		free(rows);
		display_write(STDOUT_FILENO, &b);
		nanosleep(&tick, NULL);
	}
	fputs(DISPLAY_ERASE, stdout);
	buf_release(&b);
	return finish("status", NULL, 0, &(struct ig_err){ 0 });
}

static int
cmd_status(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'W' },
		{ 0 } };
	struct ig_err err = { 0 };
	struct ws *ws;
	int json = 0, watch = 0, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		if (c != 'j' && c != 'W')
			return usage("status", c == 'h' ? IG_OK : IG_EUSAGE);
		*(c == 'j' ? &json : &watch) = 1;
	}
	if (optind != argc || (json && watch))
		return usage("status", IG_EUSAGE);
	if (open_ws(ctx, &ws, &err) < 0)
		return fail("status", &err);
	if (watch) {
		ws_close(ws);
		return status_watch(ctx->workspace);
	}
	return finish("status", ws, report_status(ws, stdout,
		      json ? REPORT_JSON : REPORT_TEXT, &err), &err);
}

static const char export_usage[] =
	"usage: igny8 export [--status S] [--run ID] [--cluster ID] [--function F] TABLE\n"
	"Writes a table's rows as JSON lines.  TABLE is one of:\n"
	"  keywords clusters ideas tasks content images runs calls batches prompts\n"
	"  --status S     rows with this status (calls: outcome)\n"
	"  --run ID       rows written by run ID\n"
	"  --cluster ID   keywords and ideas of cluster ID\n"
	"  --function F   calls and batches of function F\n";

static int
cmd_export(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "cluster", required_argument, NULL, 'c' },
		{ "function", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "run", required_argument, NULL, 'r' },
		{ "status", required_argument, NULL, 's' },
		{ 0 } };
	struct export_filter f = EXPORT_FILTER_INIT;
	struct ig_err err = { 0 };
	struct ws *ws;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:f:hr:s:", opts, NULL)) != -1) {
		if ((c == 'c' && parse_long(optarg, 0, &f.cluster) < 0) ||
		    (c == 'r' && parse_long(optarg, 0, &f.run) < 0)) {
			ig_errorf("export: '%s' is not an id", optarg);
			return IG_EUSAGE;
		} else if (c == 'f') {
			f.function = optarg;
		} else if (c == 's') {
			f.status = optarg;
		} else if (c != 'c' && c != 'r') {
			return usage("export", c == 'h' ? IG_OK : IG_EUSAGE);
		}
	}
	if (optind != argc - 1)
		return usage("export", IG_EUSAGE);
	if (open_ws(ctx, &ws, &err) < 0)
		return fail("export", &err);
	return finish("export", ws, export_table(ws, argv[optind], &f, stdout, &err) < 0 ? -1 : 0,
		      &err);
}

static const char costs_usage[] =
	"usage: igny8 costs [--by function|model|day] [--since WHEN] [--json]\n"
	"Sums tokens and spend of the AI calls; calls whose price is not known\n"
	"are counted as UNKNOWN, and a group with only those shows 'unknown'.\n"
	"WHEN is a date (YYYY-MM-DD, UTC), today, yesterday, or an age: 24h, 7d, 2w.\n";

static int
cmd_costs(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		{ 0 } };
	enum report_fmt fmt = REPORT_TEXT;
	struct ig_err err = { 0 };
	char since_buf[32], *since = NULL;
	struct ws *ws;
	int c, by = BY_FUNCTION;

	optind = 0;
	while ((c = getopt_long(argc, argv, "b:hjs:", opts, NULL)) != -1) {
		if (c == 'b' && (by = report_by_parse(optarg)) < 0) {
			ig_errorf("costs: --by must be function, model or day");
			return IG_EUSAGE;
		} else if (c == 's' && report_since(optarg, time(NULL), since_buf,
						       sizeof since_buf) < 0) {
			ig_errorf("costs: --since '%s' is not a date (YYYY-MM-DD), today, "
				  "yesterday or an age (24h, 7d, 2w)", optarg);
			return IG_EUSAGE;
		} else if (c == 's') {
			since = since_buf;
		} else if (c == 'j') {
			fmt = REPORT_JSON;
		} else if (c != 'b') {
			return usage("costs", c == 'h' ? IG_OK : IG_EUSAGE);
		}
	}
	if (optind != argc)
		return usage("costs", IG_EUSAGE);
	if (open_ws(ctx, &ws, &err) < 0)
		return fail("costs", &err);
	return finish("costs", ws, report_costs(ws, stdout, by, since, fmt, &err), &err);
}

static const char audit_usage[] =
	"usage: igny8 audit [--task ID]... [--json]\n"
	"Runs igny8-write's checks again on the saved articles (every one, or\n"
	"those of the tasks named) and reports each check as ok or FAIL; exit 1\n"
	"when an article fails one.\n"
	"  -t, --task ID   the article of task ID (repeatable)\n"
	"      --json      one JSON record per article\n";

static int
cmd_audit(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "task", required_argument, NULL, 't' },
		{ 0 } };
	enum audit_fmt fmt = AUDIT_TEXT;
	struct ig_err err = { 0 };
	long *ids = calloc((size_t)argc, sizeof *ids);
	size_t n = 0;
	struct ws *ws;
	int c, failing;

	optind = 0;
	while (ids && (c = getopt_long(argc, argv, "hjt:", opts, NULL)) != -1) {
		if (c == 't' && parse_long(optarg, 1, &ids[n++]) < 0) {
			ig_errorf("audit: --task '%s' is not a task id", optarg);
			free(ids);
			return IG_EUSAGE;
		} else if (c == 'j') {
			fmt = AUDIT_JSON;
		} else if (c != 't') {
			free(ids);
			return usage("audit", c == 'h' ? IG_OK : IG_EUSAGE);
		}
	}
	if (!ids || optind != argc) {
		free(ids);
		return ids ? usage("audit", IG_EUSAGE) : IG_ESOFTWARE;
	}
	if (open_ws(ctx, &ws, &err) < 0) {
		free(ids);
		return fail("audit", &err);
	}
	failing = audit_articles(ws, ctx->cfg, ids, n, fmt, stdout, &err);
	free(ids);
	c = finish("audit", ws, failing < 0 ? -1 : 0, &err);
	return c != IG_OK ? c : failing > 0 ? IG_EPARTIAL : IG_OK;
}

static const char runs_usage[] =
	"usage: igny8 runs [-n N] [--json]\n"
	"Lists the last N runs (default 20), oldest first, with totals.\n"
	"  -n, --number N   how many runs\n"
	"  --json           as one JSON object (runs and totals)\n";

static int
cmd_runs(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "number", required_argument, NULL, 'n' },
		{ 0 } };
	enum report_fmt fmt = REPORT_TEXT;
	struct ig_err err = { 0 };
	struct ws *ws;
	long n = 20;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hjn:", opts, NULL)) != -1) {
		if (c == 'n' && parse_long(optarg, 1, &n) < 0) {
			ig_errorf("runs: -n '%s' is not a positive number", optarg);
			return IG_EUSAGE;
		} else if (c == 'j') {
			fmt = REPORT_JSON;
		} else if (c != 'n') {
			return usage("runs", c == 'h' ? IG_OK : IG_EUSAGE);
		}
	}
	if (optind != argc)
		return usage("runs", IG_EUSAGE);
	if (open_ws(ctx, &ws, &err) < 0)
		return fail("runs", &err);
	return finish("runs", ws, report_runs(ws, stdout, n, fmt, &err), &err);
}

static const char log_usage[] =
	"usage: igny8 log [--run ID | --last] [--function F] [--outcome O] [--steps] [--json]\n"
	"       igny8 log --show ID [--json]\n"
	"Shows the AI calls of a run (default the last): function, record, model,\n"
	"outcome, HTTP status, attempts, tokens, cost, duration and error.\n"
	"  --steps     also each call's per-phase steps\n"
	"  --show ID   one call with what was sent and what came back\n"
	"  --json      one call record per line\n";

static int
cmd_log(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "function", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "last", no_argument, NULL, 'l' },
		{ "outcome", required_argument, NULL, 'o' },
		{ "run", required_argument, NULL, 'r' },
		{ "show", required_argument, NULL, 'S' },
		{ "steps", no_argument, NULL, 's' },
		{ 0 } };
	struct report_log q = { -1, NULL, NULL, 0, REPORT_TEXT };
	struct ig_err err = { 0 };
	struct ws *ws;
	long show = 0;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "f:hjlo:r:S:s", opts, NULL)) != -1) {
		if (c == 'r' && parse_long(optarg, 0, &q.run) < 0) {
			ig_errorf("log: --run '%s' is not a run id", optarg);
			return IG_EUSAGE;
		} else if (c == 'S' && parse_long(optarg, 1, &show) < 0) {
			ig_errorf("log: --show '%s' is not a call id", optarg);
			return IG_EUSAGE;
		} else if (c == 'f') {
			q.function = optarg;
		} else if (c == 'o') {
			q.outcome = optarg;
		} else if (c == 'l') {
			q.run = -1;
		} else if (c == 's') {
			q.steps = 1;
		} else if (c == 'j') {
			q.fmt = REPORT_JSON;
		} else if (c != 'r' && c != 'S') {
			return usage("log", c == 'h' ? IG_OK : IG_EUSAGE);
		}
	}
	if (optind != argc)
		return usage("log", IG_EUSAGE);
	if (open_ws(ctx, &ws, &err) < 0)
		return fail("log", &err);
	if (show)
		return finish("log", ws, bodies_show(ws, stdout, show, q.fmt == REPORT_JSON,
						     &err), &err);
	return finish("log", ws, report_log(ws, stdout, &q, &err), &err);
}

/* --- tasks ---------------------------------------------------------- */

static const char tasks_usage[] =
	"usage: igny8 tasks [--status S]\n"
	"       igny8 tasks requeue ID... | --status S\n"
	"       igny8 tasks delete ID... | --status S\n"
	"Lists the tasks with their status, attempts, article and last error;\n"
	"requeue puts tasks back in the queue for the next 'igny8-write -a' (error\n"
	"cleared); delete removes tasks that should never run.  All or nothing:\n"
	"a task a live run is writing is refused, and delete refuses a task that\n"
	"has an article.\n"
	"  -s, --status S   the tasks with this status (queued running done failed flagged)\n";

static int
cmd_tasks(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "status", required_argument, NULL, 's' },
		{ 0 } };
	const char *verb = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL, *status = NULL;
	struct ig_err err = { 0 };
	struct ws *ws;
	long *ids = NULL, n;
	int c, k = 0;

	if (verb && strcmp(verb, "requeue") && strcmp(verb, "delete")) {
		ig_errorf("tasks: unknown action '%s' (requeue or delete)", verb);
		return usage("tasks", IG_EUSAGE);
	}
	optind = verb ? 2 : 0;
	while ((c = getopt_long(argc, argv, "hs:", opts, NULL)) != -1) {
		if (c != 's')
			return usage("tasks", c == 'h' ? IG_OK : IG_EUSAGE);
		status = optarg;
	}
	if ((!verb && optind != argc) || (verb && (optind == argc) == !status))
		return usage("tasks", IG_EUSAGE);
	if (verb && !(ids = calloc((size_t)(argc - optind) + 1, sizeof *ids)))
		return IG_ESOFTWARE;
	for (int i = optind; verb && i < argc; i++)
		if (parse_long(argv[i], 1, &ids[k++]) < 0) {
			ig_errorf("tasks: '%s' is not a task id", argv[i]);
			free(ids);
			return IG_EUSAGE;
		}
	if (open_ws(ctx, &ws, &err) < 0) {
		free(ids);
		return fail("tasks", &err);
	}
	if (!verb)
		return finish("tasks", ws, task_admin_list(ws, status, stdout, &err), &err);
	n = !strcmp(verb, "requeue") ? task_admin_requeue(ws, ids, (size_t)k, status, &err)
				     : task_admin_delete(ws, ids, (size_t)k, status, &err);
	free(ids);
	ws_close(ws);
	if (n < 0)
		return fail("tasks", &err);
	ig_notef("tasks: %s %ld task%s", !strcmp(verb, "requeue") ? "requeued" : "deleted", n,
		 n == 1 ? "" : "s");
	return IG_OK;
}

/* --- merge ---------------------------------------------------------- */

static const char merge_usage[] =
	"usage: igny8 merge OTHER.db\n"
	"Merges another workspace (a shard) into this one in one transaction;\n"
	"merging the same workspace again adds nothing.\n";

static int
cmd_merge(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct merge_stats ms;
	struct ig_err err = { 0 };
	struct ws *ws;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return usage("merge", c == 'h' ? IG_OK : IG_EUSAGE);
	if (optind != argc - 1)
		return usage("merge", IG_EUSAGE);
	if (open_ws(ctx, &ws, &err) < 0)
		return fail("merge", &err);
	rc = merge_workspace(ws, argv[optind], &ms, &err);
	ws_close(ws);
	if (rc < 0)
		return fail("merge", &err);
	ig_notef("merge: added %ld keywords, %ld clusters, %ld ideas, %ld tasks, "
		 "%ld content, %ld images, %ld runs, %ld calls, %ld cache entries",
		 ms.keywords, ms.clusters, ms.ideas, ms.tasks, ms.content, ms.images,
		 ms.runs, ms.calls, ms.cache);
	return IG_OK;
}

/* --- batch ---------------------------------------------------------- */

static const char batch_usage[] =
	"usage: igny8 batch status [--json]\n"
	"       igny8 batch collect [--resubmit] [--jobs N] [BATCH_ID...]\n"
	"status lists the Batch API batches and their items.  collect polls the\n"
	"batches not yet collected; for those that ended it downloads the results\n"
	"and saves them through the stage that submitted them, writing its records\n"
	"to stdout.  A request that failed in its batch is asked directly, or with\n"
	"--resubmit goes into a new batch.  Running it again does only what is\n"
	"missing.  Exit 75 while a batch is still running: collect again later.\n";

/* The stages that can submit batches, by function name. */
static const struct fn_ops *
batch_fn(const char *name)
{
	static const struct fn_ops *const fns[] = { &fn_ideas, &fn_write, &fn_image };

	for (size_t i = 0; i < ARRAY_SIZE(fns); i++)
		if (!strcmp(fns[i]->name, name))
			return fns[i];
	return NULL;
}

static void
batch_note(const char *msg)
{
	ig_notef("batch collect: %s", msg);
}

/* Runs a stage over the records whose batch results wait; its exit status. */
static int
collect_group(struct ctx *ctx, struct ws *ws, const struct batch_group *g,
	      char **ids, int n, int resubmit, int jobs)
{
	const struct fn_ops *fn = batch_fn(g->function);
	struct run_opts o;
	struct ig_err err = { 0 };
	long *v, count;
	int status = IG_OK;

	if (!fn) {
		ig_warnf("batch collect: no stage for function '%s'", g->function);
		return IG_OK;
	}
	if ((count = batch_refs(ws, g, fn->input_type, ids, n, &v, &err)) < 0)
		return fail("batch collect", &err);
	if (count > 0) {
		/* The stage runs as it was asked to when it submitted. */
		opt_init(&o, "igny8 batch collect");
		o.workspace = ctx->workspace;
		o.config_file = ctx->config;
		o.verbosity = msg_level();
		o.jobs = jobs;
		o.flags = g->flags;
		o.batch = resubmit;
		o.ids = v;
		o.nids = (size_t)count;
		status = engine_main(fn, &o);
		opt_release(&o);
	} else {
		free(v);
	}
	/* An interrupted stage leaves its batches to the next collect. */
	if (status != IG_EINTR && status != IG_EIO && batch_close(ws, g, ids, n, &err) < 0)
		return fail("batch collect", &err);
	return status;
}

static int
batch_collect(struct ctx *ctx, char **ids, int n, int resubmit, int jobs)
{
	struct batch_poll_stats st;
	struct batch_group *g;
	struct ig_err err = { 0 };
	struct ws *ws;
	long ng;
	int status = IG_OK, rc;

	if (open_ws(ctx, &ws, &err) < 0)
		return fail("batch collect", &err);
	http_global_init();
	rc = batch_poll(ws, ctx->cfg, ids, n, batch_note, &st, &err);
	http_global_cleanup();
	if (rc < 0) {
		ws_close(ws);
		return fail("batch collect", &err);
	}
	ng = batch_groups(ws, ids, n, &g);
	for (long i = 0; i < ng && status != IG_EINTR; i++) {
		rc = collect_group(ctx, ws, &g[i], ids, n, resubmit, jobs);
		if (rc != IG_OK && (status == IG_OK || rc == IG_EINTR))
			status = rc;
	}
	batch_groups_free(g, ng);
	ws_close(ws);
	if (status == IG_OK && st.pending) {
		ig_notef("batch collect: %ld batch%s still running; collect again later",
			 st.pending, st.pending == 1 ? "" : "es");
		status = IG_ETEMP;
	}
	return status;
}

static int
cmd_batch(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "resubmit", no_argument, NULL, 'r' },
		{ 0 } };
	struct ig_err err = { 0 };
	struct ws *ws;
	int c, json = 0, resubmit = 0;
	long jobs = 0;
	const char *sub;

	if (argc < 2)
		return usage("batch", strcmp(argv[argc - 1], "--help") ? IG_EUSAGE : IG_OK);
	sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h"))
		return usage("batch", IG_OK);
	if (strcmp(sub, "status") && strcmp(sub, "collect")) {
		ig_errorf("batch: unknown subcommand '%s'", sub);
		return usage("batch", IG_EUSAGE);
	}
	optind = 0;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "hj:", opts, NULL)) != -1) {
		if (c == 'j' && (parse_long(optarg, 1, &jobs) < 0 || jobs > 256)) {
			ig_errorf("batch: --jobs '%s' is not a number from 1 to 256", optarg);
			return IG_EUSAGE;
		} else if (c == 'J') {
			json = 1;
		} else if (c == 'r') {
			resubmit = 1;
		} else if (c != 'j') {
			return usage("batch", c == 'h' ? IG_OK : IG_EUSAGE);
		}
	}
	if (!strcmp(sub, "collect"))
		return batch_collect(ctx, argv + optind, argc - optind, resubmit, (int)jobs);
	if (optind != argc)
		return usage("batch", IG_EUSAGE);
	if (open_ws(ctx, &ws, &err) < 0)
		return fail("batch status", &err);
	return finish("batch status", ws, batch_report(ws, stdout, json, &err), &err);
}

/* --- config, prompts, models ------------------------------------------ */

static const char config_usage[] =
	"usage: igny8 config [--json] [PREFIX]\n"
	"Prints the resolved settings (keys redacted) with where each came from.\n";

static int
cmd_config(int argc, char **argv, struct ctx *ctx)
{
	struct ig_err err = { 0 };
	int json, rc;

	if ((rc = json_args("config", argc, argv, 1, &json)) >= 0)
		return rc;
	if (admin_config(ctx->cfg, argv[optind], json, stdout, &err) < 0)
		return fail("config", &err);
	return finish("config", NULL, 0, &err);
}

static const char prompts_usage[] =
	"usage: igny8 prompts list\n"
	"       igny8 prompts show FUNCTION\n"
	"       igny8 prompts set FUNCTION FILE\n"
	"       igny8 prompts reset FUNCTION\n"
	"Workspace prompts win over the user's and the shipped ones;\n"
	"functions: cluster ideas write image_prompts image negative.\n";

static int
cmd_prompts(int argc, char **argv, struct ctx *ctx)
{
	struct ig_err err = { 0 };
	const char *verb = argc > 1 ? argv[1] : "";
	int want = !strcmp(verb, "list") ? 2 : !strcmp(verb, "set") ? 4 : 3;
	struct ws *ws;
	int rc;

	if (!strcmp(verb, "-h") || !strcmp(verb, "--help"))
		return usage("prompts", IG_OK);
	if (argc != want || (want == 3 && strcmp(verb, "show") && strcmp(verb, "reset")))
		return usage("prompts", IG_EUSAGE);
	if (want > 2 && !prompt_function_known(argv[2])) {
		ig_errorf("prompts: unknown function '%s'", argv[2]);
		return usage("prompts", IG_EUSAGE);
	}
	if (open_ws(ctx, &ws, &err) < 0)
		return fail("prompts", &err);
	if (want == 2)
		rc = admin_prompts_list(ws, stdout, &err);
	else if (!strcmp(verb, "show"))
		rc = admin_prompt_show(ws, argv[2], stdout, &err);
	else if (!strcmp(verb, "set"))
		rc = admin_prompt_set(ws, argv[2], argv[3], &err);
	else
		rc = prompt_ws_set(ws, argv[2], NULL, &err);
	return finish("prompts", ws, rc, &err);
}

static const char models_usage[] =
	"usage: igny8 models [--json] [PROVIDER]\n"
	"Lists the models a provider offers (GET /models), marking the ones that\n"
	"retire, and keeps the list in the workspace for a day.\n";

/* The workspace when there is one: the commands below work without. */
static struct ws *
maybe_ws(struct ctx *ctx)
{
	struct ig_err err = { 0 };

	return access(ctx->workspace, F_OK) == 0 ? ws_open(ctx->workspace, WS_OPEN, &err)
						 : NULL;
}

static int
cmd_models(int argc, char **argv, struct ctx *ctx)
{
	struct ig_err err = { 0 };
	struct ws *ws;
	int json, rc;

	if ((rc = json_args("models", argc, argv, 1, &json)) >= 0)
		return rc;
	ws = maybe_ws(ctx);
	if (admin_models(ctx->cfg, ws, argv[optind], json, stdout, &err) < 0) {
		ws_close(ws);
		return fail("models", &err);
	}
	return finish("models", ws, 0, &err);
}

static const char doctor_usage[] =
	"usage: igny8 doctor [--json]\n"
	"Reports the status of every configured model: ok, retiring (date, days\n"
	"left, replacement) or shut down; exits 78 when one has shut down.\n";

static int
cmd_doctor(int argc, char **argv, struct ctx *ctx)
{
	struct ig_err err = { 0 };
	struct ws *ws;
	int json, rc, gone;

	if ((rc = json_args("doctor", argc, argv, 0, &json)) >= 0)
		return rc;
	ws = maybe_ws(ctx);
	gone = admin_doctor(ctx->cfg, ws, json, stdout, &err);
	if ((rc = finish("doctor", ws, gone < 0 ? -1 : 0, &err)) != IG_OK)
		return rc;
	if (gone > 0) {
		ig_errorf("doctor: %d configured model%s shut down: change %s", gone,
			  gone == 1 ? " has" : "s have",
			  gone == 1 ? "its setting" : "their settings");
		return IG_ECONFIG;
	}
	return IG_OK;
}

/* --- report ---------------------------------------------------------- */

static const char report_usage[] =
	"usage: igny8 report --html DIR\n"
	"Writes the workspace as a static site a browser can open: clusters with\n"
	"their keywords, ideas, each article with its images, and the spend.\n"
	"  --html DIR     the folder to write (created)\n";

static int
cmd_report(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "html", required_argument, NULL, 'H' },
		{ 0 } };
	const char *dir = NULL, *devs = config_str(ctx->cfg, "image.devices");
	struct ig_err err = { 0 };
	char device[64];
	struct ws *ws;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c != 'H')
			return usage("report", c == 'h' ? IG_OK : IG_EUSAGE);
		dir = optarg;
	}
	if (!dir || optind != argc)
		return usage("report", IG_EUSAGE);
	snprintf(device, sizeof device, "%.*s", devs ? (int)strcspn(devs, ",") : 0,
		 devs ? devs : "");
	if (open_ws(ctx, &ws, &err) < 0)
		return fail("report", &err);
	return finish("report", ws, report_html(ws, dir, device, &err), &err);
}

/* --- the table and main --------------------------------------------- */

/* One row per subcommand, sorted. */
static const struct subcmd subcmds[] = {
	{ "audit", cmd_audit, audit_usage },
	{ "batch", cmd_batch, batch_usage },
	{ "config", cmd_config, config_usage },
	{ "costs", cmd_costs, costs_usage },
	{ "doctor", cmd_doctor, doctor_usage },
	{ "export", cmd_export, export_usage },
	{ "import", cmd_import, import_usage },
	{ "init", cmd_init, init_usage },
	{ "log", cmd_log, log_usage },
	{ "merge", cmd_merge, merge_usage },
	{ "models", cmd_models, models_usage },
	{ "prompts", cmd_prompts, prompts_usage },
	{ "report", cmd_report, report_usage },
	{ "runs", cmd_runs, runs_usage },
	{ "status", cmd_status, status_usage },
	{ "tasks", cmd_tasks, tasks_usage },
};

static const struct subcmd *
find_subcmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(subcmds); i++)
		if (strcmp(name, subcmds[i].name) == 0)
			return &subcmds[i];
	return NULL;
}

static int
main_usage(int status)
{
	FILE *out = status ? stderr : stdout;

	fputs("usage: igny8 [-qvV] [-w FILE] [-c FILE] COMMAND [ARGS]\n"
	      "  -w, --workspace FILE  workspace (default $IGNY8_WORKSPACE or ./igny8.db)\n"
	      "  -c, --config FILE     configuration file\n"
	      "  -q, --quiet           no notes or warnings\n"
	      "  -v, --verbose         more notes\n"
	      "  -V, --version         print the version\n"
	      "  -h, --help            this help\n"
	      "commands:", out);
	for (size_t i = 0; i < ARRAY_SIZE(subcmds); i++)
		fprintf(out, " %s", subcmds[i].name);
	fputs("\nother commands run igny8-COMMAND from igny8's directory"
	      " (cluster, ideas, write, image)\n"
	      "'igny8 COMMAND --help' describes a command\n", out);
	return status;
}

static void
config_warn(const char *msg)
{
	ig_warnf("%s", msg);
}

/* path, then --config FILE when given, then the subcommand's arguments. */
static char **
child_argv(int argc, char **argv, char *path, const char *config)
{
	char **v = calloc((size_t)argc + 3, sizeof *v);
	int k = 0;

	if (!v)
		return argv;
	v[k++] = path;
	if (config) {
		v[k++] = "--config";
		v[k++] = (char *)config;
	}
	for (int i = 1; i < argc; i++)
		v[k++] = argv[i];
	return v;
}

/* "'cost' is not an igny8 command; did you mean 'costs'?" */
static void
not_a_command(const char *name)
{
	static const char *const stages[] = { "cluster", "ideas", "write", "image" };
	const char *names[ARRAY_SIZE(subcmds) + ARRAY_SIZE(stages)], *near;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(subcmds); i++)
		names[n++] = subcmds[i].name;
	for (size_t i = 0; i < ARRAY_SIZE(stages); i++)
		names[n++] = stages[i];
	if ((near = suggest_nearest(name, names, n)))
		ig_errorf("'%s' is not an igny8 command; did you mean '%s'?", name, near);
	else
		ig_errorf("'%s' is not an igny8 command", name);
}

/* Runs igny8-<name> from the directory of this executable, like git. */
static int
run_external(int argc, char **argv, struct ctx *ctx)
{
	char self[PATH_MAX], path[PATH_MAX + 64], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0 && strchr(argv[0], '/') == NULL) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/igny8-%s", self, argv[0]);
			if (access(path, X_OK) == 0) {
				/* The child takes the workspace from the
				 * environment and the config file as an option. */
				setenv("IGNY8_WORKSPACE", ctx->workspace, 1);
				execv(path, child_argv(argc, argv, path, ctx->config));
				ig_errorf("cannot run %s: %s", path, strerror(errno));
				return IG_ESOFTWARE;
			}
		}
	}
	not_a_command(argv[0]);
	return main_usage(IG_EUSAGE);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "workspace", required_argument, NULL, 'w' },
		{ 0 } };
	struct ctx ctx = { NULL, NULL, NULL };
	const struct subcmd *s;
	struct ig_err err = { 0 };
	static char subname[64];
	int c, rc;

	ig_core_dumps_off();	/* before any key is read: none in a core */
	msg_init(argv[0]);
	argv[0] = (char *)msg_prog();	/* getopt's messages name the program */
	/* '+': options after the subcommand name are the subcommand's. */
	while ((c = getopt_long(argc, argv, "+c:hqVvw:", opts, NULL)) != -1) {
		if (c == 'c')
			ctx.config = optarg;
		else if (c == 'q')
			msg_set_level(MSG_QUIET);
		else if (c == 'v')
			msg_set_level(msg_level() + 1 > MSG_DEBUG ? MSG_DEBUG : msg_level() + 1);
		else if (c == 'w')
			ctx.workspace = optarg;
		else if (c == 'V')
			return puts("igny8 " IG_VERSION) == EOF ? IG_EIO : IG_OK;
		else
			return main_usage(c == 'h' ? IG_OK : IG_EUSAGE);
	}
	if (optind >= argc)
		return main_usage(IG_EUSAGE);
	/* Settings decide the workspace: -w, else IGNY8_WORKSPACE or a file. */
	if (!(ctx.cfg = config_resolve(ctx.config, config_warn, &err)))
		return fail("config", &err);
	if (!ctx.workspace)
		ctx.workspace = config_str(ctx.cfg, "workspace");
	argv += optind;
	argc -= optind;
	if (!(s = find_subcmd(argv[0]))) {
		rc = run_external(argc, argv, &ctx);
	} else {
		/* getopt then says "igny8: export: unrecognized option ..." */
		snprintf(subname, sizeof subname, "%s: %s", msg_prog(), s->name);
		argv[0] = subname;
		rc = s->fn(argc, argv, &ctx);
	}
	config_free(ctx.cfg);
	return rc;
}
