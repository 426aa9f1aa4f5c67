/*
 * opt.h: the command-line options every filter shares, parsed once here so
 * each cmd/igny8-*.c only adds its own rows.
 *
 * Usage: a command lists OPT_COMMON_LONG in its getopt_long table and
 * OPT_COMMON_SHORT in its short string, then hands every option it does not
 * know to opt_common().  Numbers are checked with strtol/strtod end-pointer
 * tests.  Settings-like flags become "key=value" entries in run_opts.sets,
 * applied after the configuration files and environment.
 */
#ifndef IG_OPT_H
#define IG_OPT_H

#include <getopt.h>

#include "compat.h"
#include "engine.h"
#include "err.h"

enum {
	OPT_PROGRESS = 256, OPT_DEBUG, OPT_NO_CACHE, OPT_REFRESH, OPT_MAX_COST,
	OPT_UNORDERED, OPT_PROMPT, OPT_SET, OPT_BATCH, OPT_JSON, OPT_FIRST_LOCAL = 300
};

#define OPT_COMMON_SHORT "w:c:m:j:qvnkhV"
#define OPT_COMMON_LONG                                          \
	{ "workspace", required_argument, NULL, 'w' },          \
	{ "config", required_argument, NULL, 'c' },             \
	{ "model", required_argument, NULL, 'm' },              \
	{ "jobs", required_argument, NULL, 'j' },               \
	{ "quiet", no_argument, NULL, 'q' },                    \
	{ "verbose", no_argument, NULL, 'v' },                  \
	{ "debug", no_argument, NULL, OPT_DEBUG },              \
	{ "progress", required_argument, NULL, OPT_PROGRESS },  \
	{ "dry-run", no_argument, NULL, 'n' },                  \
	{ "keep-going", no_argument, NULL, 'k' },               \
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },        \
	{ "refresh", no_argument, NULL, OPT_REFRESH },          \
	{ "max-cost", required_argument, NULL, OPT_MAX_COST },  \
	{ "unordered", no_argument, NULL, OPT_UNORDERED },      \
	{ "prompt", required_argument, NULL, OPT_PROMPT },      \
	{ "set", required_argument, NULL, OPT_SET },            \
	{ "json", no_argument, NULL, OPT_JSON },                \
	{ "help", no_argument, NULL, 'h' },                     \
	{ "version", no_argument, NULL, 'V' }

/* Usage lines for the shared options, for each command's --help. */
extern const char opt_common_help[];

/* Fills defaults (jobs 0, max_cost -1, progress -1, normal verbosity). */
void opt_init(struct run_opts *o, const char *program);

/*
 * Handles one shared option.  Returns 1 when handled, 0 when c is not a
 * shared option, 2 for --help/--version (already printed: exit 0), -1 on a
 * bad value (err set, IG_EUSAGE).
 */
int opt_common(struct run_opts *o, int c, const char *arg, const char *usage,
	       struct ig_err *err);

/* Adds a "key=value" setting (copied). */
int opt_set(struct run_opts *o, const char *kv, struct ig_err *err);

/*
 * A flag that sets a configuration key ("--method local" sets
 * cluster.method): the value is checked against the key's row now, so a
 * bad one is a usage error naming the flag.
 */
int opt_setting(struct run_opts *o, const char *flag, const char *key,
		const char *value, struct ig_err *err);

/* Parses a positive integer / non-negative number or fails naming the option. */
int opt_long(const char *arg, const char *name, long min, long max, long *out,
	     struct ig_err *err);
int opt_double(const char *arg, const char *name, double *out, struct ig_err *err);
/* Appends an id (for --cluster ID etc.). */
int opt_add_id(struct run_opts *o, const char *arg, const char *name,
	       struct ig_err *err);

/*
 * A record given by a flag (--title TEXT): {"type": type, field: value},
 * appended to the JSON lines the run reads instead of standard input.
 */
int opt_add_record(struct run_opts *o, const char *type, const char *field,
		   const char *value, struct ig_err *err);

/* Remaining arguments after options become input files. */
void opt_inputs(struct run_opts *o, int argc, char **argv, int optind_);

/* Releases what opt_* allocated. */
void opt_release(struct run_opts *o);

/* Standard main tail: runs a usage error message and returns 64. */
int opt_usage_error(const char *usage, const struct ig_err *err);

/* What a filter's main hands to opt_main(). */
struct opt_cmd {
	const char *usage;		/* synopsis and the program's own options */
	const char *shortopts;		/* the program's own short options */
	const struct option *longopts;	/* OPT_COMMON_LONG plus its own rows */
	/* Its own options: 0 handled, 1 not one of its own, -1 bad (err set). */
	int (*option)(struct run_opts *o, int c, const char *arg, struct ig_err *err);
	const struct fn_ops *fn;	/* the function the engine runs */
};

/* The whole main of a filter: options, then engine_main(); its exit status. */
int opt_main(int argc, char **argv, const struct opt_cmd *cmd);

#endif
